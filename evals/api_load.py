"""The HTTP API under load: N clients posting questions to /v1/answer for S seconds, then one client's warm
latency (a script, not a timed test).

    .venv/bin/python evals/api_load.py [--clients 50] [--seconds 60] [--url URL] [--out evals/bench]

Without `--url` it serves the API itself (`assistant serve` on a free loopback port, its own index in a temporary
home). Each client asks gold questions (either mode) one after another; every reply must be HTTP 200 with an answer
object for that question. Then a single client asks every gold question once more, one at a time: the warm latency
over loopback. Writes `api_load.json` and `api_load.md`."""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "evals"))
sys.path.insert(0, str(ROOT))

from assistant.evaluate import load_gold  # noqa: E402
from load import pct, rss_mb, serve, write  # noqa: E402


def ask(url: str, question: str, mode: str) -> float:
    """Seconds for one /v1/answer call; raises on anything but a 200 with this question's answer object."""
    body = json.dumps({"question": question, "mode": mode}).encode()
    request = urllib.request.Request(url + "v1/answer", body, {"Content-Type": "application/json"})
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        data = json.load(response)
    if data.get("question") != question or "sections" not in data:
        raise ValueError("reply is not this question's answer object")
    return time.perf_counter() - start


def client(url: str, questions: list[str], until: float, seed: int, out: dict, lock: threading.Lock) -> None:
    rng = random.Random(seed)
    while time.monotonic() < until:
        question, mode = rng.choice(questions), rng.choice(["clinician", "patient"])
        try:
            seconds = ask(url, question, mode)
            with lock:
                out["seconds"].append(seconds)
        except Exception as exc:  # every failure is counted, none stops the bench
            with lock:
                out["errors"].append(f"{type(exc).__name__}: {exc}"[:200])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--url", help="a running API (default: start one)")
    parser.add_argument("--out", default=str(ROOT / "evals" / "bench"))
    args = parser.parse_args()
    questions = [item.turns[-1] for item in load_gold(ROOT / "evals" / "gold.yaml") if len(item.turns) == 1]
    proc, home = None, None
    if args.url:
        url = args.url.rstrip("/") + "/"
    else:
        home = tempfile.TemporaryDirectory()
        proc, url = serve(Path(home.name), "serve", "healthz")
    for question in questions:  # warm-up: every question once, so the load measures warm answers
        ask(url, question, "clinician")
    before = rss_mb(proc.pid if proc else None)
    out, lock = {"seconds": [], "errors": []}, threading.Lock()
    start = time.perf_counter()
    until = time.monotonic() + args.seconds
    try:
        with ThreadPoolExecutor(args.clients) as pool:
            for n in range(args.clients):
                pool.submit(client, url, questions, until, n, out, lock)
        wall = time.perf_counter() - start
        single = [ask(url, q, mode) * 1000 for mode in ("clinician", "patient") for q in questions]
        after = rss_mb(proc.pid if proc else None)
    finally:
        if proc:
            proc.terminate()
            proc.wait(timeout=30)
            home.cleanup()
    seconds = out["seconds"]
    result = {"clients": args.clients, "seconds": args.seconds, "answers": len(seconds), "errors": len(out["errors"]),
              "answers_per_s": round(len(seconds) / wall, 1), "under_load_p50_ms": round(pct(seconds, 0.5) * 1000),
              "under_load_p95_ms": round(pct(seconds, 0.95) * 1000), "single_client_p50_ms": pct(single, 0.5),
              "single_client_p95_ms": pct(single, 0.95), "single_client_answers": len(single),
              "server_rss_mb_before": before, "server_rss_mb_after": after, "error_samples": out["errors"][:5]}
    write(result, Path(args.out), "api_load", f"HTTP API under load ({args.clients} clients, {args.seconds:.0f} s)")
    sys.exit(1 if result["errors"] else 0)


if __name__ == "__main__":
    main()
