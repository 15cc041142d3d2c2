"""The API's door: bearer tokens only, the web's permissions, and one JSON error shape everywhere."""

from __future__ import annotations

import pytest
from conftest import PASSWORD, bearer, org_id, page_text

from app.admin.queries import set_active
from app.api.tokens import create_token, digest, revoke_token
from app.coordination.queries import ensure_pairing

ROLES = ("anonymous", "member_bfc", "member_other", "coordinator", "admin")
NEW_ORG = {
    "name": "Laboratoire d'essai de l'API",
    "short_name": "API Lab",
    "region": "QC",
    "city": "Sherbrooke",
    "type": "university_lab",
    "expertise": "Cell therapy process development and GMP quality control.",
    "offers": "Training in flow cytometry release testing.",
    "seeks": "Clinical partners for CAR-T trials.",
    "collaboration_types": ["co_training", "joint_trial"],
    "languages": ["fr", "en"],
    "website": "https://example.org/api-lab",
}


@pytest.fixture
def ids(seeded, db):
    efs, thecell = org_id(db, "EFS BFC"), org_id(db, "ThéCell")
    return {
        "efs": efs,
        "thecell": thecell,
        "pairing": ensure_pairing(db, efs, thecell, "co_training", "engine", 0.7),
    }


def matrix(ids):
    """(method, path, JSON body, {role: expected status}) for every API operation."""
    e, t, p = ids["efs"], ids["thecell"], ids["pairing"]
    everyone = {"anonymous": 401, "member_bfc": 200, "member_other": 200, "coordinator": 200, "admin": 200}
    coordinators = {**everyone, "member_bfc": 403, "member_other": 403}
    own_org = {**everyone, "member_other": 403}
    interest = {"partner_id": t, "track": "co_training", "kind": "interested"}
    decision = {"decision": "comment", "comment": "Seen."}
    return [
        ("GET", "/api/v1/openapi.json", None, {**everyone, "anonymous": 200}),
        ("GET", "/api/v1/me", None, everyone),
        ("GET", "/api/v1/organisations", None, everyone),
        ("GET", f"/api/v1/organisations/{e}", None, everyone),
        ("GET", "/api/v1/organisations/999999", None, {**dict.fromkeys(ROLES, 404), "anonymous": 401}),
        ("PATCH", f"/api/v1/organisations/{e}", {"city": "Besançon"}, own_org),
        ("GET", f"/api/v1/organisations/{e}/suggestions", None, own_org),
        (
            "POST",
            f"/api/v1/organisations/{e}/interests",
            interest,
            {**own_org, "coordinator": 403, "admin": 403},
        ),
        ("POST", "/api/v1/organisations", NEW_ORG, {**coordinators, "coordinator": 201, "admin": 201}),
        ("GET", "/api/v1/pairings", None, coordinators),
        ("GET", f"/api/v1/pairings/{p}", None, coordinators),
        (
            "POST",
            f"/api/v1/pairings/{p}/decisions",
            decision,
            {**coordinators, "coordinator": 201, "admin": 201},
        ),
        ("GET", f"/api/v1/organisations/{e}/meetings", None, own_org),
        ("GET", "/api/v1/trips", None, coordinators),
        ("GET", "/api/v1/exports/pairings", None, coordinators),
        ("GET", "/api/v1/no/such/thing", None, {**dict.fromkeys(ROLES, 404), "anonymous": 401}),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_role_endpoint_matrix(seeded, ids, api_tokens, role):
    client = seeded.test_client()
    headers = {} if role == "anonymous" else bearer(api_tokens[role])
    wrong = []
    for method, path, body, expected in matrix(ids):
        response = client.open(path, method=method, json=body, headers=headers)
        if response.status_code != expected[role]:
            wrong.append((method, path, expected[role], response.status_code))
        assert response.is_json or path.startswith("/api/v1/exports/"), (method, path)
        if response.status_code >= 400:
            assert response.json["ok"] is False and response.json["status"] == response.status_code
    assert wrong == []


def test_401_challenges_for_a_bearer_token(client, api_tokens):
    missing = client.get("/api/v1/me")
    assert (
        missing.status_code == 401 and missing.headers["WWW-Authenticate"] == 'Bearer realm="Passerelle API"'
    )
    wrong = client.get("/api/v1/me", headers=bearer("pas_" + "x" * 43))
    assert wrong.status_code == 401 and 'error="invalid_token"' in wrong.headers["WWW-Authenticate"]
    basic = client.get("/api/v1/me", headers={"Authorization": "Basic " + api_tokens["admin"]})
    assert basic.status_code == 401


def test_a_revoked_token_stops_working_at_once(client, seeded, db, api_tokens):
    token_id, secret = create_token(db, seeded.user_ids["coordinator"], "script")
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    assert revoke_token(db, seeded.user_ids["coordinator"], token_id)
    response = client.get("/api/v1/me", headers=bearer(secret))
    assert response.status_code == 401 and response.json["errors"][0]["field"] is None


def test_a_deactivated_users_tokens_stop_working_for_good(client, seeded, db, api_tokens):
    set_active(db, seeded.user_ids["member_bfc"], False)
    assert client.get("/api/v1/me", headers=bearer(api_tokens["member_bfc"])).status_code == 401
    set_active(db, seeded.user_ids["member_bfc"], True)  # reactivated: its sessions and tokens stay ended
    assert client.get("/api/v1/me", headers=bearer(api_tokens["member_bfc"])).status_code == 401
    _token_id, fresh = create_token(db, seeded.user_ids["member_bfc"], "after reactivation")
    assert client.get("/api/v1/me", headers=bearer(fresh)).status_code == 200


def test_a_password_change_ends_the_users_tokens(auth, client, seeded, db, api_tokens):
    auth.login("member_bfc")
    client.get("/auth/password?lang=en")
    new_password = "un autre chemin sous les platanes du canal"
    response = auth.post(
        "/auth/password",
        {"current_password": PASSWORD, "new_password": new_password, "confirm": new_password},
    )
    assert response.status_code == 302, page_text(response)
    follow = page_text(client.get(response.headers["Location"], follow_redirects=True))
    assert "your API tokens no longer work" in follow
    assert client.get("/api/v1/me", headers=bearer(api_tokens["member_bfc"])).status_code == 401
    assert client.get("/api/v1/me", headers=bearer(api_tokens["coordinator"])).status_code == 200
    assert "You have no API token." in page_text(client.get("/auth/password"))


def test_a_password_due_blocks_the_api_as_it_blocks_the_web(client, seeded, db, api_tokens):
    db.execute("UPDATE users SET must_change_password = 1 WHERE id = ?", [seeded.user_ids["coordinator"]])
    db.conn.commit()
    response = client.get("/api/v1/me", headers=bearer(api_tokens["coordinator"]))
    assert response.status_code == 403 and "password" in response.json["error"]


def test_the_session_cookie_is_no_credential_for_the_api(auth, client):
    auth.login("coordinator")
    assert client.get("/coordination/").status_code == 200
    assert client.get("/api/v1/me").status_code == 401


def test_a_token_is_no_credential_for_the_web(client, api_tokens):
    response = client.get("/coordination/", headers=bearer(api_tokens["coordinator"]))
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_only_the_hash_of_a_token_is_stored(seeded, db, api_tokens):
    secret = api_tokens["admin"]
    rows = [dict(row) for row in db.query("SELECT * FROM api_tokens")]
    assert digest(secret) in {row["token_hash"] for row in rows}
    assert not any(secret in str(value) for row in rows for value in row.values())


def test_posts_need_no_csrf_token_and_set_no_cookie(client, ids, api_tokens):
    response = client.post(
        f"/api/v1/pairings/{ids['pairing']}/decisions",
        json={"decision": "comment", "comment": "From a script."},
        headers=bearer(api_tokens["coordinator"]),
    )
    assert response.status_code == 201 and "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


def test_wrong_method_is_405_json_with_allow(client, ids, api_tokens):
    response = client.delete(f"/api/v1/organisations/{ids['efs']}", headers=bearer(api_tokens["admin"]))
    assert response.status_code == 405 and response.json["status"] == 405
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "PATCH"}


