#!/usr/bin/env python3
"""Validate the held-out sets ``heldout/`` to ``heldout8/`` (standard library only).

Checks, for each set:
  * profiles: valid JSON, the import fields, region BFC/QC, an https ``source``, a first language
    fr or en, no short_name nor name (accents and case aside) that is in the seed or in another
    held-out set, nor twice in the set;
  * queries: unique ids, keys {id, org, track, relevant, why}, known organisations (seed or this
    set), the asking organisation declares the track, partners across the Atlantic, grades 1..3,
    a partner that does not declare the track graded at most 2 (data/eval/README.md), never a
    closed or listed-only organisation (Medicago, NÉOMED); from heldout2 on, mirrored pairs graded alike;
  * heldout2 to heldout8: both regions and both languages, every track asked, and at least
    (heldout2) 10 profiles and 20 queries, (heldout3) 15 profiles, 35 queries and 6 queries a track,
    (heldout4) 18 profiles, 40 queries and 7 a track, (heldout5) 22 profiles, 50 queries and 8 a track,
    (heldout6) 16 profiles, 40 queries and 7 a track, (heldout7 and heldout8) 16 profiles, 45 queries
    and 8 a track;
  * heldout4 to heldout8 also: enough economic queries (8; 10; 9; 9; 9), joint-trial queries
    (heldout5: 10; heldout6 to heldout8: 9), queries from organisations that write in English (8; 12;
    6; 10; 9) and English-writing profiles (heldout5: 5; heldout6: 3; heldout7: 4; heldout8: 3), and
    each region between 40 % and 60 % of the profiles.

Usage: python3 data/eval/check_heldout.py   (from anywhere)
Exit status 0 when everything passes, 1 otherwise.
"""

import json
import os
import sys
import unicodedata
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = os.path.join(os.path.dirname(HERE), "seed", "ecosystem.jsonl")
SETS = ("heldout", "heldout2", "heldout3", "heldout4", "heldout5", "heldout6", "heldout7", "heldout8")
TRACKS = ("staff_exchange", "joint_trial", "co_training", "event", "economic")
FIELDS = (
    "name",
    "short_name",
    "region",
    "city",
    "type",
    "expertise",
    "offers",
    "seeks",
    "collaboration_types",
    "languages",
    "website",
    "source",
)
NEVER_PARTNERS = {"Medicago", "NÉOMED"}
#: the sizes the later sets must reach: (profiles, queries, queries a track)
MINIMUM = {
    "heldout2": (10, 20, 1),
    "heldout3": (15, 35, 6),
    "heldout4": (18, 40, 7),
    "heldout5": (22, 50, 8),
    "heldout6": (16, 40, 7),
    "heldout7": (16, 45, 8),
    "heldout8": (16, 45, 8),
}
#: the further minimums of heldout4 to heldout8: economic and joint-trial queries, queries from
#: English-writing organisations, profiles written in English
SPREAD = {
    "heldout4": {"economic": 8, "joint_trial": 0, "english_queries": 8, "english_profiles": 0},
    "heldout5": {"economic": 10, "joint_trial": 10, "english_queries": 12, "english_profiles": 5},
    "heldout6": {"economic": 9, "joint_trial": 9, "english_queries": 6, "english_profiles": 3},
    "heldout7": {"economic": 9, "joint_trial": 9, "english_queries": 10, "english_profiles": 4},
    "heldout8": {"economic": 9, "joint_trial": 9, "english_queries": 9, "english_profiles": 3},
}
#: heldout/ was written before this rule was checked; it stays as written
MIRRORED = {"heldout2", "heldout3", "heldout4", "heldout5", "heldout6", "heldout7", "heldout8"}


def load_jsonl(path, errors):
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as e:
                    errors.append(f"{os.path.relpath(path, HERE)}:{n}: invalid JSON ({e})")
    return rows


