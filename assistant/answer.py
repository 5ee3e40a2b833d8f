"""The extractive answer engine: grounded by construction.

retrieve -> select -> compose, as a LangChain runnable chain. Every sentence of an answer is a sentence
of a retrieved passage (put into plain words for patients), cited to that passage's source; when the
best evidence is not good enough, the answer is a refusal that says what the sources do cover."""

from __future__ import annotations

import time
from functools import cached_property

import numpy as np
from langchain_core.runnables import RunnableLambda

from .audience import (DOSE_REFUSAL, FUTURE_REFUSAL, INSTRUCTION_REFUSAL, REFUSAL, SECTION_ORDER, check_mode,
                       disclaimer, prompt_text, section_group, section_title, simplify)
from .chat import standalone
from .config import MAX_QUESTION_CHARS, Settings
from .index import Store
from .retrieve import HybridRetriever, where_filter
from .schema import Answer, Hit, Reference, Section, Sentence
from .select import Candidate, focus, for_patients, readable, score, select
from .scope import Scope
from .text import content_terms, has_instructions, stems


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
        state = {"question": check_question(question), "mode": check_mode(mode), "history": list(history),
                 "where": where, "t0": time.perf_counter(), "timings": {}}
        return self.chain.invoke(state)

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
        candidates = self._score(state["standalone"], state["qvec"], hits, state["focus"])
        best_sentence = max((c.similarity for c in candidates), default=0.0)
        state["scope"] = self.scope.answerability(state["question"], state["standalone"], state["qvec"],
                                                   state["found"], best_sentence)
        state["answerability"] = state["scope"]["score"]
        if self.scope.after_sources(state["question"]):
            state["refusal"] = FUTURE_REFUSAL[state["mode"]]
        elif state["answerability"] < self.settings.min_answerability:
            state["refusal"] = REFUSAL[state["mode"]]
        elif self.scope.dose_missing(state["standalone"], [c.text for c in candidates]):
            state["refusal"] = DOSE_REFUSAL[state["mode"]]
        else:
            if state["mode"] == "patient":
                candidates = [readable(c, self.simplify) for c in candidates]
            state["chosen"] = select(candidates, self.settings.max_sentences, focused=state["focus"])
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
            answer.sections, answer.references = compose(state["chosen"], mode)
        answer.timings_ms = {**state["timings"], "total_ms": _ms(state["t0"])}
        if "answerability" in state:
            answer.answerability = round(state["answerability"], 3)
            answer.scope = state["scope"]
        return answer

    @cached_property
    def scope(self) -> Scope:
        return Scope(self.store.loaded, self.retriever.lexicon, self.store.background())

    # -- sentence scoring --------------------------------------------------------------------
    def simplify(self, text: str) -> str:
        return simplify(text, self.retriever.lexicon.plain)

    def _score(self, query: str, qvec: np.ndarray, hits: list[Hit], focused: dict[str, float]) -> list[Candidate]:
        own = set(stems(query))
        top = max((h.score for h in hits), default=1.0)
        vectors = self.store.sentence_vectors([h.passage for h in hits])
        out = []
        for hit in hits:
            for position, (text, vec) in enumerate(vectors.get(hit.passage.id, [])):
                if len(content_terms(text)) < 4:
                    continue
                vec = np.asarray(vec)
                lexical = len(own & self._terms(text)) / len(own) if own else 0.0
                similarity = float(np.dot(qvec, vec))
                value = score(similarity, lexical, hit.score / top, text, hit.source.kind, query,
                              focused.get(hit.source.id, 0.0))
                out.append(Candidate(text, hit.passage, hit.source, position, vec, value, similarity))
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


def compose(chosen: list[Candidate], mode: str) -> tuple[list[Section], list[Reference]]:
    """Group sentences into sections, number citations by first use, list the references."""
    groups: dict[str, list[Candidate]] = {}
    for cand in chosen:
        groups.setdefault(section_group(cand.source.kind), []).append(cand)
    sections, refs, numbers = [], [], {}
    for group in SECTION_ORDER:
        cands = groups.get(group, [])
        if not cands:
            continue
        rank = {}
        for c in cands:  # sources in order of their best sentence, sentences in reading order
            rank.setdefault(c.source.id, len(rank))
        cands.sort(key=lambda c: (rank[c.source.id], c.passage.id, c.position))
        section = Section(section_title(cands[0].source.kind, mode))
        for cand in cands:
            if cand.source.id not in numbers:
                numbers[cand.source.id] = len(numbers) + 1
                refs.append(Reference(numbers[cand.source.id], cand.source.id, cand.source.citation,
                                      cand.source.kind, cand.source.year, cand.source.verified, cand.source.evidence))
            ref = refs[numbers[cand.source.id] - 1]
            if all(p["id"] != cand.passage.id for p in ref.passages):
                ref.passages.append({"id": cand.passage.id, "text": cand.passage.text})
            section.sentences.append(Sentence(cand.shown, [numbers[cand.source.id]]))
        sections.append(section)
    return sections, refs


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
