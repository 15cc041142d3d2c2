"""The programme dashboard: what the programme did, as server-rendered SVG charts and an XLSX export.

Figures (each a function of the database, so that the page and the workbook show the same):

- pairings by track and status;
- introduction requests sent and accepted (the ``requests`` table when there is one, else none);
- meetings of past trips: published, said to have taken place by a follow-up answer, and the share
  kept (held among those with an answer), per trip;
- outcomes of the meetings (each organisation's latest answer) per track and per trip;
- organisations never matched: no approved pairing and no published meeting.
"""

from __future__ import annotations

import io
from collections import Counter, defaultdict
from dataclasses import dataclass

from flask import Blueprint, render_template, send_file
from flask_babel import gettext as _
from sqlite_utils import Database

from app.db import get_db
from app.followup import queries as followups
from app.followup.routes import today
from app.i18n import label
from models.exports.tables import neutralise
from models.vocabulary import FOLLOWUP_OUTCOMES as OUTCOMES
from models.vocabulary import MEETING_HELD, PAIRING_STATUSES, TRACKS

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REQUEST_TABLES = ("requests", "contact_requests", "introduction_requests")
BAR_HEIGHT, BAR_GAP, LABEL_WIDTH, CHART_WIDTH = 22, 10, 220, 760


@dataclass(frozen=True)
class Segment:
    key: str
    value: int
    x: float
    width: float


@dataclass(frozen=True)
class Bar:
    label: str
    total: int
    y: int
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class Chart:
    """A horizontal stacked bar chart laid out for an SVG: one bar per row, one segment per key."""

    bars: tuple[Bar, ...]
    keys: tuple[str, ...]
    width: int
    height: int


def stacked(rows: list[tuple[str, dict[str, int]]], keys: tuple[str, ...]) -> Chart:
    """Lay out rows of (label, counts per key) as stacked bars on one scale."""
    longest = max((sum(counts.get(k, 0) for k in keys) for _label, counts in rows), default=0) or 1
    room = CHART_WIDTH - LABEL_WIDTH - 60
    bars = []
    for i, (text, counts) in enumerate(rows):
        x, segments = float(LABEL_WIDTH), []
        for key in keys:
            value = counts.get(key, 0)
            width = room * value / longest
            if value:
                segments.append(Segment(key, value, round(x, 1), round(width, 1)))
            x += width
        total = sum(counts.get(k, 0) for k in keys)
        bars.append(Bar(text, total, 10 + i * (BAR_HEIGHT + BAR_GAP), tuple(segments)))
    return Chart(tuple(bars), keys, CHART_WIDTH, 20 + len(rows) * (BAR_HEIGHT + BAR_GAP))


def pairings_by_track(db: Database) -> dict[str, Counter]:
    """track -> Counter of pairing statuses."""
    found: dict[str, Counter] = {track: Counter() for track in TRACKS}
    for track, status, n in db.execute("SELECT track, status, COUNT(*) FROM pairings GROUP BY track, status"):
        found.setdefault(track, Counter())[status] = n
    return found


def requests_summary(db: Database) -> dict | None:
    """Requests sent and accepted, from the requests table if this database has one; else None."""
    tables = set(db.table_names())
    table = next((name for name in REQUEST_TABLES if name in tables), None)
    if table is None:
        return None
    sent = db.execute(f"SELECT COUNT(*) FROM [{table}]").fetchone()[0]
    accepted = 0
    if "status" in db.table(table).columns_dict:
        accepted = db.execute(f"SELECT COUNT(*) FROM [{table}] WHERE status = 'accepted'").fetchone()[0]
    return {"sent": sent, "accepted": accepted}


def latest_answers(db: Database) -> list[dict]:
    """Each organisation's latest answer about each meeting (stage 2 over stage 1)."""
    latest: dict[tuple[int, int], dict] = {}
    for row in followups.answers(db):
        key = (row["published_id"], row["org_id"])
        if key not in latest or row["stage"] > latest[key]["stage"]:
            latest[key] = row
    return list(latest.values())


