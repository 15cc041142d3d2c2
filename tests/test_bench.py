"""``make bench``'s plumbing (figures handed back, the table of targets) and what plan-trip's faster
scoring must keep: the same candidates, tracks, scores and reasons as the full evidence gives."""

from __future__ import annotations

from test_trips import trip  # noqa: F401  (the fixture)

from app import matching
from app.trips import planning, queries
from bench import report
from bench.__main__ import summary
from models.profiles import TRACKS
from models.trips.shapes import Reason


def test_figures_come_back_through_one_marked_line(capsys):
    report.emit("pdf", {"seconds": report.spread([0.5, 0.7, 0.6])})
    line = capsys.readouterr().out
    name, figures = report.parse(line)
    assert name == "pdf"
    assert figures["seconds"] == {"median": 0.6, "p95": 0.69, "min": 0.5, "max": 0.7, "n": 3}
    assert report.parse("an ordinary line of a table\n") is None


def _figures(share: float, plan_s: float, rss_mib: float) -> dict:
    ms = {"median": 20.0, "p95": 40.0, "min": 10.0, "max": 50.0, "n": 9}
    scale = {
        n: {"served": ms, "bare": ms, "search": ms, "visible": ms, "visible_worker": ms}
        for n in ("1000", "10000", "100000")
    }
    for n in ("10000", "100000"):
        scale[n]["memory"] = {"rss": {**ms, "median": rss_mib, "min": rss_mib, "max": rss_mib}}
    wall = {**ms, "median": plan_s, "min": plan_s, "max": plan_s}
    return {
        "embeddings": {"bound_share": {**ms, "median": share, "min": share, "max": share},
                       "cosine_min": 0.9999, "speedup": 1.6},
        "scale": scale,
        "trip-10000": {"plan_trip": {"wall": wall, "solver": wall}, "proposals_s": 60.0},
        "trip-100000": {"plan_trip": {"wall": wall, "solver": wall}, "proposals_s": 600.0},
        "pdf": {"seconds": {**ms, "median": 0.4}},
        "planner": {"slowest_s": 1.0},
    }  # fmt: skip


def _row(out: str, start: str) -> str:
    return next(line for line in out.splitlines() if line.startswith(start))


def test_summary_says_which_targets_are_met_and_which_are_missed(capsys):
    summary(_figures(share=0.72, plan_s=4.2, rss_mib=900), quick=False)
    out = capsys.readouterr().out
    assert _row(out, "embedding, % of the bf16 bound").split()[-1] == "met"
    assert "72%" in _row(out, "embedding, % of the bf16 bound")
    assert _row(out, "flask plan-trip, 80 hosts, 10,000").split()[-1] == "met"
    assert _row(out, "RSS per worker, 4 workers, 100,000").split()[-1] == "met"
    assert _row(out, "proposals, 100,000").split()[-1] == "met"

    summary(_figures(share=0.55, plan_s=7.5, rss_mib=1012), quick=False)
    out = capsys.readouterr().out
    assert _row(out, "embedding, % of the bf16 bound").split()[-1] == "MISSED"
    assert _row(out, "flask plan-trip, 80 hosts, 10,000").split()[-1] == "MISSED"
    assert _row(out, "RSS per worker, 4 workers, 100,000").split()[-1] == "MISSED"  # 1012 MiB is 1.06 GB


def test_a_dedicated_proposals_benchmark_gives_the_proposals_figure(capsys):
    figures = _figures(share=0.72, plan_s=4.2, rss_mib=900)
    figures["proposals"] = {"10000": 30.0, "100000": 1200.0, "100000_estimated": True}
    summary(figures, quick=False)
    row = _row(capsys.readouterr().out, "proposals, 100,000")
    assert "20.0 min (estimated from a part)" in row and row.split()[-1] == "MISSED"


def test_quick_summary_stops_at_10k_and_says_what_was_not_measured(capsys):
    figures = _figures(share=0.72, plan_s=4.2, rss_mib=900)
    del figures["pdf"]
    summary(figures, quick=True)
    out = capsys.readouterr().out
    assert "100,000" not in out
    assert "not measured" in _row(out, "briefing PDF")


def _rank(suggestion) -> tuple[float, int]:
    return suggestion.score, -TRACKS.index(suggestion.track)


def test_plan_trip_candidates_keep_the_full_evidence_tracks_scores_and_reasons(seeded, db, trip):  # noqa: F811
    """Scoring without passages (plan-trip at 10k: 5 s less) changes no candidate nor reason."""
    with seeded.app_context():
        _same_candidates(db, trip)


def _same_candidates(db, ids: dict) -> None:
    record = queries.get_trip(db, ids["trip"])
    fast = planning.engine_candidates(db, record)
    hosts = sorted(row["org_id"] for row in queries.list_hosts(db, ids["trip"]))
    expected = {}
    for org_id in (ids["EFS BFC"], ids["CHU de Besançon"]):
        for track in TRACKS:
            for s in matching.score_partners(db, org_id, track, hosts):  # with the full evidence
                best = expected.get((org_id, s.org_id))
                if best is None or _rank(s) > _rank(best):
                    expected[(org_id, s.org_id)] = s
    assert set(fast) == set(expected) and len(fast) == 8
    for pair, candidate in fast.items():
        full = expected[pair]
        assert (candidate.track, candidate.score) == (full.track, full.score)
        reason = Reason.from_json(candidate.reason)
        assert reason.topics == tuple(t.id for t in full.evidence.shared_topics[:3])
        assert reason.direction == full.evidence.direction and not reason.approved
    assert any(Reason.from_json(c.reason).topics for c in fast.values())  # topics are compared, not only ()
