"""Distractor corpora for the scale benchmark: the real corpus's sentences recombined about other diseases.

Each synthetic source is a review of one therapy in one of several autoimmune diseases; its passages are
3-7 sentences drawn from the real corpus, with the disease names swapped, figures perturbed and trial
acronyms replaced. So they share the real corpus's vocabulary (HSCT, mortality, skin score, trials),
which makes them hard distractors: retrieval must still find the real sources among them.

Vectors: `Table` embeds every (sentence, disease) variant once for real, and a passage's vector is the
normalised mean of its sentences' vectors. That lets the benchmark reach 100k-1M passages in minutes on
2 cores; the report says which sizes used derived vectors."""

from __future__ import annotations

import hashlib
import random
import re

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.corpus import Note, load_corpus
from assistant.schema import Source
from assistant.text import split_sentences

DISEASES = ["rheumatoid arthritis", "systemic lupus erythematosus", "multiple sclerosis", "Crohn's disease",
            "type 1 diabetes", "myasthenia gravis", "dermatomyositis", "vasculitis", "Sjogren's disease",
            "psoriatic arthritis", "ulcerative colitis", "neuromyelitis optica"]
THERAPIES = ["autologous HSCT", "mesenchymal stromal cells", "CAR-T cells", "rituximab", "tocilizumab",
             "cyclophosphamide", "mycophenolate", "abatacept"]
SSC = re.compile(r"\b(diffuse cutaneous |limited cutaneous )?(systemic sclerosis|scleroderma|dcSSc|lcSSc|SSc)\b", re.I)
_ACRONYM = re.compile(r"\b(SCOT|ASTIS|ASSIST|UPSIDE|CARE|EUSTAR|EBMT|EULAR)\b")
_NAME = re.compile(r"(?<=[a-z,;:(] )[A-Z][a-z]{2,}(?:'s)?|Dr\.?\s?[A-Z][a-z]+")  # Hudson, Victoria, Dr.Oracle
NAMES = ["Alvarez", "Okafor", "Lindqvist", "Tanaka", "Moreau", "Kowalski", "Haddad", "Brennan", "Costa", "Ivanova",
         "Nakamura", "Petersen", "Rossi", "Singh", "Walsh", "Yilmaz"]
_NUMBER = re.compile(r"\b\d+(\.\d+)?\b")


def sentence_pool(corpus_dir) -> list[str]:
    """Sentences of the real corpus's clinician passages, long enough to carry content."""
    out = []
    for note in load_corpus(corpus_dir):
        for p in note.passages():
            if p.audience == "clinician":
                out += [s for s in split_sentences(p.text) if len(s.split()) >= 8]
    return list(dict.fromkeys(out))


def variant(sentence: str, disease: str) -> str:
    """The sentence about another disease, with other people and places named (the same ones each time:
    a variant is embedded once). Figures and acronyms are changed per passage, in `perturb`."""
    def rename(match: re.Match) -> str:
        digest = hashlib.sha256(f"{disease}|{match.group(0)}".encode()).digest()
        return NAMES[digest[0] % len(NAMES)]
    return SSC.sub(disease, _NAME.sub(rename, sentence))


def perturb(text: str, rng: random.Random) -> str:
    text = _ACRONYM.sub(lambda m: "".join(rng.choice("ABCDEFGHKLMNPRSTUVW") for _ in range(len(m.group(0)))), text)
    return _NUMBER.sub(lambda m: str(max(1, round(float(m.group(0)) * rng.uniform(0.5, 1.6)))), text)


class Table(Embeddings):
    """Vectors of the sentence variants (embedded for real, once), and of passages and sentences derived from them.

    As a LangChain `Embeddings`, it answers for a synthetic passage from its derived vector and embeds
    anything else (real passages, questions) with the real model."""

    def __init__(self, model: Embeddings, pool: list[str]):
        self.model, self.pool = model, pool
        texts = [variant(s, d) for d in DISEASES for s in pool]
        self.vectors = np.asarray(model.embed_documents(texts), dtype=np.float32).reshape(len(DISEASES), len(pool), -1)
        self.derived: dict[str, np.ndarray] = {}

    def pick(self, rng: random.Random, low: int = 70, high: int = 230) -> list[int]:
        """Sentences adding up to one passage of the chunker's size (so that a section is one passage)."""
        while True:
            picks = rng.sample(range(len(self.pool)), rng.randint(3, 7))
            if low <= sum(len(self.pool[i].split()) for i in picks) <= high:
                return picks

    def passage(self, disease: int, picks: list[int], rng: random.Random) -> str:
        text = perturb(" ".join(variant(self.pool[i], DISEASES[disease]) for i in picks), rng)
        vec = self.vectors[disease, picks].mean(0)
        self.derived[text] = vec / np.linalg.norm(vec)
        sentences = split_sentences(text)
        if len(sentences) == len(picks):  # each sentence's vector too (stored at ingest): its variant's
            for sentence, i in zip(sentences, picks):
                self.derived.setdefault(sentence, self.vectors[disease, i])
        return text

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        out = [None] * len(texts)
        todo = [i for i, t in enumerate(texts) if t not in self.derived]
        for i, vec in zip(todo, self.model.embed_documents([texts[i] for i in todo]) if todo else []):
            out[i] = vec
        for i, t in enumerate(texts):
            if out[i] is None:
                out[i] = self.derived.pop(t).tolist()  # each synthetic text is added once (or embedded for real)
        return out

    def embed_query(self, text: str) -> list[float]:
        return self.model.embed_query(text)


def notes(table: Table, n_passages: int, per_source: int = 50, seed: int = 0, start: int = 0):
    """Synthetic notes, `per_source` passages each, until `n_passages` passages; ids from `start` on."""
    rng = random.Random(seed + start)
    made, k = 0, start
    while made < n_passages:
        size = min(per_source, n_passages - made)
        disease, therapy = rng.randrange(len(DISEASES)), rng.choice(THERAPIES)
        kind = rng.choice(["research", "research", "review", "guideline"])
        sections = []
        for j in range(size):
            picks = table.pick(rng)
            sections.append(f"## Finding {j + 1}\n\n{table.passage(disease, picks, rng)}")
        body = "\n\n".join(sections)
        sid = f"syn-{k:07d}"
        title = f"{therapy.capitalize()} in {DISEASES[disease]}: synthetic review {k}"
        source = Source(id=sid, title=title, kind=kind, year=rng.randint(2000, 2025),
                        full_citation=f"Synthetic distractor {k}. {title}. Benchmark corpus, not a real publication.",
                        evidence="synthetic", verified=False)
        yield Note(source, body, None, hashlib.sha256(body.encode()).hexdigest())
        made += size
        k += 1
