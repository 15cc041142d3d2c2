"""The review queue searches, filters and decides in bulk: one comment, all the ticked pairings or none."""

from __future__ import annotations

import re

import pytest
from conftest import actor, org_id, page_text

from app.coordination.queries import ensure_pairing
from app.operations import events_about
from app.operations.pairings import decide, decide_many
from models.errors import Forbidden, IllegalTransition, InvalidInput, NotFound

COMMENT = "Both teams confirmed at the Dijon meeting."


@pytest.fixture
def three(seeded, db):
    """Three proposed pairings of EFS BFC, and one of another pair."""
    efs = org_id(db, "EFS BFC")
    ids = [
        ensure_pairing(db, efs, org_id(db, name), "co_training", "engine", 0.7)
        for name in ("ThéCell", "Héma-Québec", "IRIC")
    ]
    other = ensure_pairing(db, org_id(db, "CGFL"), org_id(db, "McGill / MUHC"), "event", "engine", 0.6)
    return ids, other


def statuses(db, ids):
    return [db.execute("SELECT status FROM pairings WHERE id = ?", [i]).fetchone()[0] for i in ids]


def audit_rows(db, ids):
    marks = ", ".join("?" * len(ids))
    return db.execute(
        f"SELECT COUNT(*) FROM pairing_decisions WHERE pairing_id IN ({marks})", ids
    ).fetchone()[0]


def test_search_is_accent_and_case_blind_and_the_count_is_honest(coordinator, client, three):
    ids, other = three
    text = page_text(client.get("/coordination/?q=efs"))
    assert all(f'/coordination/pairings/{i}"' in text for i in ids)
    assert f'/coordination/pairings/{other}"' not in text
    assert "3 pairings of 4" in text
    accents = page_text(client.get("/coordination/?q=HEMA-QUEBEC"))
    assert f'/coordination/pairings/{ids[1]}"' in accents and "1 pairing of 4" in accents
    none = client.get("/coordination/?q=zzz")
    assert none.status_code == 200
    text = page_text(none)
    assert "0 pairings of 4" in text and "No pairing matches these filters" in text


def test_french_count_reads_as_written(auth, client, three):
    auth.login("coordinator")
    text = page_text(client.get("/coordination/?q=efs"))
    assert "3 mises en relation sur 4" in text
    assert "1 mise en relation sur 4" in page_text(client.get("/coordination/?q=iric"))


def test_filters_stay_across_paging_and_show_as_removable(coordinator, client, db, three, monkeypatch):
    monkeypatch.setattr("app.coordination.queries.PAGE_SIZE", 2)
    efs = org_id(db, "EFS BFC")
    text = page_text(client.get(f"/coordination/?q=efs&track=co_training&org={efs}"))
    assert "Page 1 of 2" in text
    nxt = re.search(r'href="(/coordination/\?[^"]*page=2[^"]*)"', text).group(1)
    assert "q=efs" in nxt and "track=co_training" in nxt and f"org={efs}" in nxt
    # each filter in use has a link that removes it and keeps the others
    assert "Name: “efs”" in text
    remove_name = re.search(r'href="([^"]*)"[^>]*>Name: “efs”', text).group(1)
    assert "q=" not in remove_name and "track=co_training" in remove_name
    assert "Remove every filter" in text


def test_side_limits_the_search_to_one_region(coordinator, client, three):
    ids, _other = three
    assert "0 pairings of 4" in page_text(client.get("/coordination/?q=efs&side=QC"))
    assert "3 pairings of 4" in page_text(client.get("/coordination/?q=efs&side=BFC"))


def test_bad_filter_values_are_refused(coordinator, client, three):
    assert client.get("/coordination/?track=pizza").status_code == 400
    assert client.get("/coordination/?status=done").status_code == 400
    assert client.get("/coordination/?org=999999").status_code == 400


def test_select_all_ticks_every_row_without_script(coordinator, client, three):
    ids, other = three
    text = page_text(client.get("/coordination/?select=all"))
    for pairing_id in (*ids, other):
        assert re.search(rf'name="ids" value="{pairing_id}"[^>]*checked', text)
    assert "Select none" in text


