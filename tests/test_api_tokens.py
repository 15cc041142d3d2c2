"""API tokens on the account page: made with a CSRF-protected form, shown once, revoked at once."""

from __future__ import annotations

import re

from conftest import bearer, page_text

from app.api.tokens import MAX_ACTIVE_TOKENS, create_token

SECRET = re.compile(r"pas_[A-Za-z0-9_-]{43}")


def _create(member, client, name="Nightly export") -> str:
    """Create a token through the form; return the secret the page shows."""
    response = member.post("/auth/tokens", {"name": name})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    found = SECRET.findall(page_text(response))
    assert len(found) == 1
    return found[0]


def test_the_account_page_offers_tokens(member, client):
    text = page_text(client.get("/auth/password"))
    assert "API tokens" in text and "You have no API token." in text and "Create a token" in text


def test_a_new_token_is_shown_once_and_works(member, client, db):
    secret = _create(member, client)
    assert client.get("/api/v1/me", headers=bearer(secret)).json["user"]["email"] == "efs@test.example.org"
    account = page_text(client.get("/auth/password"))
    assert "Nightly export" in account and secret[:12] + "…" in account and secret not in account
    assert db.execute("SELECT name FROM api_tokens").fetchall() == [("Nightly export",)]


def test_the_form_needs_its_csrf_token_and_a_name(member, client, db):
    forged = client.post("/auth/tokens", data={"name": "Forged"})
    assert forged.status_code == 400 and db.table("api_tokens").count == 0
    empty = member.post("/auth/tokens", {"name": "  "})
    assert empty.status_code == 400 and "Give the token a name" in page_text(empty)
    assert db.table("api_tokens").count == 0


def test_revoking_takes_effect_at_once(member, client, db):
    secret = _create(member, client)
    token_id = db.execute("SELECT id FROM api_tokens").fetchone()[0]
    forged = client.post(f"/auth/tokens/{token_id}/revoke")
    assert forged.status_code == 400
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    response = member.post(f"/auth/tokens/{token_id}/revoke")
    assert response.status_code == 302 and response.headers["Location"].endswith("/auth/password#api-tokens")
    assert "The token is revoked" in page_text(client.get("/auth/password"))
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401


def test_nobody_revokes_another_users_token(member, client, seeded, db):
    token_id, secret = create_token(db, seeded.user_ids["coordinator"], "theirs")
    assert member.post(f"/auth/tokens/{token_id}/revoke").status_code == 404
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200


def test_tokens_are_limited_per_person(member, client, seeded, db):
    for number in range(MAX_ACTIVE_TOKENS):
        create_token(db, seeded.user_ids["member_bfc"], f"token {number}")
    response = member.post("/auth/tokens", {"name": "one too many"})
    assert response.status_code == 400 and "Revoke one you no longer use first" in page_text(response)
    assert db.table("api_tokens").count == MAX_ACTIVE_TOKENS


def test_the_section_is_in_french_by_default(auth, client):
    auth.login("coordinator")
    client.get("/auth/password?lang=fr")
    text = page_text(client.get("/auth/password"))
    assert "Jetons d’API" in text and "Créer un jeton" in text
