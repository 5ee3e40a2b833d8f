"""The index: passages in Chroma (embedded or a server), a registry of sources beside them, BM25 on disk.

Chroma is the one source of truth; BM25 and the vocabulary are built from its documents and saved
(`lexical.py`), brought up to date whenever the registry changes. Writes are two-phase, so that nothing is lost on a
crash: a source's new passages are stored under its new content hash, then its entry in the registry is
switched to that hash (the commit), then the old version's passages are deleted. Readers see only
passages whose hash the registry names."""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import cached_property, partial
from pathlib import Path
from urllib.parse import urlparse

import numpy as np

from . import manifest
from .config import Settings
from .embeddings import ahead, pack, passage_vectors, unpack
from .errors import IndexUnavailable, WriteError  # noqa: F401 (raised here; callers import them from here too)
from .corpus import Note, load_corpus
from .loaded import Loaded, store_id
from .schema import SOURCE_FIELDS, Passage, Source

log = logging.getLogger(__name__)
BATCH = 256
SENTENCE_CACHE = 20_000  # passages whose sentence vectors are kept


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
    if passage.statements:
        meta["statements"] = json.dumps([st.to_meta() for st in passage.statements])
    return meta


PENDING = "pending:"  # registry ids of writes begun and not yet finished
BEAT_SECONDS, STALE_SECONDS = 5.0, 120.0  # a writer renews its lease this often; a lease this old is dead


BACKUP = "registry-backup.json"  # in the home folder: which sources the index holds, and where ingested ones came from


