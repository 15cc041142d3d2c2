"""The audit log: each change worded in the reader's language, filtered, exported, for staff only."""

# ruff: noqa: F811  (the fixtures of test_trips are imported, then used as arguments)
from __future__ import annotations

import csv
import io
import json
import re

import pytest
from conftest import PASSWORD, AuthActions, actor, bearer, org_id, page_text
from test_trips import draft, trip  # noqa: F401  (fixtures)

from app.operations import pairings, stances, trips
from app.people.queries import delete_contact, save_contact
from app.seed import SEED_DIR

URL = "/coordination/journal/"


@pytest.fixture
def history(seeded, db):
    """Camille Martin (coordinator) approves EFS BFC – ThéCell after EFS BFC's interest."""
    db.execute("UPDATE users SET name = 'Camille Martin' WHERE id = ?", [seeded.user_ids["coordinator"]])
    db.execute("UPDATE users SET name = 'Églantine Roy' WHERE id = ?", [seeded.user_ids["member_bfc"]])
    db.conn.commit()
    efs, thecell = org_id(db, "EFS BFC"), org_id(db, "ThéCell")
    with seeded.app_context():
        stance = stances.set_stance(
            db, actor(seeded, "member_bfc"), efs, thecell, "joint_trial", "interested"
        )
        pairings.decide(db, actor(seeded, "coordinator"), stance.pairing_id, "approve", "Bon dossier")
    return {"efs": efs, "thecell": thecell, "pairing": stance.pairing_id}


def _login(client, who: str, lang: str) -> AuthActions:
    auth = AuthActions(client)
    auth.login(who)
    client.get(f"/auth/password?lang={lang}")
    return auth


def _text(response) -> str:
    """The log's heading and rows (not the filters' lists), links and all, as a person reads them."""
    page = page_text(response)
    start = page.find("<h2>", page.find("</form>"))
    return re.sub(r"<[^>]+>", "", page[start : page.find("</main>")])


def _csv(response) -> list[list[str]]:
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    text = body.decode("utf-8-sig")
    delimiter = ";" if text.split("\r\n", 1)[0].count(";") else ","
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def test_a_stance_and_a_decision_read_as_sentences_in_french_and_english(client, history):
    _login(client, "coordinator", "fr")
    raw = client.get(URL)
    page = _text(raw)
    assert "Camille Martin a approuvé la mise en relation EFS BFC – ThéCell (essai clinique conjoint)" in page
    assert "Églantine Roy a marqué ThéCell comme intéressant pour EFS BFC (essai clinique conjoint)" in page
    assert f'href="/coordination/pairings/{history["pairing"]}"' in page_text(raw)
    assert "(heure de Paris)" in page  # the time in the reader's zone, with the zone said
    client.get(f"{URL}?lang=en")
    page = _text(client.get(URL))
    assert "Camille Martin approved the pairing EFS BFC – ThéCell (joint clinical trial)" in page
    assert "Églantine Roy marked ThéCell interesting for EFS BFC (joint clinical trial)" in page
    assert "Camille Martin signed in" in page  # the reader's own sign-in is a change of the log too
    assert "3 changes" in page


def test_a_trip_published_appears_worded_in_both_languages(client, seeded, db, trip, draft):
    with seeded.app_context():
        trips.publish(db, actor(seeded, "coordinator"), trip["trip"])
    _login(client, "coordinator", "fr")
    assert f"{'coord@test.example.org'} a publié la mission Test mission" in _text(client.get(URL))
    client.get(f"{URL}?lang=en")
    raw = client.get(f"{URL}?kind=trip")
    page = _text(raw)
    assert "coord@test.example.org published the trip Test mission" in page
    assert f'href="/trips/{trip["trip"]}"' in page_text(raw)
    assert "1 change" in page


