"""Scale benchmark: the real corpus among 1k-100k (and with --big 1M) synthetic distractor passages.

    .venv/bin/python evals/scale.py [--sizes 1000,10000,100000] [--big] [--real-upto 10000] [--server]

One index grows through the sizes (embedded Chroma in a temporary folder). At each size a fresh process
opens it and measures what a clinician's query costs: dense, BM25, hybrid and full-answer latency
(p50/p95 over the gold questions), gold recall@5 (a gold source among the first 5 distinct sources), the
time to load BM25 from disk and the process's peak memory; and how long a new 20-passage document takes to become
searchable by a process that has the index open (ingest, then a delta segment). Ingestion is timed as it happens; passages up
to --real-upto are embedded by the real model, the rest get vectors derived from real sentence vectors
(see synthetic.py). With --server, the largest size is also measured through `chroma run`.
Writes evals/bench/scale.json, scale.md and scale.png (a script, not a timed test)."""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench import pct  # noqa: E402
from synthetic import SSC  # noqa: E402
from synthetic import Table, notes, sentence_pool  # noqa: E402

from assistant.config import ROOT, Settings  # noqa: E402
from assistant.corpus import load_corpus  # noqa: E402
from assistant.embeddings import get_embeddings  # noqa: E402
from assistant.index import Store  # noqa: E402
from assistant.text import stems  # noqa: E402

OUT = ROOT / "evals" / "bench"


def disk_mb(folder: Path) -> float:
    return round(sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20, 1)


def rss_mb() -> float:
    """Resident memory now (peak memory is `ru_maxrss`)."""
    return round(int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike `ru_maxrss`, not inherited from the parent that forked it)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def in_top5(retriever, item) -> bool:
    """Recall@5 as the eval counts it: a gold source among the first five distinct sources retrieved."""
    sources = list(dict.fromkeys(h.source.id for h in retriever.search(item.turns[0], k=20)))
    return any(s in item.sources for s in sources[:5])


def probe(home: str, rounds: int) -> dict:
    """In a fresh process: open the index, load BM25, answer the gold questions; report latencies and memory."""
    from assistant.engines import load_engine
    from assistant.evaluate import load_gold
    from assistant.retrieve import where_filter

    settings = Settings().with_overrides(home=Path(home))
    store = Store(settings)
    t = time.perf_counter()
    loaded = store.loaded
    load_s = time.perf_counter() - t
    rss_loaded = rss_mb()
    engine = load_engine(settings, store=store)
    retriever = engine.retriever
    items = [i for i in load_gold(ROOT / "evals" / "gold.yaml") if not i.out_of_scope and len(i.turns) == 1]
    where = where_filter(audience="clinician")
    found, first, naming, found_naming = 0, [], 0, 0
    for item in items:  # the first time each question is asked (nothing cached), and recall@5 as the eval counts it
        start = time.perf_counter()
        engine.answer(item.turns[0])
        first.append((time.perf_counter() - start) * 1000)
        hit = in_top5(retriever, item)
        found += hit
        if SSC.search(item.turns[0]):  # distractors are about other diseases: does naming it help?
            naming += 1
            found_naming += hit
    subject, retriever.subject = retriever.subject, ""  # the same without the corpus's subject as a prior
    plain = sum(in_top5(retriever, item) for item in items)
    retriever.subject = subject
    timings = {"dense": [], "bm25": [], "hybrid": [], "answer": [], "first_answer": first}
    for _ in range(rounds):
        for item in items:
            q = item.turns[0]
            qvec = retriever.embed(q)
            for name, call in (("dense", lambda: retriever.dense(qvec, where)),
                               ("bm25", lambda: retriever.lexical(q, where)),
                               ("hybrid", lambda: retriever.search(q, k=settings.top_k, where=where)),
                               ("answer", lambda: engine.answer(q))):
                start = time.perf_counter()
                call()
                timings[name].append((time.perf_counter() - start) * 1000)
    out = {"passages": loaded.size, "bm25_load_s": round(load_s, 2), "questions": len(items),
           "recall_at_5": round(found / len(items), 3),
           "recall_at_5_naming_ssc": f"{round(found_naming / naming, 3) if naming else None} ({naming} questions)",
           "recall_at_5_no_subject_prior": round(plain / len(items), 3),
           "rss_after_load_mb": rss_loaded, "rss_end_mb": rss_mb(),
           "peak_rss_mb": peak_rss_mb()}
    for name, values in timings.items():
        out[f"{name}_p50_ms"], out[f"{name}_p95_ms"] = pct(values, 0.5), pct(values, 0.95)
    return out


