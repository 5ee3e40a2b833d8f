"""Suggested questions, drawn from what the corpus covers and checked against the engine before they are offered.

- Follow-ups: the section headings of the cited sources that the answer did not use ("What about cardiac
  screening?"), then those of the other sources closest to the conversation, then the corpus's topics the
  conversation has not touched. A follow-up is kept only if the engine answers it, in the conversation, with
  at least one passage the current answer did not show.
- Starters (empty page, after a refusal): the topics the corpus abbreviates ("mesenchymal stromal cells
  (MSC)"), most widely covered first, leaving out the one nearly every source is about (the disease itself).
  A starter is kept only if the engine answers it."""

from __future__ import annotations

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


def _used_passages(answer: Answer) -> set[str]:
    return {p["id"] for ref in answer.references for p in ref.passages}


def follow_up_candidates(answer: Answer, asked: list[str], loaded) -> list[str]:
    """'What about <heading>?' for sections the conversation has not touched, most related first."""
    used, cited = _used_passages(answer), [r.source_id for r in answer.references]
    asked_stems = set(stems(" ".join([*asked, answer.standalone_question or ""])))
    rank = {sid: i for i, sid in enumerate(cited)}
    scored = []
    for passage in loaded.passages.values():
        if passage.audience != "clinician" or passage.id in used or not _informative(passage.section):
            continue
        own = set(stems(passage.section))
        if own <= asked_stems:
            continue  # already asked about
        title = set(stems(loaded.sources[passage.source_id].title))
        related = len(title & asked_stems) / (len(title) or 1)
        scored.append(((rank.get(passage.source_id, len(rank)), -related, passage.id), passage.section))
    out = []
    for _, heading in sorted(scored):
        question = f"What about {heading_phrase(heading)}?"
        if question.lower() not in {q.lower() for q in out}:
            out.append(question)
    return out


def topics(loaded, lexicon, share: float = 0.5) -> list[str]:
    """The long forms of the abbreviations the corpus uses ('mesenchymal stromal cells'), by how many sources
    use them; those in more than `share` of the sources (what the whole corpus is about) are left out."""
    per_source: dict[str, set[str]] = {}
    for pid, passage in loaded.passages.items():
        per_source.setdefault(passage.source_id, set()).update(loaded.terms.get(pid, ()))
    counts: dict[str, int] = {}
    for abbr, long in lexicon.abbreviations.items():
        if " " in abbr or sum(c.isupper() for c in abbr) < 2 or " " not in long.strip():
            continue  # only true abbreviations of multi-word names
        forms = (set(stems(abbr)), set(stems(long)))
        found = sum(1 for have in per_source.values() if any(f and f <= have for f in forms))
        counts[long.strip()] = max(counts.get(long.strip(), 0), found)
    limit = share * len(per_source) if len(per_source) >= 3 else len(per_source)
    ranked = sorted((n for n in counts if 0 < counts[n] <= limit), key=lambda n: (-counts[n], -len(n), n.lower()))
    chosen: list[tuple[str, set[str]]] = []
    for name in ranked:  # one name per topic: 'haematopoietic cell transplantation' is in 'autologous haem...'
        own = set(stems(name))
        if not any(own <= other or other <= own for _, other in chosen):
            chosen.append((name, own))
    return [name for name, _ in chosen]


def _keep(engine, question: str, mode: str, history: list[str], shown: set[str]) -> bool:
    """The engine answers the question (not a refusal) with at least one passage not already shown."""
    try:
        answer = engine.answer(question, mode=mode, history=history)
    except Exception:
        return False
    return not answer.refused and bool(_used_passages(answer) - shown)


def _checked(engine, candidates: list[str], mode: str, history: list[str], shown: set[str], n: int,
             budget: int) -> list[str]:
    out = []
    for question in candidates[:budget]:
        if _keep(engine, question, mode, history, shown):
            out.append(question)
            if len(out) == n:
                break
    return out


def topic_questions(engine, asked: list[str] = ()) -> list[str]:
    """'What is known about <topic>?' for the corpus's topics that the questions asked do not mention."""
    lexicon = engine.retriever.lexicon
    asked_stems = set(stems(lexicon.expand(" ".join(asked), synonyms=False)))  # 'AHSCT' counts as its long form
    return [f"What is known about {t}?" for t in topics(engine.store.loaded, lexicon)
            if not set(stems(t)) <= asked_stems]


def follow_ups(engine, answer: Answer, asked: list[str], n: int = 3, budget: int = 10) -> list[str]:
    """Up to n follow-up questions for an answer; `asked` is the conversation's questions, this one last."""
    if answer.refused:
        return starters(engine, answer.mode, n, budget)
    candidates = [*follow_up_candidates(answer, asked, engine.store.loaded), *topic_questions(engine, asked)]
    return _checked(engine, candidates, answer.mode, list(asked), _used_passages(answer), n, budget)


def starters(engine, mode: str = "clinician", n: int = 3, budget: int = 10) -> list[str]:
    """Up to n opening questions on the corpus's main topics."""
    return _checked(engine, topic_questions(engine), mode, [], set(), n, budget)
