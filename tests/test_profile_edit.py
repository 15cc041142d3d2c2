"""Editing a profile: every import field plus topics; the worker then re-embeds that profile only."""

from __future__ import annotations

import re

import pytest
from conftest import org_id, page_text

from app import matching
from app.db import get_db
from app.engine_jobs import run_due
from app.orgs.queries import get_organisation

NEW_OFFERS = "Plasmid DNA and viral vector production under GMP, fermentation scale-up and release testing."


def form_data(org: dict, topics: list[str], **changes) -> dict:
    """What the browser sends for the profile form, from the stored profile."""
    data = {
        key: org[key]
        for key in (
            "name",
            "short_name",
            "region",
            "city",
            "type",
            "expertise",
            "offers",
            "seeks",
            "website",
            "source",
            "updated_at",
        )
    }
    data |= {
        "collaboration_types": org["collaboration_types"],
        "languages": org["languages"],
        "topics": topics,
    }
    return data | changes


def vectors(db):
    rows = db.execute("SELECT org_id, model_id, field, idx, content_hash, text FROM passage_vectors")
    return {row[:4]: row[4:] for row in rows}


def test_form_shows_every_field_filled_in(member, client, db, seeded):
    efs = org_id(db, "EFS BFC")
    text = page_text(client.get(f"/members/{efs}/profile"))
    org = get_organisation(db, efs)
    for field in ("name", "short_name", "city", "website", "source"):
        assert f'name="{field}"' in text and f'value="{org[field]}"' in text
    for field in ("expertise", "offers", "seeks"):
        assert org[field] in text
    for track in (
        "staff_exchange",
        "joint_trial",
        "co_training",
        "event",
        "economic",
    ):  # EFS BFC lists all five
        assert re.search(rf'<input checked id="collaboration_types-\d" [^>]*value="{track}">', text)
    assert re.search(r'<input checked id="languages-\d" [^>]*value="fr">', text)
    assert re.search(r'<input id="languages-\d" [^>]*value="en">', text)  # EFS BFC works in French only
    assert "Topics" in text and "CAR-T cells" in text


def test_saving_returns_at_once_and_the_worker_re_embeds_this_profile_only(member, client, db, seeded):
    efs, thecell = org_id(db, "EFS BFC"), org_id(db, "ThéCell")
    with seeded.app_context():
        topics = [topic.id for topic in matching.org_topics(get_db(), efs)]
        before_scores = [
            (s.org_id, s.score) for s in matching.suggestions_for(get_db(), thecell, "economic", top_k=50)
        ]
        fake = matching.embedder().inner  # the process's one embedder: it counts its calls
    before, calls = vectors(db), fake.calls
    org = get_organisation(db, efs)
    response = member.post(f"/members/{efs}/profile", form_data(org, topics, offers=NEW_OFFERS))
    assert fake.calls == calls  # the request embedded nothing
    assert vectors(db) == before and get_organisation(db, efs)["offers"] == NEW_OFFERS
    text = page_text(client.get(response.headers["Location"]))
    assert "The profile of EFS BFC is saved; its suggestions are being updated." in text
    assert "The suggestions of EFS BFC are being updated" in text
    with seeded.app_context():
        assert run_due(get_db()) == 1
    assert fake.calls == calls + 1  # the worker embedded the changed passages in one batch
    after = vectors(db)
    assert {k: v for k, v in before.items() if k[0] != efs} == {k: v for k, v in after.items() if k[0] != efs}
    assert any(k[0] == efs and k[2] == "offers" and NEW_OFFERS in text for k, (_, text) in after.items())
    assert "are being updated" not in page_text(client.get(f"/members/{efs}/"))
    with seeded.app_context():
        after_scores = [
            (s.org_id, s.score) for s in matching.suggestions_for(get_db(), thecell, "economic", top_k=50)
        ]
    assert after_scores != before_scores  # the other side sees the change once the worker ran


def test_choosing_topics_by_hand_keeps_them(member, client, db, seeded):
    efs = org_id(db, "EFS BFC")
    org = get_organisation(db, efs)
    member.post(f"/members/{efs}/profile", form_data(org, ["car_t", "gene_therapy"]))
    rows = db.execute(
        "SELECT topic_id, source FROM org_topics WHERE org_id = ? ORDER BY topic_id", [efs]
    ).fetchall()
    assert rows == [("car_t", "manual"), ("gene_therapy", "manual")]


def test_errors_keep_what_was_typed_and_change_nothing(member, client, db):
    efs = org_id(db, "EFS BFC")
    org = get_organisation(db, efs)
    response = member.post(
        f"/members/{efs}/profile",
        form_data(
            org, [], city="   ", offers=NEW_OFFERS, website="ftp://example.org", collaboration_types=[]
        ),
    )
    text = page_text(response)
    assert response.status_code == 400
    assert "The profile was not saved: correct the fields marked below." in text
    assert "Fill in the city." in text and "Tick at least one kind of collaboration." in text
    assert "Give an address starting with http:// or https://" in text
    assert NEW_OFFERS in text and 'value="ftp://example.org"' in text
    assert get_organisation(db, efs) == org


def test_short_name_of_another_organisation_is_refused(member, client, db):
    efs = org_id(db, "EFS BFC")
    org = get_organisation(db, efs)
    response = member.post(f"/members/{efs}/profile", form_data(org, [], short_name="ThéCell"))
    assert (
        response.status_code == 400
        and "Another organisation already uses the short name ThéCell." in page_text(response)
    )
    assert get_organisation(db, efs) == org


@pytest.mark.parametrize("twin", ["thécell", "THÉCELL"])
def test_a_short_name_differing_only_in_case_from_another_is_refused(member, client, db, twin):
    efs = org_id(db, "EFS BFC")
    org = get_organisation(db, efs)
    response = member.post(f"/members/{efs}/profile", form_data(org, [], short_name=twin))
    assert response.status_code == 400
    assert f"Another organisation already uses the short name {twin}." in page_text(response)
    assert get_organisation(db, efs) == org


def test_a_stale_form_does_not_overwrite_a_newer_save(member, client, db):
    efs = org_id(db, "EFS BFC")
    org = get_organisation(db, efs)
    response = member.post(
        f"/members/{efs}/profile", form_data(org, [], updated_at="2000-01-01T00:00:00+00:00")
    )
    assert response.status_code == 400 and "Someone else saved this profile" in page_text(response)
    assert get_organisation(db, efs) == org


@pytest.mark.parametrize("field, value", [("region", "Mars"), ("type", "castle"), ("expertise", "x" * 6001)])
def test_forged_values_are_refused(member, client, db, field, value):
    efs = org_id(db, "EFS BFC")
    org = get_organisation(db, efs)
    response = member.post(f"/members/{efs}/profile", form_data(org, [], **{field: value}))
    assert response.status_code == 400
    assert get_organisation(db, efs) == org


def test_coordinator_may_edit_any_profile(auth, client, db):
    auth.login("coordinator")
    thecell = org_id(db, "ThéCell")
    org = get_organisation(db, thecell)
    response = auth.post(f"/members/{thecell}/profile", form_data(org, [], city="Laval"))
    assert response.status_code == 302 and get_organisation(db, thecell)["city"] == "Laval"
