"""Saying a thing once: a statement that repeats one already given (most of its words, no figure, name or negation
of its own; or one our synthesis already states with its figures) is left out, and an earlier statement that a later
one says whole, and more, gives way to it."""

from __future__ import annotations

import re
from functools import lru_cache

from .lexicon import curated
from .schema import Candidate
from .text import content_terms, numbers

REPEAT_SHARE = 0.7  # a sentence whose words are mostly in one already given, and no figure of its own, repeats it
_NEGATION = re.compile(r"\b(not|no|none|never|neither|nor|without)\b|n't\b", re.I)
_NAME = re.compile(r"(?<!^)(?<![.!?] )\b[A-Z][\w-]*")  # a trial, cohort, society or drug name (not a sentence's first word)


@lru_cache(maxsize=1)
def _abbreviations() -> frozenset[str]:
    return frozenset(a.lower() for a in curated().get("abbreviations", {}))


def names_in(text: str) -> set[str]:
    """The names a sentence uses (trials, cohorts, societies), not the field's abbreviations (HSCT, SSc, TRM)."""
    return {n.lower() for n in _NAME.findall(text)} - _abbreviations()


def named_anywhere(text: str) -> set[str]:
    """The names a text uses, its first word included ('ASTIS enrolled ...'), but not a capitalised common word."""
    from .text import STOPWORDS, everyday_words

    return {n.lower() for n in re.findall(r"\b[A-Z][\w-]*", text)} - _abbreviations() - STOPWORDS - everyday_words()


def repeats(new: Candidate, old: Candidate) -> bool:
    """Says again what `old` says, in the words shown (two statements, one the other's summary or plain twin):
    most of its words, no figure and no name of its own ('low for ASSIST' after 'moderate for ASTIS' is news),
    and not negated where the other is not; or `old` is a synthesis built on it that states its figures."""
    if new is old:
        return True
    if old.statement and new.statement and new.statement.id in old.statement.rests_on:
        return numbers(new.shown) <= numbers(old.shown)
    mine = set(content_terms(new.shown))
    return (bool(mine) and len(mine & set(content_terms(old.shown))) >= REPEAT_SHARE * len(mine)
            and numbers(new.shown) <= numbers(old.shown)
            and names_in(new.shown) <= names_in(old.shown)
            and bool(_NEGATION.search(new.shown)) == bool(_NEGATION.search(old.shown)))


def once(lead: list[Candidate], body: list[Candidate]) -> list[Candidate]:
    """The body without sentences that repeat the lead or an earlier sentence; an earlier sentence that a later
    one says whole, and more, gives way to it ('29 centres in 10 countries', then '29 centres in 10 countries
    from 2001 to 2009')."""
    kept: list[Candidate] = []
    for cand in body:
        if any(repeats(cand, old) for old in lead + kept):
            continue
        covered = next((i for i, old in enumerate(kept) if repeats(old, cand)), None)
        if covered is None:
            kept.append(cand)
        else:
            kept[covered] = cand
    return kept
