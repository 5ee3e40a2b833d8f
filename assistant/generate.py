"""The generative answer engine: a language model writes the answer from the retrieved passages, and
guardrails outside the model keep only what those passages support.

It composes with the extractive engine rather than replacing it: the same retrieval, scope decision and
refusal (when the extractive engine would refuse, this one refuses), then prompt | model (LangChain
runnables, prompts in prompts/: the fixed system prompt first, so the runtime can reuse its cached prefix)
streamed token by token, and every sentence checked as it completes (`guard.py`). When too little
survives, the answer is the extractive one, marked as a fallback.

A follow-up is first rewritten to stand alone by the model (prompts/rewrite.md, after the same system
prompt so the cached prefix survives); when its output fails `guard.check_rewrite` or the model errors,
the extractive engine's rule-based rewrite is used. `timings_ms` says which: `model_rewrite_ms` (the
model's rewrite was used) or `model_rewrite_rejected_ms` (it was not, the rule's was)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterator

from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnableLambda

from .answer import ExtractiveEngine, question_input
from .audience import check_mode, explain, prompt_text
from .chat import is_follow_up
from .config import Settings
from .guard import Checked, Guard, SentenceStream, check_rewrite
from .index import Store
from .llm import LLMConfig, chat_model
from .schema import MODES, Answer, AnswerState, Hit
from .schema import Candidate
from .support import SupportChecker
from .text import split_sentences

FALLBACK = "llm+extractive-fallback"
MIN_KEPT_SHARE = 0.5  # below this share of generated sentences surviving the checks, fall back


@dataclass
class Event:
    """What `GenerativeEngine.stream` yields: the passages given, tokens, checked sentences, the answer."""

    kind: str  # "context" | "token" | "sentence" | "answer"
    text: str = ""
    checked: Checked | None = None
    answer: Answer | None = None
    data: dict = field(default_factory=dict)


@dataclass
class Rewrite:
    """How a follow-up was made to stand alone: by the model, or by the rule (the model not asked, or its
    output rejected: `reason`)."""

    text: str | None = None  # the model's standalone question; None: the rule's
    reason: str | None = None
    ms: float | None = None  # time spent asking the model

    @property
    def by(self) -> str:
        return "model" if self.text else "rule"


def _after_system(prompts_dir: Path, name: str) -> ChatPromptTemplate:
    return ChatPromptTemplate.from_messages([("system", prompt_text(prompts_dir, "system")),
                                             ("human", prompt_text(prompts_dir, name))])


def load_prompt(prompts_dir: Path, mode: str) -> ChatPromptTemplate:
    """The fixed system prompt, then the mode's instructions with the passages and the question."""
    return _after_system(prompts_dir, check_mode(mode))


def load_rewrite_prompt(prompts_dir: Path) -> ChatPromptTemplate:
    """The same fixed system prompt (its cached prefix serves the answer next), then the rewrite request."""
    return _after_system(prompts_dir, "rewrite")


def format_passages(given: list[Hit]) -> str:
    """Numbered passages with the kind, year and confirmation status of their source; every sentence
    carries its passage's number."""
    blocks = []
    for n, hit in enumerate(given, 1):
        src = hit.source
        label = "research" if src.kind == "review" else src.kind
        flags = [label, str(src.year or "year unknown")] + ([] if src.verified else ["unconfirmed"])
        text = " ".join(_cited(sentence, n) for sentence in split_sentences(hit.passage.text))
        blocks.append(f"[{n}] ({', '.join(flags)}) {src.title}\n{text}")
    return "\n\n".join(blocks)


def excerpts(chosen: list[Candidate], limit: int) -> list[Hit]:
    """The passages of the chosen sentences (in order of their first one, at most `limit`), each cut to its
    chosen sentences in reading order: the text the model is given, cites and is checked against."""
    by_passage: dict[str, list[Candidate]] = {}
    for cand in chosen:
        by_passage.setdefault(cand.passage.id, []).append(cand)
    out = []
    for picks in list(by_passage.values())[:limit]:
        text = " ".join(c.text for c in sorted(picks, key=lambda c: c.position))
        out.append(Hit(replace(picks[0].passage, text=text), picks[0].source, 0.0))
    return out


