"""Import parsing: the same 20,000 records as ``.json`` (an array) and as ``.jsonl`` (one a line).

Both readers name the line of every bad record. The JSON reader walks the array with
``raw_decode`` and counts newlines as it goes, so it is linear like the JSONL one; before, it
counted from the start of the file for each record (55 s for this file). Prints the file sizes,
the best of three parse-and-validate times of each format, and their ratio. Target: the JSON
file within twice the JSONL time.
"""

from __future__ import annotations

import time

from models.profiles import dump_records, parse_import

RECORDS = 20_000
ROUNDS = 3
TARGET_RATIO = 2.0


def synthetic_records(count: int) -> list[dict]:
    """``count`` valid profiles of a realistic size (about 500 bytes each)."""
    return [
        {
            "name": f"Laboratoire de thérapie cellulaire n° {n}",
            "short_name": f"Lab {n:05d}",
            "region": "BFC" if n % 2 else "QC",
            "city": "Besançon" if n % 2 else "Sherbrooke",
            "type": "university_lab",
            "expertise": "Production de lots cliniques de cellules CAR-T en conditions BPF.",
            "offers": "Accueil de doctorants et formation au contrôle qualité.",
            "seeks": "Partenaires cliniques pour un essai de phase I.",
            "collaboration_types": ["staff_exchange", "joint_trial"],
            "languages": ["fr", "en"],
            "website": f"https://lab{n}.example.org",
            "source": "",
        }
        for n in range(count)
    ]


def best_time(data: bytes, fmt: str) -> float:
    """The fastest of ROUNDS parses of ``data``."""
    best = float("inf")
    for _ in range(ROUNDS):
        start = time.perf_counter()
        records = parse_import(data, fmt, max_bytes=len(data))
        best = min(best, time.perf_counter() - start)
        assert len(records) == RECORDS
    return best


def main() -> None:
    """Time both formats and print the comparison."""
    records = synthetic_records(RECORDS)
    files = {fmt: dump_records(records, fmt).encode() for fmt in ("json", "jsonl")}
    seconds = {fmt: best_time(data, fmt) for fmt, data in files.items()}
    print(f"Import parsing, {RECORDS:,} records (best of {ROUNDS}):")
    for fmt, data in files.items():
        rate = RECORDS / seconds[fmt]
        print(f"  .{fmt:<5} {len(data) / 1e6:5.1f} MB  {seconds[fmt]:6.2f} s  {rate:9,.0f} records/s")
    ratio = seconds["json"] / seconds["jsonl"]
    verdict = "ok" if ratio <= TARGET_RATIO else "SLOWER THAN TARGET"
    print(f"  .json / .jsonl time: {ratio:.2f} (target at most {TARGET_RATIO:.0f}): {verdict}")


if __name__ == "__main__":
    main()
