"""The engine as the web, the API and the CLI use it: one embedder and one index per process.

The index is rebuilt only when ``engine_state.version`` moves (triggers bump it whenever a profile,
a passage vector or a topic changes), so a request costs one small query when nothing changed.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from flask import current_app
from sqlite_utils import Database

from app.db import immediate
from app.orgs.queries import get_organisation, list_organisations
from models import snapshot as snapshots
from models.candidates import DEFAULT_CANDIDATES, Candidates
from models.errors import NotFound
from models.matching.columns import EditableRows
from models.matching.embeddings import Embedder, get_embedder
from models.matching.index import MatchIndex
from models.matching.results import SearchHit, Suggestion, Topic
from models.matching.topics import TopicAnchoredEmbedder, load_vocabulary, profile_text, topic_matrix
from models.matching.vectorstore import SyncReport, load_matrix, sync_embeddings
from models.matching.weights import SEARCH_FLOOR, load_weights

_lock = threading.Lock()
_indexes: dict[tuple[str, str], _Cached] = {}
MAX_PATCHED_ORGS = 2_000  # past this many changed organisations, a rebuild is cheaper than patches
KEPT_CHANGES = 200_000  # rows of engine_changes kept; a process further behind rebuilds


def embedder() -> Embedder:
    """The configured embedder, anchored to the topic vocabulary (the model loads on first use)."""
    return _anchored_embedder(current_app.config["EMBEDDING_MODEL"])


@lru_cache(maxsize=4)
def _anchored_embedder(name: str | None) -> Embedder:
    # Once per process and model: every request asks for the model id, which hashes the vocabulary.
    return TopicAnchoredEmbedder(get_embedder(name), load_vocabulary())


def engine_version(db: Database) -> int:
    """The counter the triggers bump on every change the index depends on."""
    return db.execute("SELECT version FROM engine_state WHERE id = 1").fetchone()[0]


def get_index(db: Database) -> MatchIndex:
    """This process's index for the current data and model, rebuilt only when stale."""
    return _current(db)[0]


@dataclass
class _Cached:
    version: int  # engine_state.version the index reflects
    change: int  # last engine_changes id it reflects
    index: MatchIndex
    candidates: Candidates

    @classmethod
    def of(cls, snapshot: snapshots.Snapshot) -> _Cached:
        """This process's copy of a snapshot: the same parts, updated in place by later patches."""
        return cls(snapshot.version, snapshot.change, snapshot.index, snapshot.candidates)


def engine(db: Database) -> tuple[MatchIndex, Candidates]:
    """This process's index and its first stage, with the configured stage (``CANDIDATE_STAGE``)."""
    index, candidates = _current(db)
    candidates.stage = current_app.config["CANDIDATE_STAGE"]
    return index, candidates


def _current(db: Database) -> tuple[MatchIndex, Candidates]:
    """This process's index and candidate stage: patched for the organisations that changed, or reloaded."""
    model_id = embedder().model_id
    key = (current_app.config["DATABASE"], model_id)
    version = engine_version(db)
    with _lock:
        cached = _indexes.get(key)
        if cached and cached.version == version:
            return cached.index, cached.candidates
        if cached and _patch(db, cached, version):
            return cached.index, cached.candidates
        cached = _indexes[key] = _load_or_build(db, model_id, version)
        return cached.index, cached.candidates


def _load_or_build(db: Database, model_id: str, version: int) -> _Cached:
    """The machine's snapshot brought up to date, or a new build (saved as the new snapshot)."""

    def build() -> snapshots.Snapshot:
        change = _last_change(db)  # read before the data: a change landing meanwhile is patched later
        index = build_index(db, model_id)
        db.execute("DELETE FROM engine_changes WHERE id <= ?", [change - KEPT_CHANGES])
        return snapshots.Snapshot(engine_version(db), change, index, Candidates(index))

    folder = snapshot_folder()
    if folder is None:
        snapshot = build()
        return _Cached.of(snapshot)

    def usable(snapshot: snapshots.Snapshot) -> bool:
        return _current_or_patchable(db, version, snapshot.version, snapshot.change)

    snapshot = snapshots.load_or_build(folder, model_id, build, usable)
    cached = _Cached.of(snapshot)
    if cached.version != version and not _patch(db, cached, version):
        snapshot = snapshots.load_or_build(folder, model_id, build, lambda s: s.version == version)
        cached = _Cached.of(snapshot)
    release_free_memory()  # a build's arrays, or an older index's, are gone: give their pages back
    return cached


