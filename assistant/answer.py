"""The extractive answer engine: grounded by construction.

rewrite -> retrieve -> scope -> plan -> compose, as a LangChain runnable chain over an `AnswerState`. Every
sentence of an answer is a typed statement (or a sentence) of a retrieved passage, put into plain words for
patients, cited to that passage's source; when the best evidence is not good enough, or the question is about
something the sources do not cover, the answer is a refusal that says what the sources do cover.

`engine.chain` is the public runnable: it takes a question, or `{"question", "history", "mode", "where"}`, and
returns the `Answer`, so it can sit in a user's own LangChain chain."""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import replace
from functools import cached_property

import numpy as np
from langchain_core.runnables import RunnableLambda

from .audience import (CONDITION_REFUSAL, COST_REFUSAL, DOSE_REFUSAL, FUTURE_REFUSAL, INSTRUCTION_REFUSAL, REFUSAL,
                       WRITING_REFUSAL,
                       check_mode, disclaimer, explain, prompt_text, simplify)
from .chat import own_words, standalone
from .compose import compose
from .corpus import plain_twin
from .conditions import Conditions, without_subject
from .config import MAX_QUESTION_CHARS, Settings
from .index import Store
from .injection import has_instructions
from .plan import make_plan, on_topic, question_kind
from .repeats import once
from .retrieve import HybridRetriever, where_filter
from .schema import Answer, AnswerState, Candidate, Hit, Item
from .scope import WRITING, Scope
from .select import focus, for_patients, readable, score
from .spelling import Speller
from .text import content_terms, durations, stem, stems


SAID_CACHE = 2048  # answers whose statements are kept for the follow-up that may come next
NAMED_SHARE = 0.85  # a question that names a source of the corpus ('a study called UPSIDE') needs this share of the bar
NAMED_SENTENCE = 0.4  # ... when a statement of that source is this close to it ('waiting list ... in Canada' is not)
FRAME = frozenset(stems("result results finding findings outcome outcomes data evidence study studies trial trials "
                        "report reports reported show showed shown"))  # what a question asks for, not what about
OWN_WEIGHT = 1.5  # a follow-up's own ideas ('lymphodepletion') against the conversation's topic ('Merkt, CAR-T')
TIME_WEIGHT = 3.0  # a time point's weight among the question's ideas (a rare word's is 3-6)
FIELD = 0.25  # a word more than this share of the passages use is the field's (systemic sclerosis), not a point


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


def question_input(value) -> dict:
    """What the public runnables take: a question, or a mapping with `question` and optionally `history`,
    `mode` and `where`; as keyword arguments of `engine.answer`."""
    if isinstance(value, str):
        return {"question": value}
    if isinstance(value, Mapping) and "question" in value:
        unknown = set(value) - {"question", "history", "mode", "where"}
        if unknown:
            raise QuestionError(f"unknown input key(s) {sorted(unknown)}; expected question, history, mode, where")
        return {key: value[key] for key in ("question", "history", "mode", "where") if value.get(key) is not None}
    raise QuestionError(f"expected a question or a mapping with a 'question', got {type(value).__name__}")


