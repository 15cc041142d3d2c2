"""The import contract: each bad input gets its own message naming line and field."""

from __future__ import annotations

import json

import pytest

from models.errors import InvalidImport
from models.profiles import (
    IMPORT_FIELDS,
    dump_records,
    format_from_filename,
    parse_import,
)

GOOD = {
    "name": "Laboratoire de test",
    "short_name": "LabTest",
    "region": "BFC",
    "city": "Dijon",
    "type": "university_lab",
    "expertise": "Thérapie cellulaire et production BPF.",
    "offers": "Accueil de doctorants.",
    "seeks": "Partenaires cliniques au Québec.",
    "collaboration_types": ["staff_exchange", "co_training"],
    "languages": ["fr"],
    "website": "https://example.org/lab",
}


def jsonl(*records) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()


def problems_of(data: bytes, fmt: str = "jsonl", **kwargs) -> list[str]:
    with pytest.raises(InvalidImport) as caught:
        parse_import(data, fmt, **kwargs)
    return caught.value.problems


def test_valid_record_is_cleaned():
    records = parse_import(jsonl({**GOOD, "city": "  Dijon "}), "jsonl")
    assert records == [{**GOOD, "source": "", "status": "active", "text_language": "fr"}]


def test_region_message_names_line_field_and_value():
    data = jsonl(GOOD, {**GOOD, "short_name": "B"}, {**GOOD, "short_name": "C", "region": "Quebec"})
    assert problems_of(data) == ["line 3: region must be BFC or QC, got 'Quebec'"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"regoin": "BFC"}, "line 1: unknown field 'regoin'"),
        ({"type": "hospitl"}, "line 1: type must be one of hospital, blood_establishment"),
        ({"expertise": "   "}, "line 1: expertise must not be empty"),
        ({"collaboration_types": ["exchange"]}, "line 1: collaboration_types must hold only staff_exchange"),
        ({"collaboration_types": []}, "line 1: collaboration_types must name at least one of"),
        ({"languages": "fr"}, "line 1: languages must be a list of text values"),
        ({"website": "javascript:alert(1)"}, "line 1: website must be an http(s) address or empty"),
        ({"name": 42}, "line 1: name must be text, got int"),
        ({"seeks": "x" * 6001}, "line 1: seeks is 6001 characters long; the limit is 6000"),
        ({"city": "Di\x00jon"}, "line 1: city contains control characters"),
    ],
)
def test_each_bad_field_has_its_own_message(change, expected):
    problems = problems_of(jsonl({**GOOD, **change}))
    assert any(problem.startswith(expected) for problem in problems), problems


def test_missing_field_is_named():
    record = {key: value for key, value in GOOD.items() if key != "city"}
    assert problems_of(jsonl(record)) == ["line 1: missing field 'city'"]


def test_every_bad_row_is_reported_not_just_the_first():
    data = jsonl(
        {**GOOD, "region": "FR"}, GOOD | {"short_name": "X"}, {**GOOD, "short_name": "Y", "type": "?"}
    )
    problems = problems_of(data)
    assert [p.split(":")[0] for p in problems] == ["line 1", "line 3"]


def test_duplicate_short_name_in_one_file_names_both_lines():
    data = jsonl(GOOD, {**GOOD, "name": "Other"})
    assert problems_of(data) == ["line 2: short_name 'LabTest' is already used on line 1"]


def test_blank_lines_keep_line_numbers_in_jsonl():
    data = jsonl(GOOD) + b"\n\n" + jsonl({**GOOD, "short_name": "Z", "region": "X"})
    assert problems_of(data) == ["line 4: region must be BFC or QC, got 'X'"]


def test_malformed_jsonl_line():
    data = jsonl(GOOD) + b'{"name": "broken"\n'
    problems = problems_of(data)
    assert len(problems) == 1 and problems[0].startswith("line 2: not valid JSON")


def test_json_array_reports_the_line_each_record_starts_on():
    text = json.dumps([GOOD, {**GOOD, "short_name": "Q", "region": "Quebec"}], indent=2)
    line = text.splitlines().index("  {", 2) + 1
    assert problems_of(text.encode(), "json") == [f"line {line}: region must be BFC or QC, got 'Quebec'"]


def test_json_must_be_an_array():
    assert problems_of(json.dumps(GOOD).encode(), "json")[0].startswith(
        "line 1: a .json import must be an array"
    )


def test_truncated_json_array():
    text = json.dumps([GOOD, GOOD])[:-1]
    assert problems_of(text.encode(), "json") == ["the JSON array is not closed: the file may be cut short"]


def test_csv_with_bom_and_semicolon_lists():
    data = "\ufeff" + dump_records([{**GOOD, "source": ""}], "csv")
    records = parse_import(data.encode("utf-8"), "csv")
    assert records[0]["collaboration_types"] == ["staff_exchange", "co_training"]
    assert records[0]["expertise"] == GOOD["expertise"]


def test_csv_header_problems():
    header = ",".join(field for field in IMPORT_FIELDS if field != "city") + ",ville\n"
    problems = problems_of(header.encode(), "csv")
    assert problems == ["line 1: unknown column 'ville'", "line 1: missing column 'city'"]


def test_csv_row_with_wrong_cell_count():
    text = dump_records([{**GOOD, "source": ""}], "csv") + "only,three,cells\n"
    assert problems_of(text.encode(), "csv") == ["line 3: 3 cells where the header has 18 columns"]


def test_csv_line_numbers_count_multiline_cells():
    first = {**GOOD, "expertise": "Première ligne\nseconde ligne", "source": ""}
    second = {**GOOD, "short_name": "Two", "region": "Quebec", "source": ""}
    text = dump_records([first, second], "csv")
    assert problems_of(text.encode(), "csv") == ["line 4: region must be BFC or QC, got 'Quebec'"]


def test_not_utf8():
    data = jsonl({**GOOD, "city": "Besançon"}).decode().encode("latin-1")
    problems = problems_of(data)
    assert problems == [
        "line 1: the file is not UTF-8 text (byte 0xe7); save it as UTF-8 and import it again"
    ]


def test_oversized_file_is_refused_before_parsing():
    assert problems_of(b"x" * 2000, max_bytes=1000) == ["the file is 0.0 MB; the limit is 0.0 MB"]


def test_empty_file():
    assert problems_of(b"\n\n") == ["the file holds no organisation"]


def test_unknown_extension():
    with pytest.raises(InvalidImport) as caught:
        format_from_filename("orgs.xlsx")
    assert caught.value.problems == ["orgs.xlsx: unsupported file type '.xlsx'; use .json, .jsonl or .csv"]


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_round_trip_of_the_seed(fmt, seed_records):
    again = parse_import(dump_records(seed_records, fmt).encode(), fmt)
    assert again == seed_records


@pytest.fixture(scope="module")
def seed_records():
    from app.seed import SEED_DIR

    return parse_import((SEED_DIR / "ecosystem.jsonl").read_bytes(), "jsonl")


def test_seed_file_is_valid_and_complete(seed_records):
    regions = [record["region"] for record in seed_records]
    assert (regions.count("BFC"), regions.count("QC")) == (24, 22)
    with_source = [record for record in seed_records if record["source"].startswith("http")]
    assert len(with_source) >= 45
