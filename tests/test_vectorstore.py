"""Passage vectors in SQLite: only changed passages are re-embedded, and rows follow their organisation."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sqlite_utils import Database

from models.matching.embeddings import FakeEmbedder
from models.matching.passages import split_profile
from models.matching.vectorstore import PassageMatrix, create_tables, load_matrix, sync_embeddings

SEED = Path(__file__).resolve().parent.parent / "data" / "eval" / "profiles_en.jsonl"


def _profiles() -> list[dict]:
    return [json.loads(line) for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture
def db(tmp_path) -> Database:
    """A throwaway database with an ``organisations`` table holding the seed profiles."""
    database = Database(tmp_path / "vectors.db")
    database.execute("PRAGMA foreign_keys=ON")
    database.execute(
        "CREATE TABLE organisations (id INTEGER PRIMARY KEY, short_name TEXT, "
        "expertise TEXT NOT NULL, offers TEXT NOT NULL, seeks TEXT NOT NULL, updated_at TEXT)"
    )
    rows = [
        {"id": i + 1, **{k: p[k] for k in ("short_name", "expertise", "offers", "seeks")}}
        for i, p in enumerate(_profiles())
    ]
    database.table("organisations").insert_all(rows)
    create_tables(database)
    yield database
    database.close()


def _expected_passages(db: Database, embedder: FakeEmbedder) -> int:
    return sum(len(split_profile(row, embedder.count_tokens)) for row in db.table("organisations").rows)


def test_create_tables_is_idempotent(db):
    create_tables(db)
    create_tables(db)
    columns = {c.name: c.type for c in db.table("passage_vectors").columns}
    assert columns == {
        "org_id": "INTEGER",
        "model_id": "TEXT",
        "field": "TEXT",
        "idx": "INTEGER",
        "text": "TEXT",
        "content_hash": "TEXT",
        "vector": "BLOB",
    }
    assert db.table("passage_vectors").pks == ["org_id", "model_id", "field", "idx"]
    assert any(ix.columns[0] == "model_id" for ix in db.table("passage_vectors").indexes)


def test_first_sync_embeds_every_passage_then_nothing(db):
    embedder = FakeEmbedder()
    expected = _expected_passages(db, embedder)
    first = sync_embeddings(db, embedder)
    assert first.orgs_seen == 46
    assert first.passages_embedded == embedder.texts_embedded == expected
    assert db.table("passage_vectors").count == expected
    calls = embedder.calls
    assert calls < 46, "embedding calls must be batched across organisations"

    counted = []
    embedder.count_tokens = lambda text: counted.append(text) or len(text.split())
    second = sync_embeddings(db, embedder)
    assert (second.passages_embedded, second.passages_reused, second.passages_deleted) == (0, expected, 0)
    assert embedder.calls == calls and embedder.texts_embedded == expected
    assert counted == [], "unchanged profiles must not even be split again"


class _Unloaded(FakeEmbedder):
    """An embedder whose model must not load: asking for its window, size or tokens fails."""

    def __init__(self, stored: FakeEmbedder):
        super().__init__(model_id=stored.model_id)
        self.loads = 0

    @property
    def max_tokens(self) -> int:  # type: ignore[override]
        self.loads += 1
        raise AssertionError("the model was loaded although no passage was stale")

    @max_tokens.setter
    def max_tokens(self, value: int) -> None:
        pass


def test_sync_with_nothing_stale_never_loads_the_model(db):
    stored = FakeEmbedder()
    sync_embeddings(db, stored)
    unloaded = _Unloaded(stored)
    report = sync_embeddings(db, unloaded)
    assert (report.passages_embedded, report.passages_deleted) == (0, 0)
    assert report.passages_reused == _expected_passages(db, stored)
    assert unloaded.loads == 0 and unloaded.calls == 0


def test_editing_offers_reembeds_only_that_orgs_changed_passages(db):
    embedder = FakeEmbedder(max_tokens=12)  # small passages: several per field
    sync_embeddings(db, embedder)
    before = {r["content_hash"]: r["vector"] for r in db.table("passage_vectors").rows}
    old_offers = db.execute("SELECT count(*) FROM passage_vectors WHERE org_id = 1 AND field = 'offers'")
    old_offers = old_offers.fetchone()[0]
    assert old_offers >= 2
    db.table("organisations").update(1, {"offers": "Training in GMP cell culture for Québec technicians."})
    embedder.texts_embedded = 0

    report = sync_embeddings(db, embedder)

    assert report.passages_embedded == embedder.texts_embedded == 1
    assert report.passages_deleted == old_offers - 1  # offers passage 0 is replaced, the rest go
    changed = db.execute(
        "SELECT text FROM passage_vectors WHERE org_id = 1 AND field = 'offers' ORDER BY idx"
    ).fetchall()
    assert changed == [("Training in GMP cell culture for Québec technicians.",)]
    after = {r["content_hash"]: r["vector"] for r in db.table("passage_vectors").rows}
    kept = set(before) & set(after)
    assert len(after) - len(kept) == 1
    assert all(before[h] == after[h] for h in kept)


def test_appending_a_sentence_reembeds_only_the_tail(db):
    embedder = FakeEmbedder(max_tokens=24)
    sync_embeddings(db, embedder)
    expertise = db.table("organisations").get(1)["expertise"]
    n_before = db.execute("SELECT count(*) FROM passage_vectors WHERE org_id = 1 AND field = 'expertise'")
    assert n_before.fetchone()[0] >= 4
    db.table("organisations").update(1, {"expertise": expertise + " It also trains nurses."})
    embedder.texts_embedded = 0

    report = sync_embeddings(db, embedder)

    assert 1 <= report.passages_embedded == embedder.texts_embedded <= 2
    assert report.passages_deleted == 0
    last = db.execute(
        "SELECT text FROM passage_vectors WHERE org_id = 1 AND field = 'expertise' ORDER BY idx DESC LIMIT 1"
    ).fetchone()[0]
    assert last.endswith("It also trains nurses.")


def test_moved_or_repeated_text_reuses_stored_vectors(db):
    embedder = FakeEmbedder()
    sync_embeddings(db, embedder)
    org = db.table("organisations").get(4)
    # Org 5 now says what org 4 says: its new passages are copied from org 4's stored vectors.
    db.table("organisations").update(5, {k: org[k] for k in ("expertise", "offers", "seeks")})
    embedder.texts_embedded = 0
    report = sync_embeddings(db, embedder)
    assert report.passages_embedded == embedder.texts_embedded == 0
    rows4 = db.execute("SELECT field, idx, vector FROM passage_vectors WHERE org_id = 4 ORDER BY 1, 2")
    rows5 = db.execute("SELECT field, idx, vector FROM passage_vectors WHERE org_id = 5 ORDER BY 1, 2")
    assert rows4.fetchall() == rows5.fetchall()


def test_sync_limited_to_given_orgs(db):
    embedder = FakeEmbedder()
    report = sync_embeddings(db, embedder, org_ids=[2, 5])
    assert report.orgs_seen == 2
    stored = {row[0] for row in db.execute("SELECT DISTINCT org_id FROM passage_vectors")}
    assert stored == {2, 5}
    with pytest.raises(ValueError, match="integer organisation ids"):
        sync_embeddings(db, embedder, org_ids=["2"])


def test_changing_model_id_reembeds_everything_once(db):
    first, other = FakeEmbedder(), FakeEmbedder(model_id="fake-v2")
    expected = sync_embeddings(db, first).passages_embedded
    assert sync_embeddings(db, other).passages_embedded == expected
    assert sync_embeddings(db, other).passages_embedded == 0
    assert db.table("passage_vectors").count == 2 * expected
    assert len(load_matrix(db, "fake-v2")) == len(load_matrix(db, first.model_id)) == expected


def test_deleting_an_org_cascades_and_full_sync_cleans_orphans(db):
    embedder = FakeEmbedder()
    sync_embeddings(db, embedder)
    total = db.table("passage_vectors").count
    own = db.execute("SELECT count(*) FROM passage_vectors WHERE org_id = 7").fetchone()[0]
    assert own > 0
    db.table("organisations").delete(7)
    assert db.table("passage_vectors").count == total - own

    db.execute("PRAGMA foreign_keys=OFF")  # a connection that forgot the pragma leaves orphans
    db.table("organisations").delete(8)
    orphans = db.execute("SELECT count(*) FROM passage_vectors WHERE org_id = 8").fetchone()[0]
    assert orphans > 0
    assert sync_embeddings(db, embedder).passages_deleted == orphans
    assert db.execute("SELECT count(*) FROM passage_vectors WHERE org_id = 8").fetchone()[0] == 0


def test_a_failed_embedding_writes_nothing(db):
    class Broken(FakeEmbedder):
        def embed_batch(self, texts):
            raise RuntimeError("model crashed")

    with pytest.raises(RuntimeError):
        sync_embeddings(db, Broken())
    assert db.table("passage_vectors").count == 0


def test_load_matrix_matches_embedder_and_groups_by_org(db):
    embedder = FakeEmbedder(dim=16)
    progress = []
    sync_embeddings(db, embedder, progress=lambda done, total: progress.append((done, total)))
    assert progress[-1] == (46, 46) and len(progress) >= 1

    matrix = load_matrix(db, embedder.model_id)
    assert isinstance(matrix, PassageMatrix)
    assert matrix.vectors.dtype == np.float32 and matrix.vectors.shape == (len(matrix), 16)
    assert np.all(np.diff(matrix.org_ids) >= 0)
    np.testing.assert_allclose(np.linalg.norm(matrix.vectors, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(matrix.vectors, embedder.embed_batch(matrix.texts), rtol=1e-6)

    profile = _profiles()[0]
    assert matrix.passages(1) == split_profile(profile, embedder.count_tokens)
    assert matrix.org_vectors(1).shape == (len(matrix.passages(1)), 16)
    assert list(matrix.unique_org_ids()) == list(range(1, 47))
    assert matrix.rows(999) == slice(len(matrix), len(matrix))


def test_load_matrix_of_unknown_model_is_empty(db):
    matrix = load_matrix(db, "nobody")
    assert len(matrix) == 0 and matrix.vectors.shape[0] == 0
