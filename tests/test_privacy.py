"""The privacy rule over every route: a seeded contact of ThéCell shows only where it may.

Every GET rule of the app (pages, the JSON API, exports, trips, coordination) is requested with its
arguments filled from real rows, and the body must not hold the contact's name or e-mail address
unless the viewer may see them: coordinators and administrators, ThéCell's own members, and members
of an organisation linked to ThéCell (mutual interest, an accepted request, an approved pairing).
"""

from __future__ import annotations

import itertools

import pytest
from conftest import AuthActions, actor, bearer, org_id

from app.auth.queries import User
from app.coordination.queries import ensure_pairing
from app.introductions import operations as ops
from app.operations.pairings import decide
from app.operations.stances import set_stance
from app.people.queries import can_see_contacts, save_contact

SECRET_NAME = "Zéphyrine Confidentielle"
SECRET_EMAIL = "zephyrine.confidentielle@thecell.example.org"
SKIPPED = {"auth.logout", "static", "api.openapi_document"}


@pytest.fixture
def world(seeded, db):
    """ThéCell's secret contact, trips, a pairing, a request between EFS BFC and ThéCell, all pending."""
    from app.seed import seed_trips

    seed_trips(db)
    efs, thecell, mcgill = (org_id(db, name) for name in ("EFS BFC", "ThéCell", "McGill / MUHC"))
    contact_id = save_contact(db, thecell, {"name": SECRET_NAME, "email": SECRET_EMAIL, "role": "Direction"})
    sender = User(seeded.user_ids["member_bfc"], "efs@test.example.org", "member", (efs,))
    request_id = ops.send_request(db, sender, efs, thecell, "co_training", "video_call", "Bonjour")
    pairing_id = ensure_pairing(db, efs, thecell, "event", "engine", 0.7)
    trip = db.execute("SELECT id FROM trips ORDER BY id LIMIT 1").fetchone()[0]
    values = {
        "org_id": [efs, thecell, mcgill],
        "host_org_id": [thecell],
        "pairing_id": [pairing_id],
        "request_id": [request_id],
        "contact_id": [contact_id],
        "user_id": [seeded.user_ids["member_other"]],
        "trip_id": [trip],
        "token_id": [1],
    }
    return {"efs": efs, "thecell": thecell, "mcgill": mcgill, "request_id": request_id, "values": values,
            "sender": sender, "pairing_id": pairing_id}  # fmt: skip


def every_get(app, values) -> list[tuple[str, str]]:
    """(endpoint, url) of every GET rule, once per combination of its arguments' values."""
    adapter = app.url_map.bind("localhost")
    urls = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        if "GET" not in rule.methods or rule.endpoint in SKIPPED:
            continue
        names = sorted(rule.arguments)
        options = []
        for name in names:
            items = getattr(rule._converters[name], "items", None)  # <any(csv, xlsx):fmt>
            options.append(sorted(items) if items else values.get(name, [1]))
        for combination in itertools.product(*options):
            urls.append(
                (rule.endpoint, adapter.build(rule.endpoint, dict(zip(names, combination, strict=True))))
            )
    return urls


def leaks(app, who: str, values, token: str) -> tuple[list[str], int]:
    """Addresses whose answer shows the secret contact to ``who``, and how many answers were read."""
    client = app.test_client()
    assert AuthActions(client).login(who).status_code == 302
    shown, read = [], 0
    for endpoint, url in every_get(app, values):
        headers = bearer(token) if url.startswith("/api/") else {}
        for query in ("", "?format=csv", "?format=xlsx", "?box=sent"):
            response = client.get(url + query, headers=headers)
            body = response.get_data()
            read += 1
            if SECRET_NAME.encode() in body or SECRET_EMAIL.encode() in body:
                shown.append(f"{endpoint} {url}{query}")
            if response.status_code >= 500:
                shown.append(f"{endpoint} {url}{query}: {response.status_code}")
    return shown, read


def test_no_route_shows_contacts_to_an_unlinked_organisation(seeded, world, api_tokens):
    shown, read = leaks(seeded, "member_bfc", world["values"], api_tokens["member_bfc"])
    assert shown == []
    assert read > 100, "the routes were not reached"
    print(f"\nprivacy: {read} answers over {len(every_get(seeded, world['values']))} GET addresses read")
    shown, _read = leaks(seeded, "member_other", world["values"], api_tokens["member_other"])
    assert shown == []


def test_the_contact_shows_where_it_may(seeded, world, api_tokens):
    for who in ("coordinator", "member_qc"):
        shown, _read = leaks(seeded, who, world["values"], api_tokens[who])
        assert any(item.startswith("orgs.show ") for item in shown), who
        assert any(item.startswith("api.show_organisation ") for item in shown), who
        assert not [item for item in shown if item.endswith(("500", "503"))]


@pytest.mark.parametrize("link", ["accepted_request", "mutual_interest", "approved_pairing"])
def test_each_link_reveals_the_contacts_to_the_linked_side_only(seeded, world, db, api_tokens, link):
    efs, thecell = world["efs"], world["thecell"]
    if link == "accepted_request":
        receiver = User(seeded.user_ids["member_qc"], "thecell@test.example.org", "member", (thecell,))
        ops.answer_request(db, receiver, world["request_id"], "accept", "Oui")
    elif link == "mutual_interest":
        with seeded.app_context():  # a stance asks the engine for the pair's score
            set_stance(db, actor(seeded, "member_bfc"), efs, thecell, "event", "interested")
            assert not can_see_contacts(db, world["sender"], thecell)  # one side is not enough
            set_stance(db, actor(seeded, "member_qc"), thecell, efs, "event", "intro_request")
    else:
        decide(
            db, actor(seeded, "coordinator"), world["pairing_id"], "approve", "Bon appariement", "proposed"
        )
    assert can_see_contacts(db, world["sender"], thecell)
    shown, _read = leaks(seeded, "member_bfc", world["values"], api_tokens["member_bfc"])
    assert any(item.startswith("orgs.show ") for item in shown)
    assert any(item.startswith("api.show_organisation ") for item in shown)
    shown, _read = leaks(seeded, "member_other", world["values"], api_tokens["member_other"])
    assert shown == []


def test_the_organisation_export_stays_the_import_format(runner, world):
    result = runner.invoke(args=["export-orgs", "--format", "jsonl"])
    assert result.exit_code == 0 and SECRET_NAME not in result.output and SECRET_EMAIL not in result.output
