"""What the API reads and writes: JSON bodies, query parameters, pages of items, field errors.

Problems found in a request raise :class:`ApiProblem`, which the blueprint turns into the one error
shape of ``app/errors.py`` with every problem listed by field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from flask import current_app, jsonify, request
from flask_babel import force_locale
from flask_login import current_user

from app.db import MAX_ROW_ID, get_db
from app.paging import MAX_PAGE
from models.profiles import EXPORT_FIELDS
from models.vocabulary import INTERFACE_LANGUAGES

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
_DIGITS = re.compile(r"[0-9]{1,9}")
_ROW_ID = re.compile(r"[0-9]{1,19}")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# "region must be BFC or QC", "unknown field 'x'", "missing field 'x'": the field a problem is about.
_QUOTED_FIELD = re.compile(r"(?:unknown|missing) field '([^']*)'")


class ApiProblem(Exception):
    """A request the API refuses: ``status`` and one or more ``{"field", "message"}`` items."""

    def __init__(self, status: int, message: str, errors: Sequence[dict] | None = None, field=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = list(errors) if errors else [problem(message, field)]


def problem(message: str, field: str | None = None) -> dict:
    """One item of an error's ``errors`` list."""
    return {"field": field, "message": message}


def profile_problems(messages: Sequence[str]) -> list[dict]:
    """``validate_profile`` messages as items, each with the field it names."""
    items = []
    for message in messages:
        quoted = _QUOTED_FIELD.match(message)
        named = next((field for field in EXPORT_FIELDS if message.startswith(field + " ")), None)
        items.append(problem(message, quoted.group(1) if quoted else named))
    return items


def json_body() -> dict:
    """The request's JSON object; 415 unless JSON, 413 over the limit, 400 when malformed."""
    if not request.is_json:
        raise ApiProblem(415, "Send the body as JSON, with 'Content-Type: application/json'.")
    limit = current_app.config["API_MAX_BODY_BYTES"]
    if request.content_length is not None and request.content_length > limit:
        raise ApiProblem(413, f"The body is {request.content_length} bytes; the limit is {limit}.")
    raw = request.get_data(cache=True)  # werkzeug stops reading at the limit (413)
    try:
        body = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ApiProblem(400, "The body is not UTF-8 text.") from None
    except json.JSONDecodeError as error:
        message = f"The body is not valid JSON ({error.msg}, line {error.lineno}, column {error.colno})."
        raise ApiProblem(400, message) from None
    if not isinstance(body, dict):
        raise ApiProblem(400, f"The body must be a JSON object, not {_json_type(body)}.")
    return body


@dataclass(frozen=True)
class Field:
    """One key of a small JSON body: its kind, whether it must be there, its allowed values."""

    kind: type
    required: bool = True
    choices: tuple[str, ...] = ()
    max_length: int | None = None
    empty: bool = False  # a list of ids may be empty
    bounds: tuple[float, float] | None = None  # a number's (lowest, highest), both allowed
    items: type = int  # a list's items: ids, or text (str) each at most ``item_length`` long
    item_length: int | None = None
    item_pattern: str | None = None  # a text item must hold a match (as JSON Schema's ``pattern``)
    unique: bool = False  # no item twice
    pattern: str | None = None  # text must hold a match (as JSON Schema's ``pattern``)


def checked(body: dict, spec: dict[str, Field], *, not_empty: bool = False) -> dict:
    """``body`` when it holds exactly the keys of ``spec`` with sound values (ids as integers), and
    with ``not_empty`` at least one of them (a change of some fields); else 422 listing all."""
    errors = [problem(f"unknown field '{key}'", key) for key in body if key not in spec]
    if not_empty and not body:
        errors.append(problem(f"give at least one of {', '.join(spec)}"))
    for name, rule in spec.items():
        if name not in body:
            if rule.required:
                errors.append(problem(f"missing field '{name}'", name))
            continue
        message = _value_problem(body[name], rule)
        if message:
            errors.append(problem(f"{name} {message}", name))
    if errors:
        raise ApiProblem(422, "The body holds values that cannot be accepted.", errors)
    return {name: _whole(value, spec[name]) for name, value in body.items()}


def _whole(value: object, rule: Field) -> object:
    """An id sent as 3.0 as the 3 it is (ids are compared and stored as integers); a day as a date."""
    if rule.kind is date:
        return date.fromisoformat(value)
    if rule.kind is int:
        return int(value)
    if rule.kind is list and rule.items is int:
        return [int(item) for item in value]
    return value


