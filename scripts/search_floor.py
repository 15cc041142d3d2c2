"""Measure the directory search's relevance floor on data/eval/search_queries.jsonl with the real model.

For every labelled query, the combined score of each organisation is split into relevant (grade >= 1)
and not relevant; off-topic queries ("pizza"...) give scores nothing should pass. The floor printed
is the lowest score that keeps the given share of relevant hits while it drops every off-topic
result it can. Run: `.venv/bin/python scripts/search_floor.py` (about a minute; needs the seeded
database of `make setup`, or builds a temporary one).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OFF_TOPIC = ["pizza", "location de voitures", "football club tickets", "recette de cuisine",
             "plumber in Dijon", "cours de piano", "cheap flights", "jardinage bio"]  # fmt: skip


def main(keep: float = 0.9) -> None:
    from app import create_app, matching
    from app.db import connect, get_db, init_db
    from app.seed import seed_organisations

    folder = Path(tempfile.mkdtemp())
    app = create_app({"DATABASE": str(folder / "floor.db"), "SECRET_KEY": "x", "SEARCH_MIN_SCORE": 0.0})
    database = connect(app.config["DATABASE"])
    init_db(database)
    database.close()
    relevant, other, off = [], [], []
    with app.app_context():
        db = get_db()
        seed_organisations(db)
        matching.sync(db)
        for line in (
            (ROOT / "data" / "eval" / "search_queries.jsonl").read_text(encoding="utf-8").splitlines()
        ):
            item = json.loads(line)
            for hit in matching.search(db, item["query"], top_k=1000):
                (relevant if item["relevant"].get(hit.short_name, 0) >= 1 else other).append(hit.score)
        for query in OFF_TOPIC:
            off.append(max(hit.score for hit in matching.search(db, query, top_k=1000)))
    relevant_a, other_a, off_a = np.array(relevant), np.array(other), np.array(off)
    floor = float(np.quantile(relevant_a, 1 - keep))
    print(
        f"relevant hits: {len(relevant_a)}, median {np.median(relevant_a):.3f}, 10th percentile {floor:.3f}"
    )
    print(
        f"not relevant: {len(other_a)}, median {np.median(other_a):.3f}; "
        f"above the floor {np.mean(other_a >= floor):.0%}"
    )
    print(
        f"off-topic best scores: {', '.join(f'{s:.3f}' for s in off_a)}; "
        f"above the floor {np.mean(off_a >= floor):.0%}"
    )
    print(f"floor keeping {keep:.0%} of relevant hits: {floor:.2f}")


if __name__ == "__main__":
    main()
