"""Is the question inside what the sources cover? The answerability score behind every refusal.

Three signals, combined and compared with one calibrated threshold (`Settings.min_answerability`):
- coverage: the share of the question's terms, weighted by how specific they are (inverse document
  frequency over the corpus), that one retrieved passage contains; a term the corpus never uses weighs
  most, unless it is everyday English (the Dale-Chall easy-word list), which says little about topic;
- similarity: how close in meaning the best sentence is to the question;
- specificity: how much closer the best passage is than a typical passage of the corpus (the median
  over a fixed sample), so that a question near the field's vocabulary but about another matter scores
  low. Calibrated with `evals/calibrate.py`."""

from __future__ import annotations

import math
import re
from datetime import date

import numpy as np

from .conditions import named_drugs
from .index import Loaded
from .lexicon import Lexicon
from .schema import Hit
from .text import stem, stems

# dosing intent: a dose word, or 'how much' of something given (not 'how much longer / better / more'); a regimen's
# name ('high-dose chemotherapy', 'dose-escalation') asks for no dose
ASKS_DOSE = re.compile(r"\b((?<!-)doses?(?!-)|dosage|dosing|dosed|how many (mg|milligrams?|tablets?|pills?)\b|how much (?!(longer|"
                       r"better|worse|more|less|lower|higher|time|does|do|did|can|will|would|is|are|risk)\b))", re.I)
DOSE = re.compile(r"\d[\d.,]*\s?(mg|g|µg|ug|mcg|micrograms?|milligrams?|grams?|IU|units?|cGy|Gy)(\s?/\s?(kg|m2|m²|day|week))?\b|"
                  r"\d[\d.,]*\s?x\s?10\^?\d+(\s[\w-]+){0,4}\s?/\s?kg|\d[\d.,]*\s?(million\s)?cells?\s?/\s?kg", re.I)  # cell doses
DOSE_SHARE = 0.5
_DOSE_OF = re.compile(r"\bdos(?:es?|age|ing) of (?:the |a )?([a-z][\w-]+)|\b(?!(?:the|a|what|which|high|low|same|usual|"
                      r"total|daily|maximum|minimum|safe|recommended|starting|right|correct|exact)\b)([a-z][\w+-]+) "
                      r"dos(?:es?|age|ing)\b", re.I)


def _dose_of(sentence: str, given: list[str]) -> bool:
    """Does the sentence state a dose next to what is asked ('G-CSF 10 µg/kg/day'; not a cyclophosphamide dose in
    a sentence that also names G-CSF)?"""
    return any(all(g in sentence[max(0, m.start() - 40):m.end() + 15].lower() for g in given)
               for m in DOSE.finditer(sentence))


def dose_object(question: str) -> list[str]:
    """What a dose is asked of, by the words around 'dose' ('the G-CSF dose', 'the dose of ATG'): ['g-csf']."""
    return [m.group(1 if m.group(1) else 2).lower() for m in _DOSE_OF.finditer(question)][:1]
# a question about money: answered only from a sentence that states an amount of money
ASKS_COST = re.compile(r"\b(costs?|costing|price of|prices|pricing|charges?|charged|fees?|afford\w*|expensive|"
                       r"cheap\w*|insurance|insurer|reimburs\w*|pay for|paid for|out of pocket|medicare|medicaid|health funds?|funded)\b", re.I)
MONEY = re.compile(r"[$€£¥]\s?\d|\b\d[\d.,]*\s?(dollars|euros?|pounds|USD|EUR|GBP|CAD)\b", re.I)
YEAR = re.compile(r"\b((?:19|20)\d\d)\b")
# a question about events to come, which no source can report: when results will appear, what a future update will say
FUTURE = re.compile(r"\bwhen will\b|\bwill there (?:ever )?be\b|\bin the (?:next|coming) (?:\w+ )?(?:years?|decades?|"
                    r"months?)\b|\bbe approved\b|\bwill (?:\w+ ){0,3}(?:publish|be published|be available|become "
                    r"(?:a |the )?(?:standard|first))\b|\b(?:expected|predicted|forecast) to\b|\bthe next (?:\w+ )?"
                    r"(?:update|guidelines?|edition|version)\b|^\s*what will\b.*\b(?:be|say|show|find|target)\s*\??\s*$|\bwhen (?:they|it) comes? "
                    r"out\b|\bwill (?:\w+ ){0,3}be (?:curable|cured)\b|\bthe next (?:\w+ )?(?:car-t|trial|target|therapy)\b",
                    re.I)
