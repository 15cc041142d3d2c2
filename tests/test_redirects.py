"""No redirect leaves the site: the login's ``next`` and the language switch, for every variant."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import pytest

from app.redirects import path_on_site, safe_target

# Paths (as sent on the wire) and next values that try to leave for evil.example.
HOSTILE = [
    "//evil.example",
    "///evil.example",
    "////evil.example/x",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "/\\/evil.example",
    "https://evil.example",
    "http://evil.example/",
    "HTTPS://evil.example",
    "//evil.example/%2e%2e",
    "https:evil.example",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "/%09/evil.example",
    "/%0a/evil.example",
    "/%0d/evil.example",
    "/%0d%0a/evil.example",
    "/%00/evil.example",
    "/%7f/evil.example",
    "/%20/evil.example",
    "/%5c/evil.example",
    "/%5C%5Cevil.example",
    "/%2f/evil.example",
    "/%2F%2Fevil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r/evil.example",
    "/ /evil.example",
    "\t//evil.example",
    " //evil.example",
    "//evil.example@site",
    "/@evil.example",
    "//%65vil.example",
    "/.//evil.example",
    "%2F%2Fevil.example",
    "//evil。example",
    "/\u3000/evil.example",
]


def browser_reads(location: str) -> str:
    """The host a browser goes to for ``location`` on http://site.test/ (tabs, newlines dropped)."""
    cleaned = location.strip(" \x00\x1f").replace("\t", "").replace("\n", "").replace("\r", "")
    cleaned = cleaned.replace("\\", "/")  # browsers read a backslash as a slash in http(s) URLs
    return urlsplit(urljoin("http://site.test/here", cleaned)).netloc


@pytest.mark.parametrize("target", HOSTILE)
def test_safe_target_refuses_what_a_browser_would_take_elsewhere(target):
    result = safe_target(target)
    assert result is None or browser_reads(result) == "site.test"


@pytest.mark.parametrize("target", HOSTILE)
def test_path_on_site_stays_on_the_site(target):
    assert browser_reads(path_on_site(target)) == "site.test"


def test_good_targets_are_kept():
    assert safe_target("/members/3?track=event#partner-4") == "/members/3?track=event#partner-4"
    assert path_on_site("/orgs/", [("region", "BFC")]) == "/orgs/?region=BFC"
    assert path_on_site("/orgs/Héma") == "/orgs/H%C3%A9ma"


@pytest.mark.parametrize("path", HOSTILE)
def test_the_language_switch_never_sends_elsewhere_nor_fails(client, seeded, path):
    wire = path if path.startswith("/") else "/" + path
    response = client.get(wire + "?lang=en")
    assert response.status_code in (302, 400, 404), response.status_code
    if response.status_code == 302:
        assert browser_reads(response.headers["Location"]) == "site.test", response.headers["Location"]


def test_the_language_switch_keeps_the_page_and_its_query(client, seeded):
    response = client.get("/auth/login?next=%2Forgs%2F&lang=en")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login?next=%2Forgs%2F"


@pytest.mark.parametrize("target", HOSTILE)
def test_login_never_follows_next_elsewhere(auth, target):
    response = auth.login("coordinator", next=target)
    assert response.status_code == 302
    assert browser_reads(response.headers["Location"]) in ("site.test", "localhost")


def test_login_follows_a_path_on_the_site(auth):
    response = auth.login("coordinator", next="/orgs/?region=QC")
    assert response.headers["Location"] == "/orgs/?region=QC"


@pytest.mark.parametrize("target", HOSTILE[:12] + ["/%09/evil.example", "/\t/evil.example"])
def test_the_consent_page_never_follows_next_elsewhere(seeded, db, target):
    from conftest import PASSWORD, TEST_HASH_METHOD, AuthActions

    from app.users import create_user

    create_user(
        db, "nouvelle@test.example.org", PASSWORD, "member", ["EFS BFC"], hash_method=TEST_HASH_METHOD
    )
    auth = AuthActions(seeded.test_client())
    auth.login("nouvelle@test.example.org")
    token = auth.csrf_token("/account/consent")
    response = auth.client.post(
        "/account/consent",
        query_string={"next": target},
        data={"name": "Noa Nouvelle", "accept": "y", "csrf_token": token},
    )
    assert response.status_code == 302
    assert browser_reads(response.headers["Location"]) in ("site.test", "localhost")
