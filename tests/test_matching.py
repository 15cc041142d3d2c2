"""The ranking and its evidence, on small hand-made vectors whose geometry is known."""

from __future__ import annotations

import numpy as np
import pytest

from models.errors import NotFound
from models.matching.index import MatchIndex
from models.matching.topics import parse_vocabulary
from models.matching.weights import FEATURES, LearntWeights, kind_fit

VOCABULARY = parse_vocabulary(
    [
        {
            "id": "car_t",
            "fr": "Cellules CAR-T",
            "en": "CAR-T cells",
            "terms_fr": ["car-t"],
            "terms_en": ["car-t"],
        },
        {
            "id": "gmp",
            "fr": "Production BPF",
            "en": "GMP manufacturing",
            "terms_fr": ["bpf"],
            "terms_en": ["gmp"],
        },
        {"id": "burns", "fr": "Brûlures", "en": "Burns", "terms_fr": ["brûlure"], "terms_en": ["burn"]},
    ]
)
# Unit directions standing for subjects: passages about the same subject have cosine 1.
CAR_T, GMP, BURNS, EVENTS, NOISE = np.eye(5, dtype=np.float32)
WEIGHTS = LearntWeights({name: 1.0 for name in FEATURES}, scale=len(FEATURES))


def org(org_id, region, org_type="hospital", tracks=("joint_trial", "staff_exchange"), **texts):
    return {
        "id": org_id,
        "short_name": f"org{org_id}",
        "name": f"Organisation {org_id}",
        "region": region,
        "city": "Besançon" if region == "BFC" else "Montréal",
        "type": org_type,
        "collaboration_types": list(tracks),
        "expertise": texts.get("expertise", "x"),
        "offers": texts.get("offers", "x"),
        "seeks": texts.get("seeks", "x"),
    }


def build(orgs, vectors_by_org, topics=None, weights=WEIGHTS):
    passages, vectors = [], []
    for org_id, fields in vectors_by_org.items():
        for field, vector in fields.items():
            passages.append((org_id, field, f"{field} of org{org_id}"))
            vectors.append(vector)
    return MatchIndex.build("test", orgs, passages, np.array(vectors), topics or {}, VOCABULARY, weights)


@pytest.fixture
def index():
    orgs = [
        org(1, "BFC", expertise="CAR-T en BPF"),
        org(2, "QC", expertise="CAR-T cells under GMP"),  # two-sided fit with 1
        org(3, "QC"),  # one-sided: offers what 1 seeks, seeks nothing 1 offers
        org(4, "QC", org_type="cluster_network"),  # unrelated
        org(5, "BFC"),  # same side as 1: never suggested to 1
    ]
    vectors = {
        1: {"expertise": CAR_T, "offers": CAR_T, "seeks": GMP},
        2: {"expertise": CAR_T, "offers": GMP, "seeks": CAR_T},
        3: {"expertise": BURNS, "offers": GMP, "seeks": BURNS},
        4: {"expertise": EVENTS, "offers": EVENTS, "seeks": NOISE},
        5: {"expertise": CAR_T, "offers": GMP, "seeks": CAR_T},
    }
    return build(orgs, vectors, topics={1: ["car_t", "gmp"], 2: ["car_t", "gmp"], 3: ["burns"]})


def test_suggestions_cross_the_atlantic_only(index):
    names = [s.short_name for s in index.suggest(1, "joint_trial", top_k=10)]
    assert set(names) == {"org2", "org3", "org4"}
    assert {s.region for s in index.suggest(2, "joint_trial", top_k=10)} == {"BFC"}


