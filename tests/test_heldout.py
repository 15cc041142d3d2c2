"""The held-out set: real profiles outside the seed, graded queries, and no fitting step that sees them."""

from __future__ import annotations

import json
import runpy
from collections import Counter

import numpy as np
import pytest

from models.heldout import (
    HELD_OUT_SETS,
    PROFILES2_PATH,
    PROFILES3_PATH,
    PROFILES_PATH,
    HeldOutLeak,
    held_out_names,
    load_profiles,
    refuse_held_out,
)
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


# profiles, queries, queries from its own organisations
SIZES = {"held-out v1": (15, 30, 25), "held-out v2": (10, 20, 20), "held-out v3": (15, 35, 35)}


@pytest.mark.parametrize("set_name", list(HELD_OUT_SETS))
def test_held_out_profiles_follow_the_import_contract_and_are_not_seeded(set_name):
    profiles = parse_import(HELD_OUT_SETS[set_name][0].read_bytes(), "jsonl")
    assert len(profiles) >= SIZES[set_name][0]
    assert not {p["short_name"] for p in profiles} & set(seed_profiles())
    assert all(p["source"].startswith("https://") for p in profiles)
    assert {p["region"] for p in profiles} == {"BFC", "QC"}
    assert {p["languages"][0] for p in profiles} == {"fr", "en"}  # each in the language it writes in


def test_the_held_out_sets_share_no_organisation_and_the_guard_covers_all_three():
    first, second, third = (held_out_names(path) for path in (PROFILES_PATH, PROFILES2_PATH, PROFILES3_PATH))
    assert first and second and third
    assert not first & second and not first & third and not second & third
    assert held_out_names() == first | second | third
    with pytest.raises(HeldOutLeak) as raised:
        refuse_held_out("fitting the weights", ["EFS BFC", "Inventiva", "OPM", "CIC 1432"])
    assert raised.value.names == ["CIC 1432", "Inventiva", "OPM"]


def test_the_held_out_checker_passes(capsys):
    with pytest.raises(SystemExit) as ended:
        runpy.run_path(str(EVAL_DIR / "check_heldout.py"), run_name="__main__")
    assert ended.value.code == 0
    printed = capsys.readouterr().out
    assert "heldout2: 12 profiles (BFC 6, QC 6; fr 9, en 3), 26 queries" in printed
    assert "heldout3: 17 profiles (BFC 7, QC 10; fr 13, en 4), 38 queries" in printed
    assert "OK: all checks passed" in printed


@pytest.mark.parametrize("set_name", list(HELD_OUT_SETS))
def test_held_out_queries_are_graded_across_the_atlantic(set_name):
    profiles_path, queries_path = HELD_OUT_SETS[set_name]
    everyone = {**seed_profiles(), **{p["short_name"]: p for p in load_profiles(profiles_path)}}
    queries = load_queries(queries_path)
    assert len({q.id for q in queries}) == len(queries) >= SIZES[set_name][1]
    assert {q.track for q in queries} == set(TRACKS)
    if set_name == "held-out v3":
        assert min(Counter(q.track for q in queries).values()) >= 6
    for query in queries:
        asking = everyone[query.org]
        assert query.track in asking["collaboration_types"], query.id
        for name, grade in query.relevant.items():
            assert everyone[name]["region"] != asking["region"], (query.id, name)
            assert grade in (1, 2, 3)
            if query.track not in everyone[name]["collaboration_types"]:
                assert grade <= 2, (query.id, name)  # the grading rule of data/eval/README.md
    assert sum(q.org in held_out_names(profiles_path) for q in queries) >= SIZES[set_name][2]


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
    second_records, second_queries = load_held_out(mixed, *HELD_OUT_SETS["held-out v2"])
    with pytest.raises(HeldOutLeak) as raised:
        training_set([build_index(second_records, embedder, vocabulary, DEFAULT_WEIGHTS)], load_queries())
    assert "Inventiva" in raised.value.names
    with pytest.raises(HeldOutLeak):
        training_set([clean], second_queries[:1])
    _, third_queries = load_held_out(mixed, *HELD_OUT_SETS["held-out v3"])
    with pytest.raises(HeldOutLeak) as raised:
        training_set([clean], third_queries[:1])
    assert "CIC 1432" in raised.value.names
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


def test_the_evaluation_leaves_closed_organisations_out_as_the_product_does():
    from models.matching.evaluate import query_rows

    seed = load_records(SEED)
    french = load_records(EVAL_DIR / "profiles_fr.jsonl")
    for variant in ("en", "fr", "mixed"):
        records = corpus(variant, seed, french)
        assert next(r for r in records if r["short_name"] == "Medicago")["status"] == "closed"
    index = build_index(corpus("fr", seed, french), FakeEmbedder(), load_vocabulary(), DEFAULT_WEIGHTS)
    names, parts = query_rows(index, Query("t", "Vetoquinol", "economic", {"adMare": 1}))
    assert "Medicago" not in names and len(names) == len(parts) > 10