def test_bulk_approve_of_three_writes_three_audit_rows_and_events(coordinator, client, db, three):
    ids, other = three
    response = coordinator.post(
        "/coordination/decisions",
        {"ids": [str(i) for i in ids], "decision": "approve", "comment": COMMENT, "q": "efs"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("#bulk-result") and "q=efs" in response.headers["Location"]
    assert statuses(db, ids) == ["approved"] * 3 and statuses(db, [other]) == ["proposed"]
    assert audit_rows(db, ids) == 3
    assert db.execute("SELECT DISTINCT comment FROM pairing_decisions").fetchall() == [(COMMENT,)]
    for pairing_id in ids:
        assert [e["data"]["decision"] for e in events_about(db, f"pairing:{pairing_id}")] == ["approve"]
    page = page_text(client.get(response.headers["Location"]))
    assert "3 pairings approved." in page


def test_a_forged_id_changes_nothing_and_is_named(coordinator, client, db, three):
    ids, _other = three
    response = coordinator.post(
        "/coordination/decisions", {"ids": [str(ids[0]), "987654"], "decision": "approve", "comment": COMMENT}
    )
    assert response.status_code == 422
    text = page_text(response)
    assert "There is no pairing number 987654." in text and "Nothing was changed" in text
    assert statuses(db, ids) == ["proposed"] * 3 and audit_rows(db, ids) == 0
    # the ticks are kept, so the person only drops the bad one
    assert re.search(rf'name="ids" value="{ids[0]}"[^>]*checked', text)


def test_a_pairing_the_rules_forbid_changes_nothing_and_is_named(coordinator, client, db, seeded, three):
    ids, _other = three
    decide(db, actor(seeded, "coordinator"), ids[1], "approve", "Approved earlier.")
    response = coordinator.post(
        "/coordination/decisions", {"ids": [str(i) for i in ids], "decision": "approve", "comment": COMMENT}
    )
    assert response.status_code == 409
    text = page_text(response)
    assert "EFS BFC ⇄ Héma-Québec (Co-training) has the status “Approved”." in text
    assert statuses(db, ids) == ["proposed", "approved", "proposed"] and audit_rows(db, ids) == 1


def test_a_forged_decision_or_no_comment_changes_nothing(coordinator, db, three):
    ids, _other = three
    for data in (
        {"ids": [str(ids[0])], "decision": "reopen", "comment": COMMENT},
        {"ids": [str(ids[0])], "decision": "approve", "comment": "  "},
        {"ids": ["x1"], "decision": "approve", "comment": COMMENT},
        {"decision": "approve", "comment": COMMENT},
    ):
        assert coordinator.post("/coordination/decisions", data).status_code in (400, 422)
    assert statuses(db, ids) == ["proposed"] * 3 and audit_rows(db, ids) == 0


def test_csrf_missing_is_refused(coordinator, client, db, three):
    ids, _other = three
    response = client.post(
        "/coordination/decisions", data={"ids": [str(ids[0])], "decision": "approve", "comment": COMMENT}
    )
    assert response.status_code == 400
    assert statuses(db, ids) == ["proposed"] * 3


def test_members_may_not_decide_in_bulk(auth, client, db, three):
    ids, _other = three
    auth.login("member_bfc")
    response = auth.post(
        "/coordination/decisions", {"ids": [str(ids[0])], "decision": "approve", "comment": COMMENT}
    )
    assert response.status_code == 403
    assert statuses(db, ids) == ["proposed"] * 3


def test_operation_is_all_or_nothing(seeded, db, three):
    ids, _other = three
    coordinator = actor(seeded, "coordinator")
    with pytest.raises(NotFound) as error:
        decide_many(db, coordinator, [*ids, 424242], "approve", COMMENT)
    assert [part["id"] for part in error.value.params["parts"]] == [424242]
    with pytest.raises(InvalidInput):
        decide_many(db, coordinator, ids, "comment", COMMENT)
    with pytest.raises(Forbidden):
        decide_many(db, actor(seeded, "member_bfc"), ids, "approve", COMMENT)
    decide_many(db, coordinator, ids[:1], "reject", COMMENT)
    with pytest.raises(IllegalTransition):
        decide_many(db, coordinator, ids[:2], "reject", COMMENT)
    assert statuses(db, ids) == ["rejected", "proposed", "proposed"]
    done = decide_many(db, coordinator, ids, "approve", COMMENT)
    assert [d.to_status for d in done] == ["approved"] * 3
    assert audit_rows(db, ids) == 4


def test_api_bulk_decisions(client, db, three, api_tokens):
    from conftest import bearer

    ids, _other = three
    headers = bearer(api_tokens["coordinator"])
    bad = client.post(
        "/api/v1/pairings/decisions",
        json={"ids": [ids[0], 999999], "decision": "approve", "comment": COMMENT},
        headers=headers,
    )
    assert bad.status_code == 404 and "999999" in bad.get_json()["error"]
    assert statuses(db, ids) == ["proposed"] * 3
    ok = client.post(
        "/api/v1/pairings/decisions",
        json={"ids": ids, "decision": "approve", "comment": COMMENT},
        headers=headers,
    )
    assert ok.status_code == 201
    body = ok.get_json()
    assert [d["to_status"] for d in body["decisions"]] == ["approved"] * 3
    member = client.post(
        "/api/v1/pairings/decisions",
        json={"ids": ids, "decision": "reject", "comment": COMMENT},
        headers=bearer(api_tokens["member_bfc"]),
    )
    assert member.status_code == 403


def test_cli_decides_in_bulk_all_or_nothing(runner, db, three):
    ids, _other = three
    refused = runner.invoke(
        args=["decide", str(ids[0]), "777777", "--decision", "approve", "--comment", COMMENT]
    )
    assert refused.exit_code == 1 and "There is no pairing number 777777." in refused.output
    assert statuses(db, ids) == ["proposed"] * 3
    done = runner.invoke(args=["decide", *map(str, ids), "--decision", "reject", "--comment", COMMENT])
    assert done.exit_code == 0, done.output
    assert done.output.count("proposed -> rejected") == 3
    assert statuses(db, ids) == ["rejected"] * 3 and audit_rows(db, ids) == 3


def test_past_the_choice_limit_the_organisation_filter_comes_from_links(
    coordinator, client, db, three, monkeypatch
):
    ids, _other = three
    monkeypatch.setattr("app.coordination.queries.ORG_CHOICES", 2)
    efs = org_id(db, "EFS BFC")
    text = page_text(client.get(f"/coordination/?org={efs}"))
    assert f'name="org" value="{efs}"' in text and '<select id="org"' not in text
    assert "3 pairings of 4" in text and "EFS BFC" in text


def test_search_prefilters_in_sql_past_many_organisations(seeded, db, monkeypatch):
    from app.coordination.queries import orgs_named

    exact = orgs_named(db, "hema-quebec")
    monkeypatch.setattr("app.coordination.queries.PREFILTER_FROM", 0)
    assert orgs_named(db, "hema-quebec") == exact == [org_id(db, "Héma-Québec")]
    assert orgs_named(db, "THÉCELL") == [org_id(db, "ThéCell")]
    assert orgs_named(db, "efs", "QC") == []
