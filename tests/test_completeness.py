"""The completeness gauge: what a member should add to be matched better, and 100 % once all is there."""

from __future__ import annotations

import re

import pytest
from conftest import org_id, page_text

from app.db import get_db
from app.people.queries import save_contact
from models.completeness import CHECKS, MIN_EXPERTISE, completeness

FULL = {
    "seeks": "Des entreprises pour accueillir nos stagiaires et un CDMO pour produire nos lots cliniques.",
    "expertise": "x" * MIN_EXPERTISE,
    "collaboration_types": ["co_training"],
    "address": "1 rue de la Paix, 25000 Besançon",
}


def test_a_full_profile_is_complete_and_each_gap_is_named():
    assert completeness(FULL, contacts=1).missing == () and completeness(FULL, contacts=1).percent == 100
    empty = completeness({}, contacts=0)
    assert empty.missing == CHECKS and empty.percent == 0
    short = completeness({**FULL, "expertise": "x" * (MIN_EXPERTISE - 1), "seeks": "A CDMO."}, contacts=1)
    assert short.missing == ("seeks", "expertise") and short.percent == 60
    assert completeness({**FULL, "collaboration_types": []}, contacts=0).missing == ("tracks", "contact")
    with pytest.raises(ValueError, match="contacts must be 0 or more"):
        completeness(FULL, contacts=-1)


def missing_links(page: str) -> list[str]:
    section = page.split('id="completeness"')[1].split("</section>")[0]
    return re.findall(r'<li><a href="#([\w-]+)">([^<]+)</a></li>', section)


def test_the_profile_page_lists_exactly_what_is_missing_then_reaches_100(member, client, seeded, db):
    efs = org_id(db, "EFS BFC")
    db.execute("UPDATE organisations SET seeks = 'CAR-T.', address = '' WHERE id = ?", [efs])
    db.execute("DELETE FROM contacts WHERE org_id = ?", [efs])
    db.conn.commit()
    page = page_text(client.get(f"/members/{efs}/profile"))
    assert "Your profile is 40% complete for matching" in page
    assert '<meter min="0" max="100" value="40"' in page
    assert missing_links(page) == [
        ("seeks", "Say what you seek in a partner, in a few sentences"),
        ("contacts", "Add a contact person"),
        ("address", "Give your postal address"),
    ]
    for anchor in ("seeks", "contacts", "address"):
        assert f'id="{anchor}"' in page  # each link leads to its field
    short = page_text(client.get(f"/members/{efs}/"))
    assert "Your profile is 40% complete for matching." in short
    assert f'href="/members/{efs}/profile#address"' in short
    with seeded.app_context():
        save_contact(get_db(), efs, {"name": "Ana", "email": "ana@example.org", "languages": ["fr"]})
    db.execute(
        "UPDATE organisations SET seeks = ?, address = ? WHERE id = ?", [FULL["seeks"], FULL["address"], efs]
    )
    db.conn.commit()
    page = page_text(client.get(f"/members/{efs}/profile"))
    assert "Your profile is 100% complete for matching" in page and missing_links(page) == []
    assert "Nothing is missing" in page
    assert 'id="completeness"' not in page_text(client.get(f"/members/{efs}/"))  # nothing to say there


def test_the_gauge_reads_in_french(auth, client, db):
    efs = org_id(db, "EFS BFC")
    db.execute("UPDATE organisations SET address = '' WHERE id = ?", [efs])
    db.conn.commit()
    auth.login("member_bfc")
    client.get("/auth/password?lang=fr")
    page = page_text(client.get(f"/members/{efs}/profile"))
    assert re.search(r"Votre profil est complet à \d+\u00a0% pour la mise en relation", page)
    assert "Indiquez votre adresse postale" in page
