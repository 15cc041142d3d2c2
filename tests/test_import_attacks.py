"""Imports an attacker or a careless operator may try: huge arrays, repeated keys, case twins, devices."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from test_profiles import GOOD, jsonl, problems_of

from models.profiles import dump_records, parse_import


def _records(count: int) -> list[dict]:
    return [{**GOOD, "short_name": f"org-{n}"} for n in range(count)]


def test_json_array_reads_in_linear_time_and_keeps_line_numbers():
    small = dump_records(_records(2_000), "json").encode()
    large = dump_records(_records(20_000), "json").encode()
    start = time.perf_counter()
    parse_import(small, "json", max_bytes=len(large))
    small_seconds = time.perf_counter() - start
    start = time.perf_counter()
    records = parse_import(large, "json", max_bytes=len(large))
    large_seconds = time.perf_counter() - start
    assert len(records) == 20_000
    # Ten times the records: linear is about 10x; counting lines from the start each time was ~100x.
    assert large_seconds < 25 * small_seconds + 0.5, (small_seconds, large_seconds)
    bad = json.loads(large)
    bad[-1]["region"] = "Quebec"
    text = dump_records(bad, "json")
    line = text[: text.rindex('"short_name": "org-19999"')].rindex("{")
    expected = text.count("\n", 0, line) + 1
    assert problems_of(text.encode(), "json", max_bytes=len(large) * 2) == [
        f"line {expected}: region must be BFC or QC, got 'Quebec'"
    ]


def test_an_array_of_millions_of_numbers_is_refused_quickly():
    data = ("[" + ",".join(["1"] * 1_000_000) + "]").encode()
    start = time.perf_counter()
    problems = problems_of(data, "json", max_bytes=len(data))
    assert time.perf_counter() - start < 30
    assert len(problems) == 1_000_000
    assert problems[-1] == "line 1: expected an object with the organisation's fields, got int"


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_a_repeated_key_is_refused_not_taken_silently(fmt):
    text = json.dumps(GOOD, ensure_ascii=False)[:-1] + ', "region": "QC"}'
    data = (f"[\n{text}\n]" if fmt == "json" else text + "\n").encode()
    line = 2 if fmt == "json" else 1
    assert problems_of(data, fmt) == [f"line {line}: field 'region' appears more than once"]


def test_a_short_name_differing_only_in_case_from_a_stored_one_is_refused(runner, db, tmp_path):
    first = tmp_path / "first.jsonl"
    first.write_bytes(jsonl({**GOOD, "short_name": "EFS BFC"}))
    assert runner.invoke(args=["import-orgs", str(first)]).exit_code == 0
    twin = tmp_path / "twin.jsonl"
    twin.write_bytes(jsonl({**GOOD, "short_name": "Other"}, {**GOOD, "short_name": "efs bfc"}))
    result = runner.invoke(args=["import-orgs", str(twin)])
    assert result.exit_code == 1
    assert (
        "line 2: short_name 'efs bfc' differs only in case from the existing organisation 'EFS BFC'; "
        "write 'EFS BFC' to update it"
    ) in result.output
    assert [row[0] for row in db.execute("SELECT short_name FROM organisations")] == ["EFS BFC"]
    accented = tmp_path / "accented.jsonl"
    accented.write_bytes(jsonl({**GOOD, "short_name": "Éco"}))
    assert runner.invoke(args=["import-orgs", str(accented)]).exit_code == 0
    accented.write_bytes(jsonl({**GOOD, "short_name": "éCO"}))  # NOCASE would miss this one
    assert "differs only in case" in runner.invoke(args=["import-orgs", str(accented)]).output


def test_the_same_spelling_still_updates(runner, db, tmp_path):
    path = tmp_path / "orgs.jsonl"
    path.write_bytes(jsonl({**GOOD, "short_name": "EFS BFC"}))
    runner.invoke(args=["import-orgs", str(path)])
    path.write_bytes(jsonl({**GOOD, "short_name": "EFS BFC", "city": "Besançon"}))
    result = runner.invoke(args=["import-orgs", str(path)])
    assert "1 updated" in result.output


def test_a_link_to_dev_zero_is_refused_without_reading_it(runner, db, tmp_path):
    link = tmp_path / "zero.json"
    link.symlink_to("/dev/zero")
    result = runner.invoke(args=["import-orgs", str(link)])
    assert result.exit_code == 1
    assert "not a regular file" in result.output and "nothing was imported" in result.output


def test_a_fifo_is_refused_without_blocking(runner, db, tmp_path):
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    start = time.perf_counter()
    result = runner.invoke(args=["import-orgs", str(fifo)])
    assert time.perf_counter() - start < 5
    assert result.exit_code == 1 and "not a regular file" in result.output


@pytest.mark.parametrize("suffix", ["csv", "json", "jsonl"])
def test_a_link_to_a_system_file_never_echoes_its_content(runner, db, tmp_path, suffix):
    link = tmp_path / f"orgs.{suffix}"
    link.symlink_to("/etc/passwd")
    result = runner.invoke(args=["import-orgs", str(link)])
    assert result.exit_code == 1
    lines = Path("/etc/passwd").read_text().splitlines()
    assert lines and not any(line.split(":")[0] + ":" in result.output for line in lines)
    assert ":/bin/" not in result.output and ":/usr/sbin/" not in result.output
    assert db.table("organisations").count == 0
