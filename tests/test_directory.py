"""The directory: every profile behind a login, filters, search by meaning, one profile's page."""

from __future__ import annotations

import pytest
from conftest import org_id, page_text

from app import matching
from app.db import get_db


def test_directory_lists_the_seeded_organisations(member, client):
    text = page_text(client.get("/organisations/"))
    assert "46 organisations" in text and "ThéCell" in text and "EFS BFC" in text
    assert "Bourgogne-Franche-Comté (24)" in text and "Québec (22)" in text


def test_filters_by_region_kind_and_city(member, client):
    text = page_text(client.get("/organisations/?region=QC&type=hospital"))
    assert "CHU Sainte-Justine" in text and "EFS BFC" not in text and "Mila" not in text
    text = page_text(client.get("/organisations/?city=Dijon"))
    assert "CGFL" in text and "AER BFC" in text and "ThéCell" not in text and "EFS BFC" not in text


def test_search_ranks_by_the_engine_and_shows_the_passage(member, client, seeded):
    with seeded.app_context():
        expected = matching.search(get_db(), "plasmid DNA", top_k=20)
    text = page_text(client.get("/organisations/?q=plasmid+DNA"))
    assert f"{len(expected)} organisations match “plasmid DNA”" in text
    positions = [text.index(f'/organisations/{hit.org_id}"') for hit in expected]
    assert positions == sorted(positions)
    assert expected[0].passage in text


def test_search_with_filters(member, client, seeded):
    with seeded.app_context():
        expected = matching.search(get_db(), "production CAR-T BPF", top_k=20, region="BFC")
    text = page_text(client.get("/organisations/?q=production+CAR-T+BPF&region=BFC"))
    assert expected and all(hit.region == "BFC" for hit in expected)
    assert all(f'/organisations/{hit.org_id}"' in text for hit in expected)


@pytest.mark.parametrize("query", ["q=" + "x" * 301, "region=Mars", "type=castle", "city=Atlantis"])
def test_bad_filters_are_explained(member, client, query):
    response = client.get(f"/organisations/?{query}")
    assert response.status_code == 400
    text = page_text(response)
    assert "The search text is too long" in text or "Not a valid choice" in text


def test_profile_page_shows_topics_and_edit_link_only_to_those_who_may_edit(member, client, db, seeded):
    efs, thecell = org_id(db, "EFS BFC"), org_id(db, "ThéCell")
    with seeded.app_context():
        topics = matching.org_topics(get_db(), efs)
    own = page_text(client.get(f"/organisations/{efs}"))
    assert "Edit the profile" in own and all(topic.en in own for topic in topics)
    other = page_text(client.get(f"/organisations/{thecell}"))
    assert "Edit the profile" not in other and "Montreal" in other  # the city in the English page


def test_search_below_the_floor_finds_nothing_and_says_so(auth, client, seeded):
    seeded.config["SEARCH_MIN_SCORE"] = 0.99  # the fake embedder's scores; the real floor is measured
    auth.login("member_bfc")
    text = page_text(client.get("/organisations/?q=pizza"))
    assert "Aucune organisation ne correspond à «\u00a0pizza\u00a0»" in text
    assert 'class="card hit"' not in text
    seeded.config["SEARCH_MIN_SCORE"] = 0.0
    text = page_text(client.get("/organisations/?q=pizza"))
    assert "organisations correspondent à «\u00a0pizza\u00a0»" in text


def test_the_search_floor_comes_from_measurement(seeded):
    from models.matching.weights import SEARCH_FLOOR

    with seeded.app_context():
        assert matching.search_floor() == 0.0  # the fake embedder has no measured floor
        seeded.config["EMBEDDING_MODEL"] = None
        assert matching.search_floor() == SEARCH_FLOOR == 0.36  # scripts/search_floor.py
