"""The index: passages and their sentences in Chroma (embedded or a server), BM25 beside them.

Chroma is the one source of truth; BM25 and the vocabulary are rebuilt from its documents on load."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from functools import cached_property
from urllib.parse import urlparse

import numpy as np

from .config import Settings
from .corpus import Note, load_corpus
from .schema import Passage, Source
from .text import split_sentences, stems

BATCH = 256


class IndexUnavailable(RuntimeError):
    """The index cannot be opened or read; the message says what to do."""


def make_client(settings: Settings):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    try:
        if settings.chroma_url:
            url = urlparse(settings.chroma_url)
            return chromadb.HttpClient(host=url.hostname or "127.0.0.1", port=url.port or 8000,
                                       ssl=url.scheme == "https", settings=chroma_settings)
        settings.chroma_path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)
    except Exception as exc:  # chromadb raises many kinds; all mean the same to the user
        where = settings.chroma_url or settings.chroma_path
        raise IndexUnavailable(f"cannot open the index at {where}: {exc}. "
                               "Run `assistant index --rebuild` (embedded) or check the Chroma server.") from exc


@dataclass
class IndexReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    passages: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        return (f"{len(self.added)} added, {len(self.updated)} updated, {len(self.removed)} removed, "
                f"{self.unchanged} unchanged; {self.passages} passages in the index ({self.seconds:.1f} s)")


def _metadata(passage: Passage, source: Source, sha: str) -> dict:
    meta = {"source_id": source.id, "section": passage.section, "audience": passage.audience,
            "kind": source.kind, "verified": source.verified, "sha": sha,
            "source": json.dumps(asdict(source))}
    if source.year is not None:
        meta["year"] = source.year
    return meta


class Store:
    """Passages in a Chroma collection, their sentences in a second one, BM25 over the passages."""

    def __init__(self, settings: Settings, embeddings=None, client=None):
        from langchain_chroma import Chroma

        from .embeddings import get_embeddings

        self.settings = settings
        self.embeddings = embeddings or get_embeddings()
        self.client = client or make_client(settings)
        space = {"hnsw": {"space": "cosine"}}
        try:
            self.passages = Chroma(client=self.client, collection_name=settings.collection,
                                   embedding_function=self.embeddings, collection_configuration=space)
            self.sentences = Chroma(client=self.client, collection_name=f"{settings.collection}_sentences",
                                    embedding_function=self.embeddings, collection_configuration=space)
        except Exception as exc:
            raise IndexUnavailable(f"the index is unreadable ({exc}); run `assistant index --rebuild`") from exc

    # -- writing -----------------------------------------------------------------------------
    def count(self) -> int:
        try:
            return self.passages._collection.count()
        except Exception as exc:
            raise IndexUnavailable(f"the index is unreadable ({exc}); run `assistant index --rebuild`") from exc

    def indexed(self) -> dict[str, set[str]]:
        """source id -> the content hashes its passages were built from."""
        out: dict[str, set[str]] = {}
        for meta in self.passages.get(include=["metadatas"])["metadatas"]:
            out.setdefault(meta["source_id"], set()).add(meta["sha"])
        return out

    def sync(self, notes: list[Note], rebuild: bool = False, prune: bool = True) -> IndexReport:
        """Bring the index in line with `notes`: re-embed only notes whose content hash changed."""
        start = time.perf_counter()
        if rebuild:
            self.reset()
        report, have = IndexReport(), self.indexed()
        for note in notes:
            shas = have.get(note.source.id)
            if shas == {note.sha}:
                report.unchanged += 1
                continue
            self.put(note)
            (report.updated if shas else report.added).append(note.source.id)
        if prune:
            wanted = {n.source.id for n in notes}
            for sid in sorted(set(have) - wanted):
                self.remove(sid)
                report.removed.append(sid)
        self.__dict__.pop("loaded", None)
        report.passages, report.seconds = self.count(), time.perf_counter() - start
        return report

    def put(self, note: Note) -> None:
        """Write one source: upsert its passages and sentences, then drop the ones it no longer has."""
        passages = note.passages()
        metas = [_metadata(p, note.source, note.sha) for p in passages]
        for i in range(0, len(passages), BATCH):
            part = slice(i, i + BATCH)
            self.passages.add_texts([p.text for p in passages[part]], metas[part], [p.id for p in passages[part]])
        sents, sent_ids, sent_metas = [], [], []
        for p in passages:
            for j, text in enumerate(split_sentences(p.text)):
                sents.append(text)
                sent_ids.append(f"{p.id}~{j}")
                sent_metas.append({"passage_id": p.id, "source_id": p.source_id, "position": j, "sha": note.sha})
        for i in range(0, len(sents), BATCH):
            self.sentences.add_texts(sents[i:i + BATCH], sent_metas[i:i + BATCH], sent_ids[i:i + BATCH])
        for store in (self.passages, self.sentences):
            stale = store.get(where={"$and": [{"source_id": note.source.id}, {"sha": {"$ne": note.sha}}]},
                              include=[])["ids"]
            if stale:
                store.delete(ids=stale)

    def remove(self, source_id: str) -> int:
        ids = self.passages.get(where={"source_id": source_id}, include=[])["ids"]
        for store in (self.passages, self.sentences):
            store.delete(where={"source_id": source_id})
        self.__dict__.pop("loaded", None)
        return len(ids)

    def reset(self) -> None:
        for store in (self.passages, self.sentences):
            store.reset_collection()
        self.__dict__.pop("loaded", None)

    # -- reading -----------------------------------------------------------------------------
    @cached_property
    def loaded(self) -> "Loaded":
        """Every passage and source in memory, with BM25 and the vocabulary built over them."""
        try:
            data = self.passages.get(include=["documents", "metadatas"])
        except Exception as exc:
            raise IndexUnavailable(f"the index is unreadable ({exc}); run `assistant index --rebuild`") from exc
        return Loaded.build(data["ids"], data["documents"], data["metadatas"])

    def background(self, n: int = 2048) -> np.ndarray:
        """A fixed sample of passage vectors: what a typical passage of this corpus looks like."""
        got = self.passages.get(limit=n, include=["embeddings"])["embeddings"]
        return np.asarray(got if got is not None else [], dtype=np.float32)

    def sentence_vectors(self, passage_ids: list[str]) -> dict[str, list[tuple[str, list[float]]]]:
        """passage id -> [(sentence, vector)] in reading order, for the sentences stored at index time."""
        if not passage_ids:
            return {}
        got = self.sentences.get(where={"passage_id": {"$in": list(passage_ids)}},
                                 include=["documents", "metadatas", "embeddings"])
        rows: dict[str, list] = {}
        for text, meta, vec in zip(got["documents"], got["metadatas"], got["embeddings"]):
            rows.setdefault(meta["passage_id"], []).append((meta["position"], text, vec))
        return {pid: [(t, v) for _, t, v in sorted(r, key=lambda x: x[0])] for pid, r in rows.items()}


@dataclass
class Loaded:
    passages: dict[str, Passage]
    sources: dict[str, Source]
    ids: list[str]
    bm25: object
    terms: dict[str, set[str]]  # passage id -> stems (title and section included), for overlap measures
    document_frequency: dict[str, int] = field(default_factory=dict)  # stem -> passages containing it

    @cached_property
    def source_names(self) -> dict[str, set[str]]:
        """Stems that name one source (or two, e.g. a trial and its follow-up): from its id, title acronyms,
        first author and venue, minus words common in the corpus. A question that uses one is about it."""
        import re

        from .text import everyday_words, stem
        from .text import words as split_words

        raw: dict[str, set[str]] = {}
        for sid, source in self.sources.items():
            acronyms = {w.lower() for w in re.findall(r"\b[A-Z]{3,}\b", source.title)}  # SCOT, UPSIDE, CARE
            words = re.findall(r"[a-z]{3,}", sid) + [w.lower() for w in re.findall(r"\b[A-Z][a-z]*[A-Z]\w*", source.title)]
            if source.authors:
                words.append(source.authors.split()[0].lower())
            if source.venue:
                words += [w.lower() for w in re.findall(r"\b[A-Z]{3,}\b", source.venue)]
            tokens = {t for w in words for t in split_words(w) if len(t) >= 3 and t not in everyday_words()}
            raw[sid] = {stem(t) for t in tokens} | {stem(a) for a in acronyms}
        spread: dict[str, int] = {}
        for names in raw.values():
            for name in names:
                spread[name] = spread.get(name, 0) + 1
        common = max(1, len(self.passages) // 4)
        return {sid: {n for n in names if spread[n] <= 2 and self.document_frequency.get(n, 0) <= common}
                for sid, names in raw.items()}

    def of_source(self, source_id: str, audience: str | None = None) -> list[Passage]:
        return [p for p in self.passages.values()
                if p.source_id == source_id and (audience is None or p.audience == audience)]

    @classmethod
    def build(cls, ids, documents, metadatas) -> "Loaded":
        import bm25s

        passages, sources, tokens = {}, {}, []
        for pid, text, meta in zip(ids, documents, metadatas):
            if meta["source_id"] not in sources:
                raw = json.loads(meta["source"])
                raw["flags"] = tuple(raw.get("flags", ()))
                sources[meta["source_id"]] = Source(**raw)
            source = sources[meta["source_id"]]
            passages[pid] = Passage(pid, source.id, meta["section"], text, meta["audience"])
            tokens.append(stems(f"{source.title} {meta['section']} {text}") or ["_"])
        bm25 = bm25s.BM25()
        if tokens:
            bm25.index(tokens, show_progress=False)
        terms = {pid: set(t) for pid, t in zip(ids, tokens)}
        frequency: dict[str, int] = {}
        for found in terms.values():
            for term in found:
                frequency[term] = frequency.get(term, 0) + 1
        return cls(passages, sources, list(ids), bm25, terms, frequency)


def open_store(settings: Settings, build_if_missing: bool = True, embeddings=None) -> Store:
    """Open the index; build it from the corpus first when it is empty."""
    store = Store(settings, embeddings=embeddings)
    if build_if_missing and store.count() == 0:
        store.sync(load_corpus(settings.corpus_dir))
    return store
