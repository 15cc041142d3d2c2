"""Issue 13, ninth round: a reader of roles per track, and what A seeks met clause by clause.

The eighth round found the gap in what the engine reads, largest on joint trials and economic
collaboration. This round builds two readers from the grading rules' own words and measures them
beside the engine's parts, on the development sets only:

- **roles**: who treats patients or runs trials, who develops a product, who manufactures, who
  trains, who hosts trainees, who convenes events, who funds, who brokers, who sells; read in a
  profile's expertise and offers (:data:`ROLE_WORDS`). For a pair and a track, the rules' pairing
  of roles (:func:`complement`): a clinical side with a developer or a manufacturer for a joint trial,
  a developer with a funder, a broker or a market for economic collaboration, a trainer with a host
  of trainees for co-training, a convener for an event;
- **clauses**: each clause of A's seeks against each clause of B's expertise and offers, by TF-IDF
  on words stemmed in each profile's language (Snowball), the best pair each way; where the
  engine's TF-IDF part compares whole profiles and the passage parts read French with an English model.

It also prints which pairs of kinds each set of grades counts as relevant, per track: the seed's
grades (the fitting set), the development sets' and the second grader's (``data/eval/agreement/``).

Judged as ``scripts/development_sets.py`` judges: the four development sets pooled under weights
fitted on the seed alone (what ``flask evaluate --fit`` would ship), then each set left out of a fit
on the seed and the other three. Nothing is written and the held-out set (v5) is never read. README's
*Ninth round* holds the figures. Needs ``snowballstemmer`` (``requirements-dev.txt``). Run:
``.venv/bin/python scripts/ninth_round.py`` (about a minute with the bundled model).
"""

from __future__ import annotations

import dataclasses
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import development_sets as ds  # noqa: E402

from models.heldout import HELD_OUT_SETS, JUDGED_BY_DEFAULT  # noqa: E402
from models.matching import evaluate as ev  # noqa: E402
from models.matching.weights import FEATURES  # noqa: E402
from models.needs import _folded  # noqa: E402

# Words of each role, French and English, on folded text (lower case, no accents), from the start of
# a word. They name activities, never organisations.
ROLE_WORDS = {
    "clinical": [
        r"patients?", r"essais? cliniques?", r"clinical trials?", r"investigat\w*", r"recherche clinique",
        r"clinical research", r"soins", r"care\b", r"hospital\w*", r"hopita\w*", r"cliniques?\b",
        r"clinic\w*", r"cohort\w*", r"usagers", r"centre hospitalier",
    ],
    "developer": [
        r"developp\w*", r"develop\w*", r"candidat\w*", r"candidates?", r"therapies?", r"traitements?",
        r"dispositifs?", r"devices?", r"produits?", r"products?", r"concoit", r"designs?", r"brevet\w*",
        r"patent\w*", r"pipeline", r"start-?ups?", r"innovation\w*",
    ],
    "manufacturer": [
        r"bpf", r"gmp", r"fabriqu\w*", r"manufactur\w*", r"production", r"produire", r"cdmo",
        r"lots? cliniques?", r"clinical (?:trial )?batch\w*", r"bioproduction",
    ],
    "trainer": [
        r"formations?", r"training", r"enseign\w*", r"teaching", r"cursus", r"curricul\w*", r"diplom\w*",
        r"degrees?", r"masters?", r"doctora\w*", r"phd", r"ecole", r"school",
    ],
    "host": [r"stag\w*", r"intern\w*", r"accueil\w*", r"host\w*", r"alternan\w*", r"apprenti\w*"],
    "convener": [
        r"evenements?", r"events?", r"congres", r"congress\w*", r"conferences?", r"colloques?",
        r"hackathons?", r"salons?", r"trade[- ]shows?", r"rencontres", r"maillage", r"matchmaking",
        r"journees?", r"missions?",
    ],
    "funder": [
        r"investiss\w*", r"invest\w*", r"financ\w*", r"funding", r"fonds", r"funds?", r"capital",
        r"subvention\w*", r"grants?",
    ],
    "broker": [
        r"accompagn\w*", r"incubat\w*", r"accelerat\w*", r"mise en relation", r"reseau\w*", r"network\w*",
        r"grappe", r"cluster\w*", r"filiere", r"membres", r"members",
    ],
    "market": [
        r"clients?", r"customers?", r"commerciali\w*", r"marches?", r"markets?", r"distribu\w*",
        r"export\w*", r"licen[cs]\w*", r"ventes?", r"sales",
    ],
}  # fmt: skip
ROLES = tuple(ROLE_WORDS)
ROLE_PATTERNS = {
    role: re.compile(r"(?<![\w-])(?:" + "|".join(words) + r")(?![\w-])") for role, words in ROLE_WORDS.items()
}
WORDS_FOR_A_FULL_ROLE = 3
CLAUSE = re.compile(r"[,;:.]\s+|\s+(?:et|and|ou|or)\s+")
WORD = re.compile(r"\w[\w-]{2,}")
KIND_FIT = FEATURES.index("kind_fit")


