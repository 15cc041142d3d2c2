"""One canonical list of cities, with aliases and names per language, and travel times between them.

``data/cities.json`` names each city once: its French name is the canonical spelling that the
database stores, its English name is what English pages show, and its aliases are the other ways
people write it ("Québec City", "Ville de Québec" and "Quebec" are all Québec). A city that is not in
the list is kept as it was typed (trimmed, spaces collapsed): nothing is refused for being unknown.

Travel times (``data/travel_times.json`` seeds the database's ``travel_times`` table) are minutes
from door to door between two canonical cities, the same both ways.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from models.vocabulary import TRAVEL_MODES as TRAVEL_MODES  # an existing migration imports it from here

DATA = Path(__file__).resolve().parent.parent / "data"
CITIES_FILE = DATA / "cities.json"
TRAVEL_FILE = DATA / "travel_times.json"
MAX_TRAVEL_MINUTES = 24 * 60


@dataclass(frozen=True)
class City:
    """A city of the canonical list: its names per language, region and the other spellings."""

    names: Mapping[str, str]
    region: str
    aliases: tuple[str, ...] = ()

    @property
    def canonical(self) -> str:
        """The stored spelling: the French name."""
        return self.names["fr"]


@lru_cache(maxsize=4096)  # the planner asks travel times for the same few cities 20,000 times a trip
def _key(text: str) -> str:
    """A spelling's comparison key: no accents, no case, one space between words, hyphens as spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.casefold().replace("-", " ").replace("’", "'").split())


@lru_cache(maxsize=1)
def cities() -> tuple[City, ...]:
    """The canonical list, read once per process."""
    rows = json.loads(CITIES_FILE.read_text(encoding="utf-8"))
    return tuple(City(row["names"], row["region"], tuple(row.get("aliases", ()))) for row in rows)


@lru_cache(maxsize=1)
def _by_key() -> dict[str, City]:
    index: dict[str, City] = {}
    for city in cities():
        for spelling in (*city.names.values(), *city.aliases):
            index.setdefault(_key(spelling), city)
    return index


def find_city(text: str) -> City | None:
    """The city of the list that this spelling names, or None."""
    return _by_key().get(_key(text or ""))


def canonical_city(text: str) -> str:
    """The stored spelling of a city: its canonical name when it is in the list, else the text, trimmed."""
    city = find_city(text)
    return city.canonical if city else " ".join((text or "").split())


def city_name(text: str, lang: str = "fr") -> str:
    """A city as a reader of ``lang`` writes it ("Québec" in French, "Quebec City" in English)."""
    city = find_city(text)
    if city is None:
        return text
    return city.names.get(lang) or city.canonical


def same_city(a: str, b: str) -> bool:
    """Whether two spellings name one city."""
    return canonical_city(a) == canonical_city(b)


class TravelTimes:
    """Minutes between two cities, the same both ways; 0 within a city, None when nobody said."""

    def __init__(self, rows: Iterable[tuple[str, str, int]] = ()) -> None:
        self._minutes: dict[frozenset[str], int] = {}
        for a, b, minutes in rows:
            self._minutes[frozenset((canonical_city(a), canonical_city(b)))] = int(minutes)

    def minutes(self, a: str, b: str) -> int | None:
        """Travel time from ``a`` to ``b`` in minutes (0 when they are one city, None when unknown)."""
        a, b = canonical_city(a), canonical_city(b)
        if a == b:
            return 0
        return self._minutes.get(frozenset((a, b)))

    def __len__(self) -> int:
        return len(self._minutes)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TravelTimes) and self._minutes == other._minutes

    def __hash__(self) -> int:
        return hash(frozenset(self._minutes.items()))


def default_travel_rows() -> list[dict]:
    """The seeded travel times: ``{"from", "to", "minutes", "mode"}`` between canonical cities."""
    rows = json.loads(TRAVEL_FILE.read_text(encoding="utf-8"))
    return [{**row, "from": canonical_city(row["from"]), "to": canonical_city(row["to"])} for row in rows]
