"""A plain yes or no that a source's limit gives: the question's figure held against a statement's threshold.

"Under EBMT 2025, is a patient with a resting mPAP of 28 mmHg excluded?" and the statement "EBMT excludes patients
with mPAP above 25 mmHg at rest": 28 is above 25, so the answer opens "Yes:". "Could a patient who had received
6 g of IV cyclophosphamide have entered ASTIS?" and "ASTIS excluded patients who had received more than 5 g":
"No:". Only the verdict a limit settles is given: a figure outside an exclusion (or inside an inclusion range)
meets that criterion, which does not make the person eligible, so no verdict is drawn from it."""

from __future__ import annotations

import re
from functools import lru_cache

from .conditions import ages_in
from .repeats import names_in
from .schema import Candidate
from .text import stems

_UNIT = r"(mmHg|mm Hg|g|mg/kg|mg|%|mL/min|years?|months?|points?)"
_FIGURE = re.compile(rf"(?<![\w.-])(\d+(?:\.\d+)?)\s*{_UNIT}(?![\w/])", re.I)
# a statement's limit: the words that set it, the number and its unit
_ABOVE = r"above|over|more than|greater than|exceeding|higher than|older than|>"
_BELOW = r"below|under|less than|lower than|younger than|<"
_AT_MOST = r"up to|at most|no more than|upper (?:age )?limit of"
_AT_LEAST = r"at least|lower (?:age )?limit of|minimum of"
_AFTER = r"after(?=\s+\d+\s*(?:weeks?|months?|years?) of\b)"  # 'after 6 months of failed therapy': at least 6
_LIMIT = re.compile(rf"\b({_ABOVE}|{_BELOW}|{_AT_MOST}|{_AT_LEAST}|{_AFTER})\s+(\d+(?:\.\d+)?)\s*{_UNIT}?", re.I)
_TRAILING = re.compile(rf"\b(\d+(?:\.\d+)?)\s*{_UNIT}?(?:['’]s?)?(?:\s+duration)?\s+or (less|fewer|under|younger|more|over|"
                       r"older)\b", re.I)  # '2 years or less', "2 years' duration or less"
_RANGE = re.compile(r"\baged (\d{2})\s*(?:-|to)\s*(\d{2})\b|\b(\d{2})\s*(?:-|to)\s*(\d{2}) years\b", re.I)
_EXCLUDES = re.compile(r"\b(exclud\w*|contraindicat\w*|ineligible|not eligible|ruled? out)\b", re.I)
_ADMITS = re.compile(r"\b(admit\w*|recommend\w*|enrol\w*|eligib\w*|includ\w*|accept\w*|qualif\w*|age (range|limit)|optimal|"
                     r"best time)\b", re.I)
# what the question asks: is the person excluded (a yes means excluded), or can they take part (a yes means in)?
_ASKS_OUT = re.compile(r"\b(exclud\w*|contraindicat\w*|ruled? out|too? (old|late|young)|disqualif\w*|ineligible|(stop|keep|"
                       r"bar|prevent)s? (me|you|him|her|them|someone|patients?|people) (from )?(getting|having|joining))\b",
                       re.I)
_ASKS_IN = re.compile(r"\b(enter\w*|join\w*|enrol\w*|qualif\w*|eligible|included|take part|be considered|"
                      r"get|have|receive|undergo|candidate|randomi[sz]ed)\b", re.I)


# which pressure a figure is: a systolic figure is not held against a mean-pressure limit
_QUALIFIER = re.compile(r"\b(?:(?P<systolic>systolic|s?PASP|sPAP)|(?P<mean>mean|mPAP)|(?P<diastolic>diastolic|dPAP))\b",
                        re.I)


def _qualifier(text: str) -> str | None:
    """The kind of pressure a text names last ('systolic', 'mean', 'diastolic'), or None."""
    found = [m.lastgroup for m in _QUALIFIER.finditer(text)]
    return found[-1] if found else None


def _unit(unit: str | None) -> str:
    unit = (unit or "").lower().replace(" ", "")
    return {"year": "years", "month": "months", "point": "points"}.get(unit, unit)


