"""The OpenAPI 3.1 document of /api/v1, served at /api/v1/openapi.json.

``tests/test_api_openapi.py`` holds it true to the routes (same paths, methods and parameters) and
``tests/test_api_fuzz.py`` holds every answer to its schemas.
"""

from __future__ import annotations

import functools

from app.api.payloads import DEFAULT_PER_PAGE, MAX_PAGE, MAX_PER_PAGE
from app.api.schemas import CITY, ID, TEXT, answer, components, enum, obj, ref
from models.vocabulary import (
    AUDIT_KINDS,
    INTERFACE_LANGUAGES,
    ORG_TYPES,
    PAIRING_STATUSES,
    REGIONS,
    REQUEST_BOXES,
    REQUEST_STATUSES,
    ROLES,
    STANCE_ACTIONS,
    TRACKS,
)

ERRORS = {
    "400": "The request is malformed (a query parameter, the JSON syntax).",
    "401": "No live token: missing, unknown or revoked, or its account is deactivated.",
    "403": "The account may not do this (role, organisation, password to change first).",
    "404": "No such resource.",
    "409": "The request conflicts with the current state (a taken short name, a decision taken meanwhile).",
    "413": "The body is over 256 KB.",
    "415": "The body is not sent as application/json.",
    "422": "The body is well-formed JSON but some values are refused; `errors` lists them by field.",
    "503": "The matching engine cannot run right now.",
}
READ = ("401", "403")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WRITE = ("400", "401", "403", "413", "415", "422")


EXAMPLES = {
    "OrganisationInput": {
        "name": "Laboratoire exemple de thérapie cellulaire",
        "short_name": "Exemple Lab",
        "region": "QC",
        "city": "Sherbrooke",
        "type": "university_lab",
        "expertise": "Cell therapy process development and quality control.",
        "offers": "Training in flow cytometry release testing.",
        "seeks": "Clinical partners for CAR-T trials.",
        "collaboration_types": ["co_training", "joint_trial"],
        "languages": ["fr", "en"],
        "website": "https://example.org",
    },
    "OrganisationPatch": {"seeks": "Clinical partners for CAR-T trials in Europe."},
    "InterestInput": {
        "partner_id": 25,
        "track": "co_training",
        "kind": "interested",
        "reason": "GMP training",
    },
    "DecisionInput": {"decision": "comment", "comment": "Discussed with both teams."},
    "ProposalInput": {
        "org_id": 1,
        "partner_id": 25,
        "track": "joint_trial",
        "note": "Met at the Montréal forum.",
    },
    "BulkDecisionInput": {
        "ids": [1, 2, 3],
        "decision": "approve",
        "comment": "Agreed at the steering committee.",
    },
    "RequestInput": {
        "to_org_id": 25,
        "track": "co_training",
        "format": "video_call",
        "message": "We would like to train two of our technicians on your GMP platform.",
    },
    "AnswerInput": {"answer": "accept", "message": "Gladly: let us talk next week."},
    "PlanInput": {"time_limit": 10},
    "DraftMeetingInput": {"delegate_id": 1, "host_org_id": 25, "slot_id": 3},
    "DraftMovePatch": {"slot_id": 4},
    "GuestsInput": {"delegate_ids": [2]},
    "HostAnswerInput": {"answer": "declined", "note": "Tuesday afternoon would suit us better."},
    "ContactInput": {
        "name": "Camille Exemple",
        "role": "Head of partnerships",
        "email": "camille@example.org",
        "phone": "+33 3 00 00 00 01",
        "languages": ["fr", "en"],
        "tracks": ["co_training"],
    },
    "ContactPatch": {"role": "Director"},
    "TripInput": {
        "name": "Mission Québec 2027",
        "direction": "BFC->QC",
        "cities": ["Montréal", "Québec"],
        "start_date": "2027-05-10",
        "end_date": "2027-05-14",
        "notes": "Two days in Montréal, then Québec.",
    },
    "TripPatch": {"end_date": "2027-05-13", "group_meetings": True},
    "SlotsInput": {"times": ["09:00", "10:30", "14:00"], "minutes": 60, "weekdays_only": True},
    "DelegationInput": {"org_id": 3},
    "DelegateInput": {"org_id": 3, "name": "Ada Lovelace", "email": "ada@example.org"},
    "HostInput": {"city": "", "capacity": 2, "days": ["2027-05-10", "2027-05-11"]},
    "PairInput": {"kind": "must_meet"},
    "TravelTimeInput": {"minutes": 165, "mode": "car"},
    "FollowupInput": {
        "took_place": True,
        "relevance": 4,
        "outcome": "in_discussion",
        "next_step": "A joint training plan by March.",
    },
    "PreferencesInput": {"language": "en", "digest": False},
    "CalendarInput": {"trip_id": 1, "delegate_id": 1, "language": "fr"},
}


