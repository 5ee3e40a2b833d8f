"""Hybrid retrieval: dense (MiniLM in Chroma) + BM25, fused by reciprocal rank, with query expansion.

`HybridRetriever` is a LangChain `BaseRetriever`, so it composes with any chain; `search()` returns
our `Hit`s with the scores the answer step needs to decide whether the evidence is good enough."""

from __future__ import annotations

import logging
from functools import cached_property

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from .index import Store
from .loaded import store_id
from .lexicon import Lexicon, load_lexicon
from .schema import Hit
from .select import focus
from .text import stems

log = logging.getLogger(__name__)


def where_filter(kinds=None, min_year=None, max_year=None, audience=None) -> dict | None:
    """A Chroma metadata filter for the kind, year range and audience of passages."""
    clauses = []
    if kinds:
        clauses.append({"kind": {"$in": list(kinds)}})
    if min_year is not None:
        clauses.append({"year": {"$gte": int(min_year)}})
    if max_year is not None:
        clauses.append({"year": {"$lte": int(max_year)}})
    if audience:
        clauses.append({"audience": audience})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def _matches(meta: dict, where: dict | None) -> bool:
    """The same filter, applied in memory to BM25 candidates."""
    if not where:
        return True
    if "$and" in where:
        return all(_matches(meta, c) for c in where["$and"])
    (key, cond), = where.items()
    value = meta.get(key)
    if not isinstance(cond, dict):
        return value == cond
    (op, arg), = cond.items()
    if value is None:
        return False
    return {"$in": lambda: value in arg, "$gte": lambda: value >= arg, "$lte": lambda: value <= arg,
            "$eq": lambda: value == arg, "$ne": lambda: value != arg}[op]()


