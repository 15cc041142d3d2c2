"""Organisation pages act: a member's stance and request, a coordinator's proposal, or why not."""

from __future__ import annotations

import csv
import io
import re

import pytest
from conftest import actor, bearer, org_id, page_text

from app.operations import events_about
from app.operations.pairings import decide
from app.seed import seed_known_links


@pytest.fixture
def ids(seeded, db):
    names = ("EFS BFC", "ThéCell", "Héma-Québec", "CHU de Besançon")
    return {name: org_id(db, name) for name in names}


def english(auth, client, who):
    auth.login(who)
    client.get("/auth/password?lang=en")
    return auth


def stance(auth, partner, track="co_training", kind="interested", reason="", own=1, **extra):
    """Post the stance form as the page sends it (``own``: EFS BFC, the first seeded organisation)."""
    data = {"stance-track": track, "stance-kind": kind, "stance-reason": reason, **extra}
    data["stance-from_org_id"] = str(own)
    return auth.post(f"/organisations/{partner}/stance", data)


def request_to_thecell(auth, ids, message):
    """Post the page's request form from EFS BFC to ThéCell (co-training, video call)."""
    data = {"from_org_id": str(ids["EFS BFC"]), "to_org_id": str(ids["ThéCell"]), "track": "co_training"}
    data |= {"format": "video_call", "message": message, "back": "org"}
    return auth.post(f"/requests/new?to_org_id={ids['ThéCell']}", data)


def test_member_sees_the_actions_across_the_atlantic(auth, client, ids):
    english(auth, client, "member_bfc")
    text = page_text(client.get(f"/organisations/{ids['ThéCell']}"))
    assert 'id="actions"' in text
    assert "Where things stand" in text and "Save the choice" in text and "Send the request" in text
    assert "Propose the pairing" not in text


@pytest.mark.parametrize(
    ("who", "page", "sentence"),
    [
        ("member_bfc", "EFS BFC", "This is your organisation"),
        ("member_bfc", "CHU de Besançon", "is on your side of the Atlantic"),
    ],
)
def test_no_action_buttons_where_none_applies(auth, client, ids, who, page, sentence):
    english(auth, client, who)
    text = page_text(client.get(f"/organisations/{ids[page]}"))
    assert sentence in text
    assert "Save the choice" not in text and "Send the request" not in text and "Send a request" not in text


def test_closed_organisation_offers_nothing_to_anyone(auth, client, db, ids):
    db.execute("UPDATE organisations SET status = 'closed' WHERE id = ?", [ids["ThéCell"]])
    db.conn.commit()
    for who in ("member_bfc", "coordinator"):
        english(auth, client, who)
        text = page_text(client.get(f"/organisations/{ids['ThéCell']}"))
        assert "ThéCell is closed: no stance, request or pairing can be made with it." in text
        assert "Save the choice" not in text and "Propose the pairing" not in text
        auth.logout()


def test_stance_from_the_org_page_shows_there_and_on_the_suggestions_page(auth, client, db, ids):
    english(auth, client, "member_bfc")
    response = stance(auth, ids["ThéCell"], reason="Their GMP training fits ours.", own=ids["EFS BFC"])
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/organisations/{ids['ThéCell']}?done=actions#actions")
    page = page_text(client.get(response.headers["Location"]))
    actions = page[page.index('id="actions"') :]
    assert "Your choice on “Co-training” is saved: Interested." in actions  # beside the form
    assert re.search(r"Co-training</th>\s*<td>Interested", actions)
    row = db.execute(
        "SELECT kind, reason FROM interests "
        "WHERE org_id = ? AND partner_org_id = ? AND track = 'co_training'",
        [ids["EFS BFC"], ids["ThéCell"]],
    ).fetchone()
    assert row == ("interested", "Their GMP training fits ours.")
    suggestions = page_text(client.get(f"/members/{ids['EFS BFC']}/?track=co_training"))
    card = suggestions[suggestions.index(f'id="partner-{ids["ThéCell"]}"') :][:4000]
    assert "Your choice: Interested" in card


