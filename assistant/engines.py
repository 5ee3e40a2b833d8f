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


def answer_lines(engine, lines, mode: str = "clinician", where: dict | None = None):
    """One record per non-empty line of questions (bytes): the answer object, or {line, question, error} for a
    line that is not UTF-8 or cannot be asked; one bad line never stops the others."""
    from .answer import QuestionError

    for number, raw in enumerate(lines, 1):
        try:
            line = raw.decode("utf-8").strip()
        except UnicodeDecodeError as exc:
            yield {"line": number, "question": raw.decode("utf-8", "replace").strip()[:200],
                   "error": f"line {number} is not valid UTF-8 ({exc.reason} at byte {exc.start})"}
            continue
        if not line:
            continue
        try:
            yield engine.answer(line, mode=mode, where=where).to_dict()
        except QuestionError as exc:
            yield {"line": number, "question": line[:200], "error": str(exc)}
