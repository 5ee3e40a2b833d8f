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
