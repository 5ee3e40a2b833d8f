"""A plain yes or no that a source's limit gives: the question's figure held against a statement's threshold.

"Under EBMT 2025, is a patient with a resting mPAP of 28 mmHg excluded?" and the statement "EBMT excludes patients
with mPAP above 25 mmHg at rest": 28 is above 25, so the answer opens "Yes:". "Could a patient who had received
6 g of IV cyclophosphamide have entered ASTIS?" and "ASTIS excluded patients who had received more than 5 g":
"No:". Only the verdict a limit settles is given: a figure outside an exclusion (or inside an inclusion range)
meets that criterion, which does not make the person eligible, so no verdict is drawn from it."""

from __future__ import annotations

import re

from .conditions import ages_in
from .repeats import names_in
from .schema import Candidate

_UNIT = r"(mmHg|mm Hg|g|mg/kg|mg|%|mL/min|years?|months?|points?)"
_FIGURE = re.compile(rf"(?<![\w.-])(\d+(?:\.\d+)?)\s*{_UNIT}(?![\w/])", re.I)
# a statement's limit: the words that set it, the number and its unit
_ABOVE = r"above|over|more than|greater than|exceeding|higher than|older than|>"
_BELOW = r"below|under|less than|lower than|younger than|<"
_AT_MOST = r"up to|at most|no more than|upper (?:age )?limit of"
_AT_LEAST = r"at least|lower (?:age )?limit of|minimum of"
_LIMIT = re.compile(rf"\b({_ABOVE}|{_BELOW}|{_AT_MOST}|{_AT_LEAST})\s+(\d+(?:\.\d+)?)\s*{_UNIT}?", re.I)
_TRAILING = re.compile(rf"\b(\d+(?:\.\d+)?)\s*{_UNIT}?\s+or (less|fewer|under|younger|more|over|older)\b", re.I)
_RANGE = re.compile(r"\baged (\d{2})\s*(?:-|to)\s*(\d{2})\b|\b(\d{2})\s*(?:-|to)\s*(\d{2}) years\b", re.I)
_EXCLUDES = re.compile(r"\b(exclud\w*|contraindicat\w*|ineligible|not eligible|ruled? out)\b", re.I)
_ADMITS = re.compile(r"\b(admit\w*|enrol\w*|eligib\w*|includ\w*|accept\w*|qualif\w*|age (range|limit))\b", re.I)
# what the question asks: is the person excluded (a yes means excluded), or can they take part (a yes means in)?
_ASKS_OUT = re.compile(r"\b(exclud\w*|contraindicat\w*|ruled? out|too (old|late|young)|disqualif\w*|ineligible)\b", re.I)
_ASKS_IN = re.compile(r"\b(enter\w*|join\w*|enrol\w*|qualif\w*|eligible|included|take part|be considered|"
                      r"get|have|receive|undergo|candidate|randomi[sz]ed)\b", re.I)


def _unit(unit: str | None) -> str:
    unit = (unit or "").lower().replace(" ", "")
    return {"year": "years", "month": "months", "point": "points"}.get(unit, unit)


def _figures(question: str) -> list[tuple[float, str]]:
    ages = ages_in(question)
    return [(float(a), "age") for a in ages] + [(float(m.group(1)), _unit(m.group(2))) for m in _FIGURE.finditer(question)
                                                if not (ages and ages_in(question[max(0, m.start() - 6):m.end() + 5]))]


def _meets(value: float, unit: str, statement: str) -> bool | None:
    """Does the figure meet a condition the statement sets in the same unit ('above 25 mmHg', 'aged 18-65',
    'younger than 60')? None when the statement sets none."""
    found = None
    if unit == "age":
        for m in _RANGE.finditer(statement):
            low, high = (float(x) for x in (m.group(1) or m.group(3), m.group(2) or m.group(4)))
            found = bool(found) or low <= value <= high
    for m in _LIMIT.finditer(statement):
        near = statement[max(0, m.start() - 40):m.end() + 8]
        if (unit == "age" and re.search(r"\bage|years?\b|younger|older", near, re.I)) or \
                (unit != "age" and _unit(m.group(3)) == unit):
            found = bool(found) or _compare(value, m.group(1).lower(), float(m.group(2)))
    for m in _TRAILING.finditer(statement):  # '2 years or less'
        if _unit(m.group(2)) == unit or (unit == "age" and m.group(3).lower() in ("younger", "older")):
            most = m.group(3).lower() in ("less", "fewer", "under", "younger")
            found = bool(found) or (value <= float(m.group(1)) if most else value >= float(m.group(1)))
    return found


def _compare(value: float, words: str, limit: float) -> bool:
    for pattern, holds in ((_ABOVE, value > limit), (_BELOW, value < limit), (_AT_MOST, value <= limit),
                           (_AT_LEAST, value >= limit)):
        if re.fullmatch(pattern, words):
            return holds
    return False


def verdict(question: str, chosen: list[Candidate], named: set[str] = frozenset()) -> tuple[str, Candidate] | None:
    """'Yes' or 'No' and the statement whose limit settles it, or None. Only when the question asks whether someone
    is in or out, gives a figure, and a chosen statement's exclusion (or inclusion range) puts that figure out: a
    statement of a source the question names (`named`) or naming what it names, or, when it names none, a
    guideline's (a trial's entry criteria are not a rule for a patient)."""
    asks_out, asks_in = bool(_ASKS_OUT.search(question)), bool(_ASKS_IN.search(question))
    figures = _figures(question)
    if not figures or asks_out == asks_in:
        return None
    asked = names_in(question)  # 'ASTIS': a review's statement about ASTIS's criteria settles it too
    for cand in chosen:
        about = cand.source.id in named or bool(asked & set(re.findall(r"[\w-]+", cand.text.lower())))
        if not (about if named else cand.source.kind == "guideline"):
            continue
        excludes = bool(_EXCLUDES.search(cand.text))
        if not excludes and not _ADMITS.search(cand.text):
            continue
        for value, unit in figures:
            meets = _meets(value, unit, cand.text)
            if meets is None:
                continue
            if meets == excludes:  # meets an exclusion, or fails an inclusion: out
                return ("Yes" if asks_out else "No"), cand
    return None