def snapshot_folder() -> Path | None:
    """Where this database's index snapshot lives (``INDEX_SNAPSHOTS`` off: None, every process builds)."""
    if not current_app.config.get("INDEX_SNAPSHOTS", True):
        return None
    database = str(Path(current_app.config["DATABASE"]).resolve())
    return Path(current_app.instance_path) / "index" / hashlib.sha256(database.encode()).hexdigest()[:12]


def snapshot_is_current(db: Database) -> bool:
    """Whether the machine's snapshot already reflects the engine's state (then nothing to build)."""
    folder = snapshot_folder()
    if folder is None:
        return False
    return snapshots.saved_version(folder, embedder().model_id) == engine_version(db)


def would_build(db: Database) -> bool:
    """Whether this process's next use of the index builds it: no index in memory that a patch
    brings up to date, and no snapshot on disk that is current or can be patched."""
    folder = snapshot_folder()
    if folder is None:
        return False  # no snapshots: every process builds its own, nothing to share
    model_id = embedder().model_id
    version = engine_version(db)
    cached = _indexes.get((current_app.config["DATABASE"], model_id))
    if cached is not None and _current_or_patchable(db, version, cached.version, cached.change):
        return False
    saved = snapshots.saved_state(folder, model_id)
    return saved is None or not _current_or_patchable(db, version, *saved)


def _current_or_patchable(db: Database, version: int, made_at: int, change: int) -> bool:
    """Whether an index made at engine version ``made_at``, after change ``change``, serves
    ``version`` as it is or once patched (:func:`_patch`), rather than by a new build."""
    return made_at == version or _changed_orgs(db, change) is not None


def _last_change(db: Database) -> int:
    return db.execute("SELECT COALESCE(MAX(id), 0) FROM engine_changes").fetchone()[0]


def _changed_orgs(db: Database, since: int) -> tuple[list[int], int] | None:
    """Organisations added, updated or deleted since change ``since`` and the last change id; None when
    a rebuild is due (the log was pruned past ``since``, or too many organisations changed)."""
    oldest = db.execute("SELECT MIN(id) FROM engine_changes").fetchone()[0]
    if oldest is None or oldest > since + 1:
        return None  # the log was pruned past this index (or never written)
    changes = db.execute("SELECT id, org_id FROM engine_changes WHERE id > ?", [since]).fetchall()
    org_ids = sorted({org_id for _, org_id in changes})
    if not changes or len(org_ids) > MAX_PATCHED_ORGS:
        return None
    return org_ids, max(change_id for change_id, _ in changes)


def _patch(db: Database, cached: _Cached, version: int) -> bool:
    """Update ``cached`` in place for the organisations changed since it was made; False to rebuild.

    An edited profile replaces its rows, a new one gets new rows at the end, a deleted one is masked:
    no full build (its new words count in the lexical part after the next ``flask index`` only).
    """
    changed = _changed_orgs(db, cached.change)
    if changed is None:
        return False
    org_ids, last = changed
    index, candidates = cached.index, cached.candidates
    orgs = [org for org_id in org_ids if (org := get_organisation(db, org_id)) is not None]
    present = {org["id"] for org in orgs}
    gone = index.remove_orgs([org_id for org_id in org_ids if org_id not in present])
    matrix = load_matrix(db, index.model_id, org_ids=sorted(present))
    passages = list(zip(matrix.org_ids.tolist(), matrix.fields, matrix.texts, strict=True))
    rows = index.replace_orgs(orgs, passages, matrix.vectors, _topic_sets(db, sorted(present)))
    if len(index.orgs) > len(candidates.centroids):  # rows added at the end: room for their centroids
        if isinstance(candidates.centroids, EditableRows):
            candidates.centroids.grow(len(index.orgs))  # the snapshot's matrix is not copied
        else:
            extra = np.zeros((len(index.orgs) - len(candidates.centroids), candidates.centroids.shape[1]))
            candidates.centroids = np.concatenate([candidates.centroids, extra.astype(np.float32)])
    candidates.update(np.concatenate([rows, gone]))
    cached.version, cached.change = version, last
    release_free_memory()
    return True


