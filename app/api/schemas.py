"""JSON Schemas (OpenAPI 3.1) of what the API reads and writes, built from the profile contract.

The vocabularies come from ``models.vocabulary``, the limits from ``models.profiles`` and the
operations, so the description cannot drift from the validation. Response objects forbid unknown
keys, so the fuzz test notices any drift.
"""

from __future__ import annotations

from app.db import MAX_ROW_ID
from app.notifications.events import EVENTS as NOTIFICATION_EVENTS
from app.operations.pairings import BULK_DECISIONS, MAX_BULK, MAX_COMMENT_LENGTH
from app.operations.stances import MAX_REASON_LENGTH
from app.operations.travel import CITY_MAX, TRAVEL_MINUTES
from app.trips.plan_jobs import STATES as PLAN_STATES
from app.trips.plan_jobs import TIME_LIMITS
from models.matching.weights import FEATURES
from models.profiles import IMPORT_FIELDS, MAX_LENGTHS, MAX_TEXT_LENGTH, TEXT_FIELDS
from models.vocabulary import (
    AUDIT_KINDS,
    COMPLETENESS_CODES,
    CONSTRAINT_KINDS,
    DECISIONS,
    DIRECTIONS,
    DRAFT_ORIGINS,
    FOLLOWUP_OUTCOMES,
    FOLLOWUP_SIDES,
    FOLLOWUP_STAGES,
    HOST_STATES,
    INTERFACE_LANGUAGES,
    LANGUAGES,
    MEETING_STATES,
    ORG_STATUSES,
    ORG_TYPES,
    ORIGINS,
    PAIRING_STATUSES,
    PROFILE_TEXT_FIELDS,
    REGIONS,
    REQUEST_ANSWERS,
    REQUEST_FORMATS,
    REQUEST_STATUSES,
    STANCE_ACTIONS,
    STANCES,
    TRACKS,
    TRAVEL_MODES,
    TRIP_DIRECTIONS,
    TRIP_STATES,
    TRIP_STATUSES,
)

TEXT = {"type": "string"}
ID = {"type": "integer", "minimum": 1, "maximum": MAX_ROW_ID}
# A city in an address: a path segment (no "/") with a character str.strip() keeps.
CITY_PATTERN = r"^[^/]*[^\s\x1c-\x1f\x85/][^/]*$"
CITY = {"type": "string", "minLength": 1, "maxLength": CITY_MAX, "pattern": CITY_PATTERN}