def test_filters_narrow_the_rows_and_the_csv_holds_exactly_them(client, seeded, db, history):
    with seeded.app_context():  # a change about other organisations
        mcgill, member = org_id(db, "McGill / MUHC"), actor(seeded, "member_other")
        for other in ("EFS BFC", "CHU de Besançon"):
            stances.set_stance(db, member, mcgill, org_id(db, other), "event", "interested")
    _login(client, "coordinator", "en")
    assert "5 changes" in _text(client.get(URL))  # with the coordinator's sign-in
    page = _text(client.get(f"{URL}?org=chu+de+besan%C3%A7on"))  # either side, any case
    assert "1 change" in page and "EFS BFC" not in page and "Camille" not in page
    assert "CHU de Besançon interesting for McGill / MUHC" in page
    page = _text(client.get(f"{URL}?kind=pairing"))
    assert "1 change" in page and "approved the pairing" in page
    actor_id = seeded.user_ids["member_bfc"]
    assert "1 change" in _text(client.get(f"{URL}?actor={actor_id}"))
    assert "No change matches these filters." in _text(client.get(f"{URL}?until=2000-01-01"))
    assert "3 changes" in _text(client.get(f"{URL}?org=EFS+BFC&since=2020-01-01"))

    rows = _csv(client.get(f"{URL}export.csv?org=EFS+BFC&since=2020-01-01"))
    assert rows[0] == ["When", "Kind of action", "Who", "Organisation", "Partner", "What happened"]
    assert len(rows) == 4
    assert {row[1] for row in rows[1:]} == {"Stances on partners", "Pairing decisions"}
    response = client.get(f"{URL}export.csv?kind=pairing")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="audit-log.csv"' in response.headers["Content-Disposition"]
    assert len(_csv(response)) == 2


def test_the_csv_speaks_french_to_a_french_reader(client, history):
    _login(client, "coordinator", "fr")
    response = client.get(f"{URL}export.csv")
    assert 'filename="journal-des-modifications.csv"' in response.headers["Content-Disposition"]
    rows = _csv(response)
    assert rows[0] == ["Quand", "Type d’action", "Qui", "Organisation", "Partenaire", "Ce qui s’est passé"]
    # the sign-in just made and the approval may fall in one second or two: found by what they say
    said = {row[5]: row for row in rows[1:]}
    approval = said[
        "Camille Martin a approuvé la mise en relation EFS BFC – ThéCell (essai clinique conjoint)"
    ]
    assert approval[0].endswith("(heure de Paris)")
    assert "Camille Martin a ouvert une session" in said


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("since=2026-13-01", "“2026-13-01” is not a date"),
        ("until=yesterday", "“yesterday” is not a date"),
        ("since=2026-05-02&until=2026-05-01", "The end date comes before the start date"),
        ("org=pizza", "No organisation has the short name “pizza”"),
        ("kind=nothing", "Choose a kind of action from the list."),
        ("actor=999999", "Choose a person from the list."),
        ("actor=%C2%B2", "Choose a person from the list."),
        ("page=0", "There is no such page of the log."),
        ("until=9999-12-31", "Choose a day between the years 1900 and 2999."),
        ("since=0001-01-01", "Choose a day between the years 1900 and 2999."),
    ],
)
def test_a_bad_filter_gets_a_clear_message_not_an_error(client, history, query, message):
    _login(client, "coordinator", "en")
    for path in (URL, f"{URL}export.csv"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 400
        page = page_text(response)
        assert message in page and 'name="until"' in page  # the form is shown again with what was typed


def test_only_coordinators_and_administrators_read_the_log(client, history):
    assert client.get(URL).status_code == 302  # to the login page
    auth = _login(client, "member_bfc", "en")
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}export.csv").status_code == 403
    auth.logout()
    _login(client, "admin", "en")
    assert "approved the pairing" in _text(client.get(URL))


def test_contact_persons_never_appear_in_the_log_or_its_export(client, seeded, db, history):
    person = {"name": "Zoé Secrète", "role": "Chargée", "email": "zoe.secrete@example.org", "phone": "+33 1"}
    record = {**person, "languages": ["fr"], "tracks": ["event"]}
    with seeded.app_context():
        contact = save_contact(db, history["efs"], record, actor_id=seeded.user_ids["member_bfc"])
        save_contact(db, history["efs"], {**record, "role": "Directrice"}, contact, actor_id=None)
        delete_contact(db, contact, actor_id=seeded.user_ids["member_bfc"])
    _login(client, "coordinator", "en")
    page = _text(client.get(URL))
    assert "Églantine Roy added a contact person to the organisation EFS BFC" in page
    assert "The command line or a deleted account edited a contact person" in page
    assert "removed a contact person of the organisation EFS BFC" in page
    export = client.get(f"{URL}export.csv?kind=contact").get_data(as_text=True)
    assert len(_csv(client.get(f"{URL}export.csv?kind=contact"))) == 4
    for secret in ("Zoé", "Secrète", "zoe.secrete", "+33 1", "Chargée", "Directrice"):
        assert secret not in page and secret not in export