def test_two_sided_fit_ranks_above_one_sided(index):
    ranked = index.suggest(1, "joint_trial", top_k=3)
    assert [s.short_name for s in ranked] == ["org2", "org3", "org4"]
    two_sided, one_sided = ranked[0], ranked[1]
    assert one_sided.parts["offer_fit"] == pytest.approx(1.0)  # org3 offers GMP, which org1 seeks
    assert one_sided.parts["seek_fit"] == pytest.approx(0.0)
    assert one_sided.parts["reciprocity"] == pytest.approx(0.0)
    assert two_sided.parts["reciprocity"] == pytest.approx(1.0)
    assert two_sided.evidence.direction == "both" and one_sided.evidence.direction == "partner_offers"


def test_evidence_pairs_one_passage_from_each_profile(index):
    best = index.suggest(1, "joint_trial", top_k=1)[0]
    pairs = {(p.own_field, p.partner_field): p for p in best.evidence.passages}
    assert pairs[("seeks", "offers")].own_text == "seeks of org1"
    assert pairs[("seeks", "offers")].partner_text == "offers of org2"
    assert all(p.similarity >= 0.2 for p in best.evidence.passages)
    assert [t.id for t in best.evidence.shared_topics] == ["car_t", "gmp"]


def test_scores_are_in_unit_range_and_sorted(index):
    scores = [s.score for s in index.suggest(1, "joint_trial", top_k=3)]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= score <= 1.0 for score in scores)


def test_top_k_limits_and_validation(index):
    assert len(index.suggest(1, "event", top_k=1)) == 1
    with pytest.raises(ValueError, match="track must be one of"):
        index.suggest(1, "trial", top_k=3)
    with pytest.raises(ValueError, match="top_k must be at least 1"):
        index.suggest(1, "event", top_k=0)
    with pytest.raises(NotFound):
        index.suggest(99, "event")


def test_track_declared_part(index):
    by_name = {s.short_name: s for s in index.suggest(1, "event", top_k=3)}
    assert by_name["org2"].parts["track_declared"] == 0.0  # neither declared events


def test_track_declared_counts_both_sides_not_a_boolean_or():
    orgs = [
        org(1, "BFC", tracks=("event",)),
        org(2, "QC", tracks=("event",)),
        org(3, "QC", tracks=("economic",)),
    ]
    index = build(orgs, {i: {"expertise": CAR_T} for i in (1, 2, 3)})
    parts = {s.short_name: s.parts["track_declared"] for s in index.suggest(1, "event", top_k=3)}
    assert parts == {"org2": 1.0, "org3": 0.5}
    from_three = index.suggest(3, "event", top_k=1)[0]
    assert from_three.parts["track_declared"] == 0.5


def test_joint_trial_needs_a_clinical_side():
    fit = kind_fit("joint_trial", "company", np.array(["hospital", "company"], dtype=object))
    assert fit[0] > 0.8 and fit[1] < 0.4
    assert kind_fit("event", "cluster_network", np.array(["incubator"], dtype=object))[0] == 1.0


def test_missing_field_scores_zero_not_crash():
    orgs = [org(1, "BFC"), org(2, "QC")]
    index = build(orgs, {1: {"expertise": CAR_T, "seeks": GMP}, 2: {"expertise": GMP}})
    suggestion = index.suggest(1, "staff_exchange")[0]
    assert suggestion.parts["offer_fit"] == pytest.approx(1.0)  # their expertise answers our seeks
    assert suggestion.parts["seek_fit"] == 0.0


def test_search_finds_by_passage_and_topic(index):
    hits = index.search(BURNS, "brûlures graves", top_k=2)
    assert hits[0].short_name == "org3"
    assert hits[0].passage in {"expertise of org3", "seeks of org3"}


def test_build_rejects_mismatched_vectors():
    with pytest.raises(ValueError, match="one vector per passage"):
        MatchIndex.build("t", [org(1, "BFC")], [(1, "seeks", "x")], np.zeros((2, 5)), {}, VOCABULARY, WEIGHTS)


