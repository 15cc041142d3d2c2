"""Proposals through the API: a coordinator's own pairing, the engine's proposal run, and a profile's
completeness gauge, each through the operation or the query the web's pages use."""

from __future__ import annotations

import pytest
from conftest import bearer, org_id, page_text

from app import matching
from app.coordination import proposals
from app.operations import events_about


@pytest.fixture
def ids(seeded, db):
    names = ("EFS BFC", "CHU de Besançon", "Héma-Québec", "ThéCell")
    return {name: org_id(db, name) for name in names}


@pytest.fixture
def call(client, api_tokens):
    """Call the API as one of the seeded accounts."""
    return lambda who, method, path, **kw: client.open(
        path, method=method, headers={**bearer(api_tokens[who]), **kw.pop("headers", {})}, **kw
    )


def proposal(ids, partner="Héma-Québec", track="joint_trial", note="Met at the Montréal forum."):
    return {"org_id": ids["EFS BFC"], "partner_id": ids[partner], "track": track, "note": note}


def count(db, table: str) -> int:
    return db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


# A coordinator's own proposal


def test_a_coordinator_proposes_a_pairing_as_on_the_organisation_page(call, db, ids, client):
    response = call("coordinator", "POST", "/api/v1/pairings", json=proposal(ids))
    assert response.status_code == 201
    pairing = response.json["pairing"]
    assert response.headers["Location"] == f"/api/v1/pairings/{pairing['id']}"
    kept = (pairing["status"], pairing["origin"], pairing["track"])
    assert kept == ("proposed", "coordinator", "joint_trial")
    assert pairing["bfc"]["short_name"] == "EFS BFC" and pairing["qc"]["short_name"] == "Héma-Québec"
    assert pairing["note"] == "Met at the Montréal forum."
    assert [(d["decision"], d["comment"], d["user_email"]) for d in pairing["decisions"]] == [
        ("comment", "Met at the Montréal forum.", "coord@test.example.org")
    ]
    assert [e["name"] for e in events_about(db, f"pairing:{pairing['id']}")] == ["pairing.proposed"]
    queue = call("coordinator", "GET", "/api/v1/pairings?track=joint_trial").json["items"]
    assert [p["id"] for p in queue] == [pairing["id"]]  # in the review queue, as on the web


def test_the_partner_may_come_first_and_the_pairing_keeps_its_sides(call, ids):
    body = {**proposal(ids), "org_id": ids["Héma-Québec"], "partner_id": ids["EFS BFC"]}
    pairing = call("admin", "POST", "/api/v1/pairings", json=body).json["pairing"]
    assert pairing["bfc"]["id"] == ids["EFS BFC"] and pairing["qc"]["id"] == ids["Héma-Québec"]


def test_a_pairing_that_exists_is_refused_with_the_webs_words_and_its_address(call, db, ids):
    first = call("coordinator", "POST", "/api/v1/pairings", json=proposal(ids)).json["pairing"]
    again = call("admin", "POST", "/api/v1/pairings", json={**proposal(ids), "note": "Twice."})
    assert again.status_code == 409
    assert again.headers["Location"] == f"/api/v1/pairings/{first['id']}"
    assert again.json["error"] == (
        "A pairing with Héma-Québec on “Joint clinical trial” exists already (Proposed): "
        "see it in the list below."
    )
    assert count(db, "pairings") == 1 and count(db, "pairing_decisions") == 1


def test_the_web_and_the_api_refuse_each_others_duplicate(call, coordinator, client, db, ids):
    coordinator.post(
        f"/organisations/{ids['EFS BFC']}/pairings",
        {"partner_id": str(ids["Héma-Québec"]), "track": "joint_trial", "note": "On the web."},
    )
    assert call("coordinator", "POST", "/api/v1/pairings", json=proposal(ids)).status_code == 409
    other = call("coordinator", "POST", "/api/v1/pairings", json=proposal(ids, "ThéCell")).json["pairing"]
    back = coordinator.post(
        f"/organisations/{ids['EFS BFC']}/pairings",
        {"partner_id": str(ids["ThéCell"]), "track": "joint_trial", "note": "Again, on the web."},
    )
    assert "A pairing with ThéCell on “Joint clinical trial” exists already" in page_text(
        client.get(back.headers["Location"])
    )
    assert count(db, "pairings") == 2 and other["note"] == "Met at the Montréal forum."


