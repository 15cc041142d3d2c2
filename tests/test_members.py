"""A member's journey: suggestions per track with evidence, filters, stances, mutual interest, profile."""

from __future__ import annotations

import pytest
from conftest import AuthActions, org_id, page_text

from app import matching
from app.db import get_db
from models.cities import city_name


def suggestions(app, org, track, top_k=10):
    with app.app_context():
        return matching.suggestions_for(get_db(), org, track, top_k=top_k)


def test_home_shows_ranked_partners_with_score_parts_evidence_and_topics(member, client, seeded, db):
    efs = org_id(db, "EFS BFC")
    expected = suggestions(seeded, efs, "staff_exchange")  # the first track EFS BFC lists opens first
    assert expected, "the engine suggests partners for EFS BFC"
    page = client.get("/members/", follow_redirects=True)
    assert page.request.path == f"/members/{efs}/"
    text = page_text(page)
    positions = [text.index(f'id="partner-{s.org_id}"') for s in expected]
    assert positions == sorted(positions)  # shown in the engine's order
    top = expected[0]
    card = text[positions[0] : positions[1] if len(positions) > 1 else None]
    assert top.short_name in card and city_name(top.city, "en") in card  # the English page: Montreal
    assert f"{round(top.score * 100)}" in card
    assert "They offer what we seek" in card and "Close expertise" in card
    for pair in top.evidence.passages:
        assert pair.own_text in card and pair.partner_text in card
    for topic in top.evidence.shared_topics:
        assert topic.en in card
    for track in (
        "Staff exchange",
        "Joint clinical trial",
        "Co-training",
        "Co-created event",
        "Economic collaboration",
    ):
        assert track in text


def test_tabs_change_the_track(member, client, seeded, db):
    efs = org_id(db, "EFS BFC")
    expected = suggestions(seeded, efs, "economic")
    text = page_text(client.get(f"/members/{efs}/?track=economic"))
    assert 'aria-current="page">Economic collaboration' in text
    assert [s.short_name for s in expected][:3] == [
        s.short_name for s in sorted(expected[:3], key=lambda s: text.index(f'id="partner-{s.org_id}"'))
    ]


def test_filters_by_city_and_kind(member, client, seeded, db):
    efs = org_id(db, "EFS BFC")
    ranked = suggestions(seeded, efs, "joint_trial", top_k=200)
    text = page_text(client.get(f"/members/{efs}/?track=joint_trial&city=Québec"))
    shown = [s for s in ranked if f'id="partner-{s.org_id}"' in text]
    assert shown and all(s.city == "Québec" for s in shown)
    assert len(shown) == len([s for s in ranked if s.city == "Québec"][:10])
    text = page_text(client.get(f"/members/{efs}/?track=joint_trial&type=hospital"))
    shown = [s for s in ranked if f'id="partner-{s.org_id}"' in text]
    assert shown and all(s.type == "hospital" for s in shown)


@pytest.mark.parametrize("query", ["track=dancing", "track=event&type=castle"])
def test_bad_filters_get_a_clear_400(member, client, db, query):
    response = client.get(f"/members/{org_id(db, 'EFS BFC')}/?{query}")
    assert response.status_code == 400 and "The form or the address holds something" in page_text(response)


def test_interest_puts_the_pair_in_the_review_queue(member, client, db):
    efs, thecell = org_id(db, "EFS BFC"), org_id(db, "ThéCell")
    response = member.post(
        f"/members/{efs}/interest",
        {"partner_id": thecell, "track": "co_training", "kind": "interested", "type": "cluster_network"},
    )
    assert response.status_code == 302
    assert (
        response.headers["Location"]
        == f"/members/{efs}/?track=co_training&type=cluster_network#partner-{thecell}"
    )
    text = page_text(client.get(response.headers["Location"]))
    assert "Your interest in ThéCell has been recorded." in text
    assert "Under review by the coordinators" in text and "Your choice: Interested" in text
    pairing = db.execute("SELECT bfc_org_id, qc_org_id, track, status, origin FROM pairings").fetchall()
    assert pairing == [(efs, thecell, "co_training", "proposed", "member")]