def test_explain_gives_the_same_parts_as_suggest(index):
    ranked = {s.short_name: s for s in index.suggest(1, "joint_trial", top_k=3)}
    explained = index.explain(1, 3, "joint_trial")
    assert explained == ranked["org3"]
    with pytest.raises(ValueError, match="same side"):
        index.explain(1, 5, "joint_trial")


def test_one_pair_scored_from_either_side_says_the_other_sides_score(index):
    index.weights = LearntWeights({**WEIGHTS.coefficients, "offer_fit": 3.0}, scale=len(FEATURES))
    seen_from_one = index.explain(1, 3, "joint_trial")
    seen_from_three = index.explain(3, 1, "joint_trial")
    assert seen_from_one.reverse_score == pytest.approx(seen_from_three.score, abs=1e-4)
    assert seen_from_three.reverse_score == pytest.approx(seen_from_one.score, abs=1e-4)
    assert seen_from_one.score != seen_from_three.score  # org1 seeks what org3 offers, not the reverse


def test_evidence_never_repeats_a_passage_nor_rests_on_founding_history():
    orgs = [org(1, "BFC"), org(2, "QC")]
    passages = [
        (1, "expertise", "Société fondée en 2017 à Besançon."),
        (1, "offers", "Production BPF de lots cliniques de CAR-T."),
        (1, "seeks", "Des centres cliniques pour nos essais."),
        (2, "expertise", "Company founded in 2017 in Montréal."),
        (2, "offers", "Phase I unit for cell therapy trials."),
        (2, "seeks", "GMP manufacturing of CAR-T batches."),
    ]
    vectors = np.array([NOISE, GMP, CAR_T, NOISE, CAR_T, GMP])
    index = MatchIndex.build("t", orgs, passages, vectors, {}, VOCABULARY, WEIGHTS)
    pairs = index.explain(1, 2, "joint_trial").evidence.passages
    texts = [p.own_text for p in pairs] + [p.partner_text for p in pairs]
    assert len(texts) == len(set(texts))  # no passage twice
    assert not any("fond" in text or "founded" in text for text in texts)
    assert {(p.own_field, p.partner_field) for p in pairs} == {("seeks", "offers"), ("offers", "seeks")}


def test_shared_words_leave_out_function_words_numbers_and_months():
    from models.evidence import STOP_WORDS

    assert {"contre", "sous", "deux", "novembre", "against", "november", "two"} <= STOP_WORDS


def test_shared_words_are_shown_as_written_and_a_plural_counts_once():
    orgs = [
        org(1, "BFC", expertise="Banques de tissus de l'Établissement français du sang, thérapie génique"),
        org(2, "QC", expertise="Une banque de tissus ; un partenariat avec un laboratoire français"),
        *(org(i, "QC", expertise=f"Sujet {i} sans rapport") for i in range(3, 11)),
    ]
    vectors = {i: {"expertise": CAR_T, "offers": GMP, "seeks": GMP} for i in range(1, 11)}
    (best,) = [s for s in build(orgs, vectors).suggest(1, "joint_trial", top_k=10) if s.org_id == 2]
    terms = best.evidence.shared_terms
    assert "français" in terms and "francais" not in terms  # as the profile writes it
    assert "tissus" in terms and len([t for t in terms if t.startswith("banque")]) == 1
    assert "banques" in terms  # the own profile's spelling of the word


def test_arrays_lent_to_other_modules_cannot_be_written_through(index):
    lent = [index.passage_begin, index.passage_end, index.weighted_topics, index.topic_mass, index.closed,
            index.deleted, index.type_codes, index.sought, index.provided, index.affinity]  # fmt: skip
    for array in lent:
        with pytest.raises(ValueError, match="read-only"):
            array[0] = array[0]
    row = index.row_of(2)
    index.remove_orgs([2])  # the index itself still changes them, and its readers see the change
    assert index.deleted[row] and index.closed[row]
    assert index.passage_begin[row] == index.passage_end[row]
    assert 2 not in [s.org_id for s in index.suggest(1, "joint_trial")]
