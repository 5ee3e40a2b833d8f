"""The answer plan: what kind of question it is, and so which statements answer it and how many.

- narrow ("What was TRM in SCOT?"): the 1-3 best statements, the best one first;
- yes/no ("Is AHSCT recommended ...?"): the same, the direct answer first;
- broad (role, eligibility, risks, "tell me about"): a bottom line (one of our syntheses, when one fits) first,
  then the evidence, up to a handful of statements of the kinds the question asks for;
- comparison ("ASTIS vs SCOT", "HSCT, MSC or CAR-T"): statements for each item the sources cover.

Length is decided by relevance (statements within a margin of the best one), never a fixed quota. Only answer
types are quoted in the body (corpus/README.md); claims with no primary source come last, labelled; a seed or
blog statement is left out when a primary source's statement says the same thing."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np

from .schema import ANSWER_TYPES, STATEMENT_TYPES, Candidate, Item, Plan
from .chat import own_words
from .facets import (cover_parts, expected_value, gives, gives_kind, has_no_one_point, on_point, on_sides, parts,
                     pinpointed, with_reasons)
from .lexicon import first_at
from .naming import about, elsewhere, named_elsewhere, named_first
from .repeats import names_in, once, repeats
from .select import redundant, select
from .text import content_terms, numbers, stem, words
from .verdict import verdict

_COMPARE = re.compile(r"\b(compare[sd]?|comparison|versus|vs\.?|differ(s|ence|ent)?|safer|better|worse|"
                      r"which (is|one|works|of))\b", re.I)
_YESNO = re.compile(r"^\s*(is|are|does|do|did|can|could|should|was|were|has|have|will|would|may)\b", re.I)
_BROAD = re.compile(r"\b(role|tell me( more)? about|overview|what is known|explain|summar\w*|who (should|qualif\w*|"
                    r"is eligible|can|are)|which (patients|people) (should|qualify|can|are)|eligib\w*|candidates?|risks|benefits|pros and cons|"
                    r"what should i know|evidence (for|on)|and (is|are|what|how|does|do|can) )\b", re.I)
# the statement types a question asks for (a question may ask for several); none: any answer type
_WANTS = {
    "finding": re.compile(r"\b(results?|find\w*|found|show\w*|(?<!primary )outcomes?|(?<!side )effect\w*|efficacy|work\w*|benefit\w*|"
                          r"survival|surviv\w*|mortality|deaths?|alive|improv\w*|help\w*|better|reduc\w*|far(e|ed|ing)|"
                          r"do(ing)? well|endpoints? (was |were )?(met|reached|achieved))\b", re.I),
    "safety": re.compile(r"\b(risk\w*|safe\w*|danger\w*|side effects?|harm\w*|(treatment|transplant)-related|"
                         r"die[sd]?|dying|fatal|go(es)? wrong|toxic\w*|complications?|adverse|trm|crs|icans)\b", re.I),
    "eligibility": re.compile(r"\b(who|which (patients|people)|eligib\w*|qualif\w*|candidates?|suitable|good fit|"
                              r"criteria|inclusion|exclu\w*|contraindicat\w*|rule[sd]? out|(?<!-)select\w*|considered for|take part|join|"
                              r"too? (old|young)|age limit|\d+[- ]?years?[- ]?old|(have|be|been) (randomi[sz]ed|enrolled|"
                              r"included|admitted|entered)|"
                              r"how old|too? late|can i (still )?(get|have)|(stop|keep|bar|prevent)s? (me|you|him|her|them|"
                              r"someone|patients?|people) (from )?(getting|having|joining|being)|enough (for|to (get|have|join|"
                              r"qualify|enter|receive|undergo)))\b", re.I),
    "procedure": re.compile(r"\b(procedure|steps?|regimens?|(?<!per-)protocol|conditioning|mobili[sz]\w*|dose\w*|"
                            r"how (is|are|do|does) [\w -]+ (made|make)|control (arms?|groups?)|comparator|"
                            r"given|done|perform\w*|infusions?|how many (doses|infusions|injections|cycles)|administ\w*|what (\w+ )?happens|how (is|are|do|does) (it|they|"
                            r"you|doctors)\b|go(es)? through|undergo\w*|involve[sd]?|entail\w*|mechanism\w*|"
                            r"(how|why) (does|do|would|might) [\w -]+ work|works? by|compar\w* [\w -]*against|"
                            r"against what)", re.I),
    "recommendation": re.compile(r"\b(recommend\w*|guidelines?|should|advis\w*|role|first-line|second-line)\b",
                                 re.I),
    "background": re.compile(r"(\b(what (is|are) (an? |the )?[\w-]+( cells?| therap(y|ies)| treatments?)?\s*\??$|"
                             r"what does [\w -]+ mean|meaning|defin\w*|kind of|type of)|"
                             r"^\s*(is|are) [\w-]+ (an?|the) )", re.I),
    "design": re.compile(r"\b(design\w*|endpoints?|followed|randomi[sz]\w*(?! ([\w-]+ )?(controlled )?(trials?|studies|RCTs?)\b)|enrol\w*|how many (studies|trials|patients|people)|"
                         r"follow-up|phase|testing|tested|being studied|under study|studying|population|baseline|"
                         r"characteristics|clinical (situation|picture|status|history)|primary (outcome|end ?point)|"
                         r"centres|centers|countries|sites|recruit\w*|which (studies|trials)|included (studies|trials)|"
                         r"(who|which [\w -]+) (was|were) (treated|enrolled|included|studied)|(which|what) years|"
                         r"compar\w* [\w -]*against|against what|comparator)\b", re.I),
}
_MECHANISM = re.compile(r"\b(mechanism\w*|(how|why) (does|do|would|might) [\w -]+ work\w*|works? by)\b", re.I)
COMPARISON_SHARE = 0.8  # a synthesis naming two compared items opens a comparison when this relevant (of the best)
LIMIT = {"narrow": 4, "yesno": 4, "broad": 7, "comparison": 8}
MARGIN = {"narrow": 0.75, "yesno": 0.75, "broad": 0.68, "comparison": 0.7}  # of the best statement's score
FOCUSED_MARGIN = 0.6
KIN = {"recommendation": ("eligibility",), "eligibility": ("recommendation",)}  # who should get it: both answer
ASIDE_SHARE = 0.9  # a statement of a type not asked for, next to an answer of the type asked for
LEAD_SHARE = 0.85  # the lead is of an asked-for type only when it is this relevant (of the best statement)
SAME_POINT = 0.72  # a seed statement this close in meaning to a chosen primary one says the same thing


_OPENER = re.compile(r"^\s*(?:and|so|but|also|then|ok(?:ay)?)\b[\s,]*", re.I)  # 'And how many ...?', 'So is ...?'


def question_kind(question: str) -> str:
    question = _OPENER.sub("", question)
    if _COMPARE.search(question) and (re.search(r"\b(or|and|vs\.?|versus|with|than|from)\b", question, re.I)):
        return "comparison"
    if _BROAD.search(question):
        return "broad"
    if _YESNO.search(question):
        return "yesno"
    return "narrow"


_SIGNS = re.compile(r"\b(cardiac|clinical|imaging|physical|laboratory|lung|heart|skin|echo\w*|radiolog\w*|MRI|CT) "
                    r"findings\b", re.I)  # signs a doctor sees, not what a study found


def wanted_types(question: str) -> set[str]:
    question = _SIGNS.sub(" signs", question)
    question = re.sub(r"\brisks? of bias\b", "bias", question, flags=re.I)  # a study's quality, not a harm
    wants = {kind for kind, pattern in _WANTS.items() if pattern.search(question)}
    if _MECHANISM.search(question) and not _WANTS["finding"].search(re.sub(r"\bwork\w*", " ", _MECHANISM.sub(" ", question))):
        wants.discard("finding")  # 'how does it work' asks how, not whether
    return wants


def without_titles(question: str, titles: set[str]) -> str:
    """The question without the words of the titles of the sources it names: 'in the EBMT best practice
    recommendations' names a document, it does not ask for a recommendation."""
    said = {stem(w) for title in titles for w in words(title)}
    return re.sub(r"[A-Za-z][\w-]*", lambda m: " " if stem(m.group().lower()) in said else m.group(), question)


