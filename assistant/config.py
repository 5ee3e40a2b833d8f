"""Configuration in one place: defaults, overridden by environment variables, then by CLI flags.

`Settings` is a pydantic-settings model: every field can be set from an `ASSISTANT_*` variable (or, for the
three paths, the names the README gives: ASSISTANT_HOME, ASSISTANT_CORPUS, ASSISTANT_PROMPTS), values are checked
when read, and `load()` turns a bad one into a one-line error that names the variable."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

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


class ConfigError(ValueError):
    """A setting that cannot be used, said in one line ('ASSISTANT_EMBEDDINGS='foo': choose one of ...')."""


def _env(name: str):
    return Field(validation_alias=AliasChoices(name))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", frozen=True, populate_by_name=True, extra="ignore",
                                      env_ignore_empty=True, validate_default=True)

    home: Path = Field(default_factory=default_home, validation_alias=AliasChoices("ASSISTANT_HOME"))
    corpus_dir: Path = Field(default_factory=lambda: data_dir("corpus"), validation_alias=AliasChoices("ASSISTANT_CORPUS"))
    prompts_dir: Path = Field(default_factory=lambda: data_dir("prompts"),
                              validation_alias=AliasChoices("ASSISTANT_PROMPTS"))
    chroma_url: str | None = None  # a Chroma server instead of the embedded store
    collection: str = "passages"
    embeddings: Literal["onnx", "int8", "torch"] = "onnx"
    engine: Literal["extractive", "llm"] = "extractive"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "WARNING"
    max_file_mb: float = Field(100.0, gt=0)  # the largest file `ingest` reads
    # retrieval
    fetch_k: int = Field(20, ge=1)  # candidates from each retriever before fusion
    top_k: int = Field(8, ge=1)  # fused passages handed to the answer step
    rrf_k: int = Field(60, ge=1)
    # what the corpus is about: names of its subject, comma-separated (a phrase is matched as a phrase).
    # Passages of sources that name it get a small head start, so that a question that names no disease
    # is read as being about this one; a question that names another still finds that one. "" = off.
    subject: str = "systemic sclerosis, scleroderma, SSc"
    # answering
    max_sentences: int = Field(7, ge=1)
    # refusal: the answerability score of the best evidence must reach this (calibrated on evals/)
    min_answerability: float = 0.345

    @field_validator("home", "corpus_dir", "prompts_dir", mode="after")
    @classmethod
    def _expand(cls, path: Path) -> Path:
        return path.expanduser()

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value):
        return value.upper() if isinstance(value, str) else value

    def with_overrides(self, **kw) -> "Settings":
        """A copy with the given values (None: keep), checked as the environment's are."""
        changed = {k: v for k, v in kw.items() if v is not None}
        return type(self).model_validate({**self.model_dump(), **changed}) if changed else self

    @property
    def chroma_path(self) -> Path:
        return self.home / "chroma"


def load(**overrides) -> Settings:
    """The settings in effect (flags over environment over defaults), or a one-line ConfigError."""
    try:
        return Settings().with_overrides(**overrides)
    except ValidationError as exc:
        raise ConfigError(_one_line(exc)) from None


def _one_line(exc: ValidationError) -> str:
    first = exc.errors()[0]
    field = str(first["loc"][0]) if first["loc"] else ""
    name = field if field.startswith("ASSISTANT_") else f"ASSISTANT_{field.upper()}"
    return f"{name}={first.get('input')!r}: {first['msg']}"


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
    "ASSISTANT_COLLECTION": ("the Chroma collection's name", "passages"),
    "ASSISTANT_FETCH_K": ("candidates from each retriever before fusion", "20"),
    "ASSISTANT_TOP_K": ("fused passages handed to the answer step", "8"),
    "ASSISTANT_RRF_K": ("reciprocal rank fusion constant", "60"),
    "ASSISTANT_MAX_SENTENCES": ("sentences in an answer at most", "7"),
    "ASSISTANT_MIN_ANSWERABILITY": ("the refusal threshold (calibrated: evals/calibrate.py)", "0.345"),
}
SECRETS = {"ASSISTANT_AUTH", "ASSISTANT_API_KEY", "ASSISTANT_LLM_KEY"}


def effective(settings: Settings) -> list[tuple[str, str, str]]:
    """(variable, value in effect, where it came from: flag, environment or default), secrets masked."""
    fields = {"ASSISTANT_HOME": "home", "ASSISTANT_CORPUS": "corpus_dir", "ASSISTANT_PROMPTS": "prompts_dir"}
    fields |= {f"ASSISTANT_{name.upper()}": name for name in Settings.model_fields if name not in fields.values()}
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