def run_probe(home: Path, rounds: int, env: dict | None = None) -> dict:
    done = subprocess.run([sys.executable, __file__, "--probe", str(home), "--rounds", str(rounds)],
                          capture_output=True, text=True, env={**os.environ, **(env or {})})
    if done.returncode:
        raise SystemExit(f"probe failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def serve(home: Path):
    """`chroma run` on the index's folder, on a free loopback port."""
    sys.path.insert(0, str(ROOT / "tests"))
    from test_server import free_port

    port = free_port()
    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent))
    proc = subprocess.Popen([chroma, "run", "--path", str(home / "chroma"), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(8)
    return proc, f"http://127.0.0.1:{port}"


def embedding_throughput(table: Table, corpus_dir: Path, n: int = 1000) -> dict:
    """Passages per second of each packaged model alone: on the corpus's own passages and on synthetic
    passages of the chunker's size range (longer on average)."""
    texts = {"corpus": [p.text for note in load_corpus(corpus_dir) for p in note.passages()],
             "synthetic": [p.text for note in notes(table, n, seed=99, start=10**8) for p in note.passages()]}
    table.derived.clear()
    out = {}
    for kind in ("onnx", "int8"):
        model = get_embeddings(kind)
        model.embed_documents(texts["corpus"][:8])  # warm up
        for name, batch in texts.items():
            start = time.perf_counter()
            model.embed_documents(batch)
            out[f"{kind} {name}"] = round(len(batch) / (time.perf_counter() - start), 1)
    return out


def grow(store: Store, table: Table, target: int, have: int, start: int, real_upto: int) -> tuple[int, int, dict]:
    """Add synthetic sources until the index holds `target` passages."""
    t, added, real = time.perf_counter(), 0, 0
    for note in notes(table, target - have, start=start):
        passages = note.passages()
        if have + added < real_upto:  # these are embedded by the real model
            for p in passages:
                table.derived.pop(p.text, None)
            real += len(passages)
        store.put(note, origin="bench")
        added += len(passages)
        start += 1
    seconds = time.perf_counter() - t
    return have + added, start, {"added": added, "embedded_for_real": real, "ingest_s": round(seconds, 1),
                                 "ingest_passages_per_s": round(added / seconds, 1) if seconds else None}


def new_document(store: Store, reader: Store, table: Table, start: int) -> dict:
    """A running process (`reader`, BM25 loaded) and a new 20-passage document: seconds from the start of its
    ingest until the reader's BM25 ranks it first for its own words, and the part after the ingest."""
    note = next(iter(notes(table, 20, per_source=20, seed=7, start=start)))
    probe_terms = sorted(set(stems(note.passages()[0].text)))
    t = time.perf_counter()
    store.put(note, origin="bench")
    stored = time.perf_counter()
    reader.refresh_seconds = 0
    reader.refresh()
    loaded = reader.loaded
    scores = loaded.postings.get_scores(probe_terms)
    done = time.perf_counter()
    found = loaded.ids[int(scores.argmax())].split("#", 1)[0] == note.source.id
    return {"new_document_searchable_s": round(done - t, 2), "new_document_after_ingest_s": round(done - stored, 2),
            "new_document_found": found, "segments": len(loaded.postings.segments)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--big", action="store_true", help="add 1,000,000")
    parser.add_argument("--real-upto", type=int, default=10000)
    parser.add_argument("--server", action="store_true")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--probe")
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args()
    if args.probe:
        print(json.dumps(probe(args.probe, args.rounds)))
        return
    sizes = [int(s) for s in args.sizes.split(",")] + ([1_000_000] if args.big else [])
    home = Path(tempfile.mkdtemp(prefix="scale-"))
    settings = Settings().with_overrides(home=home)
    table = Table(get_embeddings(), sentence_pool(settings.corpus_dir))
    results = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
               "embedding_only_passages_per_s": embedding_throughput(table, settings.corpus_dir), "rows": []}
    store = Store(settings, embeddings=table)
    t = time.perf_counter()
    have = store.sync(load_corpus(settings.corpus_dir)).passages
    results["real_corpus"] = {"passages": have, "ingest_s": round(time.perf_counter() - t, 1)}
    row = {"size": have, **run_probe(home, args.rounds), "disk_mb": disk_mb(home)}
    results["rows"].append(row)
    print(json.dumps(row), flush=True)
    start = 0
    for size in sizes:
        have, start, ingest = grow(store, table, size, have, start, args.real_upto)
        t = time.perf_counter()
        store.__dict__.pop("loaded", None)
        store.optimize()  # BM25 over everything, one segment, saved: what a first start at this size builds
        build_s = round(time.perf_counter() - t, 1)
        searchable = new_document(store, Store(settings, embeddings=table), table, start)
        start += 1
        have += 20
        row = {"size": size, **ingest, "bm25_build_s": build_s, **searchable,
               **run_probe(home, args.rounds), "disk_mb": disk_mb(home)}
        results["rows"].append(row)
        print(json.dumps(row), flush=True)
        write(results, Path(args.out))
    if args.server:
        del store
        proc, url = serve(home)
        try:
            results["server"] = {"size": have, **run_probe(home, args.rounds, {"ASSISTANT_CHROMA_URL": url})}
        finally:
            proc.terminate()
        print(json.dumps(results["server"]), flush=True)
    write(results, Path(args.out))
    shutil.rmtree(home, ignore_errors=True)


def write(results: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "scale.json").write_text(json.dumps(results, indent=1))
    cols = ["size", "recall_at_5", "hybrid_p50_ms", "hybrid_p95_ms", "first_answer_p95_ms", "answer_p50_ms",
            "answer_p95_ms", "dense_p95_ms",
            "bm25_p95_ms", "ingest_passages_per_s", "bm25_build_s", "new_document_searchable_s", "new_document_after_ingest_s", "bm25_load_s", "rss_after_load_mb", "rss_end_mb",
            "peak_rss_mb", "disk_mb", "recall_at_5_naming_ssc", "recall_at_5_no_subject_prior"]
    rows = results["rows"] + ([{**results["server"], "size": f"{results['server']['size']} (server)"}]
                              if "server" in results else [])
    speed = ", ".join(f"{k} {v}" for k, v in results["embedding_only_passages_per_s"].items())
    lines = [f"Machine: {results['machine']}. Embedding alone (passages/s): {speed}.", "", "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(r.get(c, "")) for c in cols) + " |" for r in rows]
    (out / "scale.md").write_text("\n".join(lines) + "\n")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sized = results["rows"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for key in ("hybrid_p95_ms", "answer_p95_ms", "dense_p95_ms", "bm25_p95_ms"):
        left.plot([r["size"] for r in sized], [r[key] for r in sized], marker="o", label=key)
    left.set(xscale="log", xlabel="passages", ylabel="ms", title="query latency (p95)")
    left.legend()
    right.plot([r["size"] for r in sized], [r["recall_at_5"] for r in sized], marker="o")
    right.set(xscale="log", xlabel="passages", ylabel="gold recall@5", ylim=(0, 1.05), title="retrieval quality")
    fig.tight_layout()
    fig.savefig(out / "scale.png", dpi=100)


if __name__ == "__main__":
    main()
