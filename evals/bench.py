"""Benchmark: index build time and warm `ask` latency over the gold questions (a script, not a timed test).

    .venv/bin/python evals/bench.py [--rounds 3] [--out evals/bench]

Builds the index from the corpus into a fresh temporary folder (embedding included), loads the engine
once, answers every gold question once to warm up, then `--rounds` more times, and prints and writes
p50/p95 latency per mode."""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from pathlib import Path

from assistant.engines import load_engine
from assistant.config import ROOT, Settings
from assistant.corpus import load_corpus
from assistant.evaluate import load_gold
from assistant.index import Store


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))], 1)


def main() -> None:
    from assistant import logs

    logs.configure()  # other packages' logging quiet, as on the command line
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", default=str(ROOT / "evals" / "bench"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        settings = Settings().with_overrides(home=Path(home))
        t = time.perf_counter()
        store = Store(settings)
        load_s = time.perf_counter() - t
        t = time.perf_counter()
        report = store.sync(load_corpus(settings.corpus_dir))
        build_s = time.perf_counter() - t
        engine = load_engine(settings, store=store)
        questions = [item.turns[-1] for item in load_gold(ROOT / "evals" / "gold.yaml")]
        results = {"machine": f"{platform.machine()}, Python {platform.python_version()}",
                    "passages": report.passages, "model_load_s": round(load_s, 2), "index_build_s": round(build_s, 2),
                    "passages_per_s": round(report.passages / build_s, 1), "questions": len(questions)}
        for mode in ("clinician", "patient"):
            for q in questions:
                engine.answer(q, mode=mode)  # warm-up
            latencies = []
            for _ in range(args.rounds):
                for q in questions:
                    start = time.perf_counter()
                    engine.answer(q, mode=mode)
                    latencies.append((time.perf_counter() - start) * 1000)
            results[mode] = {"p50_ms": pct(latencies, 0.5), "p95_ms": pct(latencies, 0.95),
                             "mean_ms": round(statistics.fmean(latencies), 1), "answers": len(latencies)}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench.json").write_text(json.dumps(results, indent=1))
    lines = ["| measure | value |", "|---|---|"] + [
        f"| {k} | {v} |" for k, v in results.items() if not isinstance(v, dict)] + [
        f"| warm ask, {m}: p50 / p95 / mean (ms) | {r['p50_ms']} / {r['p95_ms']} / {r['mean_ms']} |"
        for m, r in results.items() if isinstance(r, dict)]
    (out / "bench.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
