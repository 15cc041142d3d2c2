"""What reweighting and reshaping the score parts could give, measured on the development sets.

Each development set (v1 to v4 when the README's figures were measured; v1 to v6 since the look at
v7, ``models.heldout``) is judged by weights fitted without it: on the seed's three corpora and the
other sets ("leave one set out"); in brackets, the four sets pooled
with weights fitted on the seed alone, which is what ``flask evaluate --fit`` would ship. The figures
are the ones in README's *Fifth round* and *Sixth round* tables. This is a measurement only: it
fits on the development sets to see whether that would help, never writes ``data/weights.json``, and
never reads a held-out set (v5). Run: ``.venv/bin/python scripts/development_sets.py`` (about two
minutes with the bundled model); ``--parts`` prints each part alone and each part left out instead.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from models.heldout import HELD_OUT_SETS, JUDGED_BY_DEFAULT  # noqa: E402
from models.matching import evaluate as ev  # noqa: E402
from models.matching.weights import FEATURES  # noqa: E402
from models.profiles import ORG_TYPES, TRACKS  # noqa: E402

HUB_NEIGHBOURS = 20
TEXT_PARTS = [FEATURES.index(n) for n in ("offer_fit", "seek_fit", "reciprocity", "expertise", "lexical")]


def collect(sets=JUDGED_BY_DEFAULT):
    """Score parts of every (query, candidate) of the seed's corpora and of each development set
    (or of the named ``sets`` of ``models.heldout.HELD_OUT_SETS``)."""
    from app import create_app, matching
    from models.matching.topics import load_vocabulary
    from models.matching.weights import load_weights

    with create_app().app_context():
        embedder, vocabulary, weights = matching.embedder(), load_vocabulary(), load_weights()
        english = ev.load_records(ev.EVAL_DIR / "profiles_en.jsonl")
        french = ev.load_records(ev.EVAL_DIR / "profiles_fr.jsonl")
        queries = ev.load_queries()
        corpora = {f"seed {name}": (ev.corpus(name, english, french), queries) for name in ev.CORPORA}
        for name in sets:  # the development sets unless others are named
            corpora[name] = ev.load_held_out(corpora["seed mixed"][0], *HELD_OUT_SETS[name])
        collected = {}
        for name, (records, queries) in corpora.items():
            index = ev.build_index(records, embedder, vocabulary, weights)
            hub = hubness(index)
            about = {r["short_name"]: (r["languages"][0], r["type"], hub[r["short_name"]]) for r in records}
            collected[name] = [(q, *ev.query_rows(index, q), about) for q in queries]
        return collected, weights.vector()


def hubness(index, k: int = HUB_NEIGHBOURS) -> dict[str, np.ndarray]:
    """Each organisation's mean text parts with its ``k`` closest organisations across the Atlantic."""
    seen: dict[str, list[np.ndarray]] = {}
    for org in index.orgs:
        rows, parts, _ = index.features(org["id"], TRACKS[0])  # the text parts do not depend on the track
        for row, values in zip(rows, parts[:, TEXT_PARTS], strict=True):
            seen.setdefault(index.orgs[row]["short_name"], []).append(values)
    return {name: np.sort(np.array(v), axis=0)[::-1][:k].mean(axis=0) for name, v in seen.items()}


def less_hubness(query, names, parts, about):
    """A partner close to every organisation of the other side loses what it gains there (CSLS-like)."""
    return np.hstack([parts, -np.array([about[name][2] for name in names])])


def by_language(query, names, parts, about, spread: float = 0.1):
    """The text parts standardised within each language of partner, per query (README, *Fifth round*)."""
    shaped = parts.copy()
    languages = np.array([about[name][0] for name in names])
    for language in set(languages):
        group = languages == language
        for column in TEXT_PARTS:
            values = parts[group, column]
            centred = (values - values.mean()) / (values.std() + 1e-6)
            shaped[group, column] = centred * spread + parts[:, column].mean()
    return shaped


def kinds(query, names, parts, about):
    """The partner's kind for the query's track, one learnt part per (track, kind)."""
    extra = np.zeros((len(names), len(TRACKS) * len(ORG_TYPES)), np.float32)
    for row, name in enumerate(names):
        extra[row, TRACKS.index(query.track) * len(ORG_TYPES) + ORG_TYPES.index(about[name][1])] = 1
    return np.hstack([parts, extra])


def per_track(query, names, parts, about):
    """A copy of the parts for the query's track, beside the shared parts."""
    width = parts.shape[1]
    shaped = np.zeros((len(names), width * (1 + len(TRACKS))), np.float32)
    shaped[:, :width] = parts
    start = (1 + TRACKS.index(query.track)) * width
    shaped[:, start : start + width] = parts
    return shaped


