"""Contact persons through the API: read under the privacy rule, written by those who edit the
organisation on the web, refused with the web form's words, audited with the web's events."""

from __future__ import annotations

import pytest
from conftest import actor, bearer, org_id, page_text

from app.coordination.queries import ensure_pairing
from app.operations.pairings import decide
from app.people.queries import contacts_of, save_contact
from models.errors import Forbidden, NotFound

CONTACT = {
    "name": "  Camille Exemple ",
    "role": "Responsable des partenariats",
    "email": "Camille@EFS.example.org",
    "phone": "+33 3 00 00 00 01",
    "languages": ["en", "fr"],
    "tracks": ["co_training"],
}
SECRET = {"name": "Zéphyrine Confidentielle", "email": "zephyrine@thecell.example.org", "role": "Direction"}


def _written(db) -> tuple:
    """What a write changes: every contact entry and the events table."""
    return list(db.query("SELECT * FROM contacts ORDER BY id")), db.table("events").count


def _contact_events(db) -> list[tuple]:
    rows = db.query("SELECT name, actor_id, data FROM events WHERE name LIKE 'contact.%' ORDER BY id")
    return [(row["name"], row["actor_id"], row["data"]) for row in rows]


def test_a_member_adds_changes_and_removes_a_contact_as_on_the_web(seeded, client, db, api_tokens):
    efs, member = org_id(db, "EFS BFC"), bearer(api_tokens["member_bfc"])
    added = client.post(f"/api/v1/organisations/{efs}/contacts", json=CONTACT, headers=member)
    assert added.status_code == 201
    contact = added.json["contact"]
    assert added.headers["Location"] == f"/api/v1/organisations/{efs}/contacts/{contact['id']}"
    assert contact == {
        "id": contact["id"],
        "org_id": efs,
        "name": "Camille Exemple",  # stored as the web stores it: no spaces around, address in lower case
        "role": "Responsable des partenariats",
        "email": "camille@efs.example.org",
        "phone": "+33 3 00 00 00 01",
        "languages": ["fr", "en"],  # the form's order
        "tracks": ["co_training"],
    }
    assert client.get(added.headers["Location"], headers=member).json["contact"] == contact
    listed = client.get(f"/api/v1/organisations/{efs}/contacts", headers=member).json
    assert (listed["items"], listed["total"], listed["visible"]) == ([contact], 1, True)

    changed = client.patch(added.headers["Location"], json={"role": "Directrice"}, headers=member)
    assert changed.status_code == 200 and changed.json["contact"] == contact | {"role": "Directrice"}
    assert client.delete(added.headers["Location"], headers=member).status_code == 204
    assert (
        contacts_of(db, efs) == []
        and client.get(added.headers["Location"], headers=member).status_code == 404
    )

    # The web's form writes the same events: who acted, the entry by id, never the person's details.
    user = seeded.user_ids["member_bfc"]
    data = f'{{"contact_id": {contact["id"]}}}'
    expected = [
        ("contact.added", user, data),
        ("contact.changed", user, data),
        ("contact.removed", user, data),
    ]
    assert _contact_events(db) == expected


def test_members_of_another_organisation_and_anonymous_callers_change_nothing(seeded, client, db, api_tokens):
    efs, thecell = org_id(db, "EFS BFC"), org_id(db, "ThéCell")
    theirs = save_contact(db, thecell, SECRET)
    other, before = bearer(api_tokens["member_bfc"]), _written(db)
    one = f"/api/v1/organisations/{thecell}/contacts/{theirs}"
    assert (
        client.post(f"/api/v1/organisations/{thecell}/contacts", json=CONTACT, headers=other).status_code
        == 403
    )
    assert client.patch(one, json={"role": "Stagiaire"}, headers=other).status_code == 403
    assert client.delete(one, headers=other).status_code == 403
    assert client.post(f"/api/v1/organisations/{thecell}/contacts", json=CONTACT).status_code == 401
    assert client.patch(one, json={"role": "Stagiaire"}).status_code == 401
    assert client.delete(one).status_code == 401
    assert client.get(one).status_code == 401
    # A contact of another organisation, through one's own, is no contact of it: 404.
    mine = f"/api/v1/organisations/{efs}/contacts/{theirs}"
    assert [client.get(mine, headers=other).status_code, client.delete(mine, headers=other).status_code] == [
        404,
        404,
    ]
    assert client.patch(mine, json={"role": "Stagiaire"}, headers=other).status_code == 404
    assert (
        client.post("/api/v1/organisations/999999/contacts", json=CONTACT, headers=other).status_code == 404
    )
    assert _written(db) == before


def test_coordinators_edit_any_organisations_contacts(seeded, client, db, api_tokens):
    thecell, coordinator = org_id(db, "ThéCell"), bearer(api_tokens["coordinator"])
    added = client.post(f"/api/v1/organisations/{thecell}/contacts", json=CONTACT, headers=coordinator)
    assert added.status_code == 201
    changed = client.patch(added.headers["Location"], json={"phone": " ", "tracks": []}, headers=coordinator)
    assert (changed.json["contact"]["phone"], changed.json["contact"]["tracks"]) == ("", [])
    assert client.delete(added.headers["Location"], headers=coordinator).status_code == 204
    names = [name for name, user, _data in _contact_events(db) if user == seeded.user_ids["coordinator"]]
    assert names == ["contact.added", "contact.changed", "contact.removed"]


