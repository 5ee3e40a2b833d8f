"""The field's vocabulary: abbreviations (curated + learnt from the corpus), synonyms, lay words.

Used to expand questions before retrieval and to put quoted text into plain words for patients."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from .text import stem

LEXICON_FILE = Path(__file__).with_name("lexicon.yaml")


@lru_cache(maxsize=None)
def _pattern(term: str) -> re.Pattern:
    flags = 0 if _is_abbreviation(term) else re.I
    return re.compile(rf"(?<![\w-]){re.escape(term)}(?![\w-])", flags)


@lru_cache(maxsize=None)
def _loose(term: str) -> re.Pattern:
    """A glossary word in running text: any case (unless an abbreviation), a plural or singular 's' allowed."""
    stem_ = term[:-1] if term.endswith("s") and not _is_abbreviation(term) else term
    return re.compile(rf"(?<![\w-]){re.escape(stem_)}s?(?![\w-])", 0 if _is_abbreviation(term) else re.I)


@lru_cache(maxsize=None)
def _cue(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.I)


def _is_abbreviation(term: str) -> bool:
    return any(c.isupper() for c in term[1:]) or term.isupper()


@dataclass
class Lexicon:
    abbreviations: dict[str, str] = field(default_factory=dict)  # ABBR -> long form
    synonyms: list[list[str]] = field(default_factory=list)
    lay: dict[str, str] = field(default_factory=dict)
    conditions: dict[str, list[str]] = field(default_factory=dict)  # condition -> other names (lay words...)
    glossary: dict[str, str] = field(default_factory=dict)  # a word of plain answers -> its plain definition
    interventions: dict[str, list[str]] = field(default_factory=dict)  # what a comparison may compare -> its words
    cues: dict[str, list[str]] = field(default_factory=dict)  # a term -> patterns of questions that mean it
    practical: dict[str, dict] = field(default_factory=dict)  # a topic -> {asks: patterns, states: patterns}

    def interventions_in(self, text: str) -> list[tuple[str, int]]:
        """The interventions a text names, each with where it first names it, in that order."""
        found = [(name, at) for name, words in self.interventions.items() if (at := first_at(text, words)) is not None]
        return sorted(found, key=lambda f: f[1])

    def explained(self, texts) -> list[tuple[str, str]]:
        """The glossary words the texts use, in the order they first appear (a longer term before a shorter one
        it contains: 'stem cell transplant', not also 'stem cells' for the same words)."""
        text = " ".join(texts)
        found: list[tuple[int, str]] = []
        taken: list[tuple[int, int]] = []
        for term in sorted(self.glossary, key=len, reverse=True):
            for match in _loose(term).finditer(text):
                if not any(a < match.end() and match.start() < b for a, b in taken):
                    taken.append(match.span())
                    found.append((match.start(), term))
                    break
        return [(term, self.glossary[term]) for _, term in sorted(found)]

    def conditions_in(self, text: str) -> list[str]:
        """The conditions of the curated list a text names, by their name or another of their names."""
        flat = re.sub(r"\s+", " ", re.sub(r"[^\w\s-]", " ", text))  # 'allogeneic (donor) HSCT': one space
        return [name for name, others in self.conditions.items()
                if any(_pattern(t).search(flat) for t in [name, *others])]

    def learn(self, texts) -> "Lexicon":
        """Add the abbreviations the corpus defines itself ('long form (ABBR)'); curated ones win."""
        return self.add(learn_abbreviations(texts))

    def add(self, learned: dict[str, str]) -> "Lexicon":
        for abbr, long in learned.items():
            self.abbreviations.setdefault(abbr, long)
        return self

    def expansions(self, query: str, synonyms: bool = True) -> list[str]:
        """Terms to add to a query: long forms of its abbreviations, abbreviations of its long forms,
        and (with `synonyms`) the synonyms of any phrase it or those expansions contain."""
        added = self.cued(query)
        for abbr, long in self.abbreviations.items():
            if _pattern(abbr).search(query):
                added.append(long)
            elif _pattern(long).search(query):
                added.append(abbr)
        widened = " ; ".join([query, *added])
        for group in self.synonyms if synonyms else ():
            if any(_pattern(term).search(widened) for term in group):
                added.extend(t for t in group if not _pattern(t).search(query))
        seen, out = set(query.lower().split()), []
        for term in added:
            if term.lower() not in seen:
                seen.add(term.lower())
                out.append(term)
        return out

    def cued(self, text: str) -> list[str]:
        """The terms of ideas a text states without naming them ('had it for 7 years': 'disease duration')."""
        return [term for term, patterns in self.cues.items() if any(_cue(p).search(text) for p in patterns)]

    def practical_asked(self, question: str) -> list[str]:
        """The practical matters a question asks about ('how long will I stay in hospital?')."""
        return [t for t, how in self.practical.items() if any(_cue(p).search(question) for p in how["asks"])]

    def speaks_to(self, topic: str, text: str) -> bool:
        """Does a text speak to a practical matter?"""
        return any(_cue(p).search(text) for p in self.practical[topic]["states"])

    def group_of(self, term: str) -> list[str]:
        """The synonyms group a term belongs to, or the term alone."""
        return next((g for g in self.synonyms if term in g), [term])

    def synonyms_of(self, word: str) -> list[str]:
        """The synonyms of any form of a one-word term ('deaths' -> the group of 'death')."""
        own = stem(word)
        return [t for group in self.synonyms if any(" " not in m and stem(m.lower()) == own for m in group)
                for t in group]

    def phrases(self, text: str) -> list[tuple[str, list[str]]]:
        """Synonyms of several words found in a text ('good fit'), each with its group: one idea, not two words."""
        return [(term, group) for group in self.synonyms for term in group
                if " " in term.strip() and _pattern(term).search(text)]

    def expand(self, query: str, synonyms: bool = True) -> str:
        extra = self.expansions(query, synonyms)
        return f"{query} ({'; '.join(extra)})" if extra else query

    def plain(self, text: str) -> str:
        """Swap jargon for plain words, longest terms first."""
        for term in sorted(self.lay, key=len, reverse=True):
            text = _pattern(term).sub(self.lay[term], text)
        return text


def first_at(text: str, terms) -> int | None:
    """Where a text first uses any of the terms (whole words; abbreviations by their case), or None."""
    return min((m.start() for t in terms if (m := _pattern(t).search(text))), default=None)


def learn_abbreviations(texts) -> dict[str, str]:
    """Abbreviations that texts define themselves ('long form (ABBR)'), by the Schwartz-Hearst algorithm."""
    from abbreviations.schwartz_hearst import extract_abbreviation_definition_pairs

    found: dict[str, str] = {}
    for text in texts:
        if "(" not in text:
            continue
        for abbr, long in extract_abbreviation_definition_pairs(doc_text=text).items():
            if 2 <= len(abbr) <= 10 and len(long.split()) <= 8:
                found.setdefault(abbr, long.strip())
    return found


@lru_cache(maxsize=1)
def curated() -> dict:
    return yaml.safe_load(LEXICON_FILE.read_text(encoding="utf-8"))


def load_lexicon(corpus_texts=(), learned: dict[str, str] | None = None) -> Lexicon:
    data = curated()
    lex = Lexicon(dict(data.get("abbreviations", {})), [list(g) for g in data.get("synonyms", [])],
                  dict(data.get("lay", {})), {k: list(v) for k, v in (data.get("conditions") or {}).items()},
                  dict(data.get("glossary") or {}), {k: list(v) for k, v in (data.get("interventions") or {}).items()},
                  {k: list(v) for k, v in (data.get("cues") or {}).items()}, dict(data.get("practical") or {}))
    return lex.add(learned or {}).learn(corpus_texts)
