"""The held-out set: real profiles outside the seed, graded queries, and no fitting step that sees them."""

from __future__ import annotations

import json
import runpy
from collections import Counter
from types import SimpleNamespace

import numpy as np
import pytest

from models.feedback import training_rows
from models.heldout import (
    DEVELOPMENT_SETS,
    HELD_OUT_SETS,
    JUDGED_BY_DEFAULT,
    PROFILES4_PATH,
    PROFILES5_PATH,
    PROFILES6_PATH,
    PROFILES7_PATH,
    PROFILES8_PATH,
    QUERIES4_PATH,
    QUERIES5_PATH,
    QUERIES6_PATH,
    QUERIES7_PATH,
    QUERIES8_PATH,
    HeldOutLeak,
    held_out_names,
    load_profiles,
    refuse_held_out,
    without_held_out,
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
    pooled_training_set,
    slices,
    training_set,
)
from models.matching.topics import load_vocabulary
from models.matching.weights import DEFAULT_WEIGHTS
from models.profiles import TRACKS, parse_import
from models.topic_growth import grow

SEED = EVAL_DIR / "profiles_en.jsonl"


def seed_profiles() -> dict[str, dict]:
    return {row["short_name"]: row for row in load_records(SEED)}


# profiles, queries, queries from its own organisations
SIZES = {
    "development v1": (15, 30, 25),
    "development v2": (10, 20, 20),
    "development v3": (15, 35, 35),
    "development v4": (18, 40, 40),
    "development v5": (22, 50, 50),
    "development v6": (16, 40, 40),
    "held-out v7": (16, 45, 45),
    "held-out v8": (16, 45, 45),
}
#: the least number of queries a track, from v3 on
LEAST_A_TRACK = {
    "development v3": 6,
    "development v4": 7,
    "development v5": 8,
    "development v6": 7,
    "held-out v7": 8,
    "held-out v8": 8,
}


@pytest.mark.parametrize("set_name", list(HELD_OUT_SETS))
def test_held_out_profiles_follow_the_import_contract_and_are_not_seeded(set_name):
    profiles = parse_import(HELD_OUT_SETS[set_name][0].read_bytes(), "jsonl")
    assert len(profiles) >= SIZES[set_name][0]
    assert not {p["short_name"] for p in profiles} & set(seed_profiles())
    assert all(p["source"].startswith("https://") for p in profiles)
    assert {p["region"] for p in profiles} == {"BFC", "QC"}
    assert {p["languages"][0] for p in profiles} == {"fr", "en"}  # each in the language it writes in


def test_the_sets_share_no_organisation_and_the_guard_covers_the_held_out_ones():
    paths = [HELD_OUT_SETS[name][0] for name in HELD_OUT_SETS]
    sets = [held_out_names(path) for path in paths]
    assert all(sets)
    assert sum(len(names) for names in sets) == len(frozenset().union(*sets))  # no name in two sets
    # the development sets v1 to v6 are fitted on with the seed; v7 and v8 are never
    assert held_out_names() == sets[6] | sets[7]
    development = tuple(name for name in HELD_OUT_SETS if "development" in name)
    assert DEVELOPMENT_SETS == JUDGED_BY_DEFAULT == development
    refuse_held_out(
        "fitting the weights", ["EFS BFC", "Inventiva", "OPM", "CIC 1432", "Proteor", "CSGA", "ENILBIO"]
    )
    with pytest.raises(HeldOutLeak) as raised:
        refuse_held_out("fitting the weights", ["EFS BFC", "OPM", "CSGA", "UQAM", "Bio-K+"])
    assert raised.value.names == ["Bio-K+", "UQAM"]


def test_the_held_out_checker_passes(capsys):
    with pytest.raises(SystemExit) as ended:
        runpy.run_path(str(EVAL_DIR / "check_heldout.py"), run_name="__main__")
    assert ended.value.code == 0
    printed = capsys.readouterr().out
    assert "heldout2: 12 profiles (BFC 6, QC 6; fr 9, en 3), 26 queries" in printed
    assert "heldout3: 17 profiles (BFC 7, QC 10; fr 13, en 4), 38 queries" in printed
    assert "heldout4: 20 profiles (BFC 10, QC 10; fr 15, en 5), 44 queries" in printed
    assert "heldout5: 24 profiles (BFC 11, QC 13; fr 17, en 7), 52 queries" in printed
    assert "heldout6: 16 profiles (BFC 8, QC 8; fr 12, en 4), 47 queries" in printed
    assert "heldout7: 16 profiles (BFC 8, QC 8; fr 12, en 4), 52 queries" in printed
    assert "heldout8: 16 profiles (BFC 8, QC 8; fr 13, en 3), 52 queries" in printed
    assert "OK: all checks passed" in printed


