"""The network picture: BFC left, Québec right, pairings as links coloured by status, legible at 50+."""

from __future__ import annotations

import html as html_lib
import re

from conftest import actor, org_id

from app.coordination.network import LEFT_X, RIGHT_X, ROW, picture
from app.coordination.queries import ensure_pairing
from app.operations.pairings import decide
from app.orgs.queries import upsert_organisations


def svg_of(response) -> str:
    text = html_lib.unescape(response.get_data(as_text=True))
    return text[text.index("<svg") : text.index("</svg>")]


def test_every_organisation_is_a_labelled_node_on_its_side(auth, client, db):
    auth.login("coordinator")
    svg = svg_of(client.get("/coordination/network"))
    names = [row[0] for row in db.execute("SELECT short_name FROM organisations")]
    assert all(f">{name}</text>" in svg or f">{name[:33]}…</text>" in svg for name in names)
    bfc_x = {
        int(x)
        for x in re.findall(r'class="node node-bfc[^"]*">\s*<title>[^<]*</title>\s*<circle cx="(\d+)"', svg)
    }
    qc_x = {
        int(x)
        for x in re.findall(r'class="node node-qc[^"]*">\s*<title>[^<]*</title>\s*<circle cx="(\d+)"', svg)
    }
    assert bfc_x == {LEFT_X} and qc_x == {RIGHT_X}


def test_links_are_coloured_by_status_and_filtered(auth, client, db, seeded):
    auth.login("coordinator")
    efs, thecell, chu, hema = (
        org_id(db, n) for n in ("EFS BFC", "ThéCell", "CHU de Besançon", "Héma-Québec")
    )
    approved = ensure_pairing(db, efs, thecell, "event", "engine", 0.9)
    decide(db, actor(seeded, "coordinator"), approved, "approve", "Good.", "proposed")
    proposed = ensure_pairing(db, chu, hema, "joint_trial", "member")
    rejected = ensure_pairing(db, chu, thecell, "economic", "engine", 0.5)
    decide(db, actor(seeded, "coordinator"), rejected, "reject", "No.", "proposed")

    svg = svg_of(client.get("/coordination/network"))
    assert f'/coordination/pairings/{approved}"' in svg and 'class="link link-approved"' in svg
    assert f'/coordination/pairings/{proposed}"' in svg and 'class="link link-proposed"' in svg
    assert f'/coordination/pairings/{rejected}"' not in svg  # not shown by default
    only_rejected = svg_of(client.get("/coordination/network?status=rejected"))
    assert f'/coordination/pairings/{rejected}"' in only_rejected and "link-approved" not in only_rejected
    one_track = svg_of(client.get("/coordination/network?track=event"))
    assert (
        f'/coordination/pairings/{approved}"' in one_track
        and f'/coordination/pairings/{proposed}"' not in one_track
    )
    assert client.get("/coordination/network?status=maybe").status_code == 400


def test_layout_stays_legible_with_sixty_organisations_a_side(seeded, db):
    extra = [
        {
            "name": f"Test organisation {region} {n}",
            "short_name": f"Test {region} {n:02d}",
            "region": region,
            "city": "Dijon" if region == "BFC" else "Montréal",
            "type": "company",
            "expertise": "Cell therapy.",
            "offers": "Slots.",
            "seeks": "Partners.",
            "collaboration_types": ["economic"],
            "languages": ["fr"],
            "website": "",
            "source": "",
        }
        for region, count in (("BFC", 36), ("QC", 38))
        for n in range(count)
    ]
    upsert_organisations(db, extra)
    bfc_ids = [row[0] for row in db.execute("SELECT id FROM organisations WHERE region = 'BFC' LIMIT 30")]
    qc_ids = [row[0] for row in db.execute("SELECT id FROM organisations WHERE region = 'QC' LIMIT 30")]
    for index, (b, q) in enumerate(zip(bfc_ids, reversed(qc_ids), strict=True)):
        ensure_pairing(db, b, q, "economic", "engine", 0.5 + index / 100)
    layout = picture(db, ("approved", "proposed"))
    for x in (LEFT_X, RIGHT_X):
        ys = sorted(node.y for node in layout.nodes if node.x == x)
        assert len(ys) == 60
        assert min(b - a for a, b in zip(ys, ys[1:], strict=False)) >= ROW  # labels never overlap
    assert layout.height >= 60 * ROW and len(layout.links) == 30
    linked = [node for node in layout.nodes if node.degree]
    alone = [node for node in layout.nodes if not node.degree]
    assert max(n.y for n in linked if n.x == LEFT_X) < min(
        n.y for n in alone if n.x == LEFT_X
    )  # linked on top
