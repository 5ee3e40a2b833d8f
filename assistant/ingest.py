"""A user's own documents into the index: Markdown, plain text, HTML, PDF and DOCX, files or folders.

Metadata comes from front matter or the file's own (PDF metadata, DOCX properties, HTML title), then the
command's flags; a document without a title or a kind is refused with the flag to add. Each file succeeds or
fails on its own, with a clear message, and the index is written with the same two-phase commit as the curated
corpus. HTML and DOCX are read by formats.py."""

from __future__ import annotations

import hashlib
import io
import os
import json
import re
import zipfile
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from .index import WriteError
from .corpus import CorpusError, Note, load_yaml, source_from_meta, split_front_matter
from .formats import docx_text, html_text
from .injection import has_instructions

SUPPORTED = {".md": "markdown", ".markdown": "markdown", ".txt": "text", ".text": "text",
             ".html": "html", ".htm": "html", ".pdf": "pdf", ".docx": "docx"}


class IngestError(ValueError):
    """One file that cannot be ingested; the message says why and what to do."""


@dataclass
class Outcome:
    path: str
    status: str  # added | updated | unchanged | failed
    source_id: str | None = None
    message: str = ""
    warnings: list[str] = field(default_factory=list)

    def report(self) -> str:
        """Its line in `assistant ingest`'s output, then a line per warning."""
        line = f"{self.status:9} {self.path}" + (f" -> {self.source_id}" if self.source_id else "")
        return "\n".join([line + (f": {self.message}" if self.message else "")]
                         + [f"          warning: {w}" for w in self.warnings])


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


MAX_BYTES = int(float(os.environ.get("ASSISTANT_MAX_FILE_MB") or 100) * 1024 * 1024)  # files above it are refused


def read_bytes(path: Path, limit: int | None = None) -> bytes:
    """A regular file's bytes, its size checked before reading: a FIFO, a device or /dev/zero is refused."""
    import stat

    limit = limit or MAX_BYTES
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        raise IngestError("not a regular file (a pipe, device or socket): copy its content into a file")
    if info.st_size > limit:
        raise IngestError(f"the file is {info.st_size / 1e6:,.1f} MB; the limit is {limit / 1e6:,.0f} MB "
                          "(ASSISTANT_MAX_FILE_MB)")
    with open(path, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise IngestError(f"the file grew past the {limit / 1e6:,.0f} MB limit while it was read")
    return data


def read_pdf(path: Path) -> tuple[str, dict]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(read_bytes(path)))
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


def read_docx(path: Path) -> tuple[str, dict]:
    from docx.opc.exceptions import PackageNotFoundError
    from lxml.etree import XMLSyntaxError

    data = read_bytes(path)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise IngestError(f"unreadable DOCX (BadZipFile: {exc}): it is damaged, or another kind of file renamed "
                          "(a .doc must be saved as .docx first)") from exc
    if unpacked > MAX_BYTES:  # a few kB of zip can unpack to gigabytes: the cap holds for the unpacked size too
        raise IngestError(f"the DOCX unpacks to {unpacked / 1e6:,.1f} MB; the limit is {MAX_BYTES / 1e6:,.0f} MB "
                          "(ASSISTANT_MAX_FILE_MB)")
    try:
        return docx_text(data)
    except (PackageNotFoundError, KeyError, ValueError, XMLSyntaxError) as exc:
        detail = re.sub(r"^file '.*?' is", "it is", str(exc).strip("\"'"))
        raise IngestError(f"unreadable DOCX ({exc.__class__.__name__}: {detail})") from exc


def read_document(path: Path, warnings: list[str]) -> tuple[str, dict]:
    """The body text and the metadata found in the file itself."""
    kind = SUPPORTED.get(path.suffix.lower())
    if kind is None:
        raise IngestError(f"unsupported file type '{path.suffix or '(none)'}'; supported: {', '.join(sorted(SUPPORTED))}")
    if kind in ("pdf", "docx"):
        return read_pdf(path) if kind == "pdf" else read_docx(path)
    text = decode(read_bytes(path), warnings)
    if kind == "html":
        return html_text(text)
    parts = split_front_matter(text) if kind == "markdown" else None
    if parts:
        try:
            meta = load_yaml(parts[0], path)
        except CorpusError as exc:
            raise IngestError(f"front matter: {exc.problem}") from exc
        return parts[1], meta
    return text, {}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "document"


