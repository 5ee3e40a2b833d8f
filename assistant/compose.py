"""The compose step: an answer's sections and numbered references from the statements the plan chose.

The lead sentence (the direct answer or bottom line) first; then the rest grouped by kind of source, or, for a
comparison, one section per item compared; claims that no primary source confirms in their own labelled
section. A synthesis sentence cites the primary sources it rests on."""

from __future__ import annotations

from .audience import (COMPARED_TITLE, DOUBT_TITLE, LEAD_TITLE, NOT_COVERED, SECTION_ORDER, UNCONFIRMED_NOTE,
                       UNCONFIRMED_TITLE, VERDICT, section_group, section_title)
from .corpus import plain_twin
from .schema import ANSWER_TYPES, Reference, Section, Sentence
from .schema import Candidate
from .text import STOPWORDS


class _References:
    """Reference numbers by first use, with the passages each reference's sentences quote."""

    def __init__(self):
        self.refs: list[Reference] = []
        self.numbers: dict[str, int] = {}

    def cite(self, source, passage) -> int:
        if source.id not in self.numbers:
            self.numbers[source.id] = len(self.numbers) + 1
            self.refs.append(Reference(self.numbers[source.id], source.id, source.citation, source.kind,
                                       source.year, source.verified, source.evidence, flags=list(source.flags)))
        ref = self.refs[self.numbers[source.id] - 1]
        if all(p["id"] != passage.id for p in ref.passages):
            ref.passages.append({"id": passage.id, "text": passage.text})
        return ref.n


def _sentence(cand: Candidate, refs: _References, loaded, mode: str) -> Sentence:
    """A sentence of the answer: a synthesis cites the sources of the statements it rests on, any other
    statement its own source."""
    statement = cand.statement
    cited = []
    if statement and statement.rests_on and loaded is not None:
        for ref_id in statement.rests_on:
            found = loaded.statement(ref_id)
            if found and found[0].source_id in loaded.sources:
                passage = found[0] if mode == "clinician" else (plain_twin(found[0]) or found[0])
                cited.append(refs.cite(loaded.sources[found[0].source_id], passage))
    if not cited:
        cited = [refs.cite(cand.source, cand.passage)]
    return Sentence(cand.shown, sorted(set(cited)), statement.id if statement else None,
                    statement.type if statement else None, statement.caveat if statement else None)


def compose(chosen: list[Candidate], mode: str, loaded=None, lead: int = 0,
            items: list[tuple[str, list[Candidate]]] = (), doubt_first: bool = False, verdict: str | None = None
            ) -> tuple[list[Section], list[Reference]]:
    """The lead sentence (the direct answer or bottom line) first, then the rest grouped by kind of source (or,
    for a comparison, one section per item compared), claims that no primary source confirms last (first, with
    their label, when the question is about such a claim); citations numbered by first use."""
    refs = _References()
    sections: list[Section] = []
    unconfirmed = [c for c in chosen[lead:] if c.type not in ANSWER_TYPES]
    if unconfirmed and doubt_first:
        sections.append(Section(DOUBT_TITLE[mode], [_sentence(c, refs, loaded, mode) for c in unconfirmed],
                                note=UNCONFIRMED_NOTE[mode]))
    if lead:
        sentences = [_sentence(c, refs, loaded, mode) for c in chosen[:lead]]
        if verdict:  # the yes or no the first statement's limit settles, said first
            first, _, rest = sentences[0].text.partition(" ")
            first = first.lower() if first[1:].islower() and first.lower() in STOPWORDS else first  # 'For' -> 'for'
            sentences[0].text = f"{VERDICT[mode][verdict]}: {first} {rest}"
        sections.append(Section(LEAD_TITLE[mode], sentences))
    if items:
        for name, cands in items:
            sections.append(Section(f"{COMPARED_TITLE[mode]}: {name}", [_sentence(c, refs, loaded, mode) for c in cands],
                                    note=None if cands else NOT_COVERED[mode]))
        return sections, refs.refs
    body = [c for c in chosen[lead:] if c.type in ANSWER_TYPES]
    groups: dict[str, list[Candidate]] = {}
    for cand in body:
        groups.setdefault(section_group(cand.source.kind), []).append(cand)
    for group in SECTION_ORDER:
        cands = groups.get(group, [])
        if not cands:
            continue
        rank = {}
        for c in cands:  # sources in order of their best sentence, sentences in reading order
            rank.setdefault(c.source.id, len(rank))
        cands.sort(key=lambda c: (rank[c.source.id], c.passage.id, c.position))
        sections.append(Section(section_title(cands[0].source.kind, mode),
                                [_sentence(c, refs, loaded, mode) for c in cands]))
    if unconfirmed and not doubt_first:
        sections.append(Section(UNCONFIRMED_TITLE[mode], [_sentence(c, refs, loaded, mode) for c in unconfirmed],
                                note=UNCONFIRMED_NOTE[mode]))
    return sections, refs.refs