def fit(collected, names, shape, *, positive=True, alpha=1.0) -> np.ndarray:
    from sklearn.linear_model import Ridge

    features, grades, groups = [], [], []
    for name in names:
        for query, candidates, parts, about in collected[name]:
            features.append(shape(query, candidates, parts, about))
            grades.append([query.relevant.get(c, 0) for c in candidates])
            groups.append(np.full(len(candidates), len(groups)))
    differences = ev.pairwise_differences(np.vstack(features), np.concatenate(grades), np.concatenate(groups))
    model = Ridge(alpha=alpha, positive=positive, fit_intercept=False)
    return model.fit(differences, np.ones(len(differences))).coef_


def judged(collected, name, shape, weights) -> list[float]:
    """nDCG@5 of each query of one set, its candidates ranked by the shaped parts and the weights."""
    figures = []
    for query, candidates, parts, about in collected[name]:
        order = np.argsort(-(shape(query, candidates, parts, about) @ weights), kind="stable")
        figures.append(ev.ndcg_at_k([candidates[i] for i in order], query.relevant))
    return figures


def leave_one_set_out(collected, shape: Callable, *, seed: bool = True, **fitting) -> tuple[float, dict]:
    development = [name for name in collected if not name.startswith("seed")]
    pooled, each = [], {}
    for left_out in development:
        train = [n for n in collected if (seed or not n.startswith("seed")) and n != left_out]
        figures = judged(collected, left_out, shape, fit(collected, train, shape, **fitting))
        each[left_out.split()[-1]] = float(np.mean(figures))
        pooled += figures
    return float(np.mean(pooled)), each


def fitted_on_seed(collected, shape: Callable, **fitting) -> float:
    """Pooled nDCG@5 of the development sets with weights fitted on the seed alone, as would ship."""
    weights = fit(collected, [name for name in collected if name.startswith("seed")], shape, **fitting)
    development = [name for name in collected if not name.startswith("seed")]
    return float(np.mean([v for name in development for v in judged(collected, name, shape, weights)]))


def each_part(collected) -> None:
    """Each part alone, and each part left out: weights fitted on the seed, development sets pooled."""
    print(f"{'part':<16} alone  left out")
    for column, name in enumerate(FEATURES):
        alone = lambda q, names, parts, about, c=column: parts * (np.arange(parts.shape[1]) == c)  # noqa: E731
        without = lambda q, names, parts, about, c=column: parts * (np.arange(parts.shape[1]) != c)  # noqa: E731
        print(f"{name:<16} {fitted_on_seed(collected, alone):.3f}  {fitted_on_seed(collected, without):.3f}")


def main() -> None:
    collected, shipped = collect()
    if "--parts" in sys.argv[1:]:
        return each_part(collected)
    as_is = lambda q, names, parts, about: parts  # noqa: E731
    development = [name for name in collected if not name.startswith("seed")]
    shipped_figures = [v for name in development for v in judged(collected, name, as_is, shipped)]
    print(f"{'development sets, 151 queries':<58} pooled  v1 / v2 / v3 / v4  (fitted on the seed alone)")
    print(f"{'engine as shipped (weights fitted on the seed)':<58} {np.mean(shipped_figures):.3f}")
    ceiling = [np.mean(judged(collected, n, as_is, fit(collected, [n], as_is))) for n in development]
    print(f"{'fitted on each set itself (in sample)':<58}   -    {' / '.join(f'{v:.3f}' for v in ceiling)}")
    trials = {
        "the parts as they are, refitted": (as_is, {}),
        "fitted on the development sets alone": (as_is, {"seed": False}),
        "signed weights": (as_is, {"positive": False}),
        "a weight vector per track beside the shared one": (per_track, {"alpha": 3.0}),
        "the partner's kind per track as learnt parts (signed)": (kinds, {"positive": False}),
        "text parts standardised within each language of partner": (by_language, {}),
        "a partner's closeness to the whole other side, learnt": (less_hubness, {}),
    }
    for label, (shape, fitting) in trials.items():
        pooled, each = leave_one_set_out(collected, shape, **fitting)
        on_seed = f"({fitted_on_seed(collected, shape, **fitting):.3f})" if fitting.get("seed", True) else ""
        print(f"{label:<58} {pooled:.3f}  {' / '.join(f'{v:.3f}' for v in each.values())}  {on_seed}")


if __name__ == "__main__":
    main()
