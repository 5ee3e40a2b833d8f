"""The packaged embedding models: the real files, run by onnxruntime."""

from __future__ import annotations

import numpy as np
import pytest

from assistant import embeddings
from assistant.corpus import load_corpus

QUESTION = "Does autologous stem cell transplantation improve survival in systemic sclerosis?"


@pytest.fixture(scope="module")
def texts(fixture_corpus) -> list[str]:
    return [p.text for note in load_corpus(fixture_corpus) for p in note.passages()][:12] + ["HSCT", QUESTION]


def test_sessions_share_the_work_and_keep_the_order(texts):
    one = embeddings.OnnxMiniLM(workers=1, batch_size=4).embed_array(texts)
    two = embeddings.OnnxMiniLM(workers=2).embed_array(texts)
    assert one.shape == (len(texts), 384)
    assert np.allclose(one, two, atol=1e-4)  # same vectors, whatever the batching and the session
    alone = embeddings.OnnxMiniLM(workers=2).embed_array([texts[3]])[0]
    assert np.allclose(two[3], alone, atol=1e-4)  # row i is the vector of text i
    assert np.allclose(np.linalg.norm(two, axis=1), 1.0, atol=1e-4)


def test_a_query_asked_again_gets_the_same_vector_without_running_the_model(texts):
    model = embeddings.OnnxMiniLM(workers=1)
    first = model.embed_query(QUESTION)
    assert np.allclose(first, model.embed_array([QUESTION])[0], atol=1e-6)
    runs = model.sessions[0].run
    model.sessions[0] = type("Counting", (), {"run": lambda self, *a: calls.append(1) or runs(*a)})()
    calls: list[int] = []
    assert model.embed_query(QUESTION) == first and not calls  # kept
    assert model.embed_query(texts[0]) != first and calls  # a new one is computed


def test_int8_model_is_made_once_and_ranks_like_the_original(texts, tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_MODEL_CACHE", str(tmp_path))
    path = embeddings.quantized_model()
    assert path.parent == tmp_path and path.stat().st_size > 1_000_000
    made = path.stat().st_mtime_ns
    assert embeddings.quantized_model() == path and path.stat().st_mtime_ns == made  # cached, not redone
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind

    original = embeddings.OnnxMiniLM().embed_array(texts)
    quantized = embeddings.OnnxMiniLM(path).embed_array(texts)
    cosine = (original * quantized).sum(1)
    assert cosine.min() > 0.98 and cosine.mean() > 0.99
    by_original = np.argsort(-(original[:-1] @ original[-1]))[:3]
    by_quantized = np.argsort(-(quantized[:-1] @ quantized[-1]))[:3]
    assert by_original[0] == by_quantized[0] and set(by_original) == set(by_quantized)


def test_unknown_model_kind_is_a_clear_error():
    with pytest.raises(ValueError, match="choose one of int8, onnx, torch"):
        embeddings.get_embeddings("bert-large")


def test_the_shipped_tokenizer_is_the_models_own():
    import hashlib

    assert hashlib.sha256(embeddings.TOKENIZER.read_bytes()).hexdigest() == embeddings.TOKENIZER_SHA256
    encoded = embeddings.OnnxMiniLM(workers=1).tokenizer.encode("Hello scleroderma")
    assert encoded.ids[:2] == [101, 7592] and encoded.ids[-1] == 102  # [CLS] hello ... [SEP], bert-base-uncased