def test_account_changes_are_logged(auth, client, seeded):
    auth.login("admin")
    client.get("/auth/password?lang=en")
    user_id = seeded.user_ids["member_other"]
    assert auth.post(f"/admin/users/{user_id}/deactivate").status_code == 302
    assert auth.post(f"/admin/users/{user_id}/activate").status_code == 302
    raw = client.get(f"{URL}?kind=user")
    page = _text(raw)
    assert "deactivated the account of mcgill@test.example.org" in page
    assert "reactivated the account of mcgill@test.example.org" in page
    assert f'href="/admin/users/{user_id}"' in page_text(raw)


def test_the_coordinators_navigation_leads_to_the_log(client, history):
    _login(client, "coordinator", "en")
    assert f'href="{URL}"' in client.get("/coordination/dashboard").get_data(as_text=True)


def test_the_api_serves_the_same_rows_by_id(client, seeded, db, history, api_tokens):
    from conftest import bearer

    headers = bearer(api_tokens["coordinator"])
    answer = client.get(f"/api/v1/audit?org_id={history['thecell']}&kind=pairing", headers=headers).get_json()
    assert answer["total"] == 1
    entry = answer["items"][0]
    assert entry["text"] == "Camille Martin approved the pairing EFS BFC – ThéCell (joint clinical trial)"
    assert entry["subject"] == {"type": "pairing", "id": history["pairing"]}
    assert set(entry["organisations"]) == {history["efs"], history["thecell"]}
    assert client.get("/api/v1/audit?until=2000-01-01", headers=headers).get_json()["total"] == 0
    assert client.get("/api/v1/audit?since=2026-02-30", headers=headers).status_code == 400
    every = client.get("/api/v1/audit?until=9999-12-31", headers=headers).get_json()["total"]
    assert every == 2 + len(api_tokens)  # each token's creation is logged too
    assert client.get("/api/v1/audit", headers=bearer(api_tokens["member_bfc"])).status_code == 403


def test_a_trips_set_up_is_logged(client, seeded, db):
    auth = _login(client, "coordinator", "en")
    fields = {"name": "Mission de printemps", "direction": "BFC->QC", "cities": "Montréal",
              "start_date": "2026-05-11", "end_date": "2026-05-12", "notes": ""}  # fmt: skip
    assert auth.post("/trips/new", fields).status_code == 302
    trip_id = db.execute("SELECT id FROM trips WHERE name = 'Mission de printemps'").fetchone()[0]
    efs = org_id(db, "EFS BFC")
    assert auth.post(f"/trips/{trip_id}/delegation", {"org_id": efs}).status_code == 302
    assert auth.post(f"/trips/{trip_id}/delegation/{efs}/remove").status_code == 302
    assert auth.post(f"/trips/{trip_id}/delegation/{efs}/remove").status_code == 404  # nothing logged
    page = _text(client.get(f"{URL}?kind=trip"))
    assert "3 changes" in page
    assert "coord@test.example.org created the trip Mission de printemps" in page
    assert "added EFS BFC to the delegation of the trip Mission de printemps" in page
    assert "removed EFS BFC from the delegation" in page
    assert "2 changes" in _text(client.get(f"{URL}?org=EFS+BFC"))


