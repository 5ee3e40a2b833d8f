"""The chat page under load: N browser-like sessions at once, M questions each (a script, not a timed test).

    .venv/bin/python evals/load.py [--sessions 50] [--questions 3] [--url URL] [--out evals/bench]

Without `--url` it serves the chat itself (`assistant chat` on a free loopback port, its own index in a
temporary home) and stops it afterwards. Each session is its own `gradio_client.Client` (its own Gradio session
and conversation state) and asks its questions through the page's `/ask` endpoint, the last one a follow-up
("And what are its risks?"), in clinician or patient mode, each followed by `/suggest` (the checked follow-ups,
which the page runs next). Checked for every turn: no error, an answer card, and a conversation that holds
exactly this session's own questions so far (a leak would show another's).
Writes `load.json` and `load.md` with two latencies as the client sees them (queue included): until the answer
card shows (`answer_shown_*`) and until the turn ends (`p50_s`, `p95_s`: the suggested follow-ups are checked
after the card shows); answers per second, errors, leaks, and the server's memory before and after."""

from __future__ import annotations

import argparse
import html
import json
import os
import random
import re
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.evaluate import load_gold  # noqa: E402

FOLLOW_UP = "And what are its risks?"
_TLS = ssl.create_default_context()


def write(result: dict, out: Path, name: str, title: str) -> None:
    """NAME.json and NAME.md (a table of the measures) in `out`, and the JSON on stdout."""
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
    rows = "\n".join(f"| {k} | {v} |" for k, v in result.items() if k != "error_samples")
    (out / f"{name}.md").write_text(f"# {title}\n\n| measure | value |\n|---|---|\n{rows}\n")
    print(json.dumps(result, indent=2))


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))], 2) if ordered else 0.0


def rss_mb(pid: int | None) -> float | None:
    """Resident memory of the server process and its children (MB), from /proc."""
    if pid is None:
        return None
    total = 0
    for task in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{task}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return round(total / 1024, 1)


def _children(pid: int) -> list[int]:
    try:
        kids = [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []
    return kids + [grand for kid in kids for grand in _children(kid)]


def user_messages(chat) -> list[str]:
    """The questions a returned conversation shows (user turns), as text."""
    out = []
    for message in chat or []:
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, list):
                content = " ".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)
            out.append(html.unescape(re.sub(r"<[^>]+>", "", str(content))).strip())  # the page shows it as HTML
    return out


def _cards(chat) -> int:
    """How many answer cards (or refusals, or error notes) a conversation shows."""
    return sum(1 for m in chat or [] if isinstance(m, dict) and m.get("role") == "assistant"
               and "card" in str(m.get("content")))


def run_session(url: str, number: int, questions: list[str], mode: str, auth=None) -> list[dict]:
    from gradio_client import Client

    turns = []
    # As a browser on another machine would cost the server nothing, the client here is kept light: the page's
    # exported file is not downloaded, and one TLS context (unused over http) serves every request (httpx builds
    # and loads the CA bundle for each new connection otherwise, a third of this script's CPU on these 2 cores).
    client = Client(url, verbose=False, auth=auth, download_files=False, ssl_verify=_TLS)
    asked: list[str] = []
    for question in questions:
        start = time.perf_counter()
        record = {"session": number, "mode": mode, "question": question}
        try:
            job = client.submit(question, mode, api_name="/ask")
            for update in job:  # the page's updates as they come: the card shows once the answer is computed
                if "answer_s" not in record and _cards(update[0]) > len(asked):
                    record["answer_s"] = round(time.perf_counter() - start, 3)
            job.result()
            record["answer_s"] = record.get("answer_s", round(time.perf_counter() - start, 3))
            result = client.predict(api_name="/suggest")  # what the page runs next: the follow-ups, checked
            chat = result[0] if isinstance(result, tuple) else result  # its one shown output: the conversation
            asked.append(question)
            shown = user_messages(chat)
            record["leak"] = shown != asked  # exactly this session's questions, in order
            record["answered"] = len(chat or []) >= 2 * len(asked)
        except Exception as exc:  # the bench reports every failure, it does not stop
            record["error"] = f"{type(exc).__name__}: {exc}"[:300]
        record["seconds"] = round(time.perf_counter() - start, 3)
        turns.append(record)
    return turns


def serve(home: Path, verb: str = "chat", ready: str = "") -> tuple[subprocess.Popen, str]:
    """`assistant VERB` (chat or serve) on a free loopback port with its own home; its URL once `ready` answers."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "ASSISTANT_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "assistant.cli", "-q", verb, "--port", str(port)], env=env,
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}/"
    import urllib.request

    for _ in range(600):
        if proc.poll() is not None:
            raise SystemExit(f"`assistant {verb}` did not start: {proc.stderr.read()[-2000:]}")
        try:
            urllib.request.urlopen(url + ready, timeout=1)
            return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit(f"`assistant {verb}` did not answer within 5 minutes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--questions", type=int, default=3, help="per session, the last one a follow-up")
    parser.add_argument("--url", help="a running chat page (default: start one)")
    parser.add_argument("--auth", help="USER:PASSWORD of the page")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", default=str(ROOT / "evals" / "bench"))
    args = parser.parse_args()
    rng = random.Random(args.seed)
    pool = [item.turns[0] for item in load_gold(ROOT / "evals" / "gold.yaml") if not item.out_of_scope]
    plans = [(rng.sample(pool, max(1, args.questions - 1)) + [FOLLOW_UP])[:args.questions] for _ in range(args.sessions)]
    modes = [rng.choice(["clinician", "patient"]) for _ in range(args.sessions)]
    auth = tuple(args.auth.split(":", 1)) if args.auth else None
    proc, home = None, None
    if args.url:
        url = args.url
    else:
        home = tempfile.TemporaryDirectory()
        proc, url = serve(Path(home.name))
    before = rss_mb(proc.pid if proc else None)
    start = time.perf_counter()
    try:
        with ThreadPoolExecutor(args.sessions) as pool_:
            futures = [pool_.submit(run_session, url, i, plans[i], modes[i], auth) for i in range(args.sessions)]
            turns = [t for f in futures for t in f.result()]
    finally:
        wall = time.perf_counter() - start
        after = rss_mb(proc.pid if proc else None)
        if proc:
            proc.terminate()
            proc.wait(timeout=30)
            home.cleanup()
    seconds = [t["seconds"] for t in turns if "error" not in t]
    shown = [t["answer_s"] for t in turns if "answer_s" in t]
    result = {"sessions": args.sessions, "questions_per_session": args.questions, "turns": len(turns),
              "answered": sum(bool(t.get("answered")) for t in turns), "errors": sum("error" in t for t in turns),
              "leaks": sum(bool(t.get("leak")) for t in turns), "wall_s": round(wall, 1),
              "answers_per_s": round(len(seconds) / wall, 2) if wall else 0.0,
              "answer_shown_p50_s": pct(shown, 0.5), "answer_shown_p95_s": pct(shown, 0.95),
              "p50_s": pct(seconds, 0.5), "p95_s": pct(seconds, 0.95), "max_s": max(seconds, default=0.0),
              "mean_s": round(statistics.fmean(seconds), 2) if seconds else 0.0,
              "server_rss_mb_before": before, "server_rss_mb_after": after, "cpus": os.cpu_count(),
              "error_samples": [t["error"] for t in turns if "error" in t][:5]}
    write(result, Path(args.out), "load", f"Chat under load ({args.sessions} sessions x {args.questions} questions)")
    sys.exit(1 if result["errors"] or result["leaks"] else 0)


if __name__ == "__main__":
    main()
