"""The eval harness: gold loading, metrics on hand-checked examples, a wrong answer caught, and the
real check of the default engine against evals/thresholds.yaml (what `make test` enforces)."""

import pytest

from assistant.config import ROOT, Settings
from assistant.evaluate import GoldError, GoldItem, check_thresholds, load_gold, match_facts, metrics, score_answer
from assistant.lexicon import load_lexicon
from assistant.schema import Answer, Reference, Section, Sentence
from assistant.support import SupportChecker


def test_gold_file_is_valid_and_complete():
    items = load_gold(ROOT / "evals" / "gold.yaml")
    assert len(items) >= 60
    assert sum(i.out_of_scope for i in items) >= 10
    assert sum(1 for i in items if i.patient_turns) >= 20
    assert sum(1 for i in items if len(i.turns) >= 3) >= 8


@pytest.mark.parametrize("text, problem", [
    ("- id: A\n  must_mention: [[x]]\n", "question"),
    ("- id: A\n  question: q\n- id: A\n  question: r\n", "duplicate"),
    ("- id: A\n  question: q\n  must_mention: [x]\n", "must_mention"),
    ("{a: 1}", "list"),
])
def test_bad_gold_files_are_named(tmp_path, text, problem):
    path = tmp_path / "g.yaml"
    path.write_text(text)
    with pytest.raises(GoldError, match=problem):
        load_gold(path)


def test_match_facts_any_string_of_each_group():
    matched, missed = match_facts("EFS was 79% vs 50%; TRM 3%.", [["79%"], ["treatment-related", "TRM"], ["ATG"]])
    assert matched == [["79%"], ["treatment-related", "TRM"]] and missed == [["ATG"]]


@pytest.fixture(scope="module")
def checker(store):
    return SupportChecker(store.embeddings, load_lexicon())


def _answer(sentences: list[tuple[str, int]], passage: str, refused=False, mode="clinician") -> Answer:
    ref = Reference(1, "trial-a", "Example. Fixture.", "research", 2018, True,
                    passages=[{"id": "trial-a#results", "text": passage}])
    return Answer("q", mode, refused, [Section("From the Research", [Sentence(t, [n] if n else []) for t, n in sentences])],
                  [ref] if not refused else [], "disclaimer")


PASSAGE = "In the fixture trial, event-free survival at 54 months was 79% after AHSCT and 50% after cyclophosphamide."


def test_metrics_on_a_hand_checked_example(checker):
    item = GoldItem("X", ("q",), (("79%",), ("50%",)), ("trial-a",))
    good = score_answer(item, _answer([(PASSAGE, 1)], PASSAGE), "e", 10.0, ["trial-a", "b"], checker)
    oos = GoldItem("O", ("q",), out_of_scope=True)
    refused = score_answer(oos, _answer([], "", refused=True), "e", 30.0, ["b"], checker)
    m = metrics([good, refused])
    assert m["key_fact_recall"] == 1.0 and m["full_match_rate"] == 1.0
    assert m["retrieval_recall_at_5"] == 1.0 and m["retrieval_mrr"] == 1.0
    assert m["citation_rate"] == 1.0 and m["citation_support"] == 1.0 and m["number_support"] == 1.0
    assert m["refusal_recall"] == 1.0 and m["refusal_precision"] == 1.0 and m["in_scope_answered"] == 1.0
    assert m["disclaimer_rate"] == 1.0 and m["latency_p50_ms"] == 10.0


def test_a_wrong_answer_is_caught(checker):
    item = GoldItem("X", ("q",), (("79%",), ("50%",)), ("trial-a",))
    wrong = _answer([("In the fixture trial, event-free survival at 54 months was 97% after AHSCT.", 1),
                     ("Transplantation cures scleroderma in most patients.", 0)], PASSAGE)
    row = score_answer(item, wrong, "e", 10.0, ["other"], checker)
    m = metrics([row])
    assert m["key_fact_recall"] == 0.0
    assert m["citation_rate"] == 0.5
    assert m["citation_support"] == 0.0 and m["number_support"] == 0.5
    assert m["retrieval_recall_at_5"] == 0.0
    assert row.unsupported[0]["missing_numbers"] == ["97%"]
    failures = check_thresholds({"clinician": m}, {"clinician": {"key_fact_recall": {"min": 0.85},
                                                                 "citation_support": {"min": 0.95}}})
    assert len(failures) == 2 and "key_fact_recall" in failures[0]


def test_answering_out_of_scope_is_caught(checker):
    oos = GoldItem("O", ("q",), out_of_scope=True)
    row = score_answer(oos, _answer([(PASSAGE, 1)], PASSAGE), "e", 10.0, [], checker)
    assert metrics([row])["refusal_recall"] == 0.0


def test_default_engine_meets_the_floors(tmp_path_factory):
    """The real eval on the real corpus and gold set: the check `make test` runs."""
    from assistant.evalrun import evaluate

    settings = Settings().with_overrides(home=tmp_path_factory.mktemp("eval-home"))
    out = tmp_path_factory.mktemp("report")
    failures = evaluate(settings, load_gold(ROOT / "evals" / "gold.yaml"), ["extractive"], ["clinician", "patient"],
                        out, "evals/gold.yaml")
    assert (out / "report.md").exists() and (out / "metrics.png").exists()
    assert not failures, "\n".join(failures)


def test_key_facts_match_whole_words_and_whole_figures():
    matched, missed = match_facts("Reinfused in 2025; 15% had events.", [["reinfus"], ["20"], ["5%"], ["2025"], ["15%"]])
    assert matched == [["reinfus"], ["2025"], ["15%"]] and missed == [["20"], ["5%"]]


def test_plan_measures_against_labelled_statements(checker):
    item = GoldItem("X", ("q",), (), ("trial-a",), answers=("trial-a#efs-54",))
    other = "No patient in the fixture trial was lost to follow-up before 54 months."
    answer = _answer([(PASSAGE, 1), (other, 1)], PASSAGE + " " + other)
    first, second = answer.sections[0].sentences
    first.statement, first.type = "trial-a#efs-54", "finding"
    second.statement, second.type = "trial-a#follow-up", "background"
    row = score_answer(item, answer, "e", 10.0, ["trial-a"], checker)
    assert row.first_answers is True and row.answering == 1 and row.filler == 0 and row.seed_instead is False
    first.statement, second.type = "trial-a#dmards", "unconfirmed"  # the answer opens with something else
    row = score_answer(item, answer, "e", 10.0, ["trial-a"], checker)
    assert row.first_answers is False and row.answering == 0 and row.filler == 1
    m = metrics([row])
    assert m["first_sentence_answers"] == 0.0 and m["answer_precision"] == 0.0 and m["filler_rate"] == 0.5
