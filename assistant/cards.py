"""The answer card and the sources panel as HTML, for the chat page; the answer as Markdown, for export.

Every piece of text (questions, sentences, citations, passages, messages) goes through `esc`, and the
HTML is built on one line: a blank line would end the HTML block in the chat's Markdown renderer, and
whatever followed would be read as Markdown. Anchors: `src-{turn}-{n}` is reference n of a turn in the
sources panel, `ref-{turn}-{n}` the same reference in the card."""

from __future__ import annotations

import html
import re

from .audience import LEAD_TITLE
from .render import to_markdown
from .schema import Answer, Reference

MODE_LABELS = {"clinician": "Clinician", "patient": "Patient"}
ERROR_MESSAGE = "Something went wrong while answering. Please try again, or rephrase the question."
UNCONFIRMED = "Not confirmed in the primary source"


def esc(text: object) -> str:
    """Text shown as text: HTML-escaped, whitespace collapsed to single spaces."""
    return html.escape(re.sub(r"\s+", " ", str(text if text is not None else "")).strip(), quote=True)


def citation_link(turn: int, ref: Reference) -> str:
    return (f'<a class="cite" href="#src-{turn}-{ref.n}" title="{esc(ref.citation)}" '
            f'aria-label="Source {ref.n}">[{ref.n}]</a>')


def badge(ref: Reference) -> str:
    return "" if ref.verified else f' <span class="badge" title="{UNCONFIRMED}">unconfirmed</span>'


def reference_html(ref: Reference) -> str:
    """The full citation, kind, year, evidence grade and the 'unconfirmed' badge."""
    year = ref.year or "year unknown"
    evidence = f'; <span class="evidence">{esc(ref.evidence)}</span>' if ref.evidence else ""
    return (f'<span class="n">[{ref.n}]</span> <span class="citation">{esc(ref.citation)}</span> '
            f'<span class="meta">(<span class="kind">{esc(ref.kind)}</span>, {esc(year)}{evidence})</span>{badge(ref)}')


def question_html(question: str) -> str:
    lines = [esc(line) for line in str(question).splitlines() if line.strip()]
    return f'<div class="question">{"<br>".join(lines)}</div>'


def error_html(message: str = ERROR_MESSAGE) -> str:
    return f'<div class="card error" role="alert"><p>{esc(message)}</p></div>'


def understood_html(answer: Answer) -> str:
    """A follow-up as the engine read it, with the conversation's topic made explicit."""
    if not answer.standalone_question:
        return ""
    return f'<p class="understood">Understood as: <q>{esc(answer.standalone_question)}</q></p>'


def card_html(answer: Answer, turn: int, shown: int | None = None) -> str:
    """The answer card; with `shown`, only the first `shown` sentences (the card while it streams in)."""
    if answer.refused:
        return (f'<div class="card refused" data-mode="{esc(answer.mode)}">{understood_html(answer)}'
                f'<p class="refusal" role="note">{esc(answer.message)}</p>'
                f'<p class="disclaimer">{esc(answer.disclaimer)}</p></div>')
    refs = {r.n: r for r in answer.references}
    budget = len(answer.sentences) if shown is None else shown
    parts = [understood_html(answer)]
    explain = Terms(answer.glossary)
    for section in answer.sections:
        if budget <= 0:
            break
        items = []
        for sentence in section.sentences[:budget]:
            links = "".join(citation_link(turn, refs[n]) for n in sentence.citations if n in refs)
            note = f' <span class="caveat">Note: {esc(sentence.caveat)}</span>' if sentence.caveat else ""
            items.append(f"{explain(sentence.text)} {links}{note}")
        budget -= len(items)
        whole = len(items) == len(section.sentences)
        note = f'<p class="note">{esc(section.note)}</p>' if section.note and whole else ""
        if section.title in LEAD_TITLE.values():  # the short answer reads as one paragraph
            spans = " ".join(f'<span class="sentence">{item}</span>' for item in items)
            body = f'<p class="lead">{spans}</p>'
        else:
            body = f'<ul class="sentences">{"".join(f"<li>{item}</li>" for item in items)}</ul>'
        parts.append(f'<section><h4>{esc(section.title)}</h4>{body}{note}</section>')
    if shown is not None and shown < len(answer.sentences):
        parts.append('<p class="streaming" aria-busy="true">…</p>')
    else:
        parts.append(glossary_html(answer))
        parts.append(references_html(answer, turn))
        parts.append(f'<p class="disclaimer">{esc(answer.disclaimer)}</p>')
    return f'<div class="card" data-mode="{esc(answer.mode)}">{"".join(parts)}</div>'


