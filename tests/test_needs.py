"""Reading what each organisation seeks (FR and EN), using it per pair, and wording it as a reason."""

from __future__ import annotations

import numpy as np
import pytest
from flask_babel import force_locale

from app.i18n import reason_text
from models.matching.index import MatchIndex
from models.matching.results import Reason
from models.matching.topics import parse_vocabulary
from models.matching.weights import FEATURES, LearntWeights
from models.needs import NEED_CODES, provided, sought, text_kinds

VOCABULARY = parse_vocabulary([{"id": "x", "fr": "X", "en": "X", "terms_fr": ["xx"], "terms_en": ["xx"]}])


def needs_of(vector) -> set[str]:
    return {code for code, value in zip(NEED_CODES, vector, strict=True) if value}


@pytest.mark.parametrize(
    ("seeks", "expected"),
    [
        ("Des entreprises pour accueillir nos stagiaires au Québec.", {"intern_hosts"}),
        ("Internship hosts and international students.", {"intern_hosts", "academic_exchange"}),
        ("Des centres d'essais et des investigateurs pour notre phase 1.", {"trial_sites"}),
        ("A CDMO for our viral vectors, and investors.", {"manufacturing", "investors"}),
        ("Des distributeurs au Canada.", {"market_access"}),
        ("Partenariats nationaux et internationaux.", {"cluster_partners"}),
        ("Grappes et réseaux étrangers pour des appels à projets conjoints.", {"cluster_partners"}),
        ("Clinical sites for its phase 2 trials, trained operators.", {"trial_sites", "skilled_staff"}),
        ("Des industriels de la bioproduction intéressés par nos capteurs.", {"market_access"}),
    ],
)
def test_needs_are_read_in_french_and_english(seeks, expected):
    assert needs_of(sought({"seeks": seeks})) == expected


def test_a_partner_provides_by_its_text_or_by_its_kind():
    stated = provided({"type": "hospital", "offers": "Unité de phase I, essais précoces.", "expertise": ""})
    by_kind = provided({"type": "hospital", "offers": "Imagerie.", "expertise": ""})
    trial = NEED_CODES.index("trial_sites")
    assert stated[trial] == 1.0 and by_kind[trial] == 0.5
    company = provided({"type": "company", "offers": "", "expertise": ""})
    assert company[NEED_CODES.index("companies")] == 1.0  # being a company is the fact sought


def test_the_first_sentence_of_the_expertise_says_which_other_kinds_a_profile_is():
    institute = {
        "type": "university_lab",
        "expertise": "Research institute and specialised hospital of a university. It works with companies.",
        "offers": "Imaging.",
    }
    assert text_kinds(institute) == {"university_lab", "hospital"}
    assert provided(institute)[NEED_CODES.index("trial_sites")] == 0.5  # a hospital by its words
    founded = {
        "type": "company",
        "expertise": "A company. It grew out of a university hospital's research centre.",
    }
    assert text_kinds(founded) == frozenset()  # later sentences name partners, not what it is
    fund = {
        "type": "company",
        "expertise": "Société de capital-risque qui investit dans les biotechnologies.",
    }
    assert "agency" in text_kinds(fund)


def org(org_id, region, org_type, seeks="", offers="", tracks=("co_training",)):
    return {
        "id": org_id,
        "short_name": f"org{org_id}",
        "name": f"Organisation {org_id}",
        "region": region,
        "city": "Besançon",
        "type": org_type,
        "collaboration_types": list(tracks),
        "expertise": "x",
        "offers": offers,
        "seeks": seeks,
    }


@pytest.fixture
def school_index():
    orgs = [
        org(1, "BFC", "training_body", seeks="Des entreprises pour accueillir nos stagiaires au Québec."),
        org(2, "QC", "company", offers="Nous accueillons des stagiaires en bioproduction chaque été."),
        org(3, "QC", "company", offers="Production de protéines."),
        org(4, "QC", "agency", offers="Financement."),
    ]
    vector = np.eye(3, dtype=np.float32)[0]
    passages = [(o["id"], "expertise", "x") for o in orgs]
    weights = LearntWeights({name: 1.0 for name in FEATURES}, scale=len(FEATURES))
    return MatchIndex.build("t", orgs, passages, np.array([vector] * 4), {}, VOCABULARY, weights)


