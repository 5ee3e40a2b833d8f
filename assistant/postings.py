"""BM25 over segments: a base segment plus small delta segments, scored as one index.

A segment is an inverted index of some sources' passages (term -> rows and term frequencies, as CSC arrays)
with each row's length. Nothing in it depends on the rest of the library, so a new source's passages become a
small delta segment in milliseconds while the base (a million passages) stays on disk, memory-mapped.
Scores are computed when a query comes, from frequencies that span every segment (the number of live rows
that hold a term, the mean length of live rows), so they equal those of one index built from scratch: BM25's
Lucene variant with bm25s's defaults (k1 1.5, b 0.75), which a test checks against bm25s itself.

A row is live when its source's version is the committed one and no earlier segment already provides that
version: a replaced or removed source leaves dead rows behind (tombstones, by the registry) until a merge."""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np

K1, B = 1.5, 0.75
FILES = ("indptr.npy", "indices.npy", "tf.npy", "doc_len.npy", "source_of.npy", "patient.npy")


@dataclass
class Segment:
    ids: list[str]  # row -> passage id
    pairs: list[tuple[str, str]]  # the (source id, content hash) versions it holds
    source_of: np.ndarray  # row -> index in `pairs`
    patient: np.ndarray  # row -> written for patients
    doc_len: np.ndarray  # row -> number of terms
    terms: list[str]  # column -> term
    indptr: np.ndarray  # column -> its range in `indices` / `tf`
    indices: np.ndarray  # rows, ascending within a column
    tf: np.ndarray  # term frequencies
    abbreviations: dict[str, str]
    _vocab: dict[str, int] | None = field(default=None, repr=False)

    @property
    def vocab(self) -> dict[str, int]:
        if self._vocab is None:
            self._vocab = {t: i for i, t in enumerate(self.terms)}
        return self._vocab

    def column(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """The rows that hold a term and its frequency in each."""
        col = self.vocab.get(term)
        if col is None:
            return _EMPTY_ROWS, _EMPTY_TF
        start, end = self.indptr[col], self.indptr[col + 1]
        return self.indices[start:end], self.tf[start:end]

    # -- building ------------------------------------------------------------------------------
    @classmethod
    def build(cls, rows: Iterable[tuple[str, tuple[str, str], bool, list[str]]],
              abbreviations: dict[str, str] | None = None) -> "Segment":
        """From (passage id, (source id, hash), for patients, terms) rows, in reading order."""
        ids, source_of, patient, doc_len, pairs, vocab = [], [], [], [], {}, {}
        cols, row_of, freq = [], [], []
        for row, (pid, pair, for_patient, terms) in enumerate(rows):
            ids.append(pid)
            source_of.append(pairs.setdefault(pair, len(pairs)))
            patient.append(for_patient)
            doc_len.append(len(terms))
            for term, count in Counter(terms).items():
                cols.append(vocab.setdefault(term, len(vocab)))
                row_of.append(row)
                freq.append(count)
        cols = np.asarray(cols, dtype=np.int64)
        order = np.argsort(cols, kind="stable")  # by column; rows stay ascending within one
        return cls(ids, list(pairs), np.asarray(source_of, dtype=np.int32), np.asarray(patient, dtype=bool),
                   np.asarray(doc_len, dtype=np.int32), list(vocab), _indptr(cols[order], len(vocab)),
                   np.asarray(row_of, dtype=np.int32)[order], np.asarray(freq, dtype=np.float32)[order],
                   dict(abbreviations or {}))

    @classmethod
    def merge(cls, parts: list[tuple["Segment", np.ndarray]]) -> "Segment":
        """One segment of the rows each part keeps (a boolean mask per segment), in order: no text re-read."""
        ids, pairs, source_of, patient, doc_len, vocab, abbreviations = [], {}, [], [], [], {}, {}
        cols, row_of, freq, offset = [], [], [], 0
        for seg, keep in parts:
            new_row = np.cumsum(keep, dtype=np.int64) - 1 + offset
            pair_index = np.full(len(seg.pairs), -1, dtype=np.int32)
            for i in np.unique(seg.source_of[keep]):
                pair_index[i] = pairs.setdefault(seg.pairs[i], len(pairs))
            ids += [pid for pid, k in zip(seg.ids, keep) if k]
            source_of.append(pair_index[seg.source_of[keep]])
            patient.append(seg.patient[keep])
            doc_len.append(seg.doc_len[keep])
            col_map = np.asarray([vocab.setdefault(t, len(vocab)) for t in seg.terms], dtype=np.int64)
            col_of = np.repeat(np.arange(len(seg.terms)), np.diff(seg.indptr))
            kept = keep[seg.indices]
            cols.append(col_map[col_of[kept]])
            row_of.append(new_row[seg.indices[kept]])
            freq.append(np.asarray(seg.tf[kept]))
            for abbr, long in seg.abbreviations.items():
                abbreviations.setdefault(abbr, long)
            offset += int(keep.sum())
        cols_all = np.concatenate(cols) if cols else np.empty(0, dtype=np.int64)
        order = np.argsort(cols_all, kind="stable")
        cat = lambda arrays, dtype: np.concatenate(arrays).astype(dtype) if arrays else np.empty(0, dtype=dtype)  # noqa: E731
        return cls(ids, list(pairs), cat(source_of, np.int32), cat(patient, bool), cat(doc_len, np.int32),
                   list(vocab), _indptr(cols_all[order], len(vocab)), cat(row_of, np.int32)[order],
                   cat(freq, np.float32)[order], abbreviations)

    # -- on disk ---------------------------------------------------------------------------------
    def save(self, folder: Path) -> None:
        for name, array in zip(FILES, (self.indptr, self.indices, self.tf, self.doc_len, self.source_of,
                                       self.patient)):
            np.save(folder / name, array)
        (folder / "rows.json").write_text(json.dumps({"ids": self.ids, "pairs": self.pairs, "terms": self.terms,
                                                      "abbreviations": self.abbreviations}))

    @classmethod
    def load(cls, folder: Path) -> "Segment":
        rows = json.loads((folder / "rows.json").read_text())
        arrays = [np.load(folder / name, mmap_mode="r") for name in FILES]
        indptr, indices, tf, doc_len, source_of, patient = arrays
        seg = cls(list(rows["ids"]), [tuple(p) for p in rows["pairs"]], np.asarray(source_of), np.asarray(patient),
                  np.asarray(doc_len), list(rows["terms"]), np.asarray(indptr), indices, tf,
                  dict(rows["abbreviations"]))
        seg.check()
        return seg

    def check(self) -> None:
        """Raise ValueError if the arrays do not describe one consistent index."""
        n, cols = len(self.ids), len(self.terms)
        if not (len(self.source_of) == len(self.patient) == len(self.doc_len) == n):
            raise ValueError("its rows do not line up")
        if len(self.indptr) != cols + 1 or int(self.indptr[-1]) != len(self.indices) or len(self.tf) != len(self.indices):
            raise ValueError("its columns do not line up")
        if len(self.indices) and (int(np.min(self.indices)) < 0 or int(np.max(self.indices)) >= n):
            raise ValueError("its postings point outside its rows")
        if n and (int(self.source_of.min()) < 0 or int(self.source_of.max()) >= len(self.pairs)):
            raise ValueError("its rows point outside its sources")


_EMPTY_ROWS, _EMPTY_TF = np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)