def make_plan(question: str, candidates: list[Candidate], focused: dict[str, float] | None = None,
              items: list[Item] = (), said: frozenset[str] | set[str] = frozenset(),
              field: frozenset[str] | set[str] = frozenset(), naming: frozenset[str] = frozenset(),
              topic: str = "") -> Plan:
    """Choose the statements of the answer and their order. `items`: what a comparison compares (trials by the
    sources they name, interventions by the words that name them); `said`: statements the previous answer of the
    conversation gave (not repeated as supporting sentences); `field`: the question's words that most passages use;
    `naming`: the words that name sources ('asti', 'scot', 'muller'); `topic`: the names of the corpus's subject
    (a limit set for it is the one a verdict holds a figure against)."""
    titles = {c.source.title for c in candidates if (focused or {}).get(c.source.id)}
    own = own_words(question)  # a follow-up asks in its own words ('and the risks?'); its topic came from before
    value = expected_value(own)  # 'how many events': a statement that counts events answers it
    # what kind of statement it asks for; a follow-up that asks for a value in its own words ('and how many articles
    # had it published?') does not ask for what its borrowed topic's words would ('enrolled': a design)
    asks = wanted_types(without_titles(own, titles)) or (
        set() if own != question and value is not None else wanted_types(without_titles(question, titles)))
    plan = Plan(question_kind(own) if own != question and asks else question_kind(question), asks)
    kinds = {c.source.id: c.source.kind for c in candidates}  # a seed page names others' trials: not a subject
    primary = {sid: w for sid, w in (focused or {}).items() if kinds.get(sid) != "education"}
    typed = named_elsewhere([_weigh(c, plan.wants, value) for c in candidates], question, primary, naming)
    fresh = [c for c in typed if not (c.statement and c.statement.id in said)]
    if said and _new_answers(typed, fresh, said):  # a follow-up answers with what was not said yet
        typed = fresh
    answering = [c for c in typed if c.type in ANSWER_TYPES]
    plan.unconfirmed = _unconfirmed([c for c in typed if c.type not in ANSWER_TYPES], answering)
    if not answering:
        return plan
    best = max(c.score for c in answering)
    if plan.kind == "comparison" and len(items) >= 2:
        # the bottom line: a synthesis of the kind asked for that names two of the items, if one is relevant enough;
        # else one of that kind about either (our syntheses compare interventions one sentence each)
        across = [c for c in answering if c.type in plan.wants and sum(_names(c, item) for item in items) >= 2]
        lead = _bottom_line(across or answering, best, COMPARISON_SHARE if across else 0.7, wants=plan.wants)
        plan.lead = [lead] if lead else []
        rest = [c for c in answering if all(c is not lead for lead in plan.lead)]  # the lead is not repeated
        focus = _focus(own, answering, items)
        plan.items = [(item.name, [c for c in _per_item(item, rest, plan.wants, items, focus)
                                   if not any(repeats(c, lead) for lead in plan.lead)]) for item in items]
        # an item the bottom line already speaks for has nothing more to add, which is not 'the sources say nothing'
        plan.items = [(name, cands) for (name, cands), item in zip(plan.items, items)
                      if cands or not any(_speaks_for(lead, item) for lead in plan.lead)]
        plan.body = [c for _, cands in plan.items for c in cands]
        return plan
    named = FOCUSED_MARGIN * best  # a source the question names: more of what it says is worth giving
    pool = [c for c in answering if c.score >= MARGIN[plan.kind] * best or ((focused or {}).get(c.source.id)
                                                                           and c.score >= named)]
    chosen = _primary_first(select(pool, LIMIT[plan.kind], relative_floor=0.0, focused=focused), pool, focused)
    if plan.wants and not any(c.type in plan.wants for c in chosen):  # what was asked for, if a statement says it
        asked = _primary_first([c for c in answering if c.type in plan.wants and c.score >= FOCUSED_MARGIN * best],
                               pool, focused)
        chosen = [max(asked, key=lambda c: c.score)] + chosen[:LIMIT[plan.kind] - 1] if asked else chosen
    if plan.kind == "broad":
        lead = _bottom_line(answering, best, wants=plan.wants)
        rest = [c for c in chosen if c.source.kind != "synthesis"]
        chosen = ([lead] if lead else []) + _slots(rest, answering, best)[:LIMIT["broad"] - 1]
    plan.lead, plan.body = _lead_first(chosen, plan.wants, value if len(parts(own)) == 1 else None)
    plan.lead, plan.body = named_first(plan.lead, plan.body, focused, plan.wants, value, answering)
    if plan.kind != "broad":  # a synthesis is a bottom line: it leads or it is left out
        plan.body = [c for c in plan.body if c.source.kind != "synthesis"]
    if plan.wants and plan.lead[0].type in plan.wants:
        # the question asked for a kind of statement and the lead is one: others only when as relevant
        asked = plan.wants | {kin for w in plan.wants for kin in KIN.get(w, ())}
        plan.body = [c for c in plan.body if c.type in asked or c.score >= ASIDE_SHARE * best]
    if said:
        plan.body = [c for c in plan.body if not (c.statement and c.statement.id in said)]
    if plan.lead and plan.lead[0].source.kind != "synthesis":  # every part of the question answered up front
        first = plan.lead[0]
        subject = (lambda c: c.source.id == first.source.id or names_in(c.text) & names_in(first.text)) \
            if (focused or {}).get(first.source.id) else (lambda c: c.score >= SAME_SUBJECT * best)  # noqa: E731
        pool = [c for c in answering if (c.source.kind not in ("synthesis", "education") or c.source.id == first.source.id)
                and (subject(c) or any(c is b for b in plan.body))
                and not any(repeats(c, lead) for lead in plan.lead)]  # what was said may answer a part again
        plan.lead = cover_parts(own, plan.lead, pool, PART_SHARE * best, _part_wants)
        plan.lead = with_reasons(own, plan.lead, answering, PART_SHARE * best)
        plan.body = [c for c in plan.body if all(c is not lead for lead in plan.lead)]
        if plan.kind == "comparison":  # two sides, both answered up front: the rest stays on them
            plan.body = on_sides(own, plan.lead, plan.body, pool)
    plan.body = once(plan.lead, plan.body)
    named = {sid for sid, weight in (focused or {}).items() if weight == 1.0} or {ref.split("#", 1)[0] for ref in said}
    near = sorted((c for c in answering if c.score >= PART_SHARE * best), key=lambda c: -c.score)
    settled = verdict(own, plan.lead + plan.body + near, named, topic)  # 'a mPAP of 28 mmHg excluded?': yes, by its limit
    # (a follow-up that names no source asks about the sources the last answer quoted)
    if settled:  # the limit that settles it leads; what led before follows
        plan.verdict, limit = settled
        plan.body = [c for c in plan.lead[:1] + plan.body if c is not limit]
        plan.lead = [limit] + [c for c in plan.lead[1:] if c is not limit]
        if limit.source.kind == "guideline":  # a guideline's rule settles it: a trial's entry criteria are no rule
            plan.body = [c for c in plan.body if c.type != "eligibility" or c.source.kind in ("guideline", "synthesis")]
    if plan.kind in ("narrow", "yesno") and not has_no_one_point(own):  # the rest stays on the question's point
        plan.body = on_point(without_titles(own, titles), plan.lead, plan.body, answering, value, field)
        plan.body = [c for c in plan.body if not elsewhere(c, question, primary, naming)]  # not ASTIS's, asked of ASSIST
        if not settled and len(parts(own)) == 1:  # a point only the short answer speaks to: it is the answer
            plan.body = pinpointed(without_titles(own, titles), plan.lead, plan.body, answering, field)
    if plan.unconfirmed and best < LEAD_SHARE * plan.unconfirmed[0].score:
        # what is asked about is a claim only a seed or blog makes: the answer opens by saying it is unconfirmed
        plan.doubt_first, plan.lead, plan.body = True, [], plan.lead + plan.body
    return plan


