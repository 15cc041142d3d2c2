"""A coordinator's journey: review queue order, decisions with their audit trail, proposals, coverage."""

from __future__ import annotations

import sqlite3

import pytest
from conftest import AuthActions, org_id, page_text

from app import matching
from app.auth.queries import User
from app.coordination.queries import ensure_pairing
from app.operations.pairings import decide as decide_pairing


@pytest.fixture
def pairing(seeded, db):
    return ensure_pairing(db, org_id(db, "EFS BFC"), org_id(db, "ThéCell"), "co_training", "engine", 0.8)


def decide(
    coordinator, pairing_id, decision, comment="Checked with both teams.", expected="proposed", **kwargs
):
    return coordinator.post(
        f"/coordination/pairings/{pairing_id}/decide",
        {"decision": decision, "comment": comment, "expected_status": expected},
        **kwargs,
    )


def test_queue_puts_mutual_interest_first_then_requests_then_score(coordinator, client, db):
    bfc = {name: org_id(db, name) for name in ("EFS BFC", "CHU de Besançon", "CGFL")}
    qc = {name: org_id(db, name) for name in ("ThéCell", "Héma-Québec", "IRIC")}
    best_score = ensure_pairing(db, bfc["EFS BFC"], qc["ThéCell"], "event", "engine", 0.95)
    requested = ensure_pairing(db, bfc["CGFL"], qc["IRIC"], "event", "member")
    mutual = ensure_pairing(db, bfc["CHU de Besançon"], qc["Héma-Québec"], "event", "engine", 0.4)
    for own, partner in (
        (bfc["CHU de Besançon"], qc["Héma-Québec"]),
        (qc["Héma-Québec"], bfc["CHU de Besançon"]),
    ):
        db.table("interests").insert(
            {
                "org_id": own,
                "partner_org_id": partner,
                "track": "event",
                "kind": "interested",
                "reason": "",
                "created_at": "2026-01-01",
                "updated_at": "2026-01-01",
            }
        )
    text = page_text(client.get("/coordination/?track=event"))
    order = [text.index(f'/coordination/pairings/{pid}"') for pid in (mutual, requested, best_score)]
    assert order == sorted(order)
    assert "Mutual interest" in text and "Member request" in text


def test_approve_keeps_who_when_and_why_and_the_member_sees_it(coordinator, client, seeded, db, pairing):
    response = decide(
        coordinator, pairing, "approve", "Same CAR-T platform questions.", follow_redirects=True
    )
    text = page_text(response)
    assert "Your decision is recorded." in text and "Same CAR-T platform questions." in text
    assert "coord@test.example.org" in text and "Proposed → Approved" in text
    rows = db.execute(
        "SELECT user_id, decision, from_status, to_status, comment, created_at FROM pairing_decisions"
    ).fetchall()
    assert [row[:5] for row in rows] == [
        (seeded.user_ids["coordinator"], "approve", "proposed", "approved", "Same CAR-T platform questions.")
    ]
    assert rows[0][5]
    assert db.execute("SELECT status FROM pairings WHERE id = ?", [pairing]).fetchone()[0] == "approved"

    member = AuthActions(seeded.test_client())
    member.login("member_bfc")
    member.client.get("/auth/password?lang=en")
    page = page_text(member.client.get(f"/members/{org_id(db, 'EFS BFC')}/?track=co_training"))
    assert "Approved pairings" in page and "ThéCell" in page


def test_decisions_can_be_revisited_and_all_are_kept(coordinator, db, pairing):
    assert decide(coordinator, pairing, "approve").status_code == 302
    assert (
        decide(coordinator, pairing, "reopen", "The trial was postponed.", expected="approved").status_code
        == 302
    )
    assert (
        decide(coordinator, pairing, "reject", "No funding this year.", expected="proposed").status_code
        == 302
    )
    assert (
        decide(coordinator, pairing, "comment", "Ask again in 2027.", expected="rejected").status_code == 302
    )
    trail = db.execute(
        "SELECT decision, from_status, to_status FROM pairing_decisions ORDER BY id"
    ).fetchall()
    assert trail == [
        ("approve", "proposed", "approved"),
        ("reopen", "approved", "proposed"),
        ("reject", "proposed", "rejected"),
        ("comment", "rejected", "rejected"),
    ]


