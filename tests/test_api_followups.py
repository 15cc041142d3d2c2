"""Follow-up forms after a trip through the API: members answer them, coordinators read the answers."""

from __future__ import annotations

from conftest import bearer
from test_followup import TODAY, past_trip  # noqa: F401  (the fixture)

from app.followup import queries as followups


def _form(db, org: int, stage: int = 1) -> dict:
    followups.open_due(db, TODAY)
    (form,) = [f for f in followups.forms_for(db, (org,)) if f["stage"] == stage]
    return form


def _written(db) -> tuple:
    """What an answer changes: the forms and the audit trail."""
    return (list(db.query("SELECT * FROM followups ORDER BY id")), db.table("events").count)


ANSWER = {"took_place": True, "relevance": 4, "outcome": "in_discussion", "next_step": " A training plan. "}


def test_a_member_answers_a_form_and_coordinators_read_it(client, db, past_trip, api_tokens):  # noqa: F811
    member = bearer(api_tokens["member_bfc"])  # EFS BFC
    listed = client.get("/api/v1/followups", headers=member).json
    assert listed["total"] == 1 and listed["pending"] == 1
    (item,) = listed["items"]
    assert item["organisation"]["short_name"] == "EFS BFC" and item["answered_at"] is None
    assert (
        item["meeting"]["host"]["short_name"] == "ThéCell"
        and item["meeting"]["trip"]["name"] == "Past mission"
    )
    answered = client.put(f"/api/v1/followups/{item['id']}", json=ANSWER, headers=member)
    assert answered.status_code == 200
    shown = answered.json["followup"]
    assert shown["took_place"] is True and shown["relevance"] == 4 and shown["outcome"] == "in_discussion"
    assert shown["next_step"] == "A training plan." and shown["answered_by"] == "efs@test.example.org"
    row = followups.get_form(db, item["id"])
    assert row["relevance"] == 4 and row["answered_at"]
    # It did not take place after all: relevance and outcome go.
    changed = client.put(f"/api/v1/followups/{item['id']}", json={"took_place": False}, headers=member)
    assert changed.status_code == 200 and changed.json["followup"]["relevance"] is None
    coordinator = bearer(api_tokens["coordinator"])
    answers = client.get(f"/api/v1/followups?trip={past_trip['trip']}", headers=coordinator).json
    assert [a["id"] for a in answers["items"]] == [item["id"]] and answers["pending"] == 3
    assert answers["items"][0]["took_place"] is False
    one = client.get(f"/api/v1/followups/{item['id']}", headers=coordinator)
    assert one.status_code == 200 and one.json["followup"]["answered_by"] == "efs@test.example.org"
    assert client.get("/api/v1/followups?trip=999999", headers=coordinator).json["total"] == 0


def test_only_the_organisations_members_answer_and_a_refusal_changes_nothing(
    client,
    db,
    past_trip,  # noqa: F811
    api_tokens,
):
    host_form = _form(db, past_trip["ThéCell"])
    url = f"/api/v1/followups/{host_form['id']}"
    before = _written(db)
    other = bearer(api_tokens["member_bfc"])  # EFS BFC, not ThéCell
    assert client.get(url, headers=other).status_code == 403
    refused = client.put(url, json=ANSWER, headers=other)
    assert refused.status_code == 403
    assert refused.json["error"] == "Only a member of the organisation may do this. Nothing was changed."
    assert client.put(url, json=ANSWER, headers=bearer(api_tokens["coordinator"])).status_code == 403
    assert client.put(url, json=ANSWER).status_code == 401 and client.get(url).status_code == 401
    host = bearer(api_tokens["member_qc"])  # ThéCell
    assert client.get("/api/v1/followups/999999", headers=host).status_code == 404
    assert client.put("/api/v1/followups/999999", json=ANSWER, headers=host).status_code == 404
    for body, field in (
        ({**ANSWER, "rating": 5}, "rating"),
        ({"took_place": True, "outcome": "in_discussion"}, "relevance"),
        ({"took_place": True, "relevance": 3}, "outcome"),
        ({"took_place": False, "relevance": 3}, "relevance"),
        ({**ANSWER, "relevance": 6}, "relevance"),
        ({**ANSWER, "took_place": "yes"}, "took_place"),
        ({**ANSWER, "next_step": "x" * 501}, "next_step"),
    ):
        answer = client.put(url, json=body, headers=host)
        assert answer.status_code == 422, body
        assert answer.json["errors"][0]["field"] == field
    assert _written(db) == before
    assert client.put(url, json={"took_place": False}, headers=host).status_code == 200


def test_coordinators_read_the_dashboards_figures_with_the_answers(client, db, past_trip, api_tokens):  # noqa: F811
    form = _form(db, past_trip["EFS BFC"])
    client.put(f"/api/v1/followups/{form['id']}", json=ANSWER, headers=bearer(api_tokens["member_bfc"]))
    figures = client.get("/api/v1/dashboard", headers=bearer(api_tokens["coordinator"]))
    assert figures.status_code == 200
    (trip,) = [m for m in figures.json["meetings"] if m["trip"] == "Past mission"]
    assert trip == {"trip": "Past mission", "published": 2, "answered": 1, "held": 1, "share": 1.0}
    (by_trip,) = figures.json["outcomes_by_trip"]
    assert by_trip["trip"] == "Past mission" and by_trip["outcomes"]["in_discussion"] == 1
    never = figures.json["never_matched"]
    assert "EFS BFC" not in [org["short_name"] for org in never["items"]] and never["total"] >= len(
        never["items"]
    )
    assert client.get("/api/v1/dashboard", headers=bearer(api_tokens["member_bfc"])).status_code == 403
    assert client.get("/api/v1/dashboard").status_code == 401
