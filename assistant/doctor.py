"""`assistant doctor`: check every part of an index and repair what can be repaired, saying what was done.

The parts, in order: the corpus notes; the index itself (an embedded index too damaged to open is moved
aside, nothing deleted, and rebuilt from the corpus; the ingested documents it held are listed from the
registry backup so they can be ingested again); its manifest (the embedding model); writes a crash left
half done (swept); the BM25 files (rebuilt from Chroma when unreadable or stale); the corpus's notes in
the index (re-embedded when changed)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from .config import Settings

OK, REPAIRED, FAILED = "ok", "repaired", "failed"


@dataclass
class Finding:
    part: str
    status: str  # ok | repaired | failed
    message: str

    def line(self) -> str:
        return f"{self.status:<8} {self.part}: {self.message}"


def set_aside(settings: Settings) -> tuple[Path, list[str]]:
    """An embedded index too damaged to open: move its folder aside (nothing is deleted) and the BM25 files with it;
    return where it went and the ingested documents (from the registry backup) that must be ingested again."""
    from chromadb.api.client import SharedSystemClient

    from .index import BACKUP

    SharedSystemClient.clear_system_cache()  # chromadb keeps one client per path in the process: drop the damaged one
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside = settings.chroma_path.with_name(f"chroma.damaged-{stamp}")
    settings.chroma_path.rename(aside)
    lexical = settings.home / "lexical"
    if lexical.exists():
        lexical.rename(settings.home / f"lexical.damaged-{stamp}")
    try:
        entries = json.loads((settings.home / BACKUP).read_text())
        lost = sorted(e.get("path") or sid for sid, e in entries.items() if e.get("origin") == "ingest")
    except (OSError, ValueError, AttributeError):
        lost = []
    return aside, lost


def open_or_set_aside(settings: Settings, findings: list[Finding]):
    """The store, opened; an embedded one that cannot be opened is set aside and started anew (noted)."""
    from .index import IndexUnavailable, Store

    try:
        store = Store(settings)
        store.count()
        return store
    except IndexUnavailable as exc:
        if settings.chroma_url or not settings.chroma_path.exists():
            raise
        aside, lost = set_aside(settings)
        again = f"; ingest these documents again: {', '.join(lost)}" if lost else ""
        findings.append(Finding("index", REPAIRED, f"could not be opened ({exc}); moved to {aside}, rebuilt "
                                                   f"from the corpus{again}"))
        return Store(settings)


def examine(settings: Settings) -> list[Finding]:
    """Every part checked in order; a part that fails stops the ones that depend on it."""
    from . import manifest
    from .corpus import CorpusError, load_corpus
    from .index import IndexUnavailable

    findings: list[Finding] = []
    try:
        notes = load_corpus(settings.corpus_dir)
        findings.append(Finding("corpus", OK, f"{len(notes)} notes in {settings.corpus_dir}"))
    except CorpusError as exc:
        return findings + [Finding("corpus", FAILED, f"{exc} (fix the note, or check it with `assistant check`)")]
    try:
        store = open_or_set_aside(settings, findings)
    except IndexUnavailable as exc:
        return findings + [Finding("index", FAILED, str(exc))]
    if not any(f.part == "index" for f in findings):
        findings.append(Finding("index", OK, f"{store.count()} passages at {settings.chroma_url or settings.chroma_path}"))
    try:
        manifest.check(store.passages._collection, store.embeddings)
        findings.append(Finding("manifest", OK, f"built with {manifest.model_id(store.embeddings)}"))
    except IndexUnavailable as exc:
        return findings + [Finding("manifest", FAILED, str(exc))]
    swept = store.clean()
    findings.append(Finding("writes", REPAIRED if swept else OK,
                            f"swept {swept} passages an interrupted write left" if swept else "none interrupted"))
    report = store.sync(notes, prune=True)
    changed = report.added or report.updated or report.removed
    findings.append(Finding("notes", REPAIRED if changed else OK, report.summary()))
    try:
        loaded = store.loaded  # BM25 read from disk, or rebuilt from Chroma when unreadable or stale
        findings.append(Finding("lexical", OK, f"BM25 over {loaded.size} passages of {len(loaded.shas)} sources"))
    except IndexUnavailable as exc:
        findings.append(Finding("lexical", FAILED, str(exc)))
    return findings
