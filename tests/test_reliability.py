"""The reliability review's cases, re-run as the review ran them: each reproduction script (evals/reliability/,
copied from the review) against this checkout, on a fresh index, judged by what the fixed behaviour prints
(evals/reliability.py). About 5 minutes in all."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "evals"))
from reliability import CASES, run  # noqa: E402


@pytest.mark.parametrize("case", CASES, ids=[c.script.split("_")[0] for c in CASES])
def test_reliability_case_stays_fixed(case):
    ok, out, _ = run(case)
    assert ok, f"{case.script}: expected {case.expect}; it printed:\n{out[-3000:]}"
