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
        "ORG_STATUSES",
        "STAFF_ROLES",
        "WANTING",
        "REQUEST_FORMATS",
        "REQUEST_STATUSES",
        "REQUEST_BOXES",
        "REQUEST_ANSWERS",
        "NEED_CODES",
        "TRIP_STATES",
        "HOST_STATES",
        "FOLLOWUP_STAGES",
        "FOLLOWUP_OUTCOMES",
        "FOLLOWUP_SIDES",
        "MEETING_HELD",
        "TRAVEL_MODES",
    )
}
# Calls that translate or mark words for the catalogue: a dict of them keyed by codes is a label table.
TRANSLATING = {"_", "_l", "N_", "gettext", "lazy_gettext"}


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


def label_tables(tree: ast.AST):
    """Every dict of two or more constant keys whose values all translate words: labels kept outside."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Dict) or len(node.keys) < 2:
            continue
        keys = [key.value for key in node.keys if isinstance(key, ast.Constant)]
        translated = all(_translates(value) for value in node.values)
        if len(keys) == len(node.keys) and translated:
            yield node.lineno, set(keys)


def _translates(value: ast.AST) -> bool:
    """A call of a translating function, or a tuple that starts with one (words and their partner)."""
    if isinstance(value, ast.Tuple) and value.elts:
        value = value.elts[0]
    return isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in TRANSLATING


def _python_files():
    for path in sorted([*(ROOT / "app").rglob("*.py"), *(ROOT / "models").rglob("*.py")]):
        if path not in ALLOWED:
            yield path, ast.parse(path.read_text(encoding="utf-8"))


def test_no_module_spells_out_a_vocabulary_again():
    found = []
    for path, tree in _python_files():
        for line, values in literal_lists(tree):
            for name, codes in VOCABULARIES.items():
                if values == codes:  # the whole vocabulary written out again
                    found.append(f"{path.relative_to(ROOT)}:{line} repeats {name}: {sorted(values)}")
    assert found == []


def test_no_module_keeps_labels_of_a_vocabulary():
    """Labels live in models/vocabulary.py and are read through app.i18n.label, never kept beside it."""
    everything = {
        **VOCABULARIES,
        **{f"LABELS[{kind!r}]": set(labels) for kind, labels in vocabulary.LABELS.items()},
    }
    found = [
        f"{path.relative_to(ROOT)}:{line} labels {name}"
        for path, tree in _python_files()
        for line, keys in label_tables(tree)
        for name, codes in everything.items()
        if keys == codes or (len(keys & codes) >= 2 and keys <= codes)
    ]
    assert found == []


def test_the_detectors_find_what_the_vocabulary_replaced():
    """The detectors would have caught the lists and label tables moved into models/vocabulary.py."""
    tree = ast.parse(
        'STATES = ("draft", "published", "under_way", "past")\n'
        'LABELS = {"requested": _l("Waiting"), "accepted": _l("Confirmed"), "declined": _l("Other slot")}\n'
        'NEEDS = {"events": (_l("events"), _l("%(org)s runs events")), "companies": (_l("a"), _l("b"))}\n'
    )
    assert [values for _, values in literal_lists(tree)] == [set(vocabulary.TRIP_STATES)]
    tables = [keys for _, keys in label_tables(tree)]
    assert set(vocabulary.HOST_STATES) in tables and {"events", "companies"} in tables


def test_the_needs_of_the_data_file_are_the_vocabulary():
    from models.needs import NEED_CODES

    assert NEED_CODES == vocabulary.NEED_CODES


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


POSITIONAL_CODES = {"HostAnswerRefused"}  # named errors whose first argument is their code


def _error_codes():
    """Every code given to a named error: ``code = "..."`` in a class, ``code="..."`` in a call."""
    for path, tree in _python_files():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                values = [kw.value for kw in node.keywords if kw.arg == "code"]
                if getattr(node.func, "id", None) in POSITIONAL_CODES and node.args:
                    values.append(node.args[0])
            elif isinstance(node, ast.ClassDef):
                values = [
                    item.value
                    for item in node.body
                    if isinstance(item, ast.Assign)
                    and [getattr(t, "id", None) for t in item.targets] == ["code"]
                ]
            else:
                continue
            for value in values:
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    yield f"{path.relative_to(ROOT)}:{node.lineno}", value.value


def test_every_error_code_is_worded_once_with_its_french():
    from app.errors import DOMAIN_MESSAGES
    from models.errors import PasserelleError

    with (ROOT / "app" / "translations" / "fr" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalogue = read_po(handle)
    found = [(where, code) for where, code in _error_codes() if code != PasserelleError.code]
    places = {(where.split(":")[0], code) for where, code in found}
    assert {
        ("app/introductions/operations.py", "same_side"),
        ("app/hosting/operations.py", "not_host"),
    } <= places
    unworded = [f"{where} {code}" for where, code in found if code not in DOMAIN_MESSAGES]
    untranslated = [code for code, words in DOMAIN_MESSAGES.items() if not catalogue.get(words).string]
    assert (unworded, untranslated) == ([], [])
