"""The organisation profile contract: its fields and the import/export formats.

An import file is ``.json`` (an array of objects), ``.jsonl`` (one object a line) or ``.csv``
(UTF-8, a byte-order mark tolerated, list fields separated by ``;``). Every record has exactly the
keys of :data:`IMPORT_FIELDS`, plus :data:`OPTIONAL_FIELDS` if wanted. :func:`parse_import` checks
the whole file before anything is written and raises :class:`InvalidImport` naming every bad line
and field, so a caller can write all records or none.

The texts (expertise, offers, seeks) are in ``text_language``, the language the organisation writes
in (absent: its first declared language); the engine embeds them. A record may carry a second
version of the texts in another language, never embedded: in JSON ``"translations": {"en":
{"expertise": ..., "offers": ..., "seeks": ...}}``; in CSV the columns ``translation_language``,
``translation_expertise``, ``translation_offers`` and ``translation_seeks`` (all empty: none). A
record without the key leaves a stored second version as it is; ``{}`` (or empty cells) removes it.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import stat
from collections.abc import Iterable, Iterator, Mapping
from pathlib import PurePath
from urllib.parse import urlsplit

from models.cities import canonical_city
from models.errors import InvalidImport
from models.vocabulary import LANGUAGES, ORG_STATUSES, ORG_TYPES, PROFILE_TEXT_FIELDS, REGIONS, TRACKS

STATUSES = ORG_STATUSES
DEFAULT_STATUS = ORG_STATUSES[0]

IMPORT_FIELDS = (
    "name",
    "short_name",
    "region",
    "city",
    "type",
    "expertise",
    "offers",
    "seeks",
    "collaboration_types",
    "languages",
    "website",
)
OPTIONAL_FIELDS = ("source", "status", "text_language")
EXPORT_FIELDS = IMPORT_FIELDS + OPTIONAL_FIELDS
# The free texts of a profile, the ones a second-language version translates.
TEXT_FIELDS = PROFILE_TEXT_FIELDS
TRANSLATIONS = "translations"
SAME_LANGUAGE = "the texts are already in"
CSV_TRANSLATION_LANGUAGE = "translation_language"
CSV_TRANSLATION_COLUMNS = (CSV_TRANSLATION_LANGUAGE, *(f"translation_{field}" for field in TEXT_FIELDS))
LIST_FIELDS = {"collaboration_types": TRACKS, "languages": LANGUAGES}
ENUM_FIELDS = {"region": REGIONS, "type": ORG_TYPES, "status": STATUSES}
URL_FIELDS = ("website", "source")
MAX_LENGTHS = {"name": 200, "short_name": 60, "city": 80, "website": 500, "source": 500}
MAX_TEXT_LENGTH = 6000
FORMATS = ("json", "jsonl", "csv")
DEFAULT_MAX_IMPORT_BYTES = 5 * 1024 * 1024

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# JSON may escape half of a surrogate pair ("\ud800"): Python decodes it, but it is no text and
# SQLite cannot store it.
_LONE_SURROGATES = re.compile("[\ud800-\udfff]")


def format_from_filename(filename: str) -> str:
    """Return ``json``, ``jsonl`` or ``csv`` from a file name, or raise InvalidImport."""
    suffix = PurePath(filename).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise InvalidImport([f"{filename}: unsupported file type '.{suffix}'; use .json, .jsonl or .csv"])
    return suffix


def parse_import(
    data: bytes,
    fmt: str,
    *,
    max_bytes: int = DEFAULT_MAX_IMPORT_BYTES,
    taken: Mapping[str, str] | None = None,
) -> list[dict]:
    """Decode, parse and validate an import file; return clean records or raise InvalidImport.

    ``taken`` maps the case-folded short names already stored to their spelling: a record may
    update one only under the same spelling (see :func:`validate_records`).
    """
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(FORMATS)}, got {fmt!r}")
    check_size(len(data), max_bytes)
    text = _decode(data)
    numbered = list(_READERS[fmt](text))
    if not numbered:
        raise InvalidImport(["the file holds no organisation"])
    return validate_records(numbered, from_csv=fmt == "csv", taken=taken)


def read_import_file(path: str | os.PathLike, max_bytes: int = DEFAULT_MAX_IMPORT_BYTES) -> bytes:
    """The bytes of an import file; InvalidImport for a device, a pipe or a file over the limit.

    The file is opened without blocking and checked through the opened descriptor, so a FIFO
    cannot hang the reader, ``/dev/zero`` behind a symbolic link cannot fill memory, and the
    file cannot be swapped between the check and the read.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as error:
        raise InvalidImport([f"the file cannot be opened ({error.strerror})"]) from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise InvalidImport(["not a regular file (a device, a pipe or a folder); nothing was read"])
        check_size(info.st_size, max_bytes)
        data = handle.read(max_bytes + 1)  # bounded even if the file grows meanwhile
    check_size(len(data), max_bytes)
    return data


