"""The role x route matrix: who may see and change what; deny by default; ids in URLs."""

from __future__ import annotations

import pytest
from conftest import TEST_HASH_METHOD, AuthActions, org_id

from app.coordination.queries import ensure_pairing
from app.users import create_user

LOGIN = "login"  # a redirect to the login page
ROLES = ("anonymous", "member_bfc", "member_other", "coordinator", "admin")


@pytest.fixture
def ids(seeded, db):
    efs, thecell = org_id(db, "EFS BFC"), org_id(db, "ThéCell")
    victim = create_user(
        db,
        "victim@test.example.org",
        "rivière lente sous la passerelle",
        "member",
        ["ThéCell"],
        hash_method=TEST_HASH_METHOD,
    )
    return {
        "efs": efs,
        "thecell": thecell,
        "pairing": ensure_pairing(db, efs, thecell, "co_training", "engine", 0.7),
        "victim": victim,
    }


def matrix(ids):
    """(method, path, form data, {role: expected status}) for every route of the app."""
    e, p, v = ids["efs"], ids["pairing"], ids["victim"]
    everyone = {"anonymous": LOGIN, "member_bfc": 200, "member_other": 200, "coordinator": 200, "admin": 200}
    coordinators = {
        "anonymous": LOGIN,
        "member_bfc": 403,
        "member_other": 403,
        "coordinator": 200,
        "admin": 200,
    }
    admins = {"anonymous": LOGIN, "member_bfc": 403, "member_other": 403, "coordinator": 403, "admin": 200}
    org_page = {"anonymous": LOGIN, "member_bfc": 200, "member_other": 403, "coordinator": 200, "admin": 200}
    interest = {"partner_id": ids["thecell"], "track": "co_training", "kind": "interested"}
    return [
        ("GET", "/auth/login", None, {**dict.fromkeys(ROLES, 302), "anonymous": 200}),
        ("GET", "/auth/password", None, everyone),
        ("GET", "/", None, {**dict.fromkeys(ROLES, 302), "anonymous": LOGIN}),
        ("GET", "/organisations/", None, everyone),
        ("GET", f"/organisations/{e}", None, everyone),
        ("GET", "/organisations/999999", None, {**dict.fromkeys(ROLES, 404), "anonymous": LOGIN}),
        ("GET", "/members/", None, {**admins, "member_bfc": 302, "member_other": 302, "admin": 403}),
        ("GET", f"/members/{e}/", None, org_page),
        ("GET", f"/members/{e}/profile", None, org_page),
        ("GET", "/members/999999/", None, {**dict.fromkeys(ROLES, 404), "anonymous": LOGIN}),
        ("GET", "/coordination/", None, coordinators),
        ("GET", f"/coordination/pairings/{p}", None, coordinators),
        ("GET", "/coordination/coverage", None, coordinators),
        ("GET", "/coordination/network", None, coordinators),
        ("GET", "/admin/users", None, admins),
        ("GET", "/admin/users/new", None, admins),
        ("GET", f"/admin/users/{v}", None, admins),
        ("GET", "/no/such/page", None, {**dict.fromkeys(ROLES, 404), "anonymous": LOGIN}),
        ("GET", "/static/passerelle.css", None, dict.fromkeys(ROLES, 200)),
        (
            "POST",
            f"/members/{e}/interest",
            interest,
            {**org_page, "coordinator": 403, "admin": 403, "member_bfc": 302},
        ),
        (
            "POST",
            f"/members/{e}/profile",
            {"name": ""},
            {**org_page, "member_bfc": 400, "coordinator": 400, "admin": 400},
        ),
        (
            "POST",
            f"/coordination/pairings/{p}/decide",
            {"decision": "comment", "comment": "Seen.", "expected_status": "proposed"},
            {**coordinators, "coordinator": 302, "admin": 302},
        ),
        ("POST", f"/admin/users/{v}/reset-password", {}, {**admins, "admin": 302}),
        ("GET", "/notifications", None, everyone),
        ("POST", "/notifications/read", {}, {**dict.fromkeys(ROLES, 302), "anonymous": LOGIN}),
        ("GET", "/auth/forgot", None, dict.fromkeys(ROLES, 200)),  # public: a logged-in person may ask too
        ("GET", "/auth/link/reset/not-a-token", None, dict.fromkeys(ROLES, 410)),
        ("GET", "/notifications/unsubscribe/not-a-token", None, dict.fromkeys(ROLES, 404)),
        ("POST", f"/admin/users/{v}/deactivate", {}, {**admins, "admin": 302}),
        ("POST", f"/admin/users/{v}/activate", {}, {**admins, "admin": 302}),
        ("POST", "/auth/logout", {}, dict.fromkeys(ROLES, LOGIN)),  # logging out leads to the login page
    ]


@pytest.mark.parametrize("role", ROLES)
def test_role_route_matrix(seeded, ids, role):
    client = seeded.test_client()
    auth = AuthActions(client)
    if role != "anonymous":
        assert auth.login(role).status_code == 302
    wrong = []
    for method, path, data, expected in matrix(ids):
        if method == "GET":
            response = client.get(path)
        else:
            token = auth.csrf_token("/auth/login" if role == "anonymous" else "/auth/password")
            response = client.post(path, data={**data, "csrf_token": token})
        want = expected[role]
        got = response.status_code
        if want == LOGIN:
            ok = got == 302 and response.headers["Location"].startswith("/auth/login")
        else:
            ok = got == want and not (got == 302 and response.headers["Location"].startswith("/auth/login"))
        if not ok:
            wrong.append(f"{method} {path}: expected {want}, got {got}")
    assert wrong == []


def test_member_changing_the_id_in_the_url_gets_403_and_changes_nothing(auth, client, db, ids):
    auth.login("member_other")
    client.get("/auth/login?lang=en")
    page = client.get(f"/members/{ids['efs']}/")
    assert page.status_code == 403
    assert "Your account does not give access" in page.get_data(as_text=True)
    response = auth.post(
        f"/members/{ids['efs']}/interest",
        {"partner_id": ids["thecell"], "track": "event", "kind": "interested"},
    )
    assert response.status_code == 403
    assert db.table("interests").count == 0


def test_admin_routes_refuse_coordinators_even_for_posts(auth, db, ids):
    auth.login("coordinator")
    assert auth.post(f"/admin/users/{ids['victim']}/deactivate").status_code == 403
    assert db.execute("SELECT active FROM users WHERE id = ?", [ids["victim"]]).fetchone()[0] == 1


def test_api_paths_answer_json_when_logged_out_and_when_missing(auth, client, api_tokens):
    response = client.get("/api/anything")
    assert response.status_code == 401
    assert response.json["ok"] is False and response.json["status"] == 401 and response.json["error"]
    auth.login("coordinator")
    assert client.get("/api/anything").status_code == 401  # the API takes bearer tokens, not the cookie
    missing = client.get("/api/anything", headers={"Authorization": f"Bearer {api_tokens['coordinator']}"})
    assert missing.status_code == 404 and missing.json["ok"] is False and missing.json["status"] == 404
