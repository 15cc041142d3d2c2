"""Issue 13, eighth round: how much of the gap is language? Measured on the development sets only.

Every profile of the seed holds a second version in the other language (``profiles_en.jsonl`` and
``profiles_fr.jsonl``); the product shows it to readers and never embeds it. This round reads each
seed candidate in the language of the query instead (the development sets' own profiles have one
version only, and stay as written), to learn how much the engine loses to language, and whether
embedding second versions would pay.

Judged as ``scripts/development_sets.py`` judges: the four development sets pooled, under weights
fitted on the seed alone (what ``flask evaluate --fit`` ships), and, in brackets, each set under
weights fitted on the seed and the other three. The seed's mixed corpus read in the query's
language is its English corpus for an English query and its French corpus for a French one.
Nothing is written and the held-out set (v5) is never read. README's *Eighth round* holds the
figures. Run: ``.venv/bin/python scripts/eighth_round.py`` (under a minute with the bundled model).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import development_sets as ds  # noqa: E402

from models.heldout import HELD_OUT_SETS, JUDGED_BY_DEFAULT  # noqa: E402
from models.matching import evaluate as ev  # noqa: E402

AS_IS = lambda q, names, parts, about: parts  # noqa: E731


def collect():
    """Each query's candidates and parts twice: as written, and with the seed in the query's language."""
    from app import create_app, matching
    from models.matching.topics import load_vocabulary
    from models.matching.weights import load_weights

    with create_app().app_context():
        embedder, vocabulary, weights = matching.embedder(), load_vocabulary(), load_weights()
        english = ev.load_records(ev.EVAL_DIR / "profiles_en.jsonl")
        french = ev.load_records(ev.EVAL_DIR / "profiles_fr.jsonl")
        seed = {name: ev.corpus(name, english, french) for name in ev.CORPORA}
        language = {r["short_name"]: "fr" if r["languages"][0] == "fr" else "en" for r in seed["mixed"]}
        queries = ev.load_queries()
        indexes = {}

        def rows(key, records, query):
            if key not in indexes:
                indexes[key] = ev.build_index(records, embedder, vocabulary, weights)
            about = {r["short_name"]: (r["languages"][0], r["type"], 0) for r in records}
            return (query, *ev.query_rows(indexes[key], query), about)

        written = {f"seed {n}": [rows(n, seed[n], q) for q in queries] for n in ev.CORPORA}
        read = {**written, "seed mixed": [rows(language[q.org], seed[language[q.org]], q) for q in queries]}
        for name in JUDGED_BY_DEFAULT:  # the development sets only
            records, judged = ev.load_held_out(seed["mixed"], *HELD_OUT_SETS[name])
            language.update({r["short_name"]: "fr" if r["languages"][0] == "fr" else "en" for r in records})
            written[name] = [rows(f"{name} mixed", records, q) for q in judged]
            read[name] = []
            for query in judged:
                own = language[query.org]
                in_own = ev.load_held_out(seed[own], *HELD_OUT_SETS[name])[0]
                read[name].append(rows(f"{name} {own}", in_own, query))
        return written, read, language, {r["short_name"] for r in seed["mixed"]}


def aligned(written, read, combine: Callable) -> dict:
    """The candidates as written, each with its parts combined from the two readings."""
    out = {}
    for name in written:
        out[name] = []
        for (query, names, parts, about), (_, other_names, other_parts, _) in zip(
            written[name], read[name], strict=True
        ):
            where = {n: i for i, n in enumerate(other_names)}
            keep = [i for i, n in enumerate(names) if n in where]
            theirs = other_parts[[where[names[i]] for i in keep]]
            out[name].append((query, [names[i] for i in keep], combine(parts[keep], theirs), about))
    return out


def by_query_language(collected, weights, language, only=None) -> str:
    """Pooled nDCG@5 of English and of French queries; ``only``: rank and grade those candidates alone."""
    figures = {"en": [], "fr": []}
    for name in (n for n in collected if not n.startswith("seed")):
        for query, names, parts, _ in collected[name]:
            keep = [i for i, n in enumerate(names) if only is None or n in only]
            relevant = {n: g for n, g in query.relevant.items() if only is None or n in only}
            if not relevant:
                continue
            order = np.argsort(-(parts[keep] @ weights), kind="stable")
            figures[language[query.org]].append(ev.ndcg_at_k([names[keep[i]] for i in order], relevant))
    return "  ".join(f"{lang} {np.mean(v):.3f} ({len(v)})" for lang, v in figures.items())


def main() -> None:
    written, read, language, seed_names = collect()
    trials = {
        "as written (the engine)": lambda mine, theirs: mine,
        "seed candidates read in the query's language": lambda mine, theirs: theirs,
        "the better of the two readings, part by part": np.maximum,
        "the mean of the two readings": lambda mine, theirs: (mine + theirs) / 2,
    }
    print(f"{'development sets, 151 queries':<48} fitted on the seed  (left one set out: v1 / v2 / v3 / v4)")
    print(f"{'':<48} queries by language; then graded among seed candidates only")
    for label, combine in trials.items():
        collected = aligned(written, read, combine)
        seed_sets = [n for n in collected if n.startswith("seed")]
        weights = ds.fit(collected, seed_sets, AS_IS)
        pooled, each = ds.leave_one_set_out(collected, AS_IS)
        figures = " / ".join(f"{value:.3f}" for value in each.values())
        print(f"{label:<48} {ds.fitted_on_seed(collected, AS_IS):.3f}  ({pooled:.3f}: {figures})")
        print(f"{'':<48} {by_query_language(collected, weights, language)}")
        print(f"{'':<48} {by_query_language(collected, weights, language, only=seed_names)}", flush=True)


if __name__ == "__main__":
    main()
