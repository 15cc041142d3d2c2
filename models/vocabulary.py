"""Every code list of Passerelle, defined once: forms, API schemas, SQL, exports and pages read it here.

Each vocabulary maps its codes, in the order people see them, to the English words the Babel
catalogue (``app/translations``) translates; :func:`N_` only marks them for ``pybabel extract``.
The web translates a code with ``app.i18n.label(kind, code)``, the exports with
:class:`models.exports.words.Words`; nobody else keeps a label. Never imports Flask.
"""

from __future__ import annotations

from types import MappingProxyType


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue without translating it (translated where it is shown)."""
    return message


def _frozen(labels: dict[str, str]) -> MappingProxyType:
    return MappingProxyType(labels)


# Organisations and their profiles
REGION_LABELS = _frozen({"BFC": N_("Bourgogne-Franche-Comté"), "QC": N_("Québec")})
ORG_TYPE_LABELS = _frozen(
    {
        "hospital": N_("Hospital"),
        "blood_establishment": N_("Blood establishment"),
        "university_lab": N_("University laboratory"),
        "company": N_("Company"),
        "cluster_network": N_("Cluster or network"),
        "agency": N_("Agency"),
        "training_body": N_("Training body"),
        "incubator": N_("Incubator"),
    }
)
TRACK_LABELS = _frozen(
    {
        "staff_exchange": N_("Staff exchange"),
        "joint_trial": N_("Joint clinical trial"),
        "co_training": N_("Co-training"),
        "event": N_("Co-created event"),
        "economic": N_("Economic collaboration"),
    }
)
LANGUAGE_LABELS = _frozen({"fr": N_("French"), "en": N_("English")})
# A free text's language said beside it when it is not the reader's: "(in English)".
LANGUAGE_NOTE_LABELS = _frozen({"fr": N_("in French"), "en": N_("in English")})
# A profile's second version, by its language: the profile page's heading and the saved message.
PROFILE_VERSION_LABELS = _frozen(
    {"fr": N_("French version of the profile"), "en": N_("English version of the profile")}
)
PROFILE_VERSION_SAVED_LABELS = _frozen(
    {
        "fr": N_("The French version of the profile is saved; the suggestions do not change."),
        "en": N_("The English version of the profile is saved; the suggestions do not change."),
    }
)
# A profile's status: a closed organisation is never suggested, proposed or offered as a host; an
# unverified one is shown with a mark. Absent from an import file means active (the first).
ORG_STATUS_LABELS = _frozen({"active": N_("Active"), "closed": N_("Closed"), "unverified": N_("Unverified")})
# The three texts the engine embeds; the other profile fields are required but short.
PROFILE_TEXT_LABELS = _frozen({"expertise": N_("Expertise"), "offers": N_("Offers"), "seeks": N_("Seeks")})

# Accounts; staff (coordinators, administrators) act for every organisation.
ROLE_LABELS = _frozen(
    {"member": N_("Member"), "coordinator": N_("Coordinator"), "admin": N_("Administrator")}
)
STAFF_ROLES = ("coordinator", "admin")
# The interface's languages (the first is the default); profiles' working languages are LANGUAGES.
INTERFACE_LANGUAGES = ("fr", "en")

# Stances of an organisation on a partner; "clear" withdraws one and is an action, not a stance.
STANCE_LABELS = _frozen(
    {
        "interested": N_("Interested"),
        "not_relevant": N_("Not relevant"),
        "intro_request": N_("Introduction requested"),
    }
)
CLEAR_STANCE = "clear"
WANTING = ("interested", "intro_request")  # stances that count towards mutual interest

# Pairings: their statuses, where they come from, and the decisions coordinators take on them.
PAIRING_STATUS_LABELS = _frozen(
    {"proposed": N_("Proposed"), "approved": N_("Approved"), "rejected": N_("Rejected")}
)
ORIGIN_LABELS = _frozen(
    {
        "engine": N_("Engine"),
        "member": N_("Member request"),
        # a coordinator's own proposal (app/operations/pairings.py), since m202
        "coordinator": N_("Proposed by a coordinator"),
        "documented": N_("Documented link"),  # known before the programme (app/seed.py)
    }
)
DECISION_LABELS = _frozen(
    {"approve": N_("Approved"), "reject": N_("Rejected"), "reopen": N_("Reopened"), "comment": N_("Comment")}
)
# decision -> the status it leads to (None: a comment leaves the status as it is)
DECISION_OUTCOMES = _frozen(
    {"approve": "approved", "reject": "rejected", "reopen": "proposed", "comment": None}
)
# status -> the decisions allowed from it (a comment always is)
ALLOWED_DECISIONS = _frozen(
    {
        "proposed": ("approve", "reject", "comment"),
        "approved": ("reject", "reopen", "comment"),
        "rejected": ("approve", "reopen", "comment"),
    }
)

# Requests from one organisation to another (app/introductions): how to meet, where a request stands.
REQUEST_FORMAT_LABELS = _frozen(
    {
        "video_call": N_("Video call"),
        "visit": N_("Visit"),
        "trip_meeting": N_("Meeting during a delegation trip"),
    }
)
REQUEST_STATUS_LABELS = _frozen(
    {
        "pending": N_("Waiting for an answer"),
        "accepted": N_("Accepted"),
        "declined": N_("Declined"),
        "withdrawn": N_("Withdrawn"),
    }
)
REQUEST_BOXES = ("inbox", "sent")  # a member's requests: to their organisations (the first), or from them
# answer -> the status it leads to; REQUEST_ANSWER_WORDS: a status as a sentence names it (a notification).
REQUEST_ANSWER_OUTCOMES = _frozen({"accept": "accepted", "decline": "declined"})
REQUEST_ANSWER_WORDS = _frozen({"accepted": N_("accepted"), "declined": N_("declined")})

# What a profile can seek (codes in data/needs.json, read by models/needs.py): what is sought, and
# (NEED_FACT_LABELS) the fact about the other organisation that meets it.
NEED_LABELS = _frozen(
    {
        "intern_hosts": N_("hosts for interns"),
        "trial_sites": N_("clinical trial sites"),
        "manufacturing": N_("manufacturing capacity"),
        "investors": N_("investors or funding"),
        "licensees": N_("industrial or pharmaceutical partners"),
        "academic_exchange": N_("academic exchanges"),
        "soft_landing": N_("a place to set up abroad"),
        "market_access": N_("customers, users or distributors"),
        "events": N_("events and matchmaking"),
        "companies": N_("companies"),
        "innovations": N_("technologies to bring in"),
        "cluster_partners": N_("partner networks abroad"),
        "skilled_staff": N_("skilled staff"),
        "data_cohorts": N_("clinical data or cohorts"),
    }
)
NEED_FACT_LABELS = _frozen(
    {
        "intern_hosts": N_("%(org)s hosts interns"),
        "trial_sites": N_("%(org)s runs clinical trials"),
        "manufacturing": N_("%(org)s manufactures or develops processes"),
        "investors": N_("%(org)s funds or co-funds projects"),
        "licensees": N_("%(org)s develops products for the market"),
        "academic_exchange": N_("%(org)s runs degree or exchange programmes"),
        "soft_landing": N_("%(org)s hosts foreign companies"),
        "market_access": N_("%(org)s opens doors to companies and markets"),
        "events": N_("%(org)s organises events"),
        "companies": N_("%(org)s is a company"),
        "innovations": N_("%(org)s licenses out technologies"),
        "cluster_partners": N_("%(org)s opens its network to foreign partners"),
        "skilled_staff": N_("%(org)s trains people for the sector"),
        "data_cohorts": N_("%(org)s holds cohorts, biobanks or clinical data"),
    }
)

# The engine's evidence
DIRECTION_LABELS = _frozen(
    {
        "both": N_("Each offers what the other seeks"),
        "partner_offers": N_("The partner offers what you seek"),
        "we_offer": N_("You offer what the partner seeks"),
        "none": N_("No clear direction"),
    }
)
# The same directions in a delegate's briefing pack, naming the host (``%(host)s``); "none" says nothing.
HOST_DIRECTION_LABELS = _frozen(
    {
        "both": N_("Each offers what the other seeks"),
        "partner_offers": N_("%(host)s offers what you seek"),
        "we_offer": N_("You offer what %(host)s seeks"),
    }
)
PART_LABELS = _frozen(  # the engine's score parts (models.matching.weights.FEATURES) and the trips' track fit
    {
        "offer_fit": N_("They offer what we seek"),
        "seek_fit": N_("They seek what we offer"),
        "reciprocity": N_("Fit both ways"),
        "expertise": N_("Close expertise"),
        "topics": N_("Shared topics"),
        "lexical": N_("Words in common"),
        "track_declared": N_("Both list this kind of collaboration"),
        "kind_fit": N_("Kinds of organisation suited to it"),
        "track_fit": N_("Fit with the track"),
        "wanted": N_("They are what we look for"),
        "wanted_back": N_("We are what they look for"),
        "track_text": N_("Their profile speaks of this kind of collaboration"),
    }
)

# Delegation trips
TRIP_DIRECTION_LABELS = _frozen(
    {"BFC->QC": N_("Bourgogne-Franche-Comté to Québec"), "QC->BFC": N_("Québec to Bourgogne-Franche-Comté")}
)
TRIP_STATUS_LABELS = _frozen({"planned": N_("Planned"), "past": N_("Past")})
CONSTRAINT_KIND_LABELS = _frozen({"must_meet": N_("Must meet"), "must_not_meet": N_("Must not meet")})
MEETING_STATE_LABELS = _frozen({"confirmed": N_("Confirmed"), "cancelled": N_("Cancelled")})
# How a delegate gets from one city to another (models/cities.py, the travel times page).
TRAVEL_MODE_LABELS = _frozen(
    {"car": N_("By car"), "train": N_("By train"), "plane": N_("By plane"), "other": N_("Other")}
)
# A trip's state from its dates (models/lifecycle.py).
TRIP_STATE_LABELS = _frozen(
    {"draft": N_("Draft"), "published": N_("Published"), "under_way": N_("Under way"), "past": N_("Past")}
)
# A host's answer to a published meeting (app/hosting): "requested" until it accepts or declines.
HOST_ANSWER_LABELS = _frozen(
    {
        "requested": N_("Waiting for the host"),
        "accepted": N_("Confirmed by the host"),
        "declined": N_("Another slot proposed"),
    }
)
HOST_REQUESTED = "requested"
# Where a draft meeting comes from (trip_meetings.origin, since m021): the planner's plan, or a
# coordinator's hand (the grid's or the API's "add a meeting"). Moving a meeting keeps its origin.
DRAFT_ORIGIN_LABELS = _frozen(
    {"planner": N_("Proposed by the planner"), "manual": N_("Added by a coordinator")}
)

# After a trip (models/followup.py): the two stages of the form, what came of a meeting, whether it was
# held (the dashboard's "unanswered" when nobody said), and the sides that answer.
FOLLOWUP_STAGE_LABELS = _frozen({1: N_("Just after the trip"), 2: N_("A few months later")})
FOLLOWUP_OUTCOME_LABELS = _frozen(
    {
        "no_further_contact": N_("No further contact"),
        "in_discussion": N_("In discussion"),
        "agreement_in_preparation": N_("Agreement in preparation"),
        "agreement_signed": N_("Agreement signed"),
    }
)
MEETING_HELD_LABELS = _frozen(
    {"held": N_("Took place"), "not_held": N_("Did not take place"), "unanswered": N_("No answer yet")}
)
FOLLOWUP_SIDES = ("delegation", "host")

# What a profile lacks (models.completeness.CHECKS): what to add, said on the profile's checklist.
COMPLETENESS_LABELS = _frozen(
    {
        "seeks": N_("Say what you seek in a partner, in a few sentences"),
        "expertise": N_("Describe your expertise at more length (300 characters at least)"),
        "tracks": N_("Choose the kinds of collaboration you want"),
        "contact": N_("Add a contact person"),
        "address": N_("Give your postal address"),
    }
)

# A mail's subject by its template (the notification mails take theirs from the event's title).
MAIL_SUBJECT_LABELS = _frozen(
    {
        "invite": N_("Your Passerelle account: choose your password"),
        "reset": N_("Passerelle: choose a new password"),
        "digest": N_("Passerelle: new partners suggested this week"),
    }
)
# The questions a delegate's briefing pack asks, from a quoted sentence of a profile (%(x)s): "you"
# is the delegate's organisation, reading the pack.
BRIEFING_QUESTION_LABELS = _frozen(
    {
        "we_seek": N_("You seek “%(x)s”: what can %(host)s bring?"),
        "they_offer": N_("%(host)s offers “%(x)s”: on what terms, and how soon?"),
        "they_seek": N_("%(host)s seeks “%(x)s”: what could you bring?"),
        "we_offer": N_("You offer “%(x)s”: is it of use to %(host)s?"),
    }
)

# The audit log (app/audit): the kinds of action it is filtered by (an event name's first part), and
# each action as a sentence, keyed by the event name, or name:variant when the data decides the verb
# (a decision, a stance, a host's answer). %(actor)s, %(org)s, %(partner)s, %(pair)s, %(track)s,
# %(trip)s, %(account)s, and a travel time's %(city_a)s, %(city_b)s, %(minutes)s and %(mode)s are
# filled in by app.audit.words.
AUDIT_KIND_LABELS = _frozen(
    {
        "pairing": N_("Pairing decisions"),
        "stance": N_("Stances on partners"),
        "request": N_("Requests"),
        "organisation": N_("Organisation profiles"),
        "contact": N_("Contact persons"),
        "trip": N_("Delegation trips"),
        "travel": N_("Travel times"),
        "host": N_("Host answers"),
        "followup": N_("Follow-up forms"),
        "user": N_("Accounts"),
    }
)
AUDIT_SENTENCE_LABELS = _frozen(
    {
        "pairing.decided:approve": N_("%(actor)s approved the pairing %(pair)s (%(track)s)"),
        "pairing.decided:reject": N_("%(actor)s rejected the pairing %(pair)s (%(track)s)"),
        "pairing.decided:reopen": N_("%(actor)s reopened the pairing %(pair)s (%(track)s)"),
        "pairing.decided:comment": N_("%(actor)s commented on the pairing %(pair)s (%(track)s)"),
        "pairing.proposed": N_("%(actor)s proposed the pairing %(pair)s (%(track)s)"),
        "stance.set:interested": N_("%(actor)s marked %(partner)s interesting for %(org)s (%(track)s)"),
        "stance.set:not_relevant": N_("%(actor)s marked %(partner)s not relevant for %(org)s (%(track)s)"),
        "stance.set:intro_request": N_(
            "%(actor)s asked for an introduction to %(partner)s for %(org)s (%(track)s)"
        ),
        "stance.set:clear": N_("%(actor)s withdrew the stance of %(org)s on %(partner)s (%(track)s)"),
        "request.send": N_("%(actor)s sent a request from %(org)s to %(partner)s (%(track)s)"),
        "request.accept": N_("%(actor)s accepted the request from %(org)s to %(partner)s (%(track)s)"),
        "request.decline": N_("%(actor)s declined the request from %(org)s to %(partner)s (%(track)s)"),
        "request.withdraw": N_("%(actor)s withdrew the request from %(org)s to %(partner)s (%(track)s)"),
        "organisation.created": N_("%(actor)s added the organisation %(org)s"),
        "organisation.updated": N_("%(actor)s edited the profile of the organisation %(org)s"),
        "organisation.translation_saved": N_(
            "%(actor)s edited the other-language version of the profile of the organisation %(org)s"
        ),
        "organisation.imported:created": N_("Import from a file: the organisation %(org)s was added"),
        "organisation.imported:updated": N_(
            "Import from a file: the profile of the organisation %(org)s was updated"
        ),
        "organisation.status_changed": N_(
            "%(actor)s set the status of the organisation %(org)s to %(status)s"
        ),
        "contact.added": N_("%(actor)s added a contact person to the organisation %(org)s"),
        "contact.changed": N_("%(actor)s edited a contact person of the organisation %(org)s"),
        "contact.removed": N_("%(actor)s removed a contact person of the organisation %(org)s"),
        "trip.created": N_("%(actor)s created the trip %(trip)s"),
        "trip.updated": N_("%(actor)s edited the details of the trip %(trip)s"),
        "trip.slots_set": N_("%(actor)s set the time slots of the trip %(trip)s"),
        "trip.delegation_added": N_("%(actor)s added %(org)s to the delegation of the trip %(trip)s"),
        "trip.delegation_removed": N_("%(actor)s removed %(org)s from the delegation of the trip %(trip)s"),
        "trip.delegate_added": N_("%(actor)s added a delegate to the trip %(trip)s (%(org)s)"),
        "trip.delegate_removed": N_("%(actor)s removed a delegate from the trip %(trip)s"),
        "trip.host_saved": N_("%(actor)s saved %(org)s as a host of the trip %(trip)s"),
        "trip.host_removed": N_("%(actor)s removed the host %(org)s from the trip %(trip)s"),
        "trip.constraint_saved": N_(
            "%(actor)s set a rule between %(org)s and %(partner)s for the trip %(trip)s"
        ),
        "trip.constraint_removed": N_(
            "%(actor)s removed the rule between %(org)s and %(partner)s for the trip %(trip)s"
        ),
        "trip.planned": N_("%(actor)s planned the trip %(trip)s"),
        "trip.published": N_("%(actor)s published the trip %(trip)s"),
        "trip.meeting_moved": N_("%(actor)s moved a meeting of the trip %(trip)s"),
        "trip.meeting_removed": N_("%(actor)s removed a meeting of the trip %(trip)s"),
        "trip.meeting_added": N_("%(actor)s added a meeting to the trip %(trip)s"),
        "trip.meeting_guests": N_("%(actor)s changed who attends a meeting of the trip %(trip)s"),
        "travel.saved": N_(
            "%(actor)s set the travel time between %(city_a)s and %(city_b)s to %(minutes)s min (%(mode)s)"
        ),
        "travel.removed": N_("%(actor)s removed the travel time between %(city_a)s and %(city_b)s"),
        "host.answered:accepted": N_("%(actor)s confirmed for %(org)s a meeting of the trip %(trip)s"),
        "host.answered:declined": N_(
            "%(actor)s proposed for %(org)s another slot for a meeting of the trip %(trip)s"
        ),
        "followup.answered": N_("%(actor)s answered a follow-up form for %(org)s (trip %(trip)s)"),
        "user.invited": N_("%(actor)s invited %(account)s (%(role)s)"),
        "user.access_changed": N_("%(actor)s changed the access of %(account)s (%(role)s)"),
        "user.deactivated": N_("%(actor)s deactivated the account of %(account)s"),
        "user.reactivated": N_("%(actor)s reactivated the account of %(account)s"),
        "user.signed_in": N_("%(actor)s signed in"),
        "user.sign_in_failed": N_("A sign-in to the account %(account)s failed: wrong password"),
        "user.password_changed:own": N_("%(actor)s changed their password"),
        "user.password_changed:link": N_("%(actor)s chose a password through a link sent by mail"),
        "user.token_created": N_("%(actor)s created an API token for %(account)s"),
        "user.token_revoked": N_("%(actor)s revoked an API token of %(account)s"),
    }
)

REGIONS = tuple(REGION_LABELS)
ORG_TYPES = tuple(ORG_TYPE_LABELS)
TRACKS = tuple(TRACK_LABELS)
LANGUAGES = tuple(LANGUAGE_LABELS)
ORG_STATUSES = tuple(ORG_STATUS_LABELS)
PROFILE_TEXT_FIELDS = tuple(PROFILE_TEXT_LABELS)
ROLES = tuple(ROLE_LABELS)
STANCES = tuple(STANCE_LABELS)
STANCE_ACTIONS = (*STANCES, CLEAR_STANCE)
PAIRING_STATUSES = tuple(PAIRING_STATUS_LABELS)
ORIGINS = tuple(ORIGIN_LABELS)
DECISIONS = tuple(DECISION_LABELS)
DIRECTIONS = tuple(DIRECTION_LABELS)
TRIP_DIRECTIONS = tuple(TRIP_DIRECTION_LABELS)
TRIP_STATUSES = tuple(TRIP_STATUS_LABELS)
CONSTRAINT_KINDS = tuple(CONSTRAINT_KIND_LABELS)
MEETING_STATES = tuple(MEETING_STATE_LABELS)
REQUEST_FORMATS = tuple(REQUEST_FORMAT_LABELS)
REQUEST_STATUSES = tuple(REQUEST_STATUS_LABELS)
REQUEST_ANSWERS = tuple(REQUEST_ANSWER_OUTCOMES)
NEED_CODES = tuple(NEED_LABELS)
TRIP_STATES = tuple(TRIP_STATE_LABELS)
TRAVEL_MODES = tuple(TRAVEL_MODE_LABELS)
HOST_STATES = tuple(HOST_ANSWER_LABELS)
DRAFT_ORIGINS = tuple(DRAFT_ORIGIN_LABELS)
HOST_ANSWERS = tuple(state for state in HOST_STATES if state != HOST_REQUESTED)
FOLLOWUP_STAGES = tuple(FOLLOWUP_STAGE_LABELS)
FOLLOWUP_OUTCOMES = tuple(FOLLOWUP_OUTCOME_LABELS)
MEETING_HELD = tuple(MEETING_HELD_LABELS)
COMPLETENESS_CODES = tuple(COMPLETENESS_LABELS)
MAIL_TEMPLATES = tuple(MAIL_SUBJECT_LABELS)
QUESTION_KINDS = tuple(BRIEFING_QUESTION_LABELS)
AUDIT_KINDS = tuple(AUDIT_KIND_LABELS)
AUDIT_ACTIONS = tuple(sorted({code.split(":")[0] for code in AUDIT_SENTENCE_LABELS}))

# kind -> code -> English words: what app.i18n.label and the exports translate.
LABELS = _frozen(
    {
        "region": REGION_LABELS,
        "org_type": ORG_TYPE_LABELS,
        "track": TRACK_LABELS,
        "language": LANGUAGE_LABELS,
        "field": PROFILE_TEXT_LABELS,
        "role": ROLE_LABELS,
        "interest": STANCE_LABELS,
        "status": PAIRING_STATUS_LABELS,
        "origin": ORIGIN_LABELS,
        "decision": DECISION_LABELS,
        "direction": DIRECTION_LABELS,
        "part": PART_LABELS,
        "trip_direction": TRIP_DIRECTION_LABELS,
        "trip_status": TRIP_STATUS_LABELS,
        "constraint": CONSTRAINT_KIND_LABELS,
        "meeting_state": MEETING_STATE_LABELS,
        "request_format": REQUEST_FORMAT_LABELS,
        "request_status": REQUEST_STATUS_LABELS,
        "org_status": ORG_STATUS_LABELS,
        "request_answer": REQUEST_ANSWER_WORDS,
        "need": NEED_LABELS,
        "need_fact": NEED_FACT_LABELS,
        "trip_state": TRIP_STATE_LABELS,
        "host_answer": HOST_ANSWER_LABELS,
        "draft_origin": DRAFT_ORIGIN_LABELS,
        "followup_stage": FOLLOWUP_STAGE_LABELS,
        "followup_outcome": FOLLOWUP_OUTCOME_LABELS,
        "meeting_held": MEETING_HELD_LABELS,
        "language_note": LANGUAGE_NOTE_LABELS,
        "profile_version": PROFILE_VERSION_LABELS,
        "profile_version_saved": PROFILE_VERSION_SAVED_LABELS,
        "host_direction": HOST_DIRECTION_LABELS,
        "travel_mode": TRAVEL_MODE_LABELS,
        "completeness": COMPLETENESS_LABELS,
        "mail_subject": MAIL_SUBJECT_LABELS,
        "briefing_question": BRIEFING_QUESTION_LABELS,
        "audit_kind": AUDIT_KIND_LABELS,
        "audit_sentence": AUDIT_SENTENCE_LABELS,
    }
)


def sql_in(codes: tuple[str, ...]) -> str:
    """``'a', 'b'``: a vocabulary for a SQL ``IN (...)`` or ``CHECK`` (codes are plain identifiers)."""
    if not all(code.replace("_", "").replace("-", "").replace(">", "").isalnum() for code in codes):
        raise ValueError(f"codes must be plain identifiers to be written into SQL, got {codes!r}")
    return ", ".join(f"'{code}'" for code in codes)
