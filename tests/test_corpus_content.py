"""The real corpus, checked statement by statement: syntheses say only what the statements they rest on say,
and plain twins keep their statement's figures at a patient's reading level."""

from __future__ import annotations

import re

import pytest

from assistant.config import ROOT
from assistant.corpus import load_corpus
from assistant.schema import ANSWER_TYPES
from assistant.text import numbers

NOTES = load_corpus(ROOT / "corpus")
STATEMENTS = {s.id: (n, s) for n in NOTES for b in n.blocks for s in b.statements}
SYNTHESES = [s for n, s in STATEMENTS.values() if n.source.kind == "synthesis"]
TWINS = [s for _, s in STATEMENTS.values() if s.plain]
# a twin may leave out P values and confidence intervals
_STATISTICS = re.compile(r"\bP\s?[=<>]\s?[\d.]+|\(?95%\s*(confidence interval|CI)[^;)]*\)?|\bCI\s*\]?\s*[\d.,\s–-]+",
                         re.I)


@pytest.fixture(scope="module")
def checker(store):
    from assistant.lexicon import load_lexicon
    from assistant.support import SupportChecker

    return SupportChecker(store.embeddings, load_lexicon())


def test_the_corpus_has_syntheses_and_twins():
    assert len(SYNTHESES) >= 40 and len(TWINS) >= 300
    assert {n.source.kind for n in NOTES} >= {"guideline", "research", "review", "education", "synthesis"}


def test_every_synthesis_sentence_rests_on_primary_statements_that_support_it(checker):
    failures = []
    for s in SYNTHESES:
        rested = [STATEMENTS[r] for r in s.rests_on]
        if any(n.source.kind in ("education", "synthesis") or st.type not in ANSWER_TYPES for n, st in rested):
            failures.append(f"{s.id}: rests on a seed, a synthesis or an unconfirmed claim")
            continue
        texts = [st.text for _, st in rested]
        missing = numbers(s.text) - numbers(" ".join(texts))
        verdict = checker.check(s.text, texts)
        if missing or not verdict.supported:
            failures.append(f"{s.id}: missing figures {sorted(missing)}, {verdict}")
    assert not failures, "\n".join(failures)


def _rounded(figure: str, statement: set[str]) -> bool:
    """'6%' in a twin for '6.30%' in its statement ('about 6 in 100')."""
    if not figure.endswith("%"):
        return False
    value = float(figure[:-1])
    return any(f.endswith("%") and round(float(f[:-1].replace(",", ""))) == value for f in statement)


def test_every_plain_twin_keeps_its_statements_figures_and_adds_none():
    failures = []
    for s in TWINS:
        own, twin = numbers(s.text), numbers(s.plain)
        kept = numbers(_STATISTICS.sub(" ", s.text))
        lost, added = kept - twin, {f for f in twin - own if not _rounded(f, own)}
        if lost or added:
            failures.append(f"{s.id}: lost {sorted(lost)}, added {sorted(added)}")
    assert not failures, "\n".join(failures)


def test_every_plain_twin_reads_at_grade_8_or_below():
    import textstat

    grades = {s.id: textstat.flesch_kincaid_grade(s.plain) for s in TWINS}
    assert max(grades.values()) <= 8.0, sorted(grades.items(), key=lambda kv: -kv[1])[:5]
    assert sum(grades.values()) / len(grades) <= 6.5


# words by which a sentence leans on one before it: in an answer, the one before is seldom there
_LEANS_ON = re.compile(r"\b(nonetheless|also|as well(?! as)|in addition|furthermore|moreover|likewise)\b|"
                       r"^(Other|These|This|Such|However|But|Yet|Then|It|They|Its|Their|Another|The other|She|He|Her|His)\b")


def test_every_statement_and_twin_opens_on_its_own():
    """A statement, and the first sentence of its plain twin, is quoted alone: it may not lean on a sentence
    before it ('EULAR also recommends ...', 'This study treated ...', 'Other risks are ...')."""
    failures = []
    for _, s in STATEMENTS.values():
        for label, text in (("statement", s.text), ("twin", s.plain)):
            first = re.split(r"(?<=[.!?])\s+", text or "")[0]
            if _LEANS_ON.search(first):
                failures.append(f"{s.id} ({label}): {first}")
    assert not failures, "\n".join(failures)