def ref(name: str) -> dict:
    """A reference to a schema of ``components/schemas``."""
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict, required: list[str] | None = None) -> dict:
    """A closed object: these properties, all required unless ``required`` says otherwise."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
    }


def nullable(schema: dict) -> dict:
    """``schema`` or null."""
    return {"anyOf": [schema, {"type": "null"}]}


def enum(values) -> dict:
    """A string from a fixed list."""
    return {"type": "string", "enum": list(values)}


def answer(**properties) -> dict:
    """A successful answer: ``{"ok": true, ...}``."""
    return obj({"ok": {"const": True}, **properties})


def page(item: str) -> dict:
    """One page of a list of ``item``."""
    return answer(
        items={"type": "array", "items": ref(item)},
        page={"type": "integer", "minimum": 1},
        per_page={"type": "integer", "minimum": 1, "maximum": 100},
        total={"type": "integer", "minimum": 0},
        next=nullable(TEXT),
    )


# The rules of ``validate_profile`` as patterns: no control character (tab and line breaks are
# allowed), not only spaces; an address is empty or http(s)://host..., spaces around it dropped.
_PLAIN = r"[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
NON_BLANK_TEXT = rf"^{_PLAIN}*[^\s\x00-\x1f\x7f]{_PLAIN}*$"
_SPACES = r"[ \t\n\r]*"
# A decision's comment: at least one character that Python's str.strip() keeps (JSON Schema's \s
# leaves out the separators \x1c-\x1f and \x85, which strip() removes).
COMMENT = {
    "type": "string",
    "minLength": 1,
    "maxLength": MAX_COMMENT_LENGTH,
    "pattern": r"[^\s\x1c-\x1f\x85]",
}
HTTP_ADDRESS = (
    rf"^{_SPACES}(?:[Hh][Tt][Tt][Pp][Ss]?://[^/?#\[\]\s\x00-\x1f\x7f]+(?:[/?#]{_PLAIN}*)?)?{_SPACES}$"
)


def _profile_fields() -> dict:
    """Each import field's schema, with the limits and rules ``validate_profile`` applies."""
    fields = {
        name: {
            "type": "string",
            "minLength": 1,
            "maxLength": MAX_LENGTHS.get(name, MAX_TEXT_LENGTH),
            "pattern": NON_BLANK_TEXT,
        }
        for name in ("name", "short_name", "city", "expertise", "offers", "seeks")
    }
    fields["region"] = enum(REGIONS)
    fields["type"] = enum(ORG_TYPES)
    fields["status"] = enum(ORG_STATUSES) | {
        "description": "active (the default), closed (never suggested) or unverified; "
        "only coordinators and administrators change it"
    }
    for name, values in (("collaboration_types", TRACKS), ("languages", LANGUAGES)):
        fields[name] = {"type": "array", "items": enum(values), "minItems": 1}
    for name in ("website", "source"):
        fields[name] = {
            "type": ["string", "null"],
            "maxLength": MAX_LENGTHS[name],
            "pattern": HTTP_ADDRESS,
            "description": "an http(s):// address, or empty",
        }
    fields["text_language"] = enum(LANGUAGES) | {
        "description": "the language expertise, offers and seeks are written in (the engine embeds "
        "them); absent: the first of languages"
    }
    version = obj({name: fields[name] for name in TEXT_FIELDS})
    fields["translations"] = obj({lang: version for lang in LANGUAGES}, required=[]) | {
        "description": "a second version of the texts in another language, shown to readers of that "
        "language and never embedded; a version in text_language is refused (409); {} removes it"
    }
    return fields


def _organisation() -> dict:
    stored = {name: dict(schema) for name, schema in _profile_fields().items()}
    stored = {
        name: {key: rule for key, rule in schema.items() if key != "pattern"}
        for name, schema in stored.items()
    }
    stored["website"] = stored["source"] = TEXT
    version = obj({name: stored[name] for name in TEXT_FIELDS})
    stored["translations"] = obj({lang: version for lang in LANGUAGES}, required=[])
    return obj({"id": ID, **stored, "created_at": TEXT, "updated_at": TEXT})


def _organisation_detail() -> dict:
    detail = _organisation()
    detail["properties"] = {**detail["properties"], "topics": {"type": "array", "items": ref("Topic")}}
    detail["required"] = [*detail["required"], "topics"]
    return detail


def _pairing() -> dict:
    side = obj(
        {
            "id": ID,
            "short_name": TEXT,
            "name": TEXT,
            "city": TEXT,
            "type": enum(ORG_TYPES),
            "interest": nullable(enum(STANCES)),
            "reason": nullable(TEXT),
        }
    )
    return obj(
        {
            "id": ID,
            "track": enum(TRACKS),
            "status": enum(PAIRING_STATUSES),
            "origin": enum(ORIGINS),
            "score": nullable({"type": "number"}),
            "note": TEXT,
            "created_at": TEXT,
            "updated_at": TEXT,
            "bfc": side,
            "qc": side,
            "mutual": {"type": "boolean"},
            "requested": {"type": "boolean"},
        }
    )


