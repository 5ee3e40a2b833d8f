"""Configuration in one place: defaults, overridden by environment variables, then by CLI flags."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
ROOT = PACKAGE.parent
# Run from a checkout (the repository, `make`, an editable install) or from an installed wheel, which
# carries the default corpus and prompts as package data (assistant/_corpus, assistant/_prompts).
CHECKOUT = (ROOT / "pyproject.toml").is_file() and (ROOT / "corpus").is_dir()
MAX_QUESTION_CHARS = 2000


def data_dir(name: str) -> Path:
    """A folder of default data: the checkout's own when run from one, else the copy in the package."""
    return ROOT / name if CHECKOUT else PACKAGE / f"_{name}"


def default_home() -> Path:
    """Where the index lives by default: `.assistant/` in a checkout, else the user's data folder."""
    if CHECKOUT:
        return ROOT / ".assistant"
    import platformdirs

    return Path(platformdirs.user_data_dir("assistant", appauthor=False))


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser() if value else default


@dataclass(frozen=True)
class Settings:
    corpus_dir: Path = field(default_factory=lambda: _env_path("ASSISTANT_CORPUS", data_dir("corpus")))
    home: Path = field(default_factory=lambda: _env_path("ASSISTANT_HOME", default_home()))
    chroma_url: str | None = field(default_factory=lambda: os.environ.get("ASSISTANT_CHROMA_URL") or None)
    prompts_dir: Path = field(default_factory=lambda: _env_path("ASSISTANT_PROMPTS", data_dir("prompts")))
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


# Every environment variable the package reads: name -> (what it sets, default). `assistant config` prints them.
VARIABLES = {
    "ASSISTANT_HOME": ("where the embedded index lives", "checkout: .assistant/; installed: the user's data folder"),
    "ASSISTANT_CORPUS": ("the folder of corpus notes", "checkout: corpus/; installed: the package's copy"),
    "ASSISTANT_PROMPTS": ("disclaimers and scope statements", "checkout: prompts/; installed: the package's copy"),
    "ASSISTANT_CHROMA_URL": ("a Chroma server instead of the embedded store", "unset"),
    "ASSISTANT_SUBJECT": ("names of the corpus's subject (retrieval head start)", "systemic sclerosis, scleroderma, SSc"),
    "ASSISTANT_EMBEDDINGS": ("embedding model: onnx, int8 or torch", "onnx"),
    "ASSISTANT_MODEL_CACHE": ("where the int8 model is made once", "~/.cache/assistant"),
    "ASSISTANT_MAX_FILE_MB": ("largest file `ingest` reads", "100"),
    "ASSISTANT_LOG_LEVEL": ("DEBUG, INFO, WARNING or ERROR", "WARNING"),
    "ASSISTANT_DEBUG": ("1: show the traceback of an unexpected error", "unset"),
    "ASSISTANT_AUTH": ("user:password login for the chat page", "unset"),
    "ASSISTANT_API_KEY": ("bearer token the HTTP API requires", "unset"),
    "ASSISTANT_ENGINE": ("default engine: extractive or llm", "extractive"),
    "ASSISTANT_LLM_URL": ("an OpenAI-compatible server for --engine llm", "unset (the packaged model)"),
    "ASSISTANT_LLM_MODEL": ("the model name on that server", "local"),
    "ASSISTANT_LLM_KEY": ("its API key", "unset"),
    "ASSISTANT_LLM_PATH": ("a GGUF file for --engine llm", "unset (the packaged Qwen 1.5B)"),
}
SECRETS = {"ASSISTANT_AUTH", "ASSISTANT_API_KEY", "ASSISTANT_LLM_KEY"}


def effective(settings: Settings) -> list[tuple[str, str, str]]:
    """(variable, value in effect, where it came from: flag, environment or default), secrets masked."""
    fields = {"ASSISTANT_HOME": "home", "ASSISTANT_CORPUS": "corpus_dir", "ASSISTANT_PROMPTS": "prompts_dir",
              "ASSISTANT_CHROMA_URL": "chroma_url", "ASSISTANT_SUBJECT": "subject"}
    base = Settings()  # environment and defaults, without the command line's flags
    rows = []
    for name, (_, default) in VARIABLES.items():
        raw = os.environ.get(name)
        value = getattr(settings, fields[name]) if name in fields else raw
        flagged = name in fields and str(value) != str(getattr(base, fields[name]))
        origin = "flag" if flagged else "environment" if raw else "default"
        shown = "****" if value and name in SECRETS else str(value) if value not in (None, "") else default
        rows.append((name, shown, origin))
    return rows
