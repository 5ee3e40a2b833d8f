"""Does a cited passage support a sentence? A checker of our own (no NLI model is packaged here).

Three tests, all needed: every figure of the sentence is in the passage; the sentence's words are in
the passage (abbreviations, synonyms and plain-language swaps count); its meaning is close to a passage
sentence, with the same polarity (a 'not' on one side only is a contradiction)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from .lexicon import Lexicon
from .text import numbers, split_sentences, stems

_NEGATION = re.compile(r"\b(not|no|never|without|neither|nor|none|cannot|did not|does not|failed to)\b", re.I)


@dataclass
class Verdict:
    supported: bool
    numbers_ok: bool
    overlap: float
    similarity: float
    missing_numbers: list[str] = field(default_factory=list)
    polarity_ok: bool = True


class SupportChecker:
    def __init__(self, embeddings, lexicon: Lexicon, min_overlap: float = 0.75, min_similarity: float = 0.72,
                 min_overlap_with_similarity: float = 0.5):
        self.embeddings, self.lexicon = embeddings, lexicon
        self.min_overlap, self.min_similarity = min_overlap, min_similarity
        self.min_overlap_with_similarity = min_overlap_with_similarity
        self._vectors: dict[str, np.ndarray] = {}

    def _embed(self, texts: list[str]) -> np.ndarray:
        """Vectors of texts, each embedded once per checker (passages recur across sentences and questions)."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if missing:
            self._vectors.update(zip(missing, np.asarray(self.embeddings.embed_documents(missing))))
        return np.asarray([self._vectors[t] for t in texts])

    def _terms(self, text: str) -> set[str]:
        return set(stems(self.lexicon.expand(text))) | set(stems(self.lexicon.plain(text)))

    def check(self, sentence: str, passages: list[str]) -> Verdict:
        if not passages:  # an uncited sentence is never supported; its figures count as missing
            missing = sorted(numbers(sentence))
            return Verdict(False, not missing, 0.0, 0.0, missing)
        evidence = " ".join(passages)
        missing = sorted(numbers(sentence) - numbers(evidence) - numbers(self.lexicon.plain(evidence)))
        own = set(stems(sentence))
        overlap = len(own & self._terms(evidence)) / len(own) if own else 1.0
        candidates = [s for p in passages for s in split_sentences(p)]
        candidates += [self.lexicon.plain(s) for s in candidates]
        vectors = self._embed([sentence, *candidates])
        sims = vectors[1:] @ vectors[0]
        best = int(np.argmax(sims))
        similarity = float(sims[best])
        polarity_ok = bool(_NEGATION.search(sentence)) == bool(_NEGATION.search(candidates[best]))
        meaning = overlap >= self.min_overlap or (similarity >= self.min_similarity
                                                  and overlap >= self.min_overlap_with_similarity)
        return Verdict(not missing and meaning and polarity_ok, not missing, round(overlap, 3),
                       round(similarity, 3), missing, polarity_ok)