PART_SHARE = 0.6  # a statement that answers another part of the question joins the lead when this relevant
SAME_SUBJECT = 0.8  # ... and this relevant when the lead's source is not one the question names (else: about it)


def _part_wants(part: str) -> set[str]:
    wants = wanted_types(part)
    return wants | {kin for w in wants for kin in KIN.get(w, ())}


def _lead_first(chosen: list[Candidate], wants: set[str], value=None) -> tuple[list[Candidate], list[Candidate]]:
    """The first sentence answers: the best statement, of a type the question asks for when one is nearly as
    relevant; a study's design only when the design (or the count it gives: 'how many recommendations') is asked
    about; a source's own before a seed's or blog's unless the seed's is clearly the more relevant."""
    if not chosen:
        return [], []
    # a design leads when asked about, or when nothing else comes near it
    others = [c for c in chosen if c.type != "design" or "design" in wants or gives_kind(c, value)]
    near = max((c.score for c in others), default=0.0) >= LEAD_SHARE * max(c.score for c in chosen)
    voices = others if others and (near or any(c.type in wants for c in others)) else chosen
    top = max(c.score for c in voices)
    voices = [c for c in voices if c.source.kind != "education" and c.score >= LEAD_SHARE * top] or voices
    best = max(c.score for c in voices)
    fits = [c for c in voices if c.type in wants and c.score >= LEAD_SHARE * best] or voices
    lead = max(fits, key=_standing)
    return [lead], [c for c in chosen if c is not lead]


