"""Notifications in the app and by mail: mutual interest, delegation meetings, the weekly digest,
the account's mail preferences (no SMTP server here: mails become .eml files)."""

from __future__ import annotations

from datetime import date

from conftest import AuthActions, deliver, mail_text, org_id, page_text
from test_followup import past_trip  # noqa: F401 (a fixture)

from app.db import get_db
from app.notifications.digest import queue_digests
from app.trips import meetings as store
from app.trips import queries as trips
from models.trips.shapes import Meeting


def notices(db, email: str) -> list[tuple[str, str]]:
    rows = db.execute(
        """
        SELECT n.event, n.params FROM notifications n JOIN users u ON u.id = n.user_id
        WHERE u.email = ? ORDER BY n.id
        """,
        [email],
    )
    return [(event, params) for event, params in rows]


def test_mutual_interest_tells_both_sides_once_but_not_the_one_who_clicked(member, seeded, db):
    efs, thecell = org_id(db, "EFS BFC"), org_id(db, "ThéCell")
    member.post(
        f"/members/{efs}/interest", {"partner_id": thecell, "track": "co_training", "kind": "interested"}
    )
    assert db.table("notifications").count == 0  # one side only
    other = AuthActions(seeded.test_client())
    other.login("member_qc")
    other.post(
        f"/members/{thecell}/interest", {"partner_id": efs, "track": "co_training", "kind": "intro_request"}
    )
    other.post(
        f"/members/{thecell}/interest", {"partner_id": efs, "track": "co_training", "kind": "interested"}
    )
    assert [event for event, _ in notices(db, "efs@test.example.org")] == ["mutual_interest"]
    assert notices(db, "thecell@test.example.org") == []  # the actor knows already
    listing = page_text(member.client.get("/notifications"))
    assert "ThéCell and EFS BFC are both interested: Co-training." in listing
    (mail,) = deliver(seeded)
    assert mail["To"] == "efs@test.example.org" and mail["Subject"] == "Intérêt mutuel"
    assert "ThéCell et EFS BFC sont intéressés l’un par l’autre\u00a0: Co-formation." in mail_text(mail)


def _trip_with_two_meetings(db) -> tuple[int, dict]:
    fields = {
        "name": "Mission test",
        "direction": "BFC->QC",
        "cities": ["Montréal"],
        "start_date": date(2026, 5, 11),
        "end_date": date(2026, 5, 11),
        "status": "planned",
        "notes": "",
    }
    trip_id = trips.create_trip(db, fields)
    trips.set_slot_template(db, trip_id, ("09:00", "10:15"), 60, weekdays_only=True)
    ids = {name: org_id(db, name) for name in ("EFS BFC", "ThéCell", "LOEX")}
    trips.add_delegation_org(db, trip_id, ids["EFS BFC"])
    ada = trips.add_delegate(db, trip_id, ids["EFS BFC"], "Ada Lovelace")
    for host in ("ThéCell", "LOEX"):
        trips.save_host(db, trip_id, ids[host], "Montréal", 1, [])
    slots = [row["id"] for row in trips.list_slots(db, trip_id)]
    with db.atomic():
        ids["thecell"] = store.add_meeting(
            db, trip_id, Meeting(ada, ids["EFS BFC"], ids["ThéCell"], slots[0], "event", 0.7), False
        )
        ids["loex"] = store.add_meeting(
            db, trip_id, Meeting(ada, ids["EFS BFC"], ids["LOEX"], slots[1], "co_training", 0.6), False
        )
    ids["slots"], ids["ada"] = slots, ada
    return trip_id, ids


def test_publishing_tells_each_side_of_new_moved_and_cancelled_meetings_once(seeded, db):
    trip_id, ids = _trip_with_two_meetings(db)
    store.publish(db, trip_id)
    assert [event for event, _ in notices(db, "efs@test.example.org")] == ["meeting_published"] * 2
    assert [event for event, _ in notices(db, "thecell@test.example.org")] == ["meeting_published"]
    store.publish(db, trip_id)  # nothing changed: nobody hears again
    assert len(notices(db, "efs@test.example.org")) == 2
    with db.atomic():
        store.remove_meeting(db, ids["loex"])
        store.move_meeting(db, ids["thecell"], ids["slots"][1], ids["ada"])
    store.publish(db, trip_id)
    assert [event for event, _ in notices(db, "efs@test.example.org")][2:] == [
        "meeting_changed",
        "meeting_cancelled",
    ]
    assert [event for event, _ in notices(db, "thecell@test.example.org")] == [
        "meeting_published",
        "meeting_changed",
    ]
    member = AuthActions(seeded.test_client())
    member.login("member_qc")
    member.client.get("/auth/password?lang=en")
    listing = page_text(member.client.get("/notifications"))
    assert "The meeting EFS BFC – ThéCell is now on 11 May 2026, 10:15 in Montréal (Mission test)." in listing
    assert f'href="/trips/org/{ids["ThéCell"]}"' in listing
    mails = [mail for mail in deliver(seeded) if mail["To"] == "thecell@test.example.org"]
    assert [mail["Subject"] for mail in mails] == [
        "Nouveau rendez-vous de délégation",
        "Rendez-vous de délégation modifié",
    ]
    assert "EFS BFC rencontre ThéCell le 11 mai 2026, 09:00 à Montréal (Mission test)." in mail_text(mails[0])


