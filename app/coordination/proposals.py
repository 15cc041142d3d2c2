"""Engine proposals for the review queue, and coverage: who still lacks a good or approved partner."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from sqlite_utils import Database

from app.coordination.queries import ensure_pairings, sides
from app.db import immediate
from app.orgs.queries import decode, list_organisations, now
from models.candidates import Candidates
from models.errors import PasserelleError, recorded, restored
from models.matching.batch import QUERY_BLOCK, best_partners, org_ids
from models.matching.index import MatchIndex
from models.profiles import TRACKS

log = logging.getLogger("passerelle.proposals")
Engine = Callable[[Database], tuple[MatchIndex, Candidates]]
Progress = Callable[[int, int], None]
# A run's state: recorded (the worker starts on it shortly), some organisations done, then how it
# ended (a ``proposal_runs`` row): finished, or stopped by an error.
UNDER_WAY = ("pending", "running")
RUN_STATES = (*UNDER_WAY, "done", "failed")


@dataclass(frozen=True)
class ProposalRun:
    """What one call of :func:`propose` did: pairings created, organisations done of the total."""

    created: int
    done: int
    total: int
    finished: bool
    skipped: bool = False  # nothing changed since the last run with the same settings
    failed: bool = False  # stopped by an error, recorded (:func:`run_pending`)


def propose(
    db: Database,
    engine: Engine,
    min_score: float,
    per_org: int,
    user_id: int | None = None,
    *,
    only_if_changed: bool = False,
    progress: Progress | None = None,
    budget_seconds: float | None = None,
) -> ProposalRun:
    """Store every organisation's best suggestions above ``min_score`` as proposed pairings.

    Organisations are ranked block by block (:func:`models.matching.batch.best_partners`), and each
    block's pairings are written with the run's progress, so an interrupted run, or one stopped by
    ``budget_seconds``, goes on from where it stopped when called again with the same settings;
    existing pairings and decisions are kept. With ``only_if_changed``, nothing is scored when the
    last finished run had the same settings and no profile, vector or topic changed since. A block's
    working memory is ``PROPOSAL_BLOCK_MB`` (the same proposals whatever it is).
    """
    version = _engine_version(db)
    state = _state(db)
    if state is not None and (state["min_score"], state["per_org"]) != (min_score, per_org):
        db.execute("DELETE FROM proposal_progress")  # other settings: that run starts over
        state = None
    if state is None and only_if_changed and _unchanged_since_last_run(db, version, min_score, per_org):
        return ProposalRun(0, 0, 0, finished=True, skipped=True)
    if state is None:
        state, _created = start(db, min_score, per_org, user_id, version)
    started = time.monotonic()
    memory_mb = float(current_app.config["PROPOSAL_BLOCK_MB"])
    index, candidates = engine(db)
    orgs = _sides_and_tracks(db)
    indexed = set(org_ids(index).tolist())
    todo = sorted(org_id for org_id in orgs if org_id in indexed and org_id > state["last_org_id"])
    total = state["done"] + len(todo)
    dismissed = _dismissed(db)
    done, created = state["done"], state["created"]
    for begin in range(0, len(todo), QUERY_BLOCK):
        chunk = todo[begin : begin + QUERY_BLOCK]
        (ranked,) = best_partners(
            index, candidates, [index.row_of(i) for i in chunk], lambda i: _tracks(orgs[i]), per_org,
            memory_mb=memory_mb,
        )  # fmt: skip
        found = _kept(ranked, orgs, dismissed, min_score)
        done += len(chunk)
        created += _store(db, found, chunk[-1], done, total)
        if progress is not None:
            progress(done, total)
        over = budget_seconds is not None and time.monotonic() - started > budget_seconds
        if over and begin + len(chunk) < len(todo):
            return ProposalRun(created, done, total, finished=False)
    with immediate(db):
        _end(db, "done", done, total, created)
    return ProposalRun(created, done, total, finished=True)


def start(
    db: Database, min_score: float, per_org: int, user_id: int | None, version: int | None = None
) -> tuple[dict, bool]:
    """Record a run to do (the worker takes it on its next round): (the run, whether it is new).

    A run under way with the same settings is kept (False); one with other settings starts over."""
    with immediate(db):
        state = _state(db)
        created = state is None or (state["min_score"], state["per_org"]) != (min_score, per_org)
        if created:
            stamp = now()
            db.execute("DELETE FROM proposal_progress")
            db.table("proposal_progress").insert(
                {"id": 1, "user_id": user_id, "min_score": min_score, "per_org": per_org,
                 "engine_version": _engine_version(db) if version is None else version,
                 "requested_at": stamp, "updated_at": stamp}
            )  # fmt: skip
    return _state(db), created


def under_way(db: Database) -> dict | None:
    """The run recorded and not finished yet (done and total organisations so far), or None."""
    return _state(db)


def run_pending(db: Database, engine: Engine, budget_seconds: float | None = None) -> ProposalRun | None:
    """Go on with the run under way, if any, for at most about ``budget_seconds`` (the worker's round).

    An error ends the run as ``failed`` with its code and parameters (:func:`models.errors.recorded`;
    the log has the trace), so the worker does not try it again every round: the queue page and
    ``GET /api/v1/proposals`` say it failed, and the next request starts a run over. The pairings
    its blocks stored stay."""
    state = _state(db)
    if state is None:
        return None
    settings = state["min_score"], state["per_org"], state["user_id"]
    try:
        return propose(db, engine, *settings, budget_seconds=budget_seconds)
    except Exception as error:  # the engine, a bug or the database: said on the queue page, logged
        return fail(db, error)


def fail(db: Database, error: Exception) -> ProposalRun | None:
    """End the run under way as ``failed`` with the error's code and parameters, and log its trace
    (call it from an ``except``): the worker's rounds and ``flask propose`` alike. None when no run
    was under way any more."""
    state = _state(db)
    if state is not None:
        log.exception("the proposal run stopped after %s of %s organisations", state["done"], state["total"])
    if db.conn.in_transaction:  # what the failed round left half written is not kept
        db.conn.rollback()
    code, params = recorded(error, "proposals_failed")
    with immediate(db):
        state = _state(db)
        if state is None:  # the run ended before the error: nothing left to record
            return None
        _end(db, "failed", state["done"], state["total"] or None, state["created"], code, params)
    return ProposalRun(state["created"], state["done"], state["total"], finished=False, failed=True)


def _tracks(org: dict) -> list[str]:
    return [track for track in org["collaboration_types"] if track in TRACKS]


def _sides_and_tracks(db: Database) -> dict[int, dict]:
    """Each organisation's id, region and tracks: all that ranking and storing read (whole profiles
    took 4.5 s at 100,000 organisations, in every round of the worker)."""
    rows = db.query("SELECT id, region, collaboration_types FROM organisations")
    return {row["id"]: decode(row) for row in rows}


def _dismissed(db: Database) -> set[frozenset]:
    """A partner either side marked not relevant is never proposed for that track."""
    return {
        frozenset((org_id, partner_id)) | {track}
        for org_id, partner_id, track in db.execute(
            "SELECT org_id, partner_org_id, track FROM interests WHERE kind = 'not_relevant'"
        )
    }


def _kept(ranked, orgs: dict, dismissed: set, min_score: float) -> dict[tuple[int, int, str], float]:
    found: dict[tuple[int, int, str], float] = {}
    for best in ranked:
        org = orgs[best.org_id]
        for partner_id, score in best.partners:
            partner = orgs.get(partner_id)
            if score < min_score or partner is None or partner["region"] == org["region"]:
                continue
            if frozenset((org["id"], partner_id)) | {best.track} in dismissed:
                continue
            key = (*sides(org, partner), best.track)
            found[key] = max(found.get(key, 0.0), score)
    return found


def _store(db: Database, found: dict, last_org_id: int, done: int, total: int) -> int:
    """Write one block's pairings and the run's progress together; return how many pairings are new."""
    with immediate(db):  # writes, then counts what is new: no other write may land in between
        created = ensure_pairings(db, (key + (score,) for key, score in found.items()), "engine")
        db.execute(
            "UPDATE proposal_progress SET last_org_id = ?, done = ?, total = ?, created = created + ?, "
            "updated_at = ? WHERE id = 1",
            [last_org_id, done, total, created, now()],
        )
    return created


def _end(
    db: Database, status: str, done: int, total: int | None, created: int, code: str = "", params=None
) -> None:
    """Record how the run under way ended (in the caller's transaction); its progress goes.

    ``total`` is None when a failed run had not counted the organisations yet."""
    state = _state(db)
    db.table("proposal_runs").insert(
        {"user_id": state["user_id"], "created_at": now(), "proposals": created,
         "engine_version": state["engine_version"], "min_score": state["min_score"],
         "per_org": state["per_org"], "status": status, "done": done, "total": total,
         "error_code": code, "error_params": json.dumps(params or {}, default=str)}
    )  # fmt: skip
    db.execute("DELETE FROM proposal_progress")


def _state(db: Database) -> dict | None:
    return next(db.query("SELECT * FROM proposal_progress WHERE id = 1"), None)


def _engine_version(db: Database) -> int:
    return db.execute("SELECT version FROM engine_state WHERE id = 1").fetchone()[0]


def _unchanged_since_last_run(db: Database, version: int, min_score: float, per_org: int) -> bool:
    """Whether the last run finished with these settings on this engine (a failed one is done again)."""
    last = db.execute(
        "SELECT status, engine_version, min_score, per_org FROM proposal_runs ORDER BY id DESC LIMIT 1"
    ).fetchone()
    return last is not None and tuple(last) == ("done", version, min_score, per_org)


def run_state(db: Database) -> dict | None:
    """The run under way, else the last one that ended, else None (the engine never proposed).

    ``status`` is one of :data:`RUN_STATES`, as the queue page tells it: pending until the worker
    has counted the organisations (``total``), running then; a run that ended (a ``proposal_runs``
    row) is done or failed, with the organisations ``done`` of the ``total`` (None before m203, or
    for a failure before the count) and the pairings it ``created``; a failed one has its error
    (:func:`failure`). ``user_email`` is who asked (None: the command line).
    """
    row = next(
        db.query(
            "SELECT p.*, u.email AS user_email FROM proposal_progress p "
            "LEFT JOIN users u ON u.id = p.user_id WHERE p.id = 1"
        ),
        None,
    )
    if row is not None:
        return row | {"status": "running" if row["total"] else "pending"}
    run = _last(db, "")
    return None if run is None else run | {"created": run["proposals"]}


def last_run(db: Database) -> dict | None:
    """The latest proposal run that finished, with who started it, or None if none ever did."""
    return _last(db, "WHERE r.status = 'done'")


def failed_run(db: Database) -> dict | None:
    """The latest run when it failed and none was asked for since, or None."""
    state = run_state(db)
    return state if state is not None and state["status"] == "failed" else None


def failure(run: dict) -> PasserelleError:
    """A failed run's error, to word with ``app.errors.describe``."""
    return restored(run["error_code"], json.loads(run["error_params"]))


def _last(db: Database, where: str) -> dict | None:
    return next(
        db.query(
            "SELECT r.*, u.email AS user_email FROM proposal_runs r LEFT JOIN users u ON u.id = r.user_id "
            f"{where} ORDER BY r.id DESC LIMIT 1"
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
