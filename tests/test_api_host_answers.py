"""A host's answer to a published delegation meeting through the API: what the hosting page does."""

from __future__ import annotations

import pytest
from conftest import bearer
from test_api_trips import publish_demo_trip


@pytest.fixture
def meeting(seeded, db):
    """ThéCell's published meeting with EFS BFC's Ada (ThéCell is member_qc's organisation)."""
    ids = publish_demo_trip(db)
    row = db.execute("SELECT * FROM published_meetings WHERE host_org_id = ?", [ids["ThéCell"]]).fetchone()
    return db.table("published_meetings").get(row[0])


def count_entries(db) -> int:
    """Rows of the audit trail and of the notifications' queue."""
    return sum(db.table(name).count for name in ("events", "notifications"))


def _row(db, meeting):
    return db.table("published_meetings").get(meeting["id"])


def test_a_host_member_accepts_then_declines_proposing_another_slot(client, db, meeting, api_tokens):
    url = f"/api/v1/meetings/{meeting['id']}/answer"
    headers = bearer(api_tokens["member_qc"])
    accepted = client.post(url, json={"answer": "accepted"}, headers=headers)
    assert accepted.status_code == 200
    shown = accepted.json["meeting"]
    assert shown["host_answer"] == "accepted" and shown["host"]["short_name"] == "ThéCell"
    assert shown["sequence"] == meeting["sequence"] + 1 and accepted.json["host_note"] == ""
    declined = client.post(
        url, json={"answer": "declined", "note": "Tuesday would suit us."}, headers=headers
    )
    assert declined.status_code == 200 and declined.json["host_note"] == "Tuesday would suit us."
    row = _row(db, meeting)
    assert row["host_answer"] == "declined" and row["host_note"] == "Tuesday would suit us."
    # The organisation's meetings (GET /organisations/{id}/meetings) show the answer too.
    listed = client.get(f"/api/v1/organisations/{meeting['host_org_id']}/meetings", headers=headers).json
    assert [m["host_answer"] for m in listed["items"] if m["id"] == meeting["id"]] == ["declined"]


def test_only_the_hosts_members_answer_and_a_refusal_changes_nothing(client, db, meeting, api_tokens):
    url = f"/api/v1/meetings/{meeting['id']}/answer"
    before, entries = _row(db, meeting), count_entries(db)
    for who in ("member_bfc", "coordinator"):  # the delegation's member; staff do not answer for hosts
        refused = client.post(url, json={"answer": "accepted"}, headers=bearer(api_tokens[who]))
        assert refused.status_code == 403
        assert refused.json["error"] == "Only a member of the host organisation can answer for it."
    assert client.post(url, json={"answer": "accepted"}).status_code == 401
    host = bearer(api_tokens["member_qc"])
    assert (
        client.post("/api/v1/meetings/999999/answer", json={"answer": "accepted"}, headers=host).status_code
        == 404
    )
    unknown = client.post(url, json={"answer": "accepted", "slot": "Tuesday"}, headers=host)
    assert unknown.status_code == 422 and unknown.json["errors"][0]["field"] == "slot"
    wrong = client.post(url, json={"answer": "maybe"}, headers=host)
    assert wrong.status_code == 422 and wrong.json["errors"][0]["field"] == "answer"
    silent = client.post(url, json={"answer": "declined", "note": "   "}, headers=host)
    assert silent.status_code == 422
    assert silent.json["errors"] == [{"field": "note", "message": "Say which other slot would suit you."}]
    assert _row(db, meeting) == before and count_entries(db) == entries


def test_a_cancelled_meeting_cannot_be_answered(client, db, meeting, api_tokens):
    db.table("published_meetings").update(meeting["id"], {"status": "cancelled"})
    answered = client.post(
        f"/api/v1/meetings/{meeting['id']}/answer",
        json={"answer": "accepted"},
        headers=bearer(api_tokens["member_qc"]),
    )
    assert answered.status_code == 409 and _row(db, meeting)["host_answer"] == "requested"
