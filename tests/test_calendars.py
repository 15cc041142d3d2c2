"""Private calendar addresses: made by a coordinator or a host member, no login to read, revocable."""
# ruff: noqa: F811  (the fixtures of test_trips are imported, then used as arguments)

from __future__ import annotations

import re

from conftest import AuthActions, page_text
from icalendar import Calendar
from test_trips import draft, trip  # noqa: F401  (fixtures)

from app.hosting import operations as hosting

ADDRESS = re.compile(r"https?://[^/\s]+(/cal/[A-Za-z0-9_-]+\.ics)")


def _events(data: bytes) -> dict[str, dict]:
    return {str(e["UID"]): e for e in Calendar.from_ical(data).walk("VEVENT")}


def _address(response) -> str:
    match = ADDRESS.search(page_text(response))
    assert match, page_text(response)
    return match.group(1)


def test_a_delegates_address_follows_the_plan_and_a_revoked_one_is_404(
    coordinator, client, seeded, db, trip, draft
):
    coordinator.post(f"/trips/{trip['trip']}/publish")
    made = coordinator.post(f"/trips/{trip['trip']}/calendars/delegates/{trip['ada']}", follow_redirects=True)
    path = _address(made)
    stored = db.execute("SELECT token_hash FROM calendar_subscriptions").fetchone()[0]
    assert path.split("/")[-1][:-4] not in stored  # only the hash is kept
    coordinator.logout()
    first = client.get(path)  # no login
    assert first.status_code == 200 and first.mimetype == "text/calendar"
    events = _events(first.data)
    assert len(events) == 2 and {str(e["STATUS"]) for e in events.values()} == {"TENTATIVE"}
    # the host accepts: the same address now says CONFIRMED, same uid, higher sequence
    (uid, before), *_ = sorted(events.items(), key=lambda item: item[1]["DTSTART"].dt)
    row = db.execute("SELECT id FROM published_meetings WHERE uid = ?", [uid]).fetchone()
    with seeded.app_context():
        hosting.answer_meeting(db, row[0], seeded.user_ids["member_qc"], "accepted")
    after = _events(client.get(path).data)[uid]
    assert after["STATUS"] == "CONFIRMED" and int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 1
    coordinator.login("coordinator")
    (sub_id,) = db.execute("SELECT id FROM calendar_subscriptions").fetchone()
    assert coordinator.post(f"/calendars/{sub_id}/revoke").status_code == 302
    coordinator.logout()
    assert client.get(path).status_code == 404
    assert client.get("/cal/not-a-token.ics").status_code == 404


def test_a_host_member_makes_an_address_for_the_meetings_it_receives(coordinator, client, db, trip, draft):
    coordinator.post(f"/trips/{trip['trip']}/publish")
    coordinator.logout()
    host = AuthActions(client)
    host.login("member_qc")
    made = host.post(f"/trips/{trip['trip']}/calendars/hosts/{trip['ThéCell']}", follow_redirects=True)
    path = _address(made)
    events = _events(client.get(path).data)
    assert len(events) == 2  # Ada and Cy both meet ThéCell
    # not for another organisation, nor by a coordinator's URL
    assert host.post(f"/trips/{trip['trip']}/calendars/hosts/{trip['LOEX']}").status_code == 403
    assert host.post(f"/trips/{trip['trip']}/calendars/delegates/{trip['ada']}").status_code == 403
    other = AuthActions(seeded_client := client.application.test_client())
    other.login("member_other")
    (sub_id,) = db.execute("SELECT id FROM calendar_subscriptions").fetchone()
    assert other.post(f"/calendars/{sub_id}/revoke").status_code == 403
    assert seeded_client.get(path).status_code == 200
    assert host.post(f"/calendars/{sub_id}/revoke").status_code == 302
    assert client.get(path).status_code == 404


def _pdf_text(data: bytes) -> str:
    import io

    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_a_group_meeting_is_in_each_delegates_own_pdf_agenda(coordinator, client, db, trip, draft):
    url = f"/trips/{trip['trip']}/meetings/{draft['ada_thecell']}/guests"
    assert coordinator.post(url, {"delegate_id": trip["ben"]}).status_code == 302
    coordinator.post(f"/trips/{trip['trip']}/publish")
    agendas = {}
    for who in ("ada", "ben", "cy"):
        response = client.get(f"/trips/{trip['trip']}/agendas/delegates/{trip[who]}.pdf")
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        agendas[who] = _pdf_text(response.data)
    assert "ThéCell" in agendas["ada"] and "ThéCell" in agendas["ben"]  # the group meeting, twice
    assert "LOEX" in agendas["ben"] and "LOEX" not in agendas["ada"]  # each one's own
    assert "Héma-Québec" not in agendas["ben"]
    assert client.get(f"/trips/{trip['trip']}/agendas/delegates/999999.pdf").status_code == 404
    coordinator.logout()
    host = AuthActions(client)
    host.login("member_qc")
    assert client.get(f"/trips/{trip['trip']}/agendas/delegates/{trip['ada']}.pdf").status_code == 403
    own = client.get(f"/trips/{trip['trip']}/agendas/hosts/{trip['ThéCell']}.pdf")
    assert own.status_code == 200 and "Ada Lovelace" in _pdf_text(own.data)
    assert client.get(f"/trips/{trip['trip']}/agendas/hosts/{trip['LOEX']}.pdf").status_code == 403


def test_a_delegations_members_get_their_own_delegates_agendas_and_calendars(
    coordinator, client, db, trip, draft
):
    coordinator.post(f"/trips/{trip['trip']}/publish")
    coordinator.logout()
    member = AuthActions(client)
    member.login("member_bfc")  # EFS BFC, the organisation of Ada and Ben
    text = page_text(client.get(f"/trips/org/{trip['EFS BFC']}"))
    assert "Ada Lovelace" in text and "Ben Franklin" in text
    own = client.get(f"/trips/{trip['trip']}/agendas/delegates/{trip['ada']}.pdf")
    assert own.status_code == 200 and "ThéCell" in _pdf_text(own.data)
    made = member.post(f"/trips/{trip['trip']}/calendars/delegates/{trip['ada']}", follow_redirects=True)
    path = _address(made)
    member.logout()
    assert client.get(path).status_code == 200 and client.get(path).mimetype == "text/calendar"
    # another organisation's delegate: refused, and nothing made
    member.login("member_bfc")
    assert client.get(f"/trips/{trip['trip']}/agendas/delegates/{trip['cy']}.pdf").status_code == 403
    before = db.execute("SELECT count(*) FROM calendar_subscriptions").fetchone()[0]
    assert member.post(f"/trips/{trip['trip']}/calendars/delegates/{trip['cy']}").status_code == 403
    assert db.execute("SELECT count(*) FROM calendar_subscriptions").fetchone()[0] == before
