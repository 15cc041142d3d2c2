"""Requests from one organisation to another: send with a message, inbox, accept or decline, withdraw.

EFS BFC (member_bfc) writes to ThéCell (member_qc); McGill (member_other) is a bystander.
"""

from __future__ import annotations

import pytest
from conftest import AuthActions, bearer, org_id, page_text

from app.introductions import operations as ops
from app.people.queries import save_contact

MESSAGE = "Nous aimerions former deux techniciens sur votre plateforme GMP cet automne."


@pytest.fixture
def ids(seeded, db):
    efs, thecell, mcgill = (org_id(db, name) for name in ("EFS BFC", "ThéCell", "McGill / MUHC"))
    save_contact(
        db, efs, {"name": "Camille Exemple", "email": "camille@efs.example.org", "role": "Partenariats"}
    )
    save_contact(db, thecell, {"name": "Morgan Placeholder", "email": "morgan@thecell.example.org"})
    return {"efs": efs, "thecell": thecell, "mcgill": mcgill}


def login_as(app, who: str, lang: str = "en") -> AuthActions:
    """A fresh browser, logged in as one of ACCOUNTS, in ``lang``."""
    auth = AuthActions(app.test_client())
    assert auth.login(who).status_code == 302
    auth.client.get(f"/auth/password?lang={lang}")
    return auth


def send(auth: AuthActions, to_org: int, **fields):
    """Post the request form as the browser does (the sender is the member's only organisation)."""
    mine = auth.client.get("/api/v1/me")  # no token: 401, so read the form instead
    assert mine.status_code == 401
    page = auth.client.get(f"/requests/new?to_org_id={to_org}").get_data(as_text=True)
    sender = page.split('name="from_org_id" value="', 1)[1].split('"', 1)[0] if "from_org_id" in page else ""
    data = {"from_org_id": sender, "to_org_id": to_org, "track": "co_training", "format": "video_call"}
    data |= {"message": MESSAGE} | fields
    return auth.post(f"/requests/new?to_org_id={to_org}", data=data)


def only_request(db) -> dict:
    rows = list(db.query("SELECT * FROM requests"))
    assert len(rows) == 1
    return rows[0]


def test_a_request_goes_to_the_inbox_and_accepting_reveals_contacts_both_ways(seeded, db, ids):
    a, b = login_as(seeded, "member_bfc"), login_as(seeded, "member_qc")
    assert "Morgan Placeholder" not in page_text(a.client.get(f"/organisations/{ids['thecell']}"))
    form = page_text(a.client.get(f"/requests/new?to_org_id={ids['thecell']}&track=co_training"))
    assert "Send a request to ThéCell" in form and "Video call" in form

    sent = send(a, ids["thecell"])
    assert sent.status_code == 302
    request = only_request(db)
    assert (request["status"], request["message"], request["format"]) == ("pending", MESSAGE, "video_call")
    shown = page_text(a.client.get(sent.headers["Location"]))
    assert "Your request has been sent to ThéCell." in shown
    assert "Withdraw the request" in shown and "Accept" not in shown
    assert "Sent by efs@test.example.org on" in shown

    inbox = page_text(b.client.get("/requests/"))
    assert "From: EFS BFC" in inbox and "Waiting for an answer" in inbox
    assert '<span class="count"' in b.client.get("/requests/").get_data(as_text=True)
    assert "From: EFS BFC" not in page_text(a.client.get("/requests/"))
    assert "To: ThéCell" in page_text(a.client.get("/requests/?box=sent"))
    detail = page_text(b.client.get(f"/requests/{request['id']}"))
    assert MESSAGE in detail and "Camille Exemple" not in detail
    assert "Sent by a member of the organisation on" in detail  # a person: named once linked
    assert "efs@test.example.org" not in detail

    answered = b.post(
        f"/requests/{request['id']}/answer", data={"answer": "accept", "message": "Avec plaisir."}
    )
    assert answered.status_code == 302
    page = page_text(b.client.get(answered.headers["Location"]))
    assert "You accepted the request of EFS BFC." in page
    assert "Answered by thecell@test.example.org on" in page and "Avec plaisir." in page
    assert "Sent by efs@test.example.org on" in page
    assert "Camille Exemple" in page and "camille@efs.example.org" in page
    assert "Morgan Placeholder" in page_text(a.client.get(f"/organisations/{ids['thecell']}"))
    assert "Camille Exemple" in page_text(b.client.get(f"/organisations/{ids['efs']}"))
    bystander = login_as(seeded, "member_other")
    assert "Morgan Placeholder" not in page_text(bystander.client.get(f"/organisations/{ids['thecell']}"))

    pairing = db.execute(
        "SELECT status, origin FROM pairings WHERE bfc_org_id = ? AND qc_org_id = ? "
        "AND track = 'co_training'",
        [ids["efs"], ids["thecell"]],
    ).fetchone()
    assert pairing == ("proposed", "member")
    coordinator = login_as(seeded, "coordinator")
    assert "ThéCell" in page_text(coordinator.client.get("/coordination/?status=proposed&track=co_training"))
    actions = [row[0] for row in db.execute("SELECT action FROM request_events ORDER BY id")]
    assert actions == ["send", "accept"]
    notified = db.execute(
        "SELECT n.event, m.org_id FROM notifications n JOIN memberships m ON m.user_id = n.user_id "
        "ORDER BY n.id"
    ).fetchall()
    assert notified == [("request_received", ids["thecell"]), ("request_answered", ids["efs"])]