def check_size(size: int, max_bytes: int) -> None:
    """Raise InvalidImport when a file of ``size`` bytes is over the limit."""
    if size > max_bytes:
        raise InvalidImport([f"the file is {_megabytes(size)}; the limit is {_megabytes(max_bytes)}"])


def validate_records(
    numbered: Iterable[tuple[int, object]], *, from_csv: bool = False, taken: Mapping[str, str] | None = None
) -> list[dict]:
    """Validate ``(line, raw record)`` pairs; return clean records or raise InvalidImport.

    Short names are one key whatever their case, within the file and against ``taken`` (case-folded
    stored name -> its spelling): "efs bfc" may not sit next to "EFS BFC".
    """
    taken = taken or {}
    problems: list[str] = []
    records: list[dict] = []
    first_line_of: dict[str, int] = {}
    for line, raw in numbered:
        record, record_problems = _clean_record(raw, from_csv=from_csv)
        problems += [f"line {line}: {problem}" for problem in record_problems]
        short_name = record.get("short_name")
        if short_name:
            key = short_name.casefold()
            if key in first_line_of:
                problems.append(
                    f"line {line}: short_name '{short_name}' is already used on line {first_line_of[key]}"
                )
            elif key in taken and taken[key] != short_name:
                problems.append(f"line {line}: {case_clash_problem(short_name, taken[key])}")
                first_line_of[key] = line
            else:
                first_line_of[key] = line
        records.append(record)
    if problems:
        raise InvalidImport(problems)
    return records


def case_clash_problem(short_name: str, stored: str) -> str:
    """The problem of a short name that differs only in case from a stored one."""
    return (
        f"short_name '{short_name}' differs only in case from the existing organisation '{stored}'; "
        f"write '{stored}' to update it"
    )


def validate_profile(raw: Mapping) -> tuple[dict, list[str]]:
    """Validate one profile (a web form or API body); return ``(clean record, problems)``."""
    return _clean_record(raw, from_csv=False)


def validate_translation(raw: object, lang: object, text_language: str) -> tuple[dict, list[str]]:
    """Validate a second-language version (``{expertise, offers, seeks}``) of a profile written in
    ``text_language``; return ``(clean texts, problems)``, each problem naming its field."""
    problems: list[str] = []
    if lang not in LANGUAGES:
        return {}, [f"{TRANSLATIONS}: unknown language '{lang}'; use {_one_of(LANGUAGES)}"]
    if lang == text_language:
        return {}, [f"{TRANSLATIONS}.{lang}: {SAME_LANGUAGE} '{lang}' (text_language)"]
    if not isinstance(raw, Mapping):
        return {}, [f"{TRANSLATIONS}.{lang} must be an object with {', '.join(TEXT_FIELDS)}"]
    problems += [f"{TRANSLATIONS}.{lang}: unknown field '{key}'" for key in raw if key not in TEXT_FIELDS]
    texts: dict = {}
    for field in TEXT_FIELDS:
        if field not in raw:
            problems.append(f"{TRANSLATIONS}.{lang}: missing field '{field}'")
            continue
        value, problem = _clean_value(field, raw[field], from_csv=False)
        if problem:
            problems.append(f"{TRANSLATIONS}.{lang}.{field} {problem}")
        else:
            texts[field] = value
    return texts, problems