def test_a_reason_is_required_and_kept_when_missing(coordinator, db, pairing):
    response = decide(coordinator, pairing, "reject", "   ")
    assert response.status_code == 400
    assert "Say why: the reason is kept in the pairing's history." in page_text(response)
    assert db.table("pairing_decisions").count == 0
    assert db.execute("SELECT status FROM pairings").fetchone()[0] == "proposed"


def test_a_stale_page_cannot_overwrite_another_decision(coordinator, db, pairing):
    assert decide(coordinator, pairing, "approve").status_code == 302
    response = decide(coordinator, pairing, "reject", "From an old tab.", expected="proposed")
    assert response.status_code == 409
    text = page_text(response)
    assert "Someone else decided on this pairing meanwhile." in text and "From an old tab." in text
    assert db.execute("SELECT status FROM pairings").fetchone()[0] == "approved"
    assert db.table("pairing_decisions").count == 1


def test_a_decision_that_does_not_apply_is_refused(coordinator, db, pairing):
    response = decide(coordinator, pairing, "reopen")
    assert response.status_code == 409
    assert "A pairing that is Proposed cannot take the decision “Reopened”." in page_text(response)
    assert db.table("pairing_decisions").count == 0


def test_status_change_and_audit_row_are_one_transaction(db, pairing):
    nobody = User(999999, "nobody@example.org", "coordinator")
    with pytest.raises(sqlite3.IntegrityError):
        decide_pairing(db, nobody, pairing, "approve", "No such user.", "proposed")  # the audit row fails
    assert db.execute("SELECT status FROM pairings").fetchone()[0] == "proposed"


def test_missing_pairing_is_404(coordinator, client):
    assert client.get("/coordination/pairings/999999").status_code == 404
    assert decide(coordinator, 999999, "approve").status_code == 404


def _worker_round(app, db):
    from app.worker import run_once

    with app.app_context():
        run_once(db)


def test_engine_proposals_fill_the_queue_once(coordinator, client, seeded, db):
    seeded.config["PROPOSAL_MIN_SCORE"] = 0.0
    response = coordinator.post("/coordination/propose", follow_redirects=True)
    assert "The engine is preparing its proposals in the background" in page_text(response)
    assert "Proposals under way: the worker starts on them shortly." in page_text(response)
    assert db.table("pairings").count == 0  # the request scores nothing: the worker does
    _worker_round(seeded, db)
    created = db.table("pairings").count
    page = page_text(client.get("/coordination/"))
    assert created > 1 and "Proposals under way" not in page and "Proposals last refreshed on" in page
    origins = {row[0] for row in db.execute("SELECT origin FROM pairings")}
    assert origins == {"engine"}
    assert db.execute("SELECT COUNT(*) FROM pairings WHERE score IS NULL").fetchone()[0] == 0
    assert db.execute("SELECT proposals FROM proposal_runs").fetchall() == [(created,)]
    coordinator.post("/coordination/propose")
    _worker_round(seeded, db)
    assert db.table("pairings").count == created
    assert db.execute("SELECT proposals FROM proposal_runs ORDER BY id").fetchall() == [(created,), (0,)]


def test_proposals_show_their_progress_and_resume_where_they_stopped(coordinator, client, seeded, db):
    from app.coordination import proposals

    seeded.config["PROPOSAL_MIN_SCORE"] = 0.0
    with seeded.app_context():
        proposals.start(db, 0.0, 2, None)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(proposals, "QUERY_BLOCK", 10)
            first = proposals.run_pending(db, matching.engine, budget_seconds=0)
        assert not first.finished and first.done == 10 and first.total > 10
        page = page_text(client.get("/coordination/"))
        assert f"Proposals under way: 10 of {first.total} organisations done." in page
        rest = proposals.run_pending(db, matching.engine)
    assert rest.finished and rest.done == first.total and proposals.under_way(db) is None
    with seeded.app_context():
        db.execute("DELETE FROM pairings")
        again = proposals.propose(db, matching.engine, 0.0, 2)
    assert db.table("pairings").count == again.created == rest.created


def test_a_finished_run_keeps_its_counts_on_the_queue(coordinator, client, seeded, db):
    seeded.config["PROPOSAL_MIN_SCORE"] = 0.0
    coordinator.post("/coordination/propose")
    _worker_round(seeded, db)
    created = db.table("pairings").count
    ((status, done, total, proposed),) = db.execute(
        "SELECT status, done, total, proposals FROM proposal_runs"
    )
    assert (status, done, proposed) == ("done", total, created) and total > 40
    page = page_text(client.get("/coordination/"))
    assert (
        f"by coord@test.example.org: {total} of {total} organisations done, {created} new pairings." in page
    )
    assert "failed" not in page