def meetings_by_trip(db: Database) -> list[dict]:
    """Per past trip: published meetings, meetings with an answer, held, and the share kept."""
    rows = db.execute(
        """
        SELECT t.id, t.name, COUNT(p.id) FROM trips t
        JOIN published_meetings p ON p.trip_id = t.id AND p.status = 'confirmed'
        WHERE t.end_date < ? GROUP BY t.id ORDER BY t.start_date
        """,
        [today().isoformat()],
    ).fetchall()
    answered: dict[int, set] = defaultdict(set)
    held: dict[int, set] = defaultdict(set)
    for answer in latest_answers(db):
        answered[answer["trip_id"]].add(answer["published_id"])
        if answer["took_place"]:
            held[answer["trip_id"]].add(answer["published_id"])
    result = []
    for trip_id, name, published in rows:
        n_answered, n_held = len(answered[trip_id]), len(held[trip_id])
        share = n_held / n_answered if n_answered else None
        result.append({"trip": name, "published": published, "answered": n_answered, "held": n_held,
                       "share": share})  # fmt: skip
    return result


def outcomes(db: Database) -> tuple[dict[str, Counter], dict[str, Counter]]:
    """(track -> Counter of outcomes, trip name -> Counter of outcomes), from the latest answers."""
    by_track: dict[str, Counter] = defaultdict(Counter)
    by_trip: dict[str, Counter] = defaultdict(Counter)
    for answer in latest_answers(db):
        if answer["outcome"]:
            by_track[answer["track"]][answer["outcome"]] += 1
            by_trip[answer["trip_name"]][answer["outcome"]] += 1
    return dict(by_track), dict(by_trip)


NEVER_MATCHED_SHOWN = 200  # names the page lists (100,000 organisations made a 10 MB page); the workbook: all
# The matched organisations are collected once (one pass per table, indexes of m170), not looked up
# per organisation.
_NEVER_MATCHED = """
    FROM organisations o
    WHERE o.id NOT IN (
        SELECT bfc_org_id FROM pairings WHERE status = 'approved' AND bfc_org_id IS NOT NULL
        UNION SELECT qc_org_id FROM pairings WHERE status = 'approved' AND qc_org_id IS NOT NULL
        UNION SELECT delegation_org_id FROM published_meetings
            WHERE status = 'confirmed' AND delegation_org_id IS NOT NULL
        UNION SELECT host_org_id FROM published_meetings
            WHERE status = 'confirmed' AND host_org_id IS NOT NULL
    )
"""


def never_matched(db: Database, limit: int | None = None) -> list[dict]:
    """Organisations with no approved pairing and no published meeting, by region and name."""
    sql = f"SELECT id, short_name, name, region, city {_NEVER_MATCHED} ORDER BY region, short_name COLLATE NOCASE"  # noqa: E501
    if limit is not None:
        return list(db.query(sql + " LIMIT ?", [limit]))
    return list(db.query(sql))


def never_matched_count(db: Database) -> int:
    """How many organisations :func:`never_matched` lists."""
    return db.execute(f"SELECT count(*) {_NEVER_MATCHED}").fetchone()[0]


def figures(db: Database, listed: int | None = None) -> dict:
    """Everything the page and the workbook show; ``listed`` bounds the never-matched names."""
    followups.open_due(db, today())
    by_track, by_trip = outcomes(db)
    return {
        "pairings": pairings_by_track(db),
        "requests": requests_summary(db),
        "meetings": meetings_by_trip(db),
        "outcomes_by_track": by_track,
        "outcomes_by_trip": by_trip,
        "never_matched": never_matched(db, listed),
        "never_matched_total": never_matched_count(db),
        "answers": latest_answers(db),
    }


def charts(data: dict) -> dict[str, Chart]:
    """The SVG charts of the page."""
    meetings = [
        (m["trip"], {"held": m["held"], "not_held": m["answered"] - m["held"],
                     "unanswered": m["published"] - m["answered"]})
        for m in data["meetings"]
    ]  # fmt: skip
    return {
        "pairings": stacked([(label("track", t), c) for t, c in data["pairings"].items()], PAIRING_STATUSES),
        "meetings": stacked(meetings, MEETING_HELD),
        "outcomes_by_track": stacked(
            [(label("track", t), c) for t, c in sorted(data["outcomes_by_track"].items())], OUTCOMES
        ),
        "outcomes_by_trip": stacked(sorted(data["outcomes_by_trip"].items()), OUTCOMES),
    }


