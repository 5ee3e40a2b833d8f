"""The reliability review (../shared/reviews/reliability-2026-11.md), all 85 of its cases, re-run as the review
ran them, against this checkout (evals/reliability.py judges them):
- 23 of its 24 failures through its own reproduction scripts (evals/reliability/f*.sh, copied from the review),
  kept fixed;
- its 61 passes, and W11 (the failure it gave no script), through evals/reliability/p*.sh (one script per section
  of the review, scaled down where the review ran a load), kept passing; a failing p*.sh test names the review
  cases that failed (Q5, I15, C4 ...).
Each script works on fresh indexes of its own. The f*.sh scripts run one after the other, the p*.sh ones (and f06,
the slowest) all at once (they start together when the first of them is tested). The whole `make test` took 14 min 16 s on a fresh clone (2026-12-01)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "evals"))
from reliability import CASES, failing, finish, run, start_together, stop  # noqa: E402


@pytest.fixture(scope="module")
def together(request):
    """The p*.sh scripts selected in this run, started at once when the first of them is tested; stopped at the end."""
    running: dict = {}
    wanted = [item.callspec.params["case"] for item in request.session.items
              if item.module is request.module and hasattr(item, "callspec") and _together(item.callspec.params["case"])]

    def started() -> dict:
        if not running:
            running.update(start_together(wanted))
        return running

    yield started
    for r in running.values():
        stop(r)
        r.work.cleanup()


# started with the p*.sh scripts: the slowest reproduction script (an ingest of 1,280 passages), whose check does not
# depend on timing (a reader during the ingest must sweep nothing; after it, nothing is left to sweep)
WITH_THEM = {"f06_reader_sweeps_writer.sh"}


def _together(case) -> bool:
    return bool(case.checks) or case.script in WITH_THEM


ORDERED = [c for c in CASES if c.script not in WITH_THEM] + [c for c in CASES if c.script in WITH_THEM]  # after p*


@pytest.mark.parametrize("case", ORDERED, ids=[c.script.split("_")[0] for c in ORDERED])
def test_reliability_review_case(case, together):
    ok, out, _ = finish(together()[case.script]) if _together(case) else run(case)
    bad = failing(case, out)
    assert ok, (f"{case.script}: " + (f"review cases {', '.join(bad)} failed; " if bad else "")
                + f"expected {case.expect}; it printed:\n{out[-3000:]}")
