"""Sentence selection for the extractive engine: score, pick the best that say different things, and
put them into plain words for patients (the plain-language sentence of the same source when it states
the same facts, otherwise the sentence itself simplified)."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np

from .corpus import plain_twin
from .schema import Candidate, Source
from .text import numbers, stems

# Questions that ask for a figure, a date or a count: sentences that state one are preferred.
_QUANTITY = re.compile(r"\b(how (many|much|long|often|old)|what (percentage|proportion|share|rate|number|dose|age)|"
                       r"when|which year|what year|rate|risk of|survival|mortality|how likely)\b", re.I)
# Sentences about the publication rather than its findings.
_BIBLIOGRAPHIC = re.compile(r"\b(published (in|as)|appears in|its title|the title|stored copy|this knowledge base|"
                            r"is cited|was presented as|book chapter|wrote an? |issue \d|volume \d|discusses|"
                            r"is known only|searched the literature|in the journal|is a (book|trial protocol|chapter))",
                            re.I)


def focus(question: str, named_by: dict[str, set[str]], sources: dict[str, Source]) -> dict[str, float]:
    """The sources a question names (a trial, an author, a society), 0.5 when it gives another year."""
    named = set().union(*(named_by.get(term, set()) for term in stems(question)))
    asked_years = {int(y) for y in re.findall(r"\b(?:19|20)\d\d\b", question)}
    return {sid: 1.0 if not asked_years or sources[sid].year in asked_years else 0.5 for sid in named}


def score(similarity: float, lexical: float, passage_rank: float, text: str, kind: str, question: str,
          focused: float = 0.0) -> float:
    """How good a sentence is as part of the answer: meaning, shared terms, the passage's rank, its kind,
    and whether the question names its source."""
    value = 0.6 * similarity + 0.3 * lexical + 0.1 * passage_rank + 0.12 * focused
    if _QUANTITY.search(question) and numbers(text):
        value += 0.05
    if _BIBLIOGRAPHIC.search(text) and not _BIBLIOGRAPHIC.search(question):
        value -= 0.15
    if kind == "education":
        value *= 0.92  # primary sources first; education fills the gaps
    return value


READING_GRADE, READING_PENALTY = 8.0, 0.01  # per grade above 8 (0.02: grade -0.4, key facts -4.6 points)


def readable(cand: Candidate, simplify) -> Candidate:
    """For patients: how hard the sentence still reads in plain words. It orders the sentences worth giving
    (the easier of two about as relevant first), never which are worth giving: the facts stay those of the
    clinician's answer unless there are more good sentences than room."""
    import textstat

    shown = cand.statement.plain if cand.statement and cand.statement.plain else simplify(cand.text)
    grade = textstat.flesch_kincaid_grade(shown)
    return replace(cand, hardness=READING_PENALTY * max(0.0, grade - READING_GRADE))


def redundant(new: Candidate, old: Candidate, threshold: float) -> bool:
    """Says the same thing: close in meaning and adds no figure of its own."""
    return float(np.dot(new.vec, old.vec)) > threshold and numbers(new.text) <= numbers(old.text)


def select(candidates: list[Candidate], limit: int, per_source: int = 4, redundancy: float = 0.86,
           relative_floor: float = 0.65, focused: dict[str, float] | None = None) -> list[Candidate]:
    """Relevance with diversity (maximal marginal relevance): the best sentences that say different things."""
    pool = sorted(candidates, key=lambda c: c.score, reverse=True)
    if not pool:
        return []
    floor = max(0.3, relative_floor * pool[0].score)
    pool = [c for c in pool if c.score >= floor]  # before diversity: a weak sentence never ends the choice
    chosen: list[Candidate] = []
    counts: dict[str, int] = {}
    while pool and len(chosen) < limit:
        def marginal(c: Candidate) -> float:
            overlap = max((float(np.dot(c.vec, s.vec)) for s in chosen), default=0.0)
            return c.score - c.hardness - 0.3 * max(0.0, overlap - 0.5)

        best = max(pool, key=marginal)
        pool.remove(best)
        cap = limit if (focused or {}).get(best.source.id) else per_source
        if any(redundant(best, s, redundancy) for s in chosen) or counts.get(best.source.id, 0) >= cap:
            continue
        chosen.append(best)
        counts[best.source.id] = counts.get(best.source.id, 0) + 1
    return chosen


def for_patients(chosen: list[Candidate], plain_candidates: list[Candidate], simplify) -> list[Candidate]:
    """The same facts in plain words: swap in the source's own plain-language sentence when it is close in
    meaning and states exactly the same figures; else simplify the sentence itself."""
    used: set[tuple[str, int]] = set()
    out = []
    for cand in chosen:
        if cand.passage.audience == "patient":
            out.append(cand)
            continue
        if cand.statement and cand.statement.plain:  # its twin, cited to the passage of twins it belongs to
            out.append(replace(cand, text=cand.statement.plain, passage=plain_twin(cand.passage) or cand.passage))
            continue
        wanted = numbers(simplify(cand.text))
        best, best_sim = None, 0.5
        for alt in plain_candidates:
            key = (alt.passage.id, alt.position)
            if alt.source.id != cand.source.id or key in used:
                continue
            sim = float(np.dot(cand.vec, alt.vec))
            if sim > best_sim and _same_facts(numbers(alt.text), wanted):
                best, best_sim = alt, sim
        if best is not None:
            used.add((best.passage.id, best.position))
            out.append(Candidate(best.text, best.passage, best.source, best.position, best.vec, cand.score,
                                 cand.similarity, statement=best.statement))
        else:
            out.append(replace(cand, display=simplify(cand.text)))
    return out


def _same_facts(plain: set[str], wanted: set[str]) -> bool:
    """A plain sentence may stand in when it states the same figures as the original in plain words: none the
    original lacks, and none of the original's left out (a patient gets the same facts)."""
    return plain == wanted
