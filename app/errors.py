"""App-level error pages: JSON under /api/, a page in the person's language everywhere else.

Every API error has one shape: ``{"ok": false, "error": "...", "errors": [{"field", "message"}...],
"status": 400}``; API messages are in English, for programs and their authors.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from models.errors import EmbeddingModelError, NotFound

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
    app.register_error_handler(NotFound, lambda error: render_error(404))
    app.register_error_handler(EmbeddingModelError, lambda error: render_error(503))
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