def test_the_evaluation_checker_passes_against_the_projects_own_seed(capsys):
    """check_eval.py compares the evaluation profiles with data/seed/ (cities by their canonical
    spelling, Medicago's status known), never with a file outside the project."""
    with pytest.raises(SystemExit) as ended:
        runpy.run_path(str(EVAL_DIR / "check_eval.py"), run_name="__main__")
    printed = capsys.readouterr().out
    assert ended.value.code == 0, printed
    assert "profiles: EN 46 / FR 46 (BFC 24, QC 22)" in printed
    assert "queries: 66 total, 38 from BFC, 28 from QC" in printed
    assert "OK: all checks passed" in printed
    assert "/work/shared" not in (EVAL_DIR / "check_eval.py").read_text(encoding="utf-8")


@pytest.mark.parametrize("set_name", list(HELD_OUT_SETS))
def test_held_out_queries_are_graded_across_the_atlantic(set_name):
    profiles_path, queries_path = HELD_OUT_SETS[set_name]
    everyone = {**seed_profiles(), **{p["short_name"]: p for p in load_profiles(profiles_path)}}
    queries = load_queries(queries_path)
    assert len({q.id for q in queries}) == len(queries) >= SIZES[set_name][1]
    assert {q.track for q in queries} == set(TRACKS)
    if set_name in LEAST_A_TRACK:
        assert min(Counter(q.track for q in queries).values()) >= LEAST_A_TRACK[set_name]
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
    clean = build_index(mixed, embedder, vocabulary, DEFAULT_WEIGHTS)
    for held_out, named in (("held-out v7", "Bio-K+"), ("held-out v8", "INO")):
        records, queries = load_held_out(mixed, *HELD_OUT_SETS[held_out])
        with pytest.raises(HeldOutLeak, match="fitting the weights must not learn from held-out") as raised:
            training_set([build_index(records, embedder, vocabulary, DEFAULT_WEIGHTS)], load_queries())
        assert named in raised.value.names
        asking_about_one = next(q for q in queries if q.org == named)
        with pytest.raises(HeldOutLeak):
            training_set([clean], [load_queries()[0], asking_about_one])
    # a development set is fitting data: its corpus and its queries are taken (v6 since the look at v7)
    for development in ("development v3", "development v6"):
        records, queries = load_held_out(mixed, *HELD_OUT_SETS[development])
        features, grades, groups, asked = pooled_training_set(
            [
                ([clean], load_queries()),
                ([build_index(records, embedder, vocabulary, DEFAULT_WEIGHTS)], queries),
            ]
        )
        assert len(asked) == 66 + len(queries) and len(np.unique(groups)) == len(asked)
    features, grades, groups = training_set([clean], load_queries())  # the fitting set alone is fine
    assert fit_weights(features, grades, groups).coefficients


#: the kinds of organisation that v4 and v5 must each hold, as their briefs asked
KINDS_OF_A_LATER_SET = {"company", "hospital", "university_lab", "training_body", "agency", "incubator"}


def test_v4_is_spread_over_tracks_and_languages_as_its_brief_asks():
    profiles = {p["short_name"]: p for p in load_profiles(PROFILES4_PATH)}
    queries = load_queries(QUERIES4_PATH)
    assert all(query.org in profiles for query in queries)  # every query from a v4 organisation
    assert sum(query.track == "economic" for query in queries) >= 8
    assert sum(profiles[query.org]["languages"][0] == "en" for query in queries) >= 8
    assert Counter(p["region"] for p in profiles.values()) == {"BFC": 10, "QC": 10}
    assert {p["type"] for p in profiles.values()} >= KINDS_OF_A_LATER_SET


# a set's profiles and queries, and one of its organisations for each step that learns
GUARDED = {
    "v7": (PROFILES7_PATH, QUERIES7_PATH, ("Bio-K+", "IVADO", "Hospices de Beaune", "UQAM")),
    "v8": (PROFILES8_PATH, QUERIES8_PATH, ("INO", "CH Mâcon", "AmorChem", "Bio-PeroxIL")),
}


