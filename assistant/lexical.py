"""BM25 beside the index: built from Chroma's documents, saved on disk, loaded again while the index is
unchanged.

The saved index is keyed by a fingerprint of the registry (every source id and its committed hash), so a
change made by any process (an ingest, a removal, another client of the same Chroma server) makes it stale
and the next reader rebuilds it. The files are bm25s's own (a sparse matrix, memory-mapped when loaded),
plus the row -> passage table and the abbreviations the corpus defines."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from pathlib import Path

import numpy as np

from .lexicon import learn_abbreviations
from .loaded import Loaded, passage_terms
from .schema import Source

log = logging.getLogger(__name__)
PAGE = 5000


def fingerprint(shas: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(sorted(shas.items())).encode()).hexdigest()


def build(collection, sources: dict[str, Source], shas: dict[str, str]) -> Loaded:
    """Read every committed passage from Chroma, page by page, and index it."""
    import bm25s

    ids, source_of, patient, token_ids, vocab, abbreviations = [], [], [], [], {}, {}
    index_of = {sid: i for i, sid in enumerate(sources)}
    offset = 0
    while True:
        got = collection.get(include=["documents", "metadatas"], limit=PAGE, offset=offset)
        for text, meta in zip(got["documents"], got["metadatas"]):
            sid = meta["source_id"]
            if shas.get(sid) != meta["sha"]:
                continue
            if "passage_id" not in meta:
                raise ValueError("this index was written by an older version of the assistant")
            ids.append(meta["passage_id"])
            source_of.append(index_of[sid])
            patient.append(meta["audience"] == "patient")
            terms = passage_terms(sources[sid].title, meta["section"], text)
            token_ids.append([vocab.setdefault(t, len(vocab)) for t in terms])
            for abbr, long in learn_abbreviations([text]).items():
                abbreviations.setdefault(abbr, long)
        if len(got["ids"]) < PAGE:
            break
        offset += PAGE
    bm25 = bm25s.BM25()
    if token_ids:
        bm25.index((token_ids, vocab), show_progress=False)
    return Loaded(sources, shas, ids, np.asarray(source_of, dtype=np.int32), np.asarray(patient, dtype=bool),
                  list(sources), bm25, abbreviations, collection)


MANIFEST, FORMAT = "manifest.json", 2  # format 2: checksummed files


def _checksums(folder: Path, whole: int = 8 << 20, part: int = 1 << 20) -> dict[str, str]:
    """sha256 of every file the saved index consists of (the manifest excluded); a big file (the score matrix of
    a large library) by its size, its first and its last megabyte, so that loading stays fast."""
    import hashlib

    out = {}
    for path in sorted(p for p in folder.iterdir() if p.is_file() and p.name != MANIFEST):
        digest, size = hashlib.sha256(), path.stat().st_size
        with open(path, "rb") as handle:
            if size <= whole:
                digest.update(handle.read())
            else:
                digest.update(str(size).encode() + handle.read(part))
                handle.seek(size - part)
                digest.update(handle.read(part))
        out[path.name] = digest.hexdigest()
    return out


def save(loaded: Loaded, folder: Path) -> None:
    """Write to a temporary folder, then swap it into place: a reader sees the old index or the new one."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.with_name(f"{folder.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    if loaded.ids:
        loaded.bm25.save(str(tmp), show_progress=False)
    np.save(tmp / "source_of.npy", loaded.source_of)
    np.save(tmp / "patient.npy", loaded.patient)
    (tmp / "rows.json").write_text(json.dumps({"fingerprint": fingerprint(loaded.shas), "ids": loaded.ids,
                                               "source_ids": loaded.source_ids,
                                               "abbreviations": loaded.abbreviations}))
    (tmp / MANIFEST).write_text(json.dumps({"format": FORMAT, "files": _checksums(tmp)}))
    old = folder.with_name(f"{folder.name}.old-{os.getpid()}")
    if folder.exists():
        folder.rename(old)
    tmp.rename(folder)
    shutil.rmtree(old, ignore_errors=True)


def load(folder: Path, collection, sources: dict[str, Source], shas: dict[str, str]) -> Loaded | None:
    """The saved index if it matches the registry; None if it is missing, stale or unreadable."""
    import bm25s

    try:
        manifest = json.loads((folder / MANIFEST).read_text())
        if manifest.get("format") != FORMAT:
            raise ValueError(f"format {manifest.get('format')!r}, this version writes {FORMAT}")
        if manifest.get("files") != _checksums(folder):
            raise ValueError("its files do not match their checksums")
        rows = json.loads((folder / "rows.json").read_text())
        if rows["fingerprint"] != fingerprint(shas) or rows["source_ids"] != list(sources):
            return None
        bm25 = bm25s.BM25.load(str(folder), mmap=True, show_progress=False) if rows["ids"] else bm25s.BM25()
        loaded = Loaded(sources, shas, rows["ids"], np.load(folder / "source_of.npy"), np.load(folder / "patient.npy"),
                        rows["source_ids"], bm25, rows["abbreviations"], collection)
        if not len(loaded.ids) == len(loaded.source_of) == len(loaded.patient):
            raise ValueError("its rows do not line up")
        return loaded
    except Exception as exc:  # noqa: BLE001 - anything unreadable or inconsistent is rebuilt from Chroma
        if folder.exists():
            log.warning("the saved BM25 index at %s is unreadable (%s); rebuilding it", folder, exc)
        return None


def open_loaded(folder: Path, collection, sources: dict[str, Source], shas: dict[str, str]) -> Loaded:
    """The saved index, or a new one built from Chroma and saved for next time."""
    loaded = load(folder, collection, sources, shas)
    if loaded is None:
        loaded = build(collection, sources, shas)
        try:
            save(loaded, folder)
        except OSError as exc:  # a read-only home still answers; it just rebuilds next time
            log.warning("cannot save the BM25 index to %s: %s", folder, exc)
    return loaded
