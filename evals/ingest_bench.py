"""Ingest throughput next to the embedding model alone, on the same passages.

    .venv/bin/python evals/ingest_bench.py [--passages 1000] [--model onnx|int8] [--rounds 2]

Synthetic passages of the chunker's size range (evals/synthetic.py) are embedded by the model alone, then
ingested end to end into a fresh embedded index (`Store.put`: embedding, Chroma writes, the two-phase commit),
alternately, `--rounds` times each; the medians and their ratio are written to evals/bench/ingest.json and
ingest.md. A script, not a timed test."""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from synthetic import Table, notes, sentence_pool  # noqa: E402

from assistant.config import ROOT, Settings  # noqa: E402
from assistant.embeddings import get_embeddings  # noqa: E402
from assistant.index import Store  # noqa: E402

OUT = ROOT / "evals" / "bench"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--passages", type=int, default=1000)
    parser.add_argument("--model", default="onnx")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args()
    settings = Settings()
    model = get_embeddings(args.model)
    table = Table(model, sentence_pool(settings.corpus_dir))
    batch = list(notes(table, args.passages, seed=5, start=10**7))
    table.derived.clear()  # every passage is embedded by the real model
    texts = [p.text for note in batch for p in note.passages()]
    model.embed_documents(texts[:16])  # warm up
    alone, ingest = [], []
    for _ in range(args.rounds):
        start = time.perf_counter()
        model.embed_documents(texts)
        alone.append(len(texts) / (time.perf_counter() - start))
        home = Path(tempfile.mkdtemp(prefix="ingest-bench-"))
        store = Store(settings.with_overrides(home=home), embeddings=model)
        start = time.perf_counter()
        for note in batch:
            store.put(note, origin="bench")
        ingest.append(len(texts) / (time.perf_counter() - start))
        del store
        shutil.rmtree(home, ignore_errors=True)
    result = {"model": args.model, "passages": len(texts), "sources": len(batch), "rounds": args.rounds,
              "embedding_alone_passages_per_s": round(statistics.median(alone), 1),
              "ingest_passages_per_s": round(statistics.median(ingest), 1)}
    result["ingest_share_of_embedding_alone"] = round(result["ingest_passages_per_s"]
                                                     / result["embedding_alone_passages_per_s"], 3)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "ingest.json").write_text(json.dumps(result, indent=1))
    (out / "ingest.md").write_text("| " + " | ".join(result) + " |\n|" + "---|" * len(result) + "\n| "
                                   + " | ".join(str(v) for v in result.values()) + " |\n")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
