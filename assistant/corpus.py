"""The corpus: Markdown notes with YAML front matter, validated and cut into passages."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from .schema import KINDS, Passage, Source
from .text import has_instructions, split_sentences

REQUIRED = ("id", "title", "kind", "verified")
OPTIONAL = ("authors", "year", "venue", "doi", "pmid", "url", "trial", "evidence", "caveats")
PLAIN_SECTION = re.compile(r"^in plain (words|language)$", re.I)
MIN_WORDS, MAX_WORDS = 60, 250
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{1,80}$")
class CorpusError(ValueError):
    """A note that cannot be used; names the file and the field."""

    def __init__(self, path: Path | str, field: str, problem: str):
        self.path, self.field, self.problem = str(path), field, problem
        super().__init__(f"{path}: field '{field}': {problem}")


@dataclass(frozen=True)
class Note:
    source: Source
    body: str
    path: Path
    sha: str  # content hash: what the index compares to re-embed only what changed

    def passages(self) -> list[Passage]:
        return chunk(self.source.id, self.body)


def parse_note(path: Path) -> Note:
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CorpusError(path, "file", f"unreadable ({exc.__class__.__name__}: {exc})") from exc
    match = re.match(r"^---\s*\n(.*?)\n---\s*\n(.*)$", raw, re.S)
    if not match:
        raise CorpusError(path, "front matter", "missing: the note must start with a '---' YAML block")
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise CorpusError(path, "front matter", f"invalid YAML ({str(exc).splitlines()[0]})") from exc
    if not isinstance(meta, dict):
        raise CorpusError(path, "front matter", "must be a mapping of fields")
    return Note(source_from_meta(meta, path), match.group(2).strip(), path, hashlib.sha256(raw.encode()).hexdigest())


def source_from_meta(meta: dict, path: Path | str, flags: tuple[str, ...] = ()) -> Source:
    for key in REQUIRED:
        if meta.get(key) in (None, ""):
            raise CorpusError(path, key, "is required")
    sid = str(meta["id"])
    if not _ID.match(sid):
        raise CorpusError(path, "id", f"{sid!r} must be a lower-case slug (a-z, 0-9, '-', '.', '_')")
    if meta["kind"] not in KINDS:
        raise CorpusError(path, "kind", f"{meta['kind']!r} is not one of {', '.join(KINDS)}")
    if not isinstance(meta["verified"], bool):
        raise CorpusError(path, "verified", "must be true or false")
    year = meta.get("year")
    if year is not None and (not isinstance(year, int) or not 1900 <= year <= 2100):
        raise CorpusError(path, "year", f"{year!r} is not a year")
    extra = {k: (str(meta[k]) if meta.get(k) is not None else None) for k in OPTIONAL if k != "year"}
    return Source(id=sid, title=str(meta["title"]), kind=meta["kind"], year=year,
                  verified=meta["verified"], flags=flags, full_citation=meta.get("citation") or None, **extra)


def load_corpus(directory: Path) -> list[Note]:
    """Every note of a folder, validated. Raises CorpusError on the first bad note or a duplicate id."""
    if not directory.is_dir():
        raise CorpusError(directory, "corpus", "folder not found")
    notes, seen = [], {}
    for path in sorted(directory.glob("*.md")):
        if path.name.startswith(("_", ".")) or path.name.upper() == "README.MD":
            continue
        note = parse_note(path)
        if note.source.id in seen:
            raise CorpusError(path, "id", f"{note.source.id!r} is already used by {seen[note.source.id]}")
        if has_instructions(note.body):
            note = Note(Source(**{**note.source.__dict__, "flags": ("instructions",)}), note.body, path, note.sha)
        seen[note.source.id] = path.name
        notes.append(note)
    return notes


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:40] or "text"


def _sections(body: str) -> list[tuple[str, str]]:
    """Split a body on '## ' headings; text before the first heading is the overview."""
    parts = re.split(r"^##\s+(.+?)\s*$", body, flags=re.M)
    out = [("Overview", parts[0])] if parts[0].strip() else []
    out += [(parts[i].strip(), parts[i + 1]) for i in range(1, len(parts) - 1, 2)]
    return [(title, re.sub(r"^#+\s.*$", "", text, flags=re.M).strip()) for title, text in out if text.strip()]


def _pack(sentences: list[str]) -> list[str]:
    """Group sentences into chunks of at most MAX_WORDS words, balanced in length."""
    total = sum(len(s.split()) for s in sentences)
    n = max(1, -(-total // MAX_WORDS))
    target = total / n
    chunks, current, size = [], [], 0
    for sent in sentences:
        length = len(sent.split())
        if current and (size + length > MAX_WORDS or (size >= target and len(chunks) < n - 1)):
            chunks.append(" ".join(current))
            current, size = [], 0
        current.append(sent)
        size += length
    if current:
        chunks.append(" ".join(current))
    return chunks


def chunk(source_id: str, body: str) -> list[Passage]:
    """Section-aware chunks of ~60-250 words with stable ids ('source-id#section-slug[-n]').

    A section shorter than MIN_WORDS is merged into the next one of the same audience."""
    merged: list[tuple[str, str, str]] = []  # (title, text, audience)
    pending: tuple[str, str, str] | None = None
    for title, text in _sections(body):
        audience = "patient" if PLAIN_SECTION.match(title) else "clinician"
        if pending and pending[2] == audience:
            title, text = pending[0], f"{pending[1]} {text}"
        elif pending:
            merged.append(pending)
        pending = None
        if len(text.split()) < MIN_WORDS:
            pending = (title, text, audience)
        else:
            merged.append((title, text, audience))
    if pending:
        merged.append(pending)
    passages, used = [], set()
    for title, text, audience in merged:
        pieces = _pack(split_sentences(text))
        for n, piece in enumerate(pieces, 1):
            pid = f"{source_id}#{_slug(title)}" + (f"-{n}" if len(pieces) > 1 else "")
            while pid in used:
                pid += "x"
            used.add(pid)
            passages.append(Passage(pid, source_id, title, piece, audience))
    return passages
