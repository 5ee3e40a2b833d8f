"""The answer engines by name. Both run the same pipeline (answer.py's steps) and differ only in who writes:
`extractive` quotes the chosen statements, `llm` (generate.py) has a language model write from them behind
guards. This is the one module that knows both, so answer.py never imports generate.py."""

from __future__ import annotations

from .answer import ExtractiveEngine
from .config import Settings
from .index import Store, open_store

ENGINES = ("extractive", "llm")


def load_engine(settings: Settings, name: str = "extractive", store: Store | None = None):
    """The answer engine by name, on the index (built from the corpus if it is empty)."""
    if name not in ENGINES:
        raise ValueError(f"unknown engine {name!r}; available: {', '.join(ENGINES)}")
    store = store or open_store(settings)
    if name == "llm":
        from .generate import GenerativeEngine  # the model's packages load only when asked for

        return GenerativeEngine(store, settings)
    return ExtractiveEngine(store, settings)
