"""Typos in a question, mended to the words of the sources: "autologus stem cel transplant sclerodema survival"
is searched as "autologous stem cel transplant scleroderma survival".

Only a word that no source, no English dictionary (pyspellchecker's word list) and no ICD-10 condition name knows
is mended, and only to a source word within one edit (two for long words; a swap of two letters is one edit): a
real word is never changed ('concern' stays 'concern', 'nephrogenic' stays and is then declined as a condition the
sources do not cover), and a short one is left alone. Distances by rapidfuzz."""

from __future__ import annotations

import bisect
import re
from functools import lru_cache

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from .conditions import _DISEASE_WORD, _DRUG
from .text import STOPWORDS, fold

# a drug (INN stem) or disease (its ending) by its shape: never mended into a source word ('statins')
_NAMED = re.compile(_DRUG.pattern.replace("[a-z]{2,}(?:", "[a-z]*(?:").replace(r")\b", r")s?\b") + "|"
                    + _DISEASE_WORD.pattern.rstrip("$") + "s?$", re.I)
MIN_LENGTH = 4  # shorter words are left as they are ('cel' may be anything)
LONG = 7  # from this length two edits are allowed
MAX_PASSAGES = 50_000  # the vocabulary is read from at most this many passages
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*[A-Za-z]|[A-Za-z]")
NAME_LENGTH = 5  # a shorter unknown word may be an abbreviation or a typo: never taken for a name
_PREFIX = re.compile(r"^(auto|anti|non|pre|post|re|co|sub|hyper|hypo|inter|intra|multi|over|under|immuno|neo)-?")
NEAR = 85  # a word this close to a source word (rapidfuzz ratio) is taken for a misspelling of it, not a name


@lru_cache(maxsize=1)
def _checker():
    from spellchecker import SpellChecker

    return SpellChecker(distance=1)


def _english():
    return _checker().word_frequency


@lru_cache(maxsize=1)
def _condition_words() -> frozenset[str]:
    from .conditions import condition_names

    return frozenset(w for name in condition_names().values() for w in name.split())


_CONTRACTED = re.compile(r"(n)(t)$|(ve|re|ll)$")


def _contraction(word: str) -> bool:
    """A contraction written without its apostrophe, perhaps with a typo as well ('doesnt', 'dosnt', 'shouldnt',
    'theyre'): one edit from an English contraction with the same ending."""
    match = _CONTRACTED.search(word)
    if not match:
        return False
    ending = "n't" if match.group(1) else f"'{match.group(3)}"
    said = word[:match.start()] + ending
    checker = _checker()
    return _english_word(said) or any(w.endswith(ending) for w in checker.known(checker.edit_distance_1(said)))


def _english_word(word: str) -> bool:
    """In pyspellchecker's English word list, as written, without its plural 's', or in American spelling."""
    forms = {word, word.removesuffix("s"), f"{word}s", word.replace("our", "or"), word.replace("ae", "e"),
             word.replace("oe", "e"), re.sub(r"is(e|ed|es|ing|ation)$", r"iz\1", word), word.replace("tre", "ter")}
    return any(f in _english() for f in forms)


def _forms(word: str) -> set[str]:
    """A word, folded to one spelling, each without a plural 's'."""
    return {word, fold(word), word.removesuffix("s"), fold(word).removesuffix("s")}


def _words(texts) -> set[str]:
    return {w.lower() for text in texts for w in _WORD.findall(text)}


MEMO = 50_000  # mended words kept


class Speller:
    def __init__(self, texts: list[str], others: list[str] = ()):
        """`texts`: what typos are mended to; `others`: words known but never mended to (other diseases)."""
        words = _words(texts)
        words |= {part for w in words if "-" in w for part in w.split("-") if part}  # 'treatment-related'
        self.sources = words
        self.vocabulary = sorted(w for w in words if len(w) >= MIN_LENGTH)
        self.known = words | _words(others) | STOPWORDS | _condition_words()
        self._mended: dict[str, str] = {}  # a question's words are mended twice (its rewrite, its scope check)

    @classmethod
    def of(cls, loaded, lexicon=None) -> "Speller":
        """The speller of an index: the words of its passages and of the lexicon (abbreviations, synonyms, lay
        words, glossary, interventions); the lexicon's other conditions are known, never mended to."""
        texts = [p.text for p in loaded.passages(list(loaded.ids)[:MAX_PASSAGES]).values()]
        others: list[str] = []
        if lexicon is not None:
            texts += [*lexicon.abbreviations, *lexicon.abbreviations.values(), *lexicon.lay, *lexicon.lay.values(),
                      *lexicon.glossary, *(w for group in lexicon.synonyms for w in group),
                      *(w for words in lexicon.interventions.values() for w in words)]
            others = [*lexicon.conditions, *(w for names in lexicon.conditions.values() for w in names)]
        return cls(texts, others)

    def mend(self, word: str) -> str:
        """The source word a typo stands for, or the word itself."""
        if word not in self._mended:
            if len(self._mended) > MEMO:
                self._mended.clear()
            self._mended[word] = self._mend(word)
        return self._mended[word]

    def _mend(self, word: str) -> str:
        lower = word.lower()
        if len(lower) < MIN_LENGTH or not lower.isalpha() or self._real(lower) or _NAMED.match(lower):
            return word
        limit = 2 if len(lower) >= LONG else 1
        found = process.extractOne(lower, self.vocabulary, scorer=OSA.distance, score_cutoff=limit)
        if found is None:
            return word
        return found[0].upper() if word.isupper() else found[0]

    def _real(self, word: str) -> bool:
        """A word of the sources, of English (British spellings too), of the conditions, or its plural or singular."""
        return any(f in self.known for f in _forms(word) | {f"{word}s"}) or _english_word(word)

    def correct(self, text: str) -> str:
        return _WORD.sub(lambda m: self.mend(m.group()), text)

    def unknown(self, text: str) -> list[str]:
        """The words of a (mended) question that neither the sources nor English know and that misspell neither:
        names of what the sources do not cover, a drug, a brand, a disease ('Plaquenil', 'bosentan', 'morphea'),
        as the question writes them. A typo of an English word ('hypertention') or a source word
        ('cyclophosmide', 'sclero' cut short) is not a name."""
        out = []
        for word in _WORD.findall(text):
            lower = word.lower()
            if len(lower) < NAME_LENGTH or not lower.isalpha() or self._named_by_sources(lower) or \
                    _english_word(lower) or _contraction(lower) or self._misspelt(lower):
                continue
            out.append(word)
        return list(dict.fromkeys(out))

    def _named_by_sources(self, word: str) -> bool:
        return any(f in self.sources for f in _forms(word))

    def _misspelt(self, word: str) -> bool:
        """Near a source word, the start of one, a source or English word behind a prefix ('autoantibody'), or one
        edit from an English word (long words only)."""
        bare = _PREFIX.sub("", word)
        if bare != word and len(bare) >= NAME_LENGTH and (self._named_by_sources(bare) or _english_word(bare)):
            return True
        at = bisect.bisect_left(self.vocabulary, word)
        if at < len(self.vocabulary) and self.vocabulary[at].startswith(word):
            return True
        if process.extractOne(word, self.vocabulary, scorer=fuzz.ratio, score_cutoff=NEAR):
            return True
        return len(word) >= LONG and bool(_checker().known(_checker().edit_distance_1(word)))