def _indptr(sorted_cols: np.ndarray, n_cols: int) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(np.bincount(sorted_cols, minlength=n_cols))]).astype(np.int64)


class Postings:
    """The live rows of several segments, searched as one BM25 index (row numbers run across segments)."""

    def __init__(self, segments: list[Segment], live: list[np.ndarray]):
        self.segments = segments
        self.offsets = np.cumsum([0] + [len(s.ids) for s in segments])
        self.live = np.concatenate(live) if live else np.zeros(0, dtype=bool)
        self.n = int(self.live.sum())
        doc_len = np.concatenate([s.doc_len for s in segments]).astype(np.float64) if segments else np.zeros(0)
        avgdl = float(doc_len[self.live].mean()) if self.n else 1.0
        self.norm = K1 * (1 - B + B * doc_len / avgdl)

    def column(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """The live rows that hold a term, ascending, and the term's frequency in each."""
        rows, tfs = [], []
        for seg, offset in zip(self.segments, self.offsets):
            r, tf = seg.column(term)
            if len(r):
                r = r.astype(np.int64) + offset
                alive = self.live[r]
                rows.append(r[alive])
                tfs.append(np.asarray(tf)[alive])
        if not rows:
            return _EMPTY_ROWS, _EMPTY_TF
        return (rows[0], tfs[0]) if len(rows) == 1 else (np.concatenate(rows), np.concatenate(tfs))

    def rows_with(self, term: str) -> np.ndarray:
        return self.column(term)[0]

    def get_scores(self, terms: list[str]) -> np.ndarray:
        """Every row's BM25 score for the query terms (0 for dead rows and rows with none of them)."""
        scores = np.zeros(len(self.live), dtype=np.float64)
        for term in terms:
            rows, tf = self.column(term)
            if len(rows):
                df = len(rows)
                idf = math.log(1 + (self.n - df + 0.5) / (df + 0.5))
                scores[rows] += idf * tf / (self.norm[rows] + tf)
        return scores.astype(np.float32)