class ExtractiveEngine:
    name = "extractive"

    def __init__(self, store: Store, settings: Settings):
        self.store, self.settings = store, settings
        self.retriever = HybridRetriever(store=store, k=settings.top_k, fetch_k=settings.fetch_k, rrf_k=settings.rrf_k,
                                         subject=settings.subject)
        # the steps up to the writing one (the generative engine runs these too), then the extractive writing
        self.prepare = (RunnableLambda(self.rewrite_step, name="rewrite") | RunnableLambda(self.retrieve, name="retrieve")
                        | RunnableLambda(self.decide, name="scope") | RunnableLambda(self.plan, name="plan"))
        self.steps = self.prepare | RunnableLambda(self.compose, name="compose")
        self.chain = RunnableLambda(lambda value: self.answer(**question_input(value)), name="extractive-answer")
        self._term_cache: dict[str, set[str]] = {}
        self._said_cache: OrderedDict = OrderedDict()  # (question, history, mode, where) -> statements said
        self._said_lock = threading.Lock()

    def answer(self, question: str, mode: str = "clinician", history: list[str] | tuple = (),
               where: dict | None = None) -> Answer:
        if self.store.refresh():  # the index changed (an ingest, a remove): what was derived from it goes too
            for derived in ("scope", "conditions", "speller"):
                self.__dict__.pop(derived, None)
            self.retriever.__dict__.pop("terms_weigher", None)
        state = self.start(question, mode, history, where)
        state.said = self._said(state.history, state.mode, where)
        answer = self.steps.invoke(state)
        self._remember(state, where, answer)
        return answer

    def _remember(self, state: AnswerState, where: dict | None, answer: Answer) -> None:
        """What an answer said, for the follow-up that comes next (a chat asks it within seconds)."""
        key = (state.question, tuple(state.history), state.mode, repr(where))
        with self._said_lock:
            self._said_cache[key] = frozenset(s.statement for s in answer.sentences if s.statement)
            while len(self._said_cache) > SAID_CACHE:
                self._said_cache.popitem(last=False)

    @staticmethod
    def start(question: str, mode: str = "clinician", history=(), where: dict | None = None) -> AnswerState:
        return AnswerState(check_question(question), check_mode(mode), list(history), where)

    def _said(self, history: list[str], mode: str, where: dict | None) -> frozenset[str]:
        """The statements the previous answer gave: a follow-up does not give them again (unless they are all the
        sources have on it). Recomputed from the conversation's questions, so the engine stays stateless."""
        if not history:
            return frozenset()
        known = self._said_cache.get((history[-1], tuple(history[:-1]), mode, repr(where)))
        if known is not None:
            return known
        try:
            previous = self.steps.invoke(self.start(history[-1], mode, history[:-1], where))
        except ValueError:  # a question or mode that cannot be asked: nothing was said
            return frozenset()
        return frozenset(s.statement for s in previous.sentences if s.statement)

    # -- steps -------------------------------------------------------------------------------
    def rewrite_step(self, state: AnswerState) -> AnswerState:
        """A follow-up made to stand alone (a standalone question made earlier, by a model, wins over the rule)."""
        state.standalone = state.standalone or standalone(self.speller.correct(state.question), state.history,
                                                          self.retriever.lexicon, names=self.store.loaded.named_by)
        return state

    def retrieve(self, state: AnswerState) -> AnswerState:
        if has_instructions(state.question):
            state.refusal = INSTRUCTION_REFUSAL
            return state
        state.qvec = self.retriever.embed(state.standalone)
        state.found = self.retriever.search(state.standalone, k=self.settings.top_k, where=state.where, qvec=state.qvec)
        state.hits = technical_passages(state.found, self.store)
        state.timings["retrieve_ms"] = _ms(state.t0)
        return state

    def decide(self, state: AnswerState) -> AnswerState:
        """Scope: whether the sources answer the question, and if not, why not (the refusal)."""
        if state.refusal:
            return state
        t = time.perf_counter()
        loaded = self.store.loaded
        state.focus = focus(state.standalone, loaded.named_by, loaded.sources)
        state.candidates = candidates = self._score(state.standalone, state.qvec, self._hits(state), state.focus)
        best_sentence = max((c.similarity for c in candidates), default=0.0)
        # what the threshold was calibrated on: a clinician question against the sources' own words (unless only
        # plain twins were found: a question in lay words, asked in clinician mode)
        technical = [h for h in state.found if h.passage.audience != "patient"]
        found = technical if state.mode != "patient" and technical else state.found
        asked = self.speller.correct(state.question)  # its own words, typos mended ('relaps after transplnt')
        state.scope = self.scope.answerability(asked, state.standalone, state.qvec, found, best_sentence)
        state.answerability = state.scope["score"]
        uncovered = (self.conditions.uncovered(state.standalone)  # a condition, drug or population; a name no
                     or next(iter(self.speller.unknown(state.standalone)), None)  # source and no dictionary knows; or
                     or without_subject(state.question, self.settings.subject)  # someone without the subject; or
                     or self.scope.practical_missing(state.question, [c.text for c in candidates]))  # a hospital stay
        named = any(state.focus.get(c.source.id) == 1.0 and c.source.kind != "education"
                    and c.similarity >= NAMED_SENTENCE for c in candidates)  # it names a source that speaks to it
        if WRITING.search(state.question):  # 'write me a poem about ...': not a question
            state.refusal = WRITING_REFUSAL[state.mode]
        elif uncovered:  # another disease: this corpus's evidence does not answer it, however well words match
            state.refusal = CONDITION_REFUSAL[state.mode].format(name=uncovered)
        elif self.scope.asks_future(state.question):
            state.refusal = FUTURE_REFUSAL[state.mode]
        elif state.answerability < self.settings.min_answerability * (NAMED_SHARE if named else 1.0):
            state.refusal = REFUSAL[state.mode]
        elif self.scope.cost_missing(state.question, _relevant(candidates)):  # its own words, as above
            state.refusal = COST_REFUSAL[state.mode]
        elif self.scope.dose_missing(state.standalone, [c.text for c in candidates],
                                     [c.text for c in candidates if state.focus.get(c.source.id) == 1.0]):
            state.refusal = DOSE_REFUSAL[state.mode]
        state.timings["scope_ms"] = (time.perf_counter() - t) * 1000
        return state

    def plan(self, state: AnswerState) -> AnswerState:
        """The statements to answer with, in order (plan.py); for patients, their plain twins."""
        if state.refusal:
            return state
        t = time.perf_counter()
        candidates = state.candidates
        if state.mode == "patient":
            candidates = [readable(c, self.simplify) for c in candidates]
        lexicon = self.retriever.lexicon
        about = lexicon.interventions_in(state.standalone)
        if len(about) == 1 and not state.items:  # about one intervention: statements about others count less
            every = [Item(name, terms=tuple(words)) for name, words in lexicon.interventions.items()]
            candidates = on_topic(candidates, next(i for i in every if i.name == about[0][0]), every)
        field = {t for t in stems(state.standalone) if self.store.loaded.document_frequency(t) > FIELD * self.store.loaded.size}
        state.plan = make_plan(state.standalone, candidates, state.focus, state.items, state.said, field,
                               frozenset(self.store.loaded.named_by), self.settings.subject)
        state.chosen = state.plan.chosen
        if state.mode == "patient":  # the same statements, in plain words (comparison items too)
            plain = self._score(state.standalone, state.qvec, plain_passages(state.hits, self.store), {})
            state.chosen = for_patients(state.chosen, plain, self.simplify)
            swapped = {id(old): new for old, new in zip(state.plan.chosen, state.chosen)}
            if not state.plan.items:  # two statements can read alike once in plain words: say it once
                n, m = len(state.plan.lead), len(state.plan.body)
                lead = state.chosen[:n]
                state.chosen = lead + once(lead, state.chosen[n:n + m]) + state.chosen[n + m:]
            state.plan.items = [(name, [swapped.get(id(c), c) for c in cands]) for name, cands in state.plan.items]
        state.timings["plan_ms"] = (time.perf_counter() - t) * 1000
        return state

    def compose(self, state: AnswerState) -> Answer:
        mode = state.mode
        answer = Answer(question=state.question, mode=mode, refused=bool(state.refusal), sections=[],
                        references=[], disclaimer=disclaimer(self.settings.prompts_dir, mode), engine=self.name,
                        standalone_question=state.standalone if state.standalone != state.question else None)
        if answer.refused:
            answer.message = f"{state.refusal} {prompt_text(self.settings.prompts_dir, f'scope_{mode}')}"
        elif state.chosen:
            plan = state.plan
            answer.sections, answer.references = compose(state.chosen, mode, self.store.loaded,
                                                         lead=len(plan.lead) if plan else 0,
                                                         items=plan.items if plan else (),
                                                         doubt_first=bool(plan and plan.doubt_first),
                                                         verdict=plan.verdict if plan else None)
            answer.glossary = explain(answer, self.retriever.lexicon)
        answer.timings_ms = {**state.timings, "total_ms": _ms(state.t0)}
        if state.answerability is not None:
            answer.answerability = round(state.answerability, 3)
            answer.scope = state.scope
        return answer

    def frame(self, state: AnswerState) -> Answer:
        """The answer's frame (question, disclaimer, scope, timings) without sentences."""
        return self.compose(replace(state, chosen=[]))

    def _hits(self, state: AnswerState) -> list[Hit]:
        """The passages whose statements are candidates: what retrieval found, with every passage of each item a
        comparison names, or, for a broad question, the whole of the syntheses found (their slots)."""
        loaded = self.store.loaded
        kind = question_kind(state.standalone)
        if kind == "comparison":
            found = compared_items(state.standalone, loaded, self.retriever.lexicon)
            state.items = found if len(found) >= 2 else []
        if state.items:  # every trial compared, retrieved or not; for interventions, our syntheses
            sources = {sid for item in state.items for sid in item.sources} or {
                sid for sid, src in loaded.sources.items() if src.kind == "synthesis"}
            return state.hits + named_passages(sources, state.hits, loaded)
        if kind == "broad":
            syntheses = {h.source.id for h in state.hits if h.source.kind == "synthesis"}
            return state.hits + named_passages(syntheses, state.hits, loaded)
        return state.hits

    @cached_property
    def speller(self) -> Speller:
        return Speller.of(self.store.loaded, self.retriever.lexicon)

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
        asked = own_words(query)
        if asked != query:  # a follow-up: what it asks in its own words weighs more than the topic it borrowed
            mine = self._terms(asked)
            weighted = [(forms, w * OWN_WEIGHT if any(f <= mine for f in forms) else w) for forms, w in weighted]
        # and the time point it asks about, in either unit ('after 6 years' is SCOT's '72 months'), as a rare idea
        weighted = weighted + [([frozenset([span])], TIME_WEIGHT) for span in sorted(durations(query))]
        # a plain twin is matched on the question's ideas, not on what it asks for ('the results of', 'the study'):
        # a twin's 'the results of the smallest study' is not a result of ASSIST
        lay = [(forms, w) if not all(f <= FRAME for f in forms) else (forms, 0.0) for forms, w in weighted]
        lay_share = sum(w for _, w in lay) / (sum(w for _, w in weighted) or 1.0)  # a twin's share, on one scale
        top = max((h.score for h in hits), default=1.0)
        twins = {h.passage.id: twin for h in hits if (twin := plain_twin(h.passage))}
        vectors = self.store.sentence_vectors([h.passage for h in hits] + list(twins.values()))
        out = []
        for hit in hits:
            statements = hit.passage.statements
            twin = twins.get(hit.passage.id)
            plain = {st.id: (said, np.asarray(v)) for st, (said, v) in zip(twin.statements, vectors[twin.id])} if twin else {}
            for position, (text, vec) in enumerate(vectors.get(hit.passage.id, [])):
                if len(content_terms(text)) < 4 or has_instructions(text):
                    continue  # too short to stand alone, or text that instructs a model: never evidence
                statement = statements[position] if position < len(statements) else None
                vec = np.asarray(vec)
                lexical = self.scope.weighted_share(weighted, self._terms(text))
                similarity = meaning = float(np.dot(qvec, vec))  # the scope decision reads the source's own words
                if statement is not None and statement.id in plain:  # a lay question may match its plain twin best,
                    said, twin_vec = plain[statement.id]  # in meaning and in words ('blood pressure in the lungs')
                    meaning = max(similarity, float(np.dot(qvec, twin_vec)))
                    lexical = max(lexical, self.scope.weighted_share(lay, self._terms(said)) * lay_share)
                value = score(meaning, lexical, hit.score / top, text, hit.source.kind, query,
                              focused.get(hit.source.id, 0.0))
                out.append(Candidate(text, hit.passage, hit.source, position, vec, value, similarity,
                                     statement=statement, terms=self._spelt(text)))
        return out


    def _spelt(self, text: str) -> frozenset[str]:
        """A sentence's stems with its abbreviations spelt out (and long forms abbreviated), no synonyms: what the
        facets of a question are matched against ('ILD' speaks to 'interstitial lung disease')."""
        key = ("spelt", text)
        if key not in self._term_cache:
            self._term_cache[key] = frozenset(stems(self.retriever.lexicon.expand(text, synonyms=False)))
        return self._term_cache[key]

    def _terms(self, text: str) -> set[str]:
        """A sentence's stems with its abbreviations and synonyms spelt out, and its time spans in months (cached:
        sentences recur)."""
        if text not in self._term_cache:
            self._term_cache[text] = set(stems(self.retriever.lexicon.expand(text))) | durations(text)
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