class About(dict):
    """``development_sets``' facts on each candidate, with the set's profiles and readings beside them."""

    profiles: dict
    roles: dict
    clauses: dict


def roles(profile) -> np.ndarray:
    """How strongly the expertise and offers speak of each role: distinct words found / 3, at most 1."""
    text = _folded(f"{profile.get('expertise') or ''} {profile.get('offers') or ''}")
    found = [len({m.group(0) for m in ROLE_PATTERNS[role].finditer(text)}) for role in ROLES]
    return np.minimum(np.array(found, np.float32) / WORDS_FOR_A_FULL_ROLE, 1.0)


def complement(track: str, a: np.ndarray, b: np.ndarray) -> float:
    """How well the two organisations' roles pair for ``track``, by the grading rules, in [0, 1]."""
    r = dict(zip(ROLES, a, strict=True)), dict(zip(ROLES, b, strict=True))
    one_way = []
    for x, y in (r, r[::-1]):
        if track == "joint_trial":
            one_way += [
                x["clinical"] * max(y["developer"], y["manufacturer"]),
                x["developer"] * y["manufacturer"],
            ]
        elif track == "economic":
            one_way += [
                x["developer"] * max(y["funder"], y["broker"], y["market"]),
                x["market"] * y["market"],
            ]
        elif track == "co_training":
            one_way += [x["trainer"] * y["host"], x["trainer"] * y["trainer"]]
        elif track == "event":
            one_way += [x["convener"] * min(1.0, x["convener"] + y["convener"] + y["broker"])]
    if track == "joint_trial":
        one_way.append(0.7 * r[0]["clinical"] * r[1]["clinical"])
    return float(max(one_way, default=0.0))


def clause_matrices(profiles: dict) -> dict:
    """Each profile's seeks clauses and expertise/offers clauses as unit TF-IDF rows (stemmed words)."""
    import snowballstemmer
    from sklearn.feature_extraction.text import TfidfVectorizer

    from models.matching.index import STOP_WORDS

    stemmers = {"fr": snowballstemmer.stemmer("french"), "en": snowballstemmer.stemmer("english")}
    stop = set(STOP_WORDS)
    clauses, owners = [], []
    for name, profile in profiles.items():
        stemmer = stemmers.get(profile["languages"][0], stemmers["en"])
        for field, side in (("seeks", "seeks"), ("offers", "has"), ("expertise", "has")):
            for clause in CLAUSE.split(str(profile.get(field) or "")):
                words = [w for w in WORD.findall(clause.lower().replace("’", "'")) if _folded(w) not in stop]
                words = [_folded(s) for s in stemmer.stemWords([w for w in words if not w.isdigit()])]
                if words:
                    clauses.append(words)
                    owners.append((name, side))
    matrix = TfidfVectorizer(analyzer=lambda words: words, sublinear_tf=True).fit_transform(clauses).toarray()
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True) + 1e-9
    rows = defaultdict(list)
    for owner, row in zip(owners, matrix.astype(np.float32), strict=True):
        rows[owner].append(row)
    width = matrix.shape[1]
    return {
        name: tuple(
            np.array(rows.get((name, side), np.zeros((0, width))), np.float32) for side in ("seeks", "has")
        )
        for name in profiles
    }


def best_pair(a: np.ndarray, b: np.ndarray) -> float:
    return float((a @ b.T).max()) if len(a) and len(b) else 0.0


def collect(sets=JUDGED_BY_DEFAULT):
    """``development_sets.collect`` with each set's profiles, roles and clauses beside its facts."""
    collected, shipped = ds.collect(sets)
    english = ev.load_records(ev.EVAL_DIR / "profiles_en.jsonl")
    french = ev.load_records(ev.EVAL_DIR / "profiles_fr.jsonl")
    profiles = {f"seed {name}": ev.corpus(name, english, french) for name in ev.CORPORA}
    for name in sets:
        profiles[name] = ev.load_held_out(profiles["seed mixed"], *HELD_OUT_SETS[name])[0]
    for name, rows in collected.items():
        by_name = {record["short_name"]: record for record in profiles[name]}
        about = About(rows[0][3])
        about.profiles = by_name
        about.roles = {n: roles(record) for n, record in by_name.items()}
        about.clauses = clause_matrices(by_name)
        collected[name] = [(query, names, parts, about) for query, names, parts, _ in rows]
    return collected, shipped


def role_part(query, names, about) -> np.ndarray:
    own = about.roles[query.org]
    return np.array([complement(query.track, own, about.roles[n]) for n in names], np.float32)


def clause_parts(query, names, about) -> np.ndarray:
    seeks, has = about.clauses[query.org]
    return np.array(
        [[best_pair(seeks, about.clauses[n][1]), best_pair(about.clauses[n][0], has)] for n in names]
    )


def with_roles(query, names, parts, about):
    return np.hstack([parts, role_part(query, names, about)[:, None]])


