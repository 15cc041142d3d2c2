"""The exports' words, from the app's Babel catalogue, in the language asked for; dates as each reads them.

Exports are written in English in the code (``w.gettext("Meeting with %(host)s", host=...)``) and
translated by the catalogue the web uses (``app/translations``), through ``babel.support``, so
``models/`` needs no Flask. Labels of coded values come from :mod:`models.vocabulary`, translated the
same way, and stored meeting reasons are put into words here (:meth:`Words.reason`).
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from pathlib import Path

from babel.dates import format_date
from babel.support import NullTranslations, Translations

from models.matching.topics import load_vocabulary
from models.trips.shapes import reason_words
from models.vocabulary import LABELS

CATALOGUE = Path(__file__).resolve().parents[2] / "app" / "translations"
DOMAIN = "messages"


def lang(locale: str | None) -> str:
    """``"en"`` for any English locale ("en", "en_CA"), else ``"fr"``, the default."""
    return "en" if (locale or "").lower().startswith("en") else "fr"


class Words:
    """Translations and formats of one language: ``fr`` (the catalogue's) or ``en`` (the source)."""

    def __init__(self, locale: str, translations: NullTranslations) -> None:
        self.locale = lang(locale)
        self._translations = translations

    def gettext(self, message: str, **values: object) -> str:
        """``message`` translated, ``%(name)s`` placeholders filled from ``values``."""
        translated = self._translations.gettext(message)
        return translated % values if values else translated

    def ngettext(self, singular: str, plural: str, num: int, **values: object) -> str:
        """The singular or plural form for ``num``, translated; ``%(num)d`` is ``num``."""
        return self._translations.ngettext(singular, plural, num) % {"num": num, **values}

    def label(self, kind: str, code: str) -> str:
        """The label of a coded value (a track, an organisation type...), or the code when unknown."""
        words = LABELS[kind].get(code)
        return code if words is None else self.gettext(words)

    def topic(self, topic_id: str) -> str:
        """A topic of the vocabulary in this language, or its id when unknown."""
        try:
            return load_vocabulary().by_id(topic_id).label(self.locale)
        except KeyError:
            return topic_id

    def reason(self, stored: str, delegation: str, host: str) -> str:
        """A meeting's stored reason as one line (see :func:`models.trips.shapes.reason_words`)."""
        return reason_words(stored, self.gettext, self.topic, delegation, host, self.locale)

    def labelled(self, label: str, body: str) -> str:
        """ "Offre : …" in French (a no-break space before the colon), "Offers: …" in English."""
        return f"{label}: {body}" if self.locale == "en" else f"{label}\u00a0: {body}"

    def decimal(self, value: float, digits: int = 2) -> str:
        """A number with a decimal comma in French ("0,82") and a point in English ("0.82")."""
        written = f"{value:.{digits}f}"
        return written if self.locale == "en" else written.replace(".", ",")

    def track_and_score(self, track: str, score: float | None) -> str:
        """ "Essai clinique conjoint · Score 0,82", or the track alone when there is no score."""
        label = self.label("track", track)
        return label if score is None else f"{label} · {self.gettext('Score')} {self.decimal(score)}"

    def long_date(self, day: date, *, weekday: bool = True) -> str:
        """ "lundi 11 mai 2026" or "Monday 11 May 2026" ("1er mai" in French)."""
        pattern = "EEEE d MMMM y" if weekday else "d MMMM y"
        written = format_date(day, pattern, locale=self.locale)
        if self.locale == "fr" and day.day == 1:
            written = written.replace(" 1 ", " 1er ", 1) if weekday else "1er" + written[1:]
        return written

    def date_range(self, start: date, end: date) -> str:
        """ "du 11 au 15 mai 2026" or "11–15 May 2026"; whole dates when the months differ."""
        english = self.locale == "en"
        if start == end:
            return self.long_date(start, weekday=False)
        last = self.long_date(end, weekday=False)
        if (start.year, start.month) == (end.year, end.month):
            first = "1er" if not english and start.day == 1 else str(start.day)
            return f"{start.day}–{last}" if english else f"du {first} au {last}"
        first = self.long_date(start, weekday=False)
        return f"{first} – {last}" if english else f"du {first} au {last}"

    def clock(self, moment: datetime) -> str:
        """ "9 h 30" in French (no-break spaces), "09:30" in English."""
        if self.locale == "en":
            return moment.strftime("%H:%M")
        return f"{moment.hour}\u00a0h\u00a0{moment.minute:02d}"

    def time_range(self, start: datetime, end: datetime) -> str:
        """ "9 h 00 – 10 h 00" or "09:00–10:00"."""
        separator = "–" if self.locale == "en" else " – "
        return f"{self.clock(start)}{separator}{self.clock(end)}"


@cache
def words_for(locale: str | None, catalogue: Path = CATALOGUE) -> Words:
    """The words of ``locale`` ("fr" or "en"), read once per process from the compiled catalogue."""
    code = lang(locale)
    if code == "en":  # the source language: the code's own words
        return Words(code, NullTranslations())
    return Words(code, Translations.load(str(catalogue), [code], domain=DOMAIN))
