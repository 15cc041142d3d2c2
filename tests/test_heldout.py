"""The held-out set: real profiles outside the seed, graded queries, and no fitting step that sees them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from models.heldout import QUERIES_PATH, HeldOutLeak, held_out_names, load_profiles, refuse_held_out
from models.matching.embeddings import FakeEmbedder
from models.matching.evaluate import (
    EVAL_DIR,
    Query,
    build_index,
    corpus,
    fit_weights,
    load_held_out,
    load_queries,
    load_records,
    slices,
    training_set,
)
from models.matching.topics import load_vocabulary
from models.matching.weights import DEFAULT_WEIGHTS
from models.profiles import TRACKS, parse_import

SEED = EVAL_DIR / "profiles_en.jsonl"


def seed_profiles() -> dict[str, dict]:
    return {row["short_name"]: row for row in load_records(SEED)}


def test_held_out_profiles_follow_the_import_contract_and_are_not_seeded():
    profiles = parse_import(Path(EVAL_DIR / "heldout" / "profiles.jsonl").read_bytes(), "jsonl")
    assert len(profiles) >= 15
    assert not {p["short_name"] for p in profiles} & set(seed_profiles())
    assert all(p["source"].startswith("https://") for p in profiles)
    assert {p["region"] for p in profiles} == {"BFC", "QC"}
    assert {p["languages"][0] for p in profiles} == {"fr", "en"}  # each in the language it writes in


def test_held_out_queries_are_graded_across_the_atlantic():
    everyone = {**seed_profiles(), **{p["short_name"]: p for p in load_profiles()}}
    queries = load_queries(QUERIES_PATH)
    assert len({q.id for q in queries}) == len(queries) >= 30
    assert {q.track for q in queries} == set(TRACKS)
    for query in queries:
        asking = everyone[query.org]
        assert query.track in asking["collaboration_types"], query.id
        for name, grade in query.relevant.items():
            assert everyone[name]["region"] != asking["region"], (query.id, name)
            assert grade in (1, 2, 3)
            if query.track not in everyone[name]["collaboration_types"]:
                assert grade <= 2, (query.id, name)  # the grading rule of data/eval/README.md
    assert sum(q.org in held_out_names() for q in queries) >= 25


def test_fitting_refuses_a_corpus_or_query_with_held_out_organisations():
    embedder, vocabulary = FakeEmbedder(), load_vocabulary()
    seed = load_records(SEED)
    mixed = corpus("mixed", seed, load_records(EVAL_DIR / "profiles_fr.jsonl"))
    held_records, held_queries = load_held_out(mixed)
    with pytest.raises(HeldOutLeak, match="fitting the weights must not learn from held-out"):
        training_set([build_index(held_records, embedder, vocabulary, DEFAULT_WEIGHTS)], load_queries())
    clean = build_index(mixed, embedder, vocabulary, DEFAULT_WEIGHTS)
    with pytest.raises(HeldOutLeak) as raised:
        training_set([clean], [load_queries()[0], held_queries[-1]])  # a seed org asking about ExCellThera
    assert "ExCellThera" in raised.value.names
    features, grades, groups = training_set([clean], load_queries())  # the fitting set alone is fine
    assert fit_weights(features, grades, groups).coefficients


def test_refuse_held_out_names_the_step_and_the_organisations():
    refuse_held_out("a step", ["EFS BFC", "Carla"])
    with pytest.raises(HeldOutLeak, match=r"growing the vocabulary .*: ISIFC, OPM"):
        refuse_held_out("growing the vocabulary", ["OPM", "EFS BFC", "ISIFC"])


def test_slices_split_by_track_language_and_origin():
    records = [
        {"short_name": "a", "languages": ["fr"]},
        {"short_name": "b", "languages": ["en"]},
        {"short_name": "x", "languages": ["fr"]},
    ]
    queries = [Query("1", "a", "event", {"x": 3}), Query("2", "b", "economic", {"x": 3})]
    parts = {s.slice: s.scores for s in slices("set", queries, lambda q: ["x"], records, frozenset({"b"}))}
    assert parts["all"].ndcg == 1.0 and parts["all"].queries == 2
    assert parts["track event"].queries == 1 and "track joint_trial" not in parts
    assert parts["query in en"].queries == 1
    assert parts["from organisations outside the fitting set"].queries == 1


def test_shipped_weights_were_fitted_without_held_out_organisations():
    data = json.loads((EVAL_DIR.parent / "weights.json").read_text(encoding="utf-8"))
    assert "held-out" not in data["fitted_on"]
    assert np.isfinite(list(data["coefficients"].values())).all()
