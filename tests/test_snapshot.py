"""Index snapshots: one build per machine, every other process maps it; edits still patch in place."""

from __future__ import annotations

import numpy as np
from conftest import org_id

from app import matching
from app.db import get_db
from app.orgs.queries import get_organisation, update_organisation
from models import snapshot as snapshots
from models.profiles import TRACKS


def _forget_process_indexes(monkeypatch) -> None:
    """As a new worker process: nothing in memory."""
    monkeypatch.setattr(matching, "_indexes", {})


def test_a_second_process_loads_the_snapshot_instead_of_building(app, seeded, monkeypatch):
    builds = []
    real = matching.build_index
    monkeypatch.setattr(matching, "build_index", lambda *a: builds.append(1) or real(*a))
    with app.app_context():
        db = get_db()
        efs = org_id(db, "EFS BFC")
        first = {track: matching.suggestions_for(db, efs, track, top_k=5) for track in TRACKS}
        folder = matching.snapshot_folder()
        assert builds == [1] and any(folder.glob("*/vectors.npy"))
        _forget_process_indexes(monkeypatch)
        second = {track: matching.suggestions_for(db, efs, track, top_k=5) for track in TRACKS}
        assert builds == [1], "the second process must map the snapshot, not build"
        assert second == first
        assert isinstance(matching.get_index(db).vectors, np.memmap)


def test_a_snapshot_older_than_an_edit_is_patched_on_load(app, seeded, monkeypatch):
    builds = []
    real = matching.build_index
    monkeypatch.setattr(matching, "build_index", lambda *a: builds.append(1) or real(*a))
    with app.app_context():
        db = get_db()
        efs = org_id(db, "EFS BFC")
        matching.get_index(db)
        org = get_organisation(db, efs)
        update_organisation(db, efs, {**org, "seeks": "Des vecteurs AAV pour la thérapie génique."})
        matching.refresh_org(db, efs)
        _forget_process_indexes(monkeypatch)
        index = matching.get_index(db)
        assert builds == [1] and "AAV" in index.orgs[index.row_of(efs)]["seeks"]
        snapshot = snapshots.load(matching.snapshot_folder(), index.model_id)
        assert "AAV" not in snapshot.index.orgs[snapshot.index.row_of(efs)]["seeks"], (
            "the file is not written"
        )


def test_a_broken_snapshot_is_rebuilt(app, seeded, monkeypatch):
    with app.app_context():
        db = get_db()
        matching.get_index(db)
        for pickle_file in matching.snapshot_folder().glob("*/index.pickle"):
            pickle_file.write_bytes(b"not a pickle")
        _forget_process_indexes(monkeypatch)
        assert len(matching.get_index(db).orgs) == 46