def warm_up(*, model: bool = False) -> None:
    """Load (or build) this process's index now, so that no member's first click waits for it.

    With ``model`` (gunicorn's workers), also load the embedding model and embed one query, so that
    the first search by meaning costs one query's embedding, not the model's load. The model then
    runs on one thread: a worker embeds one short query at a time, and several threads per worker on
    a machine shared by several workers fight for its cores (one query: 34 ms on one thread, 302 ms
    on two under load, measured).
    """
    from app.db import get_db

    _current(get_db())
    if model and current_app.config["EMBEDDING_MODEL"] != "fake":
        import torch

        torch.set_num_threads(1)
        query_vector("thérapie cellulaire")
        drop_float32_weights()
        _keep_heap_trimmed()
    release_free_memory()


def drop_float32_weights() -> None:
    """Keep only the bf16 weights the loaded model embeds through (about 100 MB of RSS less); a
    model without that pair of layouts (the fake one) is left as it is."""
    inner = getattr(embedder(), "inner", None)
    if hasattr(inner, "drop_float32"):
        inner.drop_float32()


def release_free_memory() -> None:
    """Give the allocator's free pages back to the system (glibc's ``malloc_trim``; elsewhere nothing).

    Loading the snapshot and patching it free many small objects; glibc keeps their pages in the
    process (52 MB of a worker's RSS at 100,000 organisations) until asked.
    """
    with suppress(OSError, AttributeError):
        _libc().malloc_trim(0)


def _keep_heap_trimmed() -> None:
    """Have glibc give back free memory at the top of the heap past 1 MiB, as a request's arrays go.

    By default the threshold grows with the largest array freed (up to 32 MiB) and what a request's
    scoring frees stays in the worker: 23 MB less RSS at 100,000 organisations after 50 suggestions
    and 10 searches in one process (802 -> 779 MiB), the same as ``MALLOC_TRIM_THRESHOLD_=1048576``.
    """
    m_trim_threshold = -1  # glibc's malloc.h
    with suppress(OSError, AttributeError):
        _libc().mallopt(m_trim_threshold, 1 << 20)


@lru_cache(maxsize=1)
def _libc():
    import ctypes

    return ctypes.CDLL("libc.so.6")


_QUERY_CACHE = 512  # recent queries' vectors kept per process


def query_vector(text: str) -> np.ndarray:
    """The embedding of a search query (the same text twice: embedded once)."""
    return _query_vector(embedder(), text)


@lru_cache(maxsize=_QUERY_CACHE)
def _query_vector(model: Embedder, text: str) -> np.ndarray:
    vector = np.asarray(model.embed_batch([text])[0], dtype=np.float32)
    vector.flags.writeable = False
    return vector


def _topic_sets(db: Database, org_ids: list[int] | None = None) -> dict[int, list[str]]:
    sql, params = "SELECT org_id, topic_id FROM org_topics", []
    if org_ids is not None:
        sql, params = sql + f" WHERE org_id IN ({', '.join('?' * len(org_ids))})", org_ids
    topic_sets: dict[int, list[str]] = {}
    for org_id, topic_id in db.execute(sql + " ORDER BY org_id, topic_id", params):
        topic_sets.setdefault(org_id, []).append(topic_id)
    return topic_sets


def build_index(db: Database, model_id: str) -> MatchIndex:
    """Read organisations, passage vectors and topics and build an index."""
    matrix = load_matrix(db, model_id)
    topic_sets = _topic_sets(db)
    passages = list(zip(matrix.org_ids.tolist(), matrix.fields, matrix.texts, strict=True))
    return MatchIndex.build(
        model_id,
        list_organisations(db),
        passages,
        matrix.vectors,
        topic_sets,
        load_vocabulary(),
        load_weights(),
    )


