"""Hostile input: oversized and broken bodies, script in profile text, other organisations' ids.

Import files (malformed, not UTF-8, too large) are covered in test_cli.py and test_profiles.py; this
module adds the JSON that Python decodes into something no database takes (lone surrogates, absurd
nesting, numbers of thousands of digits).
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from conftest import ACCOUNTS, AuthActions, bearer, org_id
from openpyxl import load_workbook

from app.coordination.queries import ensure_pairing
from app.seed import SEED_DIR

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
FORMULA = '=HYPERLINK("http://evil.example.org","click")'
RAW_MARKUP = ("<script>alert", "<img src=x", "onerror=alert(1)>")  # what must never reach a page raw
# Every profile is public to members; the contact list answers them too, empty while the privacy rule
# hides it (one contact is 403 then).
OTHER_ORG_MAY_READ = {"orgs.show", "api.show_organisation", "api.list_contacts"}


def hostile_profile(org: dict) -> dict:
    """ThéCell's profile with script and a formula in every text people see."""
    return {
        "name": f"{FORMULA} {SCRIPT}",
        "short_name": IMG,
        "region": org["region"],
        "city": org["city"],
        "type": org["type"],
        "expertise": f"{org['expertise']} {SCRIPT}",
        "offers": f"{org['offers']} {IMG}",
        "seeks": f"{org['seeks']} {SCRIPT}",
        "collaboration_types": org["collaboration_types"],
        "languages": org["languages"],
        "website": org["website"],
        "source": org["source"],
        "updated_at": org["updated_at"],
    }


@pytest.fixture
def hostile(seeded, db):
    """ThéCell's profile saved through the web form by its member, with script and a formula."""
    from app.orgs.queries import get_organisation

    thecell = org_id(db, "ThéCell")
    client = seeded.test_client()
    auth = AuthActions(client)
    auth.login("member_qc")
    response = auth.post(f"/members/{thecell}/profile", hostile_profile(get_organisation(db, thecell)))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    stored = db.execute("SELECT name, short_name FROM organisations WHERE id = ?", [thecell]).fetchone()
    assert stored == (f"{FORMULA} {SCRIPT}", IMG)  # kept as typed: escaping is the pages' job
    efs = org_id(db, "EFS BFC")
    pairing = ensure_pairing(db, efs, thecell, "co_training", "member", 0.9)
    return {"thecell": thecell, "efs": efs, "pairing": pairing}


def assert_inert(response, where: str) -> str:
    """The page, checked: none of the hostile markup appears unescaped."""
    text = response.get_data(as_text=True)
    assert response.status_code == 200, f"{where}: {response.status_code}"
    found = [markup for markup in RAW_MARKUP if markup in text]
    assert found == [], f"{where} shows raw markup {found}"
    return text


def test_script_in_a_profile_is_inert_on_every_page_that_shows_profiles(seeded, hostile):
    member = seeded.test_client()
    AuthActions(member).login("member_bfc")
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    shown = {
        "org page": assert_inert(member.get(f"/organisations/{hostile['thecell']}"), "org page"),
        "directory": assert_inert(member.get("/organisations/"), "directory"),
        "search": assert_inert(member.get("/organisations/?q=GMP+cell+therapy+alert"), "search"),
        "suggestions": assert_inert(
            member.get(f"/members/{hostile['efs']}/?track=co_training"), "suggestions"
        ),
    }
    coordinator = seeded.test_client()
    auth = AuthActions(coordinator)
    auth.login("coordinator")
    pairing = f"/coordination/pairings/{hostile['pairing']}"
    comment = {"decision": "approve", "comment": f"{FORMULA} {SCRIPT}", "expected_status": "proposed"}
    assert auth.post(f"{pairing}/decide", comment).status_code == 302
    for name, path in (
        ("pairing", pairing),
        ("queue", "/coordination/?status=approved"),
        ("coverage", "/coordination/coverage"),
        ("network", "/coordination/network"),
        ("trips", "/trips/"),
    ):
        shown[name] = assert_inert(coordinator.get(path), name)
    admin = seeded.test_client()
    AuthActions(admin).login("admin")
    shown["users"] = assert_inert(admin.get("/admin/users"), "users")
    assert escaped in shown["org page"] and "&lt;img src=x onerror=alert(1)&gt;" in shown["org page"]
    assert "&lt;img src=x" in shown["network"]  # the SVG labels are escaped too
    assert escaped in shown["pairing"]


def test_script_in_a_profile_is_inert_in_the_api(seeded, hostile, api_tokens):
    response = seeded.test_client().get(
        f"/api/v1/organisations/{hostile['thecell']}", headers=bearer(api_tokens["member_bfc"])
    )
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"  # never sniffed into HTML
    assert json.loads(response.get_data(as_text=True))["organisation"]["short_name"] == IMG


