"""A small browser-like HTTP client for the scripts: cookies, the CSRF token, no redirect following.

Standard library only (``http.client``), so that the load and crash drivers start in milliseconds and
measure the server rather than a client library. Not thread-safe: one client per simulated user.
"""

from __future__ import annotations

import html
import re
import time
from dataclasses import dataclass
from http.client import HTTPConnection
from urllib.parse import urlencode

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    location: str
    seconds: float

    @property
    def text(self) -> str:
        """The body decoded as UTF-8."""
        return self.body.decode("utf-8", "replace")


class WebClient:
    """One simulated browser on ``http://host:port``: keeps cookies, knows its CSRF token."""

    def __init__(self, host: str, port: int, timeout: float = 30.0):
        self.host, self.port, self.timeout = host, port, timeout
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    def request(self, method: str, path: str, form: dict | None = None) -> Reply:
        """Send one request (a form is urlencoded) and return the reply; cookies are kept."""
        headers = {"Accept-Language": "en", "Connection": "close"}
        body = None
        if form is not None:
            body = urlencode(form, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        start = time.perf_counter()
        connection = HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        seconds = time.perf_counter() - start
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, value = header.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value.strip()
        match = CSRF_META.search(data.decode("utf-8", "replace")) if b"csrf-token" in data else None
        if match:
            self.csrf = html.unescape(match.group(1))
        return Reply(response.status, data, response.headers.get("Location", ""), seconds)

    def get(self, path: str) -> Reply:
        """GET a path."""
        return self.request("GET", path)

    def post(self, path: str, form: dict | None = None) -> Reply:
        """POST a form with the session's CSRF token, as the page's form would."""
        return self.request("POST", path, {**(form or {}), "csrf_token": self.csrf})

    def login(self, email: str, password: str) -> Reply:
        """Load the login page (cookie and token), then post the login form; returns the POST's reply."""
        self.get("/auth/login")
        return self.post("/auth/login", {"email": email, "password": password})

    def wait_until_up(self, seconds: float = 30.0) -> None:
        """Retry the login page until the server answers (it may still be starting)."""
        deadline = time.monotonic() + seconds
        while True:
            try:
                if self.get("/auth/login").status == 200:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"no server on {self.host}:{self.port} after {seconds:.0f} s")
            time.sleep(0.05)
