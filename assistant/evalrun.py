"""`assistant eval`: load engines, run the gold set with a progress bar, print and write the report."""

from __future__ import annotations

import platform
import time
from datetime import datetime, timezone
from pathlib import Path

import click
import yaml

from .engines import load_engine
from .config import ROOT, Settings
from .evaluate import GoldItem, check_thresholds, metrics, run_eval
from .index import open_store
from .probes import run_probes
from .report import write_report
from .support import SupportChecker

THRESHOLDS = ROOT / "evals" / "thresholds.yaml"
SUPPORT_PAIRS = ROOT / "evals" / "support_pairs.yaml"


def checker_agreement(checker: SupportChecker) -> float:
    pairs = yaml.safe_load(SUPPORT_PAIRS.read_text(encoding="utf-8"))
    agree = sum(checker.check(p["sentence"], [p["passage"]]).supported is p["supported"] for p in pairs)
    return round(agree / len(pairs), 3)


def evaluate(settings: Settings, items: list[GoldItem], engine_names: list[str], modes: list[str], out: Path,
             gold_label: str, probes: list | None = None) -> list[str]:
    start = time.perf_counter()
    store = open_store(settings)
    opened = time.perf_counter() - start  # opening (or building) the index counts toward the first cold start
    engines, cold = {}, {}
    for name in engine_names:
        t = time.perf_counter()
        engines[name] = load_engine(settings, name, store=store)
        engines[name].answer(items[0].turns[-1])  # first answer: caches and models warm up
        cold[name] = round((time.perf_counter() - t + (opened if not cold else 0.0)) * 1000, 1)
    checker = SupportChecker(store.embeddings, engines[engine_names[0]].retriever.lexicon)
    total = len(engines) * len(modes) * len(items) + len(modes) * len(probes or [])
    with click.progressbar(length=total, label="Evaluating", file=click.get_text_stream("stderr")) as bar:
        rows = run_eval(engines, items, modes, checker, progress=bar.update)
        probed = run_probes(engines[engine_names[0]], probes, modes, progress=bar.update) if probes else None
    results = {e: {m: metrics([r for r in rows if r.engine == e and r.mode == m]) for m in modes} for e in engines}
    for e in engines:
        for m in modes:
            results[e][m]["cold_start_ms"] = cold[e]
    default = engine_names[0]
    floors = yaml.safe_load(THRESHOLDS.read_text(encoding="utf-8"))
    failures = check_thresholds(results[default], {m: v for m, v in floors.items() if m != "probes"})
    probe_failures = check_thresholds(probed, floors.get("probes", {})) if probed else []
    failures += [f"probe {f}" for f in probe_failures]
    meta = {"gold": gold_label, "items": len(items), "engines": engine_names, "modes": modes,
            "when": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": f"{platform.machine()}, {_cores()} cores, Python {platform.python_version()}",
            "checker_agreement": checker_agreement(checker), "seconds": round(time.perf_counter() - start, 1)}
    paths = write_report(out, results, rows, meta, failures, probed, probe_failures)
    for engine, by_mode in results.items():
        for mode, values in by_mode.items():
            shown = ", ".join(f"{k}={v}" for k, v in values.items() if v is not None)
            click.echo(f"{engine} / {mode}: {shown}")
    click.echo("Wrote " + ", ".join(str(p) for p in paths))
    for mode, values in (probed or {}).items():
        click.echo(f"probe / {mode}: out_of_scope_refused={values['out_of_scope_refused']}, "
                   f"in_scope_answered={values['in_scope_answered']}")
    for failure in failures:
        click.echo(f"FAIL {failure}", err=True)
    return failures


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
