"""The extractive answer engine: grounded by construction.

retrieve -> select -> compose, as a LangChain runnable chain. Every sentence of an answer is a sentence
of a retrieved passage (put into plain words for patients), cited to that passage's source; when the
best evidence is not good enough, the answer is a refusal that says what the sources do cover."""

from __future__ import annotations

import re
import time
from functools import cached_property

import numpy as np
from langchain_core.runnables import RunnableLambda

from .audience import (COMPARED_TITLE, CONDITION_REFUSAL, DOSE_REFUSAL, FUTURE_REFUSAL, INSTRUCTION_REFUSAL, LEAD_TITLE, NOT_COVERED,
                       REFUSAL, SECTION_ORDER, UNCONFIRMED_NOTE, UNCONFIRMED_TITLE, check_mode, disclaimer,
                       prompt_text, section_group, section_title, simplify)
from .chat import standalone
from .conditions import Conditions
from .config import MAX_QUESTION_CHARS, Settings
from .index import Store
from .retrieve import HybridRetriever, where_filter
from .corpus import plain_twin
from .schema import ANSWER_TYPES, Answer, Hit, Reference, Section, Sentence
from .plan import make_plan, question_kind
from .select import Candidate, focus, for_patients, readable, score
from .scope import Scope
from .injection import has_instructions
from .text import content_terms, stem, stems


class QuestionError(ValueError):
    """A question that cannot be asked as it is (empty, too long)."""


def check_question(question: str | None) -> str:
    text = (question or "").strip()
    if not text:
        raise QuestionError("The question is empty: type a question about the topics of the corpus.")
    if len(text) > MAX_QUESTION_CHARS:
        raise QuestionError(f"The question is {len(text):,} characters long; the limit is {MAX_QUESTION_CHARS:,}. "
                            "Shorten it to the question itself.")
    return text


