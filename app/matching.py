"""The engine as the web, the API and the CLI use it: one embedder and one index per process.

The index is rebuilt only when ``engine_state.version`` moves (triggers bump it whenever a profile,
a passage vector or a topic changes), so a request costs one small query when nothing changed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import lru_cache

from flask import current_app
from sqlite_utils import Database

from app.db import immediate
from app.orgs.queries import get_organisation, list_organisations
from models.embeddings import Embedder, get_embedder
from models.matching import MatchIndex
from models.results import SearchHit, Suggestion, Topic
from models.topics import TopicAnchoredEmbedder, load_vocabulary, profile_text
from models.vectorstore import SyncReport, load_matrix, sync_embeddings
from models.weights import load_weights

_lock = threading.Lock()
_indexes: dict[tuple[str, str], tuple[int, MatchIndex]] = {}


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
    model_id = embedder().model_id
    key = (current_app.config["DATABASE"], model_id)
    version = engine_version(db)
    with _lock:
        cached = _indexes.get(key)
        if cached and cached[0] == version:
            return cached[1]
        index = build_index(db, model_id)
        _indexes[key] = (version, index)
        return index


def build_index(db: Database, model_id: str) -> MatchIndex:
    """Read organisations, passage vectors and topics and build an index."""
    matrix = load_matrix(db, model_id)
    topic_sets: dict[int, list[str]] = {}
    for org_id, topic_id in db.execute("SELECT org_id, topic_id FROM org_topics ORDER BY org_id, topic_id"):
        topic_sets.setdefault(org_id, []).append(topic_id)
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
    db: Database, org_id: int, track: str, *, top_k: int = 10, hide_dismissed: bool = False
) -> list[Suggestion]:
    """Ranked partners across the Atlantic for one organisation and track.

    With ``hide_dismissed``, partners the organisation marked not relevant for the track never come
    back (the list is filled up from further down the ranking instead).
    """
    if not hide_dismissed:
        return get_index(db).suggest(org_id, track, top_k)
    dismissed = dismissed_partners(db, org_id, track)
    ranked = get_index(db).suggest(org_id, track, top_k + len(dismissed))
    return [s for s in ranked if s.org_id not in dismissed][:top_k]


def dismissed_partners(db: Database, org_id: int, track: str) -> set[int]:
    """Partners this organisation marked not relevant for this track."""
    rows = db.execute(
        "SELECT partner_org_id FROM interests WHERE org_id = ? AND track = ? AND kind = 'not_relevant'",
        [org_id, track],
    )
    return {row[0] for row in rows}


def search(
    db: Database,
    text: str,
    *,
    top_k: int = 20,
    region: str | None = None,
    org_type: str | None = None,
    city: str | None = None,
) -> list[SearchHit]:
    """Organisations ranked by meaning for a French or English query, then filtered."""
    index = get_index(db)
    vector = embedder().embed_batch([text])[0]
    hits = index.search(vector, text, top_k=len(index.orgs))
    kept = [
        hit
        for hit in hits
        if (not region or hit.region == region)
        and (not org_type or hit.type == org_type)
        and (not city or hit.city.casefold() == city.casefold())
    ]
    return kept[:top_k]


def assign_topics(db: Database, org_ids: list[int] | None = None) -> int:
    """Give automatic topics to organisations whose topics nobody set by hand; return how many."""
    vocabulary = load_vocabulary()
    changed = 0
    with immediate(db):  # reads which topics were set by hand and each current set, then replaces them
        manual = {
            row[0] for row in db.execute("SELECT DISTINCT org_id FROM org_topics WHERE source = 'manual'")
        }
        if org_ids is None:
            orgs = list_organisations(db)
        else:  # one profile saved: read it alone, not the whole directory
            orgs = [org for org in (get_organisation(db, org_id) for org_id in org_ids) if org]
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
