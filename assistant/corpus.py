"""The corpus: Markdown notes with YAML front matter, validated and cut into passages."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

import yaml

from .schema import KINDS, Passage, Source, Statement
from .statements import Block, StatementError, parse
from .injection import has_instructions

REQUIRED = ("id", "title", "kind", "verified")
OPTIONAL = ("authors", "year", "venue", "doi", "pmid", "url", "trial", "evidence", "caveats", "aka")
MIN_WORDS, MAX_WORDS = 60, 250
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{1,80}$")
class CorpusError(ValueError):
    """A note that cannot be used; names the file, the field (or line) and the problem."""

    def __init__(self, path: Path | str, field: str, problem: str, line: int | None = None):
        self.path, self.field, self.problem, self.line = str(path), field, problem, line
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {'' if line else f'field {field!r}: '}{problem}")


@dataclass(frozen=True)
class Note:
    source: Source
    body: str
    path: Path
    sha: str  # content hash: what the index compares to re-embed only what changed
    strict: bool = False  # a curated note: typed statements required (corpus/README.md)
    first_line: int = 1  # the body's first line in the file

    @cached_property
    def blocks(self) -> list[Block]:
        try:
            return parse(self.body, self.source.id, self.strict, self.first_line)
        except StatementError as exc:
            raise CorpusError(self.path, "body", exc.problem, exc.line) from exc

    def passages(self) -> list[Passage]:
        return chunk(self.source.id, self.blocks)


def split_front_matter(raw: str) -> tuple[str, str, int] | None:
    """(front matter, body, the body's first line) of a note, or None without a '---' block."""
    match = re.match(r"^---\s*\n(.*?)\n---\s*\n(.*)$", raw, re.S)
    if not match:
        return None
    return match.group(1), match.group(2), raw[:match.start(2)].count("\n") + 1


def parse_note(path: Path, strict: bool = True) -> Note:
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CorpusError(path, "file", f"unreadable ({exc.__class__.__name__}: {exc})") from exc
    parts = split_front_matter(raw)
    if not parts:
        raise CorpusError(path, "front matter", "missing: the note must start with a '---' YAML block")
    meta = load_yaml(parts[0], path)
    note = Note(source_from_meta(meta, path), parts[1], path, hashlib.sha256(raw.encode()).hexdigest(), strict,
                parts[2])
    if strict:
        check_note(note)
    return note


def load_yaml(text: str, path: Path | str) -> dict:
    """Front matter as a mapping; aliases are refused (a few hundred bytes of them can expand to gigabytes)."""
    try:
        if any(isinstance(ev, yaml.AliasEvent) for ev in yaml.parse(text, Loader=yaml.SafeLoader)):
            raise CorpusError(path, "front matter", "YAML aliases ('*name') are not allowed")
        meta = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise CorpusError(path, "front matter", f"invalid YAML ({str(exc).splitlines()[0]})") from exc
    if not isinstance(meta, dict):
        raise CorpusError(path, "front matter", "must be a mapping of fields")
    return meta


def check_note(note: Note) -> None:
    """A curated note's body: typed statements; a synthesis's sentences rest on statements of other notes."""
    for block in note.blocks:
        for statement in block.statements:
            if note.source.kind == "synthesis" and not statement.rests_on:
                raise CorpusError(note.path, "body", f"synthesis statement '{statement.id}' has no "
                                  "'  - rests on: note#id' line", statement.line)


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
            note = replace(note, source=replace(note.source, flags=("instructions",)))
        seen[note.source.id] = path.name
        notes.append(note)
    check_links(notes)
    return notes


def check_links(notes: list[Note]) -> None:
    """Every 'rests on' and 'conflicts' reference names a statement of the corpus; a synthesis rests on
    statements of other notes, never on another synthesis."""
    known = {s.id: n for n in notes for b in n.blocks for s in b.statements}
    for note in notes:
        for block in note.blocks:
            for statement in block.statements:
                for ref in statement.rests_on + statement.conflicts:
                    if ref not in known:
                        raise CorpusError(note.path, "body", f"'{ref}' names no statement of the corpus",
                                          statement.line)
                for ref in statement.rests_on:
                    if known[ref].source.kind == "synthesis":
                        raise CorpusError(note.path, "body", f"'{ref}' is a synthesis: rest on primary "
                                          "statements", statement.line)


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:40] or "text"


def _pack(statements: list[Statement]) -> list[list[Statement]]:
    """Group statements into chunks of at most MAX_WORDS words, balanced in length."""
    total = sum(len(s.text.split()) for s in statements)
    n = max(1, -(-total // MAX_WORDS))
    target = total / n
    chunks, current, size = [], [], 0
    for statement in statements:
        length = len(statement.text.split())
        if current and (size + length > MAX_WORDS or (size >= target and len(chunks) < n - 1)):
            chunks.append(current)
            current, size = [], 0
        current.append(statement)
        size += length
    if current:
        chunks.append(current)
    return chunks


def chunk(source_id: str, blocks: list[Block]) -> list[Passage]:
    """Section-aware passages of ~60-250 words with stable ids ('source-id#section-slug[-n]'): a section
    shorter than MIN_WORDS is merged into the next one. Each passage's statements that have plain twins also
    make a patient passage ('...-plain') holding the same statements in plain words."""
    merged: list[tuple[str, list[Statement], str]] = []  # (title, statements, audience)
    pending: tuple[str, list[Statement], str] | None = None
    for block in blocks:
        audience = "patient" if block.plain else "clinician"
        title, statements = block.title, list(block.statements)
        if pending and pending[2] == audience:
            title, statements = pending[0], pending[1] + statements
        elif pending:
            merged.append(pending)
        pending = None
        if sum(len(s.text.split()) for s in statements) < MIN_WORDS:
            pending = (title, statements, audience)
        else:
            merged.append((title, statements, audience))
    if pending:
        merged.append(pending)
    passages, used = [], set()
    for title, statements, audience in merged:
        pieces = _pack(statements)
        for n, group in enumerate(pieces, 1):
            pid = f"{source_id}#{_slug(title)}" + (f"-{n}" if len(pieces) > 1 else "")
            while pid in used:
                pid += "x"
            used.add(pid)
            passage = Passage(pid, source_id, title, " ".join(s.text for s in group), audience, tuple(group))
            passages.append(passage)
            twin = plain_twin(passage)
            if twin:
                passages.append(twin)
    return passages


def plain_twin(passage: Passage) -> Passage | None:
    """The patient passage of a clinician passage: the plain twins of its statements ('...-plain')."""
    twins = tuple(s for s in passage.statements if s.plain)
    if passage.audience != "clinician" or not twins:
        return None
    return Passage(f"{passage.id}-plain", passage.source_id, passage.section, " ".join(s.plain for s in twins),
                   "patient", twins)
