"""One iCalendar file per delegate: the meetings of a trip, ready for any calendar app.

An event's UID is the meeting's own ``uid`` and its SEQUENCE the meeting's ``sequence``, so importing
a re-exported plan updates the events already in the calendar instead of adding copies; a cancelled
meeting is sent with STATUS:CANCELLED so that the app removes it. Times carry their IANA zone
(``DTSTART;TZID=America/Montreal``) and the file holds the matching VTIMEZONE definitions.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event

from models.exports.tables import one_line
from models.exports.types import ExportMeeting, ExportTrip
from models.exports.words import Words, words_for

PRODID = "-//BIOVALIANCE//Passerelle delegation trips//FR"


def delegate_calendars(
    trip: ExportTrip, locale: str = "fr", *, stamp: datetime | None = None
) -> dict[str, bytes]:
    """Every delegate's calendar, keyed by :attr:`ExportMeeting.delegate_key`."""
    keys = dict.fromkeys(meeting.delegate_key for meeting in trip.meetings)
    return {key: delegate_ics(trip, key, locale, stamp=stamp) for key in keys}


def delegate_ics(
    trip: ExportTrip, delegate_key: str, locale: str = "fr", *, stamp: datetime | None = None
) -> bytes:
    """The VCALENDAR of one delegate's meetings; ``stamp`` (DTSTAMP) defaults to the publication time."""
    meetings = [m for m in trip.meetings if _same_delegate(m, delegate_key)]
    if not meetings:
        known = ", ".join(sorted({m.delegate_key for m in trip.meetings})) or "none"
        raise ValueError(f"trip {trip.id} has no meeting for delegate {delegate_key!r}; delegates: {known}")
    stamp = _utc(stamp or trip.published_at or datetime.now(UTC))
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    # X- properties are written raw: a newline would break the file, a bare CR would be kept.
    calendar.add("x-wr-calname", one_line(f"{trip.name} – {meetings[0].delegate_name}"))
    words = words_for(locale)
    for meeting in sorted(meetings, key=lambda m: (m.start, m.uid)):
        calendar.add_component(_event(meeting, words, stamp))
    # The zones' rules from a year before the trip to a year after it: enough for any app.
    calendar.add_missing_timezones(
        first_date=trip.start - timedelta(days=366), last_date=trip.end + timedelta(days=366)
    )
    return calendar.to_ical()


def _same_delegate(meeting: ExportMeeting, key: str) -> bool:
    wanted = key.strip()
    return meeting.delegate_key in (wanted, wanted.lower())


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _event(meeting: ExportMeeting, words: Words, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", meeting.uid)
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", meeting.local_start)
    event.add("dtend", meeting.local_end)
    event.add("summary", one_line(words.gettext("Meeting with %(host)s", host=meeting.host.short_name)))
    event.add("location", one_line(", ".join(part for part in (meeting.host.name, meeting.city) if part)))
    event.add("description", _description(meeting, words))
    event.add("status", "CANCELLED" if meeting.cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    return event


def _description(meeting: ExportMeeting, words: Words) -> str:
    lines = [
        one_line(words.reason(meeting.reason, meeting.delegation.short_name, meeting.host.short_name)),
        words.track_and_score(meeting.track, meeting.score),
        f"{meeting.delegation.name} – {meeting.host.name}",
    ]
    if meeting.contacts:
        lines.append(words.labelled(words.gettext("Contacts"), "; ".join(meeting.contacts)))
    lines.append(meeting.trip_name)
    # Each part on one line (a CR or LF inside one would split it): the file's lines are ours.
    return "\n".join(one_line(line) for line in lines if one_line(line))
