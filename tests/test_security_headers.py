"""Security headers on every route for every kind of visitor, and pages with no inline script or style."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import AuthActions, org_id
from flask import template_rendered

from app.coordination.queries import ensure_pairing
from app.security import CONTENT_SECURITY_POLICY, HEADERS

TEMPLATES = Path(__file__).resolve().parent.parent / "app" / "templates"
VISITORS = ("anonymous", "member_bfc", "coordinator", "admin")


@pytest.fixture
def ids(seeded, db):
    """Ids that fill every route's arguments: real rows wherever the route wants one."""
    from app import seed

    if hasattr(seed, "seed_trips"):
        seed.seed_trips(db)
    trip = db.execute("SELECT id FROM trips ORDER BY id LIMIT 1").fetchone() if _has(db, "trips") else None
    efs, thecell = org_id(db, "EFS BFC"), org_id(db, "ThéCell")
    return {
        "org_id": efs,
        "host_org_id": thecell,
        "pairing_id": ensure_pairing(db, efs, thecell, "co_training", "engine", 0.7),
        "user_id": seeded.user_ids["member_other"],
        "trip_id": trip[0] if trip else 1,
        "filename": "passerelle.css",
    }


def _has(db, table: str) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE name = ?", [table]).fetchone() is not None


def every_request(app, ids) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for every rule of the app, its arguments filled from ``ids``."""
    adapter = app.url_map.bind("localhost")
    requests = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        values = {}
        for name, converter in rule._converters.items():
            items = getattr(converter, "items", None)  # <any(csv, xlsx):fmt>
            values[name] = sorted(items)[0] if items else ids.get(name, 1)
        url = adapter.build(rule.endpoint, values)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            requests.append((rule.endpoint, method, url))
    return requests


class InlineFinder(HTMLParser):
    """Collect what a ``script-src 'self'; style-src 'self'`` policy would block in a page."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and "src" not in attributes:
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style> element")
        for name, value in attrs:
            if name == "style" or name.startswith("on"):
                self.found.append(f"{name}= attribute on <{tag}>")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f"javascript: URL in <{tag} {name}>")


def inline_code(html: str) -> list[str]:
    """What in ``html`` would need 'unsafe-inline' (empty for a clean page)."""
    finder = InlineFinder()
    finder.feed(html)
    return finder.found


def _headers_problems(response, endpoint: str) -> list[str]:
    problems = [
        f"{name}: {response.headers.get(name)!r}"
        for name, value in HEADERS.items()
        if response.headers.get(name) != value
    ]
    cache = response.headers.get("Cache-Control", "")
    if endpoint != "static" and cache != "no-store":
        problems.append(f"Cache-Control: {cache!r}")
    return problems


@pytest.mark.parametrize("visitor", VISITORS)
def test_every_route_carries_the_security_headers_and_no_inline_code(seeded, ids, visitor):
    client = seeded.test_client()
    auth = AuthActions(client)
    if visitor != "anonymous":
        assert auth.login(visitor).status_code == 302
    rendered: list[str] = []

    def record(sender, template, context, **extra):
        rendered.append(template.name)

    wrong, pages = [], 0
    with template_rendered.connected_to(record, seeded):
        for endpoint, method, url in every_request(seeded, ids):
            if endpoint in ("auth.logout", "api_tokens.revoke"):
                continue  # would end the session or need a token: checked apart below
            response = client.open(url, method=method)  # posts carry no CSRF token: refused, no change
            wrong += [
                f"{method} {url} ({response.status_code}) {p}" for p in _headers_problems(response, endpoint)
            ]
            if response.mimetype == "text/html":
                pages += 1
                wrong += [
                    f"{method} {url}: {found}" for found in inline_code(response.get_data(as_text=True))
                ]
    logout = client.post("/auth/logout")
    wrong += [f"POST /auth/logout {p}" for p in _headers_problems(logout, "auth.logout")]
    assert wrong == []
    assert pages > 3 and rendered, "no page was rendered: the routes were not reached"


def test_policy_forbids_inline_code_and_framing():
    policy = dict(part.split(" ", 1) for part in CONTENT_SECURITY_POLICY.split("; "))
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
    assert HEADERS["X-Content-Type-Options"] == "nosniff" and HEADERS["X-Frame-Options"] == "DENY"
    assert HEADERS["Referrer-Policy"] in ("strict-origin-when-cross-origin", "same-origin")


@pytest.mark.parametrize("template", sorted(str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html")))
def test_no_template_holds_inline_script_or_style(template):
    """Every template, also those only a POST renders; SVG presentation attributes are allowed."""
    assert inline_code((TEMPLATES / template).read_text(encoding="utf-8")) == []


def test_static_files_stay_cacheable(client):
    response = client.get("/static/passerelle.css")
    assert response.status_code == 200 and "no-store" not in response.headers.get("Cache-Control", "")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_error_pages_carry_the_headers_too(auth, client):
    auth.login("member_bfc")
    for response in (client.get("/no/such/page"), client.post("/coordination/propose")):
        assert response.status_code in (400, 403, 404)
        assert _headers_problems(response, "error") == []


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/auth/login").headers
    secure = client.get("/auth/login", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_pages_shown_after_a_post_carry_the_headers_and_no_inline_code(auth, client, seeded):
    """The new API token page, which no GET renders (invitations and resets now go by mail)."""
    auth.login("admin")
    for response in (auth.post("/auth/tokens", {"name": "headers test"}),):
        assert response.status_code == 200 and response.mimetype == "text/html"
        assert _headers_problems(response, "page") == []
        assert inline_code(response.get_data(as_text=True)) == []


def test_the_inline_check_sees_what_the_policy_blocks():
    page = (
        '<script>alert(1)</script><script src="/static/x.js"></script><style>p{}</style>'
        '<p style="color:red" onclick="x()"><a href="javascript:alert(1)">x</a><text text-anchor="end">'
    )
    assert inline_code(page) == [
        "<script> without src",
        "<style> element",
        "style= attribute on <p>",
        "onclick= attribute on <p>",
        "javascript: URL in <a href>",
    ]