_ROUTES = re.compile(r"\bor (?!(?:more|less|fewer|older|younger|over|under|above|below|equal|orally|oral)\b)\w", re.I)
_SOFT = re.compile(r"\b(optimal|best time|usually|may)\b", re.I)
_ACRONYM = re.compile(r"\b[a-z]*[A-Z]{2,}[\w-]*")  # a measure by its abbreviation: mRSS, FVC, DLCO, PASP
_BARE = re.compile(rf"(?<![\w.-])(\d+(?:\.\d+)?)(?![\d.-])(?!\s*(?:%|{_UNIT}\b|\w*/))", re.I)  # no unit after it


def _measure(text: str, at: int, words: bool = False) -> str:
    """The measure a unitless number belongs to: the abbreviation just before it ('an mRSS of 12', 'skin score
    (mRSS) of 15 or more'), as a unit ('m:mrss'); with `words`, else the words just before it ('a lung pressure of
    30': 'w:lung pressure'); '' when there is none."""
    before = _ACRONYM.findall(text[max(0, at - 30):at])
    if before:
        return f"m:{before[-1].lower()}"
    said = [w for w in re.findall(r"[a-z]{4,}", text[max(0, at - 30):at].lower()) if w not in _NOT_MEASURES]
    return f"w:{' '.join(said)}" if words and said else ""


_NOT_MEASURES = frozenset("with that this have showed shows show test tests last scan result results about only just "
                          "than from were was year years month months aged time after before".split())


def _worded(unit: str, near: str) -> bool:
    """A figure named by words ('w:lung pressure') and a limit whose words before it share one ('pulmonary artery
    pressure (mPAP) above 25'), both in the stems that name measures."""
    return unit.startswith("w:") and bool(set(stems(unit[2:])) & set(stems(near)))


def _figures(question: str) -> list[tuple[float, str]]:
    ages = ages_in(question)
    with_units = [(float(m.group(1)), _unit(m.group(2))) for m in _FIGURE.finditer(question)
                  if not (ages and ages_in(question[max(0, m.start() - 6):m.end() + 5]))]
    measured = [(float(m.group(1)), unit) for m in _BARE.finditer(question) if not re.fullmatch(r"(19|20)\d\d", m.group(1))
                and (unit := _measure(question, m.start(), True))
                and not (ages and ages_in(question[max(0, m.start() - 6):m.end() + 5]))]
    return [(float(a), "age") for a in ages] + with_units + measured


ADULT = 16  # a limit in years from this number up is an age ('18-65 years', 'upper limit of 60 years'), below a duration


def _meets(value: float, unit: str, statement: str, subject: str = "", kind: str | None = None) -> list[bool]:
    """For each condition the statement sets in the figure's unit ('above 25 mmHg', 'aged 18-65', 'younger than
    60', '2 years or less'), does the figure meet it? An age is held only against ages, a duration only against
    durations. A limit set for the corpus's subject ('18-65 in general, with an upper limit of 60 for SSc') is the
    one that applies, when there is one. `kind`: the kind of pressure the figure is; a limit on another kind
    ('mPAP above 25' for a systolic figure) is not held against it."""
    if subject:
        own = [m.group() for m in _LIMIT.finditer(statement) if _for_subject(subject).match(statement, m.end())]
        statement = " ".join(own) or statement
    out = []
    if unit == "age":
        for m in _RANGE.finditer(statement):
            low, high = (float(x) for x in (m.group(1) or m.group(3), m.group(2) or m.group(4)))
            out.append(low <= value <= high)
    for m in _LIMIT.finditer(statement):
        limit, near = float(m.group(2)), statement[max(0, m.start() - 40):m.end() + 8]
        if kind and _qualifier(statement[max(0, m.start() - 60):m.start()]) not in (None, kind):
            continue
        if _same_kind(unit, _unit(m.group(3)) or _measure(statement, m.start(2)), limit, near) or \
                (m.group(3) and _worded(unit, statement[max(0, m.start() - 40):m.start()])):
            out.append(_compare(value, m.group(1).lower(), limit))
    for m in _TRAILING.finditer(statement):
        limit, near = float(m.group(1)), statement[max(0, m.start() - 40):m.end() + 8]
        if _same_kind(unit, _unit(m.group(2)) or _measure(statement, m.start()), limit, near):
            most = m.group(3).lower() in ("less", "fewer", "under", "younger")
            out.append(value <= limit if most else value >= limit)
    return out


