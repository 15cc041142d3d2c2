"""Each code vocabulary is written once, in models/vocabulary.py; every label is in the catalogue."""

from __future__ import annotations

import ast
from pathlib import Path

from babel.messages.pofile import read_po

from models import vocabulary

ROOT = Path(__file__).resolve().parent.parent
# Files that may spell codes out: the vocabulary itself, and the migrations (history: their CHECKs).
ALLOWED = {ROOT / "models" / "vocabulary.py", ROOT / "app" / "migrations.py"}
VOCABULARIES = {
    name: set(getattr(vocabulary, name))
    for name in (
        "REGIONS",
        "ORG_TYPES",
        "TRACKS",
        "PROFILE_TEXT_FIELDS",
        "ROLES",
        "STANCE_ACTIONS",
        "PAIRING_STATUSES",
        "ORIGINS",
        "DECISIONS",
        "DIRECTIONS",
        "TRIP_DIRECTIONS",
        "TRIP_STATUSES",
        "CONSTRAINT_KINDS",
        "MEETING_STATES",
    )
}


def literal_lists(tree: ast.AST):
    """Every tuple, list or set of two or more strings (a table keyed by codes, a dict, is data)."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Tuple | ast.List | ast.Set):
            continue
        items = node.elts
        values = [
            item.value for item in items if isinstance(item, ast.Constant) and isinstance(item.value, str)
        ]
        if len(values) >= 2 and len(values) == len(items):
            yield node.lineno, set(values)


def test_no_module_spells_out_a_vocabulary_again():
    found = []
    for path in sorted([*(ROOT / "app").rglob("*.py"), *(ROOT / "models").rglob("*.py")]):
        if path in ALLOWED:
            continue
        for line, values in literal_lists(ast.parse(path.read_text(encoding="utf-8"))):
            for name, codes in VOCABULARIES.items():
                if values == codes:  # the whole vocabulary written out again
                    found.append(f"{path.relative_to(ROOT)}:{line} repeats {name}: {sorted(values)}")
    assert found == []


def test_every_label_of_every_vocabulary_has_its_french_translation():
    with (ROOT / "app" / "translations" / "fr" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalogue = read_po(handle)
    missing = [
        f"{kind}.{code}: {words!r}"
        for kind, labels in vocabulary.LABELS.items()
        for code, words in labels.items()
        if not (catalogue.get(words) and catalogue.get(words).string)
    ]
    assert missing == []