def test_a_failed_round_is_told_on_the_queue_and_the_next_run_starts_over(
    coordinator, client, seeded, db, monkeypatch, caplog
):
    from app.coordination import proposals

    seeded.config["PROPOSAL_MIN_SCORE"] = 0.0
    monkeypatch.setattr(proposals, "QUERY_BLOCK", 10)
    seeded.config["PROPOSAL_ROUND_SECONDS"] = 0  # one block a round
    coordinator.post("/coordination/propose")
    _worker_round(seeded, db)
    total = db.execute("SELECT total FROM proposal_progress").fetchone()[0]
    kept = db.table("pairings").count
    calls = []

    def broken(db):
        calls.append(1)
        raise RuntimeError("disk /srv/passerelle/secret.db is gone")

    monkeypatch.setattr(matching, "engine", broken)
    _worker_round(seeded, db)  # the round carries on: no exception leaves the worker
    assert calls == [1] and db.table("proposal_progress").count == 0
    run = db.execute("SELECT status, done, total, proposals, error_code FROM proposal_runs").fetchall()
    assert run == [("failed", 10, total, kept, "proposals_failed")]
    assert any(record.exc_info and "secret.db" in str(record.exc_info[1]) for record in caplog.records)
    page = page_text(client.get("/coordination/"))
    assert "The last refresh of the proposals failed on" in page
    assert ": The engine stopped on an unexpected error (RuntimeError). Tell an administrator." in page
    assert f"10 of {total} organisations were done; the pairings proposed until then stay" in page
    assert "secret" not in page and "Traceback" not in page and "Proposals under way" not in page
    assert "The engine has not proposed pairings yet" in page  # no run has finished
    assert db.table("pairings").count == kept  # what its blocks stored stays
    _worker_round(seeded, db)
    assert calls == [1]  # a failed run is not tried again every round
    client.get("/auth/password?lang=fr")
    french = page_text(client.get("/coordination/"))
    assert "La dernière actualisation des propositions a échoué le" in french
    assert "Le moteur s’est arrêté sur une erreur inattendue (RuntimeError)" in french
    client.get("/auth/password?lang=en")
    monkeypatch.undo()
    monkeypatch.setattr(proposals, "QUERY_BLOCK", 10)
    page = page_text(coordinator.post("/coordination/propose", follow_redirects=True))
    assert "Proposals under way: the worker starts on them shortly." in page and "failed on" not in page
    _worker_round(seeded, db)
    assert db.execute("SELECT done, total FROM proposal_progress").fetchone() == (10, total)  # from 0
    seeded.config["PROPOSAL_ROUND_SECONDS"] = 20
    _worker_round(seeded, db)
    page = page_text(client.get("/coordination/"))
    assert f"{total} of {total} organisations done" in page and "failed on" not in page


def test_the_command_does_a_failed_run_again_when_nothing_changed(
    coordinator, runner, seeded, db, monkeypatch
):
    assert "Proposed" in runner.invoke(args=["propose"]).output
    monkeypatch.setattr(matching, "engine", lambda db: 1 / 0)
    coordinator.post("/coordination/propose")
    _worker_round(seeded, db)
    assert db.execute("SELECT status FROM proposal_runs ORDER BY id").fetchall() == [("done",), ("failed",)]
    monkeypatch.undo()
    again = runner.invoke(args=["propose"])  # same profiles and settings, but the last run failed
    assert again.exit_code == 0 and "Proposed" in again.output
    assert db.execute("SELECT status FROM proposal_runs ORDER BY id DESC LIMIT 1").fetchone() == ("done",)


