"""Language: the switch (``?lang=en`` on any page), and labels for the coded values people see.

The codes and their English words are in :mod:`models.vocabulary`; their translations in the catalogue.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import Flask, g, request, session
from flask_babel import get_locale, gettext, lazy_gettext
from flask_babel import gettext as _
from markupsafe import Markup, escape
from wtforms.fields.choices import SelectChoice

from app.redirects import path_on_site, redirect_within
from models import language
from models.cities import city_name
from models.language import guess_language
from models.matching.topics import load_vocabulary
from models.trips.shapes import TIME_ZONES, reason_words
from models.vocabulary import INTERFACE_LANGUAGES, LABELS, NEED_LABELS

LANGUAGES = INTERFACE_LANGUAGES
# models.completeness.CHECKS -> the form field a missing item is added in (its words: label("completeness")).
COMPLETENESS_ANCHORS = {
    "seeks": "seeks",
    "expertise": "expertise",
    "tracks": "collaboration_types-0",
    "contact": "contacts",
    "address": "address",
}


def label(kind: str, value: str) -> str:
    """The label of a coded value in the reader's language, or the value itself when it has none."""
    words = LABELS[kind].get(value)
    return value if words is None else gettext(words)


def reason_text(reason, own: str, partner: str, *, you: bool = True) -> str:
    """One structured reason of a suggestion (``models.matching.results.Reason``) in the reader's language.

    ``own`` is the organisation the suggestion is for, ``partner`` the suggested one; with ``you``
    the own side is addressed as "you" (a member's page), else named (a coordinator's page).
    """
    params = reason.params if isinstance(reason.params, dict) else {}
    if reason.code != "need_met" or params.get("need") not in NEED_LABELS:
        return ""
    need, fact = label("need", params["need"]), label("need_fact", params["need"])
    seeker, provider = (own, partner) if params.get("seeker") == "own" else (partner, own)
    if params.get("how") == "stated":
        met = fact % {"org": provider}
    else:
        kind = label("org_type", params.get("kind", "")).lower()
        met = _("%(org)s is a kind of organisation (%(kind)s) that usually does", org=provider, kind=kind)
    if you and seeker == own:
        return _("You seek %(need)s: %(fact)s.", need=need, fact=met)
    return _("%(seeker)s seeks %(need)s: %(fact)s.", seeker=seeker, need=need, fact=met)


def label_items(kind: str) -> list[tuple[str, str]]:
    """Every (code, translated label) of a kind, in the vocabulary's order."""
    return [(code, gettext(words)) for code, words in LABELS[kind].items()]


def choices(kind: str, blank=None) -> list[SelectChoice]:
    """Form choices for a kind of coded value, labels translated when rendered; ``blank`` first."""
    options = [SelectChoice(code, lazy_gettext(words)) for code, words in LABELS[kind].items()]
    return ([SelectChoice("", blank)] if blank is not None else []) + options


def topic_label(topic_id: str) -> str:
    """A topic of the vocabulary in the reader's language, or its id when unknown."""
    try:
        return load_vocabulary().by_id(topic_id).label(str(get_locale() or "fr"))
    except KeyError:
        return topic_id


def meeting_reason(row: dict) -> str:
    """A meeting's stored reason in the reader's language (a row with org and host short names)."""
    return reason_words(
        row["reason"], gettext, topic_label, row["org_short_name"], row["host_short_name"], _locale()
    )


def select_locale() -> str:
    """The language chosen with the switch, else the browser's preference, else French."""
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or "fr"


def switch_language():
    """``?lang=fr|en`` on a GET keeps the choice in the session and reloads the page without it."""
    if request.method != "GET" or "lang" not in request.args or request.path.startswith("/api/"):
        return None  # the API never redirects; its messages are in English
    lang = request.args["lang"]
    if lang in LANGUAGES:
        session["lang"] = lang
    rest = [(key, value) for key, value in request.args.items(multi=True) if key != "lang"]
    return redirect_within(path_on_site(request.path, rest), "/")


def url_with_lang(lang: str) -> str:
    """The current page's address with ``lang`` set (the header's switch links)."""
    rest = [(key, value) for key, value in request.args.items(multi=True) if key != "lang"]
    return path_on_site(request.path, [*rest, ("lang", lang)])


def city_label(city: str) -> str:
    """A city as the reader's language writes it ("Québec" in French, "Quebec City" in English)."""
    from flask_babel import get_locale

    return city_name(city or "", str(get_locale() or "fr"))


def _locale() -> str:
    from flask_babel import get_locale

    return str(get_locale() or "fr")


def de_name(name: str) -> str:
    """ "de {name}" in the reader's language: the French message then reads "le profil %(name)s"."""
    return language.de_name(name, _locale())


def que_name(name: str) -> str:
    """ "que {name}" in the reader's language ("qu’EFS BFC" in French, the name alone in English)."""
    return language.que_name(name, _locale())


ZONE_CITIES = {"America/Montreal": "Montréal", "Europe/Paris": "Paris"}