def _value_problem(value: object, rule: Field) -> str | None:
    if rule.kind is float:  # a number (a whole one too) within bounds
        low, high = rule.bounds or (float("-inf"), float("inf"))
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not (number and low <= value <= high):  # NaN is refused too
            return f"must be a number from {low:g} to {high:g}, got {json.dumps(value)[:40]}"
        return None
    if rule.kind is list:  # a list of ids (or of text), at most max_length of them
        what = "ids" if rule.items is int else "texts"
        if not isinstance(value, list) or not (value or rule.empty):
            return f"must be {'an' if rule.empty else 'a non-empty'} array of {what}, got {_json_type(value)}"
        if rule.items is int and not all(_is_id(item) for item in value):
            return "must hold positive integer ids only"
        if rule.items is str:
            message = _text_items_problem(value, rule)
            if message:
                return message
        if rule.max_length is not None and len(value) > rule.max_length:
            return f"holds {len(value)} {what}; the limit is {rule.max_length}"
        if rule.unique and len({json.dumps(item) for item in value}) != len(value):
            return "holds an item twice"
        return None
    if rule.kind is date:  # a day written YYYY-MM-DD
        if not isinstance(value, str) or not _is_day(value):
            return f"must be a date written YYYY-MM-DD, got {json.dumps(value)[:40]}"
        return None
    if rule.kind is bool:
        return None if isinstance(value, bool) else f"must be true or false, got {_json_type(value)}"
    if rule.kind is int:  # JSON Schema counts 3.0 as an integer, as _is_id does
        if isinstance(value, bool) or not isinstance(value, int | float) or not float(value).is_integer():
            return f"must be an integer, got {_json_type(value)}"
        if rule.bounds:  # a whole number within bounds (a relevance), not an id
            low, high = rule.bounds
            return None if low <= value <= high else f"must be from {low:g} to {high:g}, got {value:g}"
        return None if 1 <= value <= MAX_ROW_ID else "must be a positive id"
    if not isinstance(value, str):
        return f"must be text, got {_json_type(value)}"
    if rule.choices and value not in rule.choices:
        return f"must be one of {', '.join(rule.choices)}, got '{value[:40]}'"
    if rule.max_length is not None and len(value) > rule.max_length:
        return f"is {len(value)} characters long; the limit is {rule.max_length}"
    if rule.pattern is not None and not re.search(rule.pattern, value):
        return f"must match {rule.pattern}"
    return None


def _text_items_problem(value: list, rule: Field) -> str | None:
    """What is wrong with a list of texts: an item that is not text, too long, or without the pattern."""
    for item in value:
        if not isinstance(item, str):
            return f"must hold text only, got {_json_type(item)}"
        if rule.item_length is not None and len(item) > rule.item_length:
            return f"holds an item {len(item)} characters long; the limit is {rule.item_length}"
        if rule.item_pattern is not None and not re.search(rule.item_pattern, item):
            return f"holds '{item[:40]}', which does not match {rule.item_pattern}"
    return None


def _is_day(value: str) -> bool:
    try:
        return bool(_DAY.fullmatch(value)) and bool(date.fromisoformat(value))
    except ValueError:
        return False


def _is_id(value: object) -> bool:
    """A row id: a whole number from 1 to MAX_ROW_ID (JSON Schema counts 3.0 as an integer)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ROW_ID


def _json_type(value: object) -> str:
    names = {dict: "an object", list: "an array", str: "text", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")


def query_choice(name: str, choices: Sequence[str]) -> str | None:
    """An optional query parameter that must be one of ``choices``; 400 otherwise (empty too)."""
    value = request.args.get(name)
    if value is None:
        return None
    if value not in choices:
        raise ApiProblem(400, f"{name} must be one of {', '.join(choices)}.", field=name)
    return value


def query_int(name: str, default: int, low: int, high: int) -> int:
    """An optional whole-number query parameter within [low, high]; 400 otherwise (empty too)."""
    return _query_whole(name, default, low, high, _DIGITS)


def query_id(name: str) -> int | None:
    """An optional row id in the query (any id SQLite may hold); 400 otherwise."""
    return _query_whole(name, None, 1, MAX_ROW_ID, _ROW_ID)


def _query_whole(name: str, default: int | None, low: int, high: int, digits: re.Pattern) -> int | None:
    """An optional query parameter of ``digits`` within [low, high]; 400 otherwise (empty too)."""
    value = request.args.get(name)
    if value is None:
        return default
    if not digits.fullmatch(value) or not low <= int(value) <= high:
        raise ApiProblem(400, f"{name} must be a whole number from {low} to {high}.", field=name)
    return int(value)


def query_day(name: str) -> date | None:
    """An optional day in the query, written YYYY-MM-DD; 400 otherwise."""
    value = request.args.get(name)
    if value is None:
        return None
    if not _is_day(value):
        raise ApiProblem(400, f"{name} must be a date written YYYY-MM-DD.", field=name)
    return date.fromisoformat(value)


def page_args() -> tuple[int, int]:
    """``(page, per_page)`` of a list request (``?page=&per_page=``, at most 100 a page)."""
    return query_int("page", 1, 1, MAX_PAGE), query_int("per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)


def page_of(items: list, total: int, page: int, per_page: int, **extra):
    """The list answer: one page of ``items`` (already cut), the total, the next page's address
    (and ``extra`` keys about the whole list)."""
    following = None
    if page * per_page < total:
        args = [(key, value) for key, value in request.args.items(multi=True) if key != "page"]
        following = request.path + "?" + urlencode([*args, ("page", page + 1)])
    return jsonify(ok=True, items=items, page=page, per_page=per_page, total=total, next=following, **extra)


def as_account(operation, *args, **kwargs):
    """Call an operation as the token's account, in English: a refusal worded when it is raised (the
    days and cities of a trip's rules) reads as the rest of the API; the app's handler answers it in
    the one error shape (``app.errors._domain_error``)."""
    with force_locale("en"):
        return operation(get_db(), current_user, *args, **kwargs)


def in_reader_language():
    """Word what the API tells a person (a failure, advice) in the ``Accept-Language``, English
    without one: ``with in_reader_language(): ...``."""
    return force_locale(request.accept_languages.best_match(INTERFACE_LANGUAGES) or "en")
