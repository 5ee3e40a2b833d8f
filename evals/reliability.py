"""The reliability review (../shared/reviews/reliability-2026-11.md), all 85 of its cases, re-run against this
checkout: its 24 failures, kept fixed, and its 61 passes, kept passing. Writes evals/report/reliability.md;
exits 1 if any case fails.

    .venv/bin/python evals/reliability.py [--only f02,p3] [--repro DIR] [--out FILE]

- 23 failures through the review's own reproduction scripts (evals/reliability/f*.sh, copied unchanged from
  ../shared/reviews/repro/; or --repro DIR), each judged by what the fixed behaviour prints.
- The 61 passes, and W11 (a failure the review gave no script), through evals/reliability/p*.sh: one script per
  section of the review (p1 questions, p2 ingestion, p3 crash safety, p4 Chroma server, p5 chat page, p6
  feedback), written from its tables ("what I did"), with the load and size cases scaled down (each script says
  how). Each prints one evidence line per review case, starting with its id (`Q5 rc=2 tracebacks=0 ...`), and
  each review case has its own check (`Case.checks`): a failing run names the review cases that failed.

Which script covers which case: CASES below (`Case.covers`). Each script works on fresh indexes of its own
(copies for the cases that damage one). The f*.sh scripts run one after the other (about 5 minutes on 2 cores),
then the p*.sh ones all at once (about 4 minutes). `make test` runs the same cases (tests/test_reliability.py);
`make reliability` writes the report."""

from __future__ import annotations

import argparse
import os
import re
import signal
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
    checks: dict[str, Callable[[str], bool]] | None = None  # review case id -> check of its evidence line
    covers: str = ""  # the review's case ids, for the report


def evidence(out: str) -> dict[str, str]:
    """The evidence lines of a p*.sh script: review case id (Q5, I15, C4, S2, W7, B1 ...) -> the rest of its line."""
    found = {}
    for line in out.splitlines():
        head, _, rest = line.strip().partition(" ")
        if re.fullmatch(r"[QICSWB]\d+", head) and head not in found:
            found[head] = rest
    return found


def failing(case: Case, out: str) -> list[str]:
    """The review cases of `case` whose evidence line is missing or fails its check ([] for an f*.sh script)."""
    lines, bad = evidence(out), []
    for cid, check in (case.checks or {}).items():
        try:
            ok = cid in lines and bool(check(lines[cid]))
        except (ValueError, KeyError, IndexError, TypeError, AttributeError):  # a line that does not parse fails
            ok = False
        if not ok:
            bad.append(cid)
    return bad


def group(script: str, expect: str, checks: dict[str, Callable[[str], bool]]) -> Case:
    case = Case(script, expect, lambda out: False, checks, " ".join(checks))
    case.passes = lambda out: not failing(case, out)
    return case


def kv(line: str) -> dict[str, str]:
    """key=value fields of an evidence line (the first of a repeated key)."""
    found: dict[str, str] = {}
    for key, value in re.findall(r"([\w.\-/]+)=([^\s,|\]]*)", line):
        found.setdefault(key, value)
    return found


def has(line: str, **want) -> bool:
    """Every key has this value (compared as text)."""
    got = kv(line)
    return all(got.get(k) == str(v) for k, v in want.items())


def num(line: str, key: str) -> int:
    return int(kv(line)[key])


def variants(line: str) -> dict[str, dict[str, str]]:
    """`name:k=v,k=v name2:k=v` fields -> {name: {k: v}}."""
    return {name: dict(re.findall(r"([\w\-]+)=([^,\s]*)", rest))
            for name, rest in re.findall(r"(\S+?):(\S+=\S*)", line)}


def state(line: str, label: str) -> tuple[int, int, int]:
    """(passages, registry, pending) printed after `label` by p3_crash.sh (chroma_rows.py state)."""
    m = re.search(re.escape(label) + r"\s*passages=(\d+) registry=(\d+) pending=(\d+)", line)
    return int(m.group(1)), int(m.group(2)), int(m.group(3))


