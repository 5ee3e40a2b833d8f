"""Text that tries to instruct the model (prompt injection), in a question or in a document.

A question that does is declined; a document that does is kept as data and flagged, and its instructing sentences are
never quoted. The text is first normalised against the usual disguises: look-alike letters from other alphabets,
invisible characters, s-p-a-c-e-d or d.o.t.t.e.d letters, l33t digits. Then any of these says "instruction":
- an override: ignore / disregard / forget / set aside ... instructions, rules, guidelines, restrictions, citations
  (English, French, German, Spanish, Italian);
- words addressed to the model ("Assistant, ...", "Note for AI systems", "LLM:") or to its user ("tell the user");
- a role or mode ("you are now", "act as", "developer mode");
- a request for its prompt or context ("print your system prompt", "repeat the text above");
- a request to drop the sources ("answer without citing any sources");
- chat markup ("<|im_start|>system", "SYSTEM:", "### New system prompt").
Clinical imperatives ("Screen patients with echocardiography", "Ignore the previous reading if the cuff was too
small", "Tell the patient that ...") address clinicians, not the model, and pass (tests/fixtures/injection_set.yaml)."""

from __future__ import annotations

import re
from functools import lru_cache
import unicodedata

_HOMOGLYPHS = str.maketrans("аеорсухіјѕԁɡοαεκνρτυχАВЕКМНОРСТХІЈЅ", "aeopcyxijsdgoaeknptuxABEKMHOPCTXIJS")
_INVISIBLE = re.compile("[\u200b-\u200f\u2060\ufeff\u00ad]")
_DOTTED = re.compile(r"\b(?:\w[.\-·_]){2,}\w\b")  # i.g.n.o.r.e, i-g-n-o-r-e
_SPACED = re.compile(r"\b(?:\w ){3,}\w\b")  # I g n o r e
_LEET = str.maketrans("013457@$9", "oieastasg")
_MIXED = re.compile(r"\b(?=\w*[a-z@$])(?=\w*[0-9@$])[\w@$]+", re.I)

_OVERRIDE_VERB = (r"ignor\w*|disregard\w*|forget\w*|bypass\w*|overrid\w*|set aside|stop following|suspend\w*|"
                  r"oubli\w*|vergiss\w*|olvid\w*|dimentic\w*|no longer follow")
_OVERRIDE_TARGET = (r"instruction\w*|directions|commands|prompt\w*|rules?|guidelines?|restrictions?|polic\w*|safety|citations?|sources?|"
                    r"consignes|anweisung\w*|regeln|instruccion\w*|reglas|istruzion\w*|regole|context|previous ones")
_CITE = r"citations?|citing|sources?|source links|references|sources field|citer|quellen\w*|fuentes?|citar|fonti|citare"
_AI = r"(?:ai|a\.i\.|assistants?|chatbots?|language models?|llms?|gpt|models?)"
_PATTERNS = [
    rf"\b(?:{_OVERRIDE_VERB})\b.{{0,60}}?\b(?:{_OVERRIDE_TARGET})\b",
    rf"\b(?:if you are an? {_AI}|(?:note|comment|message|notice|instruction)s? (?:to|for) (?:the |all |any )?{_AI}"
    rf"(?: systems?)?|dear {_AI}|(?:admin|system) notice|(?:your|a|the) new system prompt|"
    rf"instruction (?:to|for) the {_AI}|new task for the {_AI}|{_AI}\s*[:,]\s*\w)",
    rf"\bthe {_AI}\b.{{0,40}}\b(?:must|should|shall|will)\b",
    r"\b(?:tell|inform|assure|reassure|convince|remind)\s+(?:the\s+|your\s+|all\s+)?(?:users?|readers?)\b",
    r"\b(?:dites|dis|dile|dica|sagen? sie)\b.{0,20}\b(?:utilisateur|usuario|utente|benutzer|nutzer)\b",
    rf"\byou are (?:now|no longer)\b|\bact as (?:if you|an? (?:\w+ )?{_AI}|an? unrestricted|my)\b|"
    r"\bpretend (?:to be|you)\b|\brole-?play\b|"
    r"\b(?:developer|god|jailbreak|dan) mode\b|\bdo anything now\b|\bjailbr\w+",
    r"\b(?:repeat|print|reveal|output|copy|show|display|summari[sz]e|list|disclose)\b.{0,50}\b(?:text above|"
    r"system prompt|your prompt|(?:initial|hidden|original|internal) (?:instructions|rules|prompt)|context window|"
    r"configuration|instructions you were given|every document)",
    r"\bsend\b.{0,60}\b(?:data|questions|conversation|history)\b.{0,40}https?://",
    rf"\b(?:answer\w*|respond\w*|reply|write|give|say|tell|summari[sz]e|explain|répond\w*|antworte\w*|"
    rf"responde\w*|rispondi\w*)\b.{{0,40}}\b(?:without|no|sans|ohne|sin|senza)\b.{{0,30}}\b(?:{_CITE})|"
    rf"\b(?:omit\w*|remove|skip|do not (?:include|mention|cite|give)|don't (?:include|mention|cite)|no need to cite)"
    rf"\b.{{0,40}}\b(?:{_CITE})",
    r"<\|\s*im_start\s*\|>|<\|\s*system\s*\|>|\[\s*system\b|^\s*system\s*:|#+\s*(?:new\s+)?system prompt|"
    r"\buser\s*:.{0,200}\bassistant\s*:|<!--.{0,200}\b(?:llm|ai|assistant|model)\b",
    r"\bbase64\b.{0,30}\b(?:decode|execute)|\bdecode and (?:execute|follow|run)\b",
    r"\btranslate\b.{0,60}\b(?:then|and)\s+(?:follow|obey|do|execute)\b",
    r"\b(?:from|use) your own (?:knowledge|opinion|training)\b|\banswer freely\b|\bcomply with all\b",
    r"\b(?:respond|reply|answer)\s+(?:only\s+|always\s+)?(?:as|in the style of|that)\b",
    r"\bnew (?:instructions|rules|policy)\b|\b(?:answer|citation) (?:policy|rules)\b",
]
_INSTRUCTION = re.compile("|".join(f"(?:{p})" for p in _PATTERNS), re.I | re.M)  # within a line: one statement


def normalise(text: str) -> str:
    """The text as it reads to a person: look-alike letters, invisible characters, spaced or dotted letters and
    l33t digits undone."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).translate(_HOMOGLYPHS)
    text = _DOTTED.sub(lambda m: re.sub(r"[.\-·_]", "", m.group(0)), text)
    text = _SPACED.sub(lambda m: m.group(0).replace(" ", ""), text)
    return _MIXED.sub(lambda m: m.group(0).lower().translate(_LEET), text)


@lru_cache(maxsize=65536)  # the same passage sentences are checked at every answer that retrieves them
def has_instructions(text: str) -> bool:
    """Does the text address the model with instructions, rather than ask or inform?"""
    return bool(_INSTRUCTION.search(text) or _INSTRUCTION.search(normalise(text)))