def select_timezone() -> str:
    """The reader's time zone: their organisation's side of the Atlantic, else Paris (the programme's)."""
    from flask import g
    from flask_login import current_user

    if "reader_zone" not in g:
        zone = TIME_ZONES["BFC"]
        if current_user.is_authenticated and getattr(current_user, "org_ids", ()):
            from app.db import get_db

            row = (
                get_db()
                .execute("SELECT region FROM organisations WHERE id = ?", [current_user.org_ids[0]])
                .fetchone()
            )
            zone = TIME_ZONES.get(row[0], zone) if row else zone
        g.reader_zone = zone
    return g.reader_zone


def zone_label(zone: str) -> str:
    """A time zone as people say it: "heure de Montréal", "Paris time"."""
    return _("%(city)s time", city=city_label(ZONE_CITIES.get(zone, zone)))


def when(value: str | None, zone: bool = True) -> str:
    """A stored UTC timestamp in the reader's language and zone: "11 mai 2026, 09:00 (heure de Paris)"."""
    from flask_babel import format_date, format_time

    if not value:
        return ""
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    text = f"{format_date(moment, 'medium')}, {format_time(moment, 'short')}"
    return f"{text} ({zone_label(select_timezone())})" if zone else text


def day(value: str | None) -> str:
    """A stored date or timestamp as the reader's language writes the day: "11 mai 2026", "May 11, 2026"."""
    from babel.dates import format_date
    from flask_babel import get_locale

    if not value:
        return ""
    return format_date(date.fromisoformat(value[:10]), "medium", locale=get_locale())


def clock(value: str) -> str:
    """The time of a local "YYYY-MM-DDTHH:MM" meeting slot, in the reader's way ("09:00", "9:00 AM")."""
    from babel.dates import format_time
    from flask_babel import get_locale

    return format_time(datetime.fromisoformat(value[:16]).time(), "short", locale=get_locale())


def slot_time(start: str, end: str, direction: str | None = None) -> str:
    """A meeting's times where they happen, with that place's zone: "09:00–10:00 (heure de Montréal)"."""
    text = f"{clock(start)}–{clock(end)}"
    if direction:
        text += f" ({zone_label(TIME_ZONES[direction.split('->')[-1]])})"
    return text


def text_in(text: str | None, note: bool = False, lang: str | None = None) -> Markup:
    """Free text (a profile, a note, a message) marked with its language (``lang`` when it is known,
    else guessed); with ``note``, say it when it is not the reader's:
    <span lang="en">…</span> <span class="lang-note">(en anglais)</span>."""
    text = text or ""
    lang = lang or guess_language(text)
    if lang is None or not text:
        return escape(text)
    marked = Markup('<span lang="{}">{}</span>').format(lang, text)
    if note and lang != _locale():
        marked += Markup(' <span class="lang-note">({})</span>').format(label("language_note", lang))
    return marked


def text_language_of(org_id: int) -> str:
    """The language an organisation's texts (and so its embedded passages) are written in."""
    cache = g.setdefault("text_languages", {})
    if org_id not in cache:
        from app.db import get_db

        row = get_db().execute("SELECT text_language FROM organisations WHERE id = ?", [org_id]).fetchone()
        cache[org_id] = row[0] if row else None
    return cache[org_id]


def profile_text(org: dict, field: str) -> Markup:
    """A profile text in the reader's language when the organisation wrote that version, else as
    written, marked with its language and a note (``expertise``, ``offers``, ``seeks``)."""
    from app.db import get_db
    from app.orgs.queries import translations_of

    reader = _locale()
    lang = org.get("text_language") or guess_language(org[field] or "")
    if lang and lang != reader:
        cache = g.setdefault("profile_versions", {})
        if org["id"] not in cache:
            cache[org["id"]] = translations_of(get_db(), org["id"])
        version = cache[org["id"]].get(reader)
        if version:
            return Markup('<span lang="{}">{}</span>').format(reader, version[field])
    return text_in(org[field], note=True, lang=lang)


def passage_in(text: str | None, org_id: int) -> Markup:
    """A passage of an organisation's embedded text, in the language it was written in, with the note
    when that is not the reader's (evidence is never shown translated)."""
    return text_in(text, note=True, lang=text_language_of(org_id))


def init_app(app: Flask) -> None:
    """Run the switch before the login check, and give templates the labels."""
    app.before_request(switch_language)
    app.jinja_env.filters["city"] = city_label
    app.jinja_env.filters.update(when=when, day=day, clock=clock)
    app.jinja_env.globals.update(zone_label=zone_label, slot_time=slot_time, text_in=text_in)
    app.jinja_env.globals.update(profile_text=profile_text, passage_in=passage_in)
    app.jinja_env.globals.update(
        label=label,
        label_items=label_items,
        meeting_reason=meeting_reason,
        reason_text=reason_text,
        COMPLETENESS_ANCHORS=COMPLETENESS_ANCHORS,
        url_with_lang=url_with_lang,
        LANGUAGES=LANGUAGES,
        de_name=de_name,
        que_name=que_name,
    )
