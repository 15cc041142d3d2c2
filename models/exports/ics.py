"""One iCalendar file per delegate: the meetings of a trip, ready for any calendar app.

An event's UID is the meeting's own ``uid`` and its SEQUENCE the meeting's ``sequence``, so importing
a re-exported plan updates the events already in the calendar instead of adding copies. STATUS is
TENTATIVE until the host accepts, CONFIRMED after; a cancelled or declined meeting, or one taken from
this delegate (moved to a colleague), is sent with STATUS:CANCELLED so that the app removes it. A
group meeting is in each of its delegates' calendars. Times carry their IANA zone
(``DTSTART;TZID=America/Montreal``) and the file holds the matching VTIMEZONE definitions.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event

from models.cities import city_name
from models.exports.tables import one_line
from models.exports.types import ExportMeeting, ExportTrip
from models.exports.words import Words, words_for

PRODID = "-//BIOVALIANCE//Passerelle delegation trips//FR"


def delegate_calendars(
    trip: ExportTrip, locale: str = "fr", *, stamp: datetime | None = None
) -> dict[str, bytes]:
    """Every delegate's calendar, keyed by :attr:`ExportMeeting.delegate_key`."""
    keys = dict.fromkeys(
        key
        for meeting in trip.meetings
        for key in (meeting.delegate_key, *meeting.guest_keys, *meeting.former_keys)
    )
    return {key: delegate_ics(trip, key, locale, stamp=stamp) for key in keys}


def delegate_ics(
    trip: ExportTrip, delegate_key: str, locale: str = "fr", *, stamp: datetime | None = None
) -> bytes:
    """The VCALENDAR of one delegate's meetings; ``stamp`` (DTSTAMP) defaults to the publication time."""
    key = _key(delegate_key)
    meetings = [m for m in trip.meetings if m.attends(key) or key in m.former_keys]
    if not meetings:
        keys = {k for m in trip.meetings for k in (m.delegate_key, *m.guest_keys)}
        known = ", ".join(sorted(keys)) or "none"
        raise ValueError(f"trip {trip.id} has no meeting for delegate {delegate_key!r}; delegates: {known}")
    return _calendar(trip, meetings, _name_of(meetings[0], key), locale, stamp, key)


def feed_ics(
    trip: ExportTrip,
    title: str,
    locale: str = "fr",
    *,
    delegate_key: str | None = None,
    host_org_id: int | None = None,
    stamp: datetime | None = None,
) -> bytes:
    """A subscription feed: one delegate's meetings or one host's, possibly none yet (an empty calendar)."""
    if delegate_key is not None:
        key = _key(delegate_key)
        meetings = [m for m in trip.meetings if m.attends(key) or key in m.former_keys]
    else:
        key = None
        meetings = [m for m in trip.meetings if m.host.id == host_org_id]
    return _calendar(trip, meetings, title, locale, stamp, key)


def _calendar(
    trip: ExportTrip, meetings: list[ExportMeeting], title: str, locale: str, stamp, key: str | None
) -> bytes:
    stamp = _utc(stamp or trip.published_at or datetime.now(UTC))
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    # X- properties are written raw: a newline would break the file, a bare CR would be kept.
    calendar.add("x-wr-calname", one_line(f"{trip.name} – {title}"))
    words = words_for(locale)
    for meeting in sorted(meetings, key=lambda m: (m.start, m.uid)):
        calendar.add_component(_event(meeting, words, stamp, key))
    # The zones' rules from a year before the trip to a year after it: enough for any app.
    calendar.add_missing_timezones(
        first_date=trip.start - timedelta(days=366), last_date=trip.end + timedelta(days=366)
    )
    return calendar.to_ical()


def _key(key: str) -> str:
    """A delegate key as given (an email in any case, or a name)."""
    wanted = key.strip()
    return wanted.lower() if "@" in wanted else wanted


def _name_of(meeting: ExportMeeting, key: str) -> str:
    return meeting.delegate_name if key == meeting.delegate_key else key


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _event(meeting: ExportMeeting, words: Words, stamp: datetime, key: str | None = None) -> Event:
    event = Event()
    event.add("uid", meeting.uid)
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", meeting.local_start)
    event.add("dtend", meeting.local_end)
    event.add("summary", one_line(words.gettext("Meeting with %(host)s", host=meeting.host.short_name)))
    event.add("location", one_line(location(meeting, words.locale)))
    event.add("description", _description(meeting, words))
    event.add("status", meeting.ics_status(key))
    event.add("transp", "OPAQUE")
    return event


def location(meeting: ExportMeeting, locale: str) -> str:
    """Where a maps app finds the host: its name, its full postal address, else the city in ``locale``."""
    address = ", ".join(part.strip() for part in meeting.host.address.splitlines() if part.strip())
    city = city_name(meeting.city, locale)
    if address and city_name(meeting.city, "fr").casefold() not in address.casefold():
        address = f"{address}, {city}"
    return ", ".join(part for part in (meeting.host.name, address or city) if part)


def _description(meeting: ExportMeeting, words: Words) -> str:
    lines = [
        one_line(words.reason(meeting.reason, meeting.delegation.short_name, meeting.host.short_name)),
        words.track_and_score(meeting.track, meeting.score),
        f"{meeting.delegation.name} – {meeting.host.name}",
    ]
    if meeting.contacts:
        lines.append(words.labelled(words.gettext("Contacts"), "; ".join(meeting.contacts)))
    lines.append(one_line(meeting.host.access_notes))
    lines.append(meeting.trip_name)
    # Each part on one line (a CR or LF inside one would split it): the file's lines are ours.
    return "\n".join(one_line(line) for line in lines if one_line(line))