def test_only_the_receiving_side_answers_and_only_once(seeded, db, ids):
    a, b = login_as(seeded, "member_bfc"), login_as(seeded, "member_qc")
    send(a, ids["thecell"])
    request_id = only_request(db)["id"]
    assert a.post(f"/requests/{request_id}/answer", data={"answer": "accept"}).status_code == 403
    assert b.post(f"/requests/{request_id}/withdraw").status_code == 403
    bystander = login_as(seeded, "member_other")
    assert bystander.client.get(f"/requests/{request_id}").status_code == 403
    assert bystander.post(f"/requests/{request_id}/answer", data={"answer": "accept"}).status_code == 403
    assert b.client.get("/requests/999999").status_code == 404
    assert only_request(db)["status"] == "pending"

    b.post(f"/requests/{request_id}/answer", data={"answer": "decline", "message": "Pas cette année."})
    again = b.post(f"/requests/{request_id}/answer", data={"answer": "accept"}, follow_redirects=True)
    assert "This request was already answered or withdrawn; nothing was changed." in page_text(again)
    row = only_request(db)
    assert (row["status"], row["answer"]) == ("declined", "Pas cette année.")
    assert "Morgan Placeholder" not in page_text(a.client.get(f"/organisations/{ids['thecell']}"))


def test_one_open_request_per_partner_and_track_and_withdrawing(seeded, db, ids):
    a = login_as(seeded, "member_bfc")
    send(a, ids["thecell"])
    twice = send(a, ids["thecell"], message="Encore une fois ?")
    assert twice.status_code == 409
    assert "A request to ThéCell on this track is already waiting for an answer." in page_text(twice)
    assert "Encore une fois ?" in page_text(twice)  # the form keeps what was typed
    request_id = only_request(db)["id"]
    withdrawn = a.post(f"/requests/{request_id}/withdraw", follow_redirects=True)
    assert "Your request has been withdrawn." in page_text(withdrawn)
    assert only_request(db)["status"] == "withdrawn"
    assert send(a, ids["thecell"]).status_code == 302  # a new one may go now
    assert db.execute("SELECT COUNT(*) FROM requests").fetchone()[0] == 2


def test_bad_requests_are_refused_and_write_nothing(seeded, db, ids):
    a = login_as(seeded, "member_bfc")
    empty = send(a, ids["thecell"], message="   ")
    assert empty.status_code == 400
    assert "Write a message: say what you propose and why." in page_text(empty)
    chu = org_id(db, "CHU de Besançon")
    assert "Send a request" not in page_text(a.client.get(f"/organisations/{chu}"))
    assert "Send a request" in page_text(a.client.get(f"/organisations/{ids['thecell']}"))
    same_side = a.client.get(f"/requests/new?to_org_id={chu}", follow_redirects=True)
    assert "CHU de Besançon is on your side of the Atlantic: requests go across it." in page_text(same_side)
    forged_same_side = a.post(
        f"/requests/new?to_org_id={chu}", data={"from_org_id": ids["efs"], "message": "x"}
    )
    assert forged_same_side.status_code == 302
    assert send(a, ids["thecell"], format="carrier_pigeon").status_code == 400
    forged = send(a, ids["thecell"], from_org_id=ids["mcgill"])
    assert forged.status_code == 400  # not one of the member's organisations
    assert a.client.get("/requests/new?to_org_id=999999").status_code == 404
    assert a.client.post("/requests/new?to_org_id=1", data={"message": "x"}).status_code == 400  # no CSRF
    assert db.execute("SELECT COUNT(*) FROM requests").fetchone()[0] == 0
    coordinator = login_as(seeded, "coordinator")
    assert coordinator.client.get("/requests/").status_code == 403