def test_closed_organisations_and_one_side_of_the_atlantic_are_refused(call, db, ids):
    same = call("coordinator", "POST", "/api/v1/pairings", json=proposal(ids, "CHU de Besançon"))
    assert same.status_code == 409
    assert same.json["errors"] == [
        {
            "field": "partner_id",
            "message": "CHU de Besançon is on the same side of the Atlantic: a pairing goes across it.",
        }
    ]
    db.execute("UPDATE organisations SET status = 'closed' WHERE id = ?", [ids["Héma-Québec"]])
    db.conn.commit()
    closed = call("coordinator", "POST", "/api/v1/pairings", json=proposal(ids))
    assert closed.status_code == 409
    assert closed.json["error"] == (
        "Héma-Québec is closed: nothing new is started with it. Nothing was changed."
    )
    assert count(db, "pairings") == 0


@pytest.mark.parametrize(
    ("change", "status", "field", "message"),
    [
        ({"partner_id": 999999}, 404, "partner_id", "There is no such organisation. Nothing was changed."),
        ({"org_id": 999999}, 404, "org_id", "There is no such organisation. Nothing was changed."),
        ({"track": "pizza"}, 422, "track", "track must be one of"),
        ({"note": "   "}, 422, "note", "Write a note: say why these two should meet."),
        ({"note": "x" * 2001}, 422, "note", "note is 2001 characters long; the limit is 2000"),
        ({"score": 1}, 422, "score", "unknown field 'score'"),
    ],
)
def test_bad_proposals_change_nothing(call, db, ids, change, status, field, message):
    response = call("coordinator", "POST", "/api/v1/pairings", json={**proposal(ids), **change})
    assert response.status_code == status
    assert [item["field"] for item in response.json["errors"]] == [field]
    assert response.json["errors"][0]["message"].startswith(message)
    assert count(db, "pairings") == 0 and count(db, "pairing_decisions") == 0


def test_members_may_not_propose(call, client, db, ids):
    for who in ("member_bfc", "member_qc"):
        response = call(who, "POST", "/api/v1/pairings", json=proposal(ids))
        assert response.status_code == 403 and response.json["error"] == "Your account may not do this."
    assert client.post("/api/v1/pairings", json=proposal(ids)).status_code == 401
    assert count(db, "pairings") == 0


# The engine's proposal run


def test_a_coordinator_starts_the_run_and_follows_it_to_the_end(call, seeded, db):
    seeded.config["PROPOSAL_MIN_SCORE"] = 0.0
    assert call("coordinator", "GET", "/api/v1/proposals").status_code == 404
    response = call("coordinator", "POST", "/api/v1/proposals")
    assert response.status_code == 202 and response.json["created"] is True
    assert response.headers["Location"] == "/api/v1/proposals"
    run = response.json["run"]
    assert (run["status"], run["done"], run["total"], run["created"]) == ("pending", 0, None, 0)
    assert run["requested_by"] == "coord@test.example.org"
    assert (run["min_score"], run["per_org"]) == (0.0, seeded.config["PROPOSALS_PER_ORG"])
    assert run["links"] == {"self": "/api/v1/proposals", "queue": "/api/v1/pairings"}
    assert call("admin", "GET", "/api/v1/proposals").json["run"] == run
    assert count(db, "pairings") == 0  # the request scores nothing: the worker does
    with seeded.app_context(), pytest.MonkeyPatch.context() as patch:
        patch.setattr(proposals, "QUERY_BLOCK", 10)
        proposals.run_pending(db, matching.engine, budget_seconds=0)
        running = call("coordinator", "GET", "/api/v1/proposals").json["run"]
        assert running["status"] == "running" and running["done"] == 10 and running["total"] > 10
        assert running["created"] == count(db, "pairings") > 0
        proposals.run_pending(db, matching.engine)
    done = call("coordinator", "GET", "/api/v1/proposals").json["run"]
    assert (done["status"], done["done"], done["total"]) == ("done", running["total"], running["total"])
    assert done["created"] == count(db, "pairings") and done["requested_by"] == "coord@test.example.org"
    assert done["failure"] is None