def test_what_a_school_seeks_lifts_the_companies_that_host_interns(school_index):
    parts = {s.short_name: s.parts["wanted"] for s in school_index.suggest(1, "co_training", top_k=3)}
    assert parts["org2"] == 1.0  # says it hosts interns
    assert parts["org3"] == 0.5  # a company: usually does
    assert parts["org4"] == 0.0
    ranked = [s.short_name for s in school_index.suggest(1, "co_training", top_k=3)]
    assert ranked.index("org2") < ranked.index("org3") < ranked.index("org4")


def test_each_use_is_a_structured_reason_worded_at_display_time(app, school_index):
    by_name = {s.short_name: s for s in school_index.suggest(1, "co_training", top_k=3)}
    assert by_name["org2"].evidence.reasons == (
        Reason("need_met", {"need": "intern_hosts", "seeker": "own", "how": "stated"}),
    )
    kind_reason = by_name["org3"].evidence.reasons[0]
    assert kind_reason.params == {"need": "intern_hosts", "seeker": "own", "how": "kind", "kind": "company"}
    with app.test_request_context():
        with force_locale("fr"):
            assert reason_text(by_name["org2"].evidence.reasons[0], "org1", "org2") == (
                "Vous cherchez des structures qui accueillent des stagiaires\u00a0: org2 en accueille."
            )
            assert reason_text(kind_reason, "org1", "org3") == (
                "Vous cherchez des structures qui accueillent des stagiaires\u00a0: org3 est un type "
                "d’organisation (entreprise) qui s’y prête d’ordinaire."
            )
        with force_locale("en"):
            text = reason_text(by_name["org2"].evidence.reasons[0], "org1", "org2", you=False)
            assert text == "org1 seeks hosts for interns: org2 hosts interns."


def test_the_other_way_round_is_the_partners_need(school_index):
    back = school_index.explain(2, 1, "co_training")
    assert back.parts["wanted_back"] == 1.0 and back.parts["wanted"] == 0.0
    assert back.evidence.reasons[0].params["seeker"] == "partner"


def test_how_much_a_profile_speaks_of_each_track_is_read_in_french_and_english():
    from models.needs import SIGNALS_FOR_FULL_AFFINITY, track_affinity
    from models.profiles import TRACKS

    co_training = TRACKS.index("co_training")
    french = track_affinity({"offers": "Nous accueillons des stagiaires et des étudiants, formation."})
    english = track_affinity({"expertise": "Internships for students and graduate training."})
    silent = track_affinity({"offers": "Production de protéines recombinantes.", "expertise": ""})
    assert french[co_training] == 3 / SIGNALS_FOR_FULL_AFFINITY  # stagiaires, étudiants, formation
    assert english[co_training] == 1.0  # four different words: full
    assert silent[co_training] == 0.0
    trials = track_affinity({"offers": "Essais cliniques de phase 1 chez l'homme, patients."})
    assert trials[TRACKS.index("joint_trial")] > trials[TRACKS.index("event")] == 0.0


def test_a_company_that_speaks_of_training_outranks_one_that_does_not_on_track_text():
    orgs = [
        org(1, "BFC", "training_body", seeks="Partenaires de formation."),
        org(2, "QC", "company", offers="Stages, apprentissage, formation, accueil d'étudiants."),
        org(3, "QC", "company", offers="Production de protéines."),
    ]
    passages = [(o["id"], "expertise", "x") for o in orgs]
    weights = LearntWeights({name: 1.0 for name in FEATURES}, scale=len(FEATURES))
    vectors = np.array([np.eye(3, dtype=np.float32)[0]] * 3)
    index = MatchIndex.build("t", orgs, passages, vectors, {}, VOCABULARY, weights)
    parts = {s.short_name: s.parts["track_text"] for s in index.suggest(1, "co_training", top_k=2)}
    assert parts["org2"] == 1.0 and parts["org3"] == 0.0
    moved = [{**orgs[2], "offers": "Stages et formation d'étudiants."}]
    index.replace_orgs(moved, [(3, "expertise", "x")], vectors[:1], {})
    assert index.explain(1, 3, "co_training").parts["track_text"] == 0.75  # an edit is read at once