def test_the_operation_enforces_its_rules_for_every_front_end(seeded, db, ids):
    from app.auth.queries import User
    from models.errors import InvalidRequest, RequestAlreadyOpen, RequestNotAllowed, RequestNotFound

    efs_member = User(1, "a@example.org", "member", (ids["efs"],))
    other = User(2, "b@example.org", "member", (ids["mcgill"],))
    with pytest.raises(RequestNotAllowed):
        ops.send_request(db, other, ids["efs"], ids["thecell"], "event", "visit", "Bonjour")
    with pytest.raises(InvalidRequest):
        ops.send_request(db, efs_member, ids["efs"], ids["thecell"], "dancing", "visit", "Bonjour")
    request_id = ops.send_request(db, efs_member, ids["efs"], ids["thecell"], "event", "visit", "Bonjour")
    with pytest.raises(RequestAlreadyOpen):
        ops.send_request(db, efs_member, ids["efs"], ids["thecell"], "event", "trip_meeting", "Re")
    with pytest.raises(RequestNotAllowed):
        ops.answer_request(db, efs_member, request_id, "accept")
    with pytest.raises(RequestNotFound):
        ops.withdraw_request(db, efs_member, 424242)


def test_stances_show_who_set_them_and_when(seeded, db, ids):
    """A colleague's stance is the organisation's, not "your choice"."""
    from conftest import PASSWORD, TEST_HASH_METHOD

    from app.auth.queries import find_user
    from app.people.queries import record_consent
    from app.users import create_user

    a = login_as(seeded, "member_bfc")
    a.post(
        f"/members/{ids['efs']}/interest",
        data={"partner_id": ids["thecell"], "track": "co_training", "kind": "interested"},
    )
    mine = page_text(a.client.get(f"/members/{ids['efs']}/?track=co_training"))
    assert "Your choice: Interested" in mine
    colleague_id = create_user(
        db, "colleague@test.example.org", PASSWORD, "member", ["EFS BFC"], hash_method=TEST_HASH_METHOD
    )
    record_consent(db, colleague_id, "Claude Collègue")
    colleague = login_as(seeded, "colleague@test.example.org")
    theirs = page_text(colleague.client.get(f"/members/{ids['efs']}/?track=co_training"))
    assert "Your choice: Interested" not in theirs
    assert "Your organisation's choice: Interested" in theirs
    assert "set by efs@test.example.org on" in theirs
    assert find_user(db, "colleague@test.example.org") is not None


def test_the_inbox_and_answers_in_french(seeded, db, ids):
    a, b = login_as(seeded, "member_bfc", "fr"), login_as(seeded, "member_qc", "fr")
    send(a, ids["thecell"])
    inbox = page_text(b.client.get("/requests/"))
    assert "Expéditeur\u00a0: EFS BFC" in inbox
    assert "En attente de réponse" in inbox


def test_a_refused_request_is_told_in_the_readers_language(seeded, db, ids):
    """The operations' named errors reach a French reader in French (app/errors.py words them once)."""
    a, b = login_as(seeded, "member_bfc", "fr"), login_as(seeded, "member_qc", "fr")
    empty = send(a, ids["thecell"], message="   ")
    assert empty.status_code == 400
    assert "Écrivez un message\u00a0: dites ce que vous proposez et pourquoi." in page_text(empty)
    send(a, ids["thecell"])
    twice = send(a, ids["thecell"], message="Encore ?")
    assert twice.status_code == 409
    assert "Une demande à ThéCell pour ce type de collaboration attend déjà sa réponse." in page_text(twice)
    request_id = only_request(db)["id"]
    b.post(f"/requests/{request_id}/answer", data={"answer": "decline", "message": "Non merci."})
    again = b.post(f"/requests/{request_id}/answer", data={"answer": "accept"}, follow_redirects=True)
    assert "Cette demande a déjà reçu une réponse ou a été retirée" in page_text(again)
    assert "already" not in page_text(again)
    assert only_request(db)["status"] == "declined"


# --- the API --------------------------------------------------------------------------------------


