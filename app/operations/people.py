"""Contact persons: the rules of an entry, who may add, change or remove one, who may read one.

The web's contact form (``app/people/routes.py``) and the API (``app/api/contacts.py``) both call
these; the privacy rule itself stays in :func:`app.people.queries.can_see_contacts`. A contact is
checked as typed (:func:`contact_problems`: the patterns below are the OpenAPI document's too), then
stored without the spaces around its values and with its email address in lower case.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from sqlite_utils import Database

from app.db import immediate
from app.operations.organisations import org_to_act_for
from app.people import queries
from models.errors import Forbidden, InvalidInput, NotFound
from models.vocabulary import LANGUAGES, TRACKS

NAME_MAX = ROLE_MAX = 200
EMAIL_MAX = 254
# The OpenAPI document states these patterns as they are. Python's ``\s`` also holds \x1c-\x1f (which
# str.strip() removes), JSON Schema's does not: the classes name them. NAME is searched, the others
# matched whole (``re.fullmatch``: a final line break is no end of the text in JSON Schema either).
NAME = r"[^\s\x1c-\x1f]"  # a name, an address: at least one character that str.strip() keeps
_PART = r"[^@\s\x1c-\x1f]+"
EMAIL = rf"^{_PART}@{_PART}\.{_PART}$"  # an address, for contacts, accounts and delegates alike
PHONE = r"^(?:[\s\x1c-\x1f]*|[0-9+() .\-]{4,40})$"  # none (spaces only), or a number
CODES = {"languages": LANGUAGES, "tracks": TRACKS}  # the lists of codes, and their vocabularies
TEXT_FIELDS = tuple(field for field in queries.CONTACT_FIELDS if field not in CODES)
LIMITS = {"name": NAME_MAX, "role": ROLE_MAX, "email": EMAIL_MAX}
UNKNOWN_CODE = {"languages": "contact_unknown_language", "tracks": "contact_unknown_track"}
NEEDED = {"name": "contact_name_needed", "email": "contact_email_needed"}  # the fields required


def contact_problems(record: Mapping, *, partial: bool = False) -> list[dict]:
    """Every problem of a contact entry as typed, each ``{"code", "field", ...}`` (worded by
    ``app/errors.py``); with ``partial``, only the fields ``record`` holds (a change of some)."""
    problems = [_needed(field) for field in NEEDED if not partial and field not in record]
    for field in queries.CONTACT_FIELDS:  # the form's order
        if field in record:
            problems += _field_problems(field, record[field])
    return problems


def _needed(field: str) -> dict:
    return {"code": NEEDED[field], "field": field}


def _field_problems(field: str, value) -> list[dict]:
    if field in CODES:
        unknown = [code for code in value if code not in CODES[field]]
        return [{"code": UNKNOWN_CODE[field], "field": field}] if unknown else []
    value = value or ""
    if field in NEEDED and not re.search(NAME, value):
        return [_needed(field)]
    problems = []
    limit = LIMITS.get(field)
    if limit is not None and len(value) > limit:
        problems.append({"code": "contact_too_long", "field": field, "n": limit})
    if field == "email" and not re.fullmatch(EMAIL, value):
        problems.append({"code": "contact_email_invalid", "field": field})
    if field == "phone" and not re.fullmatch(PHONE, value):
        problems.append({"code": "contact_phone_invalid", "field": field})
    return problems


def valid_contact(record: Mapping, *, partial: bool = False) -> dict:
    """The entry as stored (values stripped, codes in the vocabulary's order, once each); InvalidInput
    listing every problem (its ``parts``, each with its field) otherwise."""
    problems = contact_problems(record, partial=partial)
    if problems:
        raise InvalidInput(
            f"{len(problems)} problem(s) in the contact person",
            code="invalid_contact",
            field=problems[0]["field"],
            parts=problems,
        )
    clean = {field: (record[field] or "").strip() for field in TEXT_FIELDS if field in record}
    for field, codes in CODES.items():
        if field in record:
            clean[field] = [code for code in codes if code in record[field]]
    return clean


def add_contact(db: Database, actor, org_id: int, record: Mapping) -> dict:
    """Add a contact person to an organisation the actor may act for; the entry as stored.
    NotFound, Forbidden or InvalidInput (every field at fault): nothing written."""
    with immediate(db):
        org_to_act_for(db, actor, org_id)
        contact_id = queries.save_contact(db, org_id, valid_contact(record), actor_id=actor.id)
    return queries.get_contact(db, contact_id)


def change_contact(db: Database, actor, org_id: int, contact_id: int, changes: Mapping) -> dict:
    """Change some fields of one of the organisation's contact persons (the web's form sends them all);
    only the fields given are judged. The entry as stored; refused as :func:`add_contact` is."""
    with immediate(db):
        org_to_act_for(db, actor, org_id)
        current = contact_of(db, org_id, contact_id)
        record = {**current, **valid_contact(changes, partial=True)}
        queries.save_contact(db, org_id, record, contact_id, actor_id=actor.id)
    return queries.get_contact(db, contact_id)


def remove_contact(db: Database, actor, org_id: int, contact_id: int) -> dict:
    """Remove one of the organisation's contact persons; the entry removed."""
    with immediate(db):
        org_to_act_for(db, actor, org_id)
        contact = contact_of(db, org_id, contact_id)
        queries.delete_contact(db, contact_id, actor_id=actor.id)
    return contact


def contact_to_show(db: Database, viewer, org_id: int, contact_id: int) -> dict:
    """One contact person of the organisation, for a viewer the privacy rule lets see its contacts:
    Forbidden (``contacts_hidden``) otherwise, whatever the id; NotFound when it has no such entry."""
    if not queries.can_see_contacts(db, viewer, org_id):
        raise Forbidden(f"organisation {org_id}'s contacts are hidden", code="contacts_hidden")
    return contact_of(db, org_id, contact_id)


def contact_of(db: Database, org_id: int, contact_id: int) -> dict:
    """One contact person of the organisation; NotFound when it has no such entry (another's too)."""
    contact = queries.get_contact(db, contact_id)
    if contact is None or contact["org_id"] != org_id:
        raise NotFound(f"organisation {org_id} has no contact {contact_id}", code="contact_not_found")
    return contact
