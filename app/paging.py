"""Page numbers of the lists (web pages and API): one limit, one way to read ``?page=``."""

from __future__ import annotations

import re

MAX_PAGE = 100_000  # no list is that long; a larger number would only make SQLite's OFFSET overflow
_PAGE = re.compile(r"[0-9]{1,6}")  # ASCII digits only: str.isdigit() takes "²", which int() refuses


def page_number(value: str | None) -> int | None:
    """The page asked for by ``?page=`` (1 when absent); None unless a whole number from 1 to MAX_PAGE."""
    if value is None:
        return 1
    if not _PAGE.fullmatch(value) or not 1 <= int(value) <= MAX_PAGE:
        return None
    return int(value)


def page_count(total: int, per_page: int) -> int:
    """How many pages ``total`` items fill (at least one, empty)."""
    return max((total + per_page - 1) // per_page, 1)