def test_api_requests_send_list_answer_and_withdraw(client, db, ids, api_tokens):
    a, b = bearer(api_tokens["member_bfc"]), bearer(api_tokens["member_qc"])
    body = {"to_org_id": ids["thecell"], "track": "event", "format": "trip_meeting", "message": MESSAGE}
    created = client.post("/api/v1/requests", json=body, headers=a)
    assert created.status_code == 201
    request = created.json["request"]
    assert request["from"]["short_name"] == "EFS BFC" and request["status"] == "pending"
    assert request["created_by"]["email"] == "efs@test.example.org"
    assert client.post("/api/v1/requests", json=body, headers=a).status_code == 409

    inbox = client.get("/api/v1/requests", headers=b).json
    assert [item["id"] for item in inbox["items"]] == [request["id"]] and inbox["total"] == 1
    assert client.get("/api/v1/requests?box=sent", headers=b).json["total"] == 0
    assert client.get("/api/v1/requests?box=sent", headers=a).json["total"] == 1
    unlinked = client.get(f"/api/v1/requests/{request['id']}", headers=b).json
    assert unlinked["contacts"] is None and unlinked["request"]["created_by"] is None

    path = f"/api/v1/requests/{request['id']}"
    assert client.post(f"{path}/answer", json={"answer": "accept"}, headers=a).status_code == 403
    other = bearer(api_tokens["member_other"])
    assert client.get(path, headers=other).status_code == 403
    assert client.post(f"{path}/answer", json={"answer": "maybe"}, headers=b).status_code == 422
    answered = client.post(f"{path}/answer", json={"answer": "accept", "message": "Oui"}, headers=b)
    assert answered.status_code == 200 and answered.json["request"]["status"] == "accepted"
    assert answered.json["request"]["pairing_id"]
    assert client.post(f"{path}/withdraw", headers=a).status_code == 409
    contacts = client.get(path, headers=b).json["contacts"]
    assert [c["name"] for c in contacts] == ["Camille Exemple"]
    shown = client.get(f"/api/v1/organisations/{ids['thecell']}", headers=a).json
    assert [c["email"] for c in shown["contacts"]] == ["morgan@thecell.example.org"]
    assert client.get(f"/api/v1/organisations/{ids['thecell']}", headers=other).json["contacts"] is None


def test_api_requests_refuse_bad_input(client, db, ids, api_tokens):
    a = bearer(api_tokens["member_bfc"])
    base = {"to_org_id": ids["thecell"], "track": "event", "format": "visit", "message": "Bonjour"}
    assert client.post("/api/v1/requests", json=base | {"message": "  "}, headers=a).status_code == 422
    assert client.post("/api/v1/requests", json=base | {"to_org_id": 999999}, headers=a).status_code == 404
    assert (
        client.post("/api/v1/requests", json=base | {"from_org_id": ids["mcgill"]}, headers=a).status_code
        == 403
    )
    same = base | {"to_org_id": org_id(db, "CHU de Besançon")}
    refused = client.post("/api/v1/requests", json=same, headers=a)
    assert refused.status_code == 422 and refused.json["errors"][0]["field"] == "to_org_id"
    assert refused.json["error"] == "CHU de Besançon is on your side of the Atlantic: requests go across it."
    empty = client.post("/api/v1/requests", json=base | {"message": "  "}, headers=a).json
    assert empty["errors"] == [
        {"field": "message", "message": "Write a message: say what you propose and why."}
    ]
    coordinator = bearer(api_tokens["coordinator"])
    assert client.post("/api/v1/requests", json=base, headers=coordinator).status_code == 403
    missing = client.get("/api/v1/requests/999999", headers=a)
    assert (
        missing.status_code == 404
        and missing.json["error"] == "There is no such request. Nothing was changed."
    )
    assert client.post("/api/v1/requests/999999/withdraw", headers=a).status_code == 404
    assert db.execute("SELECT COUNT(*) FROM requests").fetchone()[0] == 0


def test_an_accepted_request_comes_first_for_the_coordinators_with_both_sides_contacts(seeded, db, ids):
    a, b = login_as(seeded, "member_bfc"), login_as(seeded, "member_qc")
    from app.coordination.queries import ensure_pairing, review_queue

    ensure_pairing(db, ids["efs"], ids["thecell"], "co_training", "engine", 0.1)  # the engine's, low score
    ensure_pairing(db, org_id(db, "CHU de Besançon"), ids["mcgill"], "co_training", "engine", 0.9)
    send(a, ids["thecell"])
    b.post(
        f"/requests/{only_request(db)['id']}/answer", data={"answer": "accept", "message": "Avec plaisir."}
    )
    rows, _total = review_queue(db, "proposed", "co_training")
    assert (rows[0]["bfc_short_name"], rows[0]["qc_short_name"]) == ("EFS BFC", "ThéCell")
    assert rows[0]["requested"]
    coordinator = login_as(seeded, "coordinator")
    page = page_text(coordinator.client.get(f"/coordination/pairings/{rows[0]['id']}"))
    assert "Requests between them" in page and MESSAGE in page and "Avec plaisir." in page
    assert "Camille Exemple" in page and "Morgan Placeholder" in page
