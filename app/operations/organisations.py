"""Organisations: adding one (coordinators), updating a profile (its members, coordinators).

Both check the whole profile against the import contract, refuse a short name another organisation
uses and a region change while pairings exist, then write, with the event and an engine job
(``app.engine_jobs``), in one transaction, and return at once: the worker re-embeds that profile and
assigns its topics, and the pages say meanwhile that its suggestions are being updated.

A profile's second-language version (``translations``) is shown, never embedded: saving it alone
(:func:`save_translation`, or a PATCH holding only ``translations``) writes its event and no engine job.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlite_utils import Database

from app import engine_jobs, matching
from app.db import immediate
from app.operations import record_event, require_role
from app.orgs import queries
from models.errors import Conflict, Forbidden, InvalidInput, NotFound, StaleState
from models.profiles import (
    EXPORT_FIELDS,
    SAME_LANGUAGE,
    TEXT_FIELDS,
    TRANSLATIONS,
    validate_profile,
    validate_translation,
)
from models.vocabulary import ORG_STATUSES, STAFF_ROLES

CREATORS = STAFF_ROLES
PLACE_FIELDS = ("address", "access_notes")


@dataclass(frozen=True)
class Saved:
    """An organisation written: its id, and whether its suggestions wait for the worker."""

    org_id: int
    suggestions_pending: bool


def create_organisation(db: Database, actor, raw: Mapping) -> Saved:
    """Add an organisation from a complete profile in the import format."""
    require_role(actor, *CREATORS)
    record = _valid(raw)
    with immediate(db):
        _check_short_name(db, record["short_name"], None)
        try:
            org_id = queries.create_organisation(db, record)
        except sqlite3.IntegrityError:  # created by another process between the check and the insert
            raise _taken(record["short_name"]) from None
        record_event(db, actor, "organisation.created", f"organisation:{org_id}")
        engine_jobs.request(db, org_id)
    return Saved(org_id, not engine_jobs.after_save(db, org_id))


def update_profile(
    db: Database,
    actor,
    org_id: int,
    changes: Mapping,
    *,
    expected_updated_at: str | None = None,
    topic_ids: Iterable[str] | None = None,
    place: Mapping[str, str] | None = None,
) -> Saved:
    """Change some fields of a profile (the rest is kept) and, if given, its hand-picked topics and
    its place (``address``, ``access_notes``: not part of the import format).

    ``expected_updated_at``: the version the person edited; a newer save meanwhile raises StaleState.
    """
    org = org_to_act_for(db, actor, org_id)
    record = _valid({field: org[field] for field in EXPORT_FIELDS} | dict(changes))
    if set(changes) == {TRANSLATIONS} and topic_ids is None and not place:
        return _save_translations(db, actor, org_id, record[TRANSLATIONS], expected_updated_at)
    with immediate(db):
        # Checked under the write lock: of two saves of one version, only the first may pass.
        current = queries.get_organisation(db, org_id)
        if expected_updated_at is not None and current["updated_at"] != expected_updated_at:
            raise StaleState(f"organisation {org_id} changed", code="stale_profile")
        _check_short_name(db, record["short_name"], org_id)
        if TRANSLATIONS not in record and record["text_language"] in queries.translations_of(db, org_id):
            raise Conflict("a second version is in that language", code="translation_in_text_language")
        if record["region"] != current["region"] and _has_pairings(db, org_id):
            raise Conflict("pairings hold the region", code="region_locked", field="region")
        if record["status"] != current["status"]:  # the status is the coordinators' to set
            if actor.role not in STAFF_ROLES:
                raise Forbidden("only staff change a status", code="status_staff_only", field="status")
            queries.write_status(db, org_id, record["status"], actor.id)
        queries.update_organisation(db, org_id, record)
        if place:
            db.table("organisations").update(
                org_id, {key: place[key] for key in PLACE_FIELDS if key in place}
            )
        if topic_ids is not None:
            matching.set_org_topics(db, org_id, list(topic_ids))
        changed = sorted(field for field in EXPORT_FIELDS if record[field] != current[field])
        if TRANSLATIONS in record:
            queries.write_translations(db, org_id, record[TRANSLATIONS], actor.id)
            changed.append(TRANSLATIONS)
        record_event(db, actor, "organisation.updated", f"organisation:{org_id}", fields=changed)
        engine_jobs.request(db, org_id)
    return Saved(org_id, not engine_jobs.after_save(db, org_id))


def save_translation(
    db: Database, actor, org_id: int, lang: str, texts: Mapping, *, expected_updated_at: str | None = None
) -> Saved:
    """Write (or, when every text is empty, remove) the profile's version in ``lang``, the language
    it is not written in; audited, never embedded: no engine job."""
    org = org_to_act_for(db, actor, org_id)
    if not any((texts.get(field) or "").strip() for field in TEXT_FIELDS):
        versions = {k: v for k, v in queries.translations_of(db, org_id).items() if k != lang}
        return _save_translations(db, actor, org_id, versions, expected_updated_at)
    clean, problems = validate_translation(dict(texts), lang, org["text_language"])
    _refuse(problems)
    versions = queries.translations_of(db, org_id) | {lang: clean}
    return _save_translations(db, actor, org_id, versions, expected_updated_at)


def _save_translations(
    db: Database, actor, org_id: int, versions: Mapping, expected_updated_at: str | None
) -> Saved:
    with immediate(db):
        current = queries.get_organisation(db, org_id)
        if expected_updated_at is not None and current["updated_at"] != expected_updated_at:
            raise StaleState(f"organisation {org_id} changed", code="stale_profile")
        queries.write_translations(db, org_id, versions, actor.id)
        record_event(
            db, actor, "organisation.translation_saved", f"organisation:{org_id}", languages=sorted(versions)
        )
    return Saved(org_id, engine_jobs.is_pending(db, org_id))


def org_to_act_for(db: Database, actor, org_id: int) -> dict:
    """The organisation, if the actor may act for it; NotFound, or Forbidden (``not_a_member``)."""
    org = queries.get_organisation(db, org_id)
    if org is None:
        raise NotFound(f"there is no organisation {org_id}", code="organisation_not_found")
    if not actor.may_act_for(org_id):
        raise Forbidden(f"user {actor.id} may not act for organisation {org_id}", code="not_a_member")
    return org


def set_status(db: Database, actor, org_id: int, status: str) -> bool:
    """Mark an organisation active, closed or unverified (coordinators, administrators), audited;
    False when it already had that status."""
    require_role(actor, *STAFF_ROLES)
    if status not in ORG_STATUSES:
        raise InvalidInput(f"unknown status {status!r}", code="unknown_org_status", field="status")
    with immediate(db):
        if queries.get_organisation(db, org_id) is None:
            raise NotFound(f"there is no organisation {org_id}", code="organisation_not_found")
        changed = queries.write_status(db, org_id, status, actor.id)
        if changed:
            record_event(db, actor, "organisation.status_changed", f"organisation:{org_id}", status=status)
    return changed


def _valid(raw: Mapping) -> dict:
    record, problems = validate_profile(raw)
    _refuse(problems)
    return record


def _refuse(problems: list[str]) -> None:
    """InvalidInput naming every problem; Conflict when the only one is a version in the language the
    texts are already written in (it clashes with ``text_language``, stored or given)."""
    if problems and all(SAME_LANGUAGE in problem for problem in problems):
        raise Conflict(problems[0], code="translation_in_text_language", field=TRANSLATIONS)
    if problems:
        raise InvalidInput(f"{len(problems)} problem(s)", code="invalid_profile", problems=problems)


def _check_short_name(db: Database, short_name: str, org_id: int | None) -> None:
    other = queries.short_name_owner(db, short_name)  # any case: "efs bfc" is "EFS BFC"
    if other is not None and other["id"] != org_id:
        raise _taken(short_name)


def _taken(short_name: str) -> Conflict:
    return Conflict(f"{short_name!r} is taken", code="short_name_taken", field="short_name", name=short_name)


def _has_pairings(db: Database, org_id: int) -> bool:
    row = db.execute("SELECT 1 FROM pairings WHERE bfc_org_id = ? OR qc_org_id = ? LIMIT 1", [org_id, org_id])
    return row.fetchone() is not None
