"""From a trip in the database to the planner and back: candidates, the problem, runs, edit checks.

Candidates come from the engine: for each (delegation organisation, host), the track where the
engine scores the pair best, or, when the pair has approved pairings, the best-scored approved
track (flagged ``approved``). The planner places pairs scoring at least ``TRIP_MIN_SCORE``,
approved ones and must-meets; a coordinator may add any pair of the trip by hand.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, datetime

from flask import current_app
from flask_babel import format_date, format_percent
from flask_babel import gettext as _
from sqlite_utils import Database

from app import matching
from app.i18n import city_label
from app.orgs.queries import now
from app.trips import meetings as store
from app.trips import queries
from app.trips.travel import travel_times
from models.matching.results import Suggestion
from models.matching.topics import load_vocabulary
from models.profiles import TRACKS
from models.trips.planner import Violation, find_violations, objective, plan_greedy, plan_trip
from models.trips.shapes import Candidate, Delegate, Host, Meeting, Plan, Reason, Slot, TripProblem
from models.vocabulary import CONSTRAINT_KINDS


@dataclass(frozen=True)
class PlanRun:
    """A plan for the trip's draft, with the greedy baseline it was compared with."""

    plan: Plan
    greedy: Plan
    approved: frozenset[tuple[int, int]] = frozenset()  # pairs with an approved pairing


def setup_gaps(db: Database, trip: dict) -> list[dict]:
    """What to fill in before the trip can be planned: ``{"code": ..., names...}`` each (app/errors.py
    words them)."""
    gaps = []
    if not queries.list_slots(db, trip["id"]):
        gaps.append({"code": "no_slots"})
    delegates = queries.list_delegates(db, trip["id"])
    if not delegates:
        gaps.append({"code": "no_delegates"})
    if not queries.list_hosts(db, trip["id"]):
        gaps.append({"code": "no_hosts"})
    with_delegates = {row["org_id"] for row in delegates}
    for pair in queries.list_constraints(db, trip["id"]):
        if pair["kind"] == "must_meet" and pair["delegation_org_id"] not in with_delegates:
            gaps.append({"code": "must_meet_without_delegate", "org": pair["org_short_name"],
                         "host": pair["host_short_name"]})  # fmt: skip
    return gaps


def load_problem(db: Database, trip: dict, candidates: list[Candidate]) -> TripProblem:
    """The trip as the planner sees it; pairs of organisations without delegates are left out."""
    slots = [
        Slot(row["id"], _at(row["day"], row["start"]), _at(row["day"], row["end"]))
        for row in queries.list_slots(db, trip["id"])
    ]
    delegates = tuple(
        Delegate(row["id"], row["name"], row["org_id"], row["email"])
        for row in queries.list_delegates(db, trip["id"])
    )
    hosts = tuple(_host(row, slots) for row in queries.list_hosts(db, trip["id"]))
    orgs = {delegate.org_id for delegate in delegates}
    pairs = {kind: set() for kind in CONSTRAINT_KINDS}
    for row in queries.list_constraints(db, trip["id"]):
        if row["delegation_org_id"] in orgs:
            pairs[row["kind"]].add((row["delegation_org_id"], row["host_org_id"]))
    return TripProblem(
        slots=tuple(slots),
        delegates=delegates,
        hosts=hosts,
        candidates=tuple(c for c in candidates if c.delegation_org_id in orgs),
        must_meet=frozenset(pairs["must_meet"]),
        must_not_meet=frozenset(pairs["must_not_meet"]),
        travel=travel_times(db),
        merge_delegates=bool(trip.get("group_meetings")),
    )


def _at(day: str, hour: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), datetime.strptime(hour, "%H:%M").time())


def _host(row: dict, slots: list[Slot]) -> Host:
    days = set(row["days"])
    available = frozenset(slot.id for slot in slots if slot.day.isoformat() in days) if days else None
    return Host(row["org_id"], row["city"], row["capacity"], available)


def engine_candidates(
    db: Database, trip: dict, org_ids: set[int] | None = None
) -> dict[tuple[int, int], Candidate]:
    """(delegation organisation, host) -> its best candidate, for every pair of the trip the engine scores."""
    hosts = {row["org_id"]: row for row in queries.list_hosts(db, trip["id"])}
    orgs = {row["org_id"] for row in queries.list_delegates(db, trip["id"])}
    approved = _approved_tracks(db)
    found: dict[tuple[int, int], dict[str, Suggestion]] = {}
    orgs = sorted(orgs if org_ids is None else orgs & org_ids)
    for org_id in orgs:
        for track in TRACKS:  # only the trip's hosts are scored: cost grows with the trip, not the base
            # No passages or terms: a reason names topics and a direction only (5 s less at 10k).
            for suggestion in matching.score_partners(db, org_id, track, sorted(hosts), evidence=False):
                if suggestion.org_id in hosts:
                    found.setdefault((org_id, suggestion.org_id), {})[track] = suggestion
    topics = _topic_ids(db, [*orgs, *hosts])
    # Reasons are data (published, compared on republication, exported), worded when shown.
    return {
        pair: _candidate(pair, by_track, approved.get(frozenset(pair), set()), topics)
        for pair, by_track in found.items()
    }