def _pairing_detail() -> dict:
    detail = _pairing()
    decision = obj(
        {
            "id": ID,
            "decision": enum(DECISIONS),
            "from_status": enum(PAIRING_STATUSES),
            "to_status": enum(PAIRING_STATUSES),
            "comment": TEXT,
            "created_at": TEXT,
            "user_email": nullable(TEXT),
        }
    )
    extra = {
        "suggestion": nullable(ref("Suggestion")),
        "allowed_decisions": {"type": "array", "items": enum(DECISIONS)},
        "decisions": {"type": "array", "items": decision},
    }
    detail["properties"] = {**detail["properties"], **extra}
    detail["required"] = [*detail["required"], *extra]
    return detail


def _suggestion() -> dict:
    return obj(
        {
            "org_id": ID,
            "short_name": TEXT,
            "name": TEXT,
            "region": enum(REGIONS),
            "city": TEXT,
            "type": enum(ORG_TYPES),
            "track": enum(TRACKS),
            "score": {"type": "number", "minimum": 0, "maximum": 1},
            "parts": {
                "type": "object",
                "properties": {name: {"type": "number"} for name in FEATURES},
                "additionalProperties": {"type": "number"},
            },
            "evidence": ref("Evidence"),
            "reverse_score": nullable({"type": "number", "minimum": 0, "maximum": 1}),
            "status": enum(ORG_STATUSES),
        }
    )


def _evidence() -> dict:
    field = enum(PROFILE_TEXT_FIELDS)
    pair = obj(
        {
            "own_field": field,
            "own_text": TEXT,
            "partner_field": field,
            "partner_text": TEXT,
            "similarity": {"type": "number"},
        }
    )
    return obj(
        {
            "passages": {"type": "array", "items": pair},
            "shared_topics": {"type": "array", "items": ref("Topic")},
            "shared_terms": {"type": "array", "items": TEXT},
            "direction": enum(DIRECTIONS),
            "reasons": {"type": "array", "items": ref("Reason")},
        }
    )


def _reason() -> dict:
    # A code and its parameters; the web words them in the reader's language (app.i18n.reason_text).
    return obj({"code": enum(("need_met",)), "params": {"type": "object"}})


def _error() -> dict:
    item = obj({"field": nullable(TEXT), "message": TEXT})
    return obj(
        {
            "ok": {"const": False},
            "error": TEXT,
            "errors": {"type": "array", "items": item, "minItems": 1},
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
        }
    )


def _trip(extra: dict) -> dict:
    return obj(
        {
            "id": ID,
            "name": TEXT,
            "direction": enum(TRIP_DIRECTIONS),
            "cities": {"type": "array", "items": TEXT},
            "start_date": {"type": "string", "format": "date"},
            "end_date": {"type": "string", "format": "date"},
            "status": enum(TRIP_STATUSES),
            "state": enum(TRIP_STATES),
            "notes": TEXT,
            "group_meetings": {"type": "boolean"},
            "published_at": nullable(TEXT),
            "created_at": TEXT,
            "updated_at": TEXT,
            **extra,
        }
    )


_ORG = obj({"id": ID, "short_name": TEXT})


def _meeting_parts() -> dict:
    """What a published and a draft meeting show alike."""
    return {
        "delegate_name": TEXT,
        "start": TEXT,
        "end": TEXT,
        "time_zone": TEXT,
        "city": TEXT,
        "track": enum(TRACKS),
        "score": nullable({"type": "number"}),
        "reason": TEXT,
        "delegation": _ORG,
        "host": _ORG,
    }


def _meeting() -> dict:
    return obj(
        {
            "id": ID,
            "trip_id": ID,
            "uid": TEXT,
            "sequence": {"type": "integer", "minimum": 0},
            "status": enum(MEETING_STATES),
            **_meeting_parts(),
            "published_at": TEXT,
            "host_answer": enum(HOST_STATES),
            "guests": {"type": "array", "items": obj({"delegate_name": TEXT, "delegation": _ORG})},
        }
    )


