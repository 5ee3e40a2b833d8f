"""What a question asks for beyond its subject: its parts, and the kind of value each part expects.

"How many patients were in the Nash study, and what ATG dose did it use?" has two parts: a count and a dose. A
first sentence that gives the count alone answers half of it, so the statement that answers the other part joins
the short answer. "What mean differences in TLC and SF-36 physical score did Shouval find?" has two parts too
(TLC; SF-36 physical), told apart by the words few candidate statements share. And "How many EFS events occurred
in each arm?" asks for a count of events: a statement that gives one ("22 events with HSCT versus 31") answers it
better than a hazard ratio about the same endpoint."""

from __future__ import annotations

import re
from functools import lru_cache

from .schema import Candidate
from .text import stem, stems

_NUMBER = r"(?:\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|twelve|single|both|all)"
_ANY_FIGURE = re.compile(r"(?<![\w-])\d")  # a figure, not a name's ('SF-36'): says little on its own
# the kind of value a question (or one of its parts) asks for -> a pattern of that value in a statement
_VALUES = (
    (re.compile(r"\b(what|which) (percentage|proportion|share|fraction)\b|\bwhat %|\bper ?cent\b|"
                r"\bhow (common|often|frequent(ly)?|likely)\b", re.I), re.compile(r"\d\s?%|\bper ?cent\b", re.I)),
    (re.compile(r"\bhow long\b|\bduration\b|\bfor how many (years|months)\b", re.I),
     re.compile(r"\b\d[\d.,]*(-\d+)?\s*(years?|months?|weeks?|days?)\b", re.I)),
    (re.compile(r"\bdoses?\b(?!-)|\bdosing\b", re.I),
     re.compile(r"\d\s*(mg|g|cGy|Gy|ug|µg|mL)\b|\bcells/kg\b|x10\^\d+", re.I)),
    (re.compile(r"\b(which|what) years?\b|\bin what year\b", re.I), re.compile(r"\b(19|20)\d\d\b")),
    (re.compile(r"\bwhen (was|were|did|does|do|is|are)\b", re.I),  # a date, or a time after something
     re.compile(r"\b(19|20)\d\d\b|\b\d[\d.,]*(-\d+)?\s*(years?|months?|weeks?|days?)\b", re.I)),
    (re.compile(r"\bhow old\b|\bage (limit|range)s?\b|\bwhat ages?\b", re.I),
     re.compile(r"\b(aged?|younger than|older than|under|over|above|below)\s+\d{2}\b|\b\d{2}\s*(-|to)\s*\d{2}\b|"
                r"\b\d{1,3}[- ]years?[- ]old\b", re.I)),
    (re.compile(r"\bhow much\b", re.I), _ANY_FIGURE),
    # why: a statement that gives a reason or a purpose ('because', 'the main cause', 'to remove the immune system')
    (re.compile(r"^\s*why\b|[,;:]\s*(and )?why\b|\bwhy (is|are|do|does|did|was|were|would|should|might|can'?t|"
                r"cannot|don'?t|doesn'?t)\b|\bwhat (is|are|was|were) the (reasons?|purpose|point|aim|rationale)\b|"
                r"\bwhat for\b", re.I),
     re.compile(r"\b(because|since|so that|in order to|due to|owing to|as a result|reasons?|rationale|aims? to|aimed "
                r"at|purpose|the main cause|causes? of|caused by|leads? to|which is why|so (as )?to|explain\w*|to ("
                r"reset|remove|kill|wipe|destroy|deplete|protect|prevent|reduce|lower|allow|make|rebuild|clear|avoid|"
                r"limit|rescue|restore|target|collect|release|eliminate|lessen))\b", re.I)),
    (re.compile(r"\b(hazard|risk|odds) ratios?\b|\bHR\b|\brelative risk\b", re.I),
     re.compile(r"\b(hazard|risk|odds) ratio\b|\b(HR|RR|OR)\b")),
)
_HOW_MANY = re.compile(r"\bhow many(?: of (?:the|these|those|its|their)(?: \d[\d,]*)?)?(?: [a-z][\w-]*){1,4}", re.I)
_PEOPLE = frozenset("people patients persons participants".split())
_OUTCOME = re.compile(r"\b(alive|surviv\w*|died|die|dead|death|improv\w*|relaps\w*|respon\w*|better|worse|progress\w*|"
                      r"stopp?\w*|needed|free)\b", re.I)
_ASKING_WORDS = frozenset("were was are is did does do had have the of in each per".split())


