"""Index snapshots: one build per machine, every other process maps it; edits still patch in place."""

from __future__ import annotations

import numpy as np
from conftest import org_id

from app import matching
from app.db import get_db
from app.orgs.queries import create_organisation, get_organisation, update_organisation
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


def test_an_edit_after_loading_keeps_the_snapshot_files_read_not_copied(app, seeded, monkeypatch):
    from models.matching.columns import EditableRows, FileValues, LexicalRows
    from models.matching.topics import profile_text

    with app.app_context():
        db = get_db()
        efs = org_id(db, "EFS BFC")
        matching.get_index(db)
        _forget_process_indexes(monkeypatch)  # as a worker that mapped the snapshot
        index, candidates = matching.engine(db)
        before = [s.org_id for s in matching.suggestions_for(db, efs, "joint_trial", top_k=5)]
        org = get_organisation(db, efs)
        seeks = "Des vecteurs AAV et lentiviraux pour un essai de thérapie génique en hématologie."
        update_organisation(db, efs, {**org, "seeks": seeks})
        matching.refresh_org(db, efs)
        new_id = create_organisation(db, dict(org, short_name="EFS BFC 2", name="EFS BFC bis"))
        matching.refresh_org(db, new_id)
        after = matching.suggestions_for(db, efs, "joint_trial", top_k=5)
        patched, patched_candidates = matching.engine(db)
        assert patched is index and patched_candidates is candidates, "patched in place, not rebuilt"
        # The snapshot's big parts are still read from its files; the edit's rows are kept apart.
        assert isinstance(index.vectors.base, FileRows)
        assert isinstance(index.lexical, LexicalRows) and isinstance(index.lexical._base["data"], FileValues)
        assert isinstance(candidates.centroids, EditableRows) and isinstance(
            candidates.centroids.base, FileRows
        )
        assert len(index.lexical._replaced) == 2 and candidates.centroids._rows.size == 2
        assert index.lexical.shape[0] == len(index.orgs) == len(candidates.centroids)
        # ... and they read as the edit left them: the new TF-IDF row, the new mean vector.
        row, new_row = index.row_of(efs), index.row_of(new_id)
        fresh = index.vectorizer.transform([profile_text(get_organisation(db, efs))]).toarray()[0]
        np.testing.assert_allclose(index.lexical[row].toarray()[0], fresh, atol=1e-6)
        passages = index.vectors[index.passage_begin[row] : index.passage_end[row]]
        mean = passages.sum(axis=0) / np.linalg.norm(passages.sum(axis=0))
        np.testing.assert_allclose(candidates.centroids[row], mean, atol=1e-5)
        assert candidates.centroids[new_row].any() and index.lexical[new_row].nnz > 0
        assert "AAV" in index.orgs[row]["seeks"] and before and after
        # What the member sees: the evidence of a suggestion quotes the new text.
        shown = matching.suggestions_for(db, efs, "joint_trial", top_k=10)
        assert any("AAV" in p.own_text for s in shown for p in s.evidence.passages)
        # A snapshot saved from the patched index holds the edit.
        snapshots.save(matching.snapshot_folder() / "resaved", snapshots.Snapshot(0, 0, index, candidates))
        resaved = snapshots.load(matching.snapshot_folder() / "resaved", index.model_id)
        np.testing.assert_allclose(resaved.index.lexical[row].toarray()[0], fresh, atol=1e-6)
        np.testing.assert_allclose(resaved.candidates.centroids[row], mean, atol=1e-5)


def test_editable_rows_and_lexical_rows_read_as_the_arrays_they_stand_for(tmp_path):
    from scipy import sparse

    from models.matching.columns import EditableRows, LexicalRows

    rng = np.random.default_rng(0)
    dense = rng.random((50, 4)).astype(np.float32)
    np.save(tmp_path / "m.npy", dense)
    rows = EditableRows(FileRows(tmp_path / "m.npy"))
    rows[7] = np.ones(4)
    rows.grow(52)
    rows[51] = np.full(4, 2.0)
    expected = np.vstack([dense, np.zeros((2, 4), np.float32)])
    expected[7], expected[51] = 1.0, 2.0
    np.testing.assert_array_equal(np.asarray(rows), expected)
    for key in (slice(5, 9), slice(10, 40), np.array([51, 3, 7]), np.array([], dtype=np.int64)):
        np.testing.assert_array_equal(rows[key], expected[key])
    assert not rows[10:40].flags.owndata, "a block without edited rows is read in place"
    vectors = rng.random((3, 4)).astype(np.float32)
    np.testing.assert_allclose(rows.products(vectors, 5, 52), expected[5:52] @ vectors.T, rtol=1e-6)
    np.testing.assert_array_equal(rows[7], expected[7])
    matrix = sparse.random(30, 12, density=0.3, format="csr", dtype=np.float32, random_state=1)
    for name in ("data", "indices", "indptr"):
        np.save(tmp_path / f"lexical_{name}.npy", getattr(matrix, name))
    fresh = sparse.random(2, 12, density=0.5, format="csr", dtype=np.float32, random_state=2)
    for lexical in (LexicalRows(matrix), LexicalRows.load(tmp_path, matrix.shape)):
        lexical.grow(31)
        lexical.replace(np.array([4, 30]), fresh)
        want = sparse.vstack([matrix, sparse.csr_matrix((1, 12), dtype=np.float32)]).toarray()
        want[4], want[30] = fresh.toarray()
        np.testing.assert_array_equal(lexical.whole().toarray(), want)
        for key in (slice(2, 9), slice(10, 29), np.array([30, 0, 4, 17]), 4, np.int64(12)):
            np.testing.assert_array_equal(lexical[key].toarray(), want[key].reshape(-1, 12))
    big = sparse.random(3000, 12, density=0.3, format="csr", dtype=np.float32, random_state=3)
    lexical = LexicalRows(big)
    lexical.replace(np.array([5, 2500]), fresh)
    want = big.toarray()
    want[5], want[2500] = fresh.toarray()
    query = rng.random(12).astype(np.float32)
    block = lexical[2:2999]  # products fixed up for the replaced rows, the block not copied
    np.testing.assert_allclose(block @ query, want[2:2999] @ query, rtol=1e-5)
    np.testing.assert_allclose((lexical[[7]] @ block.T).toarray(), want[[7]] @ want[2:2999].T, rtol=1e-5)


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