def _topic_ids(db: Database, org_ids: list[int]) -> dict[int, set[str]]:
    """Each organisation's topic ids, in one query."""
    found: dict[int, set[str]] = {org_id: set() for org_id in org_ids}
    marks = ",".join("?" * len(org_ids))
    query = f"SELECT org_id, topic_id FROM org_topics WHERE org_id IN ({marks})"
    for org_id, topic_id in db.execute(query, org_ids):
        found[org_id].add(topic_id)
    return found


def _approved_tracks(db: Database) -> dict[frozenset[int], set[str]]:
    tracks: dict[frozenset[int], set[str]] = {}
    for bfc_id, qc_id, track in db.execute(
        "SELECT bfc_org_id, qc_org_id, track FROM pairings WHERE status = 'approved'"
    ):
        tracks.setdefault(frozenset((bfc_id, qc_id)), set()).add(track)
    return tracks


def _candidate(
    pair: tuple[int, int], by_track: dict[str, Suggestion], approved: set[str], topics: dict[int, set[str]]
) -> Candidate:
    """The pair's candidate: its best approved track if any, else its best-scored track."""
    pool = {track: s for track, s in by_track.items() if track in approved} or by_track
    best = max(pool.values(), key=lambda s: (s.score, -TRACKS.index(s.track)))
    is_approved = bool(approved & set(pool))
    shared = topics[pair[0]] & topics[pair[1]]
    reason = _reason(best, is_approved, [t.id for t in load_vocabulary().topics if t.id in shared])
    return Candidate(pair[0], pair[1], best.track, float(best.score), is_approved, reason)


def _reason(suggestion: Suggestion, approved: bool, shared_topics: list[str]) -> str:
    """Why the pair should meet, as data: approval, three shared topics (in vocabulary order, as the
    evidence lists them), which way the fit runs."""
    topics = tuple(shared_topics[:3])
    return Reason(approved, topics, suggestion.evidence.direction, float(suggestion.score)).to_json()


def plannable(
    candidates: dict[tuple[int, int], Candidate], must_meet: frozenset, min_score: float
) -> list[Candidate]:
    """The candidates the planner may place: good enough, approved, or must-meet."""
    return [
        c for pair, c in sorted(candidates.items()) if c.score >= min_score or c.approved or pair in must_meet
    ]


def compute_plan(db: Database, trip: dict, time_limit: float | None = None) -> PlanRun:
    """Plan the trip (seconds of solving, no write): the plan, the greedy baseline, approved pairs."""
    candidates = engine_candidates(db, trip)
    problem = planning_problem(db, trip, candidates)
    plan = plan_trip(problem, time_limit=time_limit or current_app.config["TRIP_PLAN_SECONDS"])
    greedy = plan_greedy(problem)
    return PlanRun(plan, greedy, frozenset(pair for pair, c in candidates.items() if c.approved))


def planning_problem(db: Database, trip: dict, candidates: dict[tuple[int, int], Candidate]) -> TripProblem:
    """The problem the planner solves: plannable candidates, and what the hosts answered so far."""
    problem = load_problem(db, trip, [])
    min_score = current_app.config["TRIP_MIN_SCORE"]
    answers = host_answers(db, trip)
    fixed = tuple(  # a pair made must-not-meet since the host accepted is not kept
        m for m in answers["fixed"] if (m.delegation_org_id, m.host_org_id) not in problem.must_not_meet
    )
    return replace(
        problem,
        candidates=tuple(plannable(candidates, problem.must_meet, min_score)),
        fixed=fixed,
        declined=answers["declined"],
    )


def host_answers(db: Database, trip: dict) -> dict:
    """What the hosts answered to the published meetings, as the planner keeps it: ``fixed`` (accepted
    meetings, as published) and ``declined`` ((organisation, host, slot) not to place again)."""
    slots = {f"{row['day']}T{row['start']}": row["id"] for row in queries.list_slots(db, trip["id"])}
    delegates = {row["id"] for row in queries.list_delegates(db, trip["id"])}
    hosts = {row["org_id"] for row in queries.list_hosts(db, trip["id"])}
    fixed, declined = [], set()
    for row in store.published_rows(db, trip["id"]):
        slot_id = slots.get(row["start"])
        if slot_id is None or row["host_org_id"] not in hosts:  # the set-up changed: plan it afresh
            continue
        guests = tuple(sorted(g["delegate_id"] for g in row["guests"]))
        if row["host_answer"] == "accepted" and {row["delegate_id"], *guests} <= delegates:
            fixed.append(Meeting(row["delegate_id"], row["delegation_org_id"], row["host_org_id"], slot_id,
                                 row["track"], row["score"] or 0.0, row["reason"], guests))  # fmt: skip
        elif row["host_answer"] == "declined":
            declined.add((row["delegation_org_id"], row["host_org_id"], slot_id))
    return {"fixed": tuple(fixed), "declined": frozenset(declined)}


