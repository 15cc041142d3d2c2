"""The words of a briefing page: profiles cut short at a sentence, and questions to raise in a meeting."""

from __future__ import annotations

import re
from collections.abc import Iterator

from models.exports.types import ExportMeeting
from models.exports.words import words_for
from models.matching.passages import split_sentences
from models.vocabulary import BRIEFING_QUESTION_LABELS, QUESTION_KINDS

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TRAILING = ".;:,"


def clean(value: str) -> str:
    """Printable text on one line: control characters dropped, runs of whitespace made one space."""
    return " ".join(_CONTROL.sub("", value or "").split())


def trim(value: str, limit: int) -> str:
    """At most ``limit`` characters: whole sentences if they fit, else cut at a clause or a word, with …"""
    value = clean(value)
    if len(value) <= limit:
        return value
    kept = ""
    for sentence in split_sentences(value):
        longer = f"{kept} {sentence}".strip()
        if len(longer) > limit:
            break
        kept = longer
    if len(kept) >= limit // 3:
        return kept
    return _cut_short(value, limit)


def _cut_short(value: str, limit: int) -> str:
    clause = _last_clause_end(value[: limit - 1])
    if clause >= limit // 2:
        return value[:clause] + "…"
    cut = value[: limit - 1]
    if " " in cut and not value[limit - 1].isspace():
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" " + _TRAILING) + "…"


def fragment(value: str, limit: int) -> str:
    """The first sentence of ``value`` to quote in a question; a long one is cut after a clause."""
    sentences = split_sentences(clean(value))
    first = sentences[0].rstrip(_TRAILING) if sentences else ""
    if len(first) <= limit:
        return first
    cut = _last_clause_end(first[: limit - 1])
    return first[:cut] + "…" if cut >= limit // 4 else trim(first, limit)


def _last_clause_end(value: str) -> int:
    """Where the last clause ends (before ", " or "; "), outside brackets; 0 when there is none."""
    depth, end = 0, 0
    for i, char in enumerate(value):
        depth += (char in "([") - (char in ")]")
        if depth == 0 and char in ",;" and value[i + 1 : i + 2] == " ":
            end = i
    return end


def suggested_questions(meeting: ExportMeeting, locale: str, limit: int = 4, quote: int = 140) -> list[str]:
    """Up to ``limit`` questions built from what each side offers and seeks, one of each kind first."""
    words = words_for(locale)
    pools = {kind: list(_sources(meeting, kind)) for kind in QUESTION_KINDS}
    questions: list[str] = []
    seen: set[str] = set()
    while len(questions) < limit and any(pools.values()):
        for kind in QUESTION_KINDS:
            while pools[kind]:
                quoted = fragment(pools[kind].pop(0), quote)
                if quoted and quoted.casefold() not in seen:
                    seen.add(quoted.casefold())
                    questions.append(
                        words.gettext(BRIEFING_QUESTION_LABELS[kind], x=quoted, host=meeting.host.short_name)
                    )
                    break
            if len(questions) == limit:
                break
    return questions


def _sources(meeting: ExportMeeting, kind: str) -> Iterator[str]:
    """Texts for one kind of question: the evidence's passages first, then the profiles' sentences."""
    side, field = {
        "we_seek": ("own", "seeks"),
        "they_offer": ("partner", "offers"),
        "they_seek": ("partner", "seeks"),
        "we_offer": ("own", "offers"),
    }[kind]
    for pair in meeting.evidence.passages if meeting.evidence else ():
        if side == "own" and pair.own_field == field:
            yield pair.own_text
        elif side == "partner" and pair.partner_field == field:
            yield pair.partner_text
    org = meeting.delegation if side == "own" else meeting.host
    yield from split_sentences(clean(getattr(org, field)))
