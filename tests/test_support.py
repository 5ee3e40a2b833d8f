"""The support checker agrees with hand labels, so the citation-support metric can be trusted."""

from pathlib import Path

import pytest
import yaml

from assistant.lexicon import load_lexicon
from assistant.support import SupportChecker

PAIRS = yaml.safe_load((Path(__file__).parent.parent / "evals" / "support_pairs.yaml").read_text())


@pytest.fixture(scope="module")
def checker(store):
    return SupportChecker(store.embeddings, load_lexicon())


@pytest.mark.parametrize("pair", PAIRS, ids=[f"{i}-{p['supported']}" for i, p in enumerate(PAIRS)])
def test_labelled_pair(checker, pair):
    verdict = checker.check(pair["sentence"], [pair["passage"]])
    assert verdict.supported is pair["supported"], verdict


def test_invented_number_is_named(checker):
    verdict = checker.check("Survival was 97% at 5 years.", ["Survival was 92.7% at 5 years."])
    assert not verdict.supported and verdict.missing_numbers == ["97%"]


def test_no_passage_no_support(checker):
    assert not checker.check("Anything at all.", []).supported


def test_a_negation_about_something_else_is_not_a_contradiction(checker):
    passage = ("In the Auth case series, no events were recorded during a median follow-up of 487 days, "
               "and the primary endpoint was met.")
    verdict = checker.check("The primary endpoint of the Auth case series was met.", [passage])
    assert verdict.supported and verdict.polarity_ok, verdict
    denied = checker.check("In the Auth case series, events were recorded during follow-up.", [passage])
    assert not denied.supported and not denied.polarity_ok, denied


@pytest.mark.parametrize("sentence, passage", [
    ("In the SCOT trial, transplantation did not improve event-free survival.",
     "In the SCOT trial, transplantation improved event-free survival."),
    ("In the SCOT trial, transplantation improved event-free survival.",
     "In the SCOT trial, transplantation did not improve event-free survival."),
])
def test_a_real_contradiction_is_still_rejected(checker, sentence, passage):
    verdict = checker.check(sentence, [passage])
    assert not verdict.supported and not verdict.polarity_ok, verdict


def test_a_denial_is_settled_by_a_passage_sentence_almost_as_close(checker):
    """The rule itself, on given similarities: a neighbour within 0.05 that denies the same thing settles a
    denial; a farther one does not, and an affirmation is never settled by a neighbour."""
    import numpy as np

    reported = "The Cui 2022 meta-analysis reported on lung function and adverse events after MSC therapy."
    none = "The Cui 2022 meta-analysis found no severe adverse events after MSC therapy."
    denial = "The Cui 2022 meta-analysis reported on adverse events after MSC therapy; no severe adverse events were found."
    assert checker._polarity_ok(denial, [reported, none], np.array([0.87, 0.84]))
    assert not checker._polarity_ok(denial, [reported, none], np.array([0.87, 0.70]))
    improved = "Transplantation improved event-free survival in the SCOT trial."
    said = ["Transplantation did not improve event-free survival in the SCOT trial.",
            "Transplantation was compared with cyclophosphamide in the SCOT trial."]
    assert not checker._polarity_ok(improved, said, np.array([0.90, 0.89]))


def test_a_figure_denied_contradicts_and_a_lay_rewording_does_not(checker):
    passage = ("In the ASTIS trial, the event-free survival (EFS) hazard ratio (HR) was 0.52 at 1 year "
               "(95% confidence interval 0.28-0.96).")
    assert not checker.check("In the ASTIS trial, the event-free survival hazard ratio was not 0.52.", [passage]).supported
    plain = "In the ASTIS trial, the survival without serious events hazard ratio was 0.52 at 1 year."
    assert checker.check(plain, [passage]).supported  # the patient wording of 'event-free survival'