def test_a_failed_run_says_so_and_a_new_request_starts_over(call, seeded, db, monkeypatch):
    from app.worker import run_once

    seeded.config["PROPOSAL_MIN_SCORE"] = 0.0
    seeded.config["PROPOSAL_ROUND_SECONDS"] = 0  # one block a round
    monkeypatch.setattr(proposals, "QUERY_BLOCK", 10)
    call("coordinator", "POST", "/api/v1/proposals")
    with seeded.app_context():
        run_once(db)
        total = call("coordinator", "GET", "/api/v1/proposals").json["run"]["total"]
        real = matching.engine
        monkeypatch.setattr(matching, "engine", lambda db: 1 / 0)
        run_once(db)
    failed = call("coordinator", "GET", "/api/v1/proposals").json["run"]
    assert (failed["status"], failed["done"], failed["total"]) == ("failed", 10, total)
    assert failed["created"] == count(db, "pairings") and failed["requested_by"] == "coord@test.example.org"
    assert failed["failure"] == {
        "code": "proposals_failed",
        "message": "The engine stopped on an unexpected error (ZeroDivisionError). Tell an administrator.",
    }
    french = call("admin", "GET", "/api/v1/proposals", headers={"Accept-Language": "fr"}).json["run"]
    assert french["failure"]["message"].startswith("Le moteur s’est arrêté sur une erreur inattendue")
    monkeypatch.setattr(matching, "engine", real)
    again = call("coordinator", "POST", "/api/v1/proposals")
    assert again.status_code == 202 and again.json["created"] is True
    run = again.json["run"]
    assert (run["status"], run["done"], run["total"], run["created"], run["failure"]) == (
        "pending", 0, None, 0, None
    )  # fmt: skip
    with seeded.app_context():
        run_once(db)
    assert call("coordinator", "GET", "/api/v1/proposals").json["run"]["done"] == 10  # not 20


def test_a_second_request_while_a_run_is_under_way_answers_that_run(call, coordinator, db):
    coordinator.post("/coordination/propose")  # the web's button
    response = call("admin", "POST", "/api/v1/proposals")
    assert response.status_code == 202 and response.json["created"] is False
    assert response.json["run"]["requested_by"] == "coord@test.example.org"
    assert count(db, "proposal_progress") == 1


def test_members_may_not_start_or_see_the_run(call, client, db):
    for method in ("POST", "GET"):
        response = call("member_bfc", method, "/api/v1/proposals")
        assert response.status_code == 403 and response.json["ok"] is False
        assert client.open("/api/v1/proposals", method=method).status_code == 401
    assert count(db, "proposal_progress") == 0


def test_never_run_says_so_in_the_queue_pages_words(call):
    response = call("coordinator", "GET", "/api/v1/proposals")
    assert response.status_code == 404
    assert response.json["error"] == "The engine has not proposed pairings yet: refresh its proposals."


# A profile's completeness


def test_the_gauge_is_the_profile_pages(call, member, client, db, ids):
    efs = ids["EFS BFC"]
    db.execute("UPDATE organisations SET seeks = 'CAR-T.', address = '' WHERE id = ?", [efs])
    db.execute("DELETE FROM contacts WHERE org_id = ?", [efs])
    db.conn.commit()
    response = call("member_bfc", "GET", f"/api/v1/organisations/{efs}/completeness")
    assert response.status_code == 200
    assert response.json["org_id"] == efs and response.json["percent"] == 40
    assert response.json["missing"] == [
        {"code": "seeks", "advice": "Say what you seek in a partner, in a few sentences",
         "link": f"/members/{efs}/profile#seeks"},
        {"code": "contact", "advice": "Add a contact person", "link": f"/members/{efs}/profile#contacts"},
        {"code": "address", "advice": "Give your postal address", "link": f"/members/{efs}/profile#address"},
    ]  # fmt: skip
    page = page_text(client.get(f"/members/{efs}/profile"))
    assert "Your profile is 40% complete for matching" in page
    for item in response.json["missing"]:
        assert f'<a href="#{item["link"].split("#")[1]}">{item["advice"]}</a>' in page


def test_the_advice_reads_in_the_accept_language(call, db, ids):
    efs = ids["EFS BFC"]
    db.execute("UPDATE organisations SET address = '' WHERE id = ?", [efs])
    db.conn.commit()
    path = f"/api/v1/organisations/{efs}/completeness"
    french = call("coordinator", "GET", path, headers={"Accept-Language": "fr"}).json["missing"]
    assert {"code": "address", "advice": "Indiquez votre adresse postale",
            "link": f"/members/{efs}/profile#address"} in french  # fmt: skip
    english = call("coordinator", "GET", path).json["missing"]
    assert "Give your postal address" in [item["advice"] for item in english]


def test_the_gauge_is_for_those_who_may_see_the_profile_page(call, ids):
    path = f"/api/v1/organisations/{ids['EFS BFC']}/completeness"
    assert call("member_qc", "GET", path).status_code == 403
    assert call("member_other", "GET", path).status_code == 403
    for who in ("member_bfc", "coordinator", "admin"):
        assert call(who, "GET", path).status_code == 200
    missing = call("coordinator", "GET", "/api/v1/organisations/999999/completeness")
    assert missing.status_code == 404 and missing.json["ok"] is False
