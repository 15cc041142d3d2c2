"""Language: the switch (``?lang=en`` on any page), and labels for the coded values people see."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import Flask, request, session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from wtforms.fields.choices import SelectChoice

from app.redirects import path_on_site, redirect_within
from models.cities import city_name
from models.language import guess_language
from models.trips import TIME_ZONES

LANGUAGES = ("fr", "en")
TRACKS = {
    "staff_exchange": _l("Staff exchange"),
    "joint_trial": _l("Joint clinical trial"),
    "co_training": _l("Co-training"),
    "event": _l("Co-created event"),
    "economic": _l("Economic collaboration"),
}
ORG_TYPES = {
    "hospital": _l("Hospital"),
    "blood_establishment": _l("Blood establishment"),
    "university_lab": _l("University laboratory"),
    "company": _l("Company"),
    "cluster_network": _l("Cluster or network"),
    "agency": _l("Agency"),
    "training_body": _l("Training body"),
    "incubator": _l("Incubator"),
}
REGIONS = {"BFC": _l("Bourgogne-Franche-Comté"), "QC": _l("Québec")}
ROLES = {"member": _l("Member"), "coordinator": _l("Coordinator"), "admin": _l("Administrator")}
STATUSES = {"proposed": _l("Proposed"), "approved": _l("Approved"), "rejected": _l("Rejected")}
ORIGINS = {"engine": _l("Engine"), "member": _l("Member request"), "documented": _l("Documented link")}
INTERESTS = {
    "interested": _l("Interested"),
    "not_relevant": _l("Not relevant"),
    "intro_request": _l("Introduction requested"),
}
DECISIONS = {
    "approve": _l("Approved"),
    "reject": _l("Rejected"),
    "reopen": _l("Reopened"),
    "comment": _l("Comment"),
}
PARTS = {  # the engine's score parts (models.weights.FEATURES)
    "offer_fit": _l("They offer what we seek"),
    "seek_fit": _l("They seek what we offer"),
    "reciprocity": _l("Fit both ways"),
    "expertise": _l("Close expertise"),
    "topics": _l("Shared topics"),
    "lexical": _l("Words in common"),
    "track_declared": _l("Both list this kind of collaboration"),
    "kind_fit": _l("Kinds of organisation suited to it"),
    "track_fit": _l("Fit with the track"),
    "wanted": _l("They are what you look for"),
    "wanted_back": _l("You are what they look for"),
}
# What a profile can seek (models/needs.py, data/needs.json): what is sought, and the fact that meets it.
NEEDS = {
    "intern_hosts": (_l("hosts for interns"), _l("%(org)s hosts interns")),
    "trial_sites": (_l("clinical trial sites"), _l("%(org)s runs clinical trials")),
    "manufacturing": (_l("manufacturing capacity"), _l("%(org)s manufactures or develops processes")),
    "investors": (_l("investors or funding"), _l("%(org)s funds or co-funds projects")),
    "licensees": (
        _l("industrial or pharmaceutical partners"),
        _l("%(org)s develops products for the market"),
    ),
    "academic_exchange": (_l("academic exchanges"), _l("%(org)s runs degree or exchange programmes")),
    "soft_landing": (_l("a place to set up abroad"), _l("%(org)s hosts foreign companies")),
    "market_access": (
        _l("customers, users or distributors"),
        _l("%(org)s opens doors to companies and markets"),
    ),
    "events": (_l("events and matchmaking"), _l("%(org)s organises events")),
    "companies": (_l("companies"), _l("%(org)s is a company")),
    "innovations": (_l("technologies to bring in"), _l("%(org)s licenses out technologies")),
    "cluster_partners": (_l("partner networks abroad"), _l("%(org)s opens its network to foreign partners")),
    "skilled_staff": (_l("skilled staff"), _l("%(org)s trains people for the sector")),
    "data_cohorts": (_l("clinical data or cohorts"), _l("%(org)s holds cohorts, biobanks or clinical data")),
}
FIELDS = {"expertise": _l("Expertise"), "offers": _l("Offers"), "seeks": _l("Seeks")}
DIRECTIONS = {
    "both": _l("Each offers what the other seeks"),
    "partner_offers": _l("The partner offers what you seek"),
    "we_offer": _l("You offer what the partner seeks"),
    "none": _l("No clear direction"),
}
LANGUAGE_NAMES = {"fr": _l("French"), "en": _l("English")}
REQUEST_FORMATS = {  # app.introductions.operations.FORMATS
    "video_call": _l("Video call"),
    "visit": _l("Visit"),
    "trip_meeting": _l("Meeting during a delegation trip"),
}
REQUEST_STATUSES = {  # app.introductions.operations.STATUSES
    "pending": _l("Waiting for an answer"),
    "accepted": _l("Accepted"),
    "declined": _l("Declined"),
    "withdrawn": _l("Withdrawn"),
}
LABELS = {
    "track": TRACKS,
    "org_type": ORG_TYPES,
    "region": REGIONS,
    "role": ROLES,
    "status": STATUSES,
    "origin": ORIGINS,
    "interest": INTERESTS,
    "decision": DECISIONS,
    "part": PARTS,
    "field": FIELDS,
    "direction": DIRECTIONS,
    "language": LANGUAGE_NAMES,
    "request_format": REQUEST_FORMATS,
    "request_status": REQUEST_STATUSES,
}


def label(kind: str, value: str) -> str:
    """The translated label of a coded value, or the value itself when it has none."""
    return str(LABELS[kind].get(value, value))


def reason_text(reason, own: str, partner: str, *, you: bool = True) -> str:
    """One structured reason of a suggestion (``models.results.Reason``) in the reader's language.

    ``own`` is the organisation the suggestion is for, ``partner`` the suggested one; with ``you``
    the own side is addressed as "you" (a member's page), else named (a coordinator's page).
    """
    params = reason.params if isinstance(reason.params, dict) else {}
    if reason.code != "need_met" or params.get("need") not in NEEDS:
        return ""
    need, fact = NEEDS[params["need"]]
    seeker, provider = (own, partner) if params.get("seeker") == "own" else (partner, own)
    if params.get("how") == "stated":
        met = str(fact) % {"org": provider}
    else:
        kind = label("org_type", params.get("kind", "")).lower()
        met = _("%(org)s is a kind of organisation (%(kind)s) that usually does", org=provider, kind=kind)
    if you and seeker == own:
        return _("You seek %(need)s: %(fact)s.", need=need, fact=met)
    return _("%(seeker)s seeks %(need)s: %(fact)s.", seeker=seeker, need=need, fact=met)


def label_items(kind: str) -> list[tuple[str, str]]:
    """Every (code, translated label) of a kind, in the vocabulary's order."""
    return [(code, str(text)) for code, text in LABELS[kind].items()]


