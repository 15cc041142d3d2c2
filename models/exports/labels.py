"""The exports' words in French (the default) and English, and dates written the way each reads them.

The web layer translates with Flask-Babel; ``models/`` cannot import it, so the few words of the
exports live here. The labels of coded values match ``app/translations/fr/LC_MESSAGES/messages.po``.
"""

from __future__ import annotations

from datetime import date, datetime

# key -> (French, English)
TEXT: dict[str, tuple[str, str]] = {
    # columns of the trip table
    "start": ("Début", "Start"),
    "end": ("Fin", "End"),
    "time_zone": ("Fuseau horaire", "Time zone"),
    "city": ("Ville", "City"),
    "delegate": ("Délégué", "Delegate"),
    "delegate_email": ("Courriel du délégué", "Delegate e-mail"),
    "delegation": ("Délégation", "Delegation"),
    "delegation_name": ("Délégation (nom complet)", "Delegation (full name)"),
    "host": ("Hôte", "Host"),
    "host_name": ("Hôte (nom complet)", "Host (full name)"),
    "track": ("Type de collaboration", "Kind of collaboration"),
    "score": ("Score", "Score"),
    "reason": ("Pourquoi", "Why"),
    "contacts": ("Contacts", "Contacts"),
    "contacts_line": ("Contacts : {contacts}", "Contacts: {contacts}"),
    # columns of the pairings table
    "bfc_org": ("Organisation BFC", "BFC organisation"),
    "bfc_name": ("Organisation BFC (nom complet)", "BFC organisation (full name)"),
    "bfc_city": ("Ville BFC", "BFC city"),
    "qc_org": ("Organisation Québec", "Québec organisation"),
    "qc_name": ("Organisation Québec (nom complet)", "Québec organisation (full name)"),
    "qc_city": ("Ville Québec", "Québec city"),
    "status": ("Statut", "Status"),
    "origin": ("Origine", "Origin"),
    "decided_by": ("Décidé par", "Decided by"),
    "decided_at": ("Décidé le (UTC)", "Decided on (UTC)"),
    "comment": ("Commentaire", "Comment"),
    # sheets and the PDF
    "meetings_sheet": ("Rencontres", "Meetings"),
    "pairings_sheet": ("Mises en relation", "Pairings"),
    "briefing_pack": ("Dossier de mission", "Briefing pack"),
    "agenda": ("Programme", "Agenda"),
    "time": ("Heure", "Time"),
    "local_times": ("Heures locales : {zones}", "Local times: {zones}"),
    "published": ("Plan publié le {date}", "Plan published on {date}"),
    "counts": ("{meetings} rencontres, {delegates} délégués", "{meetings} meetings, {delegates} delegates"),
    "no_meeting": ("Aucune rencontre n’est prévue.", "No meeting is planned."),
    "meeting_n": ("Rencontre {n} sur {total}", "Meeting {n} of {total}"),
    "with": ("Délégué : {name}", "Delegate: {name}"),
    "profiles": ("Les deux organisations", "The two organisations"),
    "evidence": ("Ce qui les rapproche", "What brings them together"),
    "shared_topics": ("Thèmes communs : {topics}", "Shared topics: {topics}"),
    "shared_terms": ("Mots en commun : {terms}", "Words in common: {terms}"),
    "no_evidence": ("Pas de passage à citer.", "No passage to quote."),
    "questions": ("Questions à aborder", "Questions to raise"),
    "page": ("Page {n}/{total}", "Page {n}/{total}"),
    # calendars
    "summary": ("Rencontre avec {host}", "Meeting with {host}"),
    # suggested questions: "you" is the delegate's organisation, reading the pack
    "q_we_seek": (
        "Vous cherchez « {x} » : que peut apporter {host} ?",
        "You seek “{x}”: what can {host} bring?",
    ),
    "q_they_offer": (
        "{host} propose « {x} » : à quelles conditions et dans quels délais ?",
        "{host} offers “{x}”: on what terms, and how soon?",
    ),
    "q_they_seek": (
        "{host} cherche « {x} » : que pourriez-vous lui apporter ?",
        "{host} seeks “{x}”: what could you bring?",
    ),
    "q_we_offer": (
        "Vous proposez « {x} » : est-ce utile pour {host} ?",
        "You offer “{x}”: is it of use to {host}?",
    ),
}

