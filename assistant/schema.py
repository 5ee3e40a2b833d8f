"""The things that flow between modules: Source, Passage, Statement, Hit, a Candidate statement for an answer
and the Plan made of them, the state of a question on its way through the pipeline (AnswerState), and the
Answer contract.

`Answer.to_dict()` is the JSON schema shared by the CLI, the UI and the evals: keep it stable.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field, fields
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import numpy as np

Kind = Literal["guideline", "research", "review", "education", "synthesis"]
Mode = Literal["clinician", "patient"]
KINDS: tuple[str, ...] = ("guideline", "research", "review", "education", "synthesis")
MODES: tuple[str, ...] = ("clinician", "patient")
# What a statement of a note is. Only ANSWER_TYPES may be an answer's body; "unconfirmed" (a claim with no
# primary source) only its labelled section (last, or first when the question is about that claim).
STATEMENT_TYPES: tuple[str, ...] = ("finding", "recommendation", "eligibility", "procedure", "safety", "design",
                                    "background", "unconfirmed")
ANSWER_TYPES: frozenset[str] = frozenset(STATEMENT_TYPES) - {"unconfirmed"}


@dataclass(frozen=True)
class Source:
    """One document of the corpus, with its full citation metadata."""

    id: str
    title: str
    kind: str
    authors: str | None = None
    year: int | None = None
    venue: str | None = None
    doi: str | None = None
    pmid: str | None = None
    url: str | None = None
    trial: str | None = None
    evidence: str | None = None
    verified: bool = False
    caveats: str | None = None
    aka: str | None = None  # other names people use for it, comma-separated ('China, Chinese' for a Nanjing cohort)
    flags: tuple[str, ...] = ()  # e.g. "instructions" when the text tries to instruct a model
    full_citation: str | None = None  # given as it is (a user's document), instead of composing one

    @property
    def citation(self) -> str:
        if self.full_citation:
            return self.full_citation
        parts = [self.authors, self.title, self.venue]
        text = ". ".join(p.strip().rstrip(".") for p in parts if p)
        if self.year and (not self.venue or str(self.year) not in self.venue):
            text += f". {self.year}"
        if self.doi:
            text += f". doi:{self.doi}"
        if self.pmid:
            text += f". PMID {self.pmid}"
        if self.trial:
            text += f". {self.trial}"
        if self.url:
            text += f". {self.url}"
        return text + "."


SOURCE_FIELDS = frozenset(f.name for f in fields(Source))  # what a stored source may carry


@dataclass(frozen=True)
class Statement:
    """One typed claim of a source: what an answer quotes, with its plain twin and what qualifies it."""

    id: str  # "note-id#statement-id"
    type: str  # one of STATEMENT_TYPES
    text: str
    plain: str | None = None  # the same claim and figures in plain words (patients)
    caveat: str | None = None  # our commentary on this statement, shown next to it, never as a finding
    conflicts: tuple[str, ...] = ()  # statements elsewhere that say otherwise
    rests_on: tuple[str, ...] = ()  # a synthesis sentence: the statements it is built on
    line: int = 0  # where it is written in its note

    @property
    def source_id(self) -> str:
        return self.id.split("#", 1)[0]

    def to_meta(self) -> dict:
        out = {"id": self.id, "type": self.type, "text": self.text}
        for key in ("plain", "caveat"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        for key in ("conflicts", "rests_on"):
            if getattr(self, key):
                out[key] = list(getattr(self, key))
        return out

    @classmethod
    def from_meta(cls, raw: dict) -> "Statement":
        return cls(raw["id"], raw["type"], raw["text"], raw.get("plain"), raw.get("caveat"),
                   tuple(raw.get("conflicts", ())), tuple(raw.get("rests_on", ())))


@dataclass(frozen=True)
class Passage:
    """A chunk of a source: what is embedded, retrieved and quoted."""

    id: str  # "source-id#section-slug" (+ "-n" when a section is split)
    source_id: str
    section: str
    text: str
    audience: str = "clinician"  # "patient" for plain-language sections
    statements: tuple[Statement, ...] = ()  # its typed claims, in reading order (the text is them, joined)

    @property
    def sentences(self) -> list[str]:
        """What may be quoted: its statements (their plain twins in a patient passage), else its sentences."""
        from .text import split_sentences

        if self.statements:
            return [s.plain or s.text for s in self.statements] if self.audience == "patient" else \
                [s.text for s in self.statements]
        return split_sentences(self.text)


@dataclass
class Hit:
    """A passage found for a query, with the evidence of how well it matched."""

    passage: Passage
    source: Source
    score: float  # fused (reciprocal rank) score
    dense: float = 0.0  # cosine similarity of the expanded query and the passage
    lexical: float = 0.0  # share of the query's content terms found in the passage


@dataclass
class Sentence:
    text: str
    citations: list[int] = field(default_factory=list)
    statement: str | None = None  # the corpus statement it quotes ("note-id#statement-id")
    type: str | None = None  # finding | recommendation | eligibility | procedure | safety | design | background...
    caveat: str | None = None  # our commentary on that statement, shown next to it


@dataclass
class Section:
    title: str
    sentences: list[Sentence] = field(default_factory=list)
    note: str | None = None


@dataclass
class Reference:
    n: int
    source_id: str
    citation: str
    kind: str
    year: int | None
    verified: bool
    evidence: str | None = None
    passages: list[dict] = field(default_factory=list)  # [{"id", "text"}]
    flags: list[str] = field(default_factory=list)  # "instructions": a flagged document (its text tries to
    # instruct a model; its instructing sentences are never quoted)


@dataclass
class Answer:
    question: str
    mode: str
    refused: bool
    sections: list[Section]
    references: list[Reference]
    disclaimer: str
    timings_ms: dict[str, float] = field(default_factory=dict)
    engine: str = "extractive"
    standalone_question: str | None = None  # the follow-up, rewritten to stand alone
    message: str | None = None  # the refusal text, or a note to the reader
    answerability: float | None = None  # how well the best evidence matched (refusal below a threshold)
    scope: dict | None = None  # the parts of that score: coverage, dense, sentence
    glossary: list[dict] = field(default_factory=list)  # patients: [{"term", "definition"}] of words it uses

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def sentences(self) -> list[Sentence]:
        return [s for sec in self.sections for s in sec.sentences]


@dataclass
class Candidate:
    """A statement (or a sentence of an untyped text) that may go into an answer, scored for one question."""

    text: str
    passage: Passage
    source: Source
    position: int
    vec: np.ndarray
    score: float = 0.0
    similarity: float = 0.0  # cosine of question and sentence
    display: str | None = None  # the text shown, when it differs (plain words for patients)
    hardness: float = 0.0  # for patients: how much harder than grade 8 it reads, as a score penalty
    statement: Statement | None = None  # the typed claim it is (None: a sentence of an untyped text)
    terms: frozenset[str] = frozenset()  # its stems, with its abbreviations spelt out ('ILD': 'interstitial lung disease')

    @property
    def type(self) -> str:
        return self.statement.type if self.statement else "finding"

    @property
    def shown(self) -> str:
        return self.display or self.text


@dataclass
class Plan:
    """Which candidates answer the question, and in what order (plan.py makes it)."""

    kind: str  # narrow | yesno | broad | comparison
    wants: set[str] = field(default_factory=set)  # statement types the question asks for
    lead: list[Candidate] = field(default_factory=list)  # the first sentence: the direct answer or bottom line
    body: list[Candidate] = field(default_factory=list)
    unconfirmed: list[Candidate] = field(default_factory=list)  # claims no primary source confirms
    items: list[tuple[str, list[Candidate]]] = field(default_factory=list)  # a comparison: (item, its statements)
    doubt_first: bool = False  # the question is about a claim no primary source confirms: say so first
    verdict: str | None = None  # 'yes', 'no', 'yes-by-limit', 'no-by-limit': what the lead's limit says (verdict.py)

    @property
    def chosen(self) -> list[Candidate]:
        return self.lead + self.body + self.unconfirmed


@dataclass(frozen=True)
class Item:
    """One thing a comparison compares: a trial or another source, by name (`sources`: the sources it names), or
    an intervention, by the words that name it (`terms`: 'MSCs' -> MSC, mesenchymal, ...)."""

    name: str
    sources: frozenset[str] = frozenset()
    terms: tuple[str, ...] = ()


@dataclass
class AnswerState:
    """One question on its way through the pipeline (rewrite -> retrieve -> scope -> plan -> write -> compose).
    Each step reads what the earlier ones filled in and adds its own part; the engines differ only in writing."""

    question: str
    mode: str
    history: list[str] = field(default_factory=list)  # the conversation's earlier questions, oldest first
    where: dict | None = None  # a metadata filter on the passages (Chroma `where`)
    said: frozenset[str] = frozenset()  # statements the previous answer gave (not repeated as support)
    t0: float = field(default_factory=time.perf_counter)
    timings: dict[str, float] = field(default_factory=dict)
    # rewrite
    standalone: str | None = None  # the question made to stand alone (a follow-up rewritten; else the question)
    rewrite: Any = None  # the generative engine's model rewrite, when it tried one
    # retrieve
    qvec: Any = None  # the standalone question's embedding
    found: list[Hit] = field(default_factory=list)  # what retrieval found
    hits: list[Hit] = field(default_factory=list)  # what is answered from (patients: the technical passages)
    # scope
    focus: dict[str, float] = field(default_factory=dict)  # sources the question names
    items: list[Item] = field(default_factory=list)  # what a comparison compares (two or more), else none
    candidates: list[Candidate] = field(default_factory=list)  # the statements of those passages, scored
    scope: dict | None = None  # the parts of the answerability score
    answerability: float | None = None
    refusal: str | None = None  # why the question is declined (None: it is answered)
    # plan
    plan: Plan | None = None
    chosen: list[Candidate] = field(default_factory=list)  # the statements to write from, in the plan's order
