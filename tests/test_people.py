"""People: contact persons on the profile page, consent at first login, "My data" (see, download, delete)."""

from __future__ import annotations

import json

import pytest
from conftest import PASSWORD, TEST_HASH_METHOD, AuthActions, org_id, page_text

from app.introductions import operations as ops
from app.people.queries import consent_due, contacts_of, record_consent
from app.users import create_user

CONTACT = {
    "name": "Camille Exemple",
    "role": "Responsable des partenariats",
    "email": "Camille@EFS.example.org",
    "phone": "+33 3 00 00 00 01",
    "languages": ["fr", "en"],
    "tracks": ["co_training"],
}


def test_members_add_change_and_remove_their_contacts(member, client, db):
    efs = org_id(db, "EFS BFC")
    profile = page_text(client.get(f"/members/{efs}/profile"))
    assert "Contact persons" in profile and "No contact person yet." in profile
    added = member.post(f"/organisations/{efs}/contacts/new", data=CONTACT, follow_redirects=True)
    assert "The contact person Camille Exemple is saved." in page_text(added)
    assert "camille@efs.example.org" in page_text(added)  # e-mail kept in lower case
    [contact] = contacts_of(db, efs)
    assert (contact["languages"], contact["tracks"]) == (["fr", "en"], ["co_training"])

    path = f"/organisations/{efs}/contacts/{contact['id']}"
    assert "Camille Exemple" in page_text(client.get(path))
    member.post(path, data=CONTACT | {"role": "Directrice"})
    assert contacts_of(db, efs)[0]["role"] == "Directrice"
    removed = member.post(f"{path}/delete", follow_redirects=True)
    assert "Camille Exemple is no longer a contact person of EFS BFC." in page_text(removed)
    assert contacts_of(db, efs) == []


def test_contact_forms_refuse_bad_input_and_other_organisations(member, client, db):
    efs, thecell = org_id(db, "EFS BFC"), org_id(db, "ThéCell")
    bad = member.post(f"/organisations/{efs}/contacts/new", data=CONTACT | {"email": "not an address"})
    assert bad.status_code == 400
    assert "Give an email address such as name@example.org." in page_text(bad)
    assert 'value="Camille Exemple"' in bad.get_data(as_text=True)  # what was typed stays
    assert (
        member.post(f"/organisations/{efs}/contacts/new", data=CONTACT | {"phone": "call me"}).status_code
        == 400
    )
    assert contacts_of(db, efs) == []
    assert member.post(f"/organisations/{thecell}/contacts/new", data=CONTACT).status_code == 403
    assert client.get(f"/organisations/{efs}/contacts/999999").status_code == 404
    assert client.get("/organisations/999999/contacts/new").status_code == 404
    from app.people.queries import save_contact

    theirs = save_contact(db, thecell, CONTACT)
    assert client.get(f"/organisations/{efs}/contacts/{theirs}").status_code == 404  # not EFS's
    assert member.post(f"/organisations/{thecell}/contacts/{theirs}/delete").status_code == 403
    assert client.post(f"/organisations/{efs}/contacts/new", data=CONTACT).status_code == 400  # no CSRF
    assert len(contacts_of(db, thecell)) == 1 and contacts_of(db, efs) == []


def test_consent_is_asked_at_first_login_and_recorded_with_its_date(seeded, db):
    user_id = create_user(
        db, "nouvelle@test.example.org", PASSWORD, "member", ["EFS BFC"], hash_method=TEST_HASH_METHOD
    )
    auth = AuthActions(seeded.test_client())
    assert consent_due(db, user_id)
    login = auth.login("nouvelle@test.example.org")
    page = auth.client.get(login.headers["Location"])
    assert page.status_code == 302 and "/account/consent" in page.headers["Location"]
    assert auth.client.get("/organisations/").status_code == 302  # nothing else before it
    notice = page_text(auth.client.get("/account/consent"))
    assert "Vos données personnelles" in notice and "Loi 25" in notice

    token = auth.csrf_token("/account/consent")  # the only page open until the notice is accepted
    refused = auth.client.post("/account/consent", data={"name": "Noa Nouvelle", "csrf_token": token})
    assert refused.status_code == 400 and consent_due(db, user_id)
    assert "Cochez la case pour continuer" in page_text(refused)
    accepted = auth.client.post(
        "/account/consent", data={"name": "Noa Nouvelle", "accept": "y", "csrf_token": token}
    )
    assert accepted.status_code == 302
    name, stamp = db.execute("SELECT name, consent_at FROM users WHERE id = ?", [user_id]).fetchone()
    assert name == "Noa Nouvelle" and stamp[:2] == "20" and "T" in stamp  # an ISO date and time
    assert auth.client.get("/organisations/").status_code == 200
    assert auth.client.get("/account/consent").status_code == 302  # asked once
    record_consent(db, user_id)
    assert db.execute("SELECT consent_at FROM users WHERE id = ?", [user_id]).fetchone()[0] == stamp


