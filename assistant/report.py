"""Eval reports: report.json (all metrics and rows), report.md (side-by-side tables, worst questions), PNG plots."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from .evaluate import Row

TABLE_METRICS = [
    ("retrieval_recall_at_5", "Retrieval recall@5"), ("retrieval_mrr", "Retrieval MRR"),
    ("key_fact_recall", "Key-fact recall"), ("full_match_rate", "Full-match rate"),
    ("citation_rate", "Sentences with a citation"), ("citation_support", "Citation support"),
    ("number_support", "Numbers found in cited passage"), ("refusal_recall", "Out-of-scope refused"),
    ("first_sentence_answers", "First sentence answers"), ("answer_precision", "Answer precision"),
    ("filler_rate", "Filler sentences"), ("seed_instead_of_primary", "Seed instead of primary"),
    ("refusal_precision", "Refusal precision"), ("in_scope_answered", "In-scope answered"),
    ("disclaimer_rate", "Disclaimer present"), ("fk_grade_mean", "Reading grade (FK) mean"),
    ("fk_grade_max", "Reading grade (FK) max"), ("latency_p50_ms", "Latency p50 (ms, warm)"),
    ("latency_p95_ms", "Latency p95 (ms, warm)"), ("cold_start_ms", "Cold start: load + first answer (ms)"),
]


def _fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and value <= 1.0:
        return f"{value:.3f}"
    return f"{value:,.1f}" if isinstance(value, float) else str(value)


def markdown(results: dict, rows: list[Row], meta: dict, failures: list[str]) -> str:
    columns = [(engine, mode) for engine, modes in results.items() for mode in modes]
    lines = ["# Eval report", "", f"Gold: `{meta['gold']}` ({meta['items']} items); run {meta['when']} "
             f"on {meta['machine']}; support checker agreement with hand labels: {meta.get('checker_agreement', '-')}.",
             "", "| Metric | " + " | ".join(f"{e} / {m}" for e, m in columns) + " |",
             "|---|" + "---|" * len(columns)]
    for key, label in TABLE_METRICS:
        lines.append(f"| {label} | " + " | ".join(_fmt(results[e][m].get(key)) for e, m in columns) + " |")
    lines += ["", "## Thresholds", ""]
    lines += [f"- FAIL {f}" for f in failures] or ["- all metrics meet their floors (`evals/thresholds.yaml`)"]
    lines += ["", "## Worst 10 questions", "", "| Engine / mode | Id | Question | Problem |", "|---|---|---|---|"]
    for row in worst(rows, 10):
        lines.append(f"| {row.engine} / {row.mode} | {row.id} | {row.question[:90]} | {problem(row)} |")
    return "\n".join(lines) + "\n"


def problem(row: Row) -> str:
    if row.out_of_scope and not row.refused:
        return "answered an out-of-scope question"
    if not row.out_of_scope and row.refused:
        return "refused an in-scope question"
    parts = []
    if row.missed:
        parts.append("missed " + "; ".join(" / ".join(g) for g in row.missed))
    if row.unsupported:
        parts.append(f"{len(row.unsupported)} unsupported sentence(s)")
    if row.expected_sources and not set(row.expected_sources) & set(row.retrieved[:5]):
        parts.append("expected source not in top 5")
    return "; ".join(parts).replace("|", "/") or "-"


def worst(rows: list[Row], n: int) -> list[Row]:
    def badness(row: Row) -> float:
        wrong_refusal = (row.out_of_scope != row.refused) * 2.0
        return wrong_refusal + (1 - row.fact_recall) + 0.5 * len(row.unsupported)
    return [r for r in sorted(rows, key=badness, reverse=True) if badness(r) > 0][:n]


def plots(results: dict, rows: list[Row], out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = ["retrieval_recall_at_5", "key_fact_recall", "citation_support", "refusal_recall", "in_scope_answered",
            "disclaimer_rate"]
    columns = [(e, m) for e, modes in results.items() for m in modes]
    fig, ax = plt.subplots(figsize=(9, 4))
    width = 0.8 / max(1, len(columns))
    for i, (engine, mode) in enumerate(columns):
        values = [results[engine][mode].get(k) or 0 for k in keys]
        ax.bar([x + i * width for x in range(len(keys))], values, width, label=f"{engine} / {mode}")
    ax.set_xticks([x + width * (len(columns) - 1) / 2 for x in range(len(keys))],
                  [k.replace("_", "\n") for k in keys], fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=8)
    ax.set_title("Quality metrics by engine and mode")
    fig.tight_layout()
    metrics_png = out / "metrics.png"
    fig.savefig(metrics_png, dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 3.5))
    for engine, mode in columns:
        ax.hist([r.latency_ms for r in rows if r.engine == engine and r.mode == mode], bins=30, alpha=0.6,
                label=f"{engine} / {mode}")
    ax.set_xlabel("warm answer latency (ms)")
    ax.set_ylabel("questions")
    ax.legend(fontsize=8)
    fig.tight_layout()
    latency_png = out / "latency.png"
    fig.savefig(latency_png, dpi=110)
    plt.close(fig)
    return [metrics_png, latency_png]


def write_report(out: Path, results: dict, rows: list[Row], meta: dict, failures: list[str], probes: dict | None = None,
                 probe_failures: list[str] = ()) -> list[Path]:
    from .probes import markdown as probe_markdown

    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps({"meta": meta, "metrics": results, "failures": failures,
                                                 "probes": probes, "rows": [asdict(r) for r in rows]},
                                                indent=1, ensure_ascii=False))
    text = markdown(results, rows, meta, failures)
    if probes:
        text = text.rstrip("\n") + "\n" + "\n".join(probe_markdown(probes, list(probe_failures))) + "\n"
    (out / "report.md").write_text(text, encoding="utf-8")
    return [out / "report.json", out / "report.md", *plots(results, rows, out)]
