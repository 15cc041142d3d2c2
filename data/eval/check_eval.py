#!/usr/bin/env python3
"""Validate the Passerelle evaluation data (standard library only).

Checks:
  * profiles_fr.jsonl holds the same 46 short_names, in the same order, as
    the project's seed (data/seed/ecosystem.jsonl), with the same non-text
    fields (everything except expertise / offers / seeks; cities compared by
    their canonical spelling, as models/cities.py stores them), and
    non-empty texts that differ from the seed's English version (its own
    texts, or its "en" translation when it writes in French); the seed's
    own keys (text_language, translations, and status, which only a closed
    or unverified organisation has) are not in the evaluation files;
  * queries.jsonl: unique ids, known organisations, valid tracks, grades in
    1..3, partners always in the other region, no closed organisation
    asking or graded, >= 8 queries per track, >= 18 queries from Québec
    organisations, >= 48 queries in total;
  * search_queries.jsonl: unique ids, lang fr/en (balanced), known
    organisations, grades in 1..3, >= 20 queries;
  * topics.json: 40-60 topics with unique ids and fr/en labels, lower-case
    terms, and every topic matched (lower-cased substring on
    expertise + offers + seeks) by at least one English profile and one
    French profile.

Standard library only, with the project's models/cities.py and
models/vocabulary.py (standard library only themselves).

Usage: python3 data/eval/check_eval.py   (from anywhere)
Exit status 0 when everything passes, 1 otherwise.
"""

import json
import os
import sys
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.dirname(HERE)
sys.path.insert(0, os.path.dirname(DATA))  # the project's root, for models/

from models.cities import canonical_city  # noqa: E402
from models.vocabulary import ORG_STATUSES  # noqa: E402

SEED = os.path.join(DATA, "seed", "ecosystem.jsonl")
PROFILES_FR = os.path.join(HERE, "profiles_fr.jsonl")
QUERIES = os.path.join(HERE, "queries.jsonl")
SEARCH = os.path.join(HERE, "search_queries.jsonl")
TOPICS = os.path.join(DATA, "topics.json")

TRACKS = ("staff_exchange", "joint_trial", "co_training", "event", "economic")
TEXT_FIELDS = ("expertise", "offers", "seeks")
# The seed's keys that the evaluation files do not have: the language a profile writes in, its other
# version, and its status when it is not active (Medicago is closed).
SEED_ONLY = ("text_language", "translations", "status")

errors = []


def err(msg):
    errors.append(msg)


