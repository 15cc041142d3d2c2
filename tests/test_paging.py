"""Long lists stay bounded: the review queue, the directory and the network picture, at any size."""

from __future__ import annotations

import pytest
from conftest import page_text

from app.coordination import network
from app.coordination.queries import ensure_pairing
from app.orgs import routes as org_routes
from app.orgs.queries import upsert_organisations
from app.paging import MAX_PAGE, page_number


def _many(db, count: int) -> None:
    upsert_organisations(
        db,
        [
            {
                "name": f"Organisation synthétique {n:05d}",
                "short_name": f"Synth {n:05d}",
                "region": "BFC" if n % 2 else "QC",
                "city": "Dijon" if n % 2 else "Québec",
                "type": "company",
                "expertise": "Thérapie cellulaire.",
                "offers": "Des créneaux.",
                "seeks": "Des partenaires.",
                "collaboration_types": ["economic"],
                "languages": ["fr"],
                "website": "",
                "source": "",
            }
            for n in range(count)
        ],
    )


@pytest.mark.parametrize(
    "value", ["400000000000000000", "0", "-1", "1.5", "²", "١", " 1", "1e3", "", str(MAX_PAGE + 1), "x"]
)
def test_page_numbers_outside_the_range_are_refused(value):
    assert page_number(value) is None


def test_page_numbers_in_range():
    assert page_number(None) == 1 and page_number("7") == 7 and page_number(str(MAX_PAGE)) == MAX_PAGE


@pytest.mark.parametrize("page", ["400000000000000000", "²", "0", "abc"])
def test_a_huge_or_odd_queue_page_is_a_400_not_a_500(auth, client, page):
    auth.login("coordinator")
    assert client.get(f"/coordination/?page={page}").status_code == 400
    assert client.get(f"/organisations/?page={page}").status_code == 400


def test_a_page_past_the_end_of_the_queue_is_empty(auth, client):
    auth.login("coordinator")
    assert client.get(f"/coordination/?page={MAX_PAGE}").status_code == 200


def test_the_directory_is_paged_and_keeps_its_filters(member, client, db):
    _many(db, 300)
    first = page_text(client.get("/organisations/"))
    assert first.count('class="card org-card"') == org_routes.PAGE_SIZE
    assert "346 organisations" in first and "Page 1 of 3" in first
    assert "Bourgogne-Franche-Comté (174)" in first  # the region's count, not the page's
    filtered = page_text(client.get("/organisations/?region=BFC&page=2"))
    assert "Page 2 of 2" in filtered and "?page=1&region=BFC" in filtered
    assert filtered.count('class="card org-card"') == 174 - org_routes.PAGE_SIZE


def test_the_network_is_bounded_and_says_so(auth, client, db, monkeypatch):
    _many(db, 120)
    monkeypatch.setattr(network, "MAX_LINKS", 10)
    monkeypatch.setattr(network, "MAX_COLUMN", 30)
    bfc = [row[0] for row in db.execute("SELECT id FROM organisations WHERE region = 'BFC' ORDER BY id")]
    qc = [row[0] for row in db.execute("SELECT id FROM organisations WHERE region = 'QC' ORDER BY id")]
    for n, (b, q) in enumerate(zip(bfc[:40], qc[:40], strict=True)):
        ensure_pairing(db, b, q, "economic", "engine", n / 100)
    layout = network.picture(db, ("proposed",))
    assert len(layout.links) == 10 and layout.links_total == 40 and layout.orgs_total == 166
    assert sorted(link.bfc.id for link in layout.links) == sorted(bfc[30:40])  # the best scored
    assert sum(1 for node in layout.nodes if node.region == "BFC") == 30
    auth.login("coordinator")
    text = page_text(client.get("/coordination/network?status=proposed&lang=en", follow_redirects=True))
    assert "The picture is bounded: 10 of 40 pairings" in text and "60 of 166 organisations are drawn" in text
