"""What a question names: a question that names a source ('... in ASSIST?', 'the CARE-SSc trial') is answered
from that source, or from statements that name it; a statement about another trial counts less, leads only when
nothing about the named one comes near, and is left out of a narrow answer."""

from __future__ import annotations

from dataclasses import replace

from .facets import gives
from .repeats import named_anywhere
from .schema import Candidate
from .text import stem

ELSEWHERE = 0.8  # a statement about another source than the one asked about keeps this share of its score


def elsewhere(cand: Candidate, question: str, focused: dict[str, float] | None, naming: frozenset[str]) -> bool:
    """Is it a statement of a source the question does not name, naming another source and not one the question
    names ('ASTIS enrolled patients aged 18-65', for '... randomised in ASSIST?')? `naming`: the words that name
    sources (stems)."""
    named_sources = {sid for sid, w in (focused or {}).items() if w == 1.0}
    asked = _names(question, naming)
    if not asked or not named_sources or about(cand, named_sources):
        return False
    named = _names(cand.text, naming)
    return bool(named) and not named & asked


def _names(text: str, naming: frozenset[str]) -> set[str]:
    """The source names a text uses, as stems ('CAR-T' is not one; 'ASTIS', 'Müller' are)."""
    return {stem(part) for name in named_anywhere(text) for part in name.split("-")} & naming


def named_elsewhere(candidates: list[Candidate], question: str, focused: dict[str, float] | None,
                    naming: frozenset[str]) -> list[Candidate]:
    """A question that names a source: a statement about another source counts less."""
    return [replace(c, score=c.score * ELSEWHERE) if elsewhere(c, question, focused, naming) else c
            for c in candidates]


NAMED_LEAD = 0.9  # a statement of the source a question names leads when this relevant (of the lead from elsewhere)


def named_first(lead: list[Candidate], body: list[Candidate], focused: dict[str, float] | None, wants: set[str],
                value=None, pool: list[Candidate] = ()) -> tuple[list[Candidate], list[Candidate]]:
    """A question that names a source ('how many infusions in CARE-SSc?', 'the cord-cell study in China') is
    answered first by that source: its best statement (not a seed's; from the answer's statements or `pool`) leads
    when nearly as relevant as a lead from elsewhere (not a synthesis built on it), and of the kind asked for or
    giving the value asked for when the lead is."""
    named = {sid for sid, weight in (focused or {}).items() if weight == 1.0}
    if not named or not lead or about(lead[0], named):
        return lead, body
    fits = lambda c: lead[0].type not in wants or c.type in wants or gives(c, value)  # noqa: E731
    mine = lambda c: c.source.id in named and c.source.kind != "education"  # noqa: E731
    own = max((c for c in body if mine(c) and fits(c)), key=lambda c: c.score, default=None)
    if own is None or own.score < lead[0].score:  # else one the answer left out, of the kind asked for
        own = max((c for c in pool if mine(c) and (c.type in wants if wants else fits(c))), key=lambda c: c.score,
                  default=None)
        if own is None or own.score < NAMED_LEAD * lead[0].score:
            return lead, body
    return [own], lead + [c for c in body if c is not own]


def about(cand: Candidate, sources: set[str]) -> bool:
    """Is the statement from one of these sources, or a synthesis built on one?"""
    rests_on = cand.statement.rests_on if cand.statement else ()
    return cand.source.id in sources or any(ref.split("#", 1)[0] in sources for ref in rests_on)