class ExtractiveEngine:
    name = "extractive"

    def __init__(self, store: Store, settings: Settings):
        self.store, self.settings = store, settings
        self.retriever = HybridRetriever(store=store, k=settings.top_k, fetch_k=settings.fetch_k, rrf_k=settings.rrf_k,
                                         subject=settings.subject)
        self.chain = RunnableLambda(self._retrieve) | RunnableLambda(self._select) | RunnableLambda(self._compose)
        self._term_cache: dict[str, set[str]] = {}

    def answer(self, question: str, mode: str = "clinician", history: list[str] | tuple = (),
               where: dict | None = None) -> Answer:
        if self.store.refresh():  # the index changed (an ingest, a remove): what was derived from it goes too
            for derived in ("scope", "conditions"):
                self.__dict__.pop(derived, None)
            self.retriever.__dict__.pop("terms_weigher", None)
        state = {"question": check_question(question), "mode": check_mode(mode), "history": list(history),
                 "where": where, "t0": time.perf_counter(), "timings": {}, "said": self._said(history, mode, where)}
        return self.chain.invoke(state)

    def _said(self, history, mode: str, where: dict | None) -> frozenset[str]:
        """The statements the previous answer gave: a follow-up does not give them again as supporting sentences
        (its first sentence may, when it is still the best answer). Recomputed from the conversation's questions,
        so the engine stays stateless."""
        if not history:
            return frozenset()
        try:
            previous = self.chain.invoke({"question": check_question(history[-1]), "mode": mode,
                                          "history": list(history[:-1]), "where": where, "t0": time.perf_counter(),
                                          "timings": {}, "said": frozenset()})
        except QuestionError:
            return frozenset()
        return frozenset(s.statement for s in previous.sentences if s.statement)

    # -- steps -------------------------------------------------------------------------------
    def _retrieve(self, state: dict) -> dict:
        # a standalone question made elsewhere (the generative engine's model) wins over the rule's
        query = state.get("standalone") or standalone(state["question"], state["history"], self.retriever.lexicon)
        state["standalone"] = query
        if has_instructions(state["question"]):
            state["refusal"] = INSTRUCTION_REFUSAL
            return state
        patient = state["mode"] == "patient"
        where = where_filter(audience=None if patient else "clinician")  # patients: plain passages too
        if state["where"]:
            where = {"$and": [state["where"], where]} if where else state["where"]
        state["qvec"] = self.retriever.embed(query)
        state["found"] = self.retriever.search(query, k=self.settings.top_k, where=where, qvec=state["qvec"])
        state["hits"] = technical_passages(state["found"], self.store) if patient else state["found"]
        state["timings"]["retrieve_ms"] = _ms(state["t0"])
        return state

    def _select(self, state: dict) -> dict:
        if state.get("refusal"):
            return state
        t = time.perf_counter()
        hits: list[Hit] = state["hits"]
        loaded = self.store.loaded
        state["focus"] = focus(state["standalone"], loaded.named_by, loaded.sources)
        kind = question_kind(state["standalone"])
        items = compared_items(state["standalone"], loaded) if kind == "comparison" else []
        if len(items) >= 2:  # every item compared, retrieved or not
            hits = hits + named_passages({sid for _, sids in items for sid in sids}, hits, loaded)
        elif kind == "broad":  # a broad answer's slots: the whole of the syntheses retrieval found
            hits = hits + named_passages({h.source.id for h in hits if h.source.kind == "synthesis"}, hits, loaded)
        candidates = self._score(state["standalone"], state["qvec"], hits, state["focus"])
        best_sentence = max((c.similarity for c in candidates), default=0.0)
        state["scope"] = self.scope.answerability(state["question"], state["standalone"], state["qvec"],
                                                   state["found"], best_sentence)
        state["answerability"] = state["scope"]["score"]
        uncovered = self.conditions.uncovered(state["standalone"])
        if uncovered:  # another disease: this corpus's evidence does not answer it, however well words match
            state["refusal"] = CONDITION_REFUSAL[state["mode"]].format(name=uncovered)
        elif self.scope.asks_future(state["question"]):
            state["refusal"] = FUTURE_REFUSAL[state["mode"]]
        elif state["answerability"] < self.settings.min_answerability:
            state["refusal"] = REFUSAL[state["mode"]]
        elif self.scope.dose_missing(state["standalone"], [c.text for c in candidates]):
            state["refusal"] = DOSE_REFUSAL[state["mode"]]
        else:
            if state["mode"] == "patient":
                candidates = [readable(c, self.simplify) for c in candidates]
            state["plan"] = make_plan(state["standalone"], candidates, state["focus"], items, state.get("said", ()))
            state["chosen"] = state["plan"].chosen
            if state["mode"] == "patient":
                plain = self._score(state["standalone"], state["qvec"], plain_passages(hits, self.store), {})
                state["chosen"] = for_patients(state["chosen"], plain, self.simplify)
        state["timings"]["select_ms"] = (time.perf_counter() - t) * 1000
        return state

    def _compose(self, state: dict) -> Answer:
        mode = state["mode"]
        answer = Answer(question=state["question"], mode=mode, refused=bool(state.get("refusal")), sections=[],
                        references=[], disclaimer=disclaimer(self.settings.prompts_dir, mode), engine=self.name,
                        standalone_question=state["standalone"] if state["standalone"] != state["question"] else None)
        if answer.refused:
            scope = prompt_text(self.settings.prompts_dir, "scope")
            answer.message = f"{state['refusal']} {scope}"
        else:
            plan = state.get("plan")
            answer.sections, answer.references = compose(state["chosen"], mode, self.store.loaded,
                                                         lead=len(plan.lead) if plan else 0,
                                                         items=plan.items if plan else (),
                                                         doubt_first=bool(plan and plan.doubt_first))
        answer.timings_ms = {**state["timings"], "total_ms": _ms(state["t0"])}
        if "answerability" in state:
            answer.answerability = round(state["answerability"], 3)
            answer.scope = state["scope"]
        return answer

    @cached_property
    def conditions(self) -> Conditions:
        return Conditions(self.store.loaded, self.retriever.lexicon)

    @cached_property
    def scope(self) -> Scope:
        return Scope(self.store.loaded, self.retriever.lexicon, self.store.background())

    # -- sentence scoring --------------------------------------------------------------------
    def simplify(self, text: str) -> str:
        return simplify(text, self.retriever.lexicon.plain)

    def _score(self, query: str, qvec: np.ndarray, hits: list[Hit], focused: dict[str, float]) -> list[Candidate]:
        weighted = self.scope.weighted(query)  # the question's ideas, rare ones weighing most
        top = max((h.score for h in hits), default=1.0)
        vectors = self.store.sentence_vectors([h.passage for h in hits])
        out = []
        for hit in hits:
            statements = hit.passage.statements
            for position, (text, vec) in enumerate(vectors.get(hit.passage.id, [])):
                if len(content_terms(text)) < 4 or has_instructions(text):
                    continue  # too short to stand alone, or text that instructs a model: never evidence
                statement = statements[position] if position < len(statements) else None
                vec = np.asarray(vec)
                lexical = self.scope.weighted_share(weighted, self._terms(text))
                similarity = float(np.dot(qvec, vec))
                value = score(similarity, lexical, hit.score / top, text, hit.source.kind, query,
                              focused.get(hit.source.id, 0.0))
                out.append(Candidate(text, hit.passage, hit.source, position, vec, value, similarity,
                                     statement=statement))
        return out


    def _terms(self, text: str) -> set[str]:
        """A sentence's stems with its abbreviations and synonyms spelt out (cached: sentences recur)."""
        if text not in self._term_cache:
            self._term_cache[text] = set(stems(self.retriever.lexicon.expand(text)))
        return self._term_cache[text]


