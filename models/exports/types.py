"""The plain shapes the exports read: organisations, meetings, trips and pairings, already joined."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from models.cities import city_name
from models.matching.results import Evidence


@dataclass(frozen=True)
class ExportOrg:
    """An organisation as the exports show it: identity, place and the three profile texts."""

    id: int
    short_name: str
    name: str
    region: str  # "BFC" | "QC"
    city: str
    type: str  # a code of models.profiles.ORG_TYPES
    website: str = ""
    expertise: str = ""
    offers: str = ""
    seeks: str = ""
    address: str = ""  # postal address, one or more lines
    access_notes: str = ""  # how to get in (building, floor, desk)
    text_language: str = ""  # what expertise, offers and seeks are written in ("" : unknown)
    # The texts in other languages, written by the organisation: {lang: {field: text}}.
    translations: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def text(self, name: str, locale: str) -> tuple[str, str]:
        """A profile text (``expertise``, ``offers``, ``seeks``) in ``locale`` when the organisation
        wrote that version, else as written; with the language it is in."""
        version = self.translations.get(locale) if self.text_language != locale else None
        if version and version.get(name):
            return version[name], locale
        return getattr(self, name), self.text_language


@dataclass(frozen=True)
class ExportContact:
    """The host's contact person for a meeting, as the pack names them."""

    name: str
    role: str = ""
    email: str = ""
    phone: str = ""

    def line(self) -> str:
        """One line: "Marie Tremblay, research lead, marie@example.org, +1 418 555 0100"."""
        return ", ".join(
            part.strip() for part in (self.name, self.role, self.email, self.phone) if part.strip()
        )


@dataclass(frozen=True)
class ExportMeeting:
    """One meeting of a published plan, with everything a row, a page or a calendar event needs.

    ``uid`` must stay the same for the same meeting across re-exports (say ``trip-3-meeting-17@host``)
    and ``sequence`` must grow each time the meeting changes, so that calendar apps update the event.
    ``evidence`` is seen from the delegation organisation: "own" is the delegation, "partner" the host.
    A cancelled meeting stays in the calendars (STATUS:CANCELLED) and leaves every other export.
    """

    uid: str
    sequence: int
    trip_name: str
    start: datetime  # timezone-aware
    end: datetime  # timezone-aware
    tz: str  # IANA zone of the place, e.g. "America/Montreal"
    city: str
    delegate_name: str
    delegate_email: str
    delegation: ExportOrg
    host: ExportOrg
    track: str
    score: float | None  # 0..1, None when the engine gave none
    reason: str = ""  # one line a person reads
    evidence: Evidence | None = None
    contacts: tuple[str, ...] = ()  # e.g. "Marie Tremblay <marie@example.org>", "+1 418 555 0100"
    cancelled: bool = False
    host_answer: str = "requested"  # "requested" | "accepted" | "declined" (the host's answer)
    guest_keys: tuple[str, ...] = ()  # the other delegates at a group meeting, as delegate keys
    former_keys: tuple[str, ...] = ()  # delegates the meeting was taken from: it is cancelled for them
    host_contact: ExportContact | None = None  # None: none listed, or hidden from the export's reader

    def city_in(self, locale: str) -> str:
        """The meeting's city as a reader of ``locale`` writes it ("Quebec City" in English)."""
        return city_name(self.city, locale)

    def host_address(self, locale: str) -> str:
        """The host's full postal address on one line, ending with the city in ``locale``'s spelling."""
        address = ", ".join(part.strip() for part in self.host.address.splitlines() if part.strip())
        city = self.city_in(locale)
        if not address:
            return city
        if city_name(self.city, "fr").casefold() in address.casefold():
            return address
        return f"{address}, {city}"

    def __post_init__(self) -> None:
        problems = []
        if not self.uid.strip() or any(c in self.uid for c in "\r\n"):
            problems.append(f"uid must be one non-empty line, got {self.uid!r}")
        if self.sequence < 0:
            problems.append(f"sequence must be 0 or more, got {self.sequence}")
        if self.start.tzinfo is None or self.end.tzinfo is None:
            problems.append("start and end must be timezone-aware datetimes")
        elif self.end <= self.start:
            problems.append(f"end ({self.end}) must come after start ({self.start})")
        if self.score is not None and not 0.0 <= self.score <= 1.0:
            problems.append(f"score must be between 0 and 1, got {self.score}")
        try:
            ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(f"tz must be an IANA time zone such as 'Europe/Paris', got {self.tz!r}")
        if problems:
            raise ValueError(f"meeting {self.uid!r}: " + "; ".join(problems))
        object.__setattr__(self, "contacts", tuple(self.contacts))
        object.__setattr__(self, "guest_keys", tuple(self.guest_keys))
        object.__setattr__(self, "former_keys", tuple(self.former_keys))

    @property
    def local_start(self) -> datetime:
        """The start in the meeting's own time zone."""
        return self.start.astimezone(ZoneInfo(self.tz))

    @property
    def local_end(self) -> datetime:
        """The end in the meeting's own time zone."""
        return self.end.astimezone(ZoneInfo(self.tz))

    @property
    def delegate_key(self) -> str:
        """Who gets this meeting's calendar: the delegate's email lower-cased, else the name."""
        return self.delegate_email.strip().lower() or self.delegate_name.strip()

    def ics_status(self, delegate_key: str | None = None) -> str:
        """STATUS in a calendar: CANCELLED when removed, declined or taken from this delegate,
        CONFIRMED once the host accepted, TENTATIVE until then."""
        if self.cancelled or self.host_answer == "declined":
            return "CANCELLED"
        if delegate_key is not None and delegate_key in self.former_keys and not self.attends(delegate_key):
            return "CANCELLED"
        return "CONFIRMED" if self.host_answer == "accepted" else "TENTATIVE"

    def attends(self, delegate_key: str) -> bool:
        """Whether the delegate is at this meeting, as its lead or as a guest."""
        return delegate_key in (self.delegate_key, *self.guest_keys)