# A statement that leans on another one ("... may also qualify", "however, ...") does not open an answer when
# one nearly as relevant stands on its own.
_LEANS = re.compile(r"\b(also|too|as well|in addition|additionally|furthermore|moreover|however|likewise)\b", re.I)
LEANING = 0.03


def _standing(cand: Candidate) -> float:
    """A statement's score as an opening sentence: a little less when it leans on another."""
    return cand.score - (LEANING if _LEANS.search(cand.text) else 0.0)


VALUE_BONUS = 0.04


def _weigh(cand: Candidate, wants: set[str], value=None) -> Candidate:
    """A statement of a type the question asks for counts a little more, and one that gives the kind of value it
    asks for (a count, a dose, a percentage ...); background a little less."""
    bonus = 0.05 if cand.type in wants else (-0.04 if cand.type == "background" else 0.0)
    bonus += VALUE_BONUS if gives(cand, value) else 0.0
    return replace(cand, score=cand.score + bonus) if bonus else cand


def _bottom_line(answering: list[Candidate], best: float, share: float = 0.8,
                 wants: set[str] = frozenset()) -> Candidate | None:
    """For a broad question: the best synthesis statement (of a type the question asks for, if any is), when it is
    about as relevant as the best statement."""
    syntheses = [c for c in answering if c.source.kind == "synthesis"]
    syntheses = [c for c in syntheses if c.type in wants] or syntheses
    top = max(syntheses, key=_standing, default=None)
    return top if top is not None and top.score >= share * best else None


