"""What each organisation seeks, read from its profile: the kinds of partner and capabilities it wants.

A *need* (``data/needs.json``) is a kind of partner or capability a profile can ask for
("des entreprises pour accueillir nos stagiaires", "a CDMO", "des centres d'essais", "investors").
Each need has French and English patterns read in the ``seeks`` text, patterns that show a
partner *provides* it, read in the ``offers`` and ``expertise`` texts, and the kinds of
organisation that usually provide it when their text does not say so. For a pair and a track, the
engine then asks: how many of what A seeks does B provide, and the other way round; each need met
becomes a structured reason (code and parameters, worded in the reader's language when shown).

The patterns describe partner kinds and capabilities, never organisations: no name appears here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from models.matching.topics import fold
from models.profiles import ORG_TYPES, TRACKS
from models.vocabulary import NEED_LABELS

STATED, BY_KIND = (
    1.0,
    0.5,
)  # how strongly a partner provides a need: its text says so, or its kind suggests it
# A need counts fully on its own tracks, this much on the others (a CDMO matters less for an event).
OFF_TRACK = 0.25


@dataclass(frozen=True)
class Need:
    """One kind of partner or capability a profile can seek."""

    code: str
    tracks: frozenset[str]
    seek: re.Pattern  # read in the seeker's ``seeks`` text (folded)
    provide: re.Pattern  # read in the provider's ``offers`` and ``expertise`` (folded)
    kinds: frozenset[str]  # kinds of organisation that usually provide it
    kind_is_fact: bool = False  # being of one of those kinds is the need itself ("companies")


NEEDS_PATH = Path(__file__).resolve().parent.parent / "data" / "needs.json"


def parse_needs(items: Iterable[Mapping]) -> tuple[Need, ...]:
    """Needs from dicts with code, tracks, kinds, seek and provide patterns (and ``kind_is_fact``).

    Patterns run on folded text (lower case, no accents, ' for ’) and match at the start of a word.
    """
    needs = []
    for item in items:
        code = item["code"]
        if code not in NEED_LABELS:
            raise ValueError(f"need {code!r} is not in models.vocabulary.NEED_LABELS: add its words there")
        unknown = (set(item["kinds"]) - set(ORG_TYPES)) | (set(item["tracks"]) - set(TRACKS))
        if unknown:
            raise ValueError(f"need {code!r} names unknown kinds or tracks: {', '.join(sorted(unknown))}")
        needs.append(
            Need(
                code,
                frozenset(item["tracks"]),
                _alternatives(item["seek"]),
                _alternatives(item["provide"]),
                frozenset(item["kinds"]),
                bool(item.get("kind_is_fact", False)),
            )
        )
    return tuple(needs)


def _alternatives(patterns: Sequence[str]) -> re.Pattern:
    # (?!) never matches: a need with no provide pattern is met by kind alone.
    return re.compile(r"(?<![\w-])(?:" + ("|".join(patterns) or "(?!)") + ")")


NEEDS: tuple[Need, ...] = parse_needs(json.loads(NEEDS_PATH.read_text(encoding="utf-8")))
NEED_CODES = tuple(need.code for need in NEEDS)


def _folded(text: str) -> str:
    return fold(text).replace("’", "'")


def sought(profile: Mapping) -> np.ndarray:
    """Which needs the profile's ``seeks`` text asks for; shape (n_needs,), 1.0 where it does."""
    return np.array(_sought_in(str(profile.get("seeks") or "")), dtype=np.float32)


def provided(profile: Mapping) -> np.ndarray:
    """How strongly the profile provides each need: 1 its offers or expertise say so, 0.5 its kind
    (declared, or read in its expertise: :func:`text_kinds`) usually does, else 0; shape (n_needs,)."""
    stated = _stated_in(f"{profile.get('offers') or ''}\n{profile.get('expertise') or ''}")
    kind = profile.get("type")
    kinds = {kind, *text_kinds(profile)}
    return np.array(
        [
            STATED
            if said or (need.kind_is_fact and kind in need.kinds)
            else BY_KIND
            if kinds & need.kinds
            else 0.0
            for need, said in zip(NEEDS, stated, strict=True)
        ],
        dtype=np.float32,
    )


# --- Kinds of organisation read from the text, beside the declared one ----------------------------
# A declared kind is one word for what is often several things: a research institute that runs a
# hospital, a "company" that is a venture fund. Words of the expertise say which other kinds it is.
KIND_SIGNALS_PATH = NEEDS_PATH.parent / "kind_signals.json"


def _kind_patterns(path: Path = KIND_SIGNALS_PATH) -> dict[str, re.Pattern]:
    data = {
        key: words for key, words in json.loads(path.read_text(encoding="utf-8")).items() if key != "_doc"
    }
    unknown = set(data) - set(ORG_TYPES)
    if unknown:
        raise ValueError(f"{path.name} names unknown kinds: {', '.join(sorted(unknown))}")
    return {kind: re.compile(r"(?<![\w-])(?:" + "|".join(words) + ")") for kind, words in data.items()}


KIND_PATTERNS = _kind_patterns()


def text_kinds(profile: Mapping) -> frozenset[str]:
    """The kinds of organisation the first sentence of the profile's expertise (where a profile says
    what it is; later ones name its partners) says it also is (see ``data/kind_signals.json``)."""
    return _kinds_in(re.split(r"(?<=[.;!?])\s", str(profile.get("expertise") or "").strip(), maxsplit=1)[0])


@lru_cache(maxsize=200_000)
def _kinds_in(text: str) -> frozenset[str]:
    folded = _folded(text)
    return frozenset(kind for kind, pattern in KIND_PATTERNS.items() if pattern.search(folded))


# Every index build reads every profile: keep what each text says, so a rebuild after one edit is cheap.
@lru_cache(maxsize=200_000)
def _sought_in(text: str) -> tuple[float, ...]:
    folded = _folded(text)
    return tuple(1.0 if need.seek.search(folded) else 0.0 for need in NEEDS)


@lru_cache(maxsize=200_000)
def _stated_in(text: str) -> tuple[bool, ...]:
    folded = _folded(text)
    return tuple(bool(need.provide.search(folded)) for need in NEEDS)


def track_weights(track: str) -> np.ndarray:
    """How much each need counts for ``track``: 1 on its own tracks, :data:`OFF_TRACK` elsewhere."""
    return np.array([1.0 if track in need.tracks else OFF_TRACK for need in NEEDS], dtype=np.float32)


def met_share(seeker: np.ndarray, providers: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Share of the seeker's needs (weighted by track) that each provider meets.

    Parameters
    ----------
    seeker : ndarray of shape (n_needs,), what one organisation seeks
    providers : ndarray of shape (n, n_needs), what each candidate provides

    Returns
    -------
    share : ndarray of shape (n,), in [0, 1]; 0 when the seeker states no need
    """
    wanted = seeker * weights
    total = float(wanted.sum())
    if total == 0.0:
        return np.zeros(len(providers), dtype=np.float32)
    return (providers @ wanted / total).astype(np.float32)


# --- How much a profile speaks of each kind of collaboration (the ``track_text`` score part) ---------
# In place of judging a partner by its kind alone (``kind_fit``), read what its offers and expertise
# say: a company whose text speaks of interns and training suits co-training, whatever its kind.
TRACK_SIGNALS_PATH = NEEDS_PATH.parent / "track_signals.json"
# This many different signal words make a text count fully for a track (fewer count in proportion).
SIGNALS_FOR_FULL_AFFINITY = 4


def _track_patterns(path: Path = TRACK_SIGNALS_PATH) -> tuple[re.Pattern, ...]:
    data = json.loads(path.read_text(encoding="utf-8"))
    missing = set(TRACKS) - set(data)
    if missing:
        raise ValueError(f"{path.name} has no signal words for {', '.join(sorted(missing))}")
    return tuple(
        re.compile(r"(?<![\w-])(?:" + "|".join([*data[t]["fr"], *data[t]["en"]]) + r")(?![\w-])")
        for t in TRACKS
    )


TRACK_PATTERNS = _track_patterns()


def track_affinity(profile: Mapping) -> np.ndarray:
    """How much the profile's offers and expertise speak of each track, in :data:`TRACKS` order: the
    share of :data:`SIGNALS_FOR_FULL_AFFINITY` different signal words found, at most 1; shape (n_tracks,)."""
    text = f"{profile.get('offers') or ''} {profile.get('expertise') or ''}"
    return np.array(_affinity_in(text), dtype=np.float32)


@lru_cache(maxsize=200_000)
def _affinity_in(text: str) -> tuple[float, ...]:
    folded = _folded(text)
    return tuple(
        min(len({m.group(0) for m in pattern.finditer(folded)}) / SIGNALS_FOR_FULL_AFFINITY, 1.0)
        for pattern in TRACK_PATTERNS
    )
