"""Small text utilities: sentence splitting, tokens for BM25 and overlap, numbers in a sentence."""

from __future__ import annotations

import re
from functools import lru_cache

# Dots that do not end a sentence.
_ABBREV = ("et al.", "e.g.", "i.e.", "vs.", "approx.", "Dr.", "Prof.", "Fig.", "No.", "ca.", "cf.", "incl.")
_SENT_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")
_WORD = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)?")
# A figure: 79%, 0.50, 1x10^6/kg, 2 g/m2, 200 mg/kg, 1,404, 6.30% ...
NUMBER = re.compile(r"(?<![A-Za-z])\d+(?:[.,]\d+)*(?:\s?(?:%|x\s?10\^?\d+))?")

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have
    having he her here hers herself him himself his how i if in into is it its itself just me more most my
    myself no nor not now of off on once only or other our ours ourselves out over own same she should so
    some such than that the their theirs them themselves then there these they this those through to too
    under until up very was we were what when where which while who whom why will with would you your
    yours yourself yourselves tell explain describe please know give role there's what's it's vs versus
    also much many may might must shall get gets got use used using patient patients people someone anyone
    actually really exactly happen happens happened like kind sort thing things lot need needs want wants think
    feel go goes going make makes done does mean means say says said anything something way ways well
    put puts putting take takes took taken taking come comes came coming keep keeps kept let lets bring brings
    brought try tries tried still already even ever yet anyway maybe perhaps probably definitely
    ive im youve youre dont cant wont doesnt didnt isnt arent wasnt werent wouldnt couldnt shouldnt havent hasnt
    hadnt thats whats theres ve ll re don didn doesn isn aren wasn weren won wouldn couldn shouldn haven hasn hadn""".split()  # I've, don't
)


@lru_cache(maxsize=1)
def everyday_words() -> frozenset[str]:
    """The Dale-Chall list of about 3,000 words familiar to most fourth-graders (shipped with textstat)."""
    from importlib.resources import files

    text = files("textstat").joinpath("resources/en/easy_words.txt").read_text(encoding="utf-8")
    return frozenset(w.strip().lower() for w in text.splitlines() if w.strip())


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences, keeping 'et al.', 'vs.' and decimals intact."""
    flat = re.sub(r"\s+", " ", text).strip()
    if not flat:
        return []
    protected = flat
    for i, abbr in enumerate(_ABBREV):
        protected = protected.replace(abbr, abbr.replace(".", f"\x00{i}\x00"))
    parts = [q for p in _SENT_END.split(protected) for q in _bounded(p)]
    out = []
    for part in parts:
        for i, abbr in enumerate(_ABBREV):
            part = part.replace(f"\x00{i}\x00", ".")
        part = part.strip()
        if part:
            out.append(part)
    return out


MAX_SENTENCE_WORDS = 80
_ANY_END = re.compile(r"(?<=[.!?;])\s+")


def _bounded(part: str) -> list[str]:
    """A 'sentence' too long to be one (text whose sentences start in lower case, a list without stops): cut at
    any stop, then into pieces of at most MAX_SENTENCE_WORDS words, so that no quote and no passage is huge."""
    if len(part.split()) <= MAX_SENTENCE_WORDS:
        return [part]
    out = []
    for piece in _ANY_END.split(part):
        words_ = piece.split()
        out += [" ".join(words_[i:i + MAX_SENTENCE_WORDS]) for i in range(0, len(words_), MAX_SENTENCE_WORDS)]
    return out


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def content_terms(text: str) -> list[str]:
    """Lower-cased tokens without stopwords: what BM25 and overlap measures compare."""
    return [w for w in words(text) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]


@lru_cache(maxsize=None)
def _stemmer():
    import snowballstemmer

    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    """The Snowball (Porter 2) stem, with British spellings folded: centre/center, haem/hem, leukaemia/leukemia."""
    return _stemmer().stemWord(fold(word))


def fold(word: str) -> str:
    """A word with its British spelling made American (haemorrhage -> hemorrhage, leukaemia -> leukemia)."""
    return _BRITISH.sub(lambda m: _BRITISH_MAP[m.group(0)], word)


_BRITISH_MAP = {"haem": "hem", "tre": "ter", "tres": "ters", "isation": "ization", "ise": "ize", "ised": "ized",
                "our": "or", "oedema": "edema", "paed": "ped", "aemi": "emi", "oesoph": "esoph", "rrhoea": "rrhea",
                "coeliac": "celiac", "anaes": "anes", "oestr": "estr", "foet": "fet"}
_BRITISH = re.compile(r"^haem|^paed|oedema|(?<=\w)aemi|^oesoph|rrhoea|^coeliac|^anaes|^oestr|^foet"
                      r"|(?<=[a-z]{3})(?:tres?|isation|ised|ise)$|(?<=\w{2}[^aeiou])our$")


def stems(text: str) -> list[str]:
    return [stem(w) for w in content_terms(text)]


_PER_HUNDRED = re.compile(r"\b(\d+(?:\.\d+)?)\s+(?:out\s+)?(?:of|in)\s+(?:every\s+)?100\b")


def numbers(text: str) -> set[str]:
    """The figures a sentence states, normalised (spaces and thousands separators dropped; 'about 6 in 100' is
    the plain way of saying 6%)."""
    found = set()
    text = _PER_HUNDRED.sub(lambda m: f"{m.group(1)}%", text)
    for m in NUMBER.finditer(text):
        token = m.group(0).replace(" ", "")
        token = re.sub(r"(?<=\d),(?=\d{3}\b)", "", token)
        found.add(token)
    return found


_COUNT_WORDS = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve".split())}
_DURATION = re.compile(r"\b(\d+(?:\.\d+)?|a|an|" + "|".join(_COUNT_WORDS) + r")(\s+and\s+a\s+half)?[\s-]+(years?|months?)\b",
                       re.I)


_BEYOND = re.compile(r"\b(beyond|past|longer than|more than|later than)\s+$", re.I)


def durations(text: str) -> set[str]:
    """Time spans as months, one token each ('6 years', 'six years', '72 months' -> 'dur72m'; 'four and a half
    years' -> 'dur54m'), so that a question's time point meets a statement's in either unit; not a span that is
    gone beyond ('beyond 72 months' asks about later)."""
    out = set()
    for m in _DURATION.finditer(text):
        if _BEYOND.search(text[max(0, m.start() - 14):m.start()]):
            continue
        amount = m.group(1).lower()
        value = float(_COUNT_WORDS.get(amount, 1 if amount in ("a", "an") else amount)) + (0.5 if m.group(2) else 0)
        months = value * 12 if m.group(3).lower().startswith("year") else value
        if months == int(months) and 0 < months <= 600:
            out.add(f"dur{int(months)}m")
    return out
