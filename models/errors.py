"""Named domain exceptions, in one place: the engine's and the operations' (``app/operations``).

Each error has a ``code`` (what went wrong, e.g. ``"illegal_transition"``), an HTTP ``status`` and
``params`` (the values a message names). ``app/errors.py`` words each code once, in the reader's
language, and maps an error to a flash, a JSON error or a ``click.ClickException``.
"""

from __future__ import annotations


class PasserelleError(Exception):
    """Base class of every error raised on purpose; nothing is written when one is raised."""

    code = "error"
    status = 400

    def __init__(self, detail: str = "", *, code: str | None = None, field: str | None = None, **params):
        self.code = code or type(self).code
        self.field = field  # the input field at fault, when there is one
        self.params = params
        super().__init__(detail or self.code)


class NotFound(PasserelleError):
    """Something named by the caller (an organisation, a pairing, a trip) does not exist."""

    code = "not_found"
    status = 404


class Forbidden(PasserelleError):
    """The actor may not do this (a role, or another organisation's resource)."""

    code = "forbidden"
    status = 403


class InvalidInput(PasserelleError):
    """A value of the input cannot be accepted (``field`` names it)."""

    code = "invalid_input"
    status = 422


class Conflict(PasserelleError):
    """The request does not fit the resource's current state (a status, a name already used)."""

    code = "conflict"
    status = 409


class IllegalTransition(Conflict):
    """A decision the pairing's current status does not allow (``status``, ``decision``)."""

    code = "illegal_transition"


class StaleState(Conflict):
    """Someone else changed the resource since the actor saw it."""

    code = "stale"


class EmbeddingModelError(PasserelleError):
    """The sentence-transformers model cannot be loaded from the configured name or path."""

    code = "engine_unavailable"
    status = 503


class InvalidImport(PasserelleError):
    """An import file was refused; ``problems`` lists every bad line and field.

    Nothing is written when this is raised.
    """

    code = "invalid_import"
    status = 422

    def __init__(self, problems: list[str]):
        self.problems = problems
        count = len(problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in the import file", count=count)


# Requests from one organisation to another (app/introductions/operations.py); ``code`` says which rule.
class RequestNotFound(NotFound):
    """No such request, or no such organisation to send one to."""

    code = "request_not_found"


class RequestNotAllowed(Forbidden):
    """The actor is not a member of the side that may do this with the request."""

    code = "request_not_allowed"


class InvalidRequest(InvalidInput):
    """A value of a request is refused: a track, a format, an answer, a message, a same-side partner."""

    code = "invalid_request"


class RequestAlreadyOpen(Conflict):
    """A pending request from A to B on this track exists already (``name`` is B's short name)."""

    code = "request_already_open"


class RequestNotPending(StaleState):
    """The request was answered or withdrawn already; nothing changes."""

    code = "request_not_pending"


class HostAnswerRefused(PasserelleError):
    """A host's answer to a published meeting that the rules refuse (app/hosting/operations.py)."""

    code = "host_answer_refused"
    STATUSES = {"not_host": 403, "meeting_cancelled": 409, "meeting_changed": 409}  # else 400

    def __init__(self, code: str) -> None:
        super().__init__(code=code)
        self.status = self.STATUSES.get(code, 400)


class AnswerLinkError(PasserelleError):
    """A host's answer link that cannot be used: ``link_invalid`` (the default) or ``link_expired``."""

    code = "link_invalid"
    status = 404


def recorded(error: Exception, unexpected: str) -> tuple[str, dict]:
    """What a background job keeps of the error that stopped it, to word it later: a named error's
    code and params, else ``unexpected`` with the exception's class name only (its message and trace
    go to the log, never to a page)."""
    if isinstance(error, PasserelleError):
        return error.code, error.params
    return unexpected, {"error": type(error).__name__}


def restored(code: str, params: dict) -> PasserelleError:
    """The error a job recorded (:func:`recorded`), to word with ``app.errors.describe``."""
    return PasserelleError(code, code=code, **params)
