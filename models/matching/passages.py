"""Split a profile's free texts into passages that fit the embedding model's window.

all-MiniLM-L6-v2 silently truncates its input at 256 word-pieces, so a long ``expertise`` text
would lose its end. :func:`split_profile` cuts each text into sentences, packs consecutive
sentences into passages of at most ``max_tokens`` tokens (measured with the embedder's own
``count_tokens``), and cuts a single over-long sentence on clause boundaries, then on word windows.
Every cut falls on whitespace, so joining a field's passages gives back every word in order.

Short passages (about 128 tokens by default) keep each vector specific: a match can then cite the
passage that caused it as evidence.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from models.vocabulary import PROFILE_TEXT_FIELDS

PASSAGE_FIELDS = PROFILE_TEXT_FIELDS
DEFAULT_MAX_TOKENS = 128

# Words whose final period never ends a sentence (compared lower-cased, with their period).
_ABBREVIATIONS = """
    e.g. i.e. incl. approx. vs. cf. al. fig. figs. no. nos. vol. p. pp. ca. resp. esp. ph.d.
    dr. drs. pr. prof. mr. mrs. ms. mme. mmes. mlle. mlles. st. ste. sr. jr. dept. univ. inst.
    env. av. apr. j.-c. c.-à-d. p.ex. ex. éd. coll. chap. max. min. nb. tél. réf. art.
    jan. feb. fév. mar. aug. sept. oct. nov. dec. déc. janv. févr. avr. juil.
"""
ABBREVIATIONS = frozenset(_ABBREVIATIONS.split())
# A sentence ends after . ! ? or … (plus closing quotes/brackets) and before whitespace; French
# typography may put a (non-breaking) space before the closing guillemet: « Merci. »
_SENTENCE_END = re.compile(r"""(?<=[.!?…])(?:\s?»)?["'”’)\]]*(?=\s)""")
# French typography puts a space before ! and ? (and inside guillemets): "Pourquoi ?".
_NEXT_STARTS_SENTENCE = re.compile(r"""\s+["'«“(\[]?\s*[A-ZÀ-ÖØ-Þ0-9]""")
_LAST_WORD = re.compile(r"(\S+)$")
_INITIAL = re.compile(r"[A-ZÀ-Þ]\.")
# Clause boundaries for an over-long sentence: after ; : , or before a dash, at whitespace.
_CLAUSE_CUT = re.compile(r"(?<=[;:,])\s+|\s+(?=[—–-]\s)")


@dataclass(frozen=True)
class Passage:
    """One piece of a profile text, small enough for the model to read whole."""

    field: str  # "expertise" | "offers" | "seeks"
    index: int
    text: str

    @property
    def content_hash(self) -> str:
        """Hex sha256 of the field and text (32 chars): the cache key of its vector."""
        return hashlib.sha256(f"{self.field}\x1f{self.text}".encode()).hexdigest()[:32]


def split_sentences(text: str) -> list[str]:
    """Split ``text`` into sentences, keeping abbreviations, decimals and initials whole."""
    sentences = []
    for line in text.splitlines():  # a line break (a list item, a paragraph) always ends one
        start = 0
        for match in _SENTENCE_END.finditer(line):
            end = match.end()
            if _is_boundary(line, start, end):
                sentences.append(line[start:end].strip())
                start = end
        sentences.append(line[start:].strip())
    return [s for s in sentences if s]


def _is_boundary(text: str, start: int, end: int) -> bool:
    """Whether a candidate sentence end at ``end`` is a real one."""
    if _NEXT_STARTS_SENTENCE.match(text, end) is None:
        return False  # the next word starts lower-case: "approx. twenty", "e.g. cells"
    if text[end - 1] not in ".":
        return True  # ! ? … and closing quotes end a sentence when a capital follows
    last = _LAST_WORD.search(text, start, end)
    word = last.group(1).lstrip("(«\"'“") if last else ""
    # An abbreviation or a lone capital initial ("J. Smith", "M. Dupont") is not a sentence end.
    return word.lower() not in ABBREVIATIONS and not _INITIAL.fullmatch(word)


def split_profile(
    profile: Mapping[str, object],
    count_tokens: Callable[[str], int],
    max_tokens: int = DEFAULT_MAX_TOKENS,
) -> list[Passage]:
    """Return the passages of ``profile``'s expertise, offers and seeks, each <= ``max_tokens``."""
    if max_tokens < 8:
        raise ValueError(f"max_tokens must be at least 8 to hold a word, got {max_tokens}")
    passages: list[Passage] = []
    for field in PASSAGE_FIELDS:
        value = profile.get(field) or ""
        if not isinstance(value, str):
            raise ValueError(f"profile[{field!r}] must be a string, got {type(value).__name__}")
        chunks = pack_sentences(split_sentences(value), count_tokens, max_tokens)
        passages.extend(Passage(field, i, chunk) for i, chunk in enumerate(chunks))
    return passages


def pack_sentences(sentences: list[str], count_tokens: Callable[[str], int], max_tokens: int) -> list[str]:
    """Greedily join consecutive sentences into chunks of at most ``max_tokens`` tokens."""
    chunks: list[str] = []
    current = ""
    for piece in _fitting_pieces(sentences, count_tokens, max_tokens):
        candidate = f"{current} {piece}" if current else piece
        if current and count_tokens(candidate) > max_tokens:
            chunks.append(current)
            candidate = piece
        current = candidate
    if current:
        chunks.append(current)
    return chunks


def _fitting_pieces(
    sentences: list[str], count_tokens: Callable[[str], int], max_tokens: int
) -> Iterator[str]:
    """Yield the sentences, cutting any that is too long into clauses, then word windows."""
    for sentence in sentences:
        if count_tokens(sentence) <= max_tokens:
            yield sentence
            continue
        clauses = [c for c in _CLAUSE_CUT.split(sentence) if c.strip()]
        if len(clauses) > 1:  # packing recurses here, so an over-long clause gets word windows
            yield from pack_sentences(clauses, count_tokens, max_tokens)
        else:
            yield from _word_windows(sentence, count_tokens, max_tokens)


def _word_windows(text: str, count_tokens: Callable[[str], int], max_tokens: int) -> Iterator[str]:
    """Cut ``text`` into runs of whole words that each fit in ``max_tokens``."""
    overhead = count_tokens("")  # special tokens such as [CLS] and [SEP]
    window: list[str] = []
    used = overhead
    for word in text.split():
        cost = max(count_tokens(word) - overhead, 1)
        if window and used + cost > max_tokens:
            yield from _shrink(" ".join(window), count_tokens, max_tokens)
            window, used = [], overhead
        window.append(word)
        used += cost
    if window:
        yield from _shrink(" ".join(window), count_tokens, max_tokens)


def _shrink(text: str, count_tokens: Callable[[str], int], max_tokens: int) -> Iterator[str]:
    """Yield ``text`` whole if it fits, else halve it (on whitespace if it can) until every part fits."""
    if count_tokens(text) <= max_tokens:
        yield text
        return
    words = text.split()
    if len(words) == 1:  # one "word" longer than the window (a pasted blob): cut it by characters
        half = len(text) // 2
        yield from _shrink(text[:half], count_tokens, max_tokens)
        yield from _shrink(text[half:], count_tokens, max_tokens)
        return
    half = len(words) // 2
    yield from _shrink(" ".join(words[:half]), count_tokens, max_tokens)
    yield from _shrink(" ".join(words[half:]), count_tokens, max_tokens)