def load_jsonl(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                err(f"{os.path.basename(path)}:{n}: invalid JSON ({e})")
    return rows


def profile_text(p):
    return " ".join(p.get(k, "") for k in TEXT_FIELDS).lower()


def english(seed):
    """A seed profile as the English evaluation files hold it: its fields without the seed's own
    keys, and its texts in English (its own, or its "en" translation)."""
    p = {k: v for k, v in seed.items() if k not in SEED_ONLY}
    if seed.get("text_language", "en") != "en":
        version = (seed.get("translations") or {}).get("en")
        if not version:
            err(f"{seed.get('short_name')}: the seed has no English version")
            version = {}
        p.update({k: version.get(k, "") for k in TEXT_FIELDS})
    return p


def main():
    seed = load_jsonl(SEED)
    en = [english(p) for p in seed]
    fr = load_jsonl(PROFILES_FR)
    en_by = {p["short_name"]: p for p in en}
    fr_by = {p["short_name"]: p for p in fr}
    status = {p["short_name"]: p.get("status", ORG_STATUSES[0]) for p in seed}
    for name, st in status.items():
        if st not in ORG_STATUSES:
            err(f"{name}: seed status {st!r} is not one of {', '.join(ORG_STATUSES)}")
    closed = {name for name, st in status.items() if st == "closed"}

    # ---- profiles_fr -------------------------------------------------------
    if len(en) != 46:
        err(f"the seed has {len(en)} profiles, expected 46")
    if len(fr) != len(fr_by):
        err("profiles_fr.jsonl has duplicate short_names")
    if set(en_by) != set(fr_by):
        err(
            f"short_name mismatch: missing in FR {sorted(set(en_by) - set(fr_by))}, "
            f"extra in FR {sorted(set(fr_by) - set(en_by))}"
        )
    if [p["short_name"] for p in en] != [p["short_name"] for p in fr]:
        err("profiles_fr.jsonl order differs from the seed's")
    for name, pe in en_by.items():
        pf = fr_by.get(name)
        if pf is None:
            continue
        if set(pe) != set(pf):
            err(f"{name}: key set differs {sorted(set(pe) ^ set(pf))}")
        for k in pe:
            if k in TEXT_FIELDS:
                if not isinstance(pf.get(k), str) or not pf[k].strip():
                    err(f"{name}: empty French {k}")
                elif pf[k] == pe[k]:
                    err(f"{name}: {k} not translated (identical to English)")
            elif k == "city":
                if canonical_city(pf.get(k) or "") != canonical_city(pe[k]):
                    err(f"{name}: city {pf.get(k)!r} is not the seed's {pe[k]!r}")
            elif pf.get(k) != pe[k]:
                err(f"{name}: non-text field {k!r} differs")
    region = {n: p["region"] for n, p in en_by.items()}

    # ---- queries -----------------------------------------------------------
    queries = load_jsonl(QUERIES)
    ids = [q.get("id") for q in queries]
    if len(ids) != len(set(ids)):
        err("queries.jsonl: duplicate ids")
    per_track = Counter()
    per_dir = Counter()
    per_track_dir = Counter()
    grades = Counter()
    n_rel = []
    orgs = Counter()
    for q in queries:
        qid = q.get("id")
        keys = {"id", "org", "track", "relevant", "why"}
        if set(q) != keys:
            err(f"{qid}: keys {sorted(q)} != {sorted(keys)}")
        org, track, rel = q.get("org"), q.get("track"), q.get("relevant") or {}
        if org not in fr_by:
            err(f"{qid}: unknown org {org!r}")
            continue
        if org in closed:
            err(f"{qid}: {org!r} is closed and cannot ask for partners")
        if track not in TRACKS:
            err(f"{qid}: invalid track {track!r}")
        if not isinstance(q.get("why"), str) or len(q["why"].strip()) < 20:
            err(f"{qid}: missing or too short 'why'")
        if not rel:
            err(f"{qid}: no relevant partners")
        for p, g in rel.items():
            if p not in fr_by:
                err(f"{qid}: unknown partner {p!r}")
                continue
            if region[p] == region[org]:
                err(f"{qid}: partner {p!r} is in the same region as {org!r}")
            if p in closed:
                err(f"{qid}: partner {p!r} is closed")
            if not isinstance(g, int) or isinstance(g, bool) or not 1 <= g <= 3:
                err(f"{qid}: grade {g!r} for {p!r} not in 1..3")
            grades[g] += 1
        per_track[track] += 1
        per_dir[region[org]] += 1
        per_track_dir[(track, region[org])] += 1
        n_rel.append(len(rel))
        orgs[org] += 1
    if len(queries) < 48:
        err(f"only {len(queries)} queries (< 48)")
    for t in TRACKS:
        if per_track[t] < 8:
            err(f"track {t}: only {per_track[t]} queries (< 8)")
    if per_dir["QC"] < 18:
        err(f"only {per_dir['QC']} queries from QC organisations (< 18)")

    # ---- search queries ----------------------------------------------------
    search = load_jsonl(SEARCH)
    sids = [s.get("id") for s in search]
    if len(sids) != len(set(sids)):
        err("search_queries.jsonl: duplicate ids")
    langs = Counter()
    s_regions = Counter()
    for s in search:
        sid = s.get("id")
        if s.get("lang") not in ("fr", "en"):
            err(f"{sid}: lang must be fr or en")
        langs[s.get("lang")] += 1
        if not isinstance(s.get("query"), str) or not s["query"].strip():
            err(f"{sid}: empty query")
        rel = s.get("relevant") or {}
        if not rel:
            err(f"{sid}: no relevant organisations")
        for p, g in rel.items():
            if p not in fr_by:
                err(f"{sid}: unknown organisation {p!r}")
                continue
            if not isinstance(g, int) or isinstance(g, bool) or not 1 <= g <= 3:
                err(f"{sid}: grade {g!r} for {p!r} not in 1..3")
            s_regions[region[p]] += 1
    if len(search) < 20:
        err(f"only {len(search)} search queries (< 20)")
    if abs(langs["fr"] - langs["en"]) > 2:
        err(f"search queries unbalanced by language: {dict(langs)}")

    # ---- topics ------------------------------------------------------------
    with open(TOPICS, encoding="utf-8") as f:
        topics = json.load(f)
    if not isinstance(topics, list) or not 40 <= len(topics) <= 60:
        err(f"topics.json must be a list of 40-60 topics (got {len(topics)})")
    tids = [t.get("id") for t in topics]
    if len(tids) != len(set(tids)):
        err("topics.json: duplicate ids")
    en_txt = {n: profile_text(p) for n, p in en_by.items()}
    fr_txt = {n: profile_text(p) for n, p in fr_by.items()}
    topic_cov = {}
    for t in topics:
        tid = t.get("id")
        for k in ("id", "fr", "en", "terms_fr", "terms_en"):
            if not t.get(k):
                err(f"topic {tid}: missing {k}")
        for k in ("terms_fr", "terms_en"):
            for term in t.get(k, []):
                if term != term.lower() or term != term.strip() or not term:
                    err(f"topic {tid}: term {term!r} must be lower-case and trimmed")
        hit_en = sorted(n for n, x in en_txt.items() if any(term in x for term in t.get("terms_en", [])))
        hit_fr = sorted(n for n, x in fr_txt.items() if any(term in x for term in t.get("terms_fr", [])))
        if not hit_en:
            err(f"topic {tid}: no English profile matches terms_en")
        if not hit_fr:
            err(f"topic {tid}: no French profile matches terms_fr")
        if len(hit_en) > 23 or len(hit_fr) > 23:
            err(f"topic {tid}: matches more than half the profiles (too generic)")
        topic_cov[tid] = (len(hit_en), len(hit_fr))

    # ---- report ------------------------------------------------------------
    print(
        f"profiles: EN {len(en)} / FR {len(fr)} "
        f"(BFC {sum(1 for p in en if p['region'] == 'BFC')}, QC {sum(1 for p in en if p['region'] == 'QC')})"
    )
    print(
        f"queries: {len(queries)} total, {per_dir['BFC']} from BFC, {per_dir['QC']} from QC, "
        f"{len(orgs)} distinct querying organisations"
    )
    for t in TRACKS:
        print(
            f"  {t:15s} {per_track[t]:3d}  "
            f"(BFC {per_track_dir[(t, 'BFC')]:2d}, QC {per_track_dir[(t, 'QC')]:2d})"
        )
    if n_rel:
        print(
            f"  relevant partners per query: min {min(n_rel)}, max {max(n_rel)}, "
            f"mean {sum(n_rel) / len(n_rel):.2f}; grades 3/2/1 = {grades[3]}/{grades[2]}/{grades[1]}"
        )
    print(
        f"search queries: {len(search)} (fr {langs['fr']}, en {langs['en']}); "
        f"judged organisations by region: BFC {s_regions['BFC']}, QC {s_regions['QC']}"
    )
    print(
        f"topics: {len(topics)}; profiles matched per topic EN min {min(v[0] for v in topic_cov.values())} "
        f"max {max(v[0] for v in topic_cov.values())}, FR min {min(v[1] for v in topic_cov.values())} "
        f"max {max(v[1] for v in topic_cov.values())}"
    )
    untagged_en = [
        n for n, x in en_txt.items() if not any(any(term in x for term in t["terms_en"]) for t in topics)
    ]
    untagged_fr = [
        n for n, x in fr_txt.items() if not any(any(term in x for term in t["terms_fr"]) for t in topics)
    ]
    print(f"profiles with no topic: EN {untagged_en or 'none'}, FR {untagged_fr or 'none'}")

    if errors:
        print(f"\nFAILED with {len(errors)} error(s):")
        for e in errors:
            print("  -", e)
        return 1
    print("\nOK: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
