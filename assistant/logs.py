"""Logging, configured once by the command line: our warnings on stderr, third-party noise silenced.

Some packages configure logging when imported (`abbreviations` calls `basicConfig` at INFO, `bm25s` sets its
own logger to DEBUG, `httpx` logs every Chroma request, `textstat` warns about `pkg_resources`); a user of
the command line should see none of that unless asking for it (`--verbose`, ASSISTANT_LOG_LEVEL=DEBUG)."""

from __future__ import annotations

import logging
import os
import warnings

NOISY = ("abbreviations", "bm25s", "httpx", "httpcore", "chromadb", "urllib3", "onnxruntime", "gradio",
         "uvicorn.access", "matplotlib", "PIL", "trafilatura", "htmldate", "courlan", "justext", "docx")
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def level_from(verbose: bool = False, quiet: bool = False) -> int:
    if verbose:
        return logging.DEBUG
    if quiet:
        return logging.ERROR
    name = os.environ.get("ASSISTANT_LOG_LEVEL", "WARNING").upper()
    if name not in LEVELS:
        raise ValueError(f"ASSISTANT_LOG_LEVEL={name!r}: choose one of {', '.join(LEVELS)}")
    return getattr(logging, name)


def _not_noise(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.WARNING or record.name.split(".")[0] not in NOISY


def configure(level: int = logging.WARNING) -> None:
    """Root logging at `level` on stderr; other packages' chatter only at DEBUG (then everything shows)."""
    root = logging.getLogger()
    for handler in list(root.handlers):  # a package that configured root logging at import
        root.removeHandler(handler)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    handler = root.handlers[0]
    handler.setLevel(level)  # loggers that set their own level (bm25s: DEBUG) still stop here
    if level > logging.DEBUG:
        handler.addFilter(_not_noise)
        warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