def dump_records(records: Iterable[Mapping], fmt: str) -> str:
    """Serialise records in an import format, so that the output imports back unchanged."""
    rows = [
        {field: record.get(field, "") or _empty(field, record) for field in EXPORT_FIELDS}
        | {TRANSLATIONS: _versions(record.get(TRANSLATIONS) or {})}
        for record in records
    ]
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=1) + "\n"
    if fmt == "jsonl":
        return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS + CSV_TRANSLATION_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            translations = row.pop(TRANSLATIONS)
            cells = {k: ";".join(v) if k in LIST_FIELDS else v for k, v in row.items()}
            for lang, texts in list(translations.items())[:1]:  # two languages: one other at most
                cells[CSV_TRANSLATION_LANGUAGE] = lang
                cells.update({f"translation_{field}": texts[field] for field in TEXT_FIELDS})
            writer.writerow(cells)
        return out.getvalue()
    raise ValueError(f"fmt must be one of {', '.join(FORMATS)}, got {fmt!r}")


def _versions(translations: Mapping[str, Mapping]) -> dict:
    return {lang: {field: texts[field] for field in TEXT_FIELDS} for lang, texts in translations.items()}


def _empty(field: str, record: Mapping) -> object:
    if field == "status":
        return DEFAULT_STATUS
    if field == "text_language":
        return default_text_language(record.get("languages"))
    return [] if field in LIST_FIELDS else ""


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InvalidImport(
            [
                f"line {line}: the file is not UTF-8 text (byte 0x{data[error.start]:02x}); "
                "save it as UTF-8 and import it again"
            ]
        ) from None


def _read_jsonl(text: str) -> Iterator[tuple[int, object]]:
    problems = []
    rows = []
    for line, content in enumerate(text.splitlines(), start=1):
        if not content.strip():
            continue
        try:
            rows.append((line, _DECODER.decode(content)))
        except json.JSONDecodeError as error:
            problems.append(f"line {line}: not valid JSON ({error.msg}, column {error.colno})")
        except (RecursionError, ValueError) as error:
            problems.append(f"line {line}: not valid JSON ({_json_limit(error)})")
    if problems:
        raise InvalidImport(problems)
    yield from rows


def _read_json(text: str) -> Iterator[tuple[int, object]]:
    """Read a JSON array item by item so that each record keeps the line it starts on.

    Lines are counted as the reader moves on (newlines between the last position and this one),
    so the whole file is scanned once: counting from the start for every item was quadratic.
    """
    position = _skip_space(text, 0)
    if position >= len(text) or text[position] != "[":
        raise InvalidImport(["line 1: a .json import must be an array of organisations: [{...}, {...}]"])
    lines = _LineCounter(text)
    position = _skip_space(text, position + 1)
    rows = []
    while position < len(text) and text[position] != "]":
        line = lines.at(position)
        try:
            item, position = _DECODER.raw_decode(text, position)
        except json.JSONDecodeError as error:
            raise InvalidImport(
                [f"line {error.lineno}: not valid JSON ({error.msg}, column {error.colno})"]
            ) from None
        except (RecursionError, ValueError) as error:
            raise InvalidImport([f"line {line}: not valid JSON ({_json_limit(error)})"]) from None
        rows.append((line, item))
        position = _skip_space(text, position)
        if position < len(text) and text[position] == ",":
            position = _skip_space(text, position + 1)
        elif position < len(text) and text[position] != "]":
            raise InvalidImport([f"line {lines.at(position)}: expected ',' or ']' between organisations"])
    if position >= len(text):
        raise InvalidImport(["the JSON array is not closed: the file may be cut short"])
    if text[position + 1 :].strip():
        raise InvalidImport([f"line {lines.at(position + 1)}: unexpected text after the closing ']'"])
    yield from rows


class _LineCounter:
    """Line numbers of increasing positions in one text, counting each newline once."""

    def __init__(self, text: str):
        self.text, self.position, self.line = text, 0, 1

    def at(self, position: int) -> int:
        """The line (from 1) that ``position`` is on; positions must not go backwards."""
        self.line += self.text.count("\n", self.position, position)
        self.position = position
        return self.line


class DuplicateKeys(dict):
    """A decoded JSON object that named some keys more than once (the last value is kept)."""

    def __init__(self, pairs: list[tuple[str, object]], duplicates: list[str]):
        super().__init__(pairs)
        self.duplicates = duplicates