def test_the_organisation_filter_keeps_every_row_that_names_it_and_no_other(seeded, db, history):
    """The filter, made in each source table, keeps what the rule says, read from the whole log."""
    from app.audit.queries import Filters, audit_rows

    efs, thecell, chu = history["efs"], history["thecell"], org_id(db, "Héma-Québec")
    with seeded.app_context():  # events that name an organisation as subject, in data, or by a pairing
        for partner in (thecell, chu):
            stances.set_stance(db, actor(seeded, "member_bfc"), efs, partner, "event", "interested")
    rows = [
        ("profile.updated", f"organisation:{chu}", "{}"),
        ("stance.set", f"organisation:{thecell}", f'{{"org_id": {efs}, "partner_id": {chu}}}'),
        ("trip.host_answered", "trip:1", f'{{"org_id": {thecell}}}'),
        ("profile.updated", f"organisation:{chu}0", "{}"),  # another organisation whose id begins alike
    ]
    db.conn.executemany(
        "INSERT INTO events (name, subject, data, created_at, handled_at) "
        "VALUES (?, ?, ?, '2026-01-01', 'x')",
        rows,
    )
    db.conn.commit()
    pairings_of = {p["id"]: {p["bfc_org_id"], p["qc_org_id"]} for p in db.query("SELECT * FROM pairings")}
    requests_of = {r["id"]: {r["from_org_id"], r["to_org_id"]} for r in db.query("SELECT * FROM requests")}
    every = list(audit_rows(db, Filters(), paged=False))

    def names(row, org):
        kind, _, number = row["subject"].partition(":")
        sides = {"organisation": {int(number)}, "pairing": pairings_of.get(int(number), set())}
        sides["request"] = requests_of.get(int(number), set())
        data = {row["data"].get("org_id"), row["data"].get("partner_id")}
        return org in sides.get(kind, set()) | data

    for org in (efs, thecell, chu):
        kept = [(r["source"], r["source_id"]) for r in audit_rows(db, Filters(org_id=org), paged=False)]
        assert kept == [(r["source"], r["source_id"]) for r in every if names(r, org)], org
        assert kept, org


def test_sign_ins_passwords_tokens_and_imports_are_logged(auth, client, seeded, db, runner, tmp_path):
    auth.login("member_bfc", password="not the password")
    auth.login("nobody@test.example.org", password="not the password")  # no account: nothing to log
    assert auth.login("member_bfc").status_code == 302
    client.get("/auth/password?lang=en")
    assert auth.post("/auth/tokens", {"name": "Nightly export"}).status_code == 200
    token_id = db.execute("SELECT id FROM api_tokens").fetchone()[0]
    assert auth.post(f"/auth/tokens/{token_id}/revoke").status_code == 302
    new = "trois hérons gris sur la Saône en hiver"
    changed = auth.post("/auth/password", {"current_password": PASSWORD, "new_password": new, "confirm": new})
    assert changed.status_code == 302
    auth.logout()
    first = (SEED_DIR / "ecosystem.jsonl").read_text().splitlines()[0]
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps({**json.loads(first), "short_name": "Nouvelle"}, ensure_ascii=False) + "\n")
    assert runner.invoke(args=["import-orgs", str(path)]).exit_code == 0

    _login(client, "coordinator", "en")
    page = _text(client.get(f"{URL}?kind=user"))
    assert "A sign-in to the account efs@test.example.org failed: wrong password" in page
    assert "efs@test.example.org signed in" in page
    assert "efs@test.example.org created an API token for efs@test.example.org" in page
    assert "efs@test.example.org revoked an API token of efs@test.example.org" in page
    assert "nobody" not in page and "Nightly export" not in page  # nor the token's name or secret
    assert "efs@test.example.org changed their password" in page
    assert "7 changes" in page  # the failure, the sign-in, the token made and revoked, the password
    # changed (which signs in again), and the coordinator's own sign-in
    page = _text(client.get(f"{URL}?org=Nouvelle"))
    assert "Import from a file: the organisation Nouvelle was added" in page
    client.get(f"{URL}?lang=fr")
    page = _text(client.get(f"{URL}?org=Nouvelle"))
    assert "Import de fichier\u00a0: l’organisation Nouvelle a été ajoutée" in page
    assert "1 modification" in page


def _travel_rows(client, lang: str) -> str:
    """The log's travel-time rows, read in ``lang``."""
    client.get(f"{URL}?lang={lang}")
    return _text(client.get(f"{URL}?kind=travel"))


SHERBROOKE_TROIS_RIVIERES = "/api/v1/travel-times/Trois-Rivieres/Sherbrooke"
DIJON_LURE = {"city_a": "Dijon", "city_b": "Lure", "minutes": 70, "mode": "car"}