def test_weekly_digest_with_list_unsubscribe_and_opt_out(seeded, db):
    seeded.config["DIGEST_MIN_SCORE"] = 0.0  # the fake embedder's scores
    with seeded.test_request_context():
        assert queue_digests(get_db(), week="2026-W49") == 3  # one mail per member of an organisation
        assert queue_digests(get_db(), week="2026-W49") == 0  # once a week
    mails = {mail["To"]: mail for mail in deliver(seeded)}
    digest = mails["efs@test.example.org"]
    assert digest["Subject"].strip() == "Passerelle\u00a0: nouveaux partenaires suggérés cette semaine"
    assert "Nouveaux partenaires suggérés à EFS BFC cette semaine\u00a0:" in mail_text(digest)
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = digest["List-Unsubscribe"].strip("<>").split("://", 1)[1].split("/", 1)[1]
    client = seeded.test_client()  # not logged in: the link is enough
    client.get("/auth/login?lang=en")
    assert "Stop the weekly digest?" in page_text(client.get(f"/{unsubscribe}"))
    assert db.execute("SELECT digest FROM users WHERE email = 'efs@test.example.org'").fetchone()[0] == 1
    done = client.post(f"/{unsubscribe}", data={"List-Unsubscribe": "One-Click"})  # a mail client's POST
    assert done.status_code == 200 and "The weekly digest is off" in page_text(done)
    assert db.execute("SELECT digest FROM users WHERE email = 'efs@test.example.org'").fetchone()[0] == 0
    assert client.post("/notifications/unsubscribe/forged").status_code == 404
    with seeded.test_request_context():
        queue_digests(get_db(), week="2026-W50")
    assert "efs@test.example.org" not in {mail["To"] for mail in deliver(seeded)[3:]}


def test_mail_preferences_on_the_account_page(member, db):
    page = page_text(member.client.get("/auth/password"))
    assert "Email preferences" in page and "Language of my emails" in page
    saved = member.post("/notifications/preferences", {"language": "en"})  # the digest box unticked
    assert saved.status_code == 302
    assert db.execute(
        "SELECT language, digest FROM users WHERE email = 'efs@test.example.org'"
    ).fetchone() == (
        "en",
        0,
    )
    bad = member.post("/notifications/preferences", {"language": "de", "digest": "y"}, follow_redirects=True)
    assert "Choose French or English for your emails." in page_text(bad)
    assert db.execute("SELECT language FROM users WHERE email = 'efs@test.example.org'").fetchone() == ("en",)


def test_a_withdrawn_request_is_announced_to_the_receiving_side(seeded, db):
    from test_requests import login_as, send

    thecell = org_id(db, "ThéCell")
    sender = login_as(seeded, "member_bfc")
    send(sender, thecell)
    request_id = db.execute("SELECT id FROM requests").fetchone()[0]
    assert sender.post(f"/requests/{request_id}/withdraw").status_code == 302
    assert [event for event, _ in notices(db, "thecell@test.example.org")] == [
        "request_received",
        "request_withdrawn",
    ]
    receiver = login_as(seeded, "member_qc")
    listing = page_text(receiver.client.get("/notifications"))
    assert "EFS BFC withdrew its request to ThéCell (Co-training)." in listing
    assert f'href="/requests/{request_id}"' in listing


def test_my_data_holds_my_notices_and_mails_and_deleting_it_erases_them(member, seeded, db):
    from app.auth.queries import User
    from app.introductions import operations as ops

    efs, thecell = org_id(db, "EFS BFC"), org_id(db, "ThéCell")
    me = User(seeded.user_ids["member_bfc"], "efs@test.example.org", "member", (efs,))
    ops.send_request(db, me, efs, thecell, "event", "visit", "Un message écrit par moi.")
    receiver = User(seeded.user_ids["member_qc"], "thecell@test.example.org", "member", (thecell,))
    request_id = db.execute("SELECT id FROM requests").fetchone()[0]
    ops.answer_request(db, receiver, request_id, "decline", "Pas cette année.")
    data = member.client.get("/account/data.json").get_json()
    assert data["mail_preferences"] == {"language": "fr", "weekly_digest": True}
    assert [notice["event"] for notice in data["notifications"]] == ["request_answered"]
    assert [mail["template"] for mail in data["mails"]] == ["notification"]
    theirs = db.execute("SELECT params FROM notifications WHERE event = 'request_received'").fetchone()[0]
    assert "Un message écrit par moi." in theirs

    member.post("/account/data/delete", {"confirm": "y"})
    assert db.execute(
        "SELECT COUNT(*) FROM mail_outbox WHERE recipient = 'efs@test.example.org'"
    ).fetchone() == (0,)
    theirs = db.execute(
        "SELECT params, actor_id FROM notifications WHERE event = 'request_received'"
    ).fetchone()
    assert "Un message écrit par moi." not in theirs[0] and theirs[1] is None  # ThéCell keeps the notice


def test_follow_up_forms_reach_each_organisation_once_by_the_worker(seeded, db, past_trip):  # noqa: F811
    from app.followup import queries as followups
    from app.worker import run_once

    followups.open_due(db, date.today())
    with seeded.app_context():
        run_once(get_db())
        run_once(get_db())  # nothing twice
    assert followups.to_mail(db) == []
    assert [event for event, _ in notices(db, "efs@test.example.org")][-1:] == ["followup_due"]
    assert [event for event, _ in notices(db, "thecell@test.example.org")].count("followup_due") == 1
    subject = "Comment s’est passé le rendez-vous\u00a0?"
    mails = [mail for mail in deliver(seeded) if mail["Subject"] == subject]
    assert sorted(mail["To"] for mail in mails) == ["efs@test.example.org", "thecell@test.example.org"]
    text = mail_text(mails[0])
    assert "Dites à la coordination comment s’est passé le rendez-vous EFS BFC – ThéCell du" in text
    assert "/follow-up/" in text
