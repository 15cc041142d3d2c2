"""Growing the topic vocabulary from the fitting corpus: keyphrases, paired across languages, clustered.

The hand-written vocabulary (``data/topics.json``) was written from the seed profiles. This grows it
from the text itself: candidate keyphrases (one to three words, no stop word at either end) that
a few profiles share, but not many; an English phrase and a French phrase become the two sides of
one topic when the same profiles use them (the fitting corpus is parallel: each seed profile
exists in English and in French); and phrases whose embeddings are close and whose profiles
overlap are clustered into one topic. Phrases an existing topic already matches are left out.
Only the fitting corpus is read: held-out organisations are refused.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence

import numpy as np

from models.evidence import STOP_WORDS
from models.heldout import refuse_held_out
from models.matching.topics import Vocabulary, fold, profile_text

_TOKEN = re.compile(r"[a-z0-9][a-z0-9'-]*[a-z0-9]|[a-z]")
MIN_PROFILES = 2  # a phrase one profile uses links nobody
MAX_SHARE = 0.15  # a phrase most profiles use explains nothing
MIN_OVERLAP = 0.75  # Jaccard of the profiles using an English and a French phrase, to pair them
MIN_COSINE = 0.8  # embedding closeness of two English phrases, to cluster their topics


def keyphrases(text: str, longest: int = 3) -> set[str]:
    """Candidate phrases of a text: 1 to ``longest`` words, no stop word or number at either end."""
    words = _TOKEN.findall(fold(text).replace("’", "'"))
    found = set()
    for size in range(1, longest + 1):
        for start in range(len(words) - size + 1):
            phrase = words[start : start + size]
            if any(_weak(word) for word in (phrase[0], phrase[-1])):
                continue
            if size == 1 and len(phrase[0]) < 5:
                continue  # short single words are too ambiguous to be topics
            found.add(" ".join(phrase))
    return found


def _weak(word: str) -> bool:
    return word in STOP_WORDS or word.isdigit() or len(word) < 3 or "'" in word


def _usage(records: Sequence[Mapping], vocabulary: Vocabulary) -> dict[str, frozenset[str]]:
    """phrase -> the profiles (short names) that use it, for phrases in the document-frequency band."""
    users: dict[str, set[str]] = defaultdict(set)
    for record in records:
        for phrase in keyphrases(profile_text(record)):
            users[phrase].add(record["short_name"])
    ceiling = max(MIN_PROFILES, int(MAX_SHARE * len(records)))
    return {
        phrase: frozenset(names)
        for phrase, names in users.items()
        if MIN_PROFILES <= len(names) <= ceiling and not vocabulary.assign(phrase)
    }


def _without_names(usage: dict[str, frozenset[str]], names: set[str]) -> dict[str, frozenset[str]]:
    """Leave out phrases that are part of an organisation's name: topics come from content, not names."""
    return {phrase: users for phrase, users in usage.items() if not any(phrase in name for name in names)}


def _jaccard(a: frozenset, b: frozenset) -> float:
    return len(a & b) / len(a | b)


def grow(english: Sequence[Mapping], french: Sequence[Mapping], vocabulary: Vocabulary, embed) -> list[dict]:
    """New bilingual topics from the fitting corpus, in the format of ``data/topics.json``.

    Parameters
    ----------
    english, french : the same profiles in each language (matched by ``short_name``)
    embed : texts -> L2-normalised vectors, shape (n, dim), to cluster close English phrases
    """
    refuse_held_out("growing the topic vocabulary", (r["short_name"] for r in (*english, *french)))
    names = {fold(r[key]) for r in (*english, *french) for key in ("name", "short_name") if r.get(key)}
    english_use = _without_names(_usage(english, vocabulary), names)
    french_use = _without_names(_usage(french, vocabulary), names)
    by_profiles: dict[frozenset, list[str]] = defaultdict(list)
    for phrase, names in french_use.items():
        by_profiles[names].append(phrase)
    pairs = []  # (english phrases, french phrases, profiles), one per group of English phrases
    english_groups: dict[frozenset, list[str]] = defaultdict(list)
    for phrase, names in english_use.items():
        english_groups[names].append(phrase)
    for names, phrases in english_groups.items():
        best = max(by_profiles, key=lambda other: _jaccard(names, other), default=None)
        if best is not None and _jaccard(names, best) >= MIN_OVERLAP:
            pairs.append((_longest(phrases), _longest(by_profiles[best]), names | best))
    return _clustered(pairs, embed)


def _longest(phrases: list[str], keep: int = 3) -> list[str]:
    """The longest phrases of a group (those that contain the others say the most), at most ``keep``."""
    return sorted(phrases, key=lambda phrase: (-len(phrase.split()), phrase))[:keep]


def _clustered(pairs: list[tuple[list[str], list[str], frozenset]], embed) -> list[dict]:
    """Merge pairs whose English phrases are close in meaning and whose profiles overlap."""
    if not pairs:
        return []
    vectors = embed([english[0] for english, _, _ in pairs])
    parent = list(range(len(pairs)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    close = vectors @ vectors.T
    for i, j in zip(*np.nonzero(np.triu(close >= MIN_COSINE, k=1)), strict=True):
        if _jaccard(pairs[i][2], pairs[j][2]) >= 0.5:
            parent[root(i)] = root(j)
    clusters: dict[int, list[int]] = defaultdict(list)
    for i in range(len(pairs)):
        clusters[root(i)].append(i)
    topics = []
    for members in clusters.values():
        english = sorted({p for i in members for p in pairs[i][0]}, key=lambda p: (-len(p.split()), p))
        french = sorted({p for i in members for p in pairs[i][1]}, key=lambda p: (-len(p.split()), p))
        slug = re.sub(r"[^a-z0-9]+", "_", english[0]).strip("_")
        topics.append({"id": f"grown_{slug}", "fr": french[0], "en": english[0],
                       "terms_fr": french, "terms_en": english, "grown": True})  # fmt: skip
    return sorted(topics, key=lambda topic: topic["id"])
