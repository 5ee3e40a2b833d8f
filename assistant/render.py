"""Answers as Markdown: for the terminal, the chat page and export."""

from __future__ import annotations

from .audience import LEAD_TITLE
from .schema import Answer


def cite(numbers: list[int]) -> str:
    return "".join(f"[{n}]" for n in numbers)


def reference_line(ref) -> str:
    badge = "" if ref.verified else " *(unconfirmed in the primary source)*"
    evidence = f"; {ref.evidence}" if ref.evidence else ""
    year = ref.year or "year unknown"
    return f"[{ref.n}] {ref.citation} ({ref.kind}, {year}{evidence}){badge}"


def to_markdown(answer: Answer, passages: bool = False) -> str:
    lines: list[str] = []
    if answer.refused:
        lines += [answer.message or "", ""]
    for section in answer.sections:
        lines.append(f"### {section.title}")
        if section.title in LEAD_TITLE.values():  # the short answer: one paragraph, whatever its parts
            lines.append("- " + " ".join(f"{s.text} {cite(s.citations)}".rstrip() for s in section.sentences))
            lines += [f"  - *Note: {s.caveat}*" for s in section.sentences if s.caveat]
        else:
            for s in section.sentences:
                lines.append(f"- {s.text} {cite(s.citations)}".rstrip())
                if s.caveat:  # our note on that statement, next to it, never as a finding
                    lines.append(f"  - *Note: {s.caveat}*")
        if section.note:
            lines.append(f"_{section.note}_")
        lines.append("")
    if answer.glossary:
        lines.append("### Words explained")
        lines += [f"- **{g['term']}**: {g['definition']}" for g in answer.glossary]
        lines.append("")
    if answer.references:
        lines.append("### References")
        for ref in answer.references:
            lines.append(f"{reference_line(ref)}  ")
            if passages:
                lines += [f"  > {p['text']} ({p['id']})" for p in ref.passages]
        lines.append("")
    lines.append(f"*{answer.disclaimer}*")
    return "\n".join(lines).strip() + "\n"
