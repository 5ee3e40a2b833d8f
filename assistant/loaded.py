"""The index as read: the committed sources, BM25 over their passages, and passages fetched on demand.

Nothing here holds every passage's text: BM25 (segments of postings, `postings.py`) is built from Chroma's
documents and saved beside the index (`lexical.py`), so that a million passages load in seconds and in little
memory; passage texts come from Chroma when a query needs them, with a bounded cache."""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from .schema import Passage, Source, Statement
from .text import everyday_words, stem, stems
from .text import words as split_words

CACHE = 20_000  # passages kept in memory


def passage_terms(title: str, section: str, text: str) -> list[str]:
    """What BM25 indexes for a passage, and what overlap measures compare: stems of title, section and text."""
    return stems(f"{title} {section} {text}") or ["_"]


def store_id(passage_id: str, sha: str) -> str:
    """A passage's id in the store: its id and the content hash of the version that wrote it."""
    return f"{passage_id}@{sha[:16]}"


# words of an id or title that say what kind of document it is, not which one ('dutch-cohort', 'ash-abstract')
_KINDS_OF_STUDY = frozenset("cohort cohorts trial trials study studies series case cases review reviews abstract chapter "
                            "update protocol report registry pilot analysis meta".split())


@dataclass
class Loaded:
    sources: dict[str, Source]
    shas: dict[str, str]  # source id -> the committed content hash
    ids: list[str]  # BM25 row -> passage id (dead rows included: see `size`)
    source_of: np.ndarray  # BM25 row -> index in `source_ids` (-1: a dead row, of a replaced or removed version)
    patient: np.ndarray  # BM25 row -> written for patients
    source_ids: list[str]
    postings: object  # postings.Postings: BM25 over the rows
    abbreviations: dict[str, str]  # learnt from the corpus ('long form (ABBR)')
    collection: object = None  # the Chroma collection the texts come from
    _cache: OrderedDict = field(default_factory=OrderedDict, repr=False)
    _vectors: dict = field(default_factory=dict, repr=False)  # passage id -> its packed sentence vectors
    _terms: dict = field(default_factory=dict, repr=False)
    _statements: dict = field(default_factory=dict, repr=False)
    _of_source: dict = field(default_factory=dict, repr=False)  # (source id, audience) -> its passages  # source id -> {statement id: (passage, st)}
    _subjects: dict = field(default_factory=dict, repr=False)  # subject -> sources that name it
    _subject_rows: dict = field(default_factory=dict, repr=False)  # subject -> their BM25 rows
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    # -- passages ------------------------------------------------------------------------------
    def visible(self, meta: dict) -> bool:
        """Is a stored passage part of its source's committed version?"""
        return self.shas.get(meta.get("source_id")) == meta.get("sha")

    def remember(self, passage: Passage, vectors: str | None = None) -> Passage:
        self._cache[passage.id] = passage
        self._cache.move_to_end(passage.id)
        if vectors:
            self._vectors[passage.id] = vectors
        while len(self._cache) > CACHE:
            self._vectors.pop(self._cache.popitem(last=False)[0], None)
        return passage

    def stored_vectors(self, pids: list[str]) -> dict[str, str]:
        """The sentence vectors stored with these passages at ingest (packed; see embeddings.pack), where there
        are any: an index written before they were stored has none, and its sentences are embedded when needed."""
        with self._lock:
            self._passages([pid for pid in pids if pid not in self._vectors])
            return {pid: self._vectors[pid] for pid in pids if pid in self._vectors}

    def passages(self, pids: list[str]) -> dict[str, Passage]:
        """Passages by id (unknown or uncommitted ids are left out)."""
        with self._lock:
            return self._passages(pids)

    def _passages(self, pids: list[str]) -> dict[str, Passage]:
        # each id once: the dead rows of a replaced version repeat its passage ids, and Chroma refuses duplicates
        missing = list(dict.fromkeys(pid for pid in pids if pid not in self._cache))
        wanted = [store_id(pid, self.shas[sid]) for pid in missing
                  if (sid := pid.split("#", 1)[0]) in self.shas]
        if wanted:
            got = self.collection.get(ids=wanted, include=["documents", "metadatas"])
            self._keep(got)
        return {pid: self.remember(self._cache[pid]) for pid in pids if pid in self._cache}

    def _keep(self, got: dict) -> list[Passage]:
        out = []
        for text, meta in zip(got["documents"], got["metadatas"]):
            if self.visible(meta):
                statements = tuple(Statement.from_meta(x) for x in json.loads(meta.get("statements") or "[]"))
                out.append(self.remember(Passage(meta["passage_id"], meta["source_id"], meta["section"], text,
                                                 meta["audience"], statements), meta.get("sentence_vectors")))
        return out

    def passage(self, pid: str) -> Passage:
        return self.passages([pid])[pid]

    def of_source(self, source_id: str, audience: str | None = None) -> list[Passage]:
        """A source's committed passages in reading order (kept: this index version never changes)."""
        key = (source_id, audience)
        if key not in self._of_source:
            if len(self._of_source) > CACHE // 10:
                self._of_source.clear()
            self._of_source[key] = self._fetch_source(source_id, audience)
        return self._of_source[key]

    def _fetch_source(self, source_id: str, audience: str | None) -> list[Passage]:
        if source_id not in self.shas:
            return []
        where = {"$and": [{"source_id": source_id}, {"sha": self.shas[source_id]}]}
        if audience:
            where["$and"].append({"audience": audience})
        got = self.collection.get(where=where, include=["documents", "metadatas"])
        with self._lock:
            return self._keep(got)  # in the order they were stored: reading order

    def statement(self, ref: str) -> tuple[Passage, Statement] | None:
        """A statement by its id ('note-id#statement-id') with the clinician passage that holds it."""
        sid = ref.split("#", 1)[0]
        if sid not in self._statements:
            self._statements[sid] = {st.id: (p, st) for p in self.of_source(sid, "clinician") for st in p.statements}
        return self._statements[sid].get(ref)

    def terms(self, pid: str) -> set[str]:
        """A passage's stems (title and section included), for overlap measures."""
        if pid not in self._terms:
            if len(self._terms) > CACHE:
                self._terms.clear()
            p = self.passage(pid)
            self._terms[pid] = set(passage_terms(self.sources[p.source_id].title, p.section, p.text))
        return self._terms[pid]

    # -- vocabulary ------------------------------------------------------------------------------
    @property
    def size(self) -> int:
        """The number of live passages (rows of committed versions)."""
        return self.postings.n

    def rows_with(self, term: str) -> np.ndarray:
        """The live BM25 rows (passages) that contain a stem, ascending."""
        return self.postings.rows_with(term)

    def document_frequency(self, term: str) -> int:
        return len(self.rows_with(term))

    def rows_with_all(self, terms: set[str]) -> np.ndarray:
        """The BM25 rows that contain every one of these stems."""
        rows = None
        for term in terms:
            found = self.rows_with(term)
            rows = found if rows is None else np.intersect1d(rows, found)
            if not len(rows):
                break
        return rows if rows is not None else np.empty(0, dtype=np.int64)

    def sources_with(self, terms: set[str]) -> set[str]:
        """Sources with a passage that contains every one of these stems."""
        return {self.source_ids[i] for i in np.unique(self.source_of[self.rows_with_all(terms)])}

    @cached_property
    def source_names(self) -> dict[str, set[str]]:
        """Stems that name one source (or two, e.g. a trial and its follow-up): from its id, title acronyms,
        first author, venue and other names (`aka`: 'China'), minus words common in the corpus. A question that uses
        one is about it."""
        raw: dict[str, set[str]] = {}
        for sid, source in self.sources.items():
            if source.kind == "synthesis":  # our own notes: no question names them
                continue
            acronyms = {w.lower() for w in re.findall(r"\b[A-Z]{3,}\b", source.title)}  # SCOT, UPSIDE, CARE
            words = re.findall(r"[a-z]{3,}", sid) + [w.lower() for w in re.findall(r"\b[A-Z][a-z]*[A-Z]\w*", source.title)]
            if source.authors:
                words.append(source.authors.split()[0].lower())
            if source.venue:
                words += [w.lower() for w in re.findall(r"\b[A-Z]{3,}\b", source.venue)]
            tokens = {t for w in words for t in split_words(w) if len(t) >= 3 and t not in everyday_words()
                      and t not in _KINDS_OF_STUDY}
            tokens |= {w.lower() for w in re.findall(r"[A-Za-z][\w-]+", source.aka or "")}  # names, even 'China', 'UK'
            raw[sid] = {stem(t) for t in tokens} | {stem(a) for a in acronyms}
        spread: dict[str, int] = {}
        for names in raw.values():
            for name in names:
                spread[name] = spread.get(name, 0) + 1
        common = max(1, self.size // 4)
        return {sid: {n for n in names if spread[n] <= 2 and self.document_frequency(n) <= common}
                for sid, names in raw.items()} | {sid: set() for sid, s in self.sources.items() if s.kind == "synthesis"}

    @cached_property
    def named_by(self) -> dict[str, set[str]]:
        """A name's stem -> the sources it names (the inverse of `source_names`)."""
        out: dict[str, set[str]] = {}
        for sid, names in self.source_names.items():
            for name in names:
                out.setdefault(name, set()).add(sid)
        return out

    def sources_naming(self, subject: str) -> set[str]:
        """Sources with a passage (title included) that names the subject: any of its comma-separated names,
        a phrase as a phrase ('systemic sclerosis', not 'systemic ... multiple sclerosis')."""
        if subject not in self._subjects:
            found: set[str] = set()
            for name in filter(None, (n.strip() for n in subject.split(","))):
                rows = self.rows_with_all(set(stems(name)))
                if len(stems(name)) > 1:
                    rows = self._saying(rows, re.compile(r"\b" + r"[\s-]+".join(map(re.escape, name.split())) + r"\b", re.I))
                found |= {self.source_ids[i] for i in np.unique(self.source_of[rows])}
            self._subjects[subject] = found
        return self._subjects[subject]

    def subject_rows(self, subject: str) -> np.ndarray:
        """The BM25 rows of the sources that name the subject."""
        if subject not in self._subject_rows:
            index = {sid: i for i, sid in enumerate(self.source_ids)}
            wanted = [index[sid] for sid in self.sources_naming(subject) if sid in index]
            self._subject_rows[subject] = np.flatnonzero(np.isin(self.source_of, wanted))
        return self._subject_rows[subject]

    def _saying(self, rows: np.ndarray, phrase: re.Pattern, page: int = 5000) -> np.ndarray:
        """The rows whose passage (with its source's title) matches a pattern: texts fetched from Chroma."""
        keep = []
        for start in range(0, len(rows), page):
            chunk = rows[start:start + page]
            pids = list(dict.fromkeys(p for r in chunk if (p := self.ids[r]).split("#", 1)[0] in self.shas))
            got = self.collection.get(ids=[store_id(p, self.shas[p.split("#", 1)[0]]) for p in pids],
                                      include=["documents", "metadatas"])
            said = {m["passage_id"] for text, m in zip(got["documents"], got["metadatas"])
                    if phrase.search(f"{self.sources[m['source_id']].title} {text}")}
            keep += [r for r in chunk if self.ids[r] in said]
        return np.asarray(keep, dtype=np.int64)