def test_not_relevant_hides_the_partner_and_keeps_the_reason(member, client, db):
    efs, thecell = org_id(db, "EFS BFC"), org_id(db, "ThéCell")
    url = f"/members/{efs}/?track=co_training&type=cluster_network"
    assert f'id="partner-{thecell}"' in client.get(url).get_data(as_text=True)
    member.post(
        f"/members/{efs}/interest",
        {
            "partner_id": thecell,
            "track": "co_training",
            "kind": "not_relevant",
            "reason": "Already partners.",
        },
    )
    text = page_text(client.get(url))
    assert f'id="partner-{thecell}"' not in text and "1 partner marked not relevant is hidden." in text
    assert f'id="partner-{thecell}"' in client.get(url + "&dismissed=1").get_data(as_text=True)
    assert db.execute("SELECT kind, reason FROM interests").fetchall() == [
        ("not_relevant", "Already partners.")
    ]
    member.post(f"/members/{efs}/interest", {"partner_id": thecell, "track": "co_training", "kind": "clear"})
    assert db.table("interests").count == 0
    assert f'id="partner-{thecell}"' in client.get(url).get_data(as_text=True)


def test_mutual_interest_is_shown_to_both_sides_and_to_coordinators(member, client, seeded, db):
    efs, thecell = org_id(db, "EFS BFC"), org_id(db, "ThéCell")
    member.post(
        f"/members/{efs}/interest", {"partner_id": thecell, "track": "co_training", "kind": "interested"}
    )
    efs_page = f"/members/{efs}/?track=co_training&type=cluster_network"
    assert "Mutual interest" not in page_text(client.get(efs_page))  # one side only: nothing revealed

    other = AuthActions(seeded.test_client())
    other.login("member_qc")
    other.client.get("/auth/password?lang=en")
    response = other.post(
        f"/members/{thecell}/interest",
        {"partner_id": efs, "track": "co_training", "kind": "intro_request"},
        follow_redirects=True,
    )
    assert "Mutual interest: EFS BFC is interested too." in page_text(response)
    assert "Mutual interest" in page_text(client.get(efs_page))

    coordinator = AuthActions(seeded.test_client())
    coordinator.login("coordinator")
    coordinator.client.get("/auth/password?lang=en")
    queue = page_text(coordinator.client.get("/coordination/"))
    assert "Mutual interest" in queue and "EFS BFC" in queue and "ThéCell" in queue


def test_forged_stances_change_nothing(member, client, db):
    efs = org_id(db, "EFS BFC")
    same_side = org_id(db, "CHU de Besançon")
    for data in (
        {"partner_id": same_side, "track": "co_training", "kind": "interested"},
        {"partner_id": 999999, "track": "co_training", "kind": "interested"},
        {"partner_id": org_id(db, "ThéCell"), "track": "co_training", "kind": "love"},
        {"partner_id": "abc", "track": "co_training", "kind": "interested"},
    ):
        response = member.post(f"/members/{efs}/interest", data)
        assert response.status_code == 400, data
        assert "Nothing was changed." in page_text(response)
    assert db.table("interests").count == 0 and db.table("pairings").count == 0


def test_too_long_reason_is_refused_and_kept_in_the_form(member, client, db):
    efs, thecell = org_id(db, "EFS BFC"), org_id(db, "ThéCell")
    reason = "trop long " * 60
    response = member.post(
        f"/members/{efs}/interest",
        {
            "partner_id": thecell,
            "track": "co_training",
            "kind": "not_relevant",
            "reason": reason,
            "type": "cluster_network",
        },
    )
    text = page_text(response)
    assert response.status_code == 400 and "Keep the reason under 500 characters." in text
    assert reason.strip() in text
    assert db.table("interests").count == 0


def test_csrf_is_required_for_stances(member, client, db):
    efs, thecell = org_id(db, "EFS BFC"), org_id(db, "ThéCell")
    response = client.post(
        f"/members/{efs}/interest", data={"partner_id": thecell, "track": "event", "kind": "interested"}
    )
    assert response.status_code == 400 and "security token is missing" in page_text(response)
    assert db.table("interests").count == 0


def test_cards_say_in_words_which_sought_partner_kind_the_partner_is(auth, client, seeded, db):
    auth.login("member_other")  # McGill / MUHC seeks "Internship hosts and international students"
    mcgill = org_id(db, "McGill / MUHC")
    expected = suggestions(seeded, mcgill, "co_training")
    with_reason = next(s for s in expected if s.evidence.reasons)
    client.get("/?lang=fr")
    text = page_text(client.get(f"/members/{mcgill}/?track=co_training"))
    card = text[text.index(f'id="partner-{with_reason.org_id}"') :]
    assert "Vous cherchez " in card[:6000]
    client.get("/?lang=en")
    text = page_text(client.get(f"/members/{mcgill}/?track=co_training"))
    card = text[text.index(f'id="partner-{with_reason.org_id}"') :]
    assert "You seek hosts for interns: " in card[:6000] or "You seek academic exchanges: " in card[:6000]
