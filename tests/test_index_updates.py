"""The index of a process follows edits in place: an edit costs that profile, never a rebuild."""

from __future__ import annotations

import pytest
from conftest import org_id

from app import matching
from app.db import get_db
from app.orgs.queries import create_organisation, get_organisation, update_organisation
from models.profiles import TRACKS


@pytest.fixture
def builds(monkeypatch):
    counted = []
    real = matching.build_index
    monkeypatch.setattr(matching, "build_index", lambda *a: counted.append(1) or real(*a))
    return counted


def _edit(db, org_id: int, **fields) -> None:
    org = get_organisation(db, org_id)
    update_organisation(db, org_id, {**org, **fields})
    matching.refresh_org(db, org_id)


def test_an_edit_updates_the_index_in_place_as_a_rebuild_would(app, seeded, builds):
    with app.app_context():
        db = get_db()
        efs = org_id(db, "EFS BFC")
        before = matching.suggestions_for(db, efs, "co_training", top_k=5)
        assert builds == [1]
        _edit(db, efs, seeks="Formation croisée aux thérapies géniques AAV et aux vecteurs lentiviraux.")
        _edit(db, org_id(db, "ThéCell"), expertise="Plateforme de bioproduction de vecteurs viraux AAV.")
        after = matching.suggestions_for(db, efs, "co_training", top_k=5)
        assert builds == [1], "an edit must not rebuild the index"
        assert after != before
        index = matching.get_index(db)
        assert "AAV" in index.orgs[index.row_of(efs)]["seeks"]
        rebuilt = matching.build_index(db, index.model_id)
        for track in TRACKS:
            for patched in index.suggest(efs, track, 8):
                fresh = rebuilt.explain(efs, patched.org_id, track)
                # Every part as a rebuild computes it, but the lexical one: an in-place row uses the
                # vocabulary and IDF of the last build. The process maps its snapshot (float16
                # vectors) as every worker does, the rebuild is float32: passage parts within 3e-4.
                assert {k: v for k, v in patched.parts.items() if k != "lexical"} == pytest.approx(
                    {k: v for k, v in fresh.parts.items() if k != "lexical"}, abs=3e-4
                )
                assert abs(patched.parts["lexical"] - fresh.parts["lexical"]) < 0.05


def test_a_new_organisation_is_added_in_place_and_gets_suggestions(app, seeded, builds):
    with app.app_context():
        db = get_db()
        efs = org_id(db, "EFS BFC")
        matching.suggestions_for(db, efs, "joint_trial", top_k=5)
        org = dict(get_organisation(db, efs), short_name="EFS BFC 2", name="EFS BFC bis")
        new_id = create_organisation(db, org)
        matching.refresh_org(db, new_id)
        found = matching.suggestions_for(db, new_id, "joint_trial", top_k=5)
        assert builds == [1], "a new organisation must not rebuild the index"
        index = matching.get_index(db)
        assert index.row_of(new_id) == len(index.orgs) - 1
        # Its twin's suggestions, and it is suggested to the other side as its twin is.
        assert [s.org_id for s in found] == [
            s.org_id for s in matching.suggestions_for(db, efs, "joint_trial", top_k=5)
        ]
        partner = found[0].org_id
        theirs = [s.org_id for s in matching.suggestions_for(db, partner, "joint_trial", top_k=40)]
        assert new_id in theirs and efs in theirs
        assert [h.org_id for h in matching.search(db, org["expertise"][:200], top_k=46)].count(new_id) == 1
        assert builds == [1]


def test_a_deleted_organisation_is_masked_without_a_rebuild(app, seeded, builds):
    with app.app_context():
        db = get_db()
        efs = org_id(db, "EFS BFC")
        gone = matching.suggestions_for(db, efs, "joint_trial", top_k=1)[0].org_id
        with db.atomic():
            db.execute("DELETE FROM organisations WHERE id = ?", [gone])
        after = matching.suggestions_for(db, efs, "joint_trial", top_k=10)
        assert gone not in [s.org_id for s in after] and len(after) == 10
        assert builds == [1]