def cited_or_refused(line: str, n: int) -> bool:
    """n lines out, no error record, each one a refusal or an answer whose every sentence is cited."""
    return has(line, lines=n, errors=0) and num(line, "answered_cited") + num(line, "refused") == n


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


# The review's passes (61 cases) and W11, one script per section; each check reads that case's evidence line.
_Q_ERR = {"rc": "2", "tracebacks": "0", "empty_msg": "1"}
P_CASES = [
    group("p1_questions.sh", "bad questions: rc 2 and one message for empty or too long ones; odd, marked-up, "
          "injected and foreign questions answered with citations or refused; batches go on past a bad line", {
        "Q1": lambda l: has(l, **_Q_ERR), "Q2": lambda l: has(l, **_Q_ERR), "Q3": lambda l: has(l, **_Q_ERR),
        "Q4": lambda l: has(l, len="2000/2000", rc_a=0, rc_b=0, tracebacks=0) and cited_or_refused(l.split("b:")[1], 1),
        "Q5": lambda l: has(l, rc_a=2, rc_b=2, limit_msgs=2, tracebacks=0),
        "Q6": lambda l: has(l, rc=0, tracebacks=0, nul_line_called_empty=0) and cited_or_refused(l, 2)
        and num(l, "answered_cited") >= 1,
        "Q7": lambda l: has(l, rc=0, tracebacks=0) and cited_or_refused(l, 1),
        "Q9": lambda l: has(l, rc=0, tracebacks=0, lines=3, errors=1, answered_cited=2, err_line=2, err_says_length=1)
        and num(l, "err_question_len") <= 201,
        "Q10": lambda l: has(l, rc=0, tracebacks=0, questions=60) and cited_or_refused(l, 60)
        and num(l, "answered_cited") > 0,
        "Q11": lambda l: has(l, rc=0, tracebacks=0, markup_in_answer=0) and cited_or_refused(l, 1),
        "Q12": lambda l: has(l, rc=0, tracebacks=0, lines=3, refused=3, instruction_refusals=3),
        "Q13": lambda l: has(l, rc=0, tracebacks=0, obeyed=0) and cited_or_refused(l, 10),
        "Q14": lambda l: has(l, rc=0, tracebacks=0) and cited_or_refused(l, 4),
        "Q19": lambda l: len(variants(l)) == 7 and all(v["rc"] in ("1", "2") and v["tb"] == "0" and v["error_line"] == "1"
                                                       for v in variants(l).values()),
    }),
    group("p2_ingest.sh", "ingestion: bad files fail alone with their reason, good ones are added (scripts dropped, "
          "injections flagged, cp1252 decoded), concurrent and repeated ingests keep everything, index keeps them", {
        "I1": lambda l: has(l, rc=1, tracebacks=0) and l.count("=failed[the file has no text]") == 2,
        "I2": lambda l: has(l, tracebacks=0) and "random.pdf=failed[unreadable PDF" in l,
        "I3": lambda l: has(l, tracebacks=0) and l.count("=failed[looks like a binary file") == 2,
        "I4": lambda l: has(l, tracebacks=0) and "blank.pdf=failed[the file has no text" in l,
        "I5": lambda l: has(l, tracebacks=0) and "truncated.pdf=failed[unreadable PDF" in l,
        "I6": lambda l: has(l, tracebacks=0) and "corrupt.pdf=failed[unreadable PDF" in l,
        "I7": lambda l: has(l, tracebacks=0) and "encrypted.pdf=failed[the PDF is encrypted" in l,
        "I8": lambda l: has(l, rc=0, tracebacks=0) and "encrypted_emptyuser.pdf=added[zorblax-cohort-report]" in l,
        "I9": lambda l: "scripts.html=added[" in l and has(l, rc=0, kept=2, entity_text=1, script_or_style_left=0),
        "I10": lambda l: "injection.md=added[" in l and "instructions" in kv(l)["flags"],
        "I12": lambda l: "latin1.md=added[" in l and has(l, warning=1, text_ok=1),
        "I13": lambda l: re.search(r"folder: rc=[01] .*tracebacks=0 .*file: rc=1 tracebacks=0 .*no such file", l),
        "I14": lambda l: has(l, rc=0, tracebacks=0, added=30, listed=30, thud17_question_cites_first="thud17",
                             asks_tracebacks=0),
        "I16": lambda l: has(l, rc=0, status="added", listed=1) and re.fullmatch(r"[a-z0-9._-]+", kv(l)["id"]),
        "I17": lambda l: has(l, tracebacks=0, outside_home=0) and "traversal.md=failed[id: '../../etc/passwd' must be"
        in l and "dotdot.md=failed[" in l and "longid.md=failed[" in l,
        "I20": lambda l: has(l, rc=1, tracebacks=0, error_lines=1, says_no_source=1),
        "I21": lambda l: has(l, tracebacks=0) and "first: dup1.md=added[dup-id]" in l
        and "second: dup1.md=unchanged[dup-id]" in l,
        "I22": lambda l: has(l, rc="0/0", tracebacks=0, first_cited="meda/medb")
        and kv(l)["written"] == kv(l)["listed"] and re.fullmatch(r"([1-9]\d*)/\1", kv(l)["listed"]),
        "I24": lambda l: has(l, rc=1, tracebacks=0, files=15, one_line_each=15) and num(l, "failed") >= 1
        and num(l, "added") + num(l, "failed") == 15,
        "I29": lambda l: re.search(r"ingested=(\d+) index: rc=0 kept=\1 rebuild_copy: rc=0 kept=0 corpus_sources=(\d+)/\2"
                                   r" tracebacks=0", l) and num(l, "ingested") > 0,
    }),
    group("p3_crash.sh", "crash safety: a killed ingest or rebuild leaves the old state, the next reader sweeps, "
          "a re-run completes; damaged BM25 files, HNSW folders and chroma.sqlite3 are rebuilt; memory stays bounded", {
        "C1": lambda l: "killed=1" in l and state(l, "after the kill:")[2] == 1
        and state(l, "after sources:") == state(l, "base:") and has(l, listed=0)
        and re.search(r"re-run rc=0 added written=\(47 passages\)", l)
        and state(l, "now:")[0] == state(l, "base:")[0] + 47 and has(l, tracebacks=0),
        "C2": lambda l: "killed=1" in l and state(l, "after the kill:")[0] >= state(l, "base:")[0] + 256
        and state(l, "after it:") == state(l, "base:") and has(l, listed=0, tracebacks=0),
        "C3": lambda l: "killed=1" in l and state(l, "after the kill:")[2] == 1
        and re.search(r"ask rc=0 cited=1 ", l) and state(l, "after sources:") == state(l, "before:")
        and has(l, listed_passages=47, first_source="small", says_99=0, tracebacks=0),
        "C4": lambda l: state(l, "after SIGTERM:")[2] == 1 and state(l, "after it:") == state(l, "base:")
        and has(l, listed=0, cited=1, tracebacks=0) and re.search(r"sources rc=0.*ask rc=0", l),
        "C5": lambda l: "killed=1" in l and state(l, "left:")[0] < state(l, "base:")[0]
        and re.search(r"ask rc=0 answer_or_refusal=1 \| index rc=0", l)
        and state(l, "now:") == state(l, "base:") and has(l, tracebacks=0),
        "C6": lambda l: has(l, rc=0, cited=1, rebuilt=1, tracebacks=0),
        "C7": lambda l: len(variants(l)) == 4 and all(v["rc"] == "0" and v["cited"] == "1" and int(v["warned"]) >= 1
                                                      and v["tb"] == "0" for v in variants(l).values()),
        "C11": lambda l: has(l, tracebacks=0) and (has(l, rc=0, cited=1) or (has(l, rc=1) and "Error" in l)),
        "C12": lambda l: has(l, rc=0, cited=1, tracebacks=0),
        "C14": lambda l: len(variants(l)) == 2 and all(int(v["segments"]) > 0 and v["rc"] == "0" and v["cited"] == "1"
                                                       and v["tb"] == "0" for v in variants(l).values()),
        "C15": lambda l: has(l, rcs="0000", cited="1111", tracebacks=0),
        "I15": lambda l: "killed=1" in l and re.search(r"ingest rc=(124|143) ", l) and 0 < num(l, "max_rss_mb") < 900
        and has(l, tracebacks=0),
    }),
    group("p4_server.sh", "Chroma server: index, ask and ingest through it; one-line errors while it is down or "
          "unreachable; everything back after a restart", {
        "S1": lambda l: re.search(r"index rc=0: \d+ added.* ask rc=0 cited=1 ", l)
        and has(l, flags="instructions", tracebacks=0)
        and re.search(r"ingest rc=0 added", l),
        "S2": lambda l: len(variants(l)) == 3 and all(v == {"rc": "1", "tb": "0", "error_lines": "1",
                                                            "says_cannot_open": "1"} for v in variants(l).values()),
        "S4": lambda l: has(l, cited=1, ingested_still_there=1, tracebacks=0) and re.search(r"ask rc=0.*sources rc=0", l),
        "S5": lambda l: re.search(r"up:answered\(tb=0\) down:error\(tb=0\),error\(tb=0\) "
                                  r"restarted:answered\(tb=0\),answered\(tb=0\) page_tracebacks=0", l),
        "S6": lambda l: re.search(r"port-1: rc=1 tracebacks=0 error_lines=1/1 \| not-a-url: rc=1 tracebacks=0 "
                                  r"error_lines=1/1", l),
    }),
    group("p5_chat.sh", "chat page: concurrent sessions (with and without a login) answered, no error, no leak; "
          "no route without the login; markup shown as text; bad questions get plain messages; nothing off-host", {
        "W1": lambda l: has(l, turns=10, answered=10, errors=0, leaks=0),
        "W2": lambda l: has(l, turns=10, answered=10, errors=0, leaks=0, log_tracebacks=0)
        and _grew_mb(kv(l)["rss_mb"]) < 200,
        "W3": lambda l: has(l, turns=6, answered=6, errors=0, leaks=0),
        "W4": lambda l: has(l, config=401, info=401, call=401, join=401, data=401, upload=401, root=200,
                            root_login_shell=1) and kv(l)["login_wrong_password"] in ("400", "401")
        and "connected" not in (kv(l)["client_no_login"], kv(l)["client_wrong_password"]),
        "W5": lambda l: has(l, turns=26, leaks=0),
        "W6": lambda l: has(l, question_escaped=1, raw_markup_in_cards=0, sources_entity_escaped=1, sources_raw_markup=0),
        "W7": lambda l: [(k, v.get("what")) for k, v in _w7(l).items()] == [
            ("empty", "no_turn"), ("blank", "no_turn"), ("2001", "too_long"), ("200k", "too_long"),
            ("nul", "answered"), ("injection", "declined")] and all(int(v["user_chars"]) < 300 for v in _w7(l).values()),
        "W10": lambda l: has(l, external_in_page=0, external_in_config=0),
        "W11": lambda l: num(l, "exported_answers_while_running") > 0
        and has(l, export_folders_left_after_stop=0, files_left=0),
    }),
    group("p6_feedback.sh", "feedback export: empty output (CSV: the header) and rc 0 for a missing or empty store; "
          "concurrent ratings all kept, no lock error, exports valid meanwhile", {
        "B1": lambda l: len(variants(l)) == 8 and all(
            v["rc"] == "0" and v["tb"] == "0" and v["says_0"] == "1"
            and (v["lines"], v["header"]) == (("1", "1") if name.endswith("csv") else ("0", "0"))
            for name, v in variants(l).items()) and has(l, created_for_missing_home=0),
        "B4": lambda l: has(l, rows="200/200", comments=200, down=200, errors=0, tracebacks=0) and len(variants(l)) == 3
        and all(v["rc"] == "0" and v["valid"] == "1" and v["tb"] == "0" for v in variants(l).values()),
    }),
]
CASES += P_CASES