def _passages_of(hits: list[Hit], store: Store, audience: str, keep: bool) -> list[Hit]:
    """For each hit, the passages of the same source written for `audience` (keeping hits of that audience)."""
    out, have = [], set()
    for hit in hits:
        if hit.passage.audience == audience:
            found = [hit.passage] if keep else []
        else:
            found = store.loaded.of_source(hit.source.id, audience)
        for passage in found:
            if passage.id not in have:
                have.add(passage.id)
                out.append(Hit(passage, hit.source, hit.score, hit.dense, hit.lexical))
    return out


def plain_passages(hits: list[Hit], store: Store) -> list[Hit]:
    """The plain-language passages of the sources found: the same facts, in words for patients."""
    return _passages_of(hits, store, "patient", keep=False)


def technical_passages(hits: list[Hit], store: Store) -> list[Hit]:
    """A plain-language hit stands for its source: patients get the facts of the technical passages."""
    return _passages_of(hits, store, "clinician", keep=True)


class _References:
    """Reference numbers by first use, with the passages each reference's sentences quote."""

    def __init__(self):
        self.refs: list[Reference] = []
        self.numbers: dict[str, int] = {}

    def cite(self, source, passage) -> int:
        if source.id not in self.numbers:
            self.numbers[source.id] = len(self.numbers) + 1
            self.refs.append(Reference(self.numbers[source.id], source.id, source.citation, source.kind,
                                       source.year, source.verified, source.evidence, flags=list(source.flags)))
        ref = self.refs[self.numbers[source.id] - 1]
        if all(p["id"] != passage.id for p in ref.passages):
            ref.passages.append({"id": passage.id, "text": passage.text})
        return ref.n


def _sentence(cand: Candidate, refs: _References, loaded, mode: str) -> Sentence:
    """A sentence of the answer: a synthesis cites the sources of the statements it rests on, any other
    statement its own source."""
    statement = cand.statement
    cited = []
    if statement and statement.rests_on and loaded is not None:
        for ref_id in statement.rests_on:
            found = loaded.statement(ref_id)
            if found and found[0].source_id in loaded.sources:
                passage = found[0] if mode == "clinician" else (plain_twin(found[0]) or found[0])
                cited.append(refs.cite(loaded.sources[found[0].source_id], passage))
    if not cited:
        cited = [refs.cite(cand.source, cand.passage)]
    return Sentence(cand.shown, sorted(set(cited)), statement.id if statement else None,
                    statement.type if statement else None, statement.caveat if statement else None)


