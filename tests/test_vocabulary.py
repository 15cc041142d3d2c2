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
        "COMPLETENESS_CODES",
        "AUDIT_KINDS",
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


# Where words may sit in a table keyed by codes: the vocabulary, and app/errors.py (the named errors).
WORD_TABLE_HOMES = {ROOT / "models" / "vocabulary.py", ROOT / "app" / "errors.py"}


def test_no_module_keeps_a_table_of_words_of_its_own():
    """A dict of translated words (``LINK_ERRORS``, ``COMPLETENESS``) is a vocabulary or a named error."""
    found = [
        f"{path.relative_to(ROOT)}:{line} {sorted(keys)}"
        for path, tree in _python_files()
        if path not in WORD_TABLE_HOMES
        for line, keys in label_tables(tree)
    ]
    assert found == []


def test_the_api_refuses_domain_rules_through_the_named_errors():
    """Only the request's syntax (payloads.py, routes.py) is refused with a message written in place."""
    found = []
    for path in sorted((ROOT / "app" / "api").glob("*.py")):
        if path.name in ("payloads.py", "routes.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            literal = isinstance(node, ast.Call) and any(
                isinstance(arg, ast.Constant | ast.JoinedStr) for arg in node.args[1:2]
            )
            if literal and getattr(node.func, "id", None) == "ApiProblem":
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []


def _strings(node: ast.AST) -> set[str]:
    """The string constants a value may be: itself, or either branch of ``a if c else b``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _strings(node.body) | _strings(node.orelse)
    return set()


def recorded_event_names() -> set[str]:
    """Every event name given to record_event/record_event_by (or trips' _edit), variables followed."""
    names: set[str] = set()
    for _path, tree in _python_files():
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef):
                continue
            assigned: dict[str, set[str]] = {}
            for node in ast.walk(function):
                if isinstance(node, ast.Assign) and len(node.targets) == 1:
                    target = getattr(node.targets[0], "id", None)
                    assigned.setdefault(target, set()).update(_strings(node.value))
            for node in ast.walk(function):
                callee = getattr(node.func, "id", None) if isinstance(node, ast.Call) else None
                position = {"record_event": 2, "record_event_by": 2, "_edit": 4, "_audited": 0}.get(callee)
                if position is None or len(node.args) <= position:
                    continue
                value = node.args[position]
                names |= _strings(value) or assigned.get(getattr(value, "id", None), set())
    return names


def test_every_audit_event_the_operations_record_has_its_sentence():
    """Each event name recorded anywhere in app/ is worded in the audit log (name or name:variant)."""
    names = recorded_event_names()
    assert {
        "contact.removed",
        "user.deactivated",
        "trip.meeting_moved",
        "host.answered",
        "trip.created",
    } <= names
    assert names - set(vocabulary.AUDIT_ACTIONS) == set()