def store_plan(db: Database, trip: dict, user_id: int | None, run: PlanRun) -> int:
    """Store the plan as the trip's draft (replacing the old one) with a run record (inside the
    caller's transaction); return the run's id."""
    store.replace_draft(db, trip["id"], list(run.plan.meetings), set(run.approved))
    return (
        db.table("trip_plan_runs")
        .insert(
            {
                "trip_id": trip["id"],
                "user_id": user_id,
                "created_at": now(),
                "method": run.plan.method,
                "objective": run.plan.objective,
                "greedy_objective": run.greedy.objective,
                "seconds": run.plan.seconds,
                "meetings": len(run.plan.meetings),
                "notes": json.dumps(list(run.plan.notes)),
            }
        )
        .last_pk
    )


def last_run(db: Database, trip_id: int) -> dict | None:
    """The trip's latest plan run with who ran it (notes as a list), or None."""
    row = next(
        db.query(
            "SELECT r.*, u.email AS user_email FROM trip_plan_runs r LEFT JOIN users u ON u.id = r.user_id "
            "WHERE r.trip_id = ? ORDER BY r.id DESC LIMIT 1",
            [trip_id],
        ),
        None,
    )
    return {**row, "notes": json.loads(row["notes"])} if row else None


def draft_problem(db: Database, trip: dict, rows: list[dict], extra: Candidate | None = None) -> TripProblem:
    """The trip's problem with the draft's own meetings (and ``extra``) as candidates, to judge edits."""
    candidates = {
        (row["delegation_org_id"], row["host_org_id"]): Candidate(
            row["delegation_org_id"],
            row["host_org_id"],
            row["track"],
            row["score"],
            bool(row["approved"]),
            row["reason"],
        )
        for row in rows
    }
    if extra is not None:
        candidates.setdefault((extra.delegation_org_id, extra.host_org_id), extra)
    return load_problem(db, trip, list(candidates.values()))


def new_violations(problem: TripProblem, before: list[Meeting], after: list[Meeting]) -> list[Violation]:
    """The rules an edit would break that the draft did not already break."""
    known = set(find_violations(problem, before))
    return [violation for violation in find_violations(problem, after) if violation not in known]


def draft_review(db: Database, trip: dict, rows: list[dict]) -> tuple[list[dict], list[dict], float | None]:
    """The set-up's gaps (:func:`setup_gaps`), the rules the draft breaks (as :func:`violation_parts`)
    and its worth to the planner; neither of the last two while the set-up has gaps."""
    gaps = setup_gaps(db, trip)
    if gaps:
        return gaps, [], None
    problem = draft_problem(db, trip, rows)
    current = [store.as_meeting(row) for row in rows]
    broken = violation_parts(db, trip["id"], find_violations(problem, current))
    return [], broken, objective(problem, current)


def violation_parts(db: Database, trip_id: int, violations: list[Violation]) -> list[dict]:
    """Violated rules as ``{"code": rule, names...}`` with names and times instead of ids
    (app/errors.py words them)."""
    names = _names(db, trip_id)
    return [
        {
            "code": f"rule_{violation.rule}"
            if violation.rule != "city_change" or violation.minutes is not None
            else "rule_city_change_unknown",
            "delegate": names["delegates"].get(violation.delegate_id, "?"),
            "org": names["orgs"].get(violation.org_id, "?"),
            "host": names["orgs"].get(violation.host_org_id, "?"),
            "when": names["slots"].get(violation.slot_id, "?"),
            "day": format_date(violation.day, "EEEE d MMMM") if violation.day else "?",
            "from": city_label(violation.cities[0]) if violation.cities else "?",
            "to": city_label(violation.cities[1]) if violation.cities else "?",
            "minutes": violation.minutes or 0,
            "gap": violation.gap or 0,
        }
        for violation in violations
    ]


def _names(db: Database, trip_id: int) -> dict[str, dict]:
    delegates = {row["id"]: row["name"] for row in queries.list_delegates(db, trip_id)}
    orgs = {row[0]: row[1] for row in db.execute("SELECT id, short_name FROM organisations")}
    slots = {row["id"]: f"{row['day']} {row['start']}" for row in queries.list_slots(db, trip_id)}
    return {"delegates": delegates, "orgs": orgs, "slots": slots}


def plan_gain(objective: float, greedy: float) -> str:
    """The plan against the simple (greedy) one: "plan kept: 12 % better than the simple plan"."""
    if greedy <= 0 or objective <= greedy + 1e-9:
        return _("plan kept: as good as the simple plan")
    return _(
        "plan kept: %(pct)s better than the simple plan", pct=format_percent((objective - greedy) / greedy)
    )


def plan_change(value: float, planned: float) -> str:
    """What hand changes did to the plan's worth, in plain words."""
    if planned <= 0 or abs(value - planned) <= 1e-9:
        return ""
    return _(
        "after your changes, the plan is worth %(pct)s of the planned one",
        pct=format_percent(value / planned),
    )
