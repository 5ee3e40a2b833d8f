"""The things that flow between modules: Source, Passage, Hit, and the Answer contract.

`Answer.to_dict()` is the JSON schema shared by the CLI, the UI and the evals: keep it stable.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

Kind = Literal["guideline", "research", "review", "education"]
Mode = Literal["clinician", "patient"]
KINDS: tuple[str, ...] = ("guideline", "research", "review", "education")
MODES: tuple[str, ...] = ("clinician", "patient")


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


@dataclass(frozen=True)
class Passage:
    """A chunk of a source: what is embedded, retrieved and quoted."""

    id: str  # "source-id#section-slug" (+ "-n" when a section is split)
    source_id: str
    section: str
    text: str
    audience: str = "clinician"  # "patient" for plain-language sections


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

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def sentences(self) -> list[Sentence]:
        return [s for sec in self.sections for s in sec.sentences]