def _draft_meeting() -> dict:
    guest = obj({"delegate_id": ID, "delegate_name": TEXT, "delegation": _ORG})
    return obj(
        {
            "id": ID,
            "trip_id": ID,
            "slot_id": ID,
            "delegate_id": ID,
            **_meeting_parts(),
            "approved": {"type": "boolean"},
            "origin": enum(DRAFT_ORIGINS),
            "guests": {"type": "array", "items": guest},
        }
    )


def _draft_state() -> dict:
    issue = obj({"code": TEXT, "message": TEXT})
    links = obj({"trip": TEXT, "plan": TEXT, "publish": TEXT, "draft_page": TEXT})
    return obj(
        {
            "trip_id": ID,
            "issues": {"type": "array", "items": issue},
            "publish_preview": ref("PublishReport"),
            "links": links,
        }
    )


def _draft_inputs() -> dict:
    """The bodies of the draft's edits: add a meeting, move one, set its guests."""
    from app.api.drafts import MAX_GUESTS

    move = obj({"slot_id": ID, "delegate_id": ID}, required=[]) | {"minProperties": 1}
    guests = {"type": "array", "items": ID, "maxItems": MAX_GUESTS}
    return {
        "DraftMeetingInput": obj({"delegate_id": ID, "host_org_id": ID, "slot_id": ID}),
        "DraftMovePatch": move,
        "GuestsInput": obj({"delegate_ids": guests}),
    }


def _plan_state() -> dict:
    seconds = {"type": "number", "minimum": 0}
    links = obj({"self": TEXT, "trip": TEXT, "draft_page": TEXT})
    return obj(
        {
            "trip_id": ID,
            "status": enum(PLAN_STATES),
            "since": TEXT,
            "time_limit": nullable(seconds),
            "requested_by": nullable(TEXT),
            "meetings": nullable({"type": "integer", "minimum": 0}),
            "failure": nullable(obj({"code": TEXT, "message": TEXT})),
            "links": links,
        }
    )


def _draft_page() -> dict:
    draft = page("DraftMeeting")
    draft["properties"] = {**draft["properties"], "draft": ref("DraftState")}
    draft["required"] = [*draft["required"], "draft"]
    return draft