def kinds_and_roles(query, names, parts, about):
    shaped = parts.copy()
    shaped[:, KIND_FIT] = (parts[:, KIND_FIT] + role_part(query, names, about)) / 2
    return shaped


def with_clauses(query, names, parts, about):
    return np.hstack([parts, clause_parts(query, names, about)])


def both(query, names, parts, about):
    return with_clauses(query, names, kinds_and_roles(query, names, parts, about), about)


TRIALS = {
    "the engine's parts as they are": lambda query, names, parts, about: parts,
    "roles paired for the track, a learnt part beside": with_roles,
    "roles paired for the track, averaged into kind_fit": kinds_and_roles,
    "seeks met clause by clause (stemmed), both ways": with_clauses,
    "the two together (roles into kind_fit, clauses)": both,
}


def kinds_graded(collected, second: dict) -> None:
    """Share of (query kind, partner kind) pairs graded relevant, by the seed's, the development
    sets' and, on the 30 queries both graded, the first and the second grader's; joint trial and economic."""
    for track in ("joint_trial", "economic"):
        print(f"\n{track}: share graded relevant  seed mixed / development / 30 queries: first, second")
        shares = defaultdict(lambda: ([], [], [], []))
        for name, rows in collected.items():
            if name.startswith("seed") and name != "seed mixed":
                continue
            for query, names, _, about in (row for row in rows if row[0].track == track):
                own = about.profiles[query.org]["type"]
                for n in names:
                    kinds = (own, about.profiles[n]["type"])
                    graded = query.relevant.get(n, 0) > 0
                    shares[kinds][0 if name.startswith("seed") else 1].append(graded)
                    if query.id in second:
                        shares[kinds][2].append(graded)
                        shares[kinds][3].append(second[query.id].get(n, 0) > 0)
        for (own, other), (seed, development, *both_graded) in sorted(
            shares.items(), key=lambda kv: -len(kv[1][1])
        ):
            if len(seed) >= 8 and len(development) >= 8:
                figures = " / ".join(
                    f"{np.mean(v):.2f} ({len(v)})" if v else "-" for v in (seed, development, *both_graded)
                )
                print(f"  {own:<16} -> {other:<20} {figures}")


def with_seed_grades(collected, second: dict, how: str) -> dict:
    """The seed's queries graded otherwise: by the second grader (``second``), the higher of the two
    grades (``max``), or the first grades of the 25 queries alone (``first``); the others unchanged."""
    shaped = {}
    for name, rows in collected.items():
        if not name.startswith("seed"):
            shaped[name] = rows
            continue
        shaped[name] = []
        for query, names, parts, about in rows:
            if query.id in second:
                first, other = query.relevant, second[query.id]
                grades = {
                    "second": other,
                    "max": {n: max(first.get(n, 0), other.get(n, 0)) for n in {*first, *other}},
                    "first": first,
                }[how]
                shaped[name].append((dataclasses.replace(query, relevant=grades), names, parts, about))
            elif how == "max":
                shaped[name].append((query, names, parts, about))
    return shaped


def refitted(collected) -> None:
    """Development sets pooled, under weights fitted on the seed graded otherwise."""
    lines = (ev.EVAL_DIR / "agreement" / "seed_grades_b.jsonl").read_text(encoding="utf-8").splitlines()
    second = {row["id"]: row["relevant"] for row in map(json.loads, lines)}
    as_is = TRIALS["the engine's parts as they are"]
    print(f"\n{'weights fitted on the seed graded by':<52} development sets pooled (v1 / v2 / v3 / v4)")
    for label, how in (
        ("the first grader, 66 queries (as shipped)", None),
        ("the first grader, the 25 queries both graded", "first"),
        ("the second grader, the 25 queries both graded", "second"),
        ("the higher grade of the two on those 25, 66 queries", "max"),
    ):
        shaped = collected if how is None else with_seed_grades(collected, second, how)
        weights = ds.fit(shaped, [name for name in shaped if name.startswith("seed")], as_is)
        each = [ds.judged(shaped, name, as_is, weights) for name in shaped if not name.startswith("seed")]
        figures = " / ".join(f"{np.mean(v):.3f}" for v in each)
        print(f"{label:<52} {np.mean([v for e in each for v in e]):.3f}  ({figures})")


def main() -> None:
    collected, _ = collect()
    print(f"{'development sets, 151 queries':<52} fitted on the seed  (left one set out: v1 / v2 / v3 / v4)")
    for label, shape in TRIALS.items():
        pooled, each = ds.leave_one_set_out(collected, shape)
        figures = " / ".join(f"{v:.3f}" for v in each.values())
        print(f"{label:<52} {ds.fitted_on_seed(collected, shape):.3f}  ({pooled:.3f}: {figures})")
    lines = (ev.EVAL_DIR / "agreement" / "grades_b.jsonl").read_text(encoding="utf-8").splitlines()
    kinds_graded(collected, {row["id"]: row["relevant"] for row in map(json.loads, lines)})
    refitted(collected)


if __name__ == "__main__":
    main()