class Terms:
    """A patient card's glossary words: the first time each appears, it shows its definition on hover or focus."""

    def __init__(self, glossary: list[dict]):
        self.definitions = {g["term"].lower(): g["definition"] for g in glossary}
        terms = sorted(self.definitions, key=len, reverse=True)
        self.pattern = re.compile(r"(?<![\w-])(" + "|".join(re.escape(t.rstrip("s")) + "s?" for t in terms)
                                  + r")(?![\w-])", re.I) if terms else None
        self.done: set[str] = set()

    def __call__(self, text: str) -> str:
        shown = esc(text)
        return self.pattern.sub(self._mark, shown) if self.pattern else shown

    def _mark(self, match: re.Match) -> str:
        word = match.group(0)
        term = next((t for t in self.definitions if re.fullmatch(re.escape(t.rstrip("s")) + "s?", word, re.I)), None)
        if term is None or term in self.done:
            return word
        self.done.add(term)
        return f'<abbr class="term" tabindex="0" title="{esc(self.definitions[term])}">{word}</abbr>'


def glossary_html(answer: Answer) -> str:
    """The words explained, as a list the reader can open (patients)."""
    if not answer.glossary:
        return ""
    items = "".join(f"<dt>{esc(g['term'])}</dt><dd>{esc(g['definition'])}</dd>" for g in answer.glossary)
    return f'<details class="glossary"><summary>Words explained</summary><dl>{items}</dl></details>'


def references_html(answer: Answer, turn: int) -> str:
    if not answer.references:
        return ""
    items = "".join(f'<li id="ref-{turn}-{r.n}">{reference_html(r)} <a class="passages-link" '
                    f'href="#src-{turn}-{r.n}">passages</a></li>' for r in answer.references)
    return f'<h4>References</h4><ul class="refs">{items}</ul>'


def sources_html(turns: list[tuple[int, Answer]]) -> str:
    """The sources panel: for each answer (newest first), each reference with the exact passages used."""
    blocks = []
    for turn, answer in reversed(turns):
        if answer.refused or not answer.references:
            continue
        entries = []
        for ref in answer.references:
            quotes = "".join(f'<blockquote><p>{esc(p["text"])}</p><footer>{esc(p["id"])}</footer></blockquote>'
                             for p in ref.passages)
            entries.append(f'<article class="source" id="src-{turn}-{ref.n}"><p class="ref">{reference_html(ref)}'
                           f'</p>{quotes}</article>')
        blocks.append(f'<section class="turn" data-turn="{turn}"><h4>Sources for “{esc(answer.question)}”</h4>'
                      f'{"".join(entries)}</section>')
    if not blocks:
        return '<p class="empty">The exact passages behind each answer appear here: click a citation [n] to check it.</p>'
    return f'<div class="sources">{"".join(blocks)}</div>'


def export_markdown(answer: Answer) -> str:
    """One answer with its references, as Markdown to copy or download."""
    return f"## {answer.question.strip()}\n\n*For: {MODE_LABELS.get(answer.mode, answer.mode)}*\n\n{to_markdown(answer)}"


CSS = """
.question { white-space: normal; }
.card h4 { margin: .6em 0 .3em; font-size: 1.05em; }
.card ul.sentences { margin: 0 0 .4em 1.1em; padding: 0; }
.card p.lead { margin: 0 0 .4em 0; font-weight: 500; }
.card ul.refs { list-style: none; margin: 0; padding: 0; font-size: .92em; }
.card ul.refs li { margin: .25em 0; }
.card a.cite { text-decoration: none; font-weight: 600; margin-left: .15em; }
.card .badge, .sources .badge { display: inline-block; margin-left: .35em; padding: 0 .45em; border-radius: .6em;
  font-size: .8em; background: #fde68a; color: #713f12; border: 1px solid #f59e0b; }
.card .disclaimer { font-style: italic; font-size: .9em; opacity: .85; border-top: 1px solid var(--border-color-primary);
  padding-top: .4em; margin-top: .6em; }
.card.refused .refusal, .card.error p { font-weight: 600; }
.card.error { border-left: 4px solid #dc2626; padding-left: .6em; }
.card .streaming { opacity: .6; }
.card .caveat { display: block; font-size: .88em; font-style: italic; opacity: .85; }
.card abbr.term { text-decoration: underline dotted; cursor: help; }
.card details.glossary { margin: .4em 0; font-size: .92em; }
.card details.glossary dt { font-weight: 600; }
.card details.glossary dd { margin: 0 0 .3em .8em; }
.card .understood { font-size: .88em; opacity: .8; margin: 0 0 .3em; }
#sources { max-height: 75vh; overflow-y: auto; overflow-x: hidden; }
.sources .turn h4 { margin: .2em 0 .4em; }
.sources article.source { padding: .4em .6em; margin: 0 0 .6em; border: 1px solid var(--border-color-primary);
  border-radius: .4em; scroll-margin-top: .5em; }
.sources article.source:target { outline: 3px solid var(--color-accent); background: var(--color-accent-soft); }
.sources blockquote { margin: .4em 0 .2em; padding-left: .6em; border-left: 3px solid var(--border-color-accent); }
.sources blockquote footer { font-size: .8em; opacity: .7; }
"""
