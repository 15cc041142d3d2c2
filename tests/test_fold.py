"""Text folding: the fast ``fold`` gives exactly what the character-by-character definition gives."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

from models.matching.topics import fold, profile_text

DATA = Path(__file__).resolve().parent.parent / "data"


def _reference(text: str) -> str:
    """The definition: NFKD, drop every combining mark, unify dashes, collapse whitespace."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(char for char in text if not unicodedata.combining(char))
    return re.sub(r"\s+", " ", re.sub(r"[‐‑‒–—]", "-", text))


def test_fold_strips_accents_and_unifies_dashes_and_spaces():
    assert fold("Thérapie  cellulaire – CAR‑T\u00a0Québec") == "therapie cellulaire - car-t quebec"


def test_fold_agrees_with_its_definition_on_real_profiles_and_every_character():
    texts = [
        profile_text(json.loads(line))
        for path in (DATA / "eval" / "profiles_en.jsonl", DATA / "eval" / "profiles_fr.jsonl")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    texts += ["".join(map(chr, range(0x20, 0x3000))), "e\u0301te\u0301 \u1e9b\u0323 ﬁ Ⅻ ß"]
    assert [fold(text) for text in texts] == [_reference(text) for text in texts]
