"""BM25 beside the index, kept in step with the registry one segment at a time.

The saved lexical index is a base segment (`lexical/<collection>-<tag>/`) plus delta segments
(`lexical/deltas/<collection>-<tag>/<digest>/`), each an inverted index of some sources' committed versions
(`postings.py`). A reader compares what the segments hold with the registry (every source id and its committed
hash): a version no segment holds is read from Chroma into a new delta (a 20-passage document: milliseconds,
however big the base), and a replaced or removed version leaves dead rows that scoring skips. When the deltas
grow many or the dead rows many, the segments are merged into a new base from their own arrays (no text is
read again); `assistant index --optimize` merges at once. Any process may add a delta or merge: segments are
named by what they hold and swapped into place whole, so a reader sees the old set or the new one.

Every segment folder carries a manifest with its format and each file's checksum, and nothing else may be in
it: anything unreadable, inconsistent or foreign is rebuilt from Chroma with a warning."""

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
from .postings import Postings, Segment
from .schema import Source

log = logging.getLogger(__name__)
PAGE = 5000
MAX_DELTAS, DEAD_SHARE = 8, 0.25  # merge when there are more deltas, or more dead rows, than this
MANIFEST, FORMAT = "manifest.json", 4  # 3: segments; 4: more British spellings folded by `stem`
_seen: dict[Path, tuple[tuple, Segment]] = {}  # folder -> (its files' stamps, the segment): read once per process


def fingerprint(shas: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(sorted(shas.items())).encode()).hexdigest()


# -- reading Chroma -------------------------------------------------------------------------------
def _rows(got: dict, sources: dict[str, Source], wanted: dict[str, str], abbreviations: dict[str, str]):
    for text, meta in zip(got["documents"], got["metadatas"]):
        sid = meta["source_id"]
        if wanted.get(sid) != meta["sha"]:
            continue
        if "passage_id" not in meta:
            raise ValueError("this index was written by an older version of the assistant")
        for abbr, long in learn_abbreviations([text]).items():
            abbreviations.setdefault(abbr, long)
        yield (meta["passage_id"], (sid, meta["sha"]), meta["audience"] == "patient",
               passage_terms(sources[sid].title, meta["section"], text))


def read_all(collection, sources: dict[str, Source], shas: dict[str, str]) -> Segment:
    """Every committed passage in Chroma, page by page, as one segment."""
    abbreviations: dict[str, str] = {}

    def pages():
        offset = 0
        while True:
            got = collection.get(include=["documents", "metadatas"], limit=PAGE, offset=offset)
            yield from _rows(got, sources, shas, abbreviations)
            if len(got["ids"]) < PAGE:
                return
            offset += PAGE

    return Segment.build(pages(), abbreviations)


def read_sources(collection, sources: dict[str, Source], versions: dict[str, str]) -> Segment:
    """These sources' committed passages (source id -> hash) as one segment, in reading order."""
    abbreviations: dict[str, str] = {}

    def each():
        for sid, sha in versions.items():
            got = collection.get(where={"$and": [{"source_id": sid}, {"sha": sha}]},
                                 include=["documents", "metadatas"])
            yield from _rows(got, sources, {sid: sha}, abbreviations)

    return Segment.build(each(), abbreviations)


# -- on disk ------------------------------------------------------------------------------------
def _checksums(folder: Path, whole: int = 8 << 20, part: int = 1 << 20) -> dict[str, str]:
    """sha256 of every file of a segment (the manifest excluded); a big file (the postings of a large library)
    by its size, its first and its last megabyte, so that loading stays fast."""
    out = {}
    for path in sorted(p for p in folder.iterdir() if p.name != MANIFEST):
        if not path.is_file():
            out[path.name] = "not a file"
            continue
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