FIGURE_SHARE = 0.9  # a statement with a figure fills a slot before a better one without, if nearly as relevant
SLOTS = ("finding", "eligibility", "safety")  # a broad answer: evidence, who qualifies, risks (when relevant)


def _slots(chosen: list[Candidate], answering: list[Candidate], best: float, share: float = 0.6) -> list[Candidate]:
    """A broad answer covers the evidence, who qualifies and the risks: for each slot, the best statement of
    that type with a figure (a result, a criterion, a rate) when one is relevant enough, our synthesis of it
    first; then the statements chosen for relevance."""
    out: list[Candidate] = []
    for slot in SLOTS:
        options = [c for c in answering if c.type == slot and c.source.kind != "education"
                   and c.score >= share * best]
        strong = max((c.score for c in options), default=0.0)
        with_figures = [c for c in options if numbers(c.text) and c.score >= FIGURE_SHARE * strong]
        top = max(with_figures or options, key=lambda c: c.score, default=None)
        if top is not None:
            out.append(top)
    return out + [c for c in chosen if all(c is not o for o in out)]


SAME_ITEM = 0.9  # two statements of one item this close in meaning, with no figure of their own, say one thing
ITEM_FIELDS = ("design", "finding", "safety")  # what a comparison gives for each trial, unless it asks for more
INTERVENTION_FIELDS = ("background", "finding", "safety")  # ... and for each intervention: what it is, does, risks


def _focus(question: str, pool: list[Candidate], items: list[Item]) -> set[str]:
    """What a comparison asks about each item, beyond naming them: the question's stems that few of the
    candidate statements contain ('mobilised' in 'How were stem cells mobilised in ASTIS compared with SCOT?')."""
    names = {stem(w) for item in items for term in (item.name, *item.terms) for w in content_terms(term)}
    texts = [{stem(w) for w in content_terms(c.text)} for c in pool]
    return {t for t in {stem(w) for w in content_terms(question)} - names
            if 0 < sum(t in x for x in texts) <= len(texts) / 3}


RESTATE_SHARE = 0.8  # a follow-up is answered from what was not said yet if that is this relevant (of the best)


def _new_answers(typed: list[Candidate], fresh: list[Candidate], said: frozenset[str] | set[str]) -> bool:
    """Does something not said yet, from the sources the conversation is about, answer the follow-up nearly as
    well as what was said? If not, it asks again about what was said ('what is it comparing against?' after an
    answer that named the comparator; 'how many were in each group?' after one that gave the groups)."""
    about = {ref.split("#", 1)[0] for ref in said}
    new = [c.score for c in fresh if c.type in ANSWER_TYPES and c.source.id in about]
    best = max((c.score for c in typed if c.type in ANSWER_TYPES), default=0.0)
    return bool(new) and max(new) >= RESTATE_SHARE * best