def choices(kind: str, blank=None) -> list[SelectChoice]:
    """Form choices for a kind of coded value, labels translated when rendered; ``blank`` first."""
    options = [SelectChoice(code, text) for code, text in LABELS[kind].items()]
    return ([SelectChoice("", blank)] if blank is not None else []) + options


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


_VOWELS = "aeiouyàâäéèêëîïôöùûüÿœæ"


def _elides(word: str) -> bool:
    """French elides before a vowel or a mute h ("d’EFS BFC", "d’Héma-Québec", "de ThéCell")."""
    first, second = word[:1].lower(), word[1:2].lower()
    return first in _VOWELS or (first == "h" and second in _VOWELS)


def _french() -> bool:
    from flask_babel import get_locale

    return str(get_locale() or "fr") == "fr"


def de_name(name: str) -> str:
    """ "de {name}" as French writes it ("d’EFS BFC", "de ThéCell", "du Tube à Essais"); the name in English.

    The French message then reads "le profil %(name)s": the helper brings its own "de".
    """
    if not _french():
        return name
    if name.startswith("Le "):
        return "du " + name[3:]
    if name.startswith("Les "):
        return "des " + name[4:]
    return ("d’" if _elides(name) else "de ") + name


def que_name(name: str) -> str:
    """ "que {name}" as French writes it ("qu’EFS BFC", "que ThéCell"); the name in English."""
    if not _french():
        return name
    return ("qu’" if _elides(name) else "que ") + name


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


TEXT_LANGUAGE_NOTES = {"fr": _l("in French"), "en": _l("in English")}


def text_in(text: str | None, note: bool = False) -> Markup:
    """Free text (a profile, a note, a message) marked with its language; with ``note``, say it when
    it is not the reader's: <span lang="en">…</span> <span class="lang-note">(en anglais)</span>."""
    from flask_babel import get_locale

    text = text or ""
    lang = guess_language(text)
    if lang is None:
        return escape(text)
    marked = Markup('<span lang="{}">{}</span>').format(lang, text)
    if note and lang != str(get_locale() or "fr"):
        marked += Markup(' <span class="lang-note">({})</span>').format(TEXT_LANGUAGE_NOTES[lang])
    return marked


def init_app(app: Flask) -> None:
    """Run the switch before the login check, and give templates the labels."""
    app.before_request(switch_language)
    app.jinja_env.filters["city"] = city_label
    app.jinja_env.filters.update(when=when, day=day, clock=clock)
    app.jinja_env.globals.update(zone_label=zone_label, slot_time=slot_time, text_in=text_in)
    app.jinja_env.globals.update(
        label=label,
        label_items=label_items,
        reason_text=reason_text,
        url_with_lang=url_with_lang,
        LANGUAGES=LANGUAGES,
        de_name=de_name,
        que_name=que_name,
    )
