"""Passage vectors in SQLite, keyed by (organisation, model id, field, index) with a content hash.

:func:`sync_embeddings` re-embeds only the passages whose text changed since the vectors were
stored for that model id (llm's ``embeddings.py`` does the same with its content hashes), and
writes each batch of whole organisations in one transaction, so a crash never leaves a profile
half-written. :func:`load_matrix` reads every vector of a model id into one float32 matrix for
the matcher.

Vectors are float32 bytes in native (little-endian) order. The foreign key cascades only on a
connection with ``PRAGMA foreign_keys=ON`` (``app.db.connect`` sets it); a full sync also removes
the vectors of organisations that no longer exist.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import itemgetter

import numpy as np
from sqlite_utils import Database

from models.matching.embeddings import Embedder
from models.matching.passages import DEFAULT_MAX_TOKENS, PASSAGE_FIELDS, Passage, split_profile

TABLE = "passage_vectors"
ORGS_PER_BATCH = 128  # whole organisations per transaction (and per embedding call)
READ_CHUNK = 50_000  # rows turned into numpy at a time by load_matrix

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    org_id INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    model_id TEXT NOT NULL,
    field TEXT NOT NULL,
    idx INTEGER NOT NULL,
    text TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (org_id, model_id, field, idx)
);
CREATE INDEX IF NOT EXISTS idx_{TABLE}_model_id ON {TABLE}(model_id, org_id, field, idx);
"""


@dataclass
class SyncReport:
    """What one :func:`sync_embeddings` run did."""

    orgs_seen: int = 0
    passages_embedded: int = 0
    passages_reused: int = 0
    passages_deleted: int = 0


@dataclass(frozen=True, eq=False)
class PassageMatrix:
    """Every stored passage vector of one model id, rows sorted by (org_id, field, index).

    Attributes
    ----------
    vectors : ndarray of shape (n_passages, dim), float32, unit rows
    org_ids : ndarray of shape (n_passages,), int64, ascending
    fields : ndarray of shape (n_passages,), str ("expertise", "offers" or "seeks")
    indexes : ndarray of shape (n_passages,), int32, the passage's index within its field
    texts : list of str of length n_passages
    """

    model_id: str
    vectors: np.ndarray
    org_ids: np.ndarray
    fields: np.ndarray
    indexes: np.ndarray
    texts: list[str] = field(repr=False)

    def __len__(self) -> int:
        return len(self.org_ids)

    @property
    def dim(self) -> int:
        """Length of each vector."""
        return int(self.vectors.shape[1])

    def unique_org_ids(self) -> np.ndarray:
        """Ids of the organisations that have at least one row, ascending: shape (n_orgs,)."""
        return np.unique(self.org_ids)

    def rows(self, org_id: int) -> slice:
        """The slice of rows holding ``org_id``'s passages (empty if it has none)."""
        start, stop = np.searchsorted(self.org_ids, [org_id, org_id + 1])
        return slice(int(start), int(stop))

    def org_vectors(self, org_id: int) -> np.ndarray:
        """``org_id``'s passage vectors: ndarray of shape (n_org_passages, dim)."""
        return self.vectors[self.rows(org_id)]

    def passages(self, org_id: int) -> list[Passage]:
        """``org_id``'s passages, in row order."""
        r = self.rows(org_id)
        rows = zip(self.fields[r], self.indexes[r], self.texts[r], strict=True)
        return [Passage(str(fld), int(idx), text) for fld, idx, text in rows]


def create_tables(db: Database) -> None:
    """Create the ``passage_vectors`` table and its index if they are missing (safe to re-run)."""
    for statement in _SCHEMA.split(";"):
        if statement.strip():
            db.execute(statement)