def test_not_relevant_keeps_its_reason_and_can_be_withdrawn(auth, client, db, ids):
    english(auth, client, "member_bfc")
    stance(auth, ids["ThéCell"], track="event", kind="not_relevant", reason="No events planned this year.")
    text = page_text(client.get(f"/organisations/{ids['ThéCell']}"))
    assert re.search(
        r"Co-created event</th>\s*<td>Not relevant <span class=\"muted\">\(No events planned this year.\)",
        text,
    )
    stance(auth, ids["ThéCell"], track="event", kind="clear")
    assert db.execute("SELECT COUNT(*) FROM interests WHERE track = 'event'").fetchone()[0] == 0


def test_forged_stances_change_nothing(auth, client, db, ids):
    english(auth, client, "member_bfc")
    # for an organisation the member does not belong to
    response = stance(auth, ids["ThéCell"], own=ids["Héma-Québec"])
    assert response.status_code == 302
    assert "Only a member of the organisation may do this" in page_text(
        client.get(response.headers["Location"])
    )
    for data in ({"track": "pizza"}, {"kind": "adore"}, {"reason": "x" * 501}):
        response = stance(auth, ids["ThéCell"], **{"track": "co_training", "kind": "interested", **data})
        assert response.status_code == 302
        assert "Nothing was changed" in page_text(client.get(response.headers["Location"]))
    # a partner on the member's own side
    response = stance(auth, ids["CHU de Besançon"])
    assert "cannot be chosen for your organisation" in page_text(client.get(response.headers["Location"]))
    assert db.execute("SELECT COUNT(*) FROM interests").fetchone()[0] == 0
    # without the CSRF token
    refused = client.post(
        f"/organisations/{ids['ThéCell']}/stance",
        data={"stance-track": "co_training", "stance-kind": "interested"},
    )
    assert refused.status_code == 400
    assert db.execute("SELECT COUNT(*) FROM interests").fetchone()[0] == 0


def test_request_from_the_org_page_reaches_the_partners_inbox(auth, client, db, ids):
    english(auth, client, "member_bfc")
    response = request_to_thecell(auth, ids, "We would like to train two technicians on your platform.")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("?done=actions#actions")
    page = page_text(client.get(response.headers["Location"]))
    actions = page[page.index('id="actions"') :]
    assert "Your request has been sent to ThéCell." in actions and "Sent, waiting for an answer" in actions
    auth.logout()
    english(auth, client, "member_qc")
    inbox = page_text(client.get("/requests/"))
    assert "EFS BFC" in inbox and "Co-training" in inbox
    theirs = page_text(client.get(f"/organisations/{ids['EFS BFC']}"))
    assert "Received, waiting for your answer" in theirs