class HybridRetriever(BaseRetriever):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: Store
    k: int = 8
    fetch_k: int = 20
    rrf_k: int = 60
    where: dict | None = None
    coverage_weight: float = 6.0
    name_weight: float = 3.0
    subject: str = ""  # see Settings.subject
    subject_weight: float = 1.0

    @cached_property
    def terms_weigher(self):
        """Weighs the question's terms by their rarity in the corpus (the refusal's coverage measure)."""
        from .scope import Scope

        return Scope(self.store.loaded, self.lexicon)

    @cached_property
    def lexicon(self) -> Lexicon:
        return load_lexicon(learned=self.store.loaded.abbreviations)

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun, k: int | None = None,
                                where: dict | None = None) -> list[Document]:
        """`invoke(question, k=3, where={"kind": "guideline"})`: per-call `k` and Chroma `where` filter."""
        return [Document(page_content=h.passage.text, id=h.passage.id,
                         metadata={"source_id": h.source.id, "section": h.passage.section, "kind": h.source.kind,
                                   "year": h.source.year, "score": h.score, "dense": h.dense, "lexical": h.lexical})
                for h in self.search(query, k=k or self.k, where=where)]

    def dense(self, qvec: np.ndarray, where: dict | None = None) -> list[tuple[str, float]]:
        """The nearest `fetch_k` committed passages that pass the filter, with their cosine distance.

        Chroma is asked without the filter first (a filtered HNSW search is far slower on a big index) for
        twice as many, and the filter applied here; only if too few pass is Chroma asked with it."""
        n = self.store.loaded.size
        out: list[tuple[str, float]] = []
        try:
            for k, chroma_filter in ((min(2 * self.fetch_k, n), None), (min(self.fetch_k, n), where)):
                found = self.store.passages.similarity_search_by_vector_with_relevance_scores(
                    qvec.tolist(), k=k, filter=chroma_filter)
                out = [(doc.metadata["passage_id"], dist) for doc, dist in found
                       if self.store.loaded.visible(doc.metadata) and _matches(doc.metadata, where)][:self.fetch_k]
                if len(out) >= min(self.fetch_k, n) or not where:
                    break
        except Exception as exc:  # e.g. a vector segment left inconsistent by a process killed mid-write
            log.warning("dense search failed (%s); answering from BM25 alone. "
                        "`assistant index --rebuild` repairs the vector index.", exc)
        return out

    def lexical(self, query: str, where: dict | None = None) -> list[str]:
        """The BM25 ranking: ids of the best `fetch_k` passages that contain a query term and pass the filter."""
        scores = self.bm25_scores(query)
        return [self.store.loaded.ids[row] for row in self._best(scores, where)] if scores is not None else []

    def bm25_scores(self, query: str) -> np.ndarray | None:
        """Every passage's BM25 score for the query (None when it has no term to look for)."""
        loaded = self.store.loaded
        q_terms = list(dict.fromkeys(stems(self.lexicon.expand(query))))  # each once: expansions repeat words
        return loaded.postings.get_scores(q_terms) if q_terms and loaded.size else None

    def _best(self, scores: np.ndarray, where: dict | None, within: np.ndarray | None = None) -> list[int]:
        """Rows of the best `fetch_k` positive scores that pass the filter (only rows `within`, if given)."""
        loaded = self.store.loaded
        if within is not None:
            kept = np.zeros(len(scores), dtype=scores.dtype)
            kept[within] = scores[within]
            scores = kept
        wanted = min(len(scores), self.fetch_k * (4 if where else 1))  # room for what the filter drops
        while True:
            top = np.argpartition(-scores, wanted - 1)[:wanted] if wanted < len(scores) else np.arange(len(scores))
            out = []
            for row in top[np.argsort(-scores[top], kind="stable")]:
                if scores[row] <= 0 or len(out) >= self.fetch_k:
                    break
                source = loaded.sources[loaded.source_ids[loaded.source_of[row]]]
                meta = {"kind": source.kind, "year": source.year,
                        "audience": "patient" if loaded.patient[row] else "clinician"}
                if _matches(meta, where):
                    out.append(int(row))
            if len(out) >= self.fetch_k or wanted >= len(scores) or scores[top].min() <= 0:
                return out
            wanted = min(len(scores), wanted * 4)

    def on_subject(self, scores: np.ndarray, where: dict | None, have: set[str]) -> dict[str, int]:
        """BM25's best passages among the sources on the corpus's subject that the two rankings missed (drowned
        by passages on other subjects in a big library), with their rank in the full BM25 ranking."""
        loaded = self.store.loaded
        rows = [r for r in self._best(scores, where, loaded.subject_rows(self.subject)) if loaded.ids[r] not in have]
        return {loaded.ids[r]: int(np.count_nonzero(scores > scores[r])) for r in rows}

    def _head_starts(self, query: str, fused: dict[str, float]) -> None:
        """What a user of a subject-specific assistant expects: passages on the corpus's subject get a head start
        of one first rank; a source the question names (a trial, author, society) has its best passage count
        one first rank more, and its other passages compete as they are."""
        loaded, first = self.store.loaded, 1.0 / (self.rrf_k + 1)
        if self.subject and self.subject_weight:
            about = loaded.sources_naming(self.subject)
            for pid in fused:
                if pid.split("#", 1)[0] in about:
                    fused[pid] += self.subject_weight * first
        named = focus(query, loaded.named_by, loaded.sources)
        best: set[str] = set()
        for pid in sorted(fused, key=fused.get, reverse=True) if named else ():
            if (sid := pid.split("#", 1)[0]) in named and sid not in best:
                best.add(sid)
                fused[pid] += self.name_weight * named[sid] * first

    def embed(self, query: str) -> np.ndarray:
        """The query vector: the question with its abbreviations spelt out (MiniLM knows few of them)."""
        return np.asarray(self.store.embeddings.embed_query(self.lexicon.expand(query, synonyms=False)))

    def search(self, query: str, k: int | None = None, where: dict | None = None,
               qvec: np.ndarray | None = None) -> list[Hit]:
        loaded = self.store.loaded
        if not loaded.size:
            return []
        where = where if where is not None else self.where
        k = k or self.k
        qvec = self.embed(query) if qvec is None else qvec
        visible = self.dense(qvec, where)
        dense_ids = [pid for pid, _ in visible]
        cosine = {pid: 1.0 - dist for pid, dist in visible}
        scores = self.bm25_scores(query)
        bm25_ids = [loaded.ids[row] for row in self._best(scores, where)] if scores is not None else []

        fused: dict[str, float] = {}
        for ranking in (dense_ids, bm25_ids):
            for rank, pid in enumerate(ranking):
                fused[pid] = fused.get(pid, 0.0) + 1.0 / (self.rrf_k + rank + 1)
        if self.subject and self.subject_weight and scores is not None:
            for pid, rank in self.on_subject(scores, where, set(fused)).items():
                fused[pid] = 1.0 / (self.rrf_k + rank + 1)
        if self.coverage_weight:  # a passage with all the question's rare terms counts as a first rank more
            loaded.passages(list(fused))
            for pid, share in self.terms_weigher.shares(query, list(fused)).items():
                fused[pid] += self.coverage_weight * share / (self.rrf_k + 1)
        self._head_starts(query, fused)
        top = sorted(fused, key=fused.get, reverse=True)[:k]
        missing = [pid for pid in top if pid not in cosine]
        if missing:
            got = self.store.passages.get(ids=[store_id(pid, loaded.shas[pid.split("#", 1)[0]]) for pid in missing],
                                          include=["embeddings", "metadatas"])
            for meta, vec in zip(got["metadatas"], got["embeddings"]):
                cosine[meta["passage_id"]] = float(np.dot(qvec, vec))
        own = set(stems(query))
        passages = loaded.passages(top)
        hits = []
        for pid in (pid for pid in top if pid in passages):  # one removed meanwhile is skipped
            passage = passages[pid]
            terms = loaded.terms(pid)
            overlap = len(own & terms) / len(own) if own else 0.0
            hits.append(Hit(passage, loaded.sources[passage.source_id], fused[pid], cosine.get(pid, 0.0), overlap))
        return hits
