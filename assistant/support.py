"""Does a cited passage support a sentence? A checker of our own (no NLI model is packaged here).

Three tests, all needed: every figure of the sentence is in the passage; the sentence's words are in
the passage (abbreviations, synonyms and plain-language swaps count); its meaning is close to a passage
sentence, with the same polarity on the content they share: a negation counts only where it applies to
words the other side also says ("no events were recorded, and the endpoint was met" does not contradict
"the endpoint was met"; it does contradict "events were recorded")."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from .lexicon import Lexicon
from .text import STOPWORDS, numbers, split_sentences, stem, stems, words

_NEGATION = re.compile(r"\b(?:not|no|never|without|neither|nor|none|cannot|failed to)\b|\b([a-z]+)-free\b", re.I)
_CLAUSE_END = re.compile(r"[;:()]|[,.](?!\d)|\b(?:and|but|while|whereas|although)\b", re.I)  # not '0.52', '1,327'
# a negation applies to the words after it up to one of these (once it has a word): 'no events | were recorded |
# during follow-up'
_SCOPE_STOP = frozenset("at in after during of for with from by among before within compared over than to "
                        "was were is are be been had has have".split())
NEGATION_SCOPE = 4  # content words at most
SIMILARITY_MARGIN = 0.05  # a passage sentence this close to the closest one may settle the polarity too


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
        # plain words that name a concept with a negation word in it ("survival without serious events" is
        # event-free survival): put back into the term before looking for negations, so neither is a denial
        self._lay_terms = [(re.compile(re.escape(lay), re.I), term) for term, lay in lexicon.lay.items()
                           if _NEGATION.search(lay)]

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
        similarity = float(np.max(sims))
        polarity_ok = self._polarity_ok(sentence, candidates, sims)
        meaning = overlap >= self.min_overlap or (similarity >= self.min_similarity
                                                  and overlap >= self.min_overlap_with_similarity)
        return Verdict(not missing and meaning and polarity_ok, not missing, round(overlap, 3),
                       round(similarity, 3), missing, polarity_ok)

    def _denied(self, text: str) -> set[str]:
        """The stems that the negations of a text apply to: the content words after 'no', 'not', 'without'... up
        to the end of the clause, a preposition or a verb 'to be'; the X of 'X-free'."""
        for lay, term in self._lay_terms:
            text = lay.sub(term, text)
        out = set()
        for m in _NEGATION.finditer(text):
            if m.group(1):
                out.add(stem(m.group(1).lower()))
                continue
            taken: list[str] = []
            for w in words(_CLAUSE_END.split(text[m.end():], 1)[0]):
                if (taken and w in _SCOPE_STOP) or len(taken) == NEGATION_SCOPE:
                    break
                if w not in STOPWORDS:
                    taken.append(w)
            out |= set(stems(self.lexicon.expand(" ".join(taken), synonyms=False))) if taken else set(stems(text))
        return out

    def _said(self, text: str) -> set[str]:
        """A text's stems with abbreviations spelt out and plain words (no synonyms: 'safety' is not 'adverse')."""
        return set(stems(self.lexicon.expand(text, synonyms=False))) | set(stems(self.lexicon.plain(text)))

    def _disagree(self, sentence: str, candidate: str) -> bool:
        """A word that one side denies and the other says without denying it."""
        mine, theirs = self._denied(sentence), self._denied(candidate)
        return bool((mine & self._said(candidate)) - theirs or (theirs & self._said(sentence)) - mine)

    def _polarity_ok(self, sentence: str, candidates: list[str], sims: np.ndarray) -> bool:
        """The closest passage sentence agrees on polarity; or the sentence denies something and a passage sentence
        almost as close (within SIMILARITY_MARGIN) denies it too. An affirmation is never rescued by a neighbour:
        "X improved survival" against "X did not improve survival" stays a contradiction."""
        if not self._disagree(sentence, candidates[int(np.argmax(sims))]):
            return True
        denied = self._denied(sentence)
        return any(sim >= sims.max() - SIMILARITY_MARGIN and denied & self._said(c) and not self._disagree(sentence, c)
                   for c, sim in zip(candidates, sims))
