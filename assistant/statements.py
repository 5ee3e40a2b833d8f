"""Typed statements: the body of a note as sections of claims an answer can quote (see corpus/README.md).

    ## Findings: survival
    - In SCOT, overall survival at 72 months was 86% with HSCT versus 51% with cyclophosphamide (P=0.02). {#os-72}
      - plain: In this study, about 86 in 100 people who had the transplant were alive after 72 months ...
      - caveat: ...            - conflicts: note#id, ...            - rests on: note#id, ... (syntheses)

A curated note must be written this way (`strict`); an ingested document's prose is typed by a conservative
rule instead: a sentence that states a figure or a result is a finding, any other is background.

`assistant check NOTE...` checks notes and prints every problem with its line."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .schema import STATEMENT_TYPES, Statement
from .text import numbers, split_sentences

_HEADING = re.compile(r"^##\s+(.+?)\s*$")
_ITEM = re.compile(r"^-\s+(.+?)\s*\{#([a-z0-9][a-z0-9-]{0,60})\}\s*$")
_SUB = re.compile(r"^\s{2,}-\s+(plain|caveat|conflicts|rests on):\s*(.+?)\s*$", re.I)
_REF = re.compile(r"^[a-z0-9][a-z0-9._-]{1,80}#[a-z0-9][a-z0-9-]{0,60}$")
ALIASES = {"result": "finding", "regimen": "procedure", "risk": "safety", "method": "design",
           "who qualifies": "eligibility", "selection": "eligibility", "bottom line": "finding"}
PLAIN_SECTION = re.compile(r"^in plain (words|language)$", re.I)
_RESULT = re.compile(r"\b(improv|reduc|increas|decreas|fell|rose|lower|higher|favou?r|signific|compared|versus|"
                     r"vs\b|survival|mortality|response|remission|associated|showed|found)", re.I)


class StatementError(ValueError):
    def __init__(self, line: int, problem: str):
        self.line, self.problem = line, problem
        super().__init__(f"line {line}: {problem}")


@dataclass
class Block:
    """A section of a note: its heading, the type of its statements, and the statements."""

    title: str
    type: str | None  # None: an untyped section (prose typed sentence by sentence)
    statements: list[Statement] = field(default_factory=list)
    plain: bool = False  # a legacy "In plain words" section


def section_type(title: str) -> str | None:
    """The statement type a heading names ('Findings', 'Safety: deaths', 'Who qualifies'), or None."""
    head = title.split(":", 1)[0].strip().lower()
    for candidate in (head, head[:-1] if head.endswith("s") else head):
        if candidate in STATEMENT_TYPES:
            return candidate
        if candidate in ALIASES:
            return ALIASES[candidate]
    return None


def guess_type(sentence: str) -> str:
    """The conservative rule for untyped text: a figure or a result word makes a finding, else background."""
    return "finding" if numbers(sentence) or _RESULT.search(sentence) else "background"


def _refs(value: str, line: int) -> tuple[str, ...]:
    refs = tuple(r.strip() for r in value.split(",") if r.strip())
    for ref in refs:
        if not _REF.match(ref):
            raise StatementError(line, f"{ref!r} is not a statement reference (note-id#statement-id)")
    return refs


def parse(body: str, source_id: str, strict: bool = True, first_line: int = 1) -> list[Block]:
    """The sections of a body with their statements. Strict: every section typed, every statement a one-line
    list item with an id and (but in Design) a plain twin; anything else raises StatementError with its line."""
    blocks: list[Block] = []
    seen: dict[str, int] = {}
    prose: list[tuple[int, str]] = []

    def flush_prose():
        if prose and blocks:
            text = " ".join(t for _, t in prose)
            block = blocks[-1]
            for n, sentence in enumerate(split_sentences(text), len(block.statements) + 1):
                kind = block.type or guess_type(sentence)
                block.statements.append(Statement(f"{source_id}#{_slug(block.title)}-{n}", kind, sentence,
                                                  line=prose[0][0]))
        prose.clear()

    for offset, raw in enumerate(body.splitlines()):
        line = first_line + offset
        if not raw.strip():
            continue
        heading = _HEADING.match(raw)
        if heading:
            flush_prose()
            title = heading.group(1)
            kind = section_type(title)
            plain = bool(PLAIN_SECTION.match(title))
            if strict and kind is None:
                raise StatementError(line, f"section '## {title}' names no statement type; use one of "
                                           f"{', '.join(t.title() for t in STATEMENT_TYPES)} (optionally ': words')")
            blocks.append(Block(title, kind, plain=plain))
            continue
        if raw.lstrip().startswith("#"):
            if strict:
                raise StatementError(line, "only '## Type' headings may be used in a note's body")
            continue
        if not blocks:
            if strict:
                raise StatementError(line, "text before the first '## Type' heading")
            blocks.append(Block("Overview", None))
        sub = _SUB.match(raw)
        item = _ITEM.match(raw)
        if sub and blocks[-1].statements and not prose:
            _attach(blocks[-1], sub.group(1).lower(), sub.group(2), line)
        elif item and not raw[0].isspace():
            flush_prose()
            sid = item.group(2)
            if sid in seen:
                raise StatementError(line, f"statement id '{sid}' is already used on line {seen[sid]}")
            seen[sid] = line
            blocks[-1].statements.append(Statement(f"{source_id}#{sid}", blocks[-1].type or guess_type(item.group(1)),
                                                   item.group(1), line=line))
        elif strict:
            problem = ("a sub-item must be '  - plain: ...', '  - caveat: ...', '  - conflicts: ...' or "
                       "'  - rests on: ...' under a statement") if raw[0].isspace() else \
                "a statement must be one line '- text {#id}' (a lower-case id)"
            raise StatementError(line, problem)
        else:
            prose.append((line, re.sub(r"^\s*[-*+]\s+", "", raw).strip()))
    flush_prose()
    blocks = [b for b in blocks if b.statements]
    if strict:
        _check(blocks)
    return blocks


def _attach(block: Block, key: str, value: str, line: int) -> None:
    from dataclasses import replace

    last = block.statements[-1]
    if key == "plain":
        new = replace(last, plain=value)
    elif key == "caveat":  # several caveat lines read as one
        new = replace(last, caveat=f"{last.caveat} {value}" if last.caveat else value)
    elif key == "conflicts":
        new = replace(last, conflicts=last.conflicts + _refs(value, line))
    else:
        new = replace(last, rests_on=last.rests_on + _refs(value, line))
    block.statements[-1] = new


def _check(blocks: list[Block]) -> None:
    for block in blocks:
        for s in block.statements:
            if not s.plain and block.type != "design":
                raise StatementError(s.line, f"statement '{s.id}' has no '  - plain: ...' twin")


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:40] or "text"