def make_note(path: Path, flags: dict, warnings: list[str], source_id: str | None = None) -> Note:
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
    meta["id"] = str(source_id or meta.get("id") or _slug(str(found.get("title") or path.stem)))  # one id per file
    try:
        source = source_from_meta(meta, path, flags=("instructions",) if has_instructions(body) else ())
    except CorpusError as exc:
        raise IngestError(f"{exc.field}: {exc.problem}") from exc
    digest = hashlib.sha256(body.encode() + json.dumps(meta, sort_keys=True, default=str).encode())
    return Note(source, body, path, digest.hexdigest())


def collect(paths: list[Path]) -> tuple[list[Path], list[Outcome]]:
    """Files to ingest (folders walked, hidden files skipped) and the paths that give none: a path that does not
    exist, a folder with no file of a supported type."""
    files, missing = [], []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
            files += [p for p in found if p.suffix.lower() in SUPPORTED]
            if not any(p.suffix.lower() in SUPPORTED for p in found):
                others = sorted({p.suffix.lower() or "(no extension)" for p in found})
                held = f"it holds only {', '.join(others)} files" if others else "it is empty"
                missing.append(Outcome(str(path), "failed", message=f"no file to ingest in this folder: {held}; "
                                                                    f"supported: {', '.join(sorted(SUPPORTED))}"))
        elif path.exists():
            files.append(path)
        else:
            missing.append(Outcome(str(path), "failed", message="no such file or folder"))
    return files, missing


def clash(entry: dict | None, path: Path, replace: bool) -> str | None:
    """Why a document may not take an id that is in the index, or None. A curated note's id is never taken; an
    ingested document's only by the same file (a changed version) or with --replace."""
    if not entry:
        return None
    if entry.get("origin") == "corpus":
        return "a curated corpus note has this id: ingest the document with another --id"
    where = entry.get("path")
    if where and where != str(path.resolve()) and not replace:
        return (f"another document ({where}) already has this id: give this one another --id, or --replace "
                "the other one")
    return None


def ingest(store, paths: list[Path], flags: dict, report=None, source_id: str | None = None,
           replace: bool = False, progress=None) -> list[Outcome]:
    """Ingest every file on its own: one that fails is reported and the others still go in. `progress(store,
    passages, file name)`, if given, is a context manager around each file's write (progress.file_bar)."""
    files, outcomes = collect(paths)
    if source_id and len(files) > 1:
        return outcomes + [Outcome(str(p), "failed", message="--id names one document; ingest the files one by one")
                           for p in files]
    have = store.indexed()
    for path in files:
        warnings: list[str] = []
        try:
            note = make_note(path, flags, warnings, source_id)
        except (IngestError, OSError) as exc:
            outcomes.append(Outcome(str(path), "failed", message=str(exc), warnings=warnings))
            continue
        entry = have.get(note.source.id)
        problem = clash(entry, path, replace)
        if problem:
            outcomes.append(Outcome(str(path), "failed", note.source.id, problem, warnings))
            continue
        if entry and entry["sha"] == note.sha and entry.get("path", str(path.resolve())) == str(path.resolve()):
            outcomes.append(Outcome(str(path), "unchanged", note.source.id, warnings=warnings))
            continue
        passages = note.passages()
        if report:
            report(f"ingesting {path} as {note.source.id} ({len(passages)} passages)")
        try:
            with progress(store, len(passages), path.name) if progress else nullcontext():
                store.put(note, origin="ingest", passages=passages)
        except WriteError as exc:
            outcomes.append(Outcome(str(path), "failed", note.source.id, str(exc), warnings))
            continue
        have[note.source.id] = {"sha": note.sha, "origin": "ingest", "path": str(path.resolve())}
        outcomes.append(Outcome(str(path), "updated" if entry else "added", note.source.id, warnings=warnings))
    store.__dict__.pop("loaded", None)
    return outcomes
