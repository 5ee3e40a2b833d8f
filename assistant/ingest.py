"""A user's own documents into the index: Markdown, plain text, HTML and PDF, files or folders.

Metadata comes from front matter, then PDF metadata, then the command's flags; a document without a
title or a kind is refused with the flag to add. Each file succeeds or fails on its own, with a clear
message, and the index is written with the same two-phase commit as the curated corpus."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import yaml

from .corpus import CorpusError, Note, source_from_meta
from .text import has_instructions

SUPPORTED = {".md": "markdown", ".markdown": "markdown", ".txt": "text", ".text": "text",
             ".html": "html", ".htm": "html", ".pdf": "pdf"}


class IngestError(ValueError):
    """One file that cannot be ingested; the message says why and what to do."""


@dataclass
class Outcome:
    path: str
    status: str  # added | updated | unchanged | failed
    source_id: str | None = None
    message: str = ""
    warnings: list[str] = field(default_factory=list)


class _Text(HTMLParser):
    """Visible text of an HTML page, headings kept as '##' sections; scripts and styles dropped."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "noscript"):
            self._skip += 1
        elif tag in ("h1", "h2", "h3"):
            self.parts.append("\n\n## ")
        elif tag in ("p", "br", "li", "div", "tr"):
            self.parts.append("\n")
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        if tag in ("script", "style", "noscript") and self._skip:
            self._skip -= 1
        elif tag in ("h1", "h2", "h3"):
            self.parts.append("\n")
        self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data.strip()
        elif not self._skip:
            self.parts.append(data)


def decode(raw: bytes, warnings: list[str]) -> str:
    head = raw[:8192]
    unprintable = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    if b"\x00" in head or (head and unprintable / len(head) > 0.05):
        raise IngestError("looks like a binary file, not text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        warnings.append("not valid UTF-8: decoded as Windows-1252, some characters may be wrong")
        return raw.decode("cp1252", errors="replace")


def read_pdf(path: Path) -> tuple[str, dict]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted and not reader.decrypt(""):
            raise IngestError("the PDF is encrypted: save an unprotected copy and ingest that")
        pages = [page.extract_text() or "" for page in reader.pages]
        info = reader.metadata or {}
    except IngestError:
        raise
    except (PdfReadError, OSError, ValueError, KeyError, TypeError) as exc:
        raise IngestError(f"unreadable PDF ({exc.__class__.__name__}: {exc})") from exc
    body = "\n\n".join(f"## Page {n}\n{text.strip()}" for n, text in enumerate(pages, 1) if text.strip())
    meta = {"title": info.get("/Title") or None, "authors": info.get("/Author") or None}
    created = str(info.get("/CreationDate") or "")
    if re.match(r"D:(19|20)\d\d", created):
        meta["year"] = int(created[2:6])
    return body, {k: v for k, v in meta.items() if v}


def read_document(path: Path, warnings: list[str]) -> tuple[str, dict]:
    """The body text and the metadata found in the file itself."""
    kind = SUPPORTED.get(path.suffix.lower())
    if kind is None:
        raise IngestError(f"unsupported file type '{path.suffix or '(none)'}'; supported: {', '.join(sorted(SUPPORTED))}")
    if kind == "pdf":
        return read_pdf(path)
    text = decode(path.read_bytes(), warnings)
    if kind == "html":
        parser = _Text()
        parser.feed(text)
        return re.sub(r"[ \t]+", " ", "".join(parser.parts)), ({"title": parser.title} if parser.title else {})
    match = re.match(r"^---\s*\n(.*?)\n---\s*\n(.*)$", text, re.S) if kind == "markdown" else None
    if match:
        try:
            meta = yaml.safe_load(match.group(1)) or {}
        except yaml.YAMLError as exc:
            raise IngestError(f"front matter is not valid YAML ({str(exc).splitlines()[0]})") from exc
        return match.group(2), meta if isinstance(meta, dict) else {}
    return text, {}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "document"


def make_note(path: Path, flags: dict, warnings: list[str]) -> Note:
    body, found = read_document(path, warnings)
    if not body.strip():
        raise IngestError("the file has no text")
    meta = dict(found)
    for key, value in flags.items():  # flags fill what the file does not say
        if value is not None and meta.get(key) in (None, ""):
            meta[key] = value
    missing = [hint for key, hint in (("title", '--title "..."'), ("kind", "--kind guideline|research|review|education"))
               if not meta.get(key)]
    if missing:
        raise IngestError(f"the document does not say its {' or '.join(m.split()[0][2:] for m in missing)}: "
                          f"add {' and '.join(missing)}")
    meta.setdefault("verified", False)
    meta["id"] = str(meta.get("id") or _slug(str(found.get("title") or path.stem)))  # one id per file
    try:
        source = source_from_meta(meta, path, flags=("instructions",) if has_instructions(body) else ())
    except CorpusError as exc:
        raise IngestError(f"{exc.field}: {exc.problem}") from exc
    digest = hashlib.sha256(path.read_bytes() + json.dumps(meta, sort_keys=True, default=str).encode())
    return Note(source, body, path, digest.hexdigest())


def collect(paths: list[Path]) -> tuple[list[Path], list[Outcome]]:
    """Files to ingest (folders walked, hidden files skipped) and the paths that do not exist."""
    files, missing = [], []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")
                            and p.suffix.lower() in SUPPORTED)
        elif path.exists():
            files.append(path)
        else:
            missing.append(Outcome(str(path), "failed", message="no such file or folder"))
    return files, missing


def ingest(store, paths: list[Path], flags: dict, report=None) -> list[Outcome]:
    """Ingest every file on its own: one that fails is reported and the others still go in."""
    files, outcomes = collect(paths)
    have = store.indexed()
    for path in files:
        warnings: list[str] = []
        try:
            note = make_note(path, flags, warnings)
        except (IngestError, OSError) as exc:
            outcomes.append(Outcome(str(path), "failed", message=str(exc), warnings=warnings))
            continue
        entry = have.get(note.source.id)
        if entry and entry.get("origin") == "corpus":
            outcomes.append(Outcome(str(path), "failed", note.source.id,
                                    "a curated corpus note has this id: give the document another --title"))
            continue
        if entry and entry["sha"] == note.sha:
            outcomes.append(Outcome(str(path), "unchanged", note.source.id, warnings=warnings))
            continue
        if report:
            report(f"ingesting {path} as {note.source.id} ({len(note.passages())} passages)")
        store.put(note, origin="ingest")
        have[note.source.id] = {"sha": note.sha, "origin": "ingest"}
        outcomes.append(Outcome(str(path), "updated" if entry else "added", note.source.id, warnings=warnings))
    store.__dict__.pop("loaded", None)
    return outcomes