def test_the_language_switch_never_redirects_the_api(client, api_tokens):
    response = client.get("/api/v1/me?lang=en", headers=bearer(api_tokens["admin"]))
    # The API takes only its documented query parameters: ?lang= is refused, never followed.
    assert response.status_code == 400 and "Location" not in response.headers
    assert response.json["errors"] == [
        {"field": "lang", "message": "Unknown query parameter 'lang'; this address takes: none."}
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [("regoin=QC", "regoin"), ("region=", "region"), ("page=", "page"), ("region=QC&region=BFC", "region")],
)
def test_unknown_empty_or_repeated_query_parameters_are_400(client, api_tokens, query, field):
    response = client.get(f"/api/v1/organisations?{query}", headers=bearer(api_tokens["admin"]))
    assert response.status_code == 400 and response.json["errors"][0]["field"] == field


def test_no_api_address_redirects(client, api_tokens):
    for path in ("/api/v1/me/", "/api/v1//me", "/api/v1/organisations/", "/api/v1/me?lang=en"):
        response = client.get(path, headers=bearer(api_tokens["admin"]))
        assert response.status_code in (200, 400, 404) and response.is_json, path


def test_huge_ids_are_404_not_an_overflow(client, api_tokens):
    huge = ("99999999999999999999999", "9223372036854775808", "9" * 40)
    for method, path in [("GET", "/api/v1/pairings/"), ("PATCH", "/api/v1/organisations/")]:
        for number in huge:
            response = client.open(path + number, method=method, json={}, headers=bearer(api_tokens["admin"]))
            assert response.status_code == 404 and response.json["ok"] is False, (method, number)


def test_unsupported_content_type_is_415(client, ids, api_tokens):
    response = client.patch(
        f"/api/v1/organisations/{ids['efs']}",
        data="city=Dijon",
        content_type="application/x-www-form-urlencoded",
        headers=bearer(api_tokens["admin"]),
    )
    assert response.status_code == 415 and response.json["status"] == 415


@pytest.mark.parametrize(
    "body, words",
    [('{"city": "Dijon",}', "not valid JSON"), ("[1, 2]", "must be a JSON object"), (b"\xff\xfe", "UTF-8")],
)
def test_malformed_bodies_are_400(client, ids, api_tokens, body, words):
    response = client.patch(
        f"/api/v1/organisations/{ids['efs']}",
        data=body,
        content_type="application/json",
        headers=bearer(api_tokens["admin"]),
    )
    assert response.status_code == 400 and words in response.json["error"]


def test_bodies_over_256_kb_are_413_and_change_nothing(client, seeded, ids, db, api_tokens):
    before = db.execute("SELECT offers FROM organisations WHERE id = ?", [ids["efs"]]).fetchone()[0]
    response = client.patch(
        f"/api/v1/organisations/{ids['efs']}",
        json={"offers": "x" * (seeded.config["API_MAX_BODY_BYTES"] + 1)},
        headers=bearer(api_tokens["admin"]),
    )
    assert response.status_code == 413 and response.json["status"] == 413
    assert db.execute("SELECT offers FROM organisations WHERE id = ?", [ids["efs"]]).fetchone()[0] == before