def _parameter(name: str, where: str, schema: dict, description: str) -> dict:
    return {
        "name": name,
        "in": where,
        "required": where == "path",
        "schema": schema,
        "description": description,
    }


def _path_id(name: str, what: str) -> dict:
    return {**_parameter(name, "path", ID, f"the id of the {what}"), "example": 1}


def _query(name: str, schema: dict, description: str) -> dict:
    return _parameter(name, "query", schema, description)


PAGING = [
    _query("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}, "page number"),
    _query(
        "per_page",
        {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE},
        "items a page",
    ),
]
TRACK = _query("track", enum(TRACKS), "kind of collaboration")
DAY = {"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}


def _operation(
    operation_id: str,
    summary: str,
    ok: tuple[str, dict],
    errors: tuple[str, ...],
    parameters: list | None = None,
    body: str | None = None,
) -> dict:
    """One operation; ``ok`` is (status, schema of the answer); ``errors`` the error statuses."""
    status, schema = ok
    responses = {status: {"description": summary, "content": {"application/json": {"schema": schema}}}}
    for code in sorted(set(errors)):
        responses[code] = {"$ref": f"#/components/responses/E{code}"}
    operation = {"operationId": operation_id, "summary": summary, "responses": responses}
    if parameters:
        operation["parameters"] = parameters
    if body:
        content = {"application/json": {"schema": ref(body), "example": EXAMPLES[body]}}
        operation["requestBody"] = {"required": True, "content": content}
    return operation


def _paths() -> dict:
    org_id, pairing_id = _path_id("org_id", "organisation"), _path_id("pairing_id", "pairing")
    organisation = answer(organisation=ref("OrganisationDetail"), suggestions_pending={"type": "boolean"})
    contacts = {"anyOf": [{"type": "array", "items": ref("Contact")}, {"type": "null"}]}
    shown = answer(organisation=ref("OrganisationDetail"), may_edit={"type": "boolean"}, contacts=contacts)
    pairing = answer(pairing=ref("PairingDetail"))
    return {
        "/api/v1/me": {"get": _operation("me", "The token's account", ("200", _me()), READ)},
        "/api/v1/openapi.json": {
            "get": {
                **_operation("openapi_document", "This document", ("200", {"type": "object"}), ()),
                "security": [],
            }
        },
        "/api/v1/organisations": {
            "get": _operation(
                "list_organisations",
                "Organisations, by region then name",
                ("200", ref("OrganisationPage")),
                ("400", *READ),
                [
                    _query("region", enum(REGIONS), "only this region"),
                    _query("type", enum(ORG_TYPES), "only this kind of organisation"),
                    _query("city", {"type": "string"}, "only this city (any case)"),
                    *PAGING,
                ],
            ),
            "post": _operation(
                "create_organisation",
                "Add an organisation (coordinators, administrators)",
                ("201", organisation),
                (*WRITE, "409"),
                body="OrganisationInput",
            ),
        },
        "/api/v1/organisations/{org_id}": {
            "get": _operation(
                "show_organisation", "One organisation", ("200", shown), (*READ, "404"), [org_id]
            ),
            "patch": _operation(
                "update_organisation",
                "Change some fields of a profile one may act for",
                ("200", organisation),
                (*WRITE, "404", "409"),
                [org_id],
                "OrganisationPatch",
            ),
        },
        "/api/v1/organisations/{org_id}/suggestions": {
            "get": _operation(
                "organisation_suggestions",
                "Ranked partners across the Atlantic, with score parts and evidence",
                (
                    "200",
                    answer(
                        org_id=ID, track=enum(TRACKS), items={"type": "array", "items": ref("Suggestion")}
                    ),
                ),
                ("400", *READ, "404", "503"),
                [org_id, TRACK, _query("top", {"type": "integer", "minimum": 1, "maximum": 100}, "how many")],
            ),
        },
        "/api/v1/organisations/{org_id}/interests": {
            "post": _operation(
                "mark_interest",
                "A member's stance on a suggested partner",
                ("200", _interest()),
                (*WRITE, "404", "503"),
                [org_id],
                "InterestInput",
            ),
        },
        "/api/v1/pairings": {
            "get": _operation(
                "list_pairings",
                "The review queue: pairings in one status, mutual interest first",
                ("200", ref("PairingPage")),
                ("400", *READ),
                [
                    _query("status", {**enum(PAIRING_STATUSES), "default": "proposed"}, "status"),
                    TRACK,
                    *PAGING,
                ],
            ),
            "post": _propose_operation(pairing),
        },
        "/api/v1/pairings/decisions": {
            "post": _operation(
                "decide_pairings",
                "Approve or reject several pairings with one comment: all of them or none",
                ("201", ref("BulkDecisions")),
                (*WRITE, "404", "409"),
                body="BulkDecisionInput",
            ),
        },
        "/api/v1/audit": {
            "get": _operation(
                "list_audit",
                "The audit log: every change, who made it and when, the latest first",
                ("200", ref("AuditPage")),
                ("400", *READ),
                [
                    _query("kind", enum(AUDIT_KINDS), "kind of action"),
                    _query("org_id", ID, "an organisation, on either side of a pairing or a request"),
                    _query("actor_id", ID, "the account that acted"),
                    _query("since", DAY, "from this UTC day on (YYYY-MM-DD)"),
                    _query("until", DAY, "up to this UTC day, included (YYYY-MM-DD)"),
                    *PAGING,
                ],
            ),
        },
        "/api/v1/pairings/{pairing_id}": {
            "get": _operation(
                "show_pairing",
                "One pairing with its evidence and history",
                ("200", pairing),
                (*READ, "404", "503"),
                [pairing_id],
            ),
        },
        "/api/v1/pairings/{pairing_id}/decisions": {
            "post": _operation(
                "decide_pairing",
                "Approve, reject, reopen or comment, with the reason",
                ("201", pairing),
                (*WRITE, "404", "409", "503"),
                [pairing_id],
                "DecisionInput",
            ),
        },
    }


def _propose_operation(pairing: dict) -> dict:
    """A coordinator's own proposal: 201 and its address; a pairing that exists already is a 409
    whose ``Location`` is that pairing."""
    propose = _operation(
        "propose_pairing",
        "Propose a pairing of two organisations across the Atlantic, with a note (coordinators)",
        ("201", pairing),
        (*WRITE, "404", "409", "503"),
        body="ProposalInput",
    )
    propose["responses"]["201"]["headers"] = {"Location": {"description": "the new pairing", "schema": TEXT}}
    existing = {"description": "when the pairing exists already: that pairing", "schema": TEXT}
    propose["responses"]["409"] = {
        "description": (
            "The pairing exists already (its address in Location), an organisation is closed, "
            "or both are on one side of the Atlantic."
        ),
        "headers": {"Location": existing},
        "content": {"application/json": {"schema": ref("Error")}},
    }
    return propose


def _proposal_paths() -> dict:
    """The engine's proposal run, and the completeness gauge of a profile."""
    run = answer(run=ref("ProposalRun"))
    request_run = _operation(
        "request_proposals",
        "Ask the worker for the engine's proposals, as the queue's button does (coordinators)",
        ("202", answer(created={"type": "boolean"}, run=ref("ProposalRun"))),
        READ,
    )
    location = {"description": "the run's state: GET it until done", "schema": TEXT}
    request_run["responses"]["202"]["headers"] = {"Location": location}
    gauge = answer(
        org_id=ID,
        percent={"type": "integer", "minimum": 0, "maximum": 100},
        missing={"type": "array", "items": ref("CompletenessItem")},
    )
    return {
        "/api/v1/proposals": {
            "post": request_run,
            "get": _operation(
                "proposal_state",
                "The engine's proposal run: pending, running, done or failed (worded in the Accept-Language)",
                ("200", run),
                (*READ, "404"),
            ),
        },
        "/api/v1/organisations/{org_id}/completeness": {
            "get": _operation(
                "organisation_completeness",
                "The profile's completeness gauge and what to add, as on the profile page",
                ("200", gauge),
                (*READ, "404"),
                [_path_id("org_id", "organisation")],
            ),
        },
    }


def _trip_paths() -> dict:
    """Trips, published plans and export files, planning and the draft."""
    trip_id = _path_id("trip_id", "trip")
    lang = _query("lang", {**enum(INTERFACE_LANGUAGES), "default": "fr"}, "language of the file")
    trip_formats = {**enum(("csv", "xlsx", "pdf", "ics")), "default": "pdf"}
    return {
        "/api/v1/organisations/{org_id}/meetings": {
            "get": _operation(
                "organisation_meetings",
                "Published meetings of an organisation one may act for",
                ("200", ref("MeetingPage")),
                ("400", *READ, "404"),
                [_path_id("org_id", "organisation"), *PAGING],
            ),
        },
        "/api/v1/trips": {
            "get": _operation(
                "list_trips",
                "Delegation trips, latest first",
                ("200", ref("TripPage")),
                ("400", *READ),
                PAGING,
            ),
            "post": _created(
                _operation(
                    "create_trip",
                    "Create a trip with the default daily slots on its weekdays, as the web's form",
                    ("201", answer(trip=ref("TripFields"))),
                    (*WRITE, "409"),
                    body="TripInput",
                ),
                "the new trip",
            ),
        },
        "/api/v1/trips/{trip_id}": {
            "get": _operation(
                "show_trip",
                "One trip with its published plan",
                ("200", answer(trip=ref("TripDetail"))),
                (*READ, "404"),
                [trip_id],
            ),
            "patch": _operation(
                "update_trip",
                "Change some of a trip's details (the direction only while it has no delegation nor "
                "hosts), and whether planning makes group meetings",
                ("200", answer(trip=ref("TripFields"))),
                (*WRITE, "404", "409"),
                [trip_id],
                "TripPatch",
            ),
        },
        **_setup_paths(trip_id),
        **_travel_paths(),
        "/api/v1/trips/{trip_id}/plan": _plan_operations(trip_id),
        **_draft_paths(trip_id),
        "/api/v1/trips/{trip_id}/export": {
            "get": _file_operation(
                "export_trip_file",
                "The published plan as CSV, XLSX, a PDF briefing pack or zipped calendars (ics)",
                ("text/csv", XLSX, "application/pdf", "application/zip"),
                [trip_id, _query("format", trip_formats, "kind of file"), lang],
            ),
        },
        "/api/v1/exports/pairings": {
            "get": _file_operation(
                "export_pairings_file",
                "Approved pairings as CSV or XLSX",
                ("text/csv", XLSX),
                [_query("format", {**enum(("csv", "xlsx")), "default": "csv"}, "kind of file"), lang],
            ),
        },
    }


def _created(operation: dict, what: str, also_200: bool = False) -> dict:
    """``operation`` answering 201 with a ``Location`` (and 200, the same answer, when it changed
    what was there already)."""
    created = operation["responses"]["201"]
    created["headers"] = {"Location": {"description": what, "schema": TEXT}}
    if also_200:
        operation["responses"]["200"] = {"description": "Changed", "content": created["content"]}
    return operation


def _removed(operation_id: str, summary: str, parameters: list) -> dict:
    """A DELETE answering 204."""
    operation = _operation(operation_id, summary, ("204", {}), (*READ, "404"), parameters)
    operation["responses"]["204"] = {"description": "Removed"}
    return operation


def _setup_paths(trip_id: dict) -> dict:
    """A trip's set-up: its slots, delegation, delegates, hosts and pairs."""
    org_id = _path_id("org_id", "organisation")
    delegate_id = _path_id("delegate_id", "delegate")
    host_org_id = _path_id("host_org_id", "host organisation")
    pair = [trip_id, org_id, host_org_id]
    listed = ("400", *READ, "404")
    return {
        "/api/v1/trips/{trip_id}/slots": {
            "get": _operation("list_slots", "The trip's slots in time order", ("200", ref("SlotPage")),
                              listed, [trip_id, *PAGING]),
            "put": _operation(
                "set_slots",
                "Replace the daily slots by a template (slots that stay keep their draft meetings)",
                ("200", ref("SlotsSet")),
                (*WRITE, "404", "409"),
                [trip_id],
                "SlotsInput",
            ),
        },
        "/api/v1/trips/{trip_id}/delegation": {
            "get": _operation("list_delegation", "The delegation's organisations with their delegates",
                              ("200", ref("DelegationPage")), listed, [trip_id, *PAGING]),
            "post": _created(
                _operation(
                    "add_to_delegation",
                    "Add an open organisation of the delegation's side to the delegation",
                    ("201", answer(organisation=ref("DelegationOrganisation"))),
                    (*WRITE, "404", "409"),
                    [trip_id],
                    "DelegationInput",
                ),
                "the organisation in the delegation",
            ),
        },
        "/api/v1/trips/{trip_id}/delegation/{org_id}": {
            "get": _operation("show_delegation_org", "One organisation of the delegation",
                              ("200", answer(organisation=ref("DelegationOrganisation"))),
                              (*READ, "404"), [trip_id, org_id]),
            "delete": _removed("remove_from_delegation",
                               "Remove an organisation with its delegates, pairs and draft meetings",
                               [trip_id, org_id]),
        },
        "/api/v1/trips/{trip_id}/delegates": {
            "get": _operation("list_delegates", "The delegates, by organisation then name",
                              ("200", ref("DelegatePage")), listed, [trip_id, *PAGING]),
            "post": _created(
                _operation(
                    "add_delegate",
                    "Add a delegate to an organisation of the delegation",
                    ("201", answer(delegate=ref("Delegate"))),
                    (*WRITE, "404"),
                    [trip_id],
                    "DelegateInput",
                ),
                "the new delegate",
            ),
        },
        "/api/v1/trips/{trip_id}/delegates/{delegate_id}": {
            "get": _operation("show_delegate", "One delegate", ("200", answer(delegate=ref("Delegate"))),
                              (*READ, "404"), [trip_id, delegate_id]),
            "delete": _removed("remove_delegate", "Remove a delegate with their draft meetings",
                               [trip_id, delegate_id]),
        },
        "/api/v1/trips/{trip_id}/hosts": {
            "get": _operation("list_hosts", "The hosts, by short name", ("200", ref("HostPage")), listed,
                              [trip_id, *PAGING]),
        },
        "/api/v1/trips/{trip_id}/hosts/{org_id}": {
            "get": _operation("show_host", "One host", ("200", answer(host=ref("Host"))), (*READ, "404"),
                              [trip_id, org_id]),
            "put": _created(
                _operation(
                    "save_host",
                    "Make an organisation of the visited side a host, or change its city ('': its own), "
                    "capacity and receiving days ([]: every day)",
                    ("201", answer(host=ref("Host"))),
                    (*WRITE, "404", "409"),
                    [trip_id, org_id],
                    "HostInput",
                ),
                "the new host",
                also_200=True,
            ),
            "delete": _removed("remove_host", "Remove a host with its pairs and draft meetings",
                               [trip_id, org_id]),
        },
        "/api/v1/trips/{trip_id}/pairs": {
            "get": _operation("list_pairs", "The pairs that must meet or must not meet",
                              ("200", ref("PairPage")), listed, [trip_id, *PAGING]),
        },
        "/api/v1/trips/{trip_id}/pairs/{org_id}/{host_org_id}": {
            "get": _operation("show_pair", "One pair's rule", ("200", answer(pair=ref("Pair"))),
                              (*READ, "404"), pair),
            "put": _created(
                _operation(
                    "save_pair",
                    "Make a (delegation organisation, host) pair must meet or must not meet",
                    ("201", answer(pair=ref("Pair"))),
                    (*WRITE, "404"),
                    pair,
                    "PairInput",
                ),
                "the pair's rule",
                also_200=True,
            ),
            "delete": _removed("remove_pair", "Drop a pair's rule", pair),
        },
    }  # fmt: skip


def _travel_paths() -> dict:
    """Travel times between two cities, as the *Travel times* page."""
    cities = [
        {**_parameter(name, "path", CITY, f"{which} city, in any spelling (the pair is the same both ways)"),
         "example": example}
        for name, which, example in (("city_a", "one", "Montréal"), ("city_b", "the other", "Québec"))
    ]  # fmt: skip
    one = answer(travel_time=ref("TravelTime"))
    return {
        "/api/v1/travel-times": {
            "get": _operation("list_travel_times", "Door-to-door travel times between two cities, by first "
                              "city", ("200", ref("TravelTimePage")), ("400", *READ), PAGING),
        },
        "/api/v1/travel-times/{city_a}/{city_b}": {
            "get": _operation("show_travel_time", "One pair's travel time", ("200", one), (*READ, "404"),
                              cities),
            "put": _created(
                _operation(
                    "save_travel_time",
                    "Add or change a pair's travel time, as the travel times form (one city twice: 409)",
                    ("201", one),
                    (*WRITE, "404", "409"),
                    cities,
                    "TravelTimeInput",
                ),
                "the pair's travel time",
                also_200=True,
            ),
            "delete": _removed("remove_travel_time", "Remove a pair's travel time (its cities are then "
                               "never joined within a day)", cities),
        },
    }  # fmt: skip


def _plan_operations(trip_id: dict) -> dict:
    """Ask the worker to plan a trip (an optional body), and the planning's state."""
    plan = _operation(
        "plan_trip",
        "Plan the trip in the background, as the web's Plan button does (coordinators, administrators)",
        ("202", answer(created={"type": "boolean"}, plan=ref("PlanState"))),
        (*WRITE, "404"),
        [trip_id],
        "PlanInput",
    )
    plan["requestBody"]["required"] = False  # no body: the web's time limit (TRIP_PLAN_SECONDS)
    location = {"description": "the planning's state: GET it until done or failed", "schema": TEXT}
    plan["responses"]["202"]["headers"] = {"Location": location}
    state = _operation(
        "plan_state",
        "The trip's planning: pending, running, failed (worded in the Accept-Language) or done",
        ("200", answer(plan=ref("PlanState"))),
        (*READ, "404"),
        [trip_id],
    )
    return {"post": plan, "get": state}


def _draft_paths(trip_id: dict) -> dict:
    """The draft: read it, add, move and remove its meetings, set their guests, publish it."""
    meeting_id = _path_id("meeting_id", "draft meeting")
    meeting = answer(meeting=ref("DraftMeeting"))
    add = _operation(
        "add_draft_meeting",
        "Add a meeting by hand; its track, score and reason come from the engine",
        ("201", meeting),
        (*WRITE, "404", "409", "503"),
        [trip_id],
        "DraftMeetingInput",
    )
    add["responses"]["201"]["headers"] = {"Location": {"description": "the new meeting", "schema": TEXT}}
    remove = _operation(
        "remove_draft_meeting",
        "Remove a draft meeting (refused for a must-meet pair)",
        ("204", {}),
        (*READ, "404", "409", "422"),
        [trip_id, meeting_id],
    )
    remove["responses"]["204"] = {"description": "Removed"}
    return {
        "/api/v1/trips/{trip_id}/draft": {
            "get": _operation(
                "show_draft",
                "The draft's meetings in time order, the rules it breaks, what publishing would do",
                ("200", ref("DraftPage")),
                ("400", *READ, "404"),
                [trip_id, *PAGING],
            ),
        },
        "/api/v1/trips/{trip_id}/draft/meetings": {"post": add},
        "/api/v1/trips/{trip_id}/draft/meetings/{meeting_id}": {
            "get": _operation(
                "show_draft_meeting",
                "One draft meeting",
                ("200", meeting),
                (*READ, "404"),
                [trip_id, meeting_id],
            ),
            "patch": _operation(
                "move_draft_meeting",
                "Move a draft meeting to another slot and/or another delegate of its organisation",
                ("200", meeting),
                (*WRITE, "404", "409"),
                [trip_id, meeting_id],
                "DraftMovePatch",
            ),
            "delete": remove,
        },
        "/api/v1/trips/{trip_id}/draft/meetings/{meeting_id}/guests": {
            "put": _operation(
                "set_draft_guests",
                "Make these delegates the other attendees of a draft meeting ([]: nobody else)",
                ("200", meeting),
                (*WRITE, "404", "409"),
                [trip_id, meeting_id],
                "GuestsInput",
            ),
        },
        "/api/v1/trips/{trip_id}/publish": {
            "post": _operation(
                "publish_trip",
                "Publish the draft as the web does: the meetings created, changed, unchanged, cancelled",
                ("200", answer(report=ref("PublishReport"), trip=TEXT)),
                (*READ, "404"),
                [trip_id],
            ),
        },
    }


def _request_paths() -> dict:
    """Requests between organisations: members' inbox and sent requests, send, answer, withdraw."""
    request_id = _path_id("request_id", "request")
    one = answer(request=ref("Request"))
    contacts = {"anyOf": [{"type": "array", "items": ref("Contact")}, {"type": "null"}]}
    return {
        "/api/v1/requests": {
            "get": _operation(
                "list_requests",
                "Requests to the member's organisations (inbox) or from them (sent), pending first",
                ("200", ref("RequestPage")),
                ("400", *READ),
                [
                    _query("box", {**enum(REQUEST_BOXES), "default": REQUEST_BOXES[0]}, "which requests"),
                    _query("status", enum(REQUEST_STATUSES), "only this status"),
                    *PAGING,
                ],
            ),
            "post": _operation(
                "send_request",
                "Send a request to an organisation across the Atlantic (members)",
                ("201", one),
                (*WRITE, "404", "409"),
                body="RequestInput",
            ),
        },
        "/api/v1/requests/{request_id}": {
            "get": _operation(
                "show_request",
                "One request, with the other side's contacts when they may be seen (else null)",
                ("200", answer(request=ref("Request"), contacts=contacts)),
                (*READ, "404"),
                [request_id],
            ),
        },
        "/api/v1/requests/{request_id}/answer": {
            "post": _operation(
                "answer_request",
                "Accept or decline a pending request sent to one's organisation",
                ("200", one),
                (*WRITE, "404", "409"),
                [request_id],
                "AnswerInput",
            ),
        },
        "/api/v1/requests/{request_id}/withdraw": {
            "post": _operation(
                "withdraw_request",
                "Withdraw a pending request one's organisation sent",
                ("200", one),
                (*READ, "404", "409"),
                [request_id],
            ),
        },
    }


def _after_trip_paths() -> dict:
    """What comes after a trip's publication: hosts answer their meetings, members the follow-up forms."""
    followup_id = _path_id("followup_id", "follow-up form")
    one = answer(followup=ref("Followup"))
    return {
        "/api/v1/meetings/{meeting_id}/answer": {
            "post": _operation(
                "answer_meeting",
                "Accept a published meeting one's organisation hosts, or decline it proposing another slot",
                ("200", answer(meeting=ref("Meeting"), host_note=TEXT)),
                (*WRITE, "404", "409"),
                [_path_id("meeting_id", "published meeting")],
                "HostAnswerInput",
            ),
        },
        "/api/v1/dashboard": {
            "get": _operation(
                "show_dashboard",
                "The programme dashboard's figures: pairings, requests, meetings held, outcomes",
                ("200", ref("Dashboard")),
                READ,
            ),
        },
        "/api/v1/followups": {
            "get": _operation(
                "list_followups",
                "A member's follow-up forms, unanswered first; every answer for coordinators",
                ("200", ref("FollowupPage")),
                ("400", *READ),
                [_query("trip", ID, "only this trip's forms"), *PAGING],
            ),
        },
        "/api/v1/followups/{followup_id}": {
            "get": _operation(
                "show_followup",
                "One follow-up form and its answer",
                ("200", one),
                (*READ, "404"),
                [followup_id],
            ),
            "put": _operation(
                "answer_followup",
                "Answer (or change the answer to) a follow-up form of one's organisation",
                ("200", one),
                (*WRITE, "404"),
                [followup_id],
                "FollowupInput",
            ),
        },
    }


def _contact_paths() -> dict:
    """An organisation's contact persons: read under the privacy rule, written by those who edit it."""
    org_id, contact_id = _path_id("org_id", "organisation"), _path_id("contact_id", "contact person")
    one = answer(contact=ref("Contact"))
    add = _operation(
        "add_contact",
        "Add a contact person to an organisation one may act for",
        ("201", one),
        (*WRITE, "404"),
        [org_id],
        "ContactInput",
    )
    add["responses"]["201"]["headers"] = {"Location": {"description": "the new contact", "schema": TEXT}}
    remove = _operation(
        "remove_contact", "Remove a contact person", ("204", {}), (*READ, "404"), [org_id, contact_id]
    )
    remove["responses"]["204"] = {"description": "Removed"}
    return {
        "/api/v1/organisations/{org_id}/contacts": {
            "get": _operation(
                "list_contacts",
                "An organisation's contact persons, by name; none while the privacy rule hides them",
                ("200", ref("ContactPage")),
                ("400", *READ, "404"),
                [org_id, *PAGING],
            ),
            "post": add,
        },
        "/api/v1/organisations/{org_id}/contacts/{contact_id}": {
            "get": _operation(
                "show_contact",
                "One contact person (403 while the privacy rule hides the organisation's contacts)",
                ("200", one),
                (*READ, "404"),
                [org_id, contact_id],
            ),
            "patch": _operation(
                "change_contact",
                "Change some fields of a contact person",
                ("200", one),
                (*WRITE, "404"),
                [org_id, contact_id],
                "ContactPatch",
            ),
            "delete": remove,
        },
    }


def _account_paths() -> dict:
    """The account's notifications and mail preferences, its private calendar addresses."""
    preferences = answer(preferences=ref("Preferences"))
    create = _operation(
        "create_calendar",
        "Make a private calendar address for a delegate of a trip or the meetings one's organisation "
        "hosts; its url is shown this once",
        ("201", answer(calendar=ref("NewCalendar"))),
        (*WRITE, "404"),
        body="CalendarInput",
    )
    revoke = _operation(
        "revoke_calendar",
        "Revoke a calendar address: it answers 404 from now on",
        ("204", {}),
        (*READ, "404"),
        [_path_id("subscription_id", "calendar address")],
    )
    revoke["responses"]["204"] = {"description": "Revoked"}
    return {
        "/api/v1/notifications": {
            "get": _operation(
                "list_notifications",
                "The account's notifications, newest first, as the Notifications page",
                ("200", ref("NotificationPage")),
                ("400", *READ),
                PAGING,
            ),
        },
        "/api/v1/notifications/read": {
            "post": _operation(
                "mark_notifications_read",
                "Mark every notification of the account read",
                (
                    "200",
                    answer(
                        marked={"type": "integer", "minimum": 0}, unread={"type": "integer", "minimum": 0}
                    ),
                ),
                READ,
            ),
        },
        "/api/v1/account/notifications": {
            "get": _operation(
                "show_preferences",
                "The language of the account's mails and whether it gets the weekly digest",
                ("200", preferences),
                READ,
            ),
            "put": _operation(
                "set_preferences",
                "Set the language of the account's mails and whether it gets the weekly digest",
                ("200", preferences),
                WRITE,
                body="PreferencesInput",
            ),
        },
        "/api/v1/account/calendars": {
            "get": _operation(
                "list_calendars",
                "The live calendar addresses the account may revoke (without their secret), newest first",
                ("200", ref("CalendarPage")),
                ("400", *READ),
                PAGING,
            ),
            "post": create,
        },
        "/api/v1/account/calendars/{subscription_id}": {"delete": revoke},
    }


def _file_operation(operation_id: str, summary: str, types: tuple[str, ...], parameters: list) -> dict:
    """An operation that answers a file download."""
    operation = _operation(operation_id, summary, ("200", {}), ("400", *READ, "404"), parameters)
    binary = {"schema": {"type": "string", "format": "binary"}}
    operation["responses"]["200"]["content"] = {media: binary for media in types}
    return operation


def _me() -> dict:
    summary = obj(
        {"id": ID, "short_name": {"type": "string"}, "name": {"type": "string"}, "region": enum(REGIONS)}
    )
    user = obj(
        {
            "id": ID,
            "email": {"type": "string"},
            "role": enum(ROLES),
            "organisations": {"type": "array", "items": summary},
        }
    )
    return answer(user=user)


def _interest() -> dict:
    return answer(
        org_id=ID,
        partner_id=ID,
        track=enum(TRACKS),
        kind=enum(STANCE_ACTIONS),
        reason={"type": "string"},
        pairing_id={"anyOf": [ID, {"type": "null"}]},
        mutual={"type": "boolean"},
    )


@functools.cache
def document() -> dict:
    """The whole OpenAPI document (built once per process)."""
    error = {"content": {"application/json": {"schema": ref("Error")}}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Passerelle API",
            "version": "1.0.0",
            "description": (
                "Organisations, suggestions with evidence, interest and pairings of Passerelle. "
                "Send a personal token (made on the account page) as 'Authorization: Bearer <token>'. "
                "Every error is {ok: false, error, errors: [{field, message}], status}."
            ),
        },
        "security": [{"bearerAuth": []}],
        "paths": (
            _paths()
            | _contact_paths()
            | _proposal_paths()
            | _trip_paths()
            | _request_paths()
            | _after_trip_paths()
            | _account_paths()
        ),
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "schemas": components(),
            "responses": {f"E{code}": {"description": text, **error} for code, text in ERRORS.items()},
        },
    }
