"""User management by administrators: invitations and reset links, access, deactivation."""

from __future__ import annotations

import re

from conftest import ACCOUNTS, PASSWORD, AuthActions, deliver, mail_link, org_id, page_text

NEW_PASSWORD = "le pont suspendu au petit matin"


def test_invite_a_member_who_then_chooses_a_password_by_link(auth, client, seeded, db):
    auth.login("admin")
    client.get("/admin/users?lang=en")
    efs = org_id(db, "EFS BFC")
    response = auth.post(
        "/admin/users/new",
        {"email": "New.Person@Test.example.org", "role": "member", "orgs": [efs], "language": "en"},
        follow_redirects=True,
    )
    assert "The invitation to new.person@test.example.org is on its way. Its link works for 72 hours." in (
        page_text(response)
    )
    user = db.execute(
        "SELECT id, role, must_change_password, language FROM users WHERE email = ?",
        ["new.person@test.example.org"],
    ).fetchone()
    assert user[1:] == ("member", 1, "en")
    assert [row[0] for row in db.execute("SELECT org_id FROM memberships WHERE user_id = ?", [user[0]])] == [
        efs
    ]
    (invitation,) = deliver(seeded)
    assert invitation["To"] == "new.person@test.example.org"
    assert invitation["Subject"] == "Your Passerelle account: choose your password"

    newcomer = AuthActions(seeded.test_client())
    link = mail_link(invitation)
    form = newcomer.client.get(link)
    assert form.status_code == 200 and "new.person@test.example.org" in page_text(form)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form.get_data(as_text=True)).group(
        1
    )
    chosen = newcomer.client.post(
        link, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": token}
    )
    assert chosen.status_code == 302 and chosen.headers["Location"] == "/auth/login"
    assert newcomer.login("new.person@test.example.org", NEW_PASSWORD).status_code == 302
    assert newcomer.client.get("/members/").headers["Location"].startswith("/account/consent")
    token = newcomer.csrf_token("/account/consent")
    newcomer.client.post("/account/consent", data={"name": "New Person", "accept": "y", "csrf_token": token})
    assert newcomer.client.get("/members/").headers["Location"] == f"/members/{efs}/"


def test_invite_errors_keep_what_was_typed(auth, client, db):
    auth.login("admin")
    client.get("/admin/users?lang=en")
    before = db.table("users").count
    missing_org = auth.post("/admin/users/new", {"email": "someone@test.example.org", "role": "member"})
    assert missing_org.status_code == 400
    html = missing_org.get_data(as_text=True)
    assert (
        "A member must belong to at least one organisation." in html
        and 'value="someone@test.example.org"' in html
    )
    taken = auth.post(
        "/admin/users/new", {"email": ACCOUNTS["coordinator"][0].upper(), "role": "coordinator"}
    )
    assert taken.status_code == 400 and "An account with this email already exists." in taken.get_data(
        as_text=True
    )
    bad = auth.post("/admin/users/new", {"email": "not-an-email", "role": "coordinator"})
    assert bad.status_code == 400 and "This is not an email address." in bad.get_data(as_text=True)
    forged = auth.post("/admin/users/new", {"email": "x@test.example.org", "role": "superuser"})
    assert forged.status_code == 400
    assert db.table("users").count == before


def test_attach_a_member_to_organisations(auth, seeded, db):
    auth.login("admin")
    user_id = seeded.user_ids["member_qc"]
    ids = [org_id(db, "ThéCell"), org_id(db, "Héma-Québec")]
    assert auth.post(f"/admin/users/{user_id}", {"role": "member", "orgs": ids}).status_code == 302
    assert sorted(
        row[0] for row in db.execute("SELECT org_id FROM memberships WHERE user_id = ?", [user_id])
    ) == sorted(ids)
    unknown = auth.post(f"/admin/users/{user_id}", {"role": "member", "orgs": [999999]})
    assert unknown.status_code == 400
    assert len(list(db.execute("SELECT org_id FROM memberships WHERE user_id = ?", [user_id]))) == 2


def test_admin_cannot_lock_themselves_out(auth, client, seeded, db):
    auth.login("admin")
    client.get("/admin/users?lang=en")
    me = seeded.user_ids["admin"]
    demote = auth.post(f"/admin/users/{me}", {"role": "coordinator"})
    assert demote.status_code == 400 and "You cannot remove your own administrator role." in demote.get_data(
        as_text=True
    )
    response = auth.post(f"/admin/users/{me}/deactivate", follow_redirects=True)
    assert "You cannot deactivate your own account." in response.get_data(as_text=True)
    assert db.execute("SELECT role, active FROM users WHERE id = ?", [me]).fetchone() == ("admin", 1)


def test_deactivate_then_reactivate(auth, seeded, db, app):
    auth.login("admin")
    member = seeded.user_ids["member_qc"]
    assert auth.post(f"/admin/users/{member}/deactivate").status_code == 302
    outsider = AuthActions(app.test_client())
    assert outsider.login("member_qc").status_code == 401
    assert auth.post(f"/admin/users/{member}/activate").status_code == 302
    assert outsider.login("member_qc", PASSWORD).status_code == 302


def test_admin_sends_a_reset_link_that_ends_sessions_once_used(auth, seeded, app):
    member = AuthActions(app.test_client())
    member.login("member_qc")
    auth.login("admin")
    response = auth.post(f"/admin/users/{seeded.user_ids['member_qc']}/reset-password", follow_redirects=True)
    assert "is on its way to thecell@test.example.org" in page_text(
        response
    ) or "thecell@test.example.org" in (page_text(response))
    assert member.client.get("/members/").status_code == 302  # still logged in until the link is used
    (mail,) = deliver(seeded)
    link = mail_link(mail)
    page = member.client.get(link)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(
        1
    )
    done = member.client.post(
        link, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": token}
    )
    assert done.status_code == 302
    assert member.client.get("/members/").headers["Location"].startswith("/auth/login")
    assert member.login("member_qc", PASSWORD).status_code == 401
    assert member.login("member_qc", NEW_PASSWORD).status_code == 302


def test_users_page_lists_every_account(auth, client):
    auth.login("admin")
    html = client.get("/admin/users").get_data(as_text=True)
    assert all(email in html for email, _, _ in ACCOUNTS.values())


def test_an_invited_account_gets_its_invitation_again(auth, client, seeded, db):
    auth.login("admin")
    client.get("/admin/users?lang=en")
    efs = org_id(db, "EFS BFC")
    auth.post("/admin/users/new", {"email": "late@test.example.org", "role": "member", "orgs": [efs]})
    user_id = db.execute("SELECT id FROM users WHERE email = 'late@test.example.org'").fetchone()[0]
    again = auth.post(f"/admin/users/{user_id}/reset-password", follow_redirects=True)
    assert "The invitation is on its way to late@test.example.org again, with a new link." in page_text(again)
    first, second = deliver(seeded)
    subject = "Votre compte Passerelle\u00a0: choisissez votre mot de passe"
    assert first["Subject"].strip() == second["Subject"].strip() == subject
    newcomer = seeded.test_client()
    assert newcomer.get(mail_link(first)).status_code == 410  # the newer invitation replaced it
    assert newcomer.get(mail_link(second)).status_code == 200