def _relevant(candidates: list[Candidate], share: float = 0.8) -> list[str]:
    """The statements nearly as relevant as the best ('$4 million in funding' does not answer what a clinic
    charges)."""
    best = max((c.score for c in candidates), default=0.0)
    return [c.text for c in candidates if c.score >= share * best]


def compared_items(question: str, loaded, lexicon=None) -> list[Item]:
    """What a comparison compares: each name the question uses for sources ('ASTIS', 'SCOT'), in its order, with
    the sources it names (syntheses left out); when it names no source, the interventions it names ('HSCT, MSCs or
    CAR-T')."""
    out, seen = [], set()
    for word in re.findall(r"[\w-]+", question):
        term = stem(word.lower())
        sids = {sid for sid in loaded.named_by.get(term, set()) if loaded.sources[sid].kind != "synthesis"}
        if sids and term not in seen:
            seen.add(term)
            same = next((i for i, item in enumerate(out) if item.sources & sids), None)
            if same is None:
                out.append(Item(word, frozenset(sids)))
            else:  # another word for the same source ('the Dutch AHSCT cohort'): one item, the narrower
                out[same] = Item(f"{out[same].name} {word}", out[same].sources & sids)
    if not out and lexicon is not None:  # a question that names a source is about that source
        named = lexicon.interventions_in(question)
        if len(named) >= 2:
            return [Item(name, terms=tuple(lexicon.interventions[name])) for name, _ in named]
    return out


def named_passages(sources: set[str], hits: list[Hit], loaded) -> list[Hit]:
    """The clinician passages of these sources that retrieval did not bring."""
    have = {h.passage.id for h in hits}
    top = max((h.score for h in hits), default=1.0)
    return [Hit(p, loaded.sources[sid], top) for sid in sorted(sources) if sid in loaded.sources
            for p in loaded.of_source(sid, "clinician") if p.id not in have]


def _ms(t0: float) -> float:
    return round((time.perf_counter() - t0) * 1000, 1)
