"""Issue 13: the one look at held-out sets, for the engine and for the readers measured beside it.

``flask evaluate --held-out v7`` judges the engine as it ships (weights fitted on the seed and the
development sets). This
script judges, on the same held-out sets and in the same look, what the tuning rounds left
undecided, so that the choice between them is made on profiles that nobody tuned to:

- **the engine's parts**, weights fitted on the seed alone (what shipped until the look at v6), on
  the seed and the development sets (v1 to v4 at the look at v6; v1 to v6 since the look at v7: what
  ships), and on those and the held-out sets already looked at but not yet fitted on
  (:data:`LOOKED_AT`; at the look at v7, v5 and v6, then still held out; now v7);
- **the ninth round's two readers** beside them (roles paired for the track averaged into
  ``kind_fit``, and what A seeks met clause by clause, ``scripts/ninth_round.py``), fitted both ways.

Decided before the look at v6 (README, *Eleventh round*): a trial is built into the engine only if,
over the held-out sets pooled, it beats the engine as it ships by at least 0.02 nDCG@5 and is not
below it on either set. Decided before the look at v7 (README, *The look at v7*): v5 and v6 join the
fitting set unless, on v7, the weights fitted with them fall below those that ship by more than
0.005; the readers, as before, only for +0.02. Every run of this script on a held-out set is a
look, to be counted in ``data/eval/README.md``. ``v4`` (a development set) may be named to try the
script itself: it is then judged with weights fitted on the seed and the other development sets.

Run: ``.venv/bin/python scripts/held_out_look.py v7`` (about two minutes with the bundled model;
``v6 v5`` was the look at v6).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import development_sets as ds  # noqa: E402
import ninth_round  # noqa: E402

from models.heldout import HELD_OUT_SETS, JUDGED_BY_DEFAULT  # noqa: E402
from models.profiles import TRACKS  # noqa: E402

AS_IS = lambda query, names, parts, about: parts  # noqa: E731
#: held-out sets looked at once or more that are not yet fitted on: a later look may fit on them
#: (the look at v7 did so for v5 and v6, which are development sets since; v7 has been looked at)
LOOKED_AT = ("held-out v7",)
TRIALS = {
    "the engine's parts": AS_IS,
    "with the two readers (roles, clauses)": ninth_round.both,
}


def figures(collected, name: str, shape, weights) -> dict[str, list[float]]:
    """nDCG@5 of each query of one set, by slice: all, each track, each language of the query."""
    about = collected[name][0][3]
    sliced: dict[str, list[float]] = {}
    for (query, *_), value in zip(collected[name], ds.judged(collected, name, shape, weights), strict=True):
        for key in ("all", f"track {query.track}", f"query in {about[query.org][0]}"):
            sliced.setdefault(key, []).append(value)
    return sliced


def main(chosen: list[str]) -> None:
    judged = [next(n for n in HELD_OUT_SETS if n.split()[-1] == choice) for choice in chosen]
    development = [name for name in JUDGED_BY_DEFAULT if name not in judged]
    looked_at = list(LOOKED_AT) if set(judged).isdisjoint(LOOKED_AT) else []
    collected, _ = ninth_round.collect((*development, *looked_at, *judged))
    seed = [name for name in collected if name.startswith("seed")]
    fits = {"seed": seed, f"seed + {len(development)} development sets": seed + development}
    if looked_at:
        also = ", ".join(name.split()[-1] for name in looked_at)
        fits[f"seed + {len(development)} development sets + {also}"] = seed + development + looked_at
    slices = ["all", *(f"track {t}" for t in TRACKS), "query in fr", "query in en"]
    results = {}
    for trial, shape in TRIALS.items():
        for fit_name, fitting in fits.items():
            weights = ds.fit(collected, fitting, shape)
            results[f"{trial}, fitted on the {fit_name}"] = {
                name: figures(collected, name, shape, weights) for name in judged
            }
    for name in judged:
        print(f"\n{name}: {len(collected[name])} queries")
        print(f"  {'':<90} " + " ".join(f"{s.split()[-1][:8]:>8}" for s in slices))
        for label, by_set in results.items():
            row = by_set[name]
            cells = " ".join(f"{np.mean(row[s]):>8.3f}" if s in row else f"{'-':>8}" for s in slices)
            print(f"  {label:<90} {cells}")
        counts = " ".join(f"{len(results[next(iter(results))][name].get(s, [])):>8}" for s in slices)
        print(f"  {'queries':<90} {counts}")
    if len(judged) > 1:
        print("\npooled")
        for label, by_set in results.items():
            pooled = [v for name in judged for v in by_set[name]["all"]]
            print(f"  {label:<90} {np.mean(pooled):.3f} ({len(pooled)} queries)")


if __name__ == "__main__":
    if not sys.argv[1:]:
        sys.exit("name the held-out sets to look at, e.g. v6 v5 (each run is a look: see the docstring)")
    main(sys.argv[1:])