def _object(pairs: list[tuple[str, object]]) -> dict:
    """A JSON object; a :class:`DuplicateKeys` when a key repeats, so that validation refuses it."""
    seen: set[str] = set()
    duplicates = [key for key, _ in pairs if key in seen or seen.add(key)]
    return DuplicateKeys(pairs, list(dict.fromkeys(duplicates))) if duplicates else dict(pairs)


_DECODER = json.JSONDecoder(object_pairs_hook=_object)


def _json_limit(error: Exception) -> str:
    """What a JSON value that the decoder gave up on exceeds: nesting depth or number length."""
    if isinstance(error, RecursionError):
        return "values nested too deeply"
    return "a number with too many digits"


def _has_lone_surrogate(value: object) -> bool:
    """True when a decoded JSON value holds half a surrogate pair anywhere, keys included."""
    pending = [value]  # a loop, not recursion: the value may be nested as deep as the decoder allows
    while pending:
        item = pending.pop()
        if isinstance(item, str) and _LONE_SURROGATES.search(item):
            return True
        if isinstance(item, Mapping):
            pending += [*item.keys(), *item.values()]
        elif isinstance(item, list):
            pending += item
    return False


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def _read_csv(text: str) -> Iterator[tuple[int, object]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as error:
        raise InvalidImport([f"line 1: the CSV header cannot be read ({error})"]) from None
    header = [column.strip() for column in header]
    problems = _header_problems(header)
    if problems:
        raise InvalidImport(problems)
    rows = []
    line = reader.line_num + 1
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                if len(cells) != len(header):
                    problems.append(
                        f"line {line}: {len(cells)} cells where the header has {len(header)} columns"
                    )
                else:
                    rows.append((line, dict(zip(header, cells, strict=True))))
            line = reader.line_num + 1
    except csv.Error as error:
        problems.append(f"line {line}: the CSV cannot be read ({error})")
    if problems:
        raise InvalidImport(problems)
    yield from rows


def _header_problems(header: list[str]) -> list[str]:
    known = set(EXPORT_FIELDS + CSV_TRANSLATION_COLUMNS)
    if not known.intersection(header):  # not an import file: say so without echoing what it holds
        return [f"line 1: the header names none of the import fields ({', '.join(IMPORT_FIELDS)}); "
                "is this an organisation import file?"]  # fmt: skip
    problems = [f"line 1: unknown column '{column}'" for column in header if column not in known]
    problems += [f"line 1: missing column '{field}'" for field in IMPORT_FIELDS if field not in header]
    duplicated = sorted({column for column in header if header.count(column) > 1})
    problems += [f"line 1: column '{column}' appears twice" for column in duplicated]
    return problems


_READERS = {"json": _read_json, "jsonl": _read_jsonl, "csv": _read_csv}


def _clean_record(raw: object, *, from_csv: bool) -> tuple[dict, list[str]]:
    """Return the record with stripped, normalised values and the list of its problems."""
    if not isinstance(raw, Mapping):
        return {}, [f"expected an object with the organisation's fields, got {type(raw).__name__}"]
    if _has_lone_surrogate(raw):
        return {}, ["holds an escaped lone surrogate (\\ud800 to \\udfff), which is not text"]
    problems = [f"field '{key}' appears more than once" for key in getattr(raw, "duplicates", ())]
    extra = (TRANSLATIONS,) if not from_csv else CSV_TRANSLATION_COLUMNS
    problems += [f"unknown field '{key}'" for key in raw if key not in EXPORT_FIELDS + extra]
    problems += [f"missing field '{field}'" for field in IMPORT_FIELDS if field not in raw]
    record: dict = {}
    for field in EXPORT_FIELDS:
        if field not in raw:
            continue
        value, problem = _clean_value(field, raw[field], from_csv=from_csv)
        if problem:
            problems.append(f"{field} {problem}")
        else:
            record[field] = value
    record.setdefault("source", "")
    record.setdefault("status", DEFAULT_STATUS)
    if "text_language" not in raw or (from_csv and raw["text_language"] == ""):
        problems = [p for p in problems if not p.startswith("text_language ")]
        record["text_language"] = default_text_language(record.get("languages"))
    if from_csv:
        raw_translations = _csv_translations(raw)
        given = raw_translations is not None
    else:  # a null is refused like any other non-object: only a missing key means "no version"
        raw_translations = raw.get(TRANSLATIONS)
        given = TRANSLATIONS in raw
    if given:
        translations, more = _clean_translations(raw_translations, record.get("text_language"))
        problems += more
        record[TRANSLATIONS] = translations
    return record, problems


def default_text_language(languages: object) -> str:
    """The language a profile's texts are in when the record does not say: its first declared one."""
    return languages[0] if isinstance(languages, list) and languages else LANGUAGES[0]


def _clean_translations(raw: object, text_language: str | None) -> tuple[dict, list[str]]:
    if not isinstance(raw, Mapping):
        return {}, [f'{TRANSLATIONS} must be an object such as {{"en": {{"expertise": ...}}}}']
    translations, problems = {}, []
    for lang, texts in raw.items():
        clean, lang_problems = validate_translation(texts, lang, text_language or "")
        problems += lang_problems
        if not lang_problems:
            translations[lang] = clean
    return translations, problems


def _csv_translations(raw: Mapping) -> dict | None:
    """The CSV translation columns as a JSON-shaped ``translations`` value (None: no such columns)."""
    if not any(column in raw for column in CSV_TRANSLATION_COLUMNS):
        return None
    cells = {column: (raw.get(column) or "").strip() for column in CSV_TRANSLATION_COLUMNS}
    if not any(cells.values()):
        return {}
    texts = {field: cells[f"translation_{field}"] for field in TEXT_FIELDS}
    return {cells[CSV_TRANSLATION_LANGUAGE]: texts}


def _clean_value(field: str, value: object, *, from_csv: bool) -> tuple[object, str | None]:
    if field in LIST_FIELDS:
        return _clean_list(field, value, from_csv=from_csv)
    if value is None and field in URL_FIELDS:
        value = ""
    if field == "status" and (value is None or value == ""):  # an empty CSV cell: the default
        value = DEFAULT_STATUS
    if not isinstance(value, str):
        return None, f"must be text, got {type(value).__name__}"
    if _CONTROL_CHARS.search(value):  # before stripping, which would drop some (\x0b, \x1c...) at the ends
        return None, "contains control characters"
    value = value.strip()
    limit = MAX_LENGTHS.get(field, MAX_TEXT_LENGTH)
    if len(value) > limit:
        return None, f"is {len(value)} characters long; the limit is {limit}"
    if field in URL_FIELDS:
        return value, _url_problem(value)
    if not value:
        return None, "must not be empty"
    if field in ENUM_FIELDS or field == "text_language":
        allowed = ENUM_FIELDS.get(field, LANGUAGES)
        if value not in allowed:
            return None, f"must be {_one_of(allowed)}, got '{value}'"
    if field == "city":  # one spelling per city: "Québec City" is stored as "Québec"
        return canonical_city(value), None
    return value, None


def _clean_list(field: str, value: object, *, from_csv: bool) -> tuple[object, str | None]:
    allowed = LIST_FIELDS[field]
    if from_csv and isinstance(value, str):
        value = [item for item in value.split(";")]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        return None, "must be a list of text values" + (" separated by ';'" if from_csv else "")
    items = [item.strip() for item in value if item.strip()]
    if not items:
        return None, f"must name at least one of {', '.join(allowed)}"
    wrong = [item for item in items if item not in allowed]
    if wrong:
        return None, f"must hold only {', '.join(allowed)}; got '{wrong[0]}'"
    return list(dict.fromkeys(items)), None


def _url_problem(value: str) -> str | None:
    if not value:
        return None
    try:
        parts = urlsplit(value)
    except ValueError:  # "http://[" is an unclosed IPv6 address
        parts = urlsplit("")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"must be an http(s) address or empty, got '{value[:80]}'"
    return None


def _one_of(allowed: tuple[str, ...]) -> str:
    if len(allowed) == 2:
        return f"{allowed[0]} or {allowed[1]}"
    return "one of " + ", ".join(allowed)
