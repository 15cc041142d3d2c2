"""Which language a text is written in, French or English, from its commonest short words.

Small and deterministic: enough to mark a profile or a note with its ``lang`` and to let the tests
find an English sentence on a French page (and the reverse). Proper names carry no stop words, so
"Mission BIOVALIANCE à Montréal" or "EFS BFC" decide nothing.
"""

from __future__ import annotations

import re

FRENCH = frozenset(
    [
        "le",
        "la",
        "les",
        "des",
        "du",
        "de",
        "un",
        "une",
        "et",
        "est",
        "sont",
        "pour",
        "avec",
        "dans",
        "sur",
        "par",
        "pas",
        "ne",
        "que",
        "qui",
        "quoi",
        "vous",
        "nous",
        "votre",
        "vos",
        "notre",
        "nos",
        "leur",
        "leurs",
        "ce",
        "cette",
        "ces",
        "au",
        "aux",
        "ou",
        "où",
        "mais",
        "été",
        "être",
        "avoir",
        "très",
        "plus",
        "aussi",
        "son",
        "sa",
        "ses",
        "il",
        "elle",
        "ils",
        "elles",
        "on",
        "se",
        "en",
        "d",
        "l",
        "qu",
        "n",
    ]
)
ENGLISH = frozenset(
    [
        "the",
        "and",
        "of",
        "to",
        "is",
        "are",
        "for",
        "with",
        "your",
        "you",
        "this",
        "that",
        "these",
        "those",
        "from",
        "by",
        "on",
        "an",
        "be",
        "has",
        "have",
        "not",
        "will",
        "was",
        "were",
        "which",
        "its",
        "it",
        "our",
        "their",
        "they",
        "we",
        "who",
        "what",
        "when",
        "there",
        "here",
        "can",
        "may",
        "been",
        "into",
        "than",
        "then",
        "them",
    ]
)
_WORD = re.compile(r"(?<!\w)[a-zà-ÿœæ]+(?!\w)", re.IGNORECASE)  # "9276d15d" holds no word
# A web address is no sentence: ".../fr/nouvelle/prendre-part-a-la-revolution" says nothing of the page.
_ADDRESS = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)


def counts(text: str) -> tuple[int, int]:
    """(French stop words, English stop words) in ``text``, web addresses left out."""
    text = _ADDRESS.sub(" ", text)
    words = [word.lower() for word in _WORD.findall(text.replace("’", " ").replace("'", " "))]
    return sum(word in FRENCH for word in words), sum(word in ENGLISH for word in words)


def guess_language(text: str, minimum: int = 2) -> str | None:
    """ "fr" or "en" when one language has at least ``minimum`` more stop words in ``text``."""
    french, english = counts(text)
    if french >= english + minimum:
        return "fr"
    if english >= french + minimum:
        return "en"
    return None


_VOWELS = "aeiouyàâäéèêëîïôöùûüÿœæ"


def elides(word: str) -> bool:
    """French elides before a vowel or a mute h ("d’EFS BFC", "d’Héma-Québec", "de ThéCell")."""
    first, second = word[:1].lower(), word[1:2].lower()
    return first in _VOWELS or (first == "h" and second in _VOWELS)


def de_name(name: str, locale: str) -> str:
    """ "de {name}" as French writes it ("d’EFS BFC", "de ThéCell", "du Tube à Essais"); English: the name."""
    if locale != "fr":
        return name
    if name.startswith("Le "):
        return "du " + name[3:]
    if name.startswith("Les "):
        return "des " + name[4:]
    return ("d’" if elides(name) else "de ") + name


def que_name(name: str, locale: str) -> str:
    """ "que {name}" as French writes it ("qu’EFS BFC", "que ThéCell"); the name in English."""
    if locale != "fr":
        return name
    return ("qu’" if elides(name) else "que ") + name
