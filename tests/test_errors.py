"""Error pages: full sentences in the person's language, JSON under /api/, nothing changed."""

from __future__ import annotations


def test_404_is_a_page_in_the_persons_language(auth, client):
    auth.login("coordinator")
    client.get("/auth/password?lang=en")
    response = client.get("/nowhere")
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "There is nothing at this address." in response.get_data(as_text=True)
    client.get("/auth/password?lang=fr")
    assert "Il n’y a rien à cette adresse." in client.get("/nowhere").get_data(as_text=True)


def test_oversized_post_is_refused_with_a_clear_message(auth, client, seeded, db):
    auth.login("member_bfc")
    client.get("/auth/password?lang=en")
    efs = db.execute("SELECT id, offers FROM organisations WHERE short_name = 'EFS BFC'").fetchone()
    big = "x" * (seeded.config["MAX_CONTENT_LENGTH"] + 10)
    response = auth.post(f"/members/{efs[0]}/profile", {"offers": big})
    assert response.status_code == 413
    assert "The upload is larger than the site accepts" in response.get_data(as_text=True)
    assert db.execute("SELECT offers FROM organisations WHERE id = ?", [efs[0]]).fetchone()[0] == efs[1]


def test_wrong_method_is_405_with_a_page(auth, client):
    auth.login("coordinator")
    response = client.get("/coordination/propose")
    assert response.status_code == 405 and "<h1>" in response.get_data(as_text=True)


def test_forged_form_without_token_is_refused(auth, client, db):
    auth.login("coordinator")
    client.get("/auth/password?lang=en")
    response = client.post("/coordination/propose")
    assert response.status_code == 400
    assert "security token is missing or has expired" in response.get_data(as_text=True)
    assert db.table("proposal_runs").count == 0


def test_token_from_another_session_is_refused(auth, client, seeded, db):
    auth.login("coordinator")
    other = seeded.test_client()
    from conftest import AuthActions

    foreign = AuthActions(other).csrf_token()
    response = client.post("/coordination/propose", data={"csrf_token": foreign})
    assert response.status_code == 400 and db.table("proposal_runs").count == 0


def test_ids_past_sqlite_range_are_404_not_500(auth, client):
    auth.login("coordinator")
    for path in ("/organisations/99999999999999999999", "/coordination/pairings/99999999999999999999",
                 "/trips/99999999999999999999", "/exports/trips/99999999999999999999.csv"):  # fmt: skip
        assert client.get(path).status_code == 404, path
