"""The notification events, defined once: code -> title and sentence, in English for the catalogue.

French wording avoids "de" before an organisation's name (it would need "d'" before a vowel):
the name is the subject of the sentence or stands in parentheses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from babel.dates import format_datetime
from flask import url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from app.i18n import label
from models.vocabulary import REQUEST_ANSWER_WORDS


@dataclass(frozen=True)
class Event:
    title: object  # a lazy string
    text: object  # a lazy string with %(name)s parameters


EVENTS: dict[str, Event] = {
    "request_received": Event(
        _l("New request from %(org)s"), _l("%(org)s sends %(partner)s a request: %(track)s.")
    ),
    "request_answered": Event(
        _l("%(partner)s answered the request"),
        _l("%(partner)s answered the request sent by %(org)s (%(track)s): %(answer)s."),
    ),
    "request_withdrawn": Event(
        _l("Request withdrawn"), _l("%(org)s withdrew its request to %(partner)s (%(track)s).")
    ),
    "mutual_interest": Event(
        _l("Mutual interest"), _l("%(org)s and %(partner)s are both interested: %(track)s.")
    ),
    "pairing_approved": Event(
        _l("Pairing approved"),
        _l("The coordinators approved the pairing %(org)s – %(partner)s (%(track)s)."),
    ),
    "pairing_rejected": Event(
        _l("Pairing not kept"),
        _l("The coordinators did not keep the pairing %(org)s – %(partner)s (%(track)s)."),
    ),
    "meeting_published": Event(
        _l("New delegation meeting"),
        _l("%(org)s meets %(partner)s on %(when)s in %(city)s (%(trip)s)."),
    ),
    "meeting_changed": Event(
        _l("Delegation meeting changed"),
        _l("The meeting %(org)s – %(partner)s is now on %(when)s in %(city)s (%(trip)s)."),
    ),
    "meeting_cancelled": Event(
        _l("Delegation meeting cancelled"),
        _l("The meeting %(org)s – %(partner)s planned in %(city)s is cancelled (%(trip)s)."),
    ),
    "meeting_accepted": Event(
        _l("Delegation meeting confirmed"),
        _l("%(partner)s confirmed the meeting with %(org)s on %(when)s in %(city)s (%(trip)s)."),
    ),
    "meeting_declined": Event(
        _l("Another slot proposed"),
        _l("%(partner)s proposes another slot for the meeting with %(org)s of %(when)s (%(trip)s)."),
    ),
    "followup_due": Event(
        _l("How did the meeting go?"),
        _l("Tell the coordinators how the meeting %(org)s – %(partner)s of %(when)s went (%(trip)s)."),
    ),
}


def _words(params: dict) -> dict:
    """The parameters as the reader reads them: codes as labels, dates in the reader's language."""
    words = {key: str(value) for key, value in params.items()}
    for key in ("org", "partner", "trip", "city", "track", "when", "answer"):
        words.setdefault(key, "?")
    if params.get("track"):
        words["track"] = label("track", params["track"])
    if params.get("answer") in REQUEST_ANSWER_WORDS:
        words["answer"] = label("request_answer", params["answer"])
    if params.get("when"):
        try:
            moment = datetime.fromisoformat(params["when"])
        except ValueError:
            pass
        else:
            words["when"] = format_datetime(moment, "d MMMM y, HH:mm", locale=str(get_locale() or "fr"))
    return words


def title(event: str, params: dict) -> str:
    """The short title of a notification, in the current language."""
    return str(EVENTS[event].title) % _words(params)


def sentence(event: str, params: dict) -> str:
    """The sentence of a notification, in the current language (plain text)."""
    return str(EVENTS[event].text) % _words(params)


def link(event: str, params: dict, reader_org_ids: tuple[int, ...] | list[int]) -> str:
    """The page a notification opens for a reader who belongs to ``reader_org_ids`` (a path)."""
    if params.get("path"):
        return params["path"]
    if event.startswith("meeting_"):
        mine = [org_id for org_id in params.get("org_ids", []) if org_id in reader_org_ids]
        if mine:
            return url_for("trips.org_meetings", org_id=mine[0])
    if event in ("mutual_interest", "pairing_approved", "pairing_rejected") and reader_org_ids:
        return url_for("members.home")
    return url_for("notifications.index")


def shown(row: dict, reader_org_ids: tuple[int, ...] | list[int]) -> dict:
    """A stored notification as its reader sees it, in the current language: with its ``title``,
    ``text`` and ``link`` (the list page and the API show these)."""
    event, params = row["event"], row["params"]
    return {
        **row,
        "title": title(event, params),
        "text": sentence(event, params),
        "link": link(event, params, reader_org_ids),
    }