def test_a_run_by_hand_that_fails_is_recorded_too(coordinator, client, runner, db, monkeypatch):
    from models.errors import EmbeddingModelError

    def unavailable(db):
        raise EmbeddingModelError("no model at /opt/models")

    monkeypatch.setattr(matching, "engine", unavailable)
    result = runner.invoke(args=["propose", "--min-score", "0"])
    assert result.exit_code == 1 and "no model at /opt/models" in result.output  # the admin's detail
    assert db.table("proposal_progress").count == 0  # not left under way for the worker to retry
    assert db.execute("SELECT status, error_code FROM proposal_runs").fetchall() == [
        ("failed", "engine_unavailable")
    ]
    page = page_text(client.get("/coordination/"))
    assert "The last refresh of the proposals failed on" in page
    assert "The matching engine cannot run right now." in page and "/opt/models" not in page
    monkeypatch.setattr(matching, "engine", lambda db: 1 / 0)
    crashed = runner.invoke(args=["propose", "--min-score", "0"])
    assert isinstance(crashed.exception, ZeroDivisionError)  # a bug keeps its trace on the terminal
    assert db.execute("SELECT status, error_code FROM proposal_runs ORDER BY id DESC LIMIT 1").fetchone() == (
        "failed",
        "proposals_failed",
    )


def test_a_named_error_of_the_engine_is_told_in_its_words(coordinator, client, seeded, db, monkeypatch):
    from models.errors import EmbeddingModelError

    def unavailable(db):
        raise EmbeddingModelError("no model at /opt/models")

    monkeypatch.setattr(matching, "engine", unavailable)
    coordinator.post("/coordination/propose")
    _worker_round(seeded, db)
    page = page_text(client.get("/coordination/"))
    assert "The last refresh of the proposals failed on" in page
    assert "The matching engine cannot run right now." in page
    assert "organisations were done" not in page  # it failed before counting them


def test_threshold_keeps_weak_suggestions_out(coordinator, seeded, db):
    seeded.config["PROPOSAL_MIN_SCORE"] = 1.01
    coordinator.post("/coordination/propose")
    _worker_round(seeded, db)
    assert db.table("pairings").count == 0


def test_coverage_lists_who_has_no_approved_pairing(coordinator, client, db, pairing):
    def section(text, track_label):
        start = text.index(f"<h2>{track_label}")
        return text[start : text.index("</section>", start)]

    before = section(page_text(client.get("/coordination/coverage")), "Co-training")
    assert "EFS BFC" in before and "ThéCell" in before
    decide(coordinator, pairing, "approve")
    after = section(page_text(client.get("/coordination/coverage")), "Co-training")
    approved_part = after[after.index("No approved pairing yet") :]
    assert "EFS BFC" not in approved_part and "ThéCell" not in approved_part
    assert "CHU de Besançon" in approved_part


def test_propose_command_fills_the_queue(runner, seeded, db):
    result = runner.invoke(args=["propose", "--min-score", "0", "--per-org", "2"])
    assert result.exit_code == 0, result.output
    created = db.table("pairings").count
    assert created > 0 and f"Proposed {created} new pairing(s)" in result.output
    run = db.execute("SELECT user_id, proposals FROM proposal_runs").fetchall()
    assert run == [(None, created)]
    again = runner.invoke(args=["propose", "--min-score", "0", "--per-org", "2", "--force"])
    assert "Proposed 0 new pairing(s)" in again.output


def test_propose_command_skips_when_nothing_changed(runner, seeded, db, monkeypatch):
    args = ["propose", "--min-score", "0", "--per-org", "2"]
    assert runner.invoke(args=args).exit_code == 0
    scored = []
    real = matching.engine
    monkeypatch.setattr(matching, "engine", lambda db: scored.append(1) or real(db))
    skipped = runner.invoke(args=args)
    assert skipped.exit_code == 0 and "Nothing changed since the last proposals" in skipped.output
    assert scored == [] and db.table("proposal_runs").count == 1
    other_settings = runner.invoke(args=["propose", "--min-score", "0", "--per-org", "3"])
    assert "Proposed" in other_settings.output and scored
    scored.clear()
    assert "Nothing changed" in runner.invoke(args=["propose", "--min-score", "0", "--per-org", "3"]).output
    db.execute("UPDATE organisations SET city = city || ' ' WHERE id = (SELECT MIN(id) FROM organisations)")
    db.conn.commit()
    after_edit = runner.invoke(args=["propose", "--min-score", "0", "--per-org", "3"])
    assert "Proposed" in after_edit.output and scored


def test_a_decision_must_be_chosen(coordinator, db, pairing):
    response = coordinator.post(
        f"/coordination/pairings/{pairing}/decide", {"comment": "Looks good.", "expected_status": "proposed"}
    )
    text = page_text(response)
    assert response.status_code == 400 and "Choose a decision." in text and "Looks good." in text
    assert db.table("pairing_decisions").count == 0
