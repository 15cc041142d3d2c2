"""The briefing pack of a 70-meeting trip (issue 12): how long ``trip_pdf`` takes, in French.

Seventy meetings over five days of six slots, between the seeded BFC organisations and the seeded
Québec hosts, each with both full profiles, two evidence passages and two shared topics, as a
published trip holds them. Prints the median of three renderings and the pages; target: under 1 s.
``python -m bench.bench_pdf --profile`` prints where the time goes.
"""

from __future__ import annotations

import cProfile
import json
import pstats
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bench import report
from models.exports import ExportMeeting, ExportOrg, ExportTrip, trip_pdf
from models.matching.results import Evidence, PassagePair, Topic

SEED = Path(__file__).resolve().parent.parent / "data" / "seed" / "ecosystem.jsonl"
MEETINGS = 70
TARGET_SECONDS = 1.0
TOPICS = (
    Topic("car_t", "Cellules CAR-T", "CAR-T cells"),
    Topic("gmp", "Production BPF", "GMP manufacturing"),
)
FIELDS = ("short_name", "name", "region", "city", "type", "website", "expertise", "offers", "seeks")


def _orgs() -> tuple[list[ExportOrg], list[ExportOrg]]:
    rows = [json.loads(line) for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]
    orgs = [ExportOrg(id=n, **{f: row[f] for f in FIELDS}) for n, row in enumerate(rows, start=1)]
    return [o for o in orgs if o.region == "BFC"], [o for o in orgs if o.region == "QC"]


def big_trip(count: int = MEETINGS) -> ExportTrip:
    """A published trip of ``count`` meetings (five days, six slots, as many delegates as needed)."""
    bfc, qc = _orgs()
    zone = ZoneInfo("America/Montreal")
    meetings = []
    for n in range(count):
        delegation, host = bfc[n % len(bfc)], qc[(n * 7) % len(qc)]
        day, slot = divmod(n // 3, 6)
        start = datetime.combine(date(2026, 5, 11) + timedelta(days=day % 5), datetime.min.time(), zone)
        start += timedelta(hours=9 + slot * 1.25)
        evidence = Evidence(
            passages=(
                PassagePair("seeks", delegation.seeks, "offers", host.offers, 0.71),
                PassagePair("offers", delegation.offers, "seeks", host.seeks, 0.64),
            ),
            shared_topics=TOPICS,
            shared_terms=("car-t", "gmp"),
            direction="both",
        )
        meetings.append(
            ExportMeeting(
                uid=f"bench-{n}@passerelle", sequence=0, trip_name="Mission au Québec, printemps 2026",
                start=start, end=start + timedelta(hours=1), tz="America/Montreal", city=host.city,
                delegate_name=f"Délégué {n % 12}", delegate_email=f"delegue{n % 12}@bfc.example.org",
                delegation=delegation, host=host, track="joint_trial", score=0.8,
                reason=f"{delegation.short_name} cherche ce que {host.short_name} offre.", evidence=evidence,
                contacts=("Marie Tremblay <marie@qc.example.org>", "+1 418 555 0100"),
            )
        )  # fmt: skip
    return ExportTrip(
        id=1, name="Mission au Québec, printemps 2026", direction="BFC->QC", destination="Montréal, Québec",
        start=date(2026, 5, 11), end=date(2026, 5, 15), meetings=tuple(meetings),
        published_at=datetime(2026, 4, 20, 16, 30, tzinfo=ZoneInfo("Europe/Paris")),
    )  # fmt: skip


def main() -> None:
    trip = big_trip()
    if "--profile" in sys.argv:
        profile = cProfile.Profile()
        profile.runcall(trip_pdf, trip, "fr")
        pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
        return
    times, size = [], 0
    for _ in range(3):
        began = time.perf_counter()
        size = len(trip_pdf(trip, "fr"))
        times.append(time.perf_counter() - began)
    median = statistics.median(times)
    target = f"target < {TARGET_SECONDS:.0f} s, {'ok' if median < TARGET_SECONDS else 'over target'}"
    print(
        f"Briefing pack PDF, {MEETINGS} meetings: {median:.2f} s (median of 3; {target}), "
        f"{size / 1024:.0f} KiB"
    )
    report.emit("pdf", {"seconds": report.spread(times), "kib": size / 1024})


if __name__ == "__main__":
    main()
