"""API views on an organisation's contact persons: the list, one entry, add, change, remove.

Reading follows the privacy rule (``app.people.queries.can_see_contacts``), as the profile page does;
writing is for those who edit the organisation on the web (its members, coordinators and
administrators: ``get_org_or_404``). The checks of an entry and its audit events are the web form's,
in ``app.operations.people``.
"""

from __future__ import annotations

from flask import jsonify, url_for
from flask_login import current_user

from app.api.payloads import Field, checked, json_body, page_args, page_of
from app.auth.access import get_org_or_404
from app.db import get_db
from app.operations import people
from app.people.queries import CONTACT_FIELDS, contact_json, visible_contacts

# Every field may be left out: the operation says which a new contact needs, and judges the values.
CONTACT_BODY = {
    field: Field(list, required=False, items=str, empty=True)
    if field in people.CODES
    else Field(str, required=False)
    for field in CONTACT_FIELDS
}


def list_contacts(org_id: int):
    """The organisation's contact persons, by name, paged; none while the privacy rule hides them
    (``visible`` says which)."""
    get_org_or_404(org_id, check_member=False)
    contacts = visible_contacts(get_db(), current_user, org_id)
    page, per_page = page_args()
    shown = [contact_json(c) for c in (contacts or [])[(page - 1) * per_page : page * per_page]]
    return page_of(shown, len(contacts or []), page, per_page, visible=contacts is not None)


def show_contact(org_id: int, contact_id: int):
    """One contact person, for a viewer the privacy rule lets see the organisation's contacts."""
    get_org_or_404(org_id, check_member=False)
    contact = people.contact_to_show(get_db(), current_user, org_id, contact_id)
    return jsonify(ok=True, contact=contact_json(contact))


def add_contact(org_id: int):
    """Add a contact person, as the profile page's form does: 201, the entry and its address."""
    get_org_or_404(org_id)
    body = checked(json_body(), CONTACT_BODY)
    contact = people.add_contact(get_db(), current_user, org_id, body)
    response = jsonify(ok=True, contact=contact_json(contact))
    response.status_code = 201
    response.headers["Location"] = url_for("api.show_contact", org_id=org_id, contact_id=contact["id"])
    return response


def change_contact(org_id: int, contact_id: int):
    """Change some fields of a contact person (the others stay as they are)."""
    get_org_or_404(org_id)
    body = checked(json_body(), CONTACT_BODY, not_empty=True)
    contact = people.change_contact(get_db(), current_user, org_id, contact_id, body)
    return jsonify(ok=True, contact=contact_json(contact))


def remove_contact(org_id: int, contact_id: int):
    """Remove a contact person: 204."""
    get_org_or_404(org_id)
    people.remove_contact(get_db(), current_user, org_id, contact_id)
    return "", 204