def test_travel_times_changed_on_the_page_and_through_the_api_are_logged(client, seeded, db, api_tokens):
    db.execute("UPDATE users SET name = 'Camille Martin' WHERE id = ?", [seeded.user_ids["coordinator"]])
    db.conn.commit()
    auth = _login(client, "coordinator", "en")
    form = {"city_a": "Quebec City", "city_b": "Montreal", "minutes": 165, "mode": "train"}
    assert auth.post("/trips/travel", form).status_code == 302
    assert auth.post("/trips/travel/remove", {"city_a": "Dijon", "city_b": "Besançon"}).status_code == 302
    admin = bearer(api_tokens["admin"])
    body = {"minutes": 90, "mode": "car"}
    assert client.put(SHERBROOKE_TROIS_RIVIERES, json=body, headers=admin).status_code == 201
    assert client.delete("/api/v1/travel-times/Quebec/Montreal", headers=admin).status_code == 204

    page = _travel_rows(client, "en")
    assert "4 changes" in page
    assert "Camille Martin set the travel time between Montreal and Quebec City to 165 min (by train)" in page
    assert "Camille Martin removed the travel time between Besançon and Dijon" in page
    admin_words = "admin@test.example.org set the travel time between Sherbrooke and Trois-Rivières"
    assert f"{admin_words} to 90 min (by car)" in page
    assert "admin@test.example.org removed the travel time between Montreal and Quebec City" in page
    kinds = page_text(client.get(f"{URL}?kind=travel"))
    assert '<option value="travel" selected>Travel times</option>' in kinds
    page = _travel_rows(client, "fr")
    assert "4 modifications" in page
    assert "Camille Martin a fixé le temps de trajet entre Montréal et Québec à 165 min (en train)" in page
    assert "Camille Martin a retiré le temps de trajet entre Besançon et Dijon" in page
    assert "admin@test.example.org a retiré le temps de trajet entre Montréal et Québec" in page
    assert "Temps de trajet" in _csv(client.get(f"{URL}export.csv?kind=travel"))[1]

    answer = client.get("/api/v1/audit?kind=travel", headers=admin).get_json()
    assert answer["total"] == 4
    latest = answer["items"][0]  # in English, whoever reads
    assert latest["text"] == "admin@test.example.org removed the travel time between Montreal and Quebec City"
    assert latest["kind"] == "travel" and latest["action"] == "travel.removed"
    assert latest["subject"] == {"type": "travel", "id": None}
    assert latest["actor"]["id"] == seeded.user_ids["admin"] and latest["organisations"] == []


@pytest.mark.parametrize(
    "front, path, body, status",
    [
        ("web", "/trips/travel", DIJON_LURE | {"city_b": "Dijon"}, 400),
        ("web", "/trips/travel", DIJON_LURE | {"minutes": 1441}, 400),
        ("web", "/trips/travel/remove", {"city_a": "Dijon", "city_b": "Atlantis"}, 404),
        ("api", "/api/v1/travel-times/Quebec/Qu%C3%A9bec%20City", {"minutes": 10, "mode": "car"}, 409),
        ("api", "/api/v1/travel-times/Dijon/Lure", {"minutes": 0, "mode": "car"}, 422),
        ("api", "/api/v1/travel-times/Dijon/Atlantis", None, 404),
    ],
)  # fmt: skip
def test_a_refused_travel_change_logs_nothing(client, seeded, api_tokens, front, path, body, status):
    auth = _login(client, "coordinator", "en")
    token = bearer(api_tokens["coordinator"])
    if front == "web":
        assert auth.post(path, body).status_code == status
    elif body is None:
        assert client.delete(path, headers=token).status_code == status
    else:
        assert client.put(path, json=body, headers=token).status_code == status
    assert "No change matches these filters." in _travel_rows(client, "en")
    # the change that passes, after the refused one, is the log's one row
    assert auth.post("/trips/travel", DIJON_LURE).status_code == 302
    page = _travel_rows(client, "en")
    assert "1 change" in page and "set the travel time between Dijon and Lure to 70 min (by car)" in page
