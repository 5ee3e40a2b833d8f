"""Who the answer is for: clinicians or patients. Wording, disclaimer and section titles per mode."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from .schema import MODES

SECTION_TITLES = {
    "guideline": "From the Guidelines",
    "research": "From the Research",
    "review": "From the Research",
    "education": "From Other Sources (educational, not peer reviewed)",
    "synthesis": "From the Research",
}
PATIENT_SECTION_TITLES = {
    "guideline": "What the guidelines say",
    "research": "What the research found",
    "review": "What the research found",
    "education": "From other sources (educational, not checked by experts)",
    "synthesis": "What the research found",
}
SECTION_ORDER = ("guideline", "research", "education")
LEAD_TITLE = {"clinician": "In short", "patient": "The short answer"}
COMPARED_TITLE = {"clinician": "Compared", "patient": "Compared"}
NOT_COVERED = {"clinician": "The sources say nothing on this item.", "patient": "My sources say nothing about this."}
UNCONFIRMED_TITLE = {"clinician": "Not confirmed", "patient": "Not confirmed"}
# the answer a source's limit gives to a yes/no question with a figure (verdict.py), said before that limit
VERDICT = {"clinician": {"yes": "Yes", "no": "No", "yes-by-limit": "Yes, by this limit",
                         "no-by-limit": "No, not by this limit"},
           "patient": {"yes": "Yes", "no": "No", "yes-by-limit": "Yes, by this rule", "no-by-limit": "No, not by this rule"}}
# ... when the question is about such a claim, the section opens the answer and its title answers first
DOUBT_TITLE = {"clinician": "No primary source confirms this", "patient": "No study confirms this"}
UNCONFIRMED_NOTE = {"clinician": "Reported in a source we could not check against a primary publication; no primary "
                                 "source found.",
                    "patient": "One source says this, but we found no study that confirms it."}

REFUSAL = {
    "clinician": "The sources in this knowledge base do not cover this question, so I cannot answer it without "
                 "going beyond them.",
    "patient": "I'm sorry, my sources do not cover this question, so I can't answer it.",
}
CONDITION_REFUSAL = {
    "clinician": "The sources in this knowledge base do not cover {name}, so I cannot answer this question from them.",
    "patient": "I'm sorry, my sources do not cover {name}, so I can't answer this question.",
}
DOSE_REFUSAL = {
    "clinician": "The sources in this knowledge base do not state a dose for this, and I do not give doses that they "
                 "do not contain.",
    "patient": "I'm sorry, my sources do not say what dose to use for this. Please ask your doctor or pharmacist.",
}
COST_REFUSAL = {
    "clinician": "The sources in this knowledge base do not state costs, prices or insurance cover, so they cannot "
                 "answer this.",
    "patient": "I'm sorry, my sources do not say what this costs or what insurance pays. Your care team or your "
               "insurer can tell you.",
}
WRITING_REFUSAL = {
    "clinician": "I answer questions from the sources in this knowledge base, with citations; I do not write poems, "
                 "stories, letters or other texts.",
    "patient": "I'm sorry, I can only answer questions from my sources. I can't write poems, stories or letters.",
}
FUTURE_REFUSAL = {
    "clinician": "The question asks about a time after the newest source in this knowledge base, so its sources "
                 "cannot answer it.",
    "patient": "I'm sorry, this asks about a time after my newest source was written, so my sources can't answer it.",
}
INSTRUCTION_REFUSAL = ("I answer only from the sources in this knowledge base and cannot follow instructions to set "
                       "them aside or to take on another role.")


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    return mode


def section_title(kind: str, mode: str) -> str:
    titles = PATIENT_SECTION_TITLES if mode == "patient" else SECTION_TITLES
    return titles.get(kind, titles["research"])


def section_group(kind: str) -> str:
    return "research" if kind in ("review", "synthesis") else kind


@lru_cache(maxsize=None)
def prompt_text(prompts_dir: Path, name: str) -> str:
    path = Path(prompts_dir) / f"{name}.md"
    return path.read_text(encoding="utf-8").strip()


def disclaimer(prompts_dir: Path, mode: str) -> str:
    return prompt_text(prompts_dir, f"disclaimer_{check_mode(mode)}")


_PAREN = re.compile(r"\s*\(([^()]*)\)")
_STAT = re.compile(r"\b(P\s?[=<>]|CI\b|HR\b|RR\b|NCT\d|level [IV1-3]+\b)|^\s*[-+]?\d[\d.,]*\s*[-–]\s*\d[\d.,]*\s*$")


def _needless(inner: str) -> bool:
    """Statistics, registrations and abbreviation definitions: what a patient does not need."""
    if _STAT.search(inner):
        return True
    pieces = [p.strip() for p in inner.split(",")]
    return all(len(p.split()) <= 3 for p in pieces) and any(
        p and (p.isupper() or any(c.isupper() for c in p[1:])) for p in pieces)


_JOINTS = ((", and ", ""), (", but ", "but "), (", so ", "so "), (", because ", "this is because "),
           (", although ", "but "), (", whereas ", "but "), (", while ", "but "))


def _clauses(sentence: str, min_words: int = 7) -> list[str]:
    """A sentence of two long clauses joined by ', and', ', but', ', because'... as two sentences, the link
    kept in plain words ('This is because ...'): shorter sentences read easier. A list ('A, B, and C') has a
    short last part and stays whole."""
    for joint, keep in _JOINTS:
        head, sep, tail = sentence.partition(joint)
        if sep and len(head.split()) >= min_words and len(tail.split()) >= min_words:
            return [head.rstrip(",") + ".", *_clauses(keep + tail, min_words)]
    return [sentence]


def simplify(text: str, plain) -> str:
    """Plain words for patients: statistics and abbreviation brackets dropped, jargon swapped, long
    sentences split. It only removes or renames, never adds a claim, so the cited passage still supports it."""
    text = _PAREN.sub(lambda m: "" if _needless(m.group(1)) else m.group(0), text)
    parts = [p.strip() for p in re.split(r";\s+|:\s+(?=[a-z0-9])", plain(text)) if p.strip()]
    parts = [q for part in parts for q in _clauses(part)]
    parts = [p[0].upper() + p[1:] for p in parts]
    return " ".join(p if p.endswith((".", "?", "!")) else p + "." for p in parts)


def explain(answer, lexicon) -> list[dict]:
    """A patient answer's words that the glossary explains (none for clinicians)."""
    if answer.mode != "patient":
        return []
    return [{"term": term, "definition": text} for term, text in lexicon.explained(s.text for s in answer.sentences)]