def expected_value(question: str) -> re.Pattern | None:
    """The pattern of the value the question asks for (a count of what it counts, a percentage, a duration, a dose,
    a year, an age, a ratio), or None when it asks for no particular value."""
    counted = _HOW_MANY.search(question)
    if counted:  # a number with what it counts: any of the words after 'how many' ('event-free survival events')
        said = [w for w in re.findall(r"[a-z]+", counted.group(0).lower()[9:]) if len(w) > 4 and w not in _ASKING_WORDS]
        nouns = "|".join(sorted({re.escape(f) for w in said for f in (stem(w), re.sub(r"e?s$", "", w))}))
        # 'how many people were alive': '86%' of them answers (not 'how many patients were in the cohort')
        share = r"|\d\s?%" if set(said) & _PEOPLE and _OUTCOME.search(question) else ""
        return re.compile(rf"\b{_NUMBER}\b(?:[\s-]+[\w-]+){{0,3}}?[\s-]+(?:{nouns})\w*{share}", re.I)
    found = [value for asks, value in _VALUES if asks.search(question)]
    return found[0] if len(found) == 1 else None


def gives(cand: Candidate, value: re.Pattern | None) -> bool:
    return value is not None and bool(value.search(cand.text))


def gives_kind(cand: Candidate, value: re.Pattern | None) -> bool:
    """Does the statement give a value of the particular kind asked for (a count of recommendations, a dose), not
    just any figure ('how much longer')?"""
    return value is not _ANY_FIGURE and gives(cand, value)


# ', and what ...', ' and how many ...', a list ('TLC and SF-36'); never inside a name ('Bone Marrow and ...')
_PARTS = re.compile(r",?\s+and\s+|,\s+(?=(?:what|how|which|was|were|is|are|did|does|do|when|who)\b)|\?\s+(?=\w)|"
                    r"\s+compare\s+(?:with|to)\s+", re.I)  # 'how does A compare with B': two sides, each a part
_ASKING = frozenset(stems("what which how many much did does do was were is are when who whom whose long use"))
RARE = 1 / 3  # a word of a part that at most this share of the candidates use tells that part from the others
MAX_LEAD = 3
ALONE_SHARE = 0.8  # a question of one part: the statement giving the value it asks for, if this relevant (of the lead)


_QUESTION = re.compile(r"\s*(what|how|which|who|whom|when|where|why|was|were|is|are|did|does|do|can|could|has|have|"
                       r"had|will|would|should)\b", re.I)
_SITUATION = re.compile(r"\s*(i'?ve|ive|i have|i had|i'?m|im|i am|i was|my|our|she|he|we|they)\b(?!\s+(can|could|will|"
                        r"would|should|do|does|did)\b)", re.I)
_ASKS = re.compile(r"\b(what|how|which|who|whom|when|where|why)\b", re.I)
_SETTING = re.compile(r"\s*(in|according to|under|for|among|across|within|during|after|from|on|with)\b", re.I)
_VERB = re.compile(r"\s(?:were|was|did|does|do|is|are|has|have|had)\s.*$", re.I)


def parts(question: str) -> list[str]:
    """The parts of a question; of a list ('What ACR-CRISS score and change in vital capacity were reported after
    ...?'), the last item without what the list shares ('were reported after ...')."""
    pieces = [p for p in re.split(f"({_PARTS.pattern})", question, flags=re.I) if p is not None]
    out, glue = [], []
    for i, piece in enumerate(pieces):
        (glue if i % 2 else out).append(piece)
    if len(out) > 1 and _SETTING.match(out[0]) and not _ASKS.search(out[0]) and glue[0].startswith(","):
        # a setting, not a part: 'In the Müller series, what happened ...?'
        out[:2], glue[:1] = [out[0] + glue[0] + out[1]], []
    if len(out) > 1 and re.fullmatch(r"\s+and\s+", glue[-1], re.I) and not _QUESTION.match(out[-1]):
        out[-1] = _VERB.sub("", out[-1])
    # what the asker says of themselves ('ive had scleroderma for 7 years, is it too late?') is the question's
    # setting, not a part to answer
    out = [p for i, p in enumerate(out) if i == len(out) - 1 or not _SITUATION.match(p) or "?" in p]
    return [p for p in out if p.strip()]


def telling_terms(question: str, texts: list[set[str]], subject: set[str] = frozenset()) -> list[set[str]]:
    """For each part of the question, the words that tell it from the other parts: its own (not the other parts'),
    used by some but few of the candidate statements, not the subject's and not a question word (none for a
    question of one part)."""
    split = [set(stems(p)) - _ASKING - subject for p in parts(question)]
    if len(split) < 2:
        return [set() for _ in split]
    out = []
    for i, terms in enumerate(split):
        others = set().union(*(t for j, t in enumerate(split) if j != i))
        out.append({t for t in terms - others if 0 < sum(t in x for x in texts) <= RARE * len(texts)})
    return out


