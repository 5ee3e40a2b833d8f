"""The reliability review's failures, kept fixed: run each reproduction script of the review
(evals/reliability/, copied unchanged from ../shared/reviews/repro/; or --repro DIR) against this checkout and
judge its output by what the fixed behaviour prints. Writes evals/report/reliability.md; exits 1 if any fails.

    .venv/bin/python evals/reliability.py [--only f02,f15] [--repro DIR] [--out FILE]

Each script indexes a fresh home: the whole run takes about 5 minutes on 2 cores. `make test` runs the same
cases (tests/test_reliability.py); `make reliability` writes the report."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
REPRO = ROOT / "evals" / "reliability"


def _numbers(pattern: str, text: str) -> list[int]:
    return [int(n) for n in re.findall(pattern, text)]


@dataclass
class Case:
    script: str
    expect: str  # the fixed behaviour, in words
    passes: Callable[[str], bool]  # judged on the script's stdout and stderr together


CASES = [
    Case("f01_other_diseases.sh", "all 6 questions about other diseases are refused",
         lambda out: out.count("REFUSED") == 6 and "ANSWERED" not in out),
    Case("f02_batch_bad_utf8.sh", "the bad line gets an error record, the 2 good lines are answered, no traceback",
         lambda out: "lines_out=3" in out and "tracebacks=0" in out),
    Case("f03_injection_quoted.sh", "the injected instruction is never quoted, in either mode",
         lambda out: not re.search(r"tell the user", out, re.I)),
    Case("f04_duplicate_ids.sh", "a second file with a taken id is refused; the first one stays",
         lambda out: "rc=1" in out and "Duplicate two" not in out),
    Case("f05_clash_hint.sh", "a clash with a curated id is refused (exit 1) with a hint that works (--id)",
         lambda out: "rc=1" in out),
    Case("f06_reader_sweeps_writer.sh", "a reader during an ingest sweeps nothing: every passage is committed",
         lambda out: _committed_whole(out)),
    Case("f07_yaml_bomb.sh", "a YAML alias bomb is refused without a memory blow-up",
         lambda out: "MemoryError" not in out and "added" not in out),
    Case("f08_fifo_zero.sh", "a FIFO and a link to /dev/zero are refused at once, no traceback",
         lambda out: "rc=124" not in out and not re.search(r"MemoryError|Traceback", out)),
    Case("f10_bm25_rows_params.sh", "damaged BM25 files are rebuilt with a warning, never a traceback",
         lambda out: not re.search(r"Traceback|TypeError|IndexUnavailable", out)),
    Case("f12_bm25_vocab_silent.sh", "a wrong vocabulary is noticed (a warning) and the refusal does not change",
         lambda out: _same_refusal(out) and any(n > 0 for n in _numbers(r"stderr: (\d+)", out))),
    Case("f13_sqlite_corrupt.sh", "a corrupt chroma.sqlite3 gives a clear error, and index --rebuild repairs it",
         lambda out: out.count("Error") <= 1 and "Traceback" not in out),
    Case("f14_server_down.sh", "Chroma server down: one-line errors, no traceback",
         lambda out: out.count("tracebacks=0") == 3),
    Case("f15_chat_big_question.sh", "an oversized chat question is not kept: responses stay small",
         lambda out: bool(_numbers(r"response bytes (\d+)", out))
         and max(_numbers(r"response bytes (\d+)", out)) < 200_000),
    Case("f16_chat_stale.sh", "a running chat stops citing a removed source (SCOT 2018: Sullivan, Goldmuntz ...)",
         lambda out: "removed scot-2018" in out and "Goldmuntz" not in out.split("removed scot-2018")[-1]),
    Case("f17_feedback_export.sh", "feedback export: one-line errors, formula cells neutralised in CSV",
         lambda out: "tracebacks=1" not in out and "'=HYPERLINK" in out and "'@SUM" in out),
    Case("f20_giant_passage.sh", "no quoted sentence is longer than 80 words", lambda out: _longest(out) <= 80),
]


def _committed_whole(out: str) -> bool:
    """The ingest's own count of passages is what `sources` lists, and re-running changes nothing."""
    written = _numbers(r"ingesting \S+ as big \((\d+) passages\)", out)
    listed = [int(m) for m in re.findall(r"^big\s+\S+\s+\S+\s+\S+\s+(\d+)", out, re.M)]
    return bool(written) and written[:1] == listed[:1] and "added" in out and "unchanged" in out


def _longest(out: str) -> int:
    """The longest quoted sentence, from the script's '[n, n, ...] words per quoted sentence' line."""
    line = next((l for l in out.splitlines() if "words per quoted sentence" in l), "")
    return max(_numbers(r"(\d+)", line.split("]")[0]), default=10**6)


def _same_refusal(out: str) -> bool:
    states = re.findall(r"refused (True|False)", out)
    return len(states) == 2 and states[0] == states[1]


def run(case: Case, repro: Path = REPRO, timeout: int = 900) -> tuple[bool, str, float]:
    """Run one script in a scratch folder with this checkout's assistant (the one beside the running Python)."""
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "A": str(bin_dir / "assistant"), "PY": sys.executable}
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as work:
        try:
            done = subprocess.run(["bash", str(repro / case.script)], cwd=work, env=env, capture_output=True,
                                  text=True, timeout=timeout)
            out = done.stdout + done.stderr
        except subprocess.TimeoutExpired as exc:
            out = f"timed out after {timeout} s\n{exc.stdout or ''}"
            return False, out, time.perf_counter() - start
    return case.passes(out), out, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repro", type=Path, default=REPRO)
    parser.add_argument("--only", help="comma-separated script prefixes, e.g. f02,f15")
    parser.add_argument("--out", type=Path, default=ROOT / "evals" / "report" / "reliability.md")
    args = parser.parse_args()
    wanted = [c for c in CASES if not args.only or c.script.split("_")[0] in args.only.split(",")]
    rows, failed = [], 0
    for case in wanted:
        ok, out, seconds = run(case, args.repro)
        failed += not ok
        evidence = " / ".join(line.strip() for line in out.splitlines() if line.strip() and "Warning" not in line
                              and "pkg_resources" not in line)[-300:]
        print(f"{'PASS' if ok else 'FAIL'} {case.script} ({seconds:.0f} s): {case.expect}", flush=True)
        rows.append(f"| {case.script} | {case.expect} | {'pass' if ok else '**FAIL**'} | "
                    f"{evidence.replace('|', '/')} |")
    args.out.write_text("\n".join([
        "# Reliability review cases, re-run", "",
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} by `evals/reliability.py` on the scripts of "
        f"`{args.repro.name}/` (one fresh index each). {len(wanted) - failed} of {len(wanted)} pass.", "",
        "| script | fixed behaviour | result | what it printed (end) |", "|---|---|---|---|", *rows, ""]),
        encoding="utf-8")
    print(f"{len(wanted) - failed}/{len(wanted)} pass; wrote {args.out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