def _per_item(item: Item, answering: list[Candidate], wants: set[str] = frozenset(),
              items: list[Item] = (), focus: set[str] = frozenset()) -> list[Candidate]:
    """One item of a comparison: the best statement of each kind the question asks for (two when it asks for one
    kind), else its design, result and safety (a trial: from the sources that name it, its own report before a
    follow-up or a review) or what it is, what it does and its risks (an intervention: from the statements that
    name it first, our syntheses before single studies, a seed's last); none when the sources say nothing on it."""
    if item.sources:
        own = [c for c in answering if c.source.id in item.sources and c.source.kind != "synthesis"]
        rank = lambda c: -c.score  # noqa: E731
    else:
        own = [c for c in answering if _first_named(c, items) == item.name]
        rank = lambda c: (c.source.kind != "synthesis", c.source.kind == "education", -c.score)  # noqa: E731
    own.sort(key=rank)
    fields = [kind for kind in STATEMENT_TYPES if kind in wants] or list(ITEM_FIELDS if item.sources
                                                                           else INTERVENTION_FIELDS)
    each = 2 if len(fields) == 1 else 1
    picked: list[Candidate] = []
    about = lambda c: focus & {stem(w) for w in content_terms(c.text)}  # noqa: E731
    for kind in fields:  # a trial reported twice (an abstract, then the paper) says the same thing once
        for cand in [c for c in own if c.type == kind]:
            same = [p for p in picked if p.type == kind]
            if same and not about(cand) >= about(same[0]):
                continue  # a second statement of the kind, not on all that the first answers ('graft' after 'mobilised')
            if len(same) < each and not any(redundant(cand, p, SAME_ITEM) for p in picked):
                picked.append(cand)
    return picked or own[:1]


OFF_TOPIC = 0.8  # a statement about another intervention than the one asked about keeps this share of its score


def on_topic(candidates: list[Candidate], about: Item, interventions: list[Item]) -> list[Candidate]:
    """A question about one intervention ('What about the side effects?' after a CAR-T question): a statement
    that does not name it and names another first (an MSC safety finding) counts less."""
    return [replace(c, score=c.score * OFF_TOPIC)
            if _first_named(c, interventions) not in (None, about.name) and not _names(c, about) else c
            for c in candidates]


def _speaks_for(cand: Candidate, item: Item) -> bool:
    return about(cand, set(item.sources)) or _names(cand, item)


def _names(cand: Candidate, item: Item) -> bool:
    """Does the statement (or its plain twin) name the item: an intervention by its words, a trial by its name?"""
    return any(first_at(text or "", item.terms or (item.name,)) is not None
               for text in (cand.text, cand.statement.plain if cand.statement else None))


def _first_named(cand: Candidate, items: list[Item]) -> str | None:
    """The compared intervention a statement names first (in its own words, else its plain twin's)."""
    for text in (cand.text, cand.statement.plain if cand.statement else None):
        named = [(at, item.name) for item in items if (at := first_at(text or "", item.terms)) is not None]
        if named:
            return min(named)[1]
    return None


def _primary_first(chosen: list[Candidate], pool: list[Candidate], focused: dict[str, float] | None) -> list[Candidate]:
    """A seed or blog statement is left out where a primary source (or our synthesis of them) speaks to the same
    point: a statement of the same type among the statements worth giving, or one close in meaning among all
    candidates. It stays when the question names the seed, or when it is the only voice on its point."""
    primary = [c for c in pool if c.source.kind != "education"]  # our syntheses speak for the primary sources
    types = {c.type for c in primary}
    out = []
    for cand in chosen:
        if cand.source.kind == "education" and not (focused or {}).get(cand.source.id) and (
                cand.type in types - {"design"} or any(float(np.dot(cand.vec, p.vec)) > SAME_POINT for p in primary)):
            continue
        out.append(cand)
    return out


def _unconfirmed(claims: list[Candidate], answering: list[Candidate]) -> list[Candidate]:
    """At most one unconfirmed claim, and only one as relevant as the answer's best statement."""
    if not claims:
        return []
    best = max((c.score for c in answering), default=0.0)
    top = max(claims, key=lambda c: c.score)
    return [top] if top.score >= 0.9 * best else []