def _grew_mb(before_after: str) -> float:
    before, after = (float(x) for x in before_after.split("->"))
    return after - before


def _w7(line: str) -> dict[str, dict[str, str]]:
    """W7's `name:what,user_chars=N` fields."""
    return {name: {"what": what, "user_chars": chars}
            for name, what, chars in re.findall(r"(\S+?):(\w+),user_chars=(\d+)", line)}


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
    return finish(start(case, repro), timeout)


@dataclass
class Running:
    case: Case
    proc: subprocess.Popen
    work: tempfile.TemporaryDirectory
    started: float


def start(case: Case, repro: Path = REPRO) -> Running:
    """Start one script (in its own scratch folder and process group, its output in files there); `finish` it."""
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "A": str(bin_dir / "assistant"), "PY": sys.executable}
    work = tempfile.TemporaryDirectory()
    script = repro / case.script if (repro / case.script).exists() else REPRO / case.script  # p*.sh: ours
    with open(Path(work.name) / ".stdout", "w") as out, open(Path(work.name) / ".stderr", "w") as err:
        proc = subprocess.Popen(["bash", str(script)], cwd=work.name, env=env, stdout=out, stderr=err,
                                start_new_session=True)
    return Running(case, proc, work, time.perf_counter())


def finish(running: Running, timeout: int = 900) -> tuple[bool, str, float]:
    """Wait for a started script (at most `timeout` s from its start, then stop its process group) and judge it."""
    left = max(1.0, timeout - (time.perf_counter() - running.started))
    try:
        running.proc.wait(timeout=left)
        timed_out = False
    except subprocess.TimeoutExpired:
        stop(running)
        timed_out = True
    folder = Path(running.work.name)
    out = (folder / ".stdout").read_text(errors="replace") + (folder / ".stderr").read_text(errors="replace")
    running.work.cleanup()
    seconds = time.perf_counter() - running.started
    if timed_out:
        return False, f"timed out after {timeout} s\n{out}", seconds
    return running.case.passes(out), out, seconds