def save(segment: Segment, folder: Path) -> None:
    """Write to a temporary folder, then swap it into place: a reader sees the old segment or the new one."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.with_name(f"{folder.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    segment.save(tmp)
    (tmp / MANIFEST).write_text(json.dumps({"format": FORMAT, "files": _checksums(tmp)}))
    old = folder.with_name(f"{folder.name}.old-{os.getpid()}")
    if folder.exists():
        folder.rename(old)
    try:
        tmp.rename(folder)
    except OSError:
        if not folder.is_dir():
            raise
        shutil.rmtree(tmp, ignore_errors=True)  # another process saved one there at the same moment: it stays
    shutil.rmtree(old, ignore_errors=True)
    _seen.pop(folder, None)


def load(folder: Path) -> Segment | None:
    """The segment saved in a folder; None (with a warning) if it is missing, unreadable or inconsistent."""
    try:
        stamp = tuple(sorted((p.name, p.stat().st_mtime_ns, p.stat().st_size, p.stat().st_ino) for p in folder.iterdir()))
        if folder in _seen and _seen[folder][0] == stamp:
            return _seen[folder][1]
        manifest = json.loads((folder / MANIFEST).read_text())
        if manifest.get("format") != FORMAT:  # written by another version: not damage, just rebuilt
            log.info("the saved BM25 index at %s has format %r, this version writes %s: rebuilding it", folder,
                     manifest.get("format"), FORMAT)
            return None
        if manifest.get("files") != _checksums(folder):
            raise ValueError("its files do not match their checksums")
        segment = Segment.load(folder)
        _seen[folder] = (stamp, segment)
        return segment
    except Exception as exc:  # noqa: BLE001 - anything unreadable or inconsistent is rebuilt from Chroma
        if folder.exists():
            log.warning("the saved BM25 index at %s is unreadable (%s); rebuilding it", folder, exc)
        return None


def _deltas_of(folder: Path) -> Path:
    return folder.parent / "deltas" / folder.name


def _named(versions: dict[str, str]) -> str:
    return fingerprint(versions)[:16]


# -- the index as read -----------------------------------------------------------------------------
def _live(segments: list[Segment], shas: dict[str, str]) -> tuple[list[np.ndarray], set[tuple[str, str]]]:
    """Per segment, which rows are live: their version is committed and no earlier segment provides it."""
    provided: set[tuple[str, str]] = set()
    masks = []
    for seg in segments:
        ok = np.asarray([shas.get(sid) == sha and (sid, sha) not in provided for sid, sha in seg.pairs], dtype=bool)
        provided |= {pair for pair, k in zip(seg.pairs, ok) if k}
        masks.append(ok[seg.source_of] if len(seg.ids) else np.zeros(0, dtype=bool))
    return masks, provided


def assemble(segments: list[Segment], collection, sources: dict[str, Source], shas: dict[str, str]) -> Loaded:
    masks, _ = _live(segments, shas)
    index_of = {sid: i for i, sid in enumerate(sources)}
    ids, source_of, patient, abbreviations = [], [], [], {}
    for seg, live in zip(segments, masks):
        ids += seg.ids
        pair_index = np.asarray([index_of.get(sid, -1) for sid, _ in seg.pairs] or [-1], dtype=np.int32)
        source_of.append(np.where(live, pair_index[seg.source_of], -1).astype(np.int32))
        patient.append(np.asarray(seg.patient))
        for abbr, long in seg.abbreviations.items():
            abbreviations.setdefault(abbr, long)
    cat = lambda arrays, dtype: np.concatenate(arrays).astype(dtype) if arrays else np.empty(0, dtype=dtype)  # noqa: E731
    return Loaded(sources, shas, ids, cat(source_of, np.int32), cat(patient, bool), list(sources),
                  Postings(segments, masks), abbreviations, collection)


def open_loaded(folder: Path, collection, sources: dict[str, Source], shas: dict[str, str],
                optimize: bool = False) -> Loaded:
    """The saved segments brought up to date with the registry (a delta for what they miss, a merge when due),
    saved for the next reader; a full build from Chroma when there is no usable base."""
    base = load(folder)
    deltas = {}
    if base is not None and _deltas_of(folder).is_dir():
        for path in sorted(p for p in _deltas_of(folder).iterdir() if "." not in p.name):
            deltas[path] = load(path)
            if deltas[path] is None:
                _remove(path)
                del deltas[path]
    segments = ([base] if base is not None else []) + list(deltas.values())
    masks, provided = _live(segments, shas)
    missing = {sid: sha for sid, sha in shas.items() if (sid, sha) not in provided}
    if base is None or len(missing) > len(shas) / 2:
        return _settle(folder, read_all(collection, sources, shas), deltas, collection, sources, shas)
    if missing:
        delta = read_sources(collection, sources, missing)
        path = _deltas_of(folder) / _named(missing)
        _keep(delta, path)
        deltas[path] = delta
        segments.append(delta)
        masks.append(np.ones(len(delta.ids), dtype=bool))
    rows, live = sum(len(s.ids) for s in segments), sum(int(m.sum()) for m in masks)
    if optimize or len(deltas) > MAX_DELTAS or rows - live > DEAD_SHARE * max(rows, 1):
        merged = Segment.merge(list(zip(segments, masks)))
        return _settle(folder, merged, deltas, collection, sources, shas)
    return assemble(segments, collection, sources, shas)


def _settle(folder: Path, base: Segment, deltas: dict, collection, sources, shas) -> Loaded:
    """A new base that holds everything: saved, and the deltas it replaces removed."""
    _keep(base, folder)
    for path in deltas:
        _remove(path)
    return assemble([base], collection, sources, shas)


def _keep(segment: Segment, folder: Path) -> None:
    try:
        save(segment, folder)
    except OSError as exc:  # a read-only home still answers; it just reads Chroma again next time
        log.warning("cannot save the BM25 index to %s: %s", folder, exc)


def _remove(path: Path) -> None:
    _seen.pop(path, None)
    shutil.rmtree(path, ignore_errors=True)