def _cited(sentence: str, n: int) -> str:
    """A passage sentence with its citation, as the answer should carry it: small models copy sentences
    nearly word for word, and then copy the citation with them."""
    body = sentence.rstrip()
    stop = body[-1] if body[-1:] in ".!?" else "."
    return f"{body.rstrip('.!?')} [{n}]{stop}"


class GenerativeEngine:
    name = "llm"

    def __init__(self, store: Store, settings: Settings, config: LLMConfig | None = None, model=None):
        self.store, self.settings = store, settings
        self.config = config or LLMConfig()
        self.extractive = ExtractiveEngine(store, settings)
        self.retriever = self.extractive.retriever  # the evals look up retrieval through the engine
        self.model = model if model is not None else chat_model(self.config, settings.home)
        self.checker = SupportChecker(store.embeddings, self.retriever.lexicon)
        self.chains = {mode: load_prompt(settings.prompts_dir, mode) | self.model | StrOutputParser()
                       for mode in MODES}
        rewriter_model = self.model.bind(max_tokens=self.config.rewrite_tokens)
        self.rewriter = load_rewrite_prompt(settings.prompts_dir) | rewriter_model | StrOutputParser()
        self.chain = RunnableLambda(lambda value: self.answer(**question_input(value)), name="llm-answer")

    def answer(self, question: str, mode: str = "clinician", history: list[str] | tuple = (),
               where: dict | None = None) -> Answer:
        for event in self.stream(question, mode, history, where):
            if event.answer is not None:
                return event.answer
        raise RuntimeError("the stream ended without an answer")

    def stream(self, question: str, mode: str = "clinician", history: list[str] | tuple = (),
               where: dict | None = None) -> Iterator[Event]:
        state, given = self.context(question, mode, history, where)
        if state.refusal:
            yield Event("answer", answer=self._extractive_answer(state, self.name))
            return
        query, rewrite = state.standalone, state.rewrite
        yield Event("context", data={"passages": [h.passage.id for h in given], "question": query,
                                     "rewrite": rewrite.by, "rewrite_rejected": rewrite.reason})
        guard = Guard(given, self.checker)
        checked: list[Checked] = []
        splitter, tokens, t = SentenceStream(), 0, time.perf_counter()
        inputs = {"passages": format_passages(given), "question": query}
        for token in self.chains[state.mode].stream(inputs):
            if not tokens:
                state.timings["first_token_ms"] = round((time.perf_counter() - t) * 1000, 1)
            tokens += 1
            for sentence in splitter.feed(token):  # the sentences this token completes, before the token
                yield from self._check(guard, sentence, checked)
            yield Event("token", text=token)
        for sentence in splitter.flush():
            yield from self._check(guard, sentence, checked)
        state.timings["generate_ms"] = round((time.perf_counter() - t) * 1000, 1)
        yield Event("answer", answer=self._compose(state, guard, checked))

    def context(self, question: str, mode: str = "clinician", history: list[str] | tuple = (),
                where: dict | None = None) -> tuple[AnswerState, list[Hit]]:
        """The follow-up rewrite (`rewrite`), the extractive engine's retrieval, scope decision and plan, and the
        passages that the model will be given (none when the question is refused)."""
        state = self.extractive.start(question, mode, history, where)
        rewrite = state.rewrite = self.rewrite(state.question, state.history)
        if rewrite.ms is not None:
            state.timings["model_rewrite_ms" if rewrite.text else "model_rewrite_rejected_ms"] = rewrite.ms
        state.standalone = rewrite.text  # None: the extractive engine's rule rewrites
        state = self.extractive.prepare.invoke(state)
        return state, [] if state.refusal else self.passages(state)

    def rewrite(self, question: str, history: list[str]) -> Rewrite:
        """The model's standalone version of a follow-up when there is history and the question leans on it,
        if it passes `check_rewrite`; otherwise (or when the model errors) the rule-based rewrite is used."""
        if not history or not is_follow_up(question):
            return Rewrite()
        t = time.perf_counter()
        try:
            earlier = "\n".join(f"- {q}" for q in history[-3:])
            output = self.rewriter.invoke({"history": earlier, "question": question})
            text, reason = check_rewrite(question, history, output)
        except Exception as exc:  # noqa: BLE001 - whatever fails in the model, the rule still rewrites
            text, reason = None, f"model error: {type(exc).__name__}"
        return Rewrite(text, reason, round((time.perf_counter() - t) * 1000, 1))

    def passages(self, state: AnswerState) -> list[Hit]:
        """The passages of the sentences the extractive engine chose first (the best evidence), then the
        top retrieved passages, up to `LLMConfig.passages`; with `LLMConfig.excerpts`, only the first ones,
        cut to their chosen sentences."""
        if self.config.excerpts and state.chosen:
            return excerpts(state.chosen, self.config.passages)
        by_id = {h.passage.id: h for h in state.hits}
        ordered = [by_id.get(c.passage.id) or Hit(c.passage, c.source, 0.0) for c in state.chosen]
        out, seen = [], set()
        for hit in [*ordered, *state.hits]:
            if hit.passage.id not in seen and len(out) < self.config.passages:
                seen.add(hit.passage.id)
                out.append(hit)
        return out

    @staticmethod
    def _check(guard: Guard, sentence: str, checked: list[Checked]) -> Iterator[Event]:
        result = guard.check(sentence)
        if result is not None:
            checked.append(result)
            yield Event("sentence", text=result.text, checked=result)

    def _compose(self, state: AnswerState, guard: Guard, checked: list[Checked]) -> Answer:
        kept = [c for c in checked if c.kept]
        dropped = len(checked) - len(kept)
        if not kept or len(kept) < MIN_KEPT_SHARE * len(checked):
            answer = self._extractive_answer(state, FALLBACK)
            answer.message = (f"The generated answer did not pass the checks ({len(kept)} of {len(checked)} "
                              "sentences supported by the passages), so this is the extractive answer.")
            return answer
        answer = self._extractive_answer(state, self.name, compose=False)
        answer.sections, answer.references = guard.compose(kept, state.mode)
        answer.glossary = explain(answer, self.retriever.lexicon)
        if dropped:
            reasons = sorted({c.reason.split(":")[0].split(" (")[0] for c in checked if not c.kept})
            answer.message = (f"{dropped} of {len(checked)} generated sentences were removed "
                              f"({'; '.join(reasons)}).")
        answer.timings_ms["total_ms"] = round((time.perf_counter() - state.t0) * 1000, 1)
        return answer

    def _extractive_answer(self, state: AnswerState, engine: str, compose: bool = True) -> Answer:
        """The extractive engine's answer (or refusal) for this state, under this engine's name; with
        `compose=False` only its frame (question, disclaimer, scope, timings) without sentences."""
        answer = self.extractive.compose(state) if compose else self.extractive.frame(state)
        answer.engine = engine
        return answer


def print_stream(engine, question: str, mode: str, where: dict | None, echo: Callable[..., None]) -> Answer:
    """`assistant ask --stream`: the draft token by token, each sentence's verdict as it completes, then
    the checked answer (what the passages support, with the reference list)."""
    from .render import to_markdown

    answer = None
    for event in engine.stream(question, mode=mode, where=where):
        if event.kind == "token":
            echo(event.text, nl=False)
        elif event.kind == "sentence" and not event.checked.kept:
            echo(f" [removed: {event.checked.reason}]", nl=False)
        elif event.kind == "answer":
            answer = event.answer
    note = f"\n_{answer.message}_\n" if answer.message and not answer.refused else ""
    echo(f"\n\n{to_markdown(answer)}{note}")
    return answer
