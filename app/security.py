"""Security headers on every response, and a refusal of form text that is not clean UTF-8.

The pages carry no inline script or style (``tests/test_security_headers.py`` holds them to it), so
the Content-Security-Policy can allow scripts and styles from this site only. The network picture is
SVG written into the page; its presentation attributes (``text-anchor``) are not styles.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

from flask import Flask, Response, request
from flask_babel import lazy_gettext as _l

from app.errors import render_error

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
HSTS = "max-age=31536000"
# A browser never sends text that is not UTF-8 (a lone surrogate is not), nor control characters other
# than tab and line breaks. Werkzeug would let them through: in a urlencoded body it keeps bad
# percent-escapes as they are ("%ED%A0%80"), in a multipart one it turns bad bytes into U+FFFD.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BROKEN_MULTIPART = re.compile("[\ufffd\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
BROKEN_TEXT_MESSAGE = _l(
    "The form holds characters that are not valid text (broken encoding or control characters). "
    "Nothing was saved. Type or paste the text again and send the form."
)


def init_app(app: Flask) -> None:
    """Refuse broken form text before any view runs; add the headers to every response."""
    # First of all hooks: the CSRF check parses the form, after which the raw body is gone.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_broken_form_text)
    app.after_request(add_security_headers)


def refuse_broken_form_text():
    """400 with a clear page when a submitted form holds text that is not clean; nothing runs then."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    if request.mimetype == "application/x-www-form-urlencoded":
        broken = _broken_urlencoded(request.get_data(cache=True))  # cached: the form is parsed from it
    elif request.mimetype == "multipart/form-data":
        broken = any(
            _BROKEN_MULTIPART.search(value) for values in request.form.listvalues() for value in values
        )
    else:
        return None
    return render_error(400, str(BROKEN_TEXT_MESSAGE)) if broken else None


def _broken_urlencoded(body: bytes) -> bool:
    """True when a name or value, percent-decoded, is not UTF-8 or holds a control character."""
    for pair in body.split(b"&"):
        for part in pair.split(b"=", 1):
            try:
                text = unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
            except UnicodeDecodeError:
                return True
            if _CONTROL.search(text):
                return True
    return False


def add_security_headers(response: Response) -> Response:
    """The fixed security headers; ``no-store`` on everything but the static files."""
    response.headers.update(HEADERS)
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = HSTS
    if request.endpoint != "static":
        # Pages show one signed-in person's data: no browser or proxy may keep a copy.
        response.headers["Cache-Control"] = "no-store"
    return response
