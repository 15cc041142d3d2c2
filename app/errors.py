"""App-level error pages: JSON under /api/, a page in the person's language everywhere else.

Every API error has one shape: ``{"ok": false, "error": "...", "errors": [{"field", "message"}...],
"status": 400}``; API messages are in English, for programs and their authors.

The named errors of ``models/errors.py`` are worded here, once per code (:data:`DOMAIN_MESSAGES`),
and reach people through :func:`flash_error` (a page), :func:`api_domain_error` (the API, in English)
or :func:`click_error` (a command line, in English).
"""

from __future__ import annotations

from collections.abc import Mapping

import click
from flask import Flask, Response, flash, jsonify, render_template, request
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.i18n import label
from models.errors import PasserelleError
from models.vocabulary import N_

TITLES = {
    400: _l("The request could not be accepted"),
    401: _l("Please log in"),
    403: _l("You may not see this page"),
    404: _l("Page not found"),
    405: _l("This action is not possible here"),
    413: _l("What you sent is too large"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong on our side"),
    503: _l("The service is not available right now"),
}
MESSAGES = {
    400: _l("The form or the address holds something the site cannot use. Go back and check it."),
    401: _l("Log in first, then try again."),
    403: _l("Your account does not give access to this page or this organisation."),
    404: _l("There is nothing at this address. It may have been removed, or the link is wrong."),
    405: _l("This address does not accept this kind of request. Use the buttons on the pages."),
    413: _l("The upload is larger than the site accepts. Send a smaller file; nothing was saved."),
    429: _l("Too many attempts in a short time. Wait a few minutes, then try again."),
    500: _l("An unexpected error stopped this page. Nothing was changed. Try again in a moment."),
    503: _l("The matching engine cannot run right now. Try again later or tell a coordinator."),
}
API_MESSAGES = {
    400: "The request is malformed.",
    401: "Send a valid API token: 'Authorization: Bearer <token>'. Tokens are made on the account page.",
    403: "Your account may not do this.",
    404: "There is nothing at this address.",
    405: "This address does not accept this method.",
    409: "The request conflicts with the current state of the resource.",
    413: "The request body is too large.",
    415: "Send the body as JSON, with 'Content-Type: application/json'.",
    422: "The body holds values that cannot be accepted.",
    429: "Too many requests. Wait a little, then try again.",
    500: "An unexpected error stopped the request. Nothing was changed.",
    503: "The matching engine cannot run right now. Try again later.",
}
# code -> the message people read; %(...)s are the error's params, coded values put into words.
DOMAIN_MESSAGES = {
    "forbidden": N_("Your account may not do this. Nothing was changed."),
    "forbidden_role": N_("Your account may not do this. Nothing was changed."),
    "not_a_member": N_("Only a member of the organisation may do this. Nothing was changed."),
    "not_found": N_("There is nothing with this number. Nothing was changed."),
    "pairing_not_found": N_("There is no such pairing. Nothing was changed."),
    "organisation_not_found": N_("There is no such organisation. Nothing was changed."),
    "trip_not_found": N_("There is no trip %(trip_id)s."),
    "invalid_input": N_("The form holds a value that cannot be accepted. Nothing was changed."),
    "unknown_decision": N_("Choose one of the decisions offered. Nothing was changed."),
    "unknown_status": N_("The form is damaged: reload the page."),
    "unknown_track": N_("Choose one of the kinds of collaboration offered. Nothing was changed."),
    "unknown_stance": N_("Choose one of the choices offered. Nothing was changed."),
    "comment_required": N_("Say why: the reason is kept in the pairing's history."),
    "too_long": N_("The text is too long: at most %(limit)s characters. Nothing was changed."),
    "bad_partner": N_("This partner cannot be chosen for your organisation. Nothing was changed."),
    "conflict": N_("This does not fit the current state of the page. Reload it; nothing was changed."),
    "stale": N_("Someone else changed this meanwhile. Nothing was changed; reload the page."),
    "stale_decision": N_(
        "Someone else decided on this pairing meanwhile. Nothing was changed; see the history."
    ),
    "illegal_transition": N_(
        "A pairing that is %(current)s cannot take the decision “%(decision)s”. Nothing was changed."
    ),
    # bulk decisions and coordinators' proposals (app/operations/pairings.py)
    "bulk_decision": N_("Several pairings are approved or rejected at once; nothing was changed."),
    "nothing_selected": N_("Tick at least one pairing. Nothing was changed."),
    "too_many_selected": N_("Tick at most %(limit)s pairings at once. Nothing was changed."),
    "pairings_not_found": N_("Nothing was changed: some of the pairings ticked do not exist."),
    "unknown_pairing": N_("There is no pairing number %(id)s."),
    "bulk_refused": N_("Nothing was changed: these pairings cannot take the decision “%(decision)s”."),
    "refused_pairing": N_("%(bfc)s ⇄ %(qc)s (%(track)s) has the status “%(current)s”."),
    "note_required": N_("Write a note: say why these two should meet."),
    "same_side_pairing": N_("%(name)s is on the same side of the Atlantic: a pairing goes across it."),
    "closed_organisation": N_("%(name)s is closed: nothing new is started with it. Nothing was changed."),
    "pairing_exists": N_(
        "A pairing with %(name)s on “%(track)s” exists already (%(current)s): see it in the list below."
    ),
    # the engine's proposal run (app/api/proposals.py): the queue page's words before any run
    "proposals_never_run": N_("The engine has not proposed pairings yet: refresh its proposals."),
    "proposals_failed": N_("The engine stopped on an unexpected error (%(error)s). Tell an administrator."),
    "engine_unavailable": N_(
        "The matching engine cannot run right now. Try again later or tell a coordinator."
    ),
    "invalid_import": N_("%(count)s problems in the import file; nothing was imported."),
    # organisations
    "invalid_profile": N_("The profile does not follow the import format: %(problems)s."),
    "translation_in_text_language": N_(
        "The profile's texts are written in that language already: "
        "its second version must be in the other one."
    ),
    "short_name_taken": N_("Another organisation already uses the short name %(name)s."),
    "status_staff_only": N_("Only coordinators and administrators change an organisation's status."),
    "unknown_org_status": N_("The status was not changed: choose active, closed or unverified."),
    "region_locked": N_("The region cannot change while the organisation has pairings. Ask a coordinator."),
    "stale_profile": N_(
        "Someone else saved this profile while you were editing it. Reload the page to see their changes."
    ),
    # trips: what is missing before planning, and the rules a draft edit may not break
    "trip_incomplete": N_("The trip cannot be planned yet:"),
    "trip_never_planned": N_("This trip has never been planned: ask for its planning first."),
    "plan_failed": N_("The planner stopped on an unexpected error (%(error)s). Tell an administrator."),
    "no_slots": N_("The trip has no meeting slot: set the daily slots."),
    "no_delegates": N_("The delegation has no delegate: add at least one."),
    "no_hosts": N_("The trip has no host: add the organisations that receive the delegation."),
    "must_meet_without_delegate": N_(
        "%(org)s must meet %(host)s but has no delegate: add one or drop the pair."
    ),
    "trip_slot_not_found": N_("The trip has no slot %(id)s. Nothing was changed."),
    "trip_delegate_not_found": N_("The trip has no delegate %(id)s. Nothing was changed."),
    "trip_host_not_found": N_("Organisation %(id)s is not a host of the trip. Nothing was changed."),
    # a trip's set-up (app/operations/trip_setup.py); the first ones are the set-up forms' own words
    "trip_name_required": N_("Give the trip a name."),
    "trip_cities_required": N_("Name at least one destination city."),
    "trip_dates_reversed": N_("The last day cannot be before the first day."),
    "trip_too_long": N_("A trip lasts at most %(n)d days."),
    "trip_name_taken": N_("Another trip already has this name."),
    "trip_direction_locked": N_("Remove the delegation and the hosts before changing the direction."),
    "slot_time_format": N_("Write times as HH:MM, e.g. 09:00."),
    "slot_time_repeated": N_("A start time is repeated."),
    "slot_minutes_range": N_("Between 15 and 240 minutes."),
    "slots_overlap": N_("Meetings this long would overlap: space the start times further apart."),
    "slots_after_midnight": N_("The last meeting would end after midnight."),
    "delegate_name_required": N_("Give the delegate's name."),
    "bad_email": N_("This is not an email address."),
    "host_capacity_range": N_("Between 1 and 20."),
    "delegation_other_side": N_(
        "%(name)s is not on the delegation's side of the Atlantic. Nothing was changed."
    ),
    "in_delegation_already": N_("%(name)s is in the delegation already. Nothing was changed."),
    "trip_delegation_not_found": N_("Organisation %(id)s is not in the delegation. Nothing was changed."),
    "host_other_side": N_("%(name)s is not in the region the delegation visits. Nothing was changed."),
    "host_city_not_in_trip": N_(
        "%(city)s is not one of the trip's cities: choose one of them, or the organisation's own "
        "city. Nothing was changed."
    ),
    "host_day_not_in_trip": N_("%(day)s is not a day of the trip. Nothing was changed."),
    "unknown_pair_rule": N_("Choose must meet or must not meet. Nothing was changed."),
    "trip_pair_not_found": N_("This pair has no rule. Nothing was changed."),
    # travel times between cities (app/operations/travel.py); the first ones are the travel form's words
    "travel_city_required": N_("Name both cities."),
    "travel_city_too_long": N_("At most %(n)d characters, please."),
    "travel_city_slash": N_("One city a field, without a slash: give each pair of cities its own time."),
    "travel_minutes_range": N_("Between 1 and 1440 minutes."),
    "travel_same_city": N_("Nothing was saved: give two different cities."),
    "unknown_travel_mode": N_("Choose one of the means of transport offered. Nothing was saved."),
    "travel_not_found": N_("No travel time is known between %(a)s and %(b)s. Nothing was changed."),
    "draft_refused": N_("Refused, nothing was changed:"),
    "no_engine_score": N_("The engine has no score for this pair, so the meeting cannot be added."),
    "rule_delegate_busy": N_("%(delegate)s already has a meeting at %(when)s."),
    "rule_host_full": N_("%(host)s already holds as many meetings as it can at %(when)s."),
    "rule_pair_repeated": N_("%(org)s already meets %(host)s during this trip."),
    "rule_city_change": N_(
        "%(delegate)s cannot get from %(from)s to %(to)s on %(day)s: the trip takes %(minutes)d min "
        "and there are %(gap)d min between the meetings."
    ),
    "rule_city_change_unknown": N_(
        "%(delegate)s cannot go from %(from)s to %(to)s on %(day)s: no travel time is known between "
        "them (coordinators can add it on the travel times page)."
    ),
    "rule_guest": N_("%(delegate)s is listed twice at one meeting."),
    "rule_must_not_meet": N_("%(org)s must not meet %(host)s."),
    "rule_must_meet": N_("%(org)s must meet %(host)s during this trip."),
    "rule_unavailable": N_("%(host)s does not receive the delegation at %(when)s."),
    "rule_organisation": N_("%(delegate)s is not a delegate of %(org)s."),
    "rule_no_candidate": N_("The engine has no score for %(org)s and %(host)s."),
    "rule": N_("The meeting refers to something the trip does not have."),
    # the audit log's filters (app/audit)
    "audit_unknown_kind": N_("Choose a kind of action from the list."),
    "audit_unknown_org": N_(
        "No organisation has the short name “%(name)s”: check its spelling in the directory."
    ),
    "audit_unknown_actor": N_("Choose a person from the list."),
    "audit_bad_date": N_("“%(value)s” is not a date: write it as 2026-05-11, or use the calendar."),
    "audit_date_out_of_range": N_("Choose a day between the years 1900 and 2999."),
    "audit_dates_reversed": N_("The end date comes before the start date: swap them."),
    "audit_bad_page": N_("There is no such page of the log."),
    # a host's signed answer link (app/hosting/links.py)
    "link_invalid": N_("This link is not valid. Log in to Passerelle to see your meetings."),
    "link_expired": N_("This link has expired. Log in to Passerelle to see your meetings."),
    # requests from one organisation to another
    "request_not_found": N_("There is no such request. Nothing was changed."),
    "request_not_allowed": N_("Your account may not do this with this request. Nothing was changed."),
    "request_of_others": N_("This request is between other organisations."),
    "not_sender_member": N_("Only members of an organisation send requests in its name."),
    "not_recipient": N_("Only members of the organisation the request was sent to may do this."),
    "not_sender": N_("Only members of the organisation that sent the request may do this."),
    "invalid_request": N_("The request was not sent: check the form below."),
    "message_required": N_("Write a message: say what you propose and why."),
    "unknown_request_format": N_("Choose one of the formats offered. Nothing was changed."),
    "unknown_request_answer": N_("Accept or decline the request. Nothing was changed."),
    "same_side": N_("%(name)s is on your side of the Atlantic: requests go across it."),
    "request_already_open": N_("A request to %(name)s on this track is already waiting for an answer."),
    "request_not_pending": N_("This request was already answered or withdrawn; nothing was changed."),
    # a host's answer to a published meeting
    "host_answer_refused": N_("The answer could not be recorded. Nothing was changed."),
    "not_host": N_("Only a member of the host organisation can answer for it."),
    "meeting_cancelled": N_("This meeting was cancelled: there is nothing to confirm."),
    "meeting_changed": N_("This meeting has changed since the mail was sent: see it in Passerelle."),
    "bad_host_answer": N_("Accept the meeting or propose another slot."),
    "note_needed": N_("Say which other slot would suit you."),
    "note_too_long": N_("The note is too long: 500 characters at most."),
    # contact persons (app/operations/people.py); the parts are the contact form's words
    "invalid_contact": N_("The contact person was not saved:"),
    "contact_name_needed": N_("Fill in the name."),
    "contact_email_needed": N_("Fill in the email address."),
    "contact_too_long": N_("At most %(n)d characters, please."),
    "contact_email_invalid": N_("Give an email address such as name@example.org."),
    "contact_phone_invalid": N_("Give a phone number: digits, spaces, + ( ) . -"),
    "contact_unknown_language": N_("Choose the languages among those offered."),
    "contact_unknown_track": N_("Choose the kinds of collaboration among those offered."),
    "contact_not_found": N_("This organisation has no such contact person."),
    "contacts_hidden": N_(
        "Partners see contact persons only once your organisations are linked: mutual interest, "
        "an accepted request or a pairing approved by the coordinators."
    ),
    # the account's mail preferences (app/notifications/queries.py) and calendar addresses
    "unknown_mail_language": N_("Choose French or English for your emails."),
    "unknown_calendar_language": N_("Choose French or English for the calendar's events."),
    "calendar_target": N_(
        "A calendar address follows one delegate or the meetings of one host organisation: name one of them."
    ),
    # a follow-up form's answer (app/followup/queries.py); the first three are the form's own words
    "followup_relevance_needed": N_("Choose a relevance from 1 to 5."),
    "followup_outcome_needed": N_("Choose what came of the meeting."),
    "followup_next_step_too_long": N_("At most %(n)d characters, please."),
    "followup_not_held": N_("Relevance and outcome are given only for a meeting that took place."),
}
# The params that hold codes, and the vocabulary that puts them into words.
_CODED_PARAMS = {"current": "status", "decision": "decision", "track": "track", "kind": "interest"}
# Headers of an HTTP exception that an API client needs (the methods allowed, the auth challenge).
_KEPT_HEADERS = ("Allow", "WWW-Authenticate", "Retry-After")
CSRF_MESSAGE = _l(
    "The form could not be accepted because its security token is missing or has expired. "
    "Nothing was changed. Go back, reload the page and send the form again."
)


def register(app: Flask) -> None:
    """Install the handlers on the app (blueprint handlers never see routing 404s)."""
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(PasserelleError, _domain_error)
    app.jinja_env.globals.update(describe_part=describe_part)
    app.register_error_handler(InternalServerError, lambda error: render_error(500))


def render_error(code: int, message: str | None = None, headers: Mapping[str, str] | None = None):
    """The error response for ``code``: JSON for the API, an HTML page otherwise."""
    if request.path.startswith("/api/"):
        return api_error(code, message, headers=headers)
    text = str(message or MESSAGES.get(code, MESSAGES[500]))
    title = TITLES.get(code, TITLES[500])
    return render_template("errors/error.html", code=code, title=title, message=text), code, headers or {}


def api_error(
    code: int,
    message: str | None = None,
    errors: list[dict] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The API's one error shape; ``errors`` items are ``{"field": name or None, "message": text}``."""
    text = str(message or API_MESSAGES.get(code) or API_MESSAGES[500 if code >= 500 else 400])
    items = errors if errors else [{"field": None, "message": text}]
    response = jsonify(ok=False, error=text, errors=items, status=code)
    response.status_code = code
    response.headers.update(headers or {})
    response.headers["Cache-Control"] = "no-store"
    return response


def _http_error(error: HTTPException):
    kept = {name: value for name, value in error.get_headers() if name in _KEPT_HEADERS}
    return render_error(error.code or 500, headers=kept)


def _csrf_error(error: CSRFError):
    return render_error(400, CSRF_MESSAGE)


def describe(error: PasserelleError) -> str:
    """The error in a sentence, in the current language (the reader's, or the one forced).

    An error whose ``parts`` param lists ``{"code", values...}`` items (the gaps of a trip, the rules an
    edit breaks) is its own sentence followed by one sentence per part.
    """
    message = (
        DOMAIN_MESSAGES.get(error.code)
        or DOMAIN_MESSAGES.get(type(error).code)
        or DOMAIN_MESSAGES["conflict"]
    )
    text = _words(message, {name: value for name, value in error.params.items() if name != "parts"})
    return " ".join([text, *(describe_part(part) for part in error.params.get("parts") or [])])


def describe_part(part: dict) -> str:
    """One ``{"code", values...}`` item (a trip's gap, a broken rule) in a sentence."""
    message = DOMAIN_MESSAGES.get(part["code"]) or DOMAIN_MESSAGES["rule"]
    return _words(message, {name: value for name, value in part.items() if name != "code"})


def _words(message: str, params: dict) -> str:
    values = {
        name: label(_CODED_PARAMS[name], value)
        if name in _CODED_PARAMS
        else "; ".join(map(str, value))
        if isinstance(value, list | tuple)
        else value
        for name, value in params.items()
    }
    return gettext(message, **values) if values else gettext(message)


def lazy_message(code: str, **params):
    """A domain error's sentence, translated when shown: a form validator's message."""
    return _l(DOMAIN_MESSAGES[code], **params)


def field_error(form, error: PasserelleError) -> None:
    """Show a refusal under the form's field it names (else as a flash), in the reader's language."""
    field = form._fields.get(error.field) if error.field else None
    if field is None:
        flash_error(error)
    else:
        field.errors = [*field.errors, describe(error)]


def flash_error(error: PasserelleError) -> None:
    """Tell the person on the page what went wrong, in their language."""
    flash(describe(error), "error")


def api_domain_error(error: PasserelleError) -> Response:
    """The API's error for a domain error, in English, with the field at fault (one item per part
    when its parts name their fields: every field of a refused contact person)."""
    with force_locale("en"):
        text = describe(error)
        fields = [part for part in error.params.get("parts") or [] if "field" in part]
        items = [{"field": part["field"], "message": describe_part(part)} for part in fields]
    return api_error(error.status, text, items or [{"field": error.field, "message": text}])


def click_error(error: PasserelleError) -> click.ClickException:
    """A command line's error for a domain error, in English (raise it)."""
    with force_locale("en"):
        return click.ClickException(describe(error))


def _domain_error(error: PasserelleError):
    """A domain error no view caught: the API's JSON error, else an error page saying it."""
    if request.path.startswith("/api/"):
        return api_domain_error(error)
    return render_error(error.status, describe(error))
