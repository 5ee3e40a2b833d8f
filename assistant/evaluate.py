"""The eval harness: gold questions in, scored answers out.

Scores retrieval (recall@k, MRR), key facts, citations and their support, refusals, the disclaimer,
the patient reading grade and latency, per engine and mode. `report.py` writes it up."""

from __future__ import annotations

import re
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .render import to_markdown
from .audience import DOUBT_TITLE, UNCONFIRMED_TITLE
from .schema import ANSWER_TYPES, Answer
from .support import SupportChecker

RECALL_K = 5
UNCONFIRMED_TITLES = frozenset(UNCONFIRMED_TITLE.values()) | frozenset(DOUBT_TITLE.values())


class GoldError(ValueError):
    pass


@dataclass(frozen=True)
class GoldItem:
    id: str
    turns: tuple[str, ...]  # one question, or the turns of a conversation (judged on the last)
    must_mention: tuple[tuple[str, ...], ...] = ()
    sources: tuple[str, ...] = ()
    out_of_scope: bool = False
    patient_turns: tuple[str, ...] | None = None
    answers: tuple[str, ...] | None = None  # the corpus statements that answer it (None: not labelled)

    def questions(self, mode: str) -> tuple[str, ...]:
        return self.patient_turns if mode == "patient" and self.patient_turns else self.turns


def load_gold(path: Path) -> list[GoldItem]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise GoldError(f"{path}: cannot read the gold file ({exc})") from exc
    if not isinstance(data, list):
        raise GoldError(f"{path}: must be a YAML list of items")
    items, seen = [], set()
    for n, raw in enumerate(data, 1):
        where = f"{path}: item {n} ({raw.get('id', '?') if isinstance(raw, dict) else '?'})"
        if not isinstance(raw, dict) or not raw.get("id"):
            raise GoldError(f"{where}: needs an 'id'")
        if raw["id"] in seen:
            raise GoldError(f"{where}: duplicate id")
        seen.add(raw["id"])
        turns = raw.get("turns") or ([raw["question"]] if raw.get("question") else None)
        if not turns or not all(isinstance(t, str) and t.strip() for t in turns):
            raise GoldError(f"{where}: needs a 'question' or a list of 'turns'")
        groups = raw.get("must_mention") or []
        if not all(isinstance(g, list) and g and all(isinstance(s, str) for s in g) for g in groups):
            raise GoldError(f"{where}: 'must_mention' must be a list of non-empty lists of strings")
        patient = raw.get("patient_question")
        patient_turns = (*turns[:-1], patient) if patient else None
        items.append(GoldItem(raw["id"], tuple(turns), tuple(tuple(g) for g in groups),
                              tuple(raw.get("sources") or ()), bool(raw.get("out_of_scope", False)), patient_turns,
                              tuple(raw["answers"]) if raw.get("answers") is not None else None))
    return items


def match_facts(text: str, groups, plain=None) -> tuple[list[list[str]], list[list[str]]]:
    """Which must-mention groups the text matches (any string of a group, case-insensitive).

    With `plain` (patient mode), a string also matches in its plain-language form (TRM -> the lay words)."""
    lowered = text.lower()
    matched, missed = [], []
    for group in groups:
        forms = [s.lower() for s in group] + ([plain(s).lower() for s in group] if plain else [])
        (matched if any(_whole(f).search(lowered) for f in forms) else missed).append(list(group))
    return matched, missed


def _whole(needle: str) -> re.Pattern:
    """A fact matched from the start of a word (a stem like 'reinfus' still matches 'reinfused'), a figure as a
    whole figure: '20' does not match '2025' or '20.5', '5%' does not match '15%'."""
    tail = r"(?![\d]|[.,]\d)" if needle[-1:].isdigit() else ""
    return re.compile(rf"(?<![\w.]){re.escape(needle)}{tail}" if needle[:1].isalnum() else re.escape(needle) + tail)


def reading_grade(text: str) -> float:
    import textstat

    return float(textstat.flesch_kincaid_grade(text))


@dataclass
class Row:
    id: str
    engine: str
    mode: str
    question: str
    out_of_scope: bool
    refused: bool
    answer: str
    latency_ms: float
    retrieved: list[str] = field(default_factory=list)
    expected_sources: list[str] = field(default_factory=list)
    matched: list[list[str]] = field(default_factory=list)
    missed: list[list[str]] = field(default_factory=list)
    sentences: int = 0
    cited: int = 0
    supported: int = 0
    numbers_ok: int = 0
    unsupported: list[dict] = field(default_factory=list)
    disclaimer: bool = False
    grade: float | None = None
    first_answers: bool | None = None  # the first sentence quotes a labelled answering statement
    answering: int = 0  # sentences that quote a labelled answering statement
    filler: int = 0  # sentences of a non-answer type outside the labelled last section
    seed_instead: bool | None = None  # a seed/blog sentence where a labelled primary statement answers

    @property
    def fact_recall(self) -> float:
        total = len(self.matched) + len(self.missed)
        return len(self.matched) / total if total else 1.0