@dataclass(frozen=True)
class ExportTrip:
    """A delegation trip and its published plan."""

    id: int
    name: str
    direction: str  # "BFC->QC" | "QC->BFC"
    destination: str
    start: date
    end: date
    meetings: tuple[ExportMeeting, ...] = ()
    published_at: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "meetings", tuple(self.meetings))
        if self.end < self.start:
            raise ValueError(f"trip {self.id}: end ({self.end}) must not come before start ({self.start})")

    def filename(self, extension: str, who: str = "", word: str = "trip") -> str:
        """A safe ASCII file name: ``mission-au-quebec-printemps-2026-trip-3[-who].ext``.

        ``word`` is "trip" in the reader's language (the web downloads pass "mission" in French).
        """
        stem = "-".join(part for part in (_slug(self.name), f"{_slug(word)}-{self.id}", _slug(who)) if part)
        return f"{stem}.{extension.lstrip('.')}"

    def agenda(self) -> list[ExportMeeting]:
        """The meetings that take place, in time order, then by delegate and host."""
        held = [m for m in self.meetings if not m.cancelled]
        return sorted(held, key=lambda m: (m.start, m.delegate_name.casefold(), m.host.short_name))


@dataclass(frozen=True)
class ExportPairing:
    """A pairing decided by a coordinator, for programme reporting outside any trip."""

    bfc: ExportOrg
    qc: ExportOrg
    track: str
    status: str  # "proposed" | "approved" | "rejected"
    score: float | None = None
    decided_by: str = ""
    decided_at: datetime | None = None  # aware, or naive UTC
    comment: str = ""
    origin: str = ""  # a code of models.vocabulary.ORIGINS


def _slug(value: str, limit: int = 60) -> str:
    """Lower-case ASCII words joined by hyphens: "Mission à Montréal" -> "mission-a-montreal"."""
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:limit].strip("-")
