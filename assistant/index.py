"""The index: passages and their sentences in Chroma (embedded or a server), BM25 beside them.

Chroma is the one source of truth; BM25 and the vocabulary are rebuilt from its documents on load.
Writes are two-phase, so that nothing is lost on a crash: a source's new passages are stored under its
new content hash, then its entry in the registry collection is switched to that hash (the commit), then
the old version's passages are deleted. Readers see only passages whose hash the registry names."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from functools import cached_property
from urllib.parse import urlparse

import numpy as np

from .config import Settings
from .corpus import Note, load_corpus
from .loaded import Loaded
from .schema import Passage, Source
from .text import split_sentences

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
    meta = {"source_id": source.id, "passage_id": passage.id, "section": passage.section,
            "audience": passage.audience, "kind": source.kind, "verified": source.verified, "sha": sha}
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
            self.registry = self.client.get_or_create_collection(f"{settings.collection}_sources",
                                                                 embedding_function=None)
        except Exception as exc:
            raise IndexUnavailable(f"the index is unreadable ({exc}); run `assistant index --rebuild`") from exc

    # -- writing -----------------------------------------------------------------------------
    def count(self) -> int:
        try:
            return self.passages._collection.count()
        except Exception as exc:
            raise IndexUnavailable(f"the index is unreadable ({exc}); run `assistant index --rebuild`") from exc

    def indexed(self) -> dict[str, dict]:
        """source id -> {"sha": committed content hash, "origin": "corpus" | "ingest"}."""
        got = self.registry.get(include=["metadatas"])
        return dict(zip(got["ids"], got["metadatas"]))

    def sync(self, notes: list[Note], rebuild: bool = False, prune: bool = True, origin: str = "corpus",
             progress=None) -> IndexReport:
        """Bring the index in line with `notes`: re-embed only notes whose content hash changed; with
        `prune`, drop the sources of this origin that are no longer among them."""
        start = time.perf_counter()
        if rebuild:
            self.reset()
        self.clean()
        report, have = IndexReport(), self.indexed()
        for note in notes:
            entry = have.get(note.source.id)
            if entry and entry["sha"] == note.sha:
                report.unchanged += 1
                continue
            if progress:
                progress(note)
            self.put(note, origin)
            (report.updated if entry else report.added).append(note.source.id)
        if prune:
            wanted = {n.source.id for n in notes}
            for sid in sorted(sid for sid, e in have.items() if e.get("origin", "corpus") == origin and sid not in wanted):
                self.remove(sid)
                report.removed.append(sid)
        self.__dict__.pop("loaded", None)
        report.passages, report.seconds = self.count(), time.perf_counter() - start
        return report

    def put(self, note: Note, origin: str = "corpus") -> None:
        """Write one source in two phases: its passages and sentences under its new hash, then the commit in
        the registry, then the old version's passages out."""
        sid, tag = note.source.id, note.sha[:16]
        passages = note.passages()
        ids = [f"{p.id}@{tag}" for p in passages]
        metas = [_metadata(p, note.source, note.sha) for p in passages]
        for i in range(0, len(passages), BATCH):
            self.passages.add_texts([p.text for p in passages[i:i + BATCH]], metas[i:i + BATCH], ids[i:i + BATCH])
        sents, sent_ids, sent_metas = [], [], []
        for p, store_id in zip(passages, ids):
            for j, text in enumerate(split_sentences(p.text)):
                sents.append(text)
                sent_ids.append(f"{store_id}~{j}")
                sent_metas.append({"passage_id": p.id, "source_id": sid, "position": j, "sha": note.sha})
        for i in range(0, len(sents), BATCH):
            self.sentences.add_texts(sents[i:i + BATCH], sent_metas[i:i + BATCH], sent_ids[i:i + BATCH])
        self.registry.upsert(ids=[sid], embeddings=[[1.0]], documents=[json.dumps(asdict(note.source))],
                             metadatas=[{"sha": note.sha, "origin": origin, "kind": note.source.kind}])
        for store in (self.passages, self.sentences):
            stale = store.get(where={"$and": [{"source_id": sid}, {"sha": {"$ne": note.sha}}]}, include=[])["ids"]
            if stale:
                store.delete(ids=stale)

    def clean(self) -> int:
        """Delete what an interrupted write left behind: passages whose hash the registry does not name."""
        committed = {sid: e["sha"] for sid, e in self.indexed().items()}
        dropped = 0
        for store in (self.passages, self.sentences):
            got = store.get(include=["metadatas"])
            orphans = [i for i, m in zip(got["ids"], got["metadatas"]) if committed.get(m["source_id"]) != m["sha"]]
            for i in range(0, len(orphans), 5000):
                store.delete(ids=orphans[i:i + 5000])
            dropped += len(orphans)
        return dropped

    def remove(self, source_id: str) -> int:
        """Delete a source: its registry entry first (it disappears at once), then its passages."""
        ids = self.passages.get(where={"source_id": source_id}, include=[])["ids"]
        self.registry.delete(ids=[source_id])
        for store in (self.passages, self.sentences):
            store.delete(where={"source_id": source_id})
        self.__dict__.pop("loaded", None)
        return len(ids)

    def reset(self) -> None:
        for store in (self.passages, self.sentences):
            store.reset_collection()
        ids = self.registry.get(include=[])["ids"]
        if ids:
            self.registry.delete(ids=ids)
        self.__dict__.pop("loaded", None)

    # -- reading -----------------------------------------------------------------------------
    @cached_property
    def loaded(self) -> "Loaded":
        """Every passage and source in memory, with BM25 and the vocabulary built over them."""
        try:
            reg = self.registry.get(include=["metadatas", "documents"])
            data = self.passages.get(include=["documents", "metadatas"])
        except Exception as exc:
            raise IndexUnavailable(f"the index is unreadable ({exc}); run `assistant index --rebuild`") from exc
        registry = {sid: (meta["sha"], doc) for sid, meta, doc in zip(reg["ids"], reg["metadatas"], reg["documents"])}
        if any(registry.get(m["source_id"], (None,))[0] != m["sha"] for m in data["metadatas"]):
            self.clean()  # a write was interrupted: sweep its leftovers before they are read
        return Loaded.build(registry, data["ids"], data["documents"], data["metadatas"])

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
        shas = self.loaded.shas
        rows: dict[str, list] = {}
        for text, meta, vec in zip(got["documents"], got["metadatas"], got["embeddings"]):
            if shas.get(meta["source_id"]) != meta["sha"]:
                continue
            rows.setdefault(meta["passage_id"], []).append((meta["position"], text, vec))
        return {pid: [(t, v) for _, t, v in sorted(r, key=lambda x: x[0])] for pid, r in rows.items()}


def open_store(settings: Settings, build_if_missing: bool = True, embeddings=None) -> Store:
    """Open the index; build it from the corpus first when it is empty."""
    store = Store(settings, embeddings=embeddings)
    if build_if_missing and not store.indexed():
        store.sync(load_corpus(settings.corpus_dir))
    return store
