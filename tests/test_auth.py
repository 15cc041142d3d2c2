"""Accounts: login, generic failures, sessions ended on the server, password change, cookies, next."""

from __future__ import annotations

import pytest
from conftest import ACCOUNTS, PASSWORD

GENERIC_FAILURE = "The email or the password is not correct."
NEW_PASSWORD = "un autre chemin vers la rivière"


def english(client):
    client.get("/auth/login?lang=en")


def test_login_page_is_public_and_has_the_two_fields(client):
    page = client.get("/auth/login")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'name="email"' in html and 'name="password"' in html and 'name="csrf_token"' in html


def test_member_logs_in_and_lands_on_suggestions(auth, client):
    response = auth.login("member_bfc")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    home = client.get("/", follow_redirects=True)
    assert home.request.path.startswith("/members/")
    assert ACCOUNTS["member_bfc"][0] in home.get_data(as_text=True)


@pytest.mark.parametrize("who, start", [("coordinator", "/coordination/"), ("admin", "/admin/users")])
def test_each_role_has_its_start_page(auth, client, who, start):
    auth.login(who)
    assert client.get("/").headers["Location"] == start


def test_failure_message_is_the_same_whether_the_email_exists_or_not(auth, client):
    english(client)
    wrong_password = auth.login("member_bfc", "not the right password at all")
    unknown_email = auth.login("nobody@test.example.org", PASSWORD)
    for response in (wrong_password, unknown_email):
        html = response.get_data(as_text=True)
        assert response.status_code == 401
        assert GENERIC_FAILURE in html
        assert "nobody@test.example.org" in html or ACCOUNTS["member_bfc"][0] in html  # typed email kept
    assert client.get("/").status_code == 302  # still logged out


def test_deactivated_account_gets_the_generic_message(auth, client, seeded, db):
    db.execute("UPDATE users SET active = 0 WHERE id = ?", [seeded.user_ids["member_bfc"]])
    english(client)
    response = auth.login("member_bfc")
    assert response.status_code == 401 and GENERIC_FAILURE in response.get_data(as_text=True)


def test_email_is_case_insensitive(auth):
    assert auth.login(ACCOUNTS["member_bfc"][0].upper()).status_code == 302


def test_login_renews_the_session(auth, client, db):
    auth.login("member_bfc")
    first = client.get_cookie("session").value
    auth.logout()
    auth.login("member_bfc")
    assert client.get_cookie("session").value != first
    assert db.table("user_sessions").count == 1


def test_cookie_copied_before_logout_no_longer_works(auth, client, app):
    auth.login("member_bfc")
    stolen = client.get_cookie("session").value
    assert client.get("/members/").status_code == 302  # to the organisation's page
    auth.logout()
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    response = thief.get("/members/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/auth/login")


def test_password_change_ends_other_sessions_and_keeps_this_one(auth, client, app, seeded):
    other = app.test_client()
    other_auth = type(auth)(other)
    other_auth.login("member_bfc")
    assert other.get("/members/").status_code == 302
    auth.login("member_bfc")
    english(client)
    response = auth.post(
        "/auth/password",
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        follow_redirects=True,
    )
    assert response.status_code == 200 and response.request.path.startswith("/members/")
    assert "Your password has been changed" in response.get_data(as_text=True)
    assert client.get("/auth/password").status_code == 200  # this browser stays logged in
    assert other.get("/members/").headers["Location"].startswith("/auth/login")  # the other is out
    assert auth.logout().status_code == 302
    assert auth.login("member_bfc", PASSWORD).status_code == 401
    assert auth.login("member_bfc", NEW_PASSWORD).status_code == 302