def sync_embeddings(
    db: Database,
    embedder: Embedder,
    org_ids: Iterable[int] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SyncReport:
    """Bring the stored vectors of ``embedder.model_id`` up to date with the organisations' texts.

    Only new or changed passages are embedded. ``org_ids`` limits the work to those organisations
    (an id no longer in ``organisations`` has its vectors removed); ``progress(done, total)`` is
    called after each batch of organisations.
    """
    create_tables(db)
    wanted = None if org_ids is None else sorted({_as_id(i) for i in org_ids})
    profiles = _read_profiles(db, wanted)
    report = SyncReport(orgs_seen=len(profiles))
    # Asking the embedder for its window loads the model: only a profile that changed needs it.
    max_tokens = _Lazy(lambda: min(DEFAULT_MAX_TOKENS, embedder.max_tokens))
    for start in range(0, len(profiles), ORGS_PER_BATCH):
        batch = profiles[start : start + ORGS_PER_BATCH]
        _sync_batch(db, embedder, batch, max_tokens, report)
        if progress is not None:
            progress(min(start + ORGS_PER_BATCH, len(profiles)), len(profiles))
    report.passages_deleted += _delete_orphans(db, embedder.model_id, wanted)
    return report


def _as_id(value: object) -> int:
    """``value`` as an organisation id, or ValueError."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"org_ids must hold integer organisation ids, got {value!r}")
    return int(value)


def _read_profiles(db: Database, wanted: list[int] | None) -> list[dict]:
    """The id and texts of every organisation, or of those in ``wanted``, ordered by id."""
    columns = ", ".join(("id",) + PASSAGE_FIELDS)
    if wanted is None:
        return list(db.query(f"SELECT {columns} FROM organisations ORDER BY id"))
    rows: list[dict] = []
    for chunk in _chunks(wanted, 500):
        marks = ", ".join("?" * len(chunk))
        rows += db.query(f"SELECT {columns} FROM organisations WHERE id IN ({marks})", chunk)
    return sorted(rows, key=lambda row: row["id"])


def _chunks(items: Sequence, size: int) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _Lazy:
    """A value computed on first use, then kept."""

    def __init__(self, compute: Callable[[], int]):
        self._compute = compute
        self._value: int | None = None

    def __call__(self) -> int:
        if self._value is None:
            self._value = self._compute()
        return self._value


def _sync_batch(
    db: Database, embedder: Embedder, profiles: list[dict], max_tokens: _Lazy, report: SyncReport
) -> None:
    """Embed what changed in ``profiles`` and write their rows in one transaction."""
    ids = [p["id"] for p in profiles]
    stored = _stored_rows(db, embedder.model_id, ids)
    keep: set[tuple[int, str, int]] = set()
    todo: dict[tuple[int, str, int], Passage] = {}
    for profile in profiles:
        old = stored.get(profile["id"], {})
        if old and _same_words(profile, old):
            keep.update((profile["id"], f, i) for f, i in old)  # unchanged: no need to re-split
            continue
        for passage in split_profile(profile, embedder.count_tokens, max_tokens()):
            key = (profile["id"], passage.field, passage.index)
            keep.add(key)
            if old.get((passage.field, passage.index), ("", ""))[0] != passage.content_hash:
                todo[key] = passage
    stale = [(o, f, i) for o, rows in stored.items() for f, i in rows if (o, f, i) not in keep]
    embedded_before = report.passages_embedded
    vectors = _vectors_for(db, embedder, ids, todo, report)
    # Reused: every passage whose vector was not computed now (unchanged, moved or duplicated).
    report.passages_reused += len(keep) - (report.passages_embedded - embedded_before)
    report.passages_deleted += len(stale)
    rows = [
        dict(org_id=key[0], model_id=embedder.model_id, field=p.field, idx=p.index, text=p.text,
             content_hash=p.content_hash, vector=vectors[p.content_hash])
        for key, p in todo.items()
    ]  # fmt: skip
    with db.atomic():
        db.conn.executemany(
            f"DELETE FROM {TABLE} WHERE org_id = ? AND model_id = ? AND field = ? AND idx = ?",
            [(o, embedder.model_id, f, i) for o, f, i in stale],
        )
        if rows:
            db.table(TABLE).insert_all(rows, replace=True)


def _stored_rows(db: Database, model_id: str, ids: list[int]) -> dict[int, dict[tuple[str, int], tuple]]:
    """For each org id: {(field, idx): (content_hash, text)} of its stored rows for ``model_id``."""
    marks = ", ".join("?" * len(ids))
    stored: dict[int, dict[tuple[str, int], tuple]] = {}
    sql = (
        f"SELECT org_id, field, idx, content_hash, text FROM {TABLE} "
        f"WHERE model_id = ? AND org_id IN ({marks}) ORDER BY org_id, field, idx"
    )
    for org_id, fld, idx, content_hash, text in db.execute(sql, [model_id, *ids]):
        stored.setdefault(org_id, {})[(fld, idx)] = (content_hash, text)
    return stored


def _same_words(profile: dict, old: dict[tuple[str, int], tuple]) -> bool:
    """Whether the stored passages hold exactly the words of ``profile``'s texts, field by field.

    Passages are cut on whitespace only, so equal words mean an unchanged text (an edit of
    whitespace alone keeps the stored passages).
    """
    for fld in PASSAGE_FIELDS:
        stored_words = " ".join(text for (f, _), (_, text) in old.items() if f == fld).split()
        if stored_words != (profile.get(fld) or "").split():
            return False
    return True


def _vectors_for(
    db: Database, embedder: Embedder, ids: list[int], todo: dict, report: SyncReport
) -> dict[str, bytes]:
    """float32 bytes for each content hash in ``todo``: copied if already stored, else embedded."""
    hashes = sorted({p.content_hash for p in todo.values()})
    if not hashes:
        return {}
    found: dict[str, bytes] = {}
    marks_ids, marks_h = ", ".join("?" * len(ids)), ", ".join("?" * len(hashes))
    sql = (
        f"SELECT content_hash, vector FROM {TABLE} WHERE model_id = ? "
        f"AND org_id IN ({marks_ids}) AND content_hash IN ({marks_h})"
    )
    for content_hash, blob in db.execute(sql, [embedder.model_id, *ids, *hashes]):
        found[content_hash] = blob
    texts = {p.content_hash: p.text for p in todo.values() if p.content_hash not in found}
    if texts:
        matrix = np.ascontiguousarray(embedder.embed_batch(list(texts.values())), dtype=np.float32)
        if matrix.shape != (len(texts), embedder.dim):
            raise ValueError(f"{type(embedder).__name__}.embed_batch returned shape {matrix.shape}, "
                             f"expected ({len(texts)}, {embedder.dim})")  # fmt: skip
        found.update(zip(texts, (row.tobytes() for row in matrix), strict=True))
        report.passages_embedded += len(texts)
    return found


def _delete_orphans(db: Database, model_id: str, wanted: list[int] | None) -> int:
    """Delete this model's vectors of organisations that no longer exist; return how many."""
    sql = f"DELETE FROM {TABLE} WHERE model_id = ? AND org_id NOT IN (SELECT id FROM organisations)"
    deleted = 0
    with db.atomic():
        if wanted is None:
            return db.execute(sql, [model_id]).rowcount
        for chunk in _chunks(wanted, 500):
            scope = f" AND org_id IN ({', '.join('?' * len(chunk))})"
            deleted += db.execute(sql + scope, [model_id, *chunk]).rowcount
    return deleted


def load_matrix(db: Database, model_id: str, org_ids: Sequence[int] | None = None) -> PassageMatrix:
    """Read every stored vector of ``model_id`` (or of those organisations) into a :class:`PassageMatrix`."""
    if not db.table(TABLE).exists():
        empty = np.empty(0, dtype=np.int64)
        return PassageMatrix(model_id, np.empty((0, 0), np.float32), empty, np.array([], str), empty, [])
    where, params = f"FROM {TABLE} WHERE model_id = ?", [model_id]
    if org_ids is not None:
        wanted = [_as_id(org_id) for org_id in org_ids]
        where, params = where + f" AND org_id IN ({', '.join('?' * len(wanted))})", [model_id, *wanted]
    n = db.execute(f"SELECT count(*) {where}", params).fetchone()[0]
    first = db.execute(f"SELECT length(vector) {where} LIMIT 1", params).fetchone()
    dim = first[0] // 4 if first else 0
    vectors = np.empty((n, dim), dtype=np.float32)
    org_ids = np.empty(n, dtype=np.int64)
    indexes = np.empty(n, dtype=np.int32)
    fields: list[str] = []
    texts: list[str] = []
    sql = f"SELECT org_id, field, idx, text, vector {where} ORDER BY org_id, field, idx"
    done = 0
    with gc_paused():  # hundreds of thousands of row tuples would trigger many useless collections
        cursor = db.execute(sql, params)
        while chunk := cursor.fetchmany(READ_CHUNK):
            stop = done + len(chunk)
            buffer = b"".join(map(itemgetter(4), chunk))
            if len(buffer) != len(chunk) * dim * 4:
                raise ValueError(f"vectors of {model_id!r} differ in length: delete its rows and sync again")
            vectors[done:stop] = np.frombuffer(buffer, dtype=np.float32).reshape(len(chunk), dim)
            org_ids[done:stop] = np.fromiter(map(itemgetter(0), chunk), np.int64, len(chunk))
            indexes[done:stop] = np.fromiter(map(itemgetter(2), chunk), np.int32, len(chunk))
            fields += map(itemgetter(1), chunk)
            texts += map(itemgetter(3), chunk)
            done = stop
    return PassageMatrix(model_id, vectors, org_ids, np.array(fields, dtype=str), indexes, texts)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for a bulk read (it is restored as it was)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