def fold(text):
    """A name without accents, case nor spacing differences, to compare names."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(plain.casefold().split())


def check_set(name, seed, others, errors):
    profiles = load_jsonl(os.path.join(HERE, name, "profiles.jsonl"), errors)
    queries = load_jsonl(os.path.join(HERE, name, "queries.jsonl"), errors)
    own = {}
    for p in profiles:
        sn = p.get("short_name")
        missing = [k for k in FIELDS if k not in p]
        if missing:
            errors.append(f"{name}: {sn}: missing {missing}")
            continue
        if sn in seed:
            errors.append(f"{name}: {sn} is in the seed")
        if sn in others:
            errors.append(f"{name}: {sn} is in another held-out set")
        if sn in own:
            errors.append(f"{name}: duplicate {sn}")
        known = (*seed.values(), *others.values(), *own.values())
        taken = {fold(q[k]) for q in known for k in ("name", "short_name")}
        if {fold(p["name"]), fold(sn)} & taken:
            errors.append(f"{name}: {sn}: its name or short name is already used ({p['name']!r})")
        if p["region"] not in ("BFC", "QC"):
            errors.append(f"{name}: {sn}: region {p['region']!r}")
        if not p["source"].startswith("https://"):
            errors.append(f"{name}: {sn}: source must be an https address")
        if not p["languages"] or p["languages"][0] not in ("fr", "en"):
            errors.append(f"{name}: {sn}: first language must be fr or en")
        if not set(p["collaboration_types"]) <= set(TRACKS) or not p["collaboration_types"]:
            errors.append(f"{name}: {sn}: bad collaboration_types")
        for field in ("expertise", "offers", "seeks"):
            if len(p[field].strip()) < 40:
                errors.append(f"{name}: {sn}: {field} too short")
        own[sn] = p
    everyone = {**seed, **own}
    ids = Counter(q.get("id") for q in queries)
    for qid, count in ids.items():
        if count > 1:
            errors.append(f"{name}: duplicate query id {qid}")
    grade_of = {}
    for q in queries:
        qid = q.get("id")
        if set(q) != {"id", "org", "track", "relevant", "why"}:
            errors.append(f"{name}: {qid}: keys {sorted(q)}")
            continue
        asking = everyone.get(q["org"])
        if asking is None:
            errors.append(f"{name}: {qid}: unknown organisation {q['org']!r}")
            continue
        if q["track"] not in asking["collaboration_types"]:
            errors.append(f"{name}: {qid}: {q['org']} does not declare {q['track']}")
        if len(q["why"].strip()) < 20:
            errors.append(f"{name}: {qid}: 'why' too short")
        if not q["relevant"]:
            errors.append(f"{name}: {qid}: no relevant partners")
        for partner, grade in q["relevant"].items():
            other = everyone.get(partner)
            if other is None:
                errors.append(f"{name}: {qid}: unknown partner {partner!r}")
                continue
            if partner in NEVER_PARTNERS:
                errors.append(f"{name}: {qid}: {partner} is never a partner")
            if other["region"] == asking["region"]:
                errors.append(f"{name}: {qid}: {partner} is on the same side as {q['org']}")
            if not isinstance(grade, int) or isinstance(grade, bool) or not 1 <= grade <= 3:
                errors.append(f"{name}: {qid}: grade {grade!r} for {partner}")
            elif grade == 3 and q["track"] not in other["collaboration_types"]:
                errors.append(f"{name}: {qid}: {partner} does not declare {q['track']}: at most 2")
            grade_of[(q["org"], partner, q["track"])] = grade
    uneven = [
        f"{name}: {org} -> {partner} ({track}) graded {grade}, the other way {back}"
        for (org, partner, track), grade in grade_of.items()
        if (back := grade_of.get((partner, org, track))) is not None and back != grade
    ]
    if name in MIRRORED:
        errors.extend(uneven)
    elif uneven:
        print(f"{name}: {len(uneven) // 2} mirrored pairs graded differently (kept as written: not checked)")
    return own, queries


def main():
    errors = []
    seed = {p["short_name"]: p for p in load_jsonl(SEED, errors)}
    loaded = {}
    for name in SETS:
        others = {sn: p for other, (own, _) in loaded.items() for sn, p in own.items()}
        loaded[name] = check_set(name, seed, others, errors)
    for name, (least_profiles, least_queries, least_a_track) in MINIMUM.items():
        profiles, queries = loaded[name]
        if len(profiles) < least_profiles:
            errors.append(f"{name}: {len(profiles)} profiles (< {least_profiles})")
        if {p["region"] for p in profiles.values()} != {"BFC", "QC"}:
            errors.append(f"{name}: both regions needed")
        if {p["languages"][0] for p in profiles.values()} != {"fr", "en"}:
            errors.append(f"{name}: profiles in both languages needed")
        if len(queries) < least_queries:
            errors.append(f"{name}: {len(queries)} queries (< {least_queries})")
        tracks = Counter(q["track"] for q in queries)
        if any(tracks[t] < least_a_track for t in TRACKS):
            errors.append(f"{name}: every track must be asked at least {least_a_track} times")
    for name, least in SPREAD.items():
        profiles, queries = loaded[name]
        for track in ("economic", "joint_trial"):
            if sum(q["track"] == track for q in queries) < least[track]:
                errors.append(f"{name}: fewer than {least[track]} {track} queries")
        english = sum(profiles[q["org"]]["languages"][0] == "en" for q in queries if q["org"] in profiles)
        if english < least["english_queries"]:
            errors.append(
                f"{name}: {english} queries from English-writing organisations (< {least['english_queries']})"
            )
        if sum(p["languages"][0] == "en" for p in profiles.values()) < least["english_profiles"]:
            errors.append(f"{name}: fewer than {least['english_profiles']} profiles written in English")
        bfc = sum(p["region"] == "BFC" for p in profiles.values())
        if profiles and not 0.4 <= bfc / len(profiles) <= 0.6:
            errors.append(f"{name}: {bfc} BFC profiles of {len(profiles)}: about half of each region needed")
    for name, (own, qs) in loaded.items():
        langs = Counter(p["languages"][0] for p in own.values())
        regions = Counter(p["region"] for p in own.values())
        tracks = Counter(q["track"] for q in qs)
        print(
            f"{name}: {len(own)} profiles (BFC {regions['BFC']}, QC {regions['QC']}; "
            f"fr {langs['fr']}, en {langs['en']}), {len(qs)} queries "
            f"({', '.join(f'{t} {tracks[t]}' for t in TRACKS)})"
        )
    if errors:
        print(f"\nFAILED with {len(errors)} error(s):")
        for e in errors:
            print("  -", e)
        return 1
    print("\nOK: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