def test_coordinator_proposal_appears_in_the_queue_with_its_history(auth, client, db, ids):
    english(auth, client, "coordinator")
    page = page_text(client.get(f"/organisations/{ids['EFS BFC']}"))
    assert "Propose the pairing" in page and "Save the choice" not in page
    response = auth.post(
        f"/organisations/{ids['EFS BFC']}/pairings",
        {"partner_id": str(ids["Héma-Québec"]), "track": "joint_trial", "note": "Met at the Montréal forum."},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("#actions")
    page = page_text(client.get(response.headers["Location"]))
    assert "The pairing is proposed: it is in the review queue." in page
    pairing_id, note = db.execute(
        "SELECT id, note FROM pairings WHERE bfc_org_id = ? AND qc_org_id = ? AND track = 'joint_trial'",
        [ids["EFS BFC"], ids["Héma-Québec"]],
    ).fetchone()
    assert note == "Met at the Montréal forum."
    assert f'/coordination/pairings/{pairing_id}"' in page  # the org page lists it, with a link
    assert f'/coordination/pairings/{pairing_id}"' in page_text(client.get("/coordination/?q=hema"))
    history = db.execute("SELECT decision, comment FROM pairing_decisions WHERE pairing_id = ?", [pairing_id])
    assert history.fetchall() == [("comment", "Met at the Montréal forum.")]
    assert [e["name"] for e in events_about(db, f"pairing:{pairing_id}")] == ["pairing.proposed"]
    # the same pair and track again: refused, named, nothing added
    again = auth.post(
        f"/organisations/{ids['EFS BFC']}/pairings",
        {"partner_id": str(ids["Héma-Québec"]), "track": "joint_trial", "note": "Twice."},
    )
    words = page_text(client.get(again.headers["Location"]))
    assert "A pairing with Héma-Québec on “Joint clinical trial” exists already (Proposed)" in words
    assert (
        db.execute("SELECT COUNT(*) FROM pairing_decisions WHERE pairing_id = ?", [pairing_id]).fetchone()[0]
        == 1
    )


def test_a_coordinators_proposal_is_proposed_by_a_coordinator_where_the_seeds_links_are_documented(
    auth, client, db, ids, seeded, api_tokens
):
    seed_known_links(db)
    english(auth, client, "coordinator")
    auth.post(
        f"/organisations/{ids['EFS BFC']}/pairings",
        {"partner_id": str(ids["Héma-Québec"]), "track": "joint_trial", "note": "Met at the Montréal forum."},
    )
    (pairing_id, origin), *_ = db.execute(
        "SELECT id, origin FROM pairings WHERE bfc_org_id = ? AND qc_org_id = ? AND track = 'joint_trial'",
        [ids["EFS BFC"], ids["Héma-Québec"]],
    ).fetchall()
    assert origin == "coordinator"
    page = page_text(client.get(f"/coordination/pairings/{pairing_id}"))
    assert "Proposed by a coordinator" in page and "Documented" not in page
    api = client.get(f"/api/v1/pairings/{pairing_id}", headers=bearer(api_tokens["coordinator"]))
    assert api.json["pairing"]["origin"] == "coordinator"
    # approved, it is exported with its origin, beside the seed's links known before the programme
    decide(db, actor(seeded, "coordinator"), pairing_id, "approve", "A joint trial is planned.")
    body = client.get("/exports/pairings.csv").get_data().decode("utf-8-sig")
    header, *rows = csv.reader(io.StringIO(body))  # English: commas
    bfc, qc, kind, cell = (
        header.index(n)
        for n in ("BFC organisation", "Québec organisation", "Kind of collaboration", "Origin")
    )
    origins = {(row[bfc], row[qc], row[kind]): row[cell] for row in rows}
    assert origins.pop(("EFS BFC", "Héma-Québec", "Joint clinical trial")) == "Proposed by a coordinator"
    assert origins and set(origins.values()) == {"Documented link"}
    client.get("/auth/password?lang=fr")
    assert "Proposée par la coordination" in page_text(client.get(f"/coordination/pairings/{pairing_id}"))


def test_coordinator_proposals_that_break_the_rules_change_nothing(auth, client, db, ids):
    english(auth, client, "coordinator")
    before = db.execute("SELECT COUNT(*) FROM pairings").fetchone()[0]
    cases = [
        ({"partner_id": str(ids["CHU de Besançon"]), "track": "event", "note": "Same side."}, "same side"),
        ({"partner_id": str(ids["ThéCell"]), "track": "pizza", "note": "Bad track."}, "was not proposed"),
        ({"partner_id": "999999", "track": "event", "note": "Nobody."}, "no such organisation"),
        ({"partner_id": str(ids["ThéCell"]), "track": "event", "note": "  "}, "write a note"),
    ]
    for data, words in cases:
        response = auth.post(f"/organisations/{ids['EFS BFC']}/pairings", data)
        assert response.status_code == 302
        assert words.lower() in page_text(client.get(response.headers["Location"])).lower()
    db.execute("UPDATE organisations SET status = 'closed' WHERE id = ?", [ids["ThéCell"]])
    db.conn.commit()
    response = auth.post(
        f"/organisations/{ids['EFS BFC']}/pairings",
        {"partner_id": str(ids["ThéCell"]), "track": "event", "note": "x"},
    )
    assert "ThéCell is closed" in page_text(client.get(response.headers["Location"]))
    assert db.execute("SELECT COUNT(*) FROM pairings").fetchone()[0] == before


def test_a_member_gets_403_on_the_proposal(auth, client, db, ids):
    english(auth, client, "member_bfc")
    response = auth.post(
        f"/organisations/{ids['ThéCell']}/pairings",
        {"partner_id": str(ids["EFS BFC"]), "track": "event", "note": "Let us pair ourselves."},
    )
    assert response.status_code == 403
    assert db.execute("SELECT COUNT(*) FROM pairings").fetchone()[0] == 0


def test_bad_ids_are_404(auth, client, ids):
    english(auth, client, "member_bfc")
    assert stance(auth, 999999).status_code == 404
    auth.logout()
    english(auth, client, "coordinator")
    assert (
        auth.post(
            "/organisations/999999/pairings", {"partner_id": "1", "track": "event", "note": "x"}
        ).status_code
        == 404
    )


def test_french_actions_read_as_written(auth, client, ids):
    auth.login("member_bfc")
    text = page_text(client.get(f"/organisations/{ids['CHU de Besançon']}"))
    assert "CHU de Besançon est de votre côté de l’Atlantique" in text
    text = page_text(client.get(f"/organisations/{ids['ThéCell']}"))
    assert "Le choix de votre organisation" in text and "Demander une mise en contact" in text


def test_french_elides_before_a_vowel(auth, client, ids):
    auth.login("member_qc")
    text = page_text(client.get(f"/organisations/{ids['EFS BFC']}"))
    assert "Choix d’EFS BFC" in text and "Choix de ThéCell" in text and "de EFS" not in text


def test_operations_refuse_a_closed_partner(auth, client, db, ids):
    db.execute("UPDATE organisations SET status = 'closed' WHERE id = ?", [ids["ThéCell"]])
    db.conn.commit()
    english(auth, client, "member_bfc")
    response = stance(auth, ids["ThéCell"])
    assert "ThéCell is closed: nothing new is started with it." in page_text(
        client.get(response.headers["Location"])
    )
    sent = request_to_thecell(auth, ids, "Hello.")
    assert sent.status_code == 409 and "ThéCell is closed" in page_text(sent)
    assert db.execute("SELECT COUNT(*) FROM interests").fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM requests").fetchone()[0] == 0


def test_past_one_list_of_partners_a_coordinator_finds_one_by_name(auth, client, ids, monkeypatch):
    import app.orgs.actions as actions

    monkeypatch.setattr(actions, "PARTNER_CHOICES", 3)  # the 22 seeded Québec organisations are too many
    english(auth, client, "coordinator")
    url = f"/organisations/{ids['EFS BFC']}"
    text = page_text(client.get(url))
    assert "open organisations across the Atlantic: type part of a name to choose one." in text
    assert 'name="partner_id"' not in text  # no list until a name is typed
    found = page_text(client.get(f"{url}?partner=hema"))  # accents and case aside
    options = re.findall(r'<option value="(\d+)"[^>]*>([^<]*)</option>', found.split('name="partner_id"')[1])
    assert (str(ids["Héma-Québec"]), "Héma-Québec") in options
    assert str(ids["CHU de Besançon"]) not in {value for value, _ in options}  # never one's own side
    none = page_text(client.get(f"{url}?partner=zzzz"))
    assert "No open organisation across the Atlantic has “zzzz” in its name." in none
    many = page_text(client.get(f"{url}?partner=e"))
    assert "Only the first 3 are listed: type more of the name." in many