def test_my_data_shows_and_downloads_what_is_held(member, client, db, seeded):
    efs, thecell = org_id(db, "EFS BFC"), org_id(db, "ThéCell")
    member.post(f"/organisations/{efs}/contacts/new", data=CONTACT | {"email": "efs@test.example.org"})
    from app.auth.queries import User

    me = User(seeded.user_ids["member_bfc"], "efs@test.example.org", "member", (efs,))
    ops.send_request(db, me, efs, thecell, "event", "visit", "Un message écrit par moi.")
    page = page_text(client.get("/account/data"))
    assert "My data" in page and "efs@test.example.org" in page and "1 request sent" in page
    download = client.get("/account/data.json")
    assert download.mimetype == "application/json"
    assert "attachment" in download.headers["Content-Disposition"]
    data = json.loads(download.get_data(as_text=True))
    assert data["account"]["email"] == "efs@test.example.org" and data["account"]["consent_at"]
    assert [c["name"] for c in data["contact_entries"]] == ["Camille Exemple"]
    assert data["requests_sent"][0]["message"] == "Un message écrit par moi."
    assert "password_hash" not in json.dumps(data)


def test_deleting_my_data_needs_a_confirmation_then_erases_it(member, client, db, seeded):
    efs, thecell = org_id(db, "EFS BFC"), org_id(db, "ThéCell")
    user_id = seeded.user_ids["member_bfc"]
    member.post(f"/organisations/{efs}/contacts/new", data=CONTACT | {"email": "efs@test.example.org"})
    member.post(
        f"/organisations/{efs}/contacts/new", data=CONTACT | {"name": "Autre", "email": "x@example.org"}
    )
    member.post(
        f"/members/{efs}/interest",
        data={"partner_id": thecell, "track": "event", "kind": "not_relevant", "reason": "Mon avis"},
    )
    from app.auth.queries import User

    ops.send_request(db, User(user_id, "", "member", (efs,)), efs, thecell, "event", "visit", "Mon texte")

    unconfirmed = member.post("/account/data/delete")
    assert unconfirmed.status_code == 400 and "Nothing was deleted" in page_text(unconfirmed)
    assert db.execute("SELECT COUNT(*) FROM users WHERE id = ?", [user_id]).fetchone()[0] == 1

    done = member.post("/account/data/delete", data={"confirm": "y"}, follow_redirects=True)
    assert "Your account and your personal data have been deleted." in page_text(done)
    assert db.execute("SELECT COUNT(*) FROM users WHERE id = ?", [user_id]).fetchone()[0] == 0
    assert [c["name"] for c in contacts_of(db, efs)] == ["Autre"]  # a colleague's entry stays
    request = dict(next(db.query("SELECT * FROM requests")))
    assert (request["message"], request["created_by"], request["status"]) == ("", None, "pending")
    stance = dict(next(db.query("SELECT * FROM interests")))
    assert (stance["reason"], stance["user_id"], stance["kind"]) == ("", None, "not_relevant")
    assert client.get("/organisations/").status_code == 302  # logged out
    assert AuthActions(client).login("member_bfc").status_code == 401


def test_the_last_administrator_cannot_delete_their_account(auth, client, db, seeded):
    auth.login("admin")
    client.get("/auth/password?lang=en")
    refused = auth.post("/account/data/delete", data={"confirm": "y"}, follow_redirects=True)
    assert "You are the last administrator" in page_text(refused)
    assert db.execute("SELECT COUNT(*) FROM users WHERE role = 'admin'").fetchone()[0] == 1


@pytest.mark.parametrize("demo", [True])
def test_seed_adds_fictional_demo_contacts_once(runner, db, demo):
    assert runner.invoke(args=["seed", "--demo"]).exit_code == 0
    again = runner.invoke(args=["seed", "--demo"])
    assert "Demo contact persons: 5" in again.output
    emails = [row[0] for row in db.execute("SELECT email FROM contacts")]
    assert len(emails) == 5 and all(email.endswith(".example.org") for email in emails)