def setup_components() -> dict:
    """A trip's set-up: the trip's fields, its slots, delegation, delegates, hosts and pairs."""
    from app.api import setup as api
    from app.operations import trip_setup as rules
    from app.trips.queries import MAX_DAYS

    name = {"type": "string", "maxLength": rules.NAME_MAX, "pattern": api.NON_BLANK}
    city = {"type": "string", "maxLength": api.CITY_LENGTH, "pattern": api.NON_BLANK}
    day = {"type": "string", "pattern": api.DAY}
    fields = {
        "name": name,
        "direction": enum(TRIP_DIRECTIONS),
        "cities": {"type": "array", "items": city, "minItems": 1, "maxItems": api.MAX_CITIES},
        "start_date": day | {"format": "date"},
        "end_date": day | {"format": "date"},
        "notes": {"type": "string", "maxLength": rules.NOTES_MAX},
    }
    patch = obj({**fields, "group_meetings": {"type": "boolean"}}, required=[]) | {"minProperties": 1}
    time = {"type": "string", "pattern": rules.TIME.pattern}
    low, high = rules.SLOT_MINUTES
    times = {"type": "array", "items": time, "minItems": 1, "maxItems": rules.MAX_SLOT_TIMES}
    delegate = obj({"id": ID, "trip_id": ID, "name": TEXT, "email": TEXT, "delegation": _ORG})
    count = {"type": "integer", "minimum": 0}
    host = {
        "org_id": ID,
        "short_name": TEXT,
        "name": TEXT,
        "type": TEXT,
        "city": TEXT,
        "capacity": {"type": "integer", "minimum": rules.CAPACITY[0], "maximum": rules.CAPACITY[1]},
        "days": {"type": "array", "items": TEXT},
        "outside_trip_cities": {"type": "boolean"},
    }
    return {
        "TripFields": _trip({}),
        "TripInput": obj(fields, required=[key for key in fields if key != "notes"]),
        "TripPatch": patch,
        "Slot": obj({"id": ID, "day": TEXT, "start": TEXT, "end": TEXT, "time_zone": TEXT}),
        "SlotPage": page("Slot"),
        "SlotsInput": obj(
            {
                "times": times | {"uniqueItems": True},
                "minutes": {"type": "integer", "minimum": low, "maximum": high},
                "weekdays_only": {"type": "boolean"},
            },
            required=["times", "minutes"],
        ),
        "SlotsSet": answer(count=count, removed_meetings=count, links=obj({"slots": TEXT})),
        "Delegate": delegate,
        "DelegatePage": page("Delegate"),
        "DelegateInput": obj(
            {
                "org_id": ID,
                "name": name,
                "email": {"type": "string", "maxLength": rules.EMAIL_MAX, "pattern": api.EMAIL},
            },
            required=["org_id", "name"],
        ),
        "DelegationOrganisation": obj(
            {
                "id": ID,
                "short_name": TEXT,
                "name": TEXT,
                "city": TEXT,
                "region": enum(REGIONS),
                "delegates": {"type": "array", "items": ref("Delegate")},
            }
        ),
        "DelegationPage": page("DelegationOrganisation"),
        "DelegationInput": obj({"org_id": ID}),
        "Host": obj(host),
        "HostPage": page("Host"),
        "HostInput": obj(
            {
                "city": {"type": "string", "maxLength": api.CITY_LENGTH},
                "capacity": host["capacity"],
                "days": {"type": "array", "items": day, "maxItems": MAX_DAYS},
            },
            required=[],
        ),
        "Pair": obj({"kind": enum(CONSTRAINT_KINDS), "delegation": _ORG, "host": _ORG}),
        "PairPage": page("Pair"),
        "PairInput": obj({"kind": enum(CONSTRAINT_KINDS)}),
        **travel_components(),
    }


def travel_components() -> dict:
    """A travel time between two cities, as the *Travel times* page shows and its form takes it."""
    low, high = TRAVEL_MINUTES
    fields = {"minutes": {"type": "integer", "minimum": low, "maximum": high}, "mode": enum(TRAVEL_MODES)}
    return {
        "TravelTime": obj({"city_a": TEXT, "city_b": TEXT, **fields, "updated_at": nullable(TEXT)}),
        "TravelTimePage": page("TravelTime"),
        "TravelTimeInput": obj(fields),
    }


def trip_components() -> dict:
    """The schemas of trips, their published meetings and their pages, a trip's planning, its draft."""
    count = {"type": "integer", "minimum": 0}
    counts = dict.fromkeys(("n_delegates", "n_hosts", "n_draft", "n_published"), count)
    low, high = TIME_LIMITS
    return {
        "Trip": _trip(counts),
        "TripDetail": _trip({"meetings": {"type": "array", "items": ref("Meeting")}}),
        "Meeting": _meeting(),
        "TripPage": page("Trip"),
        "MeetingPage": page("Meeting"),
        "PlanInput": obj({"time_limit": {"type": "number", "minimum": low, "maximum": high}}, required=[]),
        "PlanState": _plan_state(),
        "DraftMeeting": _draft_meeting(),
        "DraftState": _draft_state(),
        "DraftPage": _draft_page(),
        "PublishReport": obj(dict.fromkeys(("created", "changed", "unchanged", "cancelled"), count)),
        **_draft_inputs(),
    }


