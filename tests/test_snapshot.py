"""Index snapshots: one build per machine, every other process maps it; edits still patch in place."""

from __future__ import annotations

import numpy as np
from conftest import org_id

from app import matching
from app.db import get_db
from app.orgs.queries import get_organisation, update_organisation
from models import snapshot as snapshots
from models.matching.columns import FileRows
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
        # The mapped vectors are float16: the same partners in the same order, scores within 0.002.
        for track in TRACKS:
            assert [s.org_id for s in second[track]] == [s.org_id for s in first[track]]
            for mapped, built in zip(second[track], first[track], strict=True):
                assert abs(mapped.score - built.score) < 2e-3
                assert mapped.evidence.shared_terms == built.evidence.shared_terms
                assert [p.partner_text for p in mapped.evidence.passages] == [
                    p.partner_text for p in built.evidence.passages
                ]
        vectors = matching.get_index(db).vectors.base
        assert isinstance(vectors, FileRows) and vectors.dtype == np.float16, "read from the file, float16"


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
        saved = snapshot.index
        row = saved.row_of(efs)
        saved_texts = " ".join(saved.texts[p] for p in range(saved._begin[row], saved._end[row]))
        assert "AAV" not in saved_texts, "the file is not written"


def test_a_broken_snapshot_is_rebuilt(app, seeded, monkeypatch):
    with app.app_context():
        db = get_db()
        matching.get_index(db)
        for pickle_file in matching.snapshot_folder().glob("*/index.pickle"):
            pickle_file.write_bytes(b"not a pickle")
        _forget_process_indexes(monkeypatch)
        assert len(matching.get_index(db).orgs) == 46


def test_flask_index_skips_a_snapshot_already_current_without_loading_it(app, seeded, monkeypatch):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["index"])
    assert first.exit_code == 0 and "ready" in first.output
    loads = []
    real = snapshots.load
    monkeypatch.setattr(snapshots, "load", lambda *a: loads.append(1) or real(*a))
    _forget_process_indexes(monkeypatch)
    second = runner.invoke(args=["index"])
    assert second.exit_code == 0 and "already up to date" in second.output
    assert loads == [], "the no-change path reads the snapshot's meta.json, not the snapshot"
    with app.app_context():  # after an edit the snapshot is behind: the command brings it up to date
        db = get_db()
        efs = org_id(db, "EFS BFC")
        update_organisation(db, efs, {**get_organisation(db, efs), "seeks": "Des vecteurs AAV."})
    third = runner.invoke(args=["index"])
    assert third.exit_code == 0 and "ready" in third.output


def test_new_weights_make_the_snapshot_stale(app, seeded, monkeypatch, tmp_path):
    builds = []
    real = matching.build_index
    monkeypatch.setattr(matching, "build_index", lambda *a: builds.append(1) or real(*a))
    with app.app_context():
        db = get_db()
        matching.get_index(db)
        assert matching.snapshot_is_current(db)
        shipped = tmp_path / "weights.json"
        shipped.write_text('{"changed": true}')
        monkeypatch.setattr(snapshots, "WEIGHTS_PATH", shipped)  # a release with refitted weights
        assert not matching.snapshot_is_current(db)
        _forget_process_indexes(monkeypatch)
        matching.get_index(db)
        assert builds == [1, 1], "a snapshot computed with other weights is never loaded"


def test_the_vectorizer_is_unpickled_only_when_an_edit_needs_it(app, seeded, tmp_path):
    """A mapped snapshot reads its TF-IDF vectorizer (and imports scikit-learn) on first use only."""
    with app.app_context():
        db = get_db()
        index = matching.get_index(db)
        snapshot = snapshots.load(matching.snapshot_folder(), index.model_id)
        vectorizer = snapshot.index.vectorizer
        assert isinstance(vectorizer, snapshots._Deferred) and vectorizer._object is None
        again = snapshots.load(snapshots.save(tmp_path, snapshot).parent, index.model_id)  # saved as loaded
        for loaded in (snapshot.index, again.index):
            fresh = loaded.vectorizer.transform(["vecteurs AAV pour la thérapie génique"])
            assert fresh.shape[1] == loaded.lexical.shape[1] and fresh.nnz > 0
        assert vectorizer._object is not None