class Store:
    """Passages in a Chroma collection, sources in a registry collection, BM25 saved beside them."""

    def __init__(self, settings: Settings, embeddings=None, client=None):
        from langchain_chroma import Chroma

        from .embeddings import get_embeddings

        self.settings = settings
        self.embeddings = embeddings or get_embeddings()
        self.client = client or make_client(settings)
        self._sentences: OrderedDict[str, list] = OrderedDict()
        self._lock = threading.Lock()
        self._checked = time.monotonic()
        try:
            self.passages = Chroma(client=self.client, collection_name=settings.collection,
                                   embedding_function=self.embeddings,
                                   collection_configuration={"hnsw": {"space": "cosine"}})
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

    def _registry(self) -> tuple[dict[str, dict], dict[str, dict], dict[str, str]]:
        """Committed entries (source id -> {"sha", "origin", "kind"}), pending writes, and the citations."""
        got = self.registry.get(include=["metadatas", "documents"])
        committed, pending, docs = {}, {}, {}
        for rid, meta, doc in zip(got["ids"], got["metadatas"], got["documents"]):
            if rid.startswith(PENDING):
                pending[rid[len(PENDING):]] = meta
            else:
                committed[rid], docs[rid] = meta, doc
        return committed, pending, docs

    def indexed(self) -> dict[str, dict]:
        """source id -> {"sha": committed content hash, "origin": "corpus" | "ingest"}."""
        return self._registry()[0]

    def sync(self, notes: list[Note], rebuild: bool = False, prune: bool = True, origin: str = "corpus",
             progress=None) -> IndexReport:
        """Bring the index in line with `notes`: re-embed only notes whose content hash changed; with
        `prune`, drop the sources of this origin that are no longer among them."""
        with self.writing():
            return self._sync(notes, rebuild, prune, origin, progress)

    def _sync(self, notes, rebuild, prune, origin, progress) -> IndexReport:
        start = time.perf_counter()
        if rebuild:
            self.reset()
        manifest.check(self.passages._collection, self.embeddings)
        self._sweep()  # this process holds the writer lock: any pending mark is a dead writer's
        report, have = IndexReport(), self.indexed()
        for note in notes:
            entry = have.get(note.source.id)
            if entry and entry["sha"] == note.sha:
                report.unchanged += 1
                continue
            if progress:
                progress(note)
            self._put(note, origin, note.passages())
            (report.updated if entry else report.added).append(note.source.id)
        if prune:
            wanted = {n.source.id for n in notes}
            for sid in sorted(sid for sid, e in have.items() if e.get("origin", "corpus") == origin and sid not in wanted):
                self._remove(sid)
                report.removed.append(sid)
        self.__dict__.pop("loaded", None)
        report.passages, report.seconds = self.count(), time.perf_counter() - start
        return report

    @contextmanager
    def writing(self):
        """One writer at a time: a file lock beside an embedded index (a second writer waits, and says so).
        A Chroma server has no shared folder: there the pending mark's lease (`_beat`) guards the write."""
        if self.settings.chroma_url:
            yield
            return
        with open(self._lock_path(), "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                log.warning("another process is writing to this index; waiting for it to finish")
                fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _lock_path(self) -> Path:
        self.settings.chroma_path.mkdir(parents=True, exist_ok=True)
        return self.settings.chroma_path / "writer.lock"

    def _writer_alive(self) -> bool:
        """Is a writer holding the embedded index's lock right now?"""
        if self.settings.chroma_url:
            return False
        with open(self._lock_path(), "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(handle, fcntl.LOCK_UN)
            return False

    def _beat(self, sid: str, sha: str) -> None:
        self.registry.upsert(ids=[PENDING + sid], embeddings=[[1.0]], documents=[""],
                             metadatas=[{"sha": sha, "source_id": sid, "beat": time.time()}])

    def put(self, note: Note, origin: str = "corpus", passages: list[Passage] | None = None) -> None:
        """Write one source in two phases: a pending mark (a lease the writer renews), its passages under the
        new hash, a check that all of them are there, the commit in the registry, then the old version's
        passages out and the mark removed. After a crash, `clean` finds the dead lease and deletes what that
        write left behind; a live writer's passages are never swept."""
        with self.writing():
            manifest.check(self.passages._collection, self.embeddings)
            self._put(note, origin, note.passages() if passages is None else passages)

    def _put(self, note: Note, origin: str, passages: list[Passage]) -> None:
        sid = note.source.id
        self._beat(sid, note.sha)
        beat = time.monotonic()
        ids = [store_id(p.id, note.sha) for p in passages]
        metas = [_metadata(p, note.source, note.sha) for p in passages]
        embed = partial(passage_vectors, self.embeddings)
        for i, (vectors, sentences) in ahead(embed, [(p.text, p.sentences) for p in passages], BATCH):
            batch = metas[i:i + BATCH]  # each passage's sentence vectors stored with it: an answer embeds no more
            for meta, mine in ((m, v) for m, p, v in zip(batch, passages[i:i + BATCH], sentences) if p.sentences):
                meta["sentence_vectors"] = pack(mine)
            self.passages._collection.upsert(ids=ids[i:i + BATCH], embeddings=vectors, metadatas=batch,
                                             documents=[p.text for p in passages[i:i + BATCH]])
            if self.on_batch:
                self.on_batch(len(vectors))
            if time.monotonic() - beat > BEAT_SECONDS:
                self._beat(sid, note.sha)
                beat = time.monotonic()
        stored = len(self.passages.get(where={"$and": [{"source_id": sid}, {"sha": note.sha}]}, include=[])["ids"])
        if stored != len(passages):
            self._drop_other_versions(sid, self.indexed().get(sid, {}).get("sha"))
            raise WriteError(f"only {stored} of {len(passages)} passages of {sid} were stored, so it was not "
                             "committed (the index is as it was); run the command again")
        entry = {"sha": note.sha, "origin": origin, "kind": note.source.kind}
        if origin == "ingest":
            entry["path"] = str(Path(note.path).resolve())
        self.registry.upsert(ids=[sid], embeddings=[[1.0]], documents=[json.dumps(asdict(note.source))],
                             metadatas=[entry])
        self._drop_other_versions(sid, note.sha)
        self._backup()

    def _backup(self) -> None:
        """A copy of the registry's list of sources beside the index: if the store itself is ever damaged beyond
        reading, `index --rebuild` can still say which ingested documents must be ingested again."""
        try:
            entries = {sid: {k: e.get(k) for k in ("origin", "path", "kind")} for sid, e in self.indexed().items()}
            path = self.settings.home / BACKUP
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(entries, indent=1))
            tmp.replace(path)
        except OSError as exc:
            log.warning("cannot write the registry backup %s: %s", self.settings.home / BACKUP, exc)

    def _drop_other_versions(self, sid: str, keep: str | None) -> int:
        where = {"source_id": sid} if keep is None else {"$and": [{"source_id": sid}, {"sha": {"$ne": keep}}]}
        stale = self.passages.get(where=where, include=[])["ids"]
        for i in range(0, len(stale), 5000):
            self.passages.delete(ids=stale[i:i + 5000])
        self.registry.delete(ids=[PENDING + sid])
        return len(stale)

    def clean(self) -> int:
        """Delete what interrupted writes left behind: for each pending mark whose writer is gone (no writer
        holds the embedded index's lock, or the mark's lease has not been renewed for STALE_SECONDS), the
        passages of that source whose hash the registry does not name."""
        if self._writer_alive():
            return 0
        return self._sweep()

    def _sweep(self) -> int:
        """`clean` once no other writer can be running (the caller holds the lock, or found it free)."""
        committed, pending, _ = self._registry()
        now = time.time()
        dead = [sid for sid, meta in pending.items()
                if not self.settings.chroma_url or now - float(meta.get("beat") or 0) > STALE_SECONDS]
        return sum(self._drop_other_versions(sid, committed.get(sid, {}).get("sha")) for sid in dead)

    def remove(self, source_id: str) -> int:
        """Delete a source: its registry entry first (it disappears at once), then its passages."""
        with self.writing():
            return self._remove(source_id)

    def _remove(self, source_id: str) -> int:
        ids = self.passages.get(where={"source_id": source_id}, include=[])["ids"]
        self.registry.delete(ids=[source_id])
        self.passages.delete(where={"source_id": source_id})
        self._backup()
        self.__dict__.pop("loaded", None)
        return len(ids)

    def reset(self) -> None:
        self.passages.reset_collection()
        try:  # indexes written before sentence vectors were computed at query time kept them here
            self.client.delete_collection(f"{self.settings.collection}_sentences")
        except Exception:
            pass
        ids = self.registry.get(include=[])["ids"]
        if ids:
            self.registry.delete(ids=ids)
        self.__dict__.pop("loaded", None)

    # -- reading -----------------------------------------------------------------------------
    @property
    def lexical_dir(self) -> Path:
        """Where BM25 is saved: beside the embedded index, or in the home folder for a server."""
        where = self.settings.chroma_url or str(self.settings.chroma_path.resolve())
        tag = hashlib.sha256(where.encode()).hexdigest()[:12]
        return self.settings.home / "lexical" / f"{self.settings.collection}-{tag}"

    @cached_property
    def loaded(self) -> Loaded:
        """The committed sources with BM25 over their passages (loaded from disk, brought up to date with the
        registry by a delta segment or a merge)."""
        return self._open_lexical()

    def optimize(self) -> Loaded:
        """Merge the lexical index's segments into one (`assistant index --optimize`)."""
        self.__dict__["loaded"] = self._open_lexical(optimize=True)
        return self.loaded

    def _open_lexical(self, optimize: bool = False) -> Loaded:
        from .lexical import open_loaded

        try:
            committed, pending, docs = self._registry()
            if pending:
                self.clean()  # a write was interrupted: sweep its leftovers before they are read
            sources, shas = {}, {}
            for sid, meta in committed.items():
                raw = json.loads(docs[sid])
                raw["flags"] = tuple(raw.get("flags", ()))  # a field a later version added is left out
                sources[sid], shas[sid] = Source(**{k: v for k, v in raw.items() if k in SOURCE_FIELDS}), meta["sha"]
            return open_loaded(self.lexical_dir, self.passages._collection, sources, shas, optimize=optimize)
        except IndexUnavailable:
            raise
        except Exception as exc:
            raise IndexUnavailable(f"the index is unreadable ({exc}); run `assistant index --rebuild`") from exc

    def refresh(self) -> bool:
        """Has the index changed since it was loaded, by this process or another (an ingest, a remove, another
        client of a Chroma server)? Then forget what was loaded, so the next read sees the change. Checked at most
        every REFRESH_SECONDS (one registry read)."""
        if "loaded" not in self.__dict__ or time.monotonic() - self._checked < self.refresh_seconds:
            return False
        self._checked = time.monotonic()
        if {sid: entry["sha"] for sid, entry in self.indexed().items()} == self.loaded.shas:
            return False
        self.__dict__.pop("loaded", None)
        with self._lock:
            self._sentences.clear()
        return True

    refresh_seconds: float = 2.0
    on_batch = None  # called with the number of passages each stored batch held (a progress bar)

    def background(self, n: int = 2048) -> np.ndarray:
        """A fixed sample of passage vectors: what a typical passage of this corpus looks like."""
        got = self.passages.get(limit=n, include=["embeddings"])["embeddings"]
        return np.asarray(got if got is not None else [], dtype=np.float32)

    def sentence_vectors(self, passages: list[Passage]) -> dict[str, list[tuple[str, np.ndarray]]]:
        """passage id -> [(sentence, vector)] in reading order: stored with the passage at ingest, or (an older
        index) embedded when first needed, one batch per query; kept in a bounded cache."""
        with self._lock:
            return self._sentence_vectors(passages)

    def _sentence_vectors(self, passages: list[Passage]) -> dict[str, list[tuple[str, np.ndarray]]]:
        todo = [p for p in passages if p.id not in self._sentences]
        stored = self.loaded.stored_vectors([p.id for p in todo]) if todo else {}
        for p in todo:
            try:
                self._sentences[p.id] = list(zip(p.sentences, unpack(stored[p.id], len(p.sentences))))
            except (KeyError, ValueError):  # none stored (an older index), or not these sentences: embed them
                continue
        todo = [p for p in todo if p.id not in self._sentences]
        texts = [(p.id, s) for p in todo for s in p.sentences]
        if texts:
            vectors = np.asarray(self.embeddings.embed_documents([s for _, s in texts]), dtype=np.float32)
            for p in todo:
                self._sentences[p.id] = []
            for (pid, text), vec in zip(texts, vectors):
                self._sentences[pid].append((text, vec))
        out = {}
        for p in passages:
            self._sentences.move_to_end(p.id)
            out[p.id] = self._sentences[p.id]
        while len(self._sentences) > SENTENCE_CACHE:
            self._sentences.popitem(last=False)
        return out


def open_store(settings: Settings, build_if_missing: bool = True, embeddings=None) -> Store:
    """Open the index; build it from the corpus first when it is empty."""
    store = Store(settings, embeddings=embeddings)
    manifest.check(store.passages._collection, store.embeddings)
    if build_if_missing and not store.indexed():
        store.sync(load_corpus(settings.corpus_dir))
    return store