def request_components() -> dict:
    """Requests between organisations and the contact persons an answer may reveal."""
    from app.introductions.operations import MAX_MESSAGE_LENGTH

    side = obj({"id": ID, "short_name": TEXT})
    person = nullable(obj({"name": TEXT, "email": TEXT}))
    message = {"type": "string", "minLength": 1, "maxLength": MAX_MESSAGE_LENGTH}
    return {
        "Request": obj(
            {
                "id": ID,
                "from": side,
                "to": side,
                "track": enum(TRACKS),
                "format": enum(REQUEST_FORMATS),
                "message": TEXT,
                "status": enum(REQUEST_STATUSES),
                "created_by": person,
                "created_at": TEXT,
                "answer": TEXT,
                "answered_by": person,
                "answered_at": nullable(TEXT),
                "pairing_id": nullable(ID),
            }
        ),
        "RequestPage": page("Request"),
        "RequestInput": obj(
            {
                "from_org_id": ID,
                "to_org_id": ID,
                "track": enum(TRACKS),
                "format": enum(REQUEST_FORMATS),
                "message": message,
            },
            required=["to_org_id", "track", "format", "message"],
        ),
        "AnswerInput": obj(
            {"answer": enum(REQUEST_ANSWERS), "message": {"type": "string", "maxLength": MAX_MESSAGE_LENGTH}},
            required=["answer"],
        ),
        "Contact": obj(
            {
                "id": ID,
                "org_id": ID,
                "name": TEXT,
                "role": TEXT,
                "email": TEXT,
                "phone": TEXT,
                "languages": {"type": "array", "items": enum(LANGUAGES)},
                "tracks": {"type": "array", "items": enum(TRACKS)},
            }
        ),
    }


def _dashboard(count: dict) -> dict:
    """The programme dashboard's figures (``app/coordination/dashboard.py``)."""
    outcomes = obj(dict.fromkeys(FOLLOWUP_OUTCOMES, count))
    trip = obj(
        {
            "trip": TEXT,
            "published": count,
            "answered": count,
            "held": count,
            "share": nullable({"type": "number", "minimum": 0, "maximum": 1}),
        }
    )
    org = obj({"id": ID, "short_name": TEXT, "name": TEXT, "region": enum(REGIONS), "city": TEXT})
    return answer(
        pairings={
            "type": "array",
            "items": obj({"track": enum(TRACKS), "statuses": obj(dict.fromkeys(PAIRING_STATUSES, count))}),
        },
        requests=nullable(obj({"sent": count, "accepted": count})),
        meetings={"type": "array", "items": trip},
        outcomes_by_track={"type": "array", "items": obj({"track": enum(TRACKS), "outcomes": outcomes})},
        outcomes_by_trip={"type": "array", "items": obj({"trip": TEXT, "outcomes": outcomes})},
        never_matched=obj({"total": count, "items": {"type": "array", "items": org}}),
    )