def test_password_change_asks_for_the_current_password(auth, client, db, seeded):
    auth.login("member_bfc")
    english(client)
    before = db.execute(
        "SELECT password_hash FROM users WHERE id = ?", [seeded.user_ids["member_bfc"]]
    ).fetchone()
    response = auth.post(
        "/auth/password",
        {"current_password": "wrong current one", "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 400
    assert "The current password is not correct." in response.get_data(as_text=True)
    after = db.execute(
        "SELECT password_hash FROM users WHERE id = ?", [seeded.user_ids["member_bfc"]]
    ).fetchone()
    assert before == after


@pytest.mark.parametrize(
    "new, confirm, message",
    [
        ("short", "short", "at least 10 characters"),
        ("azertyuiop", "azertyuiop", "too easy to guess"),
        (NEW_PASSWORD, "un autre chemin", "are not the same"),
    ],
)
def test_weak_or_mismatched_new_password_is_refused(auth, client, new, confirm, message):
    auth.login("member_bfc")
    english(client)
    response = auth.post(
        "/auth/password", {"current_password": PASSWORD, "new_password": new, "confirm": confirm}
    )
    assert response.status_code == 400 and message in response.get_data(as_text=True)


def test_deactivation_ends_sessions_at_once(auth, client, app, seeded):
    auth.login("member_bfc")
    assert client.get("/members/").status_code == 302
    admin = app.test_client()
    admin_auth = type(auth)(admin)
    admin_auth.login("admin")
    response = admin_auth.post(f"/admin/users/{seeded.user_ids['member_bfc']}/deactivate")
    assert response.status_code == 302
    assert client.get("/members/").headers["Location"].startswith("/auth/login")


def test_session_cookie_flags(auth, client):
    auth.login("member_bfc")
    cookie = client.get_cookie("session")
    assert cookie.http_only and cookie.same_site == "Lax" and not cookie.secure


def test_session_cookie_is_secure_over_https(seeded):
    client = seeded.test_client()
    page = client.get("/auth/login", base_url="https://localhost")
    assert page.status_code == 200
    header = page.headers["Set-Cookie"]
    assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header


def test_logged_out_visitor_is_sent_to_login_with_a_relative_next(client, seeded):
    response = client.get("/coordination/?status=approved")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login?next=%2Fcoordination%2F%3Fstatus%3Dapproved"


def test_relative_next_is_followed(auth):
    response = auth.login("coordinator", next="/coordination/coverage")
    assert response.headers["Location"] == "/coordination/coverage"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        "/\t/evil.example",
        "coordination",
    ],
)
def test_next_pointing_elsewhere_is_ignored(auth, target):
    response = auth.login("coordinator", next=target)
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_language_switch_does_not_leave_the_site(client):
    # PATH_INFO set by hand: the test client would read "//evil.example" as a host name.
    # Browsers read "/\\host" as "//host" too.
    for path in ("//evil.example/x", "/\\evil.example/x", "/\\/evil.example/x"):
        response = client.get("/", query_string={"lang": "en"}, environ_overrides={"PATH_INFO": path})
        assert response.status_code == 302 and response.headers["Location"] == "/evil.example/x"


def test_logout_needs_a_post_with_csrf(auth, client):
    auth.login("member_bfc")
    assert client.get("/auth/logout").status_code == 405
    assert client.post("/auth/logout").status_code == 400  # no token: refused, still logged in
    assert client.get("/auth/password").status_code == 200


def test_idle_session_expires_on_the_server(auth, client, db, seeded):
    auth.login("member_bfc")
    assert client.get("/auth/password").status_code == 200
    db.execute(
        "UPDATE user_sessions SET last_seen = last_seen - ?", [seeded.config["SESSION_IDLE_SECONDS"] + 60]
    )
    assert client.get("/auth/password").headers["Location"].startswith("/auth/login")
    assert db.table("user_sessions").count == 0


def test_sessions_are_stored_hashed(auth, client, db):
    auth.login("member_bfc")
    with client.session_transaction() as session:
        token = session["_user_id"]
    stored = [row[0] for row in db.execute("SELECT id FROM user_sessions")]
    assert len(stored) == 1 and token not in stored and len(stored[0]) == 64


def test_language_links_stay_on_the_site(auth, client):
    auth.login("coordinator")
    page = client.get("/", environ_overrides={"PATH_INFO": "/\\evil.example/page"})
    assert page.status_code == 404
    text = page.get_data(as_text=True)
    assert 'href="/\\evil.example' not in text and 'href="/evil.example/page?lang=' in text
