"""Engine proposals for the review queue, and coverage: who still lacks a good or approved partner."""

from __future__ import annotations

from collections.abc import Callable

from sqlite_utils import Database

from app.coordination.queries import ensure_pairing, sides
from app.db import immediate
from app.orgs.queries import list_organisations, now
from models.matching.results import Suggestion
from models.profiles import TRACKS

Suggest = Callable[..., list[Suggestion]]


def propose(
    db: Database,
    suggest: Suggest,
    min_score: float,
    per_org: int,
    user_id: int | None = None,
    *,
    only_if_changed: bool = False,
) -> int | None:
    """Store every organisation's best suggestions above ``min_score``; return how many pairings are new.

    With ``only_if_changed``, return None without scoring anything when the last run had the same
    settings and no profile, passage vector or topic has changed since (the engine version is the same).
    """
    version = _engine_version(db)
    if only_if_changed and _unchanged_since_last_run(db, version, min_score, per_org):
        return None
    orgs = {org["id"]: org for org in list_organisations(db)}
    found: dict[tuple[int, int, str], float] = {}
    dismissed = {  # a partner either side marked not relevant is never proposed for that track
        frozenset((org_id, partner_id)) | {track}
        for org_id, partner_id, track in db.execute(
            "SELECT org_id, partner_org_id, track FROM interests WHERE kind = 'not_relevant'"
        )
    }
    for org in orgs.values():  # compute first: the write lock is then held only briefly
        for track in org["collaboration_types"]:
            for suggestion in suggest(db, org["id"], track, top_k=per_org, evidence=False):
                partner = orgs.get(suggestion.org_id)
                if suggestion.score < min_score or partner is None or partner["region"] == org["region"]:
                    continue
                if frozenset((org["id"], partner["id"])) | {track} in dismissed:
                    continue
                key = (*sides(org, partner), track)
                found[key] = max(found.get(key, 0.0), float(suggestion.score))
    with immediate(db):  # counts, writes, counts again: no other write may land in between
        before = db.execute("SELECT COUNT(*) FROM pairings").fetchone()[0]
        for (bfc_id, qc_id, track), score in found.items():
            ensure_pairing(db, bfc_id, qc_id, track, "engine", score)
        created = db.execute("SELECT COUNT(*) FROM pairings").fetchone()[0] - before
        db.table("proposal_runs").insert(
            {"user_id": user_id, "created_at": now(), "proposals": created,
             "engine_version": version, "min_score": min_score, "per_org": per_org}
        )  # fmt: skip
    return created


def _engine_version(db: Database) -> int:
    return db.execute("SELECT version FROM engine_state WHERE id = 1").fetchone()[0]


def _unchanged_since_last_run(db: Database, version: int, min_score: float, per_org: int) -> bool:
    last = db.execute(
        "SELECT engine_version, min_score, per_org FROM proposal_runs ORDER BY id DESC LIMIT 1"
    ).fetchone()
    return last is not None and tuple(last) == (version, min_score, per_org)


def last_run(db: Database) -> dict | None:
    """The latest proposal run with who started it, or None if the engine never proposed."""
    return next(
        db.query(
            "SELECT r.*, u.email AS user_email FROM proposal_runs r LEFT JOIN users u ON u.id = r.user_id "
            "ORDER BY r.id DESC LIMIT 1"
        ),
        None,
    )


def coverage(db: Database, min_score: float) -> list[dict]:
    """Per track: the organisations that list it, and those with no good suggestion or no approved pairing."""
    orgs = list_organisations(db)
    good = _org_tracks(db, "p.status != 'rejected' AND p.score >= ?", [min_score])
    approved = _org_tracks(db, "p.status = 'approved'", [])
    report = []
    for track in TRACKS:
        listed = [org for org in orgs if track in org["collaboration_types"]]
        report.append(
            {
                "track": track,
                "orgs": listed,
                "no_good": [org for org in listed if (org["id"], track) not in good],
                "no_approved": [org for org in listed if (org["id"], track) not in approved],
            }
        )
    return report


def _org_tracks(db: Database, where: str, params: list) -> set[tuple[int, str]]:
    rows = db.execute(f"SELECT p.bfc_org_id, p.qc_org_id, p.track FROM pairings p WHERE {where}", params)
    found = set()
    for bfc_id, qc_id, track in rows:
        found.update({(bfc_id, track), (qc_id, track)})
    return found
