"""Suggested questions, drawn from what the corpus covers and checked against the engine before they are offered.

- Follow-ups: the section headings of the cited sources that the answer did not use ("What about cardiac
  screening?"), then those of the other sources closest to the conversation, then the corpus's topics the
  conversation has not touched. A follow-up is kept only if the engine answers it, in the conversation, with a
  passage that neither the answer nor an earlier suggestion shows.
- Starters (empty page, after a refusal): the topics the corpus abbreviates ("mesenchymal stromal cells"),
  each next one the topic that covers the most sources the previous ones do not, leaving out what nearly every
  source is about (the disease itself). A starter is kept only if the engine answers it."""

from __future__ import annotations

import threading
from collections import OrderedDict

from .schema import Answer
from .text import content_terms, stems

# Headings about the note itself rather than its subject: no useful question comes from them.
META_WORDS = frozenset("""source sources note notes content contents report scope method methods limits citation
    attribution speaker group case study problems claims reported confirmed grading evidence talk""".split())


def heading_phrase(heading: str) -> str:
    """'Cardiac screening' -> 'cardiac screening'; names keep their capitals ('ASTIS and ASSIST details')."""
    first = heading.split()[0] if heading.split() else ""
    keep = first.isupper() or any(c.isupper() for c in first[1:])
    return heading if keep else heading[:1].lower() + heading[1:]


def _informative(heading: str) -> bool:
    terms = content_terms(heading)
    return bool(terms) and not all(t in META_WORDS for t in terms)


def _quoted(answer: Answer) -> set[str]:
    return {p["id"] for ref in answer.references for p in ref.passages}


def _distinct(named: list[tuple[str, set[str]]]) -> list[str]:
    """Names in order, skipping one whose stems contain, or are contained in, an earlier one's."""
    kept: list[set[str]] = []
    out = []
    for name, own in named:
        if own and not any(own <= other or other <= own for other in kept):
            kept.append(own)
            out.append(name)
    return out


def follow_up_candidates(answer: Answer, asked: list[str], loaded) -> list[str]:
    """'What about <heading>?' for sections the conversation has not touched, most related first."""
    used, cited = _quoted(answer), [r.source_id for r in answer.references]
    asked_stems = set(stems(" ".join([*asked, answer.standalone_question or ""])))
    rank = {sid: i for i, sid in enumerate(cited)}
    scored = []
    for passage in (p for sid in cited for p in loaded.of_source(sid, "clinician")):
        if passage.id in used or not _informative(passage.section):
            continue
        own = set(stems(passage.section))
        if own <= asked_stems:
            continue  # already asked about
        title = set(stems(loaded.sources[passage.source_id].title))
        related = len(title & asked_stems) / (len(title) or 1)
        scored.append(((rank.get(passage.source_id, len(rank)), -related, passage.id), passage.section, own))
    headings = _distinct([(heading, own) for _, heading, own in sorted(scored)])
    return [f"What about {heading_phrase(h)}?" for h in headings]


def topic_sources(loaded, lexicon) -> dict[str, set[str]]:
    """Long form of each abbreviation of a multi-word name -> the sources that use it (either form)."""
    found: dict[str, set[str]] = {}
    for abbr, long in lexicon.abbreviations.items():
        long = long.strip()
        if " " in abbr or sum(c.isupper() for c in abbr) < 2 or " " not in long:
            continue  # only true abbreviations ('MSC'), not lay words or reversed entries
        forms = [f for f in (set(stems(abbr)), set(stems(long))) if f]
        users = set().union(*(loaded.sources_with(f) for f in forms)) if forms else set()
        found.setdefault(long, set()).update(users)
    return found


def topics(loaded, lexicon, share: float = 0.5) -> list[str]:
    """Topics by greedy coverage: each next one covers the most sources the earlier ones leave out. Topics used
    by more than `share` of the sources (what the whole corpus is about) are left out."""
    n_sources = len(loaded.sources)
    limit = share * n_sources if n_sources >= 3 else n_sources
    left = {name: users for name, users in topic_sources(loaded, lexicon).items() if 0 < len(users) <= limit}
    ordered, covered = [], set()
    while left:
        name = max(left, key=lambda t: (len(left[t] - covered), len(left[t]), len(t), t))
        covered |= left.pop(name)
        ordered.append(name)
    return _distinct([(name, set(stems(name))) for name in ordered])


