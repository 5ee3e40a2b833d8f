"""LangChain's own standard tests (`langchain-tests`) on our retriever and our embeddings: they plug into any
LangChain chain the way LangChain expects (per-call `k`, async, documents out; vectors of the right shape)."""

from __future__ import annotations

import pytest
from langchain_tests.integration_tests import EmbeddingsIntegrationTests, RetrieversIntegrationTests

from assistant.embeddings import OnnxMiniLM
from assistant.retrieve import HybridRetriever


class TestHybridRetrieverStandard(RetrieversIntegrationTests):
    @pytest.fixture(autouse=True)
    def _index(self, store):
        type(self).index = store  # the session's real index over the fixture corpus

    @property
    def retriever_constructor(self) -> type[HybridRetriever]:
        return HybridRetriever

    @property
    def retriever_constructor_params(self) -> dict:
        return {"store": self.index}

    @property
    def retriever_query_example(self) -> str:
        return "What were the results of autologous stem cell transplantation in the fixture trial?"


class TestOnnxMiniLMStandard(EmbeddingsIntegrationTests):
    @property
    def embeddings_class(self) -> type[OnnxMiniLM]:
        return OnnxMiniLM

    @property
    def embedding_model_params(self) -> dict:
        return {"workers": 1}