@lru_cache(maxsize=8)
def _for_subject(subject: str) -> re.Pattern:
    """What follows a limit set for the subject: ' years for systemic sclerosis', ' for SSc'."""
    names = "|".join(re.escape(n.strip()) for n in subject.split(",") if n.strip())
    return re.compile(rf"\s*(?:years?\s*)?(?:of age\s*)?for\s+(?:{names})\b", re.I)


def _paired(figures: list[tuple[float, str]], statement: str, subject: str = "",
            kind: str | None = None) -> list[tuple[float, str, list[bool]]]:
    """Each figure with what it meets of the statement's limits in its unit. Two figures in one unit ('38 mmHg at
    rest and 43 after fluid challenge') go with two limits in that unit in the order given ('above 40 at rest or
    above 45 after fluid challenge'); any other count of them is no pairing, and settles nothing."""
    out = []
    for unit in dict.fromkeys(u for _, u in figures):
        values = [v for v, u in figures if u == unit]
        if len(values) == 1:
            out.append((values[0], unit, _meets(values[0], unit, statement, subject, kind)))
            continue
        results = [_meets(v, unit, statement, subject, kind) for v in values]
        if all(len(r) == len(values) for r in results):
            out += [(v, unit, [r[i]]) for i, (v, r) in enumerate(zip(values, results))]
    return out


def _same_kind(unit: str, limit_unit: str, limit: float, near: str) -> bool:
    if unit == "age":
        return (limit_unit in ("years", "") and limit >= ADULT and bool(re.search(r"\bage|years?\b|younger|older",
                                                                                  near, re.I)))
    return limit_unit == unit and not (unit == "years" and limit >= ADULT)


def _compare(value: float, words: str, limit: float) -> bool:
    for pattern, holds in ((_ABOVE, value > limit), (_BELOW, value < limit), (_AT_MOST, value <= limit),
                           (_AT_LEAST, value >= limit), ("after", value >= limit)):
        if re.fullmatch(pattern, words):
            return holds
    return False


def verdict(question: str, chosen: list[Candidate], named: set[str] = frozenset(),
            subject: str = "") -> tuple[str, Candidate] | None:
    """The answer a limit gives, and the statement that sets it, or None: 'yes' / 'no' when a statement's exclusion
    (or inclusion range) puts the question's figure out; else 'yes-by-limit' / 'no-by-limit' when one puts it
    within its limit (that limit is met; others may still apply). Only when the question asks whether someone is
    in or out and gives a figure, and only from a statement of a source the question names (`named`) or naming
    what it names, or, when it names none, a guideline's (a trial's entry criteria are not a rule for a patient)."""
    asks_out = bool(_ASKS_OUT.search(question))  # 'too old to get it?' asks whether out
    figures = _figures(question)
    if not figures or not (asks_out or _ASKS_IN.search(question)):
        return None
    asked = names_in(question)  # 'ASTIS': a review's statement about ASTIS's criteria settles it too
    within = None
    for cand in chosen:
        about = cand.source.id in named or bool(asked & set(re.findall(r"[\w-]+", cand.text.lower())))
        if not (about if named else cand.source.kind == "guideline"):
            continue
        excludes = bool(_EXCLUDES.search(cand.text))
        if not excludes and not _ADMITS.search(cand.text):
            continue
        for value, unit, meets in _paired(figures, cand.text, subject, _qualifier(question)):
            if not meets or (not excludes and len(set(meets)) > 1):
                continue  # no limit in that unit, or inclusion limits that disagree ('18-65', 'for SSc under 60')
            if any(meets) if excludes else not meets[0]:  # meets an exclusion, or fails the inclusion: out
                # 'the best time is ...': a window, not a bar; and an entry criterion that names another route
                # ('mRSS above 15 with an organ involved, or an mRSS above 20 with CRP above 10') is not the only
                # way in (progressive ILD with limited skin may be another)
                soft = _SOFT.search(cand.text) or (not excludes and _ROUTES.search(cand.text))
                return ("yes" if asks_out else "no") + ("-by-limit" if soft else ""), cand
            within = within or cand
    return (("no-by-limit" if asks_out else "yes-by-limit"), within) if within else None