def test_bad_values_are_refused_field_by_field_with_the_web_forms_words(member, client, db, api_tokens):
    efs, token = org_id(db, "EFS BFC"), bearer(api_tokens["member_bfc"])
    bad = {"name": " ", "email": "not an address", "phone": "call me", "languages": ["de"], "role": "x" * 201}
    refused = client.post(f"/api/v1/organisations/{efs}/contacts", json=bad, headers=token)
    assert refused.status_code == 422
    assert [(e["field"], e["message"]) for e in refused.json["errors"]] == [
        ("name", "Fill in the name."),
        ("role", "At most 200 characters, please."),
        ("email", "Give an email address such as name@example.org."),
        ("phone", "Give a phone number: digits, spaces, + ( ) . -"),
        ("languages", "Choose the languages among those offered."),
    ]
    assert refused.json["error"].startswith("The contact person was not saved: Fill in the name.")
    # The web's form refuses the same values with the same words, under each field.
    page = page_text(member.post(f"/organisations/{efs}/contacts/new", data=bad))
    for item in refused.json["errors"]:
        assert item["message"] in page
    missing = client.post(f"/api/v1/organisations/{efs}/contacts", json={"name": "Ana"}, headers=token)
    assert [(e["field"], e["message"]) for e in missing.json["errors"]] == [
        ("email", "Fill in the email address.")
    ]
    unknown = client.post(
        f"/api/v1/organisations/{efs}/contacts", json=CONTACT | {"consent": True}, headers=token
    )
    assert unknown.status_code == 422 and unknown.json["errors"][0]["field"] == "consent"
    typed = client.post(
        f"/api/v1/organisations/{efs}/contacts", json=CONTACT | {"tracks": "event"}, headers=token
    )
    assert typed.status_code == 422 and typed.json["errors"][0]["field"] == "tracks"
    assert contacts_of(db, efs) == []

    kept = client.post(f"/api/v1/organisations/{efs}/contacts", json=CONTACT, headers=token).headers[
        "Location"
    ]
    before = _written(db)
    assert client.patch(kept, json={}, headers=token).status_code == 422
    refused = client.patch(kept, json={"email": "", "tracks": ["juggling"]}, headers=token)
    assert [(e["field"], e["message"]) for e in refused.json["errors"]] == [
        ("email", "Fill in the email address."),
        ("tracks", "Choose the kinds of collaboration among those offered."),
    ]
    assert _written(db) == before


def test_reads_follow_the_privacy_rule(seeded, client, db, api_tokens):
    efs, thecell = org_id(db, "EFS BFC"), org_id(db, "ThéCell")
    secret = save_contact(db, thecell, SECRET)
    listing, one = (
        f"/api/v1/organisations/{thecell}/contacts",
        f"/api/v1/organisations/{thecell}/contacts/{secret}",
    )
    unlinked = bearer(api_tokens["member_bfc"])
    hidden = client.get(listing, headers=unlinked)
    assert hidden.status_code == 200 and (
        hidden.json["items"],
        hidden.json["total"],
        hidden.json["visible"],
    ) == (
        [],
        0,
        False,
    )
    refused = client.get(one, headers=unlinked)
    assert refused.status_code == 403
    unknown = client.get(f"{listing}/999999", headers=unlinked)
    assert unknown.status_code == 403  # whatever the id: which ids are ThéCell's is not told either
    assert "only once your organisations are linked" in refused.json["error"]
    assert SECRET["name"].encode() not in hidden.get_data() + refused.get_data()
    for who in ("coordinator", "admin", "member_qc"):  # and ThéCell's own members
        assert client.get(one, headers=bearer(api_tokens[who])).json["contact"]["name"] == SECRET["name"], who

    pairing = ensure_pairing(db, efs, thecell, "event", "engine", 0.7)
    decide(db, actor(seeded, "coordinator"), pairing, "approve", "Bon appariement", "proposed")
    shown = client.get(listing, headers=unlinked).json
    assert [c["name"] for c in shown["items"]] == [SECRET["name"]] and shown["visible"] is True
    assert client.get(one, headers=unlinked).status_code == 200
    assert client.get(one, headers=bearer(api_tokens["member_other"])).status_code == 403  # not linked


def test_lists_are_paged_by_name(seeded, client, db, api_tokens):
    efs, member = org_id(db, "EFS BFC"), bearer(api_tokens["member_bfc"])
    for name in ("Chloé", "ana", "Bruno"):
        save_contact(db, efs, {"name": name, "email": f"{name.lower()}@example.org"})
    first = client.get(f"/api/v1/organisations/{efs}/contacts?per_page=2", headers=member).json
    assert [c["name"] for c in first["items"]] == ["ana", "Bruno"] and first["total"] == 3
    second = client.get(first["next"], headers=member).json
    assert [c["name"] for c in second["items"]] == ["Chloé"] and second["next"] is None


def test_the_operation_checks_who_acts_whatever_calls_it(seeded, db):
    from app.operations import people

    efs, thecell = org_id(db, "EFS BFC"), org_id(db, "ThéCell")
    theirs = save_contact(db, thecell, SECRET)
    before, other = _written(db), actor(seeded, "member_other")
    with pytest.raises(Forbidden, match="may not act"):
        people.add_contact(db, other, efs, CONTACT)
    with pytest.raises(Forbidden, match="may not act"):
        people.change_contact(db, other, thecell, theirs, {"role": "Stagiaire"})
    with pytest.raises(Forbidden, match="may not act"):
        people.remove_contact(db, other, thecell, theirs)
    with pytest.raises(NotFound, match="has no contact"):  # ThéCell's, through EFS
        people.remove_contact(db, actor(seeded, "member_bfc"), efs, theirs)
    assert _written(db) == before