def after_trip_components() -> dict:
    """A host's answer to a published meeting, and the follow-up forms after a trip with their answer."""
    from app.hosting.operations import NOTE_MAX
    from models.followup import NEXT_STEP_LENGTH, RELEVANCE

    note = {"type": "string", "maxLength": NOTE_MAX}
    # Declining proposes another slot: a note with at least one character str.strip() keeps.
    slot = note | {"minLength": 1, "pattern": COMMENT["pattern"]}
    relevance = {"type": "integer", "minimum": RELEVANCE[0], "maximum": RELEVANCE[-1]}
    next_step = {"type": "string", "maxLength": NEXT_STEP_LENGTH}
    meeting = obj(
        {
            "id": ID,
            "trip": obj({"id": ID, "name": TEXT}),
            "start": TEXT,
            "end": TEXT,
            "city": TEXT,
            "track": enum(TRACKS),
            "delegate_name": TEXT,
            "delegation": _ORG,
            "host": _ORG,
        }
    )
    followups = page("Followup")
    followups["properties"] = {**followups["properties"], "pending": {"type": "integer", "minimum": 0}}
    followups["required"] = [*followups["required"], "pending"]
    count = {"type": "integer", "minimum": 0}
    return {
        "Dashboard": _dashboard(count),
        "HostAnswerInput": {
            "anyOf": [
                obj({"answer": {"const": "accepted"}, "note": note}, required=["answer"]),
                obj({"answer": {"const": "declined"}, "note": slot}),
            ],
            "description": "accepted (a note is ignored), or declined with a note: the slot that would suit",
        },
        "Followup": obj(
            {
                "id": ID,
                "stage": {"type": "integer", "enum": list(FOLLOWUP_STAGES)},
                "side": enum(FOLLOWUP_SIDES),
                "due_at": {"type": "string", "format": "date"},
                "organisation": _ORG,
                "meeting": meeting,
                "took_place": nullable({"type": "boolean"}),
                "relevance": nullable(relevance),
                "outcome": nullable(enum(FOLLOWUP_OUTCOMES)),
                "next_step": TEXT,
                "answered_at": nullable(TEXT),
                "answered_by": nullable(TEXT),
            }
        ),
        "FollowupPage": followups,
        "FollowupInput": {
            "anyOf": [
                obj(
                    {
                        "took_place": {"const": True},
                        "relevance": relevance,
                        "outcome": enum(FOLLOWUP_OUTCOMES),
                        "next_step": next_step,
                    },
                    required=["took_place", "relevance", "outcome"],
                ),
                obj({"took_place": {"const": False}, "next_step": next_step}, required=["took_place"]),
            ],
            "description": "relevance and outcome when the meeting took place, neither when it did not",
        },
    }


def contact_components() -> dict:
    """A contact person to add or change, and a page of them: the rules of ``app.operations.people``."""
    from app.operations import people

    fields = {
        "name": {"type": "string", "maxLength": people.NAME_MAX, "pattern": people.NAME},
        "role": {"type": "string", "maxLength": people.ROLE_MAX},
        "email": {"type": "string", "maxLength": people.EMAIL_MAX, "pattern": people.EMAIL},
        "phone": {"type": "string", "pattern": people.PHONE},
        **{field: {"type": "array", "items": enum(codes)} for field, codes in people.CODES.items()},
    }
    contacts = page("Contact")
    contacts["properties"] = {**contacts["properties"], "visible": {"type": "boolean"}}
    contacts["required"] = [*contacts["required"], "visible"]
    return {
        "ContactInput": obj(fields, required=list(people.NEEDED)),
        "ContactPatch": obj(fields, required=[]) | {"minProperties": 1},
        "ContactPage": contacts,
    }


def proposal_components() -> dict:
    """A coordinator's proposal of a pairing, the engine's proposal run, a profile's completeness."""
    from app.coordination.proposals import RUN_STATES

    count = {"type": "integer", "minimum": 0}
    return {
        "ProposalInput": obj({"org_id": ID, "partner_id": ID, "track": enum(TRACKS), "note": COMMENT}),
        "ProposalRun": obj(
            {
                "status": enum(RUN_STATES),
                "since": TEXT,
                "requested_by": nullable(TEXT),
                "min_score": nullable({"type": "number"}),
                "per_org": nullable({"type": "integer", "minimum": 1}),
                "done": nullable(count),
                "total": nullable(count),
                "created": count,
                "failure": nullable(obj({"code": TEXT, "message": TEXT})),
                "links": obj({"self": TEXT, "queue": TEXT}),
            }
        ),
        "CompletenessItem": obj(
            {"code": enum(COMPLETENESS_CODES), "advice": TEXT, "link": TEXT},
        ),
    }