def compose(chosen: list[Candidate], mode: str, loaded=None, lead: int = 0,
            items: list[tuple[str, list[Candidate]]] = (), doubt_first: bool = False
            ) -> tuple[list[Section], list[Reference]]:
    """The lead sentence (the direct answer or bottom line) first, then the rest grouped by kind of source (or,
    for a comparison, one section per item compared), claims that no primary source confirms last (first, with
    their label, when the question is about such a claim); citations numbered by first use."""
    refs = _References()
    sections: list[Section] = []
    unconfirmed = [c for c in chosen[lead:] if c.type not in ANSWER_TYPES]
    if unconfirmed and doubt_first:
        sections.append(Section(UNCONFIRMED_TITLE[mode], [_sentence(c, refs, loaded, mode) for c in unconfirmed],
                                note=UNCONFIRMED_NOTE[mode]))
    if lead:
        sections.append(Section(LEAD_TITLE[mode], [_sentence(c, refs, loaded, mode) for c in chosen[:lead]]))
    if items:
        for name, cands in items:
            sections.append(Section(f"{COMPARED_TITLE[mode]}: {name}", [_sentence(c, refs, loaded, mode) for c in cands],
                                    note=None if cands else NOT_COVERED[mode]))
        return sections, refs.refs
    body = [c for c in chosen[lead:] if c.type in ANSWER_TYPES]
    groups: dict[str, list[Candidate]] = {}
    for cand in body:
        groups.setdefault(section_group(cand.source.kind), []).append(cand)
    for group in SECTION_ORDER:
        cands = groups.get(group, [])
        if not cands:
            continue
        rank = {}
        for c in cands:  # sources in order of their best sentence, sentences in reading order
            rank.setdefault(c.source.id, len(rank))
        cands.sort(key=lambda c: (rank[c.source.id], c.passage.id, c.position))
        sections.append(Section(section_title(cands[0].source.kind, mode),
                                [_sentence(c, refs, loaded, mode) for c in cands]))
    if unconfirmed and not doubt_first:
        sections.append(Section(UNCONFIRMED_TITLE[mode], [_sentence(c, refs, loaded, mode) for c in unconfirmed],
                                note=UNCONFIRMED_NOTE[mode]))
    return sections, refs.refs


def compared_items(question: str, loaded) -> list[tuple[str, set[str]]]:
    """What a comparison compares: each name the question uses for sources ('ASTIS', 'SCOT'), in its order,
    with the sources it names (syntheses left out)."""
    out, seen = [], set()
    for word in re.findall(r"[\w-]+", question):
        term = stem(word.lower())
        sids = {sid for sid in loaded.named_by.get(term, set()) if loaded.sources[sid].kind != "synthesis"}
        if sids and term not in seen:
            seen.add(term)
            out.append((word, sids))
    return out


def named_passages(sources: set[str], hits: list[Hit], loaded) -> list[Hit]:
    """The clinician passages of these sources that retrieval did not bring."""
    have = {h.passage.id for h in hits}
    top = max((h.score for h in hits), default=1.0)
    return [Hit(p, loaded.sources[sid], top) for sid in sorted(sources) if sid in loaded.sources
            for p in loaded.of_source(sid, "clinician") if p.id not in have]


def _ms(t0: float) -> float:
    return round((time.perf_counter() - t0) * 1000, 1)


def load_engine(settings: Settings, name: str = "extractive", store: Store | None = None):
    """The answer engine by name, on the index (built from the corpus if it is empty)."""
    from .index import open_store

    if name == "llm":
        from .generate import GenerativeEngine

        return GenerativeEngine(store or open_store(settings), settings)
    if name != "extractive":
        raise ValueError(f"unknown engine {name!r}; available: extractive, llm")
    return ExtractiveEngine(store or open_store(settings), settings)
