"""Concurrent writes against the real server: no "database is locked", nothing acknowledged lost.

Also: ``flask restore`` tried again and again while the server acknowledges writes is refused, or
done with every writer kept out; no acknowledged write is lost either way.

gunicorn runs two workers (no preload) on a temporary database. For ``CONCURRENCY_SECONDS`` (12 by
default) threads send, at the same time: API PATCHes of a city (one organisation per thread), API
creations of organisations, API comment decisions, and web comment decisions through the
coordinators' form. Every answer must be below 500, and every write answered 2xx (or the form's
redirect) must be in the database afterwards.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from conftest import TEST_HASH_METHOD
from test_crash import _free_port, _kill, _start

from app.api.tokens import create_token
from app.backup import BackupError, backup_database, restore_database
from app.coordination.queries import ensure_pairing
from app.db import connect, init_db
from app.people.queries import record_consent
from app.seed import seed_organisations
from app.users import create_user

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from webclient import WebClient  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
SECONDS = float(os.environ.get("CONCURRENCY_SECONDS", "12"))
COORDINATOR = ("race-coordinator@test.example.org", "rivière lente sous la passerelle")
PATCHERS = 3
CREATORS = 2


def _prepare(path: Path) -> tuple[str, list[int], list[int]]:
    """Seeded profiles, a coordinator with a token, a few proposed pairings; (token, org ids, pairing ids)."""
    db = connect(path)
    init_db(db)
    seed_organisations(db)
    user_id = create_user(db, COORDINATOR[0], COORDINATOR[1], "coordinator", hash_method=TEST_HASH_METHOD)
    record_consent(db, user_id)  # the privacy notice was accepted: the web pages open at once
    token = create_token(db, user_id, "race")[1]
    orgs = [row[0] for row in db.execute("SELECT id FROM organisations ORDER BY id LIMIT ?", [PATCHERS])]
    bfc = db.execute("SELECT id FROM organisations WHERE region = 'BFC' ORDER BY id LIMIT 2").fetchall()
    qc = db.execute("SELECT id FROM organisations WHERE region = 'QC' ORDER BY id LIMIT 2").fetchall()
    with db.atomic():
        pairings = [ensure_pairing(db, b[0], q[0], "event", "engine", 0.5) for b in bfc for q in qc]
    db.close()
    return token, orgs, pairings


def _environment(path: Path) -> dict:
    return {
        **os.environ,
        "PASSERELLE_DATABASE": str(path),
        "PASSERELLE_SECRET_KEY": "race-test-secret",
        "PASSERELLE_EMBEDDING_MODEL": "fake",
        "HF_HUB_OFFLINE": "1",
    }


def _serve(path: Path, log: Path, workers: int = 2) -> tuple[object, int]:
    port = _free_port()
    args = [str(GUNICORN), "--no-control-socket", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
    server = _start([*args, "wsgi:app"], _environment(path), log)
    try:
        WebClient("127.0.0.1", port).wait_until_up()
    except BaseException:
        _kill(server)
        raise
    return server, port


def _profile(short_name: str) -> dict:
    return {
        "name": f"Organisation {short_name}",
        "short_name": short_name,
        "region": "QC",
        "city": "Montréal",
        "type": "company",
        "expertise": "Bioproduction de vecteurs viraux pour la thérapie génique.",
        "offers": "Accès à une plateforme GMP.",
        "seeks": "Partenaires cliniques en France.",
        "collaboration_types": ["economic"],
        "languages": ["fr"],
        "website": "",
    }


class Run:
    """Shared tallies of the threads."""

    def __init__(self, port: int, token: str):
        self.port, self.token = port, token
        self.stop = time.monotonic() + SECONDS
        self.lock = threading.Lock()
        self.statuses: Counter = Counter()
        self.server_errors: list[str] = []
        self.last_city: dict[int, str] = {}
        self.created: list[str] = []
        self.api_comments: list[str] = []
        self.web_comments: list[str] = []

    def api(self, method: str, path: str, body: dict) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        try:
            connection.request(method, path, body=json.dumps(body), headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            connection.close()
        self.note(response.status, f"{method} {path}: {text[:200]}")
        return response.status

    def note(self, status: int, what: str) -> None:
        with self.lock:
            self.statuses[status] += 1
            if status >= 500:
                self.server_errors.append(f"{status} {what}")


def _patcher(run: Run, org_id: int) -> None:
    n = 0
    while time.monotonic() < run.stop:
        n += 1
        city = f"x{org_id}-{n}"
        if run.api("PATCH", f"/api/v1/organisations/{org_id}", {"city": city}) == 200:
            run.last_city[org_id] = city


def _creator(run: Run, number: int) -> None:
    n = 0
    while time.monotonic() < run.stop:
        n += 1
        short_name = f"race-{number}-{n}"
        if run.api("POST", "/api/v1/organisations", _profile(short_name)) == 201:
            with run.lock:
                run.created.append(short_name)


def _api_commenter(run: Run, pairing_ids: list[int], thread: int = 0) -> None:
    n = 0
    while time.monotonic() < run.stop:
        n += 1
        comment = f"api comment {thread}-{n}"
        pairing = pairing_ids[n % len(pairing_ids)]
        body = {"decision": "comment", "comment": comment}
        if run.api("POST", f"/api/v1/pairings/{pairing}/decisions", body) == 201:
            with run.lock:
                run.api_comments.append(comment)


def _web_commenter(run: Run, pairing_ids: list[int]) -> None:
    client = WebClient("127.0.0.1", run.port)
    assert client.login(*COORDINATOR).status == 302
    client.get("/auth/password")  # a page with the session's CSRF token
    n = 0
    while time.monotonic() < run.stop:
        n += 1
        comment = f"web comment {n}"
        pairing = pairing_ids[n % len(pairing_ids)]
        form = {"decision": "comment", "comment": comment, "expected_status": "proposed"}
        reply = client.post(f"/coordination/pairings/{pairing}/decide", form)
        run.note(reply.status, f"web decide {pairing}: {reply.text[:200]}")
        if reply.status == 302 and reply.location.endswith(f"/coordination/pairings/{pairing}"):
            run.web_comments.append(comment)


@pytest.mark.skipif(not GUNICORN.exists(), reason="gunicorn is not installed in this environment")
def test_concurrent_api_and_web_writes_answer_no_server_error_and_lose_nothing(tmp_path):
    path = tmp_path / "race.db"
    token, orgs, pairings = _prepare(path)
    server, port = _serve(path, tmp_path / "server.log")
    try:
        run = Run(port, token)
        threads = [threading.Thread(target=_patcher, args=(run, org)) for org in orgs]
        threads += [threading.Thread(target=_creator, args=(run, n)) for n in range(CREATORS)]
        threads.append(threading.Thread(target=_api_commenter, args=(run, pairings)))
        threads.append(threading.Thread(target=_web_commenter, args=(run, pairings)))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=SECONDS + 60)
    finally:
        _kill(server)
    statuses = dict(sorted(run.statuses.items()))
    summary = f"{run.statuses.total()} requests in {SECONDS:.0f} s, by status: {statuses}"
    print(summary)
    assert run.server_errors == [], summary + "\n" + "\n".join(run.server_errors[:10])
    db = connect(path)
    try:
        city_of = "SELECT city FROM organisations WHERE id = ?"
        cities = {org: db.execute(city_of, [org]).fetchone()[0] for org in orgs}
        assert cities == run.last_city, "an acknowledged PATCH is not the stored value"
        races = db.execute("SELECT short_name FROM organisations WHERE short_name LIKE 'race-%'")
        stored = {row[0] for row in races}
        assert set(run.created) == stored
        comments = Counter(row[0] for row in db.execute("SELECT comment FROM pairing_decisions"))
        assert [c for c in run.api_comments + run.web_comments if c not in comments] == []
    finally:
        db.close()
    assert len(run.last_city) == PATCHERS and run.created and run.api_comments and run.web_comments, summary


@pytest.mark.skipif(not GUNICORN.exists(), reason="gunicorn is not installed in this environment")
def test_restore_while_the_server_writes_loses_no_acknowledged_write(tmp_path):
    path = tmp_path / "live.db"
    token, _orgs, pairings = _prepare(path)
    backup = tmp_path / "monday.db"
    backup_database(path, backup)
    server, port = _serve(path, tmp_path / "server.log", workers=4)
    outcomes: Counter = Counter()
    kept: list[Path] = []  # each successful restore's copy of the database it replaced
    try:
        run = Run(port, token)
        run.stop = time.monotonic() + SECONDS / 2
        writers = [threading.Thread(target=_api_commenter, args=(run, pairings, n)) for n in range(3)]
        for thread in writers:
            thread.start()
        while time.monotonic() < run.stop - 0.2:
            time.sleep(0.05)
            try:  # in this process: an operator's `flask restore`, many times a second
                restore_database(backup, path)
            except BackupError as error:
                assert "is in use" in str(error), error
                outcomes["refused"] += 1
            else:
                outcomes["restored"] += 1
                copy = tmp_path / f"kept-{len(kept)}.db"
                shutil.copy(f"{path}.before-restore", copy)
                kept.append(copy)
        for thread in writers:
            thread.join(timeout=60)
    finally:
        _kill(server)
    summary = f"restores: {dict(outcomes)}; {len(run.api_comments)} comments acknowledged"
    print(summary)
    assert run.server_errors == [], summary + "\n" + "\n".join(run.server_errors[:10])
    assert outcomes.total() >= 20 and run.api_comments, summary
    found: set[str] = set()
    for database in (path, *kept):
        db = connect(database)
        found |= {row[0] for row in db.execute("SELECT comment FROM pairing_decisions")}
        db.close()
    assert sorted(set(run.api_comments) - found) == [], summary
