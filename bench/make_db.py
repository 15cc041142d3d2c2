"""A database of N organisations for load tests and benchmarks: real profiles, real vectors with noise.

Takes an embedded database (``make setup``'s, or any with the 46 seed profiles embedded), and writes
a new one where organisation ``i`` is seed profile ``i mod 46`` with its own short name, its stored
passage vectors plus Gaussian noise (renormalised), and its topics. Texts and content hashes are the
seed's, so ``flask embed`` finds nothing stale and never loads the model.

``.venv/bin/python -m bench.make_db --orgs 10000 --out /tmp/p10k.db`` (about 1 s per 10,000).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
NOISE = 0.5  # norm of the noise added to each unit vector: cosine to the seed vector about 0.89


def make_db(source: Path, out: Path, n_orgs: int, seed: int = 0) -> None:
    """Write ``n_orgs`` organisations derived from ``source``'s seed profiles into a new ``out``."""
    from app.db import connect, init_db

    if out.exists():
        raise SystemExit(f"{out} exists: remove it first")
    src = connect(source)
    orgs = list(src.query("SELECT * FROM organisations ORDER BY id"))
    vectors = list(src.query("SELECT * FROM passage_vectors ORDER BY org_id, field, idx"))
    topics = list(src.query("SELECT * FROM org_topics ORDER BY org_id"))
    src.close()
    by_org: dict[int, list[dict]] = {}
    for row in vectors:
        by_org.setdefault(row["org_id"], []).append(row)
    topics_of: dict[int, list[dict]] = {}
    for row in topics:
        topics_of.setdefault(row["org_id"], []).append(row)
    db = connect(out)
    init_db(db)
    db.execute("PRAGMA synchronous=OFF")
    rng = np.random.default_rng(seed)
    columns = [c for c in orgs[0] if c != "id"]
    with db.atomic():
        for start in range(0, n_orgs, 5000):
            org_rows, vector_rows, topic_rows = [], [], []
            for i in range(start, min(start + 5000, n_orgs)):
                base = orgs[i % len(orgs)]
                org_id = i + 1
                row = {c: base[c] for c in columns} | {"id": org_id}
                if i >= len(orgs):
                    row["short_name"] = f"{base['short_name']} {i // len(orgs)}"
                    row["name"] = f"{base['name']} ({i // len(orgs)})"
                org_rows.append(row)
                for passage in by_org.get(base["id"], []):
                    vector = np.frombuffer(passage["vector"], dtype=np.float32)
                    if i >= len(orgs):
                        vector = vector + rng.normal(0, NOISE / np.sqrt(len(vector)), len(vector))
                        vector = (vector / np.linalg.norm(vector)).astype(np.float32)
                    vector_rows.append(passage | {"org_id": org_id, "vector": vector.tobytes()})
                topic_rows += [t | {"org_id": org_id} for t in topics_of.get(base["id"], [])]
            db.table("organisations").insert_all(org_rows)
            db.table("passage_vectors").insert_all(vector_rows)
            db.table("org_topics").insert_all(topic_rows)
    db.close()


def main() -> None:
    """Parse the arguments and write the database."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    default = os.environ.get("PASSERELLE_DATABASE", ROOT / "data" / "passerelle.db")
    parser.add_argument("--source", type=Path, default=Path(default), help="an embedded seed database")
    args = parser.parse_args()
    started = time.perf_counter()
    make_db(args.source, args.out, args.orgs)
    print(f"{args.out}: {args.orgs} organisations in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
