"""Conversations: follow-up questions rewritten to stand alone before retrieval.

The extractive engine uses a rule: a question that leans on the previous turn ("and its risks?",
"what about MSCs?") borrows that turn's topic terms (therapies, trials, conditions). The generative
engine asks its model first (`generate.py`) and falls back to this rule."""

from __future__ import annotations

import re
from collections.abc import Collection

from .lexicon import Lexicon
from .text import content_terms, stem

_FOLLOW_UP = re.compile(
    r"^\s*(and|but|also|so|then|what about|how about|and what|is that|are they|does it|did it|what if)\b|"
    r"\b(it|its|it's|this|that|these|those|they|them|their|the treatment|the procedure|the therapy|the trial|"
    r"the study|same|she|he|her|his|the patients?|the cells|the graft|the case|the series|the cohort)\b",
    re.I,
)
_NAME = re.compile(r"\b[A-Z][A-Za-z0-9]*[A-Z0-9][A-Za-z0-9-]*\b")  # SCOT, AHSCT, CAR-T, CARE-SSc, dcSSc


def leans(question: str) -> bool:
    """It leans on the conversation outright: a pronoun, a leading 'and', or at most two words of its own."""
    return bool(_FOLLOW_UP.search(question)) or len(content_terms(question)) <= 2


def is_follow_up(question: str) -> bool:
    """It leans on the conversation, or names no topic of its own: at most four words and no name such as a
    trial or therapy ('Were there any serious side effects?')."""
    return leans(question) or (len(content_terms(question)) <= 4 and not _NAME.search(question))


def topic_terms(text: str, lexicon: Lexicon, names: Collection[str] = ()) -> list[str]:
    """The therapies, trials and conditions a question is about (names, words that name a source: `names`, as
    stems, e.g. a first author's, and curated terms it contains)."""
    found = [m.group(0) for m in _NAME.finditer(text)]
    found += [w for w in re.findall(r"[^\W\d_][\w-]+", text) if stem(w.lower()) in names]
    lowered = text.lower()
    for group in lexicon.synonyms:
        for term in group:
            if not term.isupper() and re.search(rf"\b{re.escape(term.lower())}\b", lowered):
                found.append(term)
                break
    out, seen = [], set()
    for term in found:
        if term.lower() not in seen and term.lower() not in {"what", "and", "is", "how"}:
            seen.add(term.lower())
            out.append(term)
    return out


def standalone(question: str, history: list[str], lexicon: Lexicon, max_terms: int = 12,
               names: Collection[str] = ()) -> str:
    """The question with the topic of the conversation made explicit, or unchanged if it stands alone.

    Each earlier turn is resolved the same way, so a chain of follow-ups keeps its thread."""
    context = None
    for previous in history:
        context = _resolve(previous, context, lexicon, max_terms, names)
    return _resolve(question, context, lexicon, max_terms, names)


def _resolve(question: str, context: str | None, lexicon: Lexicon, max_terms: int, names: Collection[str]) -> str:
    if not context or not is_follow_up(question):
        return question
    mine = {t.lower() for t in content_terms(question)}
    topic = [t for t in topic_terms(context, lexicon, names) if t.lower() not in mine]
    words = [w for w in content_terms(context) if w not in mine and w not in {n.lower() for n in topic}]
    if not leans(question):  # it only names no topic: the conversation's topic, not all of its words
        words = []
    extra = list(dict.fromkeys([*topic, *words]))[:max_terms]
    return f"{question.rstrip()}{ABOUT}{', '.join(extra)})" if extra else question


ABOUT = " (about: "


def own_words(standalone: str) -> str:
    """A follow-up made to stand alone, without the conversation's topic that was added to it."""
    return standalone.split(ABOUT, 1)[0]