def suggestions_for(
    db: Database,
    org_id: int,
    track: str,
    *,
    top_k: int = 10,
    hide_dismissed: bool = False,
    evidence: bool = True,
) -> list[Suggestion]:
    """Ranked partners across the Atlantic for one organisation and track.

    Only the candidates of the first stage (:mod:`models.candidates`) get the full scoring;
    ``evidence=False`` skips the evidence (for callers that keep only scores). With
    ``hide_dismissed``, partners the organisation marked not relevant for the track never come
    back (the list is filled up from further down the ranking instead).
    """
    index, candidates = engine(db)
    dismissed = dismissed_partners(db, org_id, track) if hide_dismissed else set()
    wanted = top_k + len(dismissed)
    rows = candidates.for_row(index.row_of(org_id), max(DEFAULT_CANDIDATES, 2 * wanted), track)
    ranked = index.suggest(org_id, track, wanted, rows=rows, evidence=evidence)
    return [s for s in ranked if s.org_id not in dismissed][:top_k]


def dismissed_partners(db: Database, org_id: int, track: str) -> set[int]:
    """Partners this organisation marked not relevant for this track."""
    rows = db.execute(
        "SELECT partner_org_id FROM interests WHERE org_id = ? AND track = ? AND kind = 'not_relevant'",
        [org_id, track],
    )
    return {row[0] for row in rows}


def search_floor() -> float:
    """The lowest score a search hit needs: SEARCH_MIN_SCORE, else the floor measured for the model."""
    configured = current_app.config.get("SEARCH_MIN_SCORE")
    if configured is not None:
        return float(configured)
    return 0.0 if current_app.config["EMBEDDING_MODEL"] == "fake" else SEARCH_FLOOR


def score_partners(
    db: Database, org_id: int, track: str, partner_ids: list[int], *, evidence: bool = True
) -> list[Suggestion]:
    """Score and explain the given partners of one organisation (those across the Atlantic), best first.

    ``evidence=False`` keeps only the direction of the fit (trip planning: 3,200 pairs, 5 s less at 10k).
    """
    index = get_index(db)
    own_region = index.regions[index.row_of(org_id)]
    rows = set()
    for partner_id in partner_ids:
        with suppress(NotFound):  # a partner without a profile in the index has nothing to score
            rows.add(index.row_of(partner_id))
    rows = np.array(sorted(r for r in rows if index.regions[r] != own_region), dtype=np.int64)
    if rows.size == 0:
        return []
    return index.suggest(org_id, track, top_k=int(rows.size), rows=rows, evidence=evidence)


def search(
    db: Database,
    text: str,
    *,
    top_k: int = 20,
    region: str | None = None,
    org_type: str | None = None,
    city: str | None = None,
) -> list[SearchHit]:
    """Organisations ranked by meaning for a French or English query, among those the filters keep.

    Past :data:`SEARCH_EXACT_UP_TO` organisations (the filters applied), only the
    :data:`SEARCH_FIRST_STAGE` whose mean vector is closest to the query (and half as many sharing
    its topics) are ranked by passage: the passages read stay a few thousand rows at any size.
    """
    index, candidates = _current(db)
    vector = query_vector(text)
    keep = ~index.deleted
    if region:
        keep &= index.regions == region
    if org_type:
        keep &= index.types == org_type
    if city:
        cities = _org_column(index, "city")
        keep &= np.array([str(c).casefold() == city.casefold() for c in cities], dtype=bool)
    rows = np.flatnonzero(keep)
    if rows.size > SEARCH_EXACT_UP_TO:
        rows = _search_first_stage(index, candidates, vector, text, rows)
    floor = search_floor()
    return [hit for hit in index.search(vector, text, top_k=top_k, rows=rows) if hit.score >= floor]


SEARCH_EXACT_UP_TO = 5_000
SEARCH_FIRST_STAGE = 2_000


