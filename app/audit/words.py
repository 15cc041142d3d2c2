"""An audit row as a coordinator reads it, in the reader's language: one sentence, with links on a page.

The sentences are the ``audit_sentence`` vocabulary (``models/vocabulary.py``), worded through
:func:`app.i18n.label`. Who acted is named by their account's name (or email); a contact person's
details never appear: events name contacts by id only. Whether the actor may be named follows
:func:`app.people.queries.can_see_contacts`, the rule that guards people's names everywhere.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, time

from babel.dates import format_date, format_time
from flask import url_for
from flask_babel import get_locale, get_timezone, gettext
from markupsafe import Markup, escape
from sqlite_utils import Database

from app.i18n import city_label, label, select_timezone, zone_label
from app.people.queries import can_see_contacts
from models.vocabulary import AUDIT_SENTENCE_LABELS, N_, STAFF_ROLES

_VARIANT = {
    "pairing.decided": "decision",
    "stance.set": "kind",
    "host.answered": "answer",
    "organisation.imported": "change",
    "user.password_changed": "how",
}


class Reader:
    """Who reads the log, with what they may see remembered per organisation, and the words and
    times of their language remembered too: an export words 100,000 rows with a few dozen lookups."""

    def __init__(self, db: Database, viewer) -> None:
        self.db = db
        self.viewer = viewer
        self._names: dict[int | None, bool] = {}
        self._words: dict[tuple[str, str], str] = {}
        self._zone = get_timezone()
        self._suffix = f" ({zone_label(select_timezone())})"

    def label(self, kind: str, code: str) -> str:
        """:func:`app.i18n.label`, remembered."""
        key = (kind, code)
        if key not in self._words:
            self._words[key] = label(kind, code)
        return self._words[key]

    def city(self, name: str | None) -> str:
        """:func:`app.i18n.city_label` ("Quebec City" in English), remembered; nothing for no city."""
        key = ("city", name or "")
        if key not in self._words:
            self._words[key] = city_label(name) if name else ""
        return self._words[key]

    def text(self, message: str) -> str:
        """A fixed message of this module in the reader's language, remembered."""
        key = ("", message)
        if key not in self._words:
            self._words[key] = gettext(message)
        return self._words[key]

    def when(self, value: str) -> str:
        """:func:`app.i18n.when` (day, time and zone), with days and times remembered."""
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        local = moment.astimezone(self._zone)
        return f"{self._day(local.date())}, {self._time(local.hour, local.minute)}{self._suffix}"

    @functools.lru_cache(maxsize=4096)  # noqa: B019 (one reader lives for one request)
    def _day(self, day: date) -> str:
        return format_date(day, "medium", locale=get_locale())

    @functools.lru_cache(maxsize=2048)  # noqa: B019
    def _time(self, hour: int, minute: int) -> str:
        return format_time(time(hour, minute), "short", locale=get_locale())

    def may_name(self, row: dict) -> bool:
        """Whether the actor's name may be shown: their own account, or the people rule allows it."""
        if row["actor_id"] == self.viewer.id or self.viewer.role in STAFF_ROLES:
            return True
        org_id = row["actor_org_id"]
        if org_id not in self._names:
            self._names[org_id] = org_id is not None and can_see_contacts(self.db, self.viewer, org_id)
        return self._names[org_id]


def sentence_code(row: dict) -> str:
    """The key of the row's sentence: the event name, or name:variant when the data picks the verb."""
    variant = _VARIANT.get(row["name"])
    if variant:
        code = f"{row['name']}:{row['data'].get(variant)}"
        if code in AUDIT_SENTENCE_LABELS:
            return code
    return row["name"]


def actor(row: dict, reader: Reader) -> str:
    """Who acted, in words."""
    if row["actor_id"] is None:
        return reader.text(N_("The command line or a deleted account"))
    if not reader.may_name(row):
        return reader.text(N_("A member of the organisation"))
    return row["actor_name"] or row["actor_email"] or reader.text(N_("A deleted account"))


def _params(row: dict, reader: Reader) -> dict[str, str]:
    def org(name: str | None) -> str:
        return name or reader.text(N_("a deleted organisation"))

    data = row["data"]
    role, status, mode = data.get("role"), data.get("status"), data.get("mode")
    return {
        "actor": actor(row, reader),
        "org": org(row["org_a_name"]),
        "partner": org(row["org_b_name"]),
        "pair": f"{org(row['org_a_name'])} – {org(row['org_b_name'])}",
        "track": reader.label("track", row["track"]).lower() if row["track"] else "",
        "trip": row["trip_name"] or reader.text(N_("a deleted trip")),
        "account": row["account_name"] or row["account_email"] or reader.text(N_("a deleted account")),
        "role": reader.label("role", role).lower() if role else "",
        "status": reader.label("org_status", status).lower() if status else "",
        "city_a": reader.city(data.get("city_a")),
        "city_b": reader.city(data.get("city_b")),
        "minutes": str(data.get("minutes", "")),
        "mode": reader.label("travel_mode", mode).lower() if mode else "",
    }


def sentence(row: dict, reader: Reader) -> str:
    """The row as one plain sentence (the CSV's, the API's)."""
    code = sentence_code(row)
    if code not in AUDIT_SENTENCE_LABELS:
        return row["name"]  # an event this version does not word yet: its code, never a 500
    return reader.label("audit_sentence", code) % _params(row, reader)


def sentence_html(row: dict, reader: Reader) -> Markup:
    """The row as a sentence whose subject links to its page (every subject is a staff reader's)."""
    code = sentence_code(row)
    if code not in AUDIT_SENTENCE_LABELS:
        return escape(row["name"])
    params: dict[str, object] = _params(row, reader)
    links = {
        "pairing": ("pair", "coordination.show", "pairing_id"),
        "trip": ("trip", "trips.show", "trip_id"),
        "request": ("track", "introductions.show", "request_id"),
        "organisation": ("org", "orgs.show", "org_id"),
    }
    target = links.get(row["subject_kind"])
    exists = row["trip_name"] if row["subject_kind"] == "trip" else row["org_a_name"]
    if target and exists:
        name, endpoint, key = target
        url = url_for(endpoint, **{key: row["subject_id"]})
        params[name] = Markup('<a href="{}">{}</a>').format(url, params[name])
    if row["subject_kind"] == "user" and reader.viewer.role == "admin" and row["account_email"]:
        url = url_for("admin.edit", user_id=row["subject_id"])
        params["account"] = Markup('<a href="{}">{}</a>').format(url, params["account"])
    return Markup(escape(reader.label("audit_sentence", code))) % params
