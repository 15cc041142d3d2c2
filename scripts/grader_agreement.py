"""How far two graders agree, and where the engine stands between them (issue 13, eighth round).

A second grader graded 30 queries of the development sets v3 and v4 (six a track, drawn at random:
``data/eval/agreement/queries.json``) from the grading rules of ``data/eval/README.md``, the
profiles and the documented links alone, without seeing the first grades
(``data/eval/agreement/grades_b.jsonl``), then 25 queries of the seed, five a track
(``seed_queries.json``, ``seed_grades_b.jsonl``; ninth round), then, after the look at v7, 30
queries of the held-out set v7, six a track (``v7_queries.json``, ``v7_grades_b.jsonl``), which
the engine ranks with weights fitted as they ship (the seed and v1 to v6) and so is a look at v7,
to be counted in ``data/eval/README.md``. For each query this prints nDCG@5
of: the engine judged by each grader; one grader's grades used as a ranking, judged by the other
(ties in random order, averaged over 200 draws, or broken by the engine's order). Weights fitted on
the seed, as they shipped when the first two were graded (so the seed's table is in sample for the
engine). Run: ``.venv/bin/python scripts/grader_agreement.py`` (about a minute with the bundled
model).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import development_sets as ds  # noqa: E402

from models.heldout import DEVELOPMENT_SETS  # noqa: E402
from models.matching import evaluate as ev  # noqa: E402

AGREEMENT = ev.EVAL_DIR / "agreement"
AS_IS = lambda q, names, parts, about: parts  # noqa: E731
COLUMNS = {
    "the engine, judged by the first grader": "engine_a",
    "the engine, judged by the second grader": "engine_b",
    "the second's grades as a ranking, judged by the first": "b_by_a",
    "the first's grades as a ranking, judged by the second": "a_by_b",
    "the same, ties broken by the engine: second by first": "b_engine_by_a",
    "the same, ties broken by the engine: first by second": "a_engine_by_b",
}


def by_grades(names: list[str], grades: dict[str, int], rng) -> list[list[str]]:
    """The candidates in grade order, ties in 200 random orders."""
    return [sorted(rng.permutation(names).tolist(), key=lambda n: -grades.get(n, 0)) for _ in range(200)]


def agreement(collected, second: dict[str, dict[str, int]], sets, fitting=None) -> list[dict]:
    """One row per query of ``sets`` that the second grader graded; the engine's weights are fitted
    on ``fitting`` (by default the seed's corpora)."""
    fitting = fitting or [name for name in collected if name.startswith("seed")]
    weights = ds.fit(collected, fitting, AS_IS)
    rng, rows = np.random.default_rng(0), []
    for name in sets:
        for query, names, parts, _ in collected[name]:
            if query.id not in second:
                continue
            first, other = query.relevant, second[query.id]
            engine = [names[i] for i in np.argsort(-(parts @ weights), kind="stable")]
            rows.append(
                {
                    "track": query.track,
                    "engine_a": ev.ndcg_at_k(engine, first),
                    "engine_b": ev.ndcg_at_k(engine, other),
                    "b_by_a": np.mean([ev.ndcg_at_k(r, first) for r in by_grades(names, other, rng)]),
                    "a_by_b": np.mean([ev.ndcg_at_k(r, other) for r in by_grades(names, first, rng)]),
                    "b_engine_by_a": ev.ndcg_at_k(sorted(engine, key=lambda n: -other.get(n, 0)), first),
                    "a_engine_by_b": ev.ndcg_at_k(sorted(engine, key=lambda n: -first.get(n, 0)), other),
                    "graded": (len(first), len(other), len(set(first) & set(other))),
                }
            )
    return rows


def second_grades(filename: str) -> dict[str, dict[str, int]]:
    lines = (AGREEMENT / filename).read_text(encoding="utf-8").splitlines()
    return {row["id"]: row["relevant"] for row in map(json.loads, lines)}


def main() -> None:
    collected = ds.collect((*DEVELOPMENT_SETS, "held-out v7"))[0]
    development = [name for name in collected if name.startswith("development")]
    table(agreement(collected, second_grades("grades_b.jsonl"), development), "development sets v3 and v4")
    print()
    table(
        agreement(collected, second_grades("seed_grades_b.jsonl"), ["seed mixed"]), "the seed (fitting set)"
    )
    print()
    shipped = [name for name in collected if name != "held-out v7"]  # the seed and v1-v6, as shipped
    rows = agreement(collected, second_grades("v7_grades_b.jsonl"), ["held-out v7"], shipped)
    table(rows, "the held-out set v7")


def table(rows: list[dict], where: str) -> None:
    tracks = sorted({row["track"] for row in rows})
    print(f"{len(rows)} queries of {where:<35} all    " + " / ".join(tracks))
    for label, key in COLUMNS.items():
        each = " / ".join(f"{np.mean([r[key] for r in rows if r['track'] == t]):.2f}" for t in tracks)
        print(f"{label:<55} {np.mean([r[key] for r in rows]):.3f}  {each}")
    first, other, both = (sum(row["graded"][i] for row in rows) for i in range(3))
    print(f"partners graded: first {first}, second {other}, by both {both}")


if __name__ == "__main__":
    main()