def test_spreadsheet_exports_neutralise_formulas_and_keep_the_text(seeded, hostile):
    client = seeded.test_client()
    auth = AuthActions(client)
    auth.login("coordinator")
    decision = {"decision": "approve", "comment": f"{FORMULA} {SCRIPT}", "expected_status": "proposed"}
    assert auth.post(f"/coordination/pairings/{hostile['pairing']}/decide", decision).status_code == 302
    table = client.get("/exports/pairings.csv")
    assert table.status_code == 200
    cells = [
        cell for row in csv.reader(io.StringIO(table.get_data(as_text=True).lstrip("\ufeff"))) for cell in row
    ]
    assert any(SCRIPT in cell for cell in cells)  # the text is there, as text
    assert [cell for cell in cells if cell.lstrip()[:1] in ("=", "+", "@")] == []
    workbook = load_workbook(io.BytesIO(client.get("/exports/pairings.xlsx").data))
    kinds = {cell.data_type for sheet in workbook for row in sheet.iter_rows() for cell in row}
    assert "f" not in kinds  # no cell became a formula


def test_the_import_format_export_keeps_formulas_verbatim(seeded, hostile, runner, tmp_path):
    """export-orgs is the import format: it must round-trip, so it is not neutralised (README)."""
    path = tmp_path / "orgs.csv"
    assert runner.invoke(args=["export-orgs", "--format", "csv", "-o", str(path)]).exit_code == 0
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert any(row["name"] == f"{FORMULA} {SCRIPT}" for row in rows)
    result = runner.invoke(args=["import-orgs", str(path)])
    assert result.exit_code == 0 and "0 updated" in result.output


@pytest.mark.parametrize(
    ("body", "what"),
    [
        (b"offers=Cell+therapy+%ED%A0%80+GMP", "a lone surrogate, UTF-8 encoded"),
        (b"offers=Cell+therapy+%FF%FE+GMP", "bytes that are not UTF-8"),
        (b"offers=Cell+therapy%00GMP", "a NUL byte"),
        (b"offers=Cell+therapy%1BGMP", "an escape character"),
    ],
    ids=["surrogate", "latin1", "nul", "escape"],
)
def test_broken_text_in_a_form_is_refused_and_nothing_written(member, client, db, body, what):
    efs = org_id(db, "EFS BFC")
    before = db.execute("SELECT * FROM organisations WHERE id = ?", [efs]).fetchone()
    token = member.csrf_token(f"/members/{efs}/profile")
    response = client.post(
        f"/members/{efs}/profile",
        data=body + b"&csrf_token=" + token.encode(),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400, what
    assert "not valid text" in response.get_data(as_text=True)
    assert db.execute("SELECT * FROM organisations WHERE id = ?", [efs]).fetchone() == before


def test_broken_text_in_a_multipart_form_is_refused(member, client, db):
    efs = org_id(db, "EFS BFC")
    before = db.execute("SELECT * FROM organisations WHERE id = ?", [efs]).fetchone()
    token = member.csrf_token(f"/members/{efs}/profile")
    body = (
        b'--XyZ\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n' + token.encode() + b"\r\n"
        b'--XyZ\r\nContent-Disposition: form-data; name="offers"\r\n\r\nCell \xed\xa0\x80 therapy\r\n'
        b"--XyZ--\r\n"
    )
    response = client.post(
        f"/members/{efs}/profile", data=body, content_type="multipart/form-data; boundary=XyZ"
    )
    assert response.status_code == 400 and "not valid text" in response.get_data(as_text=True)
    assert db.execute("SELECT * FROM organisations WHERE id = ?", [efs]).fetchone() == before


def test_plain_accents_and_percent_signs_are_not_broken_text(member, client, db):
    efs = org_id(db, "EFS BFC")
    response = member.post(f"/members/{efs}/profile", {"city": "Besançon 100 % ÉFS"})
    assert "not valid text" not in response.get_data(as_text=True)


def test_broken_text_in_the_login_form_is_refused(client, seeded):
    auth = AuthActions(client)
    token = auth.csrf_token()
    body = f"email=efs%40test.example.org%00&password=x&csrf_token={token}".encode()
    response = client.post("/auth/login", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert seeded.test_client().get("/auth/login").status_code == 200


def test_a_multipart_field_over_the_form_memory_limit_is_413(member, client, db, seeded):
    client.get("/auth/password?lang=en")
    efs = org_id(db, "EFS BFC")
    before = db.execute("SELECT offers FROM organisations WHERE id = ?", [efs]).fetchone()
    big = "x" * (seeded.config["MAX_FORM_MEMORY_SIZE"] + 10)  # under MAX_CONTENT_LENGTH
    response = member.post(f"/members/{efs}/profile", {"offers": big}, content_type="multipart/form-data")
    assert response.status_code == 413
    assert "The upload is larger than the site accepts" in response.get_data(as_text=True)
    assert db.execute("SELECT offers FROM organisations WHERE id = ?", [efs]).fetchone() == before


def test_oversized_bodies_are_413_everywhere_even_before_login(client, seeded):
    big = b"x" * (seeded.config["MAX_CONTENT_LENGTH"] + 1)
    login = client.post("/auth/login", data=big, content_type="application/x-www-form-urlencoded")
    upload = client.post(
        "/auth/login", data={"file": (io.BytesIO(big), "orgs.csv")}, content_type="multipart/form-data"
    )
    api = client.post("/api/v1/organisations", data=big, content_type="application/json")
    for response in (login, upload):
        assert response.status_code == 413 and response.mimetype == "text/html"
        assert response.headers["Content-Security-Policy"]
    assert api.status_code in (401, 413)  # no token: refused either way, nothing read into memory


def _import(runner, tmp_path, name: str, content: bytes):
    path = tmp_path / name
    path.write_bytes(content)
    return runner.invoke(args=["import-orgs", str(path)])


def _seed_record(**changes) -> dict:
    first = json.loads((SEED_DIR / "ecosystem.jsonl").read_text(encoding="utf-8").splitlines()[0])
    return {**first, "short_name": "hostile", **changes}


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("deep.json", b"[" * 100_000 + b"]" * 100_000, "line 1: not valid JSON (values nested too deeply)"),
        ("deep.jsonl", b"[" * 100_000 + b"]" * 100_000 + b"\n", "not valid JSON (values nested too deeply)"),
        (
            "long.jsonl",
            b'{"name": ' + b"9" * 10_000 + b"}\n",
            "not valid JSON (a number with too many digits)",
        ),
        (
            "surrogate.jsonl",
            json.dumps(_seed_record(expertise="Cell \ud800 therapy")).encode() + b"\n",
            "line 1: holds an escaped lone surrogate",
        ),
        (
            "surrogate-key.json",
            b"[" + json.dumps({**_seed_record(), "\udc80": "x"}).encode() + b"]",
            "line 1: holds an escaped lone surrogate",
        ),
        ("cesu.jsonl", b'{"name": "Di\xed\xb3\xbfjon"}\n', "not UTF-8 text (byte 0xed)"),
        ("nul.csv", b"name,short_name\nA\x00B,x\n", "line 1: missing column"),
    ],
    ids=["deep-json", "deep-jsonl", "long-number", "surrogate", "surrogate-key", "cesu", "nul-csv"],
)
def test_import_of_json_python_cannot_store_is_refused(runner, db, tmp_path, name, content, message):
    result = _import(runner, tmp_path, name, content)
    assert result.exit_code == 1
    assert message in result.output and "nothing was imported" in result.output
    assert "Traceback" not in result.output
    assert db.table("organisations").count == 0