def _terms(cand: Candidate) -> frozenset[str]:
    return _stems_of(cand.text, cand.statement.plain if cand.statement and cand.statement.plain else "") | cand.terms


@lru_cache(maxsize=8192)
def _stems_of(text: str, plain: str) -> frozenset[str]:  # statements recur from question to question
    return frozenset(stems(f"{text} {plain}"))


SUBJECT = 0.6  # a word most statements of the lead's source use names the subject ('Shouval', 'meta-analysis')


def _subject(lead: Candidate, pool: list[Candidate], texts: dict[int, set[str]]) -> set[str]:
    same = [texts[id(c)] for c in pool if c.source.id == lead.source.id]
    return {t for t in set().union(*same) if sum(t in x for x in same) >= SUBJECT * len(same)} if len(same) >= 3 else set()


# a question with no one point: a list ('Which outcomes improved?'), a description, a comparison
_OPEN = re.compile(r"\b(which|what)( [\w-]+){0,3}? (?!(?:was|does|is|has|this|its)\b)(?-i:[a-z][a-z0-9-]{2,}s)\b|\bdescrib\w*|\btell me\b|"
                   r"\bsummar\w*|\boverview\b|\bwhat is known\b|\bwhat did [\w\s-]+ (find|show|report)\??$|"
                   r"\bcompar\w*|\bdiffer\w*|\bversus\b|\bvs\b", re.I)
def has_no_one_point(question: str) -> bool:
    return bool(_OPEN.search(question))


_TITLE_CASE = re.compile(r"\b[A-Z][a-z][\w-]*")


def on_point(question: str, lead: list[Candidate], body: list[Candidate], candidates: list[Candidate],
             value: re.Pattern | None = None, field: frozenset[str] | set[str] = frozenset()) -> list[Candidate]:
    """The rest of a narrow answer without what is beside its point: when the short answer uses words of the
    question that few candidate statements use ('DLCO' in 'Would a DLCO of 35% have been eligible for ASTIS?'), a
    further statement must use one of them too, or give the value asked for (not ASTIS's other criteria). `field`:
    words most passages of the corpus use ('systemic sclerosis'), never a question's point."""
    if not lead or not body:
        return body
    texts = {id(c): _terms(c) for c in candidates + lead + body}
    unnamed = _TITLE_CASE.sub(" ", question)  # 'Lancet Rheumatology', 'French', 'Auth': names, not the point
    asked = set(stems(unnamed)) - _ASKING - set(field) - _subject(lead[0], candidates, texts)
    rare = {t for t in asked if 0 < sum(t in texts[id(c)] for c in candidates) <= RARE * len(candidates)}
    if not rare & set().union(*(texts[id(c)] for c in lead)):
        return body
    return [c for c in body if texts[id(c)] & rare or gives(c, value)]


PINPOINT = 1  # a telling word that at most this many statements besides the short answer use is the question's point


def pinpointed(question: str, lead: list[Candidate], body: list[Candidate], candidates: list[Candidate],
               field: frozenset[str] | set[str] = frozenset()) -> list[Candidate]:
    """The rest of an answer to a pinpointed question: when the short answer uses every telling word of the question
    and some of them almost no other statement uses ('ACR-CRISS', 'pairwise', 'task force'), the short answer is
    the answer; a further statement must use one of those words too (not the source's other results)."""
    if not lead or not body:
        return body
    texts = {id(c): _terms(c) for c in candidates + lead + body}
    asked = set(stems(_TITLE_CASE.sub(" ", question))) - _ASKING - set(field) - _subject(lead[0], candidates, texts)
    counts = {t: sum(t in texts[id(c)] for c in candidates) for t in asked}
    rare = {t for t, n in counts.items() if 0 < n <= RARE * len(candidates)}
    said = set().union(*(texts[id(c)] for c in lead))
    point = {t for t in rare if counts[t] <= len(lead) + PINPOINT and not (t.isdigit() and len(t) < 4)}  # '6': a value
    if not point or not rare <= said:
        return body
    return [c for c in body if texts[id(c)] & point]


_WHY = re.compile(r"\bwhy\b|\bhow come\b|\bfor what reasons?\b|\bwhat (?:is|was|are|were) the reasons?\b", re.I)
_REASON = frozenset({"background", "safety", "recommendation", "eligibility"})  # a study's results or steps explain nothing
REASON_SHARE = 0.7  # ... when this relevant (of the short answer's first statement)
REASONS = 2  # a 'why' question: at most this many statements of the short answer's passage join it as the reason