def segment_labels() -> dict[str, str]:
    """The words of the charts' segments (pairing statuses, held or not, outcomes), translated."""
    kinds = (("status", PAIRING_STATUSES), ("meeting_held", MEETING_HELD), ("followup_outcome", OUTCOMES))
    return {code: label(kind, code) for kind, codes in kinds for code in codes}


def register(bp: Blueprint) -> None:
    """Add the dashboard and its export to the coordination blueprint (coordinators only)."""
    bp.add_url_rule("/dashboard", endpoint="dashboard", view_func=show, methods=["GET"])
    bp.add_url_rule("/dashboard.xlsx", endpoint="dashboard_xlsx", view_func=export, methods=["GET"])


def show():
    """The dashboard page."""
    data = figures(get_db(), listed=NEVER_MATCHED_SHOWN)
    return render_template(
        "coordination/dashboard.html", data=data, charts=charts(data), segment_labels=segment_labels()
    )


def export():
    """The dashboard's figures as an XLSX workbook, one sheet per figure, in the reader's language."""
    data = figures(get_db())
    return send_file(
        io.BytesIO(workbook(data)),
        mimetype=XLSX_MIME,
        as_attachment=True,
        download_name=_("passerelle-dashboard") + ".xlsx",
    )


def _cell(value):
    """Text a spreadsheet could read as a formula gets the exports' ``'`` (:func:`neutralise`)."""
    return neutralise(value) if isinstance(value, str) else value


def _sheet(book, title: str, header: list[str], rows: list[list]) -> None:
    from openpyxl.styles import Font

    sheet = book.create_sheet(title[:31])
    sheet.append([str(h) for h in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_cell(value) for value in row])


def workbook(data: dict) -> bytes:
    """The workbook's bytes (openpyxl is loaded here, when a workbook is made, not with the app)."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, header, rows in _tables(data):
        _sheet(book, title, header, rows)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _tables(data: dict) -> list[tuple[str, list, list]]:
    """(sheet title, header, rows) of each figure, in the reader's language."""
    statuses, names = list(PAIRING_STATUSES), [label("followup_outcome", o) for o in OUTCOMES]
    pairings = [[label("track", t), *(c.get(s, 0) for s in statuses)] for t, c in data["pairings"].items()]
    requests = [[data["requests"]["sent"], data["requests"]["accepted"]]] if data["requests"] else []
    meetings = [
        [
            m["trip"],
            m["published"],
            m["answered"],
            m["held"],
            None if m["share"] is None else round(m["share"], 3),
        ]
        for m in data["meetings"]
    ]
    by_track = [
        [label("track", t), *(c.get(o, 0) for o in OUTCOMES)]
        for t, c in sorted(data["outcomes_by_track"].items())
    ]
    by_trip = [[t, *(c.get(o, 0) for o in OUTCOMES)] for t, c in sorted(data["outcomes_by_trip"].items())]
    alone = [
        [o["short_name"], o["name"], label("region", o["region"]), o["city"]] for o in data["never_matched"]
    ]
    answers = [
        [
            a["trip_name"],
            a["delegation_short_name"],
            a["host_short_name"],
            a["org_short_name"],
            a["stage"],
            _("Yes") if a["took_place"] else _("No"),
            a["relevance"],
            label("followup_outcome", a["outcome"]) if a["outcome"] else "",
            a["next_step"],
        ]  # fmt: skip
        for a in data["answers"]
    ]
    answer_header = [
        _("Trip"), _("Delegation"), _("Host"), _("Answered by"), _("Stage"), _("Took place"), _("Relevance"),
        _("Outcome"), _("Next step"),
    ]  # fmt: skip
    return [
        (_("Pairings"), [_("Kind of collaboration"), *(label("status", s) for s in statuses)], pairings),
        (_("Requests"), [_("Sent"), _("Accepted")], requests),
        (
            _("Meetings"),
            [_("Trip"), _("Published"), _("Answered"), _("Took place"), _("Share kept")],
            meetings,
        ),
        (_("Outcomes by track"), [_("Kind of collaboration"), *names], by_track),
        (_("Outcomes by trip"), [_("Trip"), *names], by_trip),
        (_("Never matched"), [_("Short name"), _("Name"), _("Region"), _("City")], alone),
        (_("Answers"), answer_header, answers),
    ]