# Ids in routes: a member of McGill asks for EFS's pages; and for an id that does not exist.
def _org_routes(app) -> list:
    return sorted(
        (rule for rule in app.url_map.iter_rules() if "org_id" in rule.arguments),
        key=lambda rule: rule.rule,
    )


def _call(client, auth, rule, values, token):
    """Send the route's first method: API with the bearer token, web forms with their CSRF token."""
    url = rule.build(values)[1]
    method = sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
    if rule.rule.startswith("/api/"):
        return client.open(url, method=method, json={}, headers=bearer(token))
    if method == "GET":
        return client.get(url)
    return auth.post(url)


def test_other_organisations_ids_are_403_and_unknown_ids_404_in_every_route(seeded, db, api_tokens):
    client = seeded.test_client()
    auth = AuthActions(client)
    auth.login("member_other")  # McGill / MUHC
    mcgill, efs = org_id(db, "McGill / MUHC"), org_id(db, "EFS BFC")
    fill = {"trip_id": 1, "host_org_id": efs, "meeting_id": 1, "delegate_id": 1}
    token = api_tokens["member_other"]
    wrong = []
    for rule in _org_routes(seeded):
        values = {name: fill.get(name, 1) for name in rule.arguments}
        own = _call(client, auth, rule, {**values, "org_id": mcgill}, token).status_code
        other = _call(client, auth, rule, {**values, "org_id": efs}, token).status_code
        unknown = _call(client, auth, rule, {**values, "org_id": 999_999}, token).status_code
        if own == 403:  # not a member's route at all (coordinators'): refused whatever the id
            expected = (403, 403)
        elif rule.endpoint in OTHER_ORG_MAY_READ:
            expected = (200, 404)
        else:
            expected = (403, 404)
        if (other, unknown) != expected:
            wrong.append(f"{rule.endpoint} {rule.rule}: other {other}, unknown {unknown}, want {expected}")
    assert wrong == []
    assert db.table("interests").count == 0


def test_a_member_cannot_act_on_a_pairing_or_user_by_id(seeded, db):
    client = seeded.test_client()
    auth = AuthActions(client)
    auth.login("member_other")
    pairing = ensure_pairing(db, org_id(db, "EFS BFC"), org_id(db, "ThéCell"), "event", "engine", 0.8)
    decision = {"decision": "approve", "comment": "", "expected_status": "proposed"}
    assert client.get(f"/coordination/pairings/{pairing}").status_code == 403
    assert auth.post(f"/coordination/pairings/{pairing}/decide", decision).status_code == 403
    assert auth.post(f"/admin/users/{seeded.user_ids['member_bfc']}/deactivate").status_code == 403
    assert db.execute("SELECT status FROM pairings WHERE id = ?", [pairing]).fetchone()[0] == "proposed"
    assert ACCOUNTS["member_other"][2] == ("McGill / MUHC",)
