"""The one check every redirect goes through: a path on this site, never another host.

A browser reads ``//host``, ``/\\host`` and ``\\\\host`` as another site, and drops tabs and newlines
from a Location before reading it (``/<TAB>/host`` becomes ``//host``); a raw newline in a header
is a 500 at best. So a target must start with one ``/`` and hold no backslash, no space and no
control character; a path taken from the request is percent-encoded first.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode, urlsplit

from flask import redirect
from werkzeug.wrappers import Response

# Characters of a path kept as they are: RFC 3986 sub-delims, ":" and "@", "/" and "%" (already encoded).
_PATH_SAFE = "/%!$&'()*+,;=:@~-._"


def safe_target(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(char) < 33 or ord(char) == 127 for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def path_on_site(path: str, query: list[tuple[str, str]] | None = None) -> str:
    """The address of a (decoded) request path on this site, encoded, with ``query`` if any.

    Leading slashes and backslashes collapse into one ``/`` and every other character a browser
    could misread is percent-encoded, so the result names the same page and never another host.
    """
    encoded = "/" + quote(path.lstrip("/\\"), safe=_PATH_SAFE)
    target = encoded + ("?" + urlencode(query) if query else "")
    return safe_target(target) or "/"


def redirect_within(target: str | None, fallback: str) -> Response:
    """A 302 to ``target`` when it is a path on this site, else to ``fallback`` (one of ours)."""
    return redirect(safe_target(target) or safe_target(fallback) or "/")
