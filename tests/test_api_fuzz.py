"""Property-based fuzzing of the API from its own OpenAPI document (schemathesis).

Each documented operation gets up to ``PASSERELLE_FUZZ_EXAMPLES`` generated requests (default 50,
derandomized so that a run is repeatable), each sent twice: with a coordinator's token and with a
member's. Every answer must be no 5xx, have a documented status and content type, and match its
schema. The numbers of cases and requests, and the statuses seen, are printed at the end.
``PASSERELLE_FUZZ_EXAMPLES=500 .venv/bin/python -m pytest tests/test_api_fuzz.py`` fuzzes longer.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import sqlite3
import time
from collections import Counter

import pytest
import schemathesis
from conftest import actor, bearer, make_app, seed_app
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ensure_resource_availability,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
    use_after_free,
)
from test_api_trips import publish_demo_trip

from app import matching
from app.api.openapi import document
from app.api.tokens import create_token
from app.coordination.proposals import propose
from app.db import connect, get_db
from app.operations.pairings import decide

MAX_EXAMPLES = int(os.environ.get("PASSERELLE_FUZZ_EXAMPLES", "50"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
ROLES = ("coordinator", "member_bfc")
CASES: Counter = Counter()  # generated cases per documented operation
STATUSES: Counter = Counter()  # answers by status code


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):
    """One seeded app for the whole module: engine proposals (one approved), a published trip."""
    app = make_app(tmp_path_factory.mktemp("fuzz"))
    app.user_ids = seed_app(app)
    with app.app_context():
        db = get_db()
        propose(db, matching.engine, 0.0, 2, app.user_ids["coordinator"])
        decide(db, actor(app, "coordinator"), 1, "approve", "Fuzzing.", "proposed")
        publish_demo_trip(db)
    yield app


@pytest.fixture(scope="module")
def fuzz_tokens(fuzz_app, request):
    """A token per fuzzing role; reports how many requests were sent when the module ends."""
    db = connect(fuzz_app.config["DATABASE"])
    tokens = {role: create_token(db, fuzz_app.user_ids[role], "fuzz")[1] for role in ROLES}
    db.close()
    started = time.perf_counter()
    yield tokens
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    statuses = ", ".join(f"{code}: {count}" for code, count in sorted(STATUSES.items()))
    summary = (
        f"schemathesis: {CASES.total()} generated cases over {len(CASES)} operations, "
        f"{STATUSES.total()} requests ({len(ROLES)} tokens) in {time.perf_counter() - started:.1f} s; "
        f"statuses {statuses}; {CASES['stateful steps']} of them steps of stateful sequences"
    )
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():  # shown without -s too
            reporter.write_line(summary)


SETUP_TABLES = ("trips", "trip_slots", "trip_delegation", "trip_delegates", "trip_hosts", "trip_constraints")
SETUP_PRINT = " UNION ALL ".join(f"SELECT COUNT(*), TOTAL(rowid) FROM {name}" for name in SETUP_TABLES)


class Pristine:
    """A copy of the fuzzing data as seeded (with the tokens), and what puts it back once a request
    changed a trip's set-up (only then: every request records its token's use, and a copy per
    request would take minutes)."""

    def __init__(self, database: str):
        self.database = database
        self.template = sqlite3.connect(":memory:")
        self.watch = sqlite3.connect(database)
        self.watch.backup(self.template)
        self.seen = self._version()
        self.engine_versions = itertools.count(2_000_000)

    def _version(self) -> list:
        """Which trips, slots, delegation, delegates, hosts and pairs there are."""
        return self.watch.execute(SETUP_PRINT).fetchall()

    def restore(self) -> None:
        """The data as seeded again, if a trip's set-up changed; a new engine version keeps no cached
        index stale."""
        if self._version() == self.seen:
            return
        self.template.backup(self.watch)
        self.watch.execute("UPDATE engine_state SET version = ? WHERE id = 1", [next(self.engine_versions)])
        self.watch.commit()
        self.seen = self._version()


@pytest.fixture(scope="module")
def pristine(fuzz_app, fuzz_tokens):
    """The seeded data, kept before any fuzzed request changes it."""
    kept = Pristine(fuzz_app.config["DATABASE"])
    yield kept
    kept.watch.close()


# The document as built; test_api_openapi checks that the served one is the same.
schema = schemathesis.openapi.from_dict(document())
# JSON text is UTF-8 (RFC 8259): no half surrogate pairs, which the API refuses (422) as no text.
schema.config.generation.update(codec="utf-8")


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_api_answers_match_the_document(case, fuzz_app, fuzz_tokens, pristine):
    CASES[case.operation.label] += 1
    for role in ROLES:
        response = case.call_and_validate(app=fuzz_app, headers=bearer(fuzz_tokens[role]), checks=CHECKS)
        STATUSES[response.status_code] += 1


# Valid requests must be accepted and invalid ones refused: the document says exactly what is valid.
negative_schema = schemathesis.openapi.from_dict(document())
# JSON text is UTF-8 (RFC 8259): no half surrogate pairs, which the API refuses (422) as no text.
schema.config.generation.update(codec="utf-8")
negative_schema.config.generation.update(modes=["positive", "negative"], codec="utf-8")
DATA_CHECKS = [*CHECKS, negative_data_rejection, positive_data_acceptance]


@negative_schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_the_document_says_what_is_accepted_and_what_is_refused(case, fuzz_app, fuzz_tokens, pristine):
    CASES[case.operation.label + " (data)"] += 1
    # Each case starts from the seeded set-up: a trip an earlier case left without hosts (or created
    # empty, as POST /trips does) would refuse a valid planning request as incomplete (422).
    pristine.restore()
    response = case.call_and_validate(app=fuzz_app, headers=token_for(case, fuzz_tokens), checks=DATA_CHECKS)
    STATUSES[response.status_code] += 1


def token_for(case, tokens) -> dict:
    """The coordinator's token, unless the case's headers are its invalid part: it may leave out the
    token on purpose, and adding the real one back would make a refused request look accepted."""
    leaves_out_token = case.meta is not None and case.meta.is_negative_at(ParameterLocation.HEADER)
    return {} if leaves_out_token else bearer(tokens["coordinator"])


def test_stateful_sequences_match_the_document(fuzz_app, fuzz_tokens):
    """Chains of calls (create, then read, change, decide...) linked by the ids answers give."""
    machine = schema.as_state_machine()
    database = fuzz_app.config["DATABASE"]
    template = sqlite3.connect(":memory:")
    with contextlib.closing(sqlite3.connect(database)) as live:
        live.backup(template)
    scenarios = itertools.count(1_000_000)

    class Sequences(machine):
        def setup(self):
            # Every scenario starts from the same data, so that replaying one (as hypothesis does to
            # shrink it) sees the same answers; a new engine version keeps no cached index stale.
            with contextlib.closing(sqlite3.connect(database)) as live:
                template.backup(live)
                live.execute("UPDATE engine_state SET version = ? WHERE id = 1", [next(scenarios)])
                live.commit()

        def get_call_kwargs(self, case):
            return {"app": fuzz_app, "headers": token_for(case, fuzz_tokens)}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            STATUSES[response.status_code] += 1
            CASES["stateful steps"] += 1  # counted apart in the summary, not an operation
            case.validate_response(
                response, checks=[*DATA_CHECKS, use_after_free, ensure_resource_availability]
            )

    Sequences.run(
        settings=settings(
            max_examples=max(MAX_EXAMPLES // 2, 10),
            stateful_step_count=6,
            derandomize=True,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
    )