def start_together(cases: list[Case], repro: Path = REPRO) -> dict[str, Running]:
    """Start the p*.sh scripts all at once: on 2 cores they take about 4 minutes together instead of 6 one after
    the other (each spends much of its time starting Python and loading the models). Their checks do not depend on
    timing: the kills wait for rows in the index, the servers for their port to answer."""
    return {c.script: start(c, repro) for c in cases}


def stop(running: Running) -> None:
    """Stop a started script and what it started (its own process group) if it is still running."""
    if running.proc.poll() is None:
        try:
            os.killpg(running.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        running.proc.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repro", type=Path, default=REPRO)
    parser.add_argument("--only", help="comma-separated script prefixes, e.g. f02,f15,p3")
    parser.add_argument("--out", type=Path, default=ROOT / "evals" / "report" / "reliability.md")
    args = parser.parse_args()
    wanted = [c for c in CASES if not args.only or c.script.split("_")[0] in args.only.split(",")]
    rows, failed = [], 0
    together: dict[str, Running] = {}  # the p*.sh scripts run at once, after the f*.sh ones (see start_together)
    for case in wanted:
        if case.checks and not together:
            together = start_together([c for c in wanted if c.checks], args.repro)
        ok, out, seconds = finish(together[case.script]) if case.checks else run(case, args.repro)
        failed += not ok
        bad = failing(case, out)
        shown = " / ".join(line.strip() for line in out.splitlines() if line.strip() and "Warning" not in line
                           and "pkg_resources" not in line)[-300:]
        verdict = "pass" if ok else f"FAIL ({', '.join(bad)})" if bad else "FAIL"
        print(f"{verdict.split(' ')[0].upper()} {case.script} ({seconds:.0f} s): {case.expect}"
              + (f"; failing review cases: {', '.join(bad)}" if bad else ""), flush=True)
        if case.checks:  # one evidence line per review case: the report shows them all
            evidence_of = evidence(out)
            shown = " / ".join(f"{cid} {evidence_of.get(cid, '(missing)')[:160]}" for cid in case.checks)[:1500]
        rows.append(f"| {case.script}{f' ({case.covers})' if case.covers else ''} | {case.expect} | "
                    f"{'pass' if ok else '**' + verdict + '**'} | {shown.replace('|', '/')} |")
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