def score_answer(item: GoldItem, answer: Answer, engine: str, latency_ms: float, retrieved: list[str],
                 checker: SupportChecker) -> Row:
    body = " ".join(s.text for s in answer.sentences) or (answer.message or "")
    row = Row(item.id, engine, answer.mode, answer.question, item.out_of_scope, answer.refused,
              to_markdown(answer), latency_ms, retrieved, list(item.sources), disclaimer=bool(answer.disclaimer))
    plain = checker.lexicon.plain if answer.mode == "patient" else None
    row.matched, row.missed = match_facts(body, item.must_mention, plain)
    refs = {r.n: r for r in answer.references}
    for sentence in answer.sentences:
        row.sentences += 1
        passages = [p["text"] for n in sentence.citations if n in refs for p in refs[n].passages]
        if sentence.citations and all(n in refs for n in sentence.citations):
            row.cited += 1
        verdict = checker.check(sentence.text, passages)
        row.supported += verdict.supported
        row.numbers_ok += verdict.numbers_ok
        if not verdict.supported:
            row.unsupported.append({"sentence": sentence.text, "missing_numbers": verdict.missing_numbers,
                                    "overlap": verdict.overlap, "similarity": verdict.similarity})
    if answer.mode == "patient" and answer.sentences:
        row.grade = reading_grade(body)
    if item.answers is not None and answer.sentences:
        _plan_measures(row, item, answer)
    return row


def _plan_measures(row: Row, item: GoldItem, answer: Answer) -> None:
    """Issue 13's measures of whether an answer answers: against the statements labelled as answering it."""
    wanted = set(item.answers)
    sentences = answer.sentences
    row.first_answers = sentences[0].statement in wanted
    row.answering = sum(s.statement in wanted for s in sentences)
    row.filler = sum(s.type not in ANSWER_TYPES for sec in answer.sections if sec.title not in UNCONFIRMED_TITLES
                     for s in sec.sentences)
    kinds = {r.n: r.kind for r in answer.references}
    primary_labelled = any(not a.startswith("seed-") for a in wanted)
    row.seed_instead = primary_labelled and any(kinds.get(n) == "education" for s in sentences for n in s.citations
                                                if s.statement not in wanted)


def run_eval(engines: dict, items: list[GoldItem], modes: list[str], checker: SupportChecker,
             progress=None) -> list[Row]:
    rows = []
    for name, engine in engines.items():
        for mode in modes:
            for item in items:
                questions = item.questions(mode)
                history: list[str] = []
                for question in questions[:-1]:  # earlier turns build the conversation
                    engine.answer(question, mode=mode, history=history)
                    history.append(question)
                start = time.perf_counter()
                answer = engine.answer(questions[-1], mode=mode, history=history)
                latency = (time.perf_counter() - start) * 1000
                query = answer.standalone_question or answer.question
                hits = engine.retriever.search(query, k=20)
                retrieved = list(dict.fromkeys(h.source.id for h in hits))
                rows.append(score_answer(item, answer, name, latency, retrieved, checker))
                if progress:
                    progress(1)
    return rows


def _share(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))], 1)


def metrics(rows: list[Row]) -> dict:
    """Aggregate metrics of the rows of one engine and mode."""
    scope = [r for r in rows if not r.out_of_scope]
    oos = [r for r in rows if r.out_of_scope]
    with_sources = [r for r in scope if r.expected_sources]
    answered = [r for r in scope if not r.refused]
    ranks = []
    for r in with_sources:
        rank = next((i + 1 for i, s in enumerate(r.retrieved) if s in r.expected_sources), None)
        ranks.append(rank)
    sentences = sum(r.sentences for r in rows)
    refused = [r for r in rows if r.refused]
    grades = [r.grade for r in rows if r.grade is not None]
    latencies = [r.latency_ms for r in rows]
    labelled = [r for r in answered if r.first_answers is not None]
    return {
        "questions": len(rows),
        "retrieval_recall_at_5": _share(sum(1 for k in ranks if k and k <= RECALL_K), len(ranks)),
        "retrieval_mrr": round(statistics.fmean([1 / k if k else 0 for k in ranks]), 4) if ranks else None,
        "key_fact_recall": round(statistics.fmean(r.fact_recall for r in scope), 4) if scope else None,
        "full_match_rate": _share(sum(1 for r in scope if not r.missed), len(scope)),
        "key_fact_recall_answered": round(statistics.fmean(r.fact_recall for r in answered), 4) if answered else None,
        "citation_rate": _share(sum(r.cited for r in rows), sentences),
        "citation_support": _share(sum(r.supported for r in rows), sentences),
        "number_support": _share(sum(r.numbers_ok for r in rows), sentences),
        "refusal_recall": _share(sum(1 for r in oos if r.refused), len(oos)),
        "refusal_precision": _share(sum(1 for r in refused if r.out_of_scope), len(refused)),
        "in_scope_answered": _share(len(answered), len(scope)),
        "disclaimer_rate": _share(sum(r.disclaimer for r in rows), len(rows)),
        "first_sentence_answers": _share(sum(bool(r.first_answers) for r in labelled), len(labelled)),
        "answer_precision": _share(sum(r.answering for r in labelled), sum(r.sentences for r in labelled)),
        "filler_rate": _share(sum(r.filler for r in labelled), sum(r.sentences for r in labelled)),
        "seed_instead_of_primary": _share(sum(bool(r.seed_instead) for r in labelled), len(labelled)),
        "fk_grade_mean": round(statistics.fmean(grades), 2) if grades else None,
        "fk_grade_max": round(max(grades), 2) if grades else None,
        "latency_p50_ms": _percentile(latencies, 0.5),
        "latency_p95_ms": _percentile(latencies, 0.95),
    }


def check_thresholds(results: dict, thresholds: dict) -> list[str]:
    """The metrics below their floor (or above their ceiling), named; empty when all pass."""
    failures = []
    for mode, limits in thresholds.items():
        got = results.get(mode)
        if got is None:
            continue
        for metric, limit in limits.items():
            value = got.get(metric)
            if value is None:
                failures.append(f"{mode}.{metric}: not measured")
            elif "min" in limit and value < limit["min"]:
                failures.append(f"{mode}.{metric} = {value} is below its floor {limit['min']}")
            elif "max" in limit and value > limit["max"]:
                failures.append(f"{mode}.{metric} = {value} is above its ceiling {limit['max']}")
    return failures