# a request to write something, not a question the sources answer: 'write me a poem about living with scleroderma'
WRITING = re.compile(r"^\W*(?:please\s+)?(?:(?:can|could|would|will) you\s+)?(?:please\s+)?(?:write|compose|draft|create|"
                     r"make up|generate|sing|tell)\s+(?:me\s+|us\s+|my \w+\s+)?(?:a|an|some|the)\s+(?:[\w-]+\s+){0,3}?"
                     r"(?:poems?|songs?|story|stories|jokes?|limericks?|haikus?|raps?|essays?|e-?mails?|letters?|tweets?|"
                     r"posts?|speech|script|lyrics)\b", re.I)
EASY_WORD_WEIGHT = 0.3  # share of the unseen-term weight that an everyday word keeps
def _is_easy(word: str) -> bool:
    """On the Dale-Chall list of everyday words (textstat's `is_easy_word` also calls every one-syllable word
    easy, 'Crohn' included)."""
    from .text import everyday_words

    return word.lower() in everyday_words()


class Scope:
    def __init__(self, loaded: Loaded, lexicon: Lexicon, background: np.ndarray | None = None):
        self.loaded, self.lexicon = loaded, lexicon
        self.background = background if background is not None and len(background) else None
        self.n = max(1, loaded.size)
        self.unseen = math.log((self.n + 1) / 0.5)
        self._idf: dict[str, float] = {}
        self._alternatives: dict[str, set[str]] = {}

    def weight(self, term: str, word: str) -> float:
        """A term's weight: its rarity in the corpus (an unseen one weighs most, unless it is an everyday word).
        A number no source states weighs as an everyday word: a patient's own age ('at 63') is not a topic
        the sources must name; one they state ('at 54 months') weighs by its rarity, as a word does."""
        if term not in self._idf:
            df = self.loaded.document_frequency(term)
            self._idf[term] = math.log((self.n + 1) / (df + 0.5)) if df else 0.0
        return self._idf[term] or self.unseen * (EASY_WORD_WEIGHT if word.isdigit() or _is_easy(word) else 1.0)

    def alternatives(self, word: str) -> set[str]:
        """A word's stem plus the stems of its abbreviation or synonym expansions, found for any form of the
        word ('deaths' brings in the synonyms of 'death')."""
        if word not in self._alternatives:
            found = self.lexicon.expansions(word) + self.lexicon.synonyms_of(word)
            self._alternatives[word] = {stem(word)} | set(stems(" ".join(found)))
        return self._alternatives[word]

    def shares(self, question: str, passage_ids: list[str]) -> dict[str, float]:
        """For each passage, the share of the question's weighted terms it contains."""
        weighted = self._weighted(question)
        return {pid: self._share(weighted, self.loaded.terms(pid)) for pid in passage_ids}

    def share(self, question: str, terms: set[str]) -> float:
        """The share of the question's terms, weighted by their rarity, that a set of stems contains."""
        return self._share(self._weighted(question), terms)

    def weighted(self, question: str) -> list[tuple[list[frozenset[str]], float]]:
        """The question's ideas and their weights, to measure many texts against (`weighted_share`)."""
        return self._weighted(question)

    def weighted_share(self, weighted: list[tuple[list[frozenset[str]], float]], terms: set[str]) -> float:
        """The share of those weighted ideas that a set of stems contains."""
        return self._share(weighted, terms)

    def _weighted(self, question: str) -> list[tuple[list[frozenset[str]], float]]:
        """The question's ideas, each as the forms that express it (sets of stems, any one will do) and its
        weight: a phrase the lexicon knows ('good fit') is one idea that any synonym of it covers
        ('eligible'), weighing what its words weigh; every other content word is an idea of its own."""
        from .text import content_terms

        words = list(dict.fromkeys(content_terms(question)))
        out, used = [], set()
        for phrase, group in self.lexicon.phrases(question):
            forms = [frozenset(stems(t)) for t in group if stems(t)]
            if not content_terms(phrase):  # an idea said in small words only ('come off', 'come back'): it weighs
                said = [f for f in forms if len(f) == 1 and self.loaded.document_frequency(next(iter(f)))]
                if said:  # as the most common of its one-word forms ('stopped') that the corpus uses
                    out.append((forms, min(self.weight(next(iter(f)), next(iter(f))) for f in said)))
                continue
            own = [w for w in dict.fromkeys(content_terms(phrase)) if w in words and w not in used]
            idiom = len(own) == 1 and len(phrase.split()) > 1 and len(content_terms(phrase)) == 1  # 'too late'
            if len(own) < 2 and not idiom:
                continue
            used.update(own)
            out.append((forms, sum(self.weight(stem(w), w) for w in own)))
        out += [([frozenset([a]) for a in self.alternatives(w)], self._idea_weight(w)) for w in words if w not in used]
        for term in self.lexicon.cued(question):  # an idea stated, not named: 'had it for 7 years' (disease duration)
            if weights := [self._idea_weight(w) for w in content_terms(term)]:
                out.append(([frozenset(stems(t)) for t in self.lexicon.group_of(term) if stems(t)], max(weights)))
        return out

    def _idea_weight(self, word: str) -> float:
        """A word the corpus never uses but says in other words ('chemo': 'chemotherapy') weighs as the most common
        of those: it tells passages apart no better than they do."""
        own = stem(word)
        if self.loaded.document_frequency(own):
            return self.weight(own, word)
        said = [a for a in self.alternatives(word) if a != own and self.loaded.document_frequency(a)]
        return min((self.weight(a, a) for a in said), default=self.weight(own, word))

    @staticmethod
    def _share(weighted: list[tuple[list[frozenset[str]], float]], terms: set[str]) -> float:
        total = sum(wt for _, wt in weighted)
        return sum(wt for forms, wt in weighted if any(f <= terms for f in forms)) / total if total else 0.0

    def asks_future(self, question: str) -> bool:
        """A question about what has not happened yet: a year after the newest source, or events to come."""
        return bool(self.after_sources(question) or FUTURE.search(question))

    def after_sources(self, question: str) -> int | None:
        """A future year the question asks about (after this year and after the newest source): no source
        can speak of it. A year a patient lives in ('diagnosed in 2026') is not future."""
        newest = max((s.year for s in self.loaded.sources.values() if s.year), default=0)
        later = [int(y) for y in YEAR.findall(question) if int(y) > max(newest, date.today().year)]
        return max(later) if later else None

    def dose_missing(self, question: str, sentences: list[str], named: list[str] = ()) -> bool:
        """A question that asks for a dose is covered only by a sentence that states one and shares most of the
        question's specific terms (the drug, the regimen), or by a dose that a source the question names states
        (`named`: "the cell dose in the Merkt case"; of the drug the question names, if it names one): we never give a
    dose our sources do not state."""
        if not ASKS_DOSE.search(question):
            return False
        given = named_drugs(question) or dose_object(question)  # 'what dose of tocilizumab', 'what G-CSF dose'
        if named:  # a source the question names: its dose of what is asked, not another source's
            return not any(_dose_of(s, given) for s in named)
        return not any(DOSE.search(s) and self.share(question, set(stems(s))) >= DOSE_SHARE for s in sentences)

    def practical_missing(self, question: str, sentences: list[str]) -> str | None:
        """A practical matter the question asks about (a hospital stay, driving) that none of the sentences speaks
        to: the topic, for the refusal to name."""
        return next((t for t in self.lexicon.practical_asked(question)
                     if not any(self.lexicon.speaks_to(t, s) for s in sentences)), None)

    @staticmethod
    def cost_missing(question: str, sentences: list[str]) -> bool:
        """A question about costs, prices or insurance is covered only by a sentence that states an amount."""
        return bool(ASKS_COST.search(question)) and not any(MONEY.search(s) for s in sentences)

    def coverage(self, question: str, hits: list[Hit]) -> float:
        """The best share of the question's weighted terms that a single retrieved passage contains."""
        return max(self.shares(question, [h.passage.id for h in hits]).values(), default=0.0)

    def specificity(self, qvec: np.ndarray, hits: list[Hit]) -> float:
        best = max((h.dense for h in hits), default=0.0)
        typical = float(np.median(self.background @ qvec)) if self.background is not None else 0.0
        return best - typical

    def answerability(self, question: str, standalone: str, qvec: np.ndarray, hits: list[Hit],
                      best_sentence: float) -> dict:
        """The score and its parts. A follow-up is judged on its own words ("and what would it cost?" asks
        about cost, whatever came before); one with no words of its own ("why?") on its context."""
        from .text import content_terms

        own = self.coverage(question, hits[:5])
        context = self.coverage(standalone, hits[:5]) if standalone != question else own
        terms = content_terms(question)
        # own words the corpus uses, none of them in these passages ('how many patients were in each group?'):
        # they name no new topic, so the conversation's decides; a word the corpus never uses ('cost') keeps its say
        known = bool(terms) and own == 0 and all(self.loaded.document_frequency(stem(t)) for t in terms)
        coverage = own if terms and not known else context
        specificity = self.specificity(qvec, hits)
        score = (coverage + best_sentence + 2 * specificity) / 4
        return {"score": round(score, 4), "coverage": round(coverage, 4), "sentence": round(best_sentence, 4),
                "specificity": round(specificity, 4)}
