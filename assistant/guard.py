"""Guardrails for generated text, applied sentence by sentence as the model writes.

A generated sentence is kept only when all of these hold:
- it cites at least one passage that was actually given to the model ([n] = the n-th passage);
- it is a claim (enough words of its own), not an instruction or a canned reply echoed from a passage;
- every number in it appears in the passages it cites;
- the support check (`SupportChecker`) finds it supported by those passages.
Kept sentences are then grouped into sections by the kind of source they cite and their citations are
renumbered to the answer's reference list (sources numbered by first use).

A follow-up rewritten by the model (`check_rewrite`) is used for retrieval only when it is one question of
reasonable length that keeps the question's words and names something from the conversation."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .audience import SECTION_ORDER, section_group, section_title
from .schema import Hit, Reference, Section, Sentence
from .support import SupportChecker
from .injection import has_instructions
from .text import content_terms, split_sentences, stems, words

CITATION = re.compile(r"\[\s*(?:passages?\s*)?(\d+(?:\s*(?:,|;|-|–|and)\s*\d+)*)\s*\]", re.I)
# A citation written after the full stop belongs to the sentence before it: "... 79%. [1]" -> "... 79% [1]."
_CITATION_AFTER_STOP = re.compile(r"([.!?])((?:\s*\[[^\]\n]{1,20}\])+)")
_MARKUP = re.compile(r"^\s*(?:#+|[-*•]|\d+[.)])\s+|\*\*|__")
_HEADING = re.compile(r"^(from (the )?(guidelines?|research|other sources)|what the (guidelines say|research found)|"
                      r"from other sources.*|answer|references?|sources?)\W*$", re.I)
MIN_TERMS = 3  # a sentence with fewer content words is not a claim ("PWNED", "Yes.")
_REWRITE_LABEL = re.compile(r"^(?:(?:standalone|rewritten|rephrased|last)\s+)?question\s*:\s*", re.I)


@dataclass
class Checked:
    """One generated sentence and the guard's verdict."""

    raw: str
    text: str  # without citation markers
    cited: list[int] = field(default_factory=list)  # passage numbers as given to the model (valid ones)
    reason: str | None = None  # why it was dropped; None when kept

    @property
    def kept(self) -> bool:
        return self.reason is None


def parse_citations(raw: str) -> tuple[str, list[int]]:
    """The sentence without its [n] markers, and the numbers cited, in order ([1-3] counts as 1, 2, 3)."""
    cited: list[int] = []
    for m in CITATION.finditer(raw):
        for a, b in re.findall(r"(\d+)(?:\s*[-–]\s*(\d+))?", m.group(1)):
            span = range(int(a), int(b) + 1) if b and int(b) - int(a) < 10 else [int(a)]
            cited += [n for n in span if n not in cited]
    text = CITATION.sub("", raw)
    text = re.sub(r"\s+([.,;:!?])", r"\1", re.sub(r"\s{2,}", " ", text)).strip()
    return text, cited


class SentenceStream:
    """Cuts streamed text into sentences as soon as they are complete (a new line or a new sentence)."""

    def __init__(self):
        self.buffer = ""

    def feed(self, text: str) -> list[str]:
        self.buffer += text
        out = []
        while "\n" in self.buffer:
            line, self.buffer = self.buffer.split("\n", 1)
            out += _sentences(line)
        if not re.search(r"\[[^\]]*$", self.buffer):  # never cut inside a [n] marker
            parts = _sentences(self.buffer)
            if len(parts) > 1:
                out += parts[:-1]
                self.buffer = parts[-1] + (" " if self.buffer[-1:].isspace() else "")
        return out

    def flush(self) -> list[str]:
        rest, self.buffer = self.buffer, ""
        return _sentences(rest)


def _sentences(text: str) -> list[str]:
    text = _MARKUP.sub("", text.strip()).strip()
    return split_sentences(_CITATION_AFTER_STOP.sub(lambda m: f" {m.group(2).strip()}{m.group(1)}", text))


class Guard:
    """Checks generated sentences against the passages given to the model (numbered from 1)."""

    def __init__(self, given: list[Hit], checker: SupportChecker):
        self.given, self.checker = given, checker

    def check(self, raw: str) -> Checked | None:
        """The verdict on one sentence; None for a heading or an empty line (not a sentence)."""
        raw = _MARKUP.sub("", raw).strip()
        text, cited = parse_citations(raw)
        if not text.strip(" .:*-") or (_HEADING.match(text.strip(" *:")) and not cited):
            return None
        valid = [n for n in cited if 1 <= n <= len(self.given)]
        result = Checked(raw, text, valid)
        if not valid:
            result.reason = "cites a passage it was not given" if cited else "no citation"
        elif has_instructions(text):
            result.reason = "instruction-like text"
        elif len(content_terms(text)) < MIN_TERMS:
            result.reason = "not a claim"
        else:
            evidence = [self.given[n - 1].passage.text for n in valid]
            verdict = self.checker.check(text, evidence)
            if verdict.missing_numbers:
                result.reason = f"numbers not in the cited passages: {', '.join(verdict.missing_numbers)}"
            elif not verdict.supported:
                result.reason = (f"not supported by the cited passages (overlap {verdict.overlap}, "
                                 f"similarity {verdict.similarity})")
        return result

    def compose(self, kept: list[Checked], mode: str) -> tuple[list[Section], list[Reference]]:
        """Sections by the kind of the first cited source; references numbered by first use in reading order."""
        groups: dict[str, list[Checked]] = {}
        for item in kept:
            groups.setdefault(section_group(self.given[item.cited[0] - 1].source.kind), []).append(item)
        sections, refs, numbers_of = [], [], {}
        for group in SECTION_ORDER:
            if not groups.get(group):
                continue
            section = Section(section_title(group, mode))
            for item in groups[group]:
                citations = []
                for n in item.cited:
                    hit = self.given[n - 1]
                    if hit.source.id not in numbers_of:
                        numbers_of[hit.source.id] = len(refs) + 1
                        s = hit.source
                        refs.append(Reference(len(refs) + 1, s.id, s.citation, s.kind, s.year, s.verified, s.evidence))
                    ref = refs[numbers_of[hit.source.id] - 1]
                    if all(p["id"] != hit.passage.id for p in ref.passages):
                        ref.passages.append({"id": hit.passage.id, "text": hit.passage.text})
                    if ref.n not in citations:
                        citations.append(ref.n)
                section.sentences.append(Sentence(item.text, citations))
            sections.append(section)
        return sections, refs


def check_rewrite(question: str, history: list[str], output: str) -> tuple[str | None, str | None]:
    """The model's standalone version of a follow-up (its first line, without a label or quotes), or None and
    why it is rejected: empty, too long (over 3 times the question's words + 30), more than one question, none
    of the question's content words, nothing from the earlier questions, or instruction-like."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    text = _REWRITE_LABEL.sub("", _MARKUP.sub("", lines[0]).strip()).strip(" \"'“”`*") if lines else ""
    own, said = set(stems(question)), set(stems(text))
    if not text:
        return None, "empty"
    if len(words(text)) > 3 * len(words(question)) + 30:
        return None, "too long"
    if text.count("?") > 1:
        return None, "more than one question"
    if own and not own & said:
        return None, "none of the question's words"
    if not said & (set(stems(" ".join(history))) - own):
        return None, "nothing from the conversation"
    if has_instructions(text):
        return None, "instruction-like text"
    return text, None
