"""Issue 13, after the look at v7: where the engine's top five go wrong on the development sets.

Each development set (v1 to v6) is ranked by weights fitted without it (the seed's three corpora and
the other five sets), and every query's top five is read: the grade of each partner there (0 for a
partner the graders did not list) and, for the places a listed partner misses, its kind and grade.
Then the two reshapings of the parts that could move kinds up or down for a track are measured the
same way (leave one set out): the partner's kind per track as learnt parts (non-negative, then
signed), a weight vector per track, and the sixth round's hubness (a partner's mean text parts with
its 20 closest organisations across the Atlantic) as one learnt penalty. Last, how many of the
seed's and each development set's fields and sentences the topic vocabulary tags with no topic, by
the language they are written in. The figures are in README,
*After the look at v7*. Reads no held-out set, writes nothing.
Run: ``.venv/bin/python scripts/top_five.py`` (about a minute).
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import development_sets as ds  # noqa: E402

from models.heldout import DEVELOPMENT_SETS, HELD_OUT_SETS, load_profiles  # noqa: E402
from models.matching import evaluate as ev  # noqa: E402
from models.matching.topics import load_vocabulary  # noqa: E402

AS_IS = lambda query, names, parts, about: parts  # noqa: E731
SENTENCE = re.compile(r"(?<=[.;!?])\s+")


def less_mean_hubness(query, names, parts, about):
    """A partner close to every organisation of the other side loses a learnt share of it."""
    return np.hstack([parts, -np.array([about[name][2].mean() for name in names])[:, None]])


RESHAPED = {
    "as is": (AS_IS, {}),
    "the partner's kind per track, learnt (non-negative)": (ds.kinds, {}),
    "the partner's kind per track, learnt (signed)": (ds.kinds, {"positive": False}),
    "a weight vector per track, beside the shared one": (ds.per_track, {}),
    "the mean hubness, one learnt penalty": (less_mean_hubness, {}),
}


def top_five(collected) -> tuple[Counter, Counter, Counter]:
    """Grades in the top fives; unlisted partners there by (track, kind); listed ones missed by
    (track, grade, kind)."""
    grades, unlisted, missed = Counter(), Counter(), Counter()
    development = [name for name in collected if not name.startswith("seed")]
    for left_out in development:
        weights = ds.fit(collected, [name for name in collected if name != left_out], AS_IS)
        for query, names, parts, about in collected[left_out]:
            ranked = [names[i] for i in np.argsort(-(parts @ weights), kind="stable")]
            for name in ranked[:5]:
                grade = query.relevant.get(name, 0)
                grades[grade] += 1
                if not grade:
                    unlisted[(query.track, about[name][1])] += 1
            for name, grade in query.relevant.items():
                if name in ranked[5:]:
                    missed[(query.track, grade, about[name][1])] += 1
    return grades, unlisted, missed


def untagged(profiles) -> dict[str, tuple[int, float, int, float]]:
    """By language: fields (expertise, offers, seeks) and sentences, and the share with no topic."""
    vocabulary, counts = load_vocabulary(), {}
    for profile in profiles:
        fields = [profile[f] for f in ("expertise", "offers", "seeks") if len(profile.get(f) or "") >= 20]
        sentences = [s for text in fields for s in SENTENCE.split(text) if len(s) > 30]
        seen = counts.setdefault(profile["languages"][0], [0, 0, 0, 0])
        seen[0] += len(fields)
        seen[1] += sum(not vocabulary.assign(text) for text in fields)
        seen[2] += len(sentences)
        seen[3] += sum(not vocabulary.assign(text) for text in sentences)
    return {
        lang: (f, bare_f / max(f, 1), s, bare_s / max(s, 1))
        for lang, (f, bare_f, s, bare_s) in counts.items()
    }


def main() -> None:
    collected, _ = ds.collect(DEVELOPMENT_SETS)
    grades, unlisted, missed = top_five(collected)
    places = sum(grades.values())
    print(f"top-five places: {places}; by grade (0: not listed): {dict(sorted(grades.items()))}")
    print("not listed, in a top five, by (track, kind):")
    for key, count in unlisted.most_common(10):
        print(f"  {key}: {count}")
    print("listed, missed from the top five, by (track, grade, kind):")
    for key, count in missed.most_common(10):
        print(f"  {key}: {count}")
    print("\nleave one set out, nDCG@5 pooled (each set)")
    for label, (shape, fitting) in RESHAPED.items():
        pooled, each = ds.leave_one_set_out(collected, shape, **fitting)
        print(f"  {label:<56} {pooled:.3f} ({' / '.join(f'{v:.3f}' for v in each.values())})")
    print("\nwith no topic: fields, sentences (by the language a profile writes in)")
    sets = {"seed": ev.load_records(ROOT / "data" / "seed" / "ecosystem.jsonl")}
    sets |= {name: load_profiles(HELD_OUT_SETS[name][0]) for name in DEVELOPMENT_SETS}
    for name, profiles in sets.items():
        shares = untagged(profiles)
        cells = "   ".join(
            f"{lang} {f} fields {bare_f:.0%}, {s} sentences {bare_s:.0%}"
            for lang, (f, bare_f, s, bare_s) in sorted(shares.items(), reverse=True)
        )
        print(f"  {name:<16} {cells}")


if __name__ == "__main__":
    main()