def account_components() -> dict:
    """The account's notifications and mail preferences, its calendar addresses."""
    notifications = page("Notification")
    notifications["properties"] = {**notifications["properties"], "unread": {"type": "integer", "minimum": 0}}
    notifications["required"] = [*notifications["required"], "unread"]
    preferences = {"language": enum(LANGUAGES), "digest": {"type": "boolean"}}
    calendar = {
        "id": ID,
        "trip": obj({"id": ID, "name": TEXT}),
        "delegate": nullable(obj({"id": ID, "name": TEXT})),
        "organisation": _ORG,
        "language": enum(INTERFACE_LANGUAGES),
        "created_at": TEXT,
        "made_by_you": {"type": "boolean"},
    }
    target = {"trip_id": ID, "language": enum(INTERFACE_LANGUAGES)}
    return {
        "Notification": obj(
            {
                "id": ID,
                "event": enum(NOTIFICATION_EVENTS),
                "title": TEXT,
                "text": TEXT,
                "message": nullable(TEXT),
                "link": TEXT,
                "created_at": TEXT,
                "read_at": nullable(TEXT),
            }
        ),
        "NotificationPage": notifications,
        "Preferences": obj(preferences),
        "PreferencesInput": obj(preferences),
        "Calendar": obj(calendar),
        "NewCalendar": obj({**calendar, "url": TEXT}),
        "CalendarPage": page("Calendar"),
        "CalendarInput": {
            "anyOf": [
                obj({**target, "delegate_id": ID}, required=["trip_id", "delegate_id"]),
                obj({**target, "host_org_id": ID}, required=["trip_id", "host_org_id"]),
            ],
            "description": "one delegate's meetings (delegate_id), or those one's organisation hosts",
        },
    }


def components() -> dict:
    """``components/schemas`` of the OpenAPI document."""
    fields = _profile_fields()
    return {
        "Error": _error(),
        "Topic": obj({"id": TEXT, "fr": TEXT, "en": TEXT}),
        "Organisation": _organisation(),
        "OrganisationDetail": _organisation_detail(),
        "OrganisationInput": obj(fields, required=list(IMPORT_FIELDS)),
        "OrganisationPatch": obj(fields, required=[]),
        "Suggestion": _suggestion(),
        "Evidence": _evidence(),
        "Reason": _reason(),
        "Pairing": _pairing(),
        "PairingDetail": _pairing_detail(),
        "InterestInput": obj(
            {
                "partner_id": ID,
                "track": enum(TRACKS),
                "kind": enum(STANCE_ACTIONS),
                "reason": {"type": "string", "maxLength": MAX_REASON_LENGTH},
            },
            required=["partner_id", "track", "kind"],
        ),
        "DecisionInput": obj(
            {
                "decision": enum(DECISIONS),
                "comment": COMMENT,
                "expected_status": enum(PAIRING_STATUSES),
            },
            required=["decision", "comment"],
        ),
        **proposal_components(),
        "OrganisationPage": page("Organisation"),
        "PairingPage": page("Pairing"),
        "BulkDecisionInput": obj(
            {
                "ids": {"type": "array", "items": ID, "minItems": 1, "maxItems": MAX_BULK},
                "decision": enum(BULK_DECISIONS),
                "comment": COMMENT,
            }
        ),
        "BulkDecisions": answer(
            decisions={
                "type": "array",
                "items": obj(
                    {
                        "pairing_id": ID,
                        "decision": enum(BULK_DECISIONS),
                        "from_status": enum(PAIRING_STATUSES),
                        "to_status": enum(PAIRING_STATUSES),
                        "decision_id": ID,
                    }
                ),
            }
        ),
        "AuditEntry": obj(
            {
                "id": TEXT,
                "created_at": TEXT,
                "action": TEXT,
                "kind": enum(AUDIT_KINDS),
                "subject": obj({"type": TEXT, "id": nullable({"type": "integer"})}),
                "actor": obj({"id": nullable(ID), "name": TEXT}),
                "organisations": {"type": "array", "items": ID, "maxItems": 2},
                "text": TEXT,
            }
        ),
        "AuditPage": page("AuditEntry"),
        **trip_components(),
        **setup_components(),
        **request_components(),
        **after_trip_components(),
        **contact_components(),
        **account_components(),
    }