# Labels of coded values: kind -> code -> (French, English)
CODES: dict[str, dict[str, tuple[str, str]]] = {
    "track": {
        "staff_exchange": ("Échange de personnel", "Staff exchange"),
        "joint_trial": ("Essai clinique conjoint", "Joint clinical trial"),
        "co_training": ("Co-formation", "Co-training"),
        "event": ("Événement co-construit", "Co-created event"),
        "economic": ("Collaboration économique", "Economic collaboration"),
    },
    "org_type": {
        "hospital": ("Hôpital", "Hospital"),
        "blood_establishment": ("Établissement du sang", "Blood establishment"),
        "university_lab": ("Laboratoire universitaire", "University laboratory"),
        "company": ("Entreprise", "Company"),
        "cluster_network": ("Pôle ou réseau", "Cluster or network"),
        "agency": ("Agence", "Agency"),
        "training_body": ("Organisme de formation", "Training body"),
        "incubator": ("Incubateur", "Incubator"),
    },
    "region": {"BFC": ("Bourgogne-Franche-Comté", "Bourgogne-Franche-Comté"), "QC": ("Québec", "Québec")},
    "status": {
        "proposed": ("Proposée", "Proposed"),
        "approved": ("Approuvée", "Approved"),
        "rejected": ("Rejetée", "Rejected"),
    },
    "origin": {
        "engine": ("Moteur", "Engine"),
        "member": ("Demande d’un membre", "Member request"),
        "documented": ("Lien documenté", "Documented link"),
    },
    "field": {
        "expertise": ("Expertise", "Expertise"),
        "offers": ("Offre", "Offers"),
        "seeks": ("Recherche", "Seeks"),
    },
    "direction": {
        "both": ("Chacun offre ce que l’autre cherche", "Each offers what the other seeks"),
        "partner_offers": ("{host} offre ce que vous cherchez", "{host} offers what you seek"),
        "we_offer": ("Vous offrez ce que {host} cherche", "You offer what {host} seeks"),
    },
}

_DAYS = (
    ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
)
_FRENCH_MONTHS = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
_ENGLISH_MONTHS = "January February March April May June July August September October November December"
_MONTHS = (_FRENCH_MONTHS.split(), _ENGLISH_MONTHS.split())


def lang(locale: str | None) -> str:
    """``"en"`` for any English locale ("en", "en_CA"), else ``"fr"``, the default."""
    return "en" if (locale or "").lower().startswith("en") else "fr"


def text(key: str, locale: str, **values: object) -> str:
    """The sentence ``key`` in ``locale``, with ``values`` filled in."""
    french, english = TEXT[key]
    return (english if lang(locale) == "en" else french).format(**values)


def code_label(kind: str, code: str, locale: str) -> str:
    """The label of a coded value (a track, an organisation type...), or the code when unknown."""
    pair = CODES[kind].get(code)
    if pair is None:
        return code
    return pair[1] if lang(locale) == "en" else pair[0]


def long_date(day: date, locale: str, *, weekday: bool = True) -> str:
    """ "lundi 11 mai 2026" or "Monday 11 May 2026"."""
    i = 1 if lang(locale) == "en" else 0
    number = "1er" if i == 0 and day.day == 1 else str(day.day)
    words = f"{number} {_MONTHS[i][day.month - 1]} {day.year}"
    return f"{_DAYS[i][day.weekday()]} {words}" if weekday else words


def date_range(start: date, end: date, locale: str) -> str:
    """ "du 11 au 15 mai 2026" or "11–15 May 2026"; whole dates when the months differ."""
    english = lang(locale) == "en"
    if start == end:
        return long_date(start, locale, weekday=False)
    if (start.year, start.month) == (end.year, end.month):
        last = long_date(end, locale, weekday=False)
        first = "1er" if not english and start.day == 1 else str(start.day)
        return f"{start.day}–{last}" if english else f"du {first} au {last}"
    first, last = long_date(start, locale, weekday=False), long_date(end, locale, weekday=False)
    return f"{first} – {last}" if english else f"du {first} au {last}"


def clock(moment: datetime, locale: str) -> str:
    """ "9 h 30" in French (no-break spaces), "09:30" in English."""
    if lang(locale) == "en":
        return moment.strftime("%H:%M")
    return f"{moment.hour}\u00a0h\u00a0{moment.minute:02d}"


def time_range(start: datetime, end: datetime, locale: str) -> str:
    """ "9 h 00 – 10 h 00" or "09:00–10:00"."""
    separator = "–" if lang(locale) == "en" else " – "
    return f"{clock(start, locale)}{separator}{clock(end, locale)}"


def track_and_score(track: str, score: float | None, locale: str) -> str:
    """ "Essai clinique conjoint · Score 0,82", or the track alone when there is no score."""
    label = code_label("track", track, locale)
    return label if score is None else f"{label} · {text('score', locale)} {decimal(score, locale)}"


def decimal(value: float, locale: str, digits: int = 2) -> str:
    """A number with a decimal comma in French ("0,82") and a point in English ("0.82")."""
    written = f"{value:.{digits}f}"
    return written if lang(locale) == "en" else written.replace(".", ",")