@pytest.mark.parametrize("set_name", list(GUARDED))
def test_the_later_sets_are_guarded_by_every_step_that_learns(set_name):
    profiles_path, queries_path, (in_corpus, in_vocabulary, in_decisions, skipped) = GUARDED[set_name]
    profiles = {p["short_name"]: p for p in load_profiles(profiles_path)}
    assert {in_corpus, in_vocabulary, in_decisions} <= held_out_names(profiles_path) <= held_out_names()
    # fitting the weights, on a corpus holding one of its organisations or on one of its queries
    # (no index is built on the set: the refusal comes before anything is embedded)
    corpus_with_it = SimpleNamespace(orgs=[{"short_name": "EFS BFC"}, profiles[in_corpus]])
    with pytest.raises(HeldOutLeak, match="fitting the weights") as raised:
        training_set([corpus_with_it], [])
    assert raised.value.names == [in_corpus]
    with pytest.raises(HeldOutLeak, match="fitting the weights"):
        training_set([], load_queries(queries_path)[:1])
    with pytest.raises(HeldOutLeak, match="growing the topic vocabulary"):
        grow(
            [profiles[in_vocabulary]],
            [profiles[in_vocabulary]],
            load_vocabulary(),
            FakeEmbedder().embed_batch,
        )
    with pytest.raises(HeldOutLeak, match="learning from decisions") as raised:
        training_rows(None, {("EFS BFC", "economic"): {in_decisions: 3, "C3i": 1}})
    assert raised.value.names == [in_decisions]
    assert without_held_out([profiles[skipped], {"short_name": "CHU Dijon Bourgogne"}]) == [
        {"short_name": "CHU Dijon Bourgogne"}
    ]


def test_the_development_sets_are_judged_on_every_run_and_later_sets_only_when_named():
    from app.engine_cli import evaluate_command

    option = next(param for param in evaluate_command.params if param.name == "held_out")
    development = tuple(f"development v{n}" for n in range(1, 7))
    assert development == JUDGED_BY_DEFAULT
    assert set(option.default) == {"v1", "v2", "v3", "v4", "v5", "v6"}
    later = set(HELD_OUT_SETS) - set(development)
    assert all(
        name.split()[-1] in option.type.choices and name.split()[-1] not in option.default for name in later
    )


#: what the briefs of v5 to v8 asked: economic and joint-trial queries, queries a track, queries from
#: English-writing organisations, profiles written in English, the kinds of organisation
LATER_BRIEFS = {
    "v5": (PROFILES5_PATH, QUERIES5_PATH, (10, 10, 8, 12, 5), KINDS_OF_A_LATER_SET | {"cluster_network"}),
    "v6": (PROFILES6_PATH, QUERIES6_PATH, (9, 9, 7, 6, 3), KINDS_OF_A_LATER_SET - {"incubator"}),
    "v7": (
        PROFILES7_PATH,
        QUERIES7_PATH,
        (9, 9, 8, 10, 4),
        KINDS_OF_A_LATER_SET - {"incubator"} | {"cluster_network"},
    ),
    "v8": (PROFILES8_PATH, QUERIES8_PATH, (9, 9, 8, 9, 3), KINDS_OF_A_LATER_SET),
}


@pytest.mark.parametrize("set_name", list(LATER_BRIEFS))
def test_a_later_set_is_spread_over_tracks_kinds_and_languages_as_its_brief_asks(set_name):
    profiles_path, queries_path, least, kinds = LATER_BRIEFS[set_name]
    economic, joint_trial, a_track, english_queries, english_profiles = least
    profiles = {p["short_name"]: p for p in load_profiles(profiles_path)}
    queries = load_queries(queries_path)
    tracks = Counter(query.track for query in queries)
    assert all(query.org in profiles for query in queries)  # every query from one of its organisations
    assert tracks["economic"] >= economic and tracks["joint_trial"] >= joint_trial
    assert min(tracks.values()) >= a_track
    assert sum(profiles[query.org]["languages"][0] == "en" for query in queries) >= english_queries
    assert sum(p["languages"][0] == "en" for p in profiles.values()) >= english_profiles
    assert 0.4 <= sum(p["region"] == "BFC" for p in profiles.values()) / len(profiles) <= 0.6
    assert {p["type"] for p in profiles.values()} >= kinds


def test_v7_is_judged_only_when_named():
    from app.engine_cli import evaluate_command

    option = next(param for param in evaluate_command.params if param.name == "held_out")
    assert "v7" in option.type.choices and "v7" not in option.default
    assert "held-out v7" in HELD_OUT_SETS and "held-out v7" not in JUDGED_BY_DEFAULT


def test_refuse_held_out_names_the_step_and_the_organisations():
    refuse_held_out("a step", ["EFS BFC", "Carla"])
    with pytest.raises(HeldOutLeak, match=r"growing the vocabulary .*: IVADO, UQAM"):
        refuse_held_out("growing the vocabulary", ["UQAM", "EFS BFC", "IVADO"])


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
