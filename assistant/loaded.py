"""The index in memory: the visible passages and sources, BM25 over them, and what names each source."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cached_property

from .schema import Passage, Source
from .text import everyday_words, stem, stems
from .text import words as split_words


@dataclass
class Loaded:
    passages: dict[str, Passage]
    sources: dict[str, Source]
    ids: list[str]
    bm25: object
    terms: dict[str, set[str]]  # passage id -> stems (title and section included), for overlap measures
    document_frequency: dict[str, int] = field(default_factory=dict)  # stem -> passages containing it
    shas: dict[str, str] = field(default_factory=dict)  # source id -> the committed content hash
    stored: dict[str, str] = field(default_factory=dict)  # passage id -> its id in the store
    by_stored: dict[str, str] = field(default_factory=dict)  # store id -> passage id (visible passages only)

    @cached_property
    def source_names(self) -> dict[str, set[str]]:
        """Stems that name one source (or two, e.g. a trial and its follow-up): from its id, title acronyms,
        first author and venue, minus words common in the corpus. A question that uses one is about it."""
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

    @cached_property
    def _by_source(self) -> dict[str, list[Passage]]:
        out: dict[str, list[Passage]] = {}
        for passage in self.passages.values():
            out.setdefault(passage.source_id, []).append(passage)
        return out

    def of_source(self, source_id: str, audience: str | None = None) -> list[Passage]:
        return [p for p in self._by_source.get(source_id, []) if audience is None or p.audience == audience]

    @classmethod
    def build(cls, registry: dict, ids, documents, metadatas) -> "Loaded":
        """From the registry (source id -> committed hash and citation) and the stored passages; passages
        of an uncommitted or superseded write are left out, so a half-written source is never seen."""
        import bm25s

        sources, shas = {}, {}
        for sid, (sha, doc) in registry.items():
            raw = json.loads(doc)
            raw["flags"] = tuple(raw.get("flags", ()))
            sources[sid], shas[sid] = Source(**raw), sha
        passages, tokens, stored = {}, [], {}
        for store_id, text, meta in zip(ids, documents, metadatas):
            sid = meta["source_id"]
            if shas.get(sid) != meta["sha"]:
                continue
            pid = meta.get("passage_id", store_id)
            passages[pid] = Passage(pid, sid, meta["section"], text, meta["audience"])
            stored[pid] = store_id
            tokens.append(stems(f"{sources[sid].title} {meta['section']} {text}") or ["_"])
        bm25 = bm25s.BM25()
        if tokens:
            bm25.index(tokens, show_progress=False)
        order = list(passages)
        terms = {pid: set(t) for pid, t in zip(order, tokens)}
        frequency: dict[str, int] = {}
        for found in terms.values():
            for term in found:
                frequency[term] = frequency.get(term, 0) + 1
        return cls(passages, sources, order, bm25, terms, frequency, shas, stored,
                   {v: k for k, v in stored.items()})
