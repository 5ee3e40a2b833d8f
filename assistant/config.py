"""Configuration in one place: defaults, overridden by environment variables, then by CLI flags."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_QUESTION_CHARS = 2000


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser() if value else default


@dataclass(frozen=True)
class Settings:
    corpus_dir: Path = field(default_factory=lambda: _env_path("ASSISTANT_CORPUS", ROOT / "corpus"))
    home: Path = field(default_factory=lambda: _env_path("ASSISTANT_HOME", ROOT / ".assistant"))
    chroma_url: str | None = field(default_factory=lambda: os.environ.get("ASSISTANT_CHROMA_URL") or None)
    prompts_dir: Path = field(default_factory=lambda: _env_path("ASSISTANT_PROMPTS", ROOT / "prompts"))
    collection: str = "passages"
    # retrieval
    fetch_k: int = 20  # candidates from each retriever before fusion
    top_k: int = 8  # fused passages handed to the answer step
    rrf_k: int = 60
    # what the corpus is about: names of its subject, comma-separated (a phrase is matched as a phrase).
    # Passages of sources that name it get a small head start, so that a question that names no disease
    # is read as being about this one; a question that names another still finds that one. "" = off.
    subject: str = field(default_factory=lambda: os.environ.get("ASSISTANT_SUBJECT",
                                                                "systemic sclerosis, scleroderma, SSc"))
    # answering
    max_sentences: int = 7
    # refusal: the answerability score of the best evidence must reach this (calibrated on evals/)
    min_answerability: float = 0.345

    def with_overrides(self, **kw) -> "Settings":
        return replace(self, **{k: v for k, v in kw.items() if v is not None})

    @property
    def chroma_path(self) -> Path:
        return self.home / "chroma"
