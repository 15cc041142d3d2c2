"""The signed link of a "meeting to confirm" mail: it names the host member, the meeting and its sequence.

The token is never stored; the worker signs it when it renders the mail (itsdangerous, a salt of its
own). It works while the meeting keeps that sequence: once the host answers or the coordinators move
the meeting, an older link says so instead of acting. Opening it never changes anything: the page it
lands on has the buttons, which POST (with CSRF).
"""

from __future__ import annotations

from flask import current_app, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from models.errors import AnswerLinkError

MAX_AGE_DEFAULT = 30 * 24 * 3600  # HOST_LINK_MAX_AGE_SECONDS: a trip is planned weeks ahead


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="passerelle-meeting-answer")


def make_token(published_id: int, user_id: int, sequence: int) -> str:
    """The signed token of a host member's link to one meeting at one sequence."""
    return _serializer().dumps({"m": published_id, "u": user_id, "s": sequence})


def answer_url(published_id: int, user_id: int, sequence: int) -> str:
    """The full address of the link (the mail's)."""
    token = make_token(published_id, user_id, sequence)
    return url_for("hosting.link", token=token, _external=True)


def read_token(token: str) -> dict:
    """``{"m": meeting, "u": user, "s": sequence}`` of a live token; raises AnswerLinkError otherwise."""
    max_age = current_app.config.get("HOST_LINK_MAX_AGE_SECONDS", MAX_AGE_DEFAULT)
    try:
        data = _serializer().loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise AnswerLinkError(code="link_expired") from error
    except (BadSignature, ValueError) as error:
        raise AnswerLinkError() from error
    if not isinstance(data, dict) or not all(isinstance(data.get(key), int) for key in ("m", "u", "s")):
        raise AnswerLinkError()
    return data