MEMO_SIZE = 4096
SCAN = 12  # candidate follow-ups looked at per turn (only those not checked before cost a check)


class Memo:
    """What suggestions derive from one loaded index (its topics; what a suggested question would quote), kept
    while that index is the one loaded: each turn of every session checks the same few questions."""

    def __init__(self, loaded):
        self.loaded, self.values, self.lock = loaded, OrderedDict(), threading.Lock()

    @classmethod
    def of(cls, engine) -> "Memo":
        memo = getattr(engine, "_suggestion_memo", None)
        if memo is None or memo.loaded is not engine.store.loaded:  # a new index: nothing carries over
            memo = engine._suggestion_memo = cls(engine.store.loaded)
        return memo

    def get(self, key, make=None):
        """The value kept for `key`, else `make()` kept (None when there is no `make`)."""
        with self.lock:
            if key in self.values:
                self.values.move_to_end(key)
                return self.values[key]
        if make is None:
            return None
        value = make()
        with self.lock:
            self.values[key] = value
            while len(self.values) > MEMO_SIZE:
                self.values.popitem(last=False)
        return value


def topic_questions(engine, asked: list[str] = ()) -> list[str]:
    """'What is known about <topic>?' for the corpus's topics that the questions asked do not mention."""
    lexicon = engine.retriever.lexicon
    asked_stems = set(stems(lexicon.expand(" ".join(asked), synonyms=False)))  # 'AHSCT' counts as its long form
    named = Memo.of(engine).get(("topics",), lambda: topics(engine.store.loaded, lexicon))
    return [f"What is known about {t}?" for t in named if not set(stems(t)) <= asked_stems]


def _would_quote(engine, question: str, mode: str, history: list[str],
                 check: bool = True) -> tuple[frozenset[str] | None, bool]:
    """The passages an answer would quote (none: it would be refused), from the answer's steps up to its plan:
    retrieval, scope and choice, without composing it (a third of an answer's time; the generative engine checks
    with its extractive steps); kept per question as the conversation makes it read. With `check` False only what
    was found before (None when nothing was). Also whether a check was made."""
    steps = getattr(engine, "extractive", engine)
    if not hasattr(steps, "prepare"):
        answered = frozenset(_quoted(engine.answer(question, mode=mode, history=history))) if check else None
        return answered, check
    state = steps.rewrite_step(steps.start(question, mode, history))  # what it asks, the conversation read in
    memo, key = Memo.of(steps), ("quotes", state.question, state.standalone, mode)
    known = memo.get(key)
    if known is not None or not check:
        return known, False

    def quoted() -> frozenset[str]:
        done = steps.prepare.invoke(state)
        return frozenset() if done.refusal else frozenset(c.passage.id for c in done.chosen or [])

    return memo.get(key, quoted), True


def _checked(engine, candidates: list[str], mode: str, history: list[str], shown: set[str], n: int,
             budget: int) -> list[str]:
    """The first n candidates the engine answers, without a refusal, quoting a passage that neither `shown` nor an
    earlier pick quotes; of the first SCAN candidates, those checked before cost nothing, and at most `budget`
    are checked anew."""
    out, shown = [], set(shown)
    for question in candidates[:SCAN]:
        try:
            quoted, checked = _would_quote(engine, question, mode, history, check=budget > 0)
        except Exception:
            continue
        budget -= checked
        if quoted is None:  # not known, and no budget left to find out
            continue
        if not quoted - shown:  # refused (nothing quoted), or nothing new
            continue
        out.append(question)
        shown |= quoted
        if len(out) == n:
            break
    return out


def follow_ups(engine, answer: Answer, asked: list[str], n: int = 3, budget: int = 6) -> list[str]:
    """Up to n follow-up questions for an answer; `asked` is the conversation's questions, this one last."""
    if answer.refused:
        return starters(engine, answer.mode, n, budget)
    candidates = [*follow_up_candidates(answer, asked, engine.store.loaded), *topic_questions(engine, asked)]
    return _checked(engine, candidates, answer.mode, list(asked), _quoted(answer), n, budget)


def starters(engine, mode: str = "clinician", n: int = 3, budget: int = 6) -> list[str]:
    """Up to n opening questions on the corpus's main topics."""
    return _checked(engine, topic_questions(engine), mode, [], set(), n, budget)