def with_reasons(question: str, lead: list[Candidate], pool: list[Candidate], floor: float) -> list[Candidate]:
    """The short answer to a 'why' question: a source gives its reasons next to what they explain ('reserves HSCT
    for severe SSc' and 'no drug alone has improved survival'; 'a heart work-up' and 'heart disease is the main
    cause of transplant deaths'), so the statements of the lead's passage at least `floor` relevant, and nearly as
    relevant as the lead, join it in the passage's order (those that can give a reason: no design, result or
    regimen)."""
    if not lead or not _WHY.search(question):
        return lead
    first = lead[0]
    floor = max(floor, REASON_SHARE * first.score)
    reasons = sorted((c for c in pool if c.passage.id == first.passage.id and c.score >= floor and c.type in _REASON
                      and all(c is not o and c.text != o.text for o in lead)), key=lambda c: -c.score)[:REASONS]
    return lead + sorted(reasons, key=lambda c: c.position)


def on_sides(question: str, lead: list[Candidate], body: list[Candidate], pool: list[Candidate]) -> list[Candidate]:
    """The rest of a comparison of two things one source reports ('How does its all-cause mortality risk ratio
    compare with its treatment-related one?'): when the short answer speaks to each side in that side's own words,
    a further statement must use one of those words too (not the source's other results)."""
    if not lead or not body:
        return body
    texts = {id(c): _terms(c) for c in pool + lead + body}
    telling = telling_terms(question, list(texts.values()), _subject(lead[0], pool, texts))
    said = set().union(*(texts[id(c)] for c in lead))
    if len(telling) < 2 or not all(terms & said for terms in telling):
        return body
    words = set().union(*telling)
    return [c for c in body if texts[id(c)] & words]


def cover_parts(question: str, lead: list[Candidate], pool: list[Candidate], floor: float,
                wants=lambda part: set()) -> list[Candidate]:
    """The short answer for a question of several parts: the lead, and for each part it does not speak to (not the
    value that part asks for, or none of its telling words), the best statement at least `floor` relevant that does
    (of a kind that part asks for, when it asks for a kind and no value); in the order of the parts. `pool`: the statements that
    may join (the sources the question names, never a seed's)."""
    if not lead:
        return lead
    texts = {id(c): _terms(c) for c in pool + lead}
    telling = telling_terms(question, list(texts.values()), _subject(lead[0], pool, texts))
    chosen: list[tuple[int, Candidate]] = []
    values = [expected_value(part) for part in parts(question)]
    for i, (part, terms) in enumerate(zip(parts(question), telling)):
        value, kinds = values[i], wants(part)
        same = sum(v is not None and value is not None and v.pattern == value.pattern for v in values) > 1
        if (value is _ANY_FIGURE or same) and terms:  # 'how much did HAQ-DI change': a figure, on HAQ; two risk
            # ratios ('all-cause' against 'treatment-related'): each on its own words
            speaks = lambda c: gives(c, value) and bool(terms & texts[id(c)])  # noqa: E731
        elif value is not None:
            speaks = lambda c: gives(c, value)  # noqa: E731
        elif terms:
            speaks = lambda c: bool(terms & texts[id(c)])  # noqa: E731
        elif kinds and len(telling) > 1:  # 'what were its results?': a kind of statement
            speaks = lambda c: c.type in kinds  # noqa: E731
        else:
            continue
        here = next((c for _, c in chosen if speaks(c)), None) or next((c for c in lead if speaks(c)), None)
        if here is None:
            least = floor if len(telling) > 1 else max(floor, ALONE_SHARE * lead[0].score)
            options = [c for c in pool if c.score >= least and speaks(c) and (value is not None or not kinds or c.type in kinds)
                       and all(c is not o for _, o in chosen)]
            here = max(options, key=lambda c: (len(terms & texts[id(c)]), c.score), default=None)
        if here is not None and all(here is not o for _, o in chosen):
            chosen.append((i, here))
    # a lead statement that speaks to no part answers the first part nothing else speaks to (else it comes last)
    open_part = next((i for i in range(len(telling)) if all(i != j for j, _ in chosen)), len(telling))
    chosen += [(open_part - 0.5, c) for c in lead if all(c is not o for _, o in chosen)]
    out = [c for _, c in sorted(chosen, key=lambda x: x[0])]
    return out[:MAX_LEAD] if len(out) > len(lead) else lead