def _search_first_stage(index: MatchIndex, candidates: Candidates, vector, text: str, rows) -> np.ndarray:
    """The rows among ``rows`` closest to the query by mean vector, and those sharing its topics."""
    centroids = candidates.centroids
    if hasattr(centroids, "products") and rows.size > len(centroids) // 8:  # in place, not a copy
        by_vector = centroids.products(vector[None, :], 0, len(centroids))[rows, 0]
    else:
        by_vector = centroids[rows] @ vector
    picked = rows[np.argpartition(-by_vector, SEARCH_FIRST_STAGE - 1)[:SEARCH_FIRST_STAGE]]
    query = topic_matrix([index.vocabulary.assign(text)], index.vocabulary)[0] * index.topic_idf
    by_topic = index.topics[rows] @ query  # the topic part of the ranking
    if by_topic.any():
        half = SEARCH_FIRST_STAGE // 2
        picked = np.union1d(picked, rows[np.argpartition(-by_topic, half - 1)[:half]])
    return np.sort(picked)


def _org_column(index: MatchIndex, name: str) -> np.ndarray:
    orgs = index.orgs
    return orgs.column(name) if hasattr(orgs, "column") else np.array([o[name] for o in orgs], dtype=object)


def assign_topics(db: Database, org_ids: list[int] | None = None) -> int:
    """Give automatic topics to organisations whose topics nobody set by hand; return how many."""
    vocabulary = load_vocabulary()
    changed = 0
    with immediate(db):  # reads which topics were set by hand and each current set, then replaces them
        sql, params = "SELECT DISTINCT org_id FROM org_topics WHERE source = 'manual'", []
        if org_ids is None:
            orgs = list_organisations(db)
        else:  # one profile saved: read it alone, not the whole directory (nor every manual topic)
            orgs = [org for org in (get_organisation(db, org_id) for org_id in org_ids) if org]
            sql, params = sql + f" AND org_id IN ({', '.join('?' * len(orgs))})", [org["id"] for org in orgs]
        manual = {row[0] for row in db.execute(sql, params)}
        for org in orgs:
            if org["id"] in manual:
                continue
            wanted = set(vocabulary.assign(profile_text(org)))
            current = {
                row[0] for row in db.execute("SELECT topic_id FROM org_topics WHERE org_id = ?", [org["id"]])
            }
            if wanted != current:
                _replace_topics(db, org["id"], sorted(wanted), "auto")
                changed += 1
    return changed


def _replace_topics(db: Database, org_id: int, topic_ids: list[str], source: str) -> None:
    db.execute("DELETE FROM org_topics WHERE org_id = ?", [org_id])
    db.table("org_topics").insert_all(
        [{"org_id": org_id, "topic_id": topic_id, "source": source} for topic_id in topic_ids]
    )


def sync(
    db: Database, org_ids: list[int] | None = None, progress: Callable[[int, int], None] | None = None
) -> SyncReport:
    """Assign automatic topics and embed missing or stale passages (only those)."""
    assign_topics(db, org_ids)
    return sync_embeddings(db, embedder(), org_ids=org_ids, progress=progress)


def refresh_org(db: Database, org_id: int) -> None:
    """After a profile edit: re-embed that profile only, and refresh its automatic topics."""
    sync(db, [org_id])


def topic_vocabulary() -> list[Topic]:
    """Every topic of the bilingual vocabulary."""
    return list(load_vocabulary().topics)


def org_topics(db: Database, org_id: int) -> list[Topic]:
    """The topics of one organisation, in vocabulary order."""
    vocabulary = load_vocabulary()
    have = {row[0] for row in db.execute("SELECT topic_id FROM org_topics WHERE org_id = ?", [org_id])}
    return [topic for topic in vocabulary.topics if topic.id in have]


def set_org_topics(db: Database, org_id: int, topic_ids: list[str]) -> None:
    """Set an organisation's topics by hand; automatic assignment then leaves it alone."""
    known = set(load_vocabulary().ids)
    unknown = [topic_id for topic_id in topic_ids if topic_id not in known]
    if unknown:
        raise ValueError(f"unknown topic id(s): {', '.join(unknown)}")
    with db.atomic():
        _replace_topics(db, org_id, sorted(set(topic_ids)), "manual")


def explain(db: Database, org_id: int, partner_id: int, track: str) -> Suggestion:
    """Score parts and evidence of one pair, seen from ``org_id``'s side."""
    return get_index(db).explain(org_id, partner_id, track)
