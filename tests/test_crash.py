"""Crash safety: SIGKILL the real server and a bulk importer mid-write, many times, and lose nothing.

Each round starts gunicorn (two workers, no preload) on a copy-free temporary database, a process
that imports batches of 200 organisations with the ``import-orgs`` command, and a client approving
pairings through the coordinators' form; after a random moment all three are killed with SIGKILL.
Then: ``PRAGMA integrity_check`` is ok, every import batch is whole or absent, every write that was
acknowledged (an import command that returned, an approval answered by its redirect) is there, and
every pairing's status is the one its last audited decision set. ``CRASH_ROUNDS`` sets the rounds.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import TEST_HASH_METHOD

from app.coordination.queries import ensure_pairing
from app.db import connect, init_db
from app.people.queries import record_consent
from app.seed import seed_organisations
from app.users import create_user

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
DRIVER = ROOT / "scripts" / "crash_driver.py"
ROUNDS = int(os.environ.get("CRASH_ROUNDS", "15"))
BATCH = 200
COORDINATOR = ("crash-coordinator@test.example.org", "rivière lente sous la passerelle")


@dataclass
class Tally:
    """What the rounds did and what the checks found, for the report on failure."""

    batches_acked: set[int] = field(default_factory=set)
    batches_in_flight: list[int] = field(default_factory=list)
    in_flight_committed: int = 0
    approvals_acked: set[int] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _prepare(path: Path) -> list[int]:
    """A database with the seeded profiles, a coordinator and many proposed pairings; their ids."""
    db = connect(path)
    init_db(db)
    seed_organisations(db)
    coordinator = create_user(db, COORDINATOR[0], COORDINATOR[1], "coordinator", hash_method=TEST_HASH_METHOD)
    record_consent(db, coordinator)  # the privacy notice was accepted: the web pages open at once
    bfc = [row[0] for row in db.execute("SELECT id FROM organisations WHERE region = 'BFC' ORDER BY id")]
    qc = [row[0] for row in db.execute("SELECT id FROM organisations WHERE region = 'QC' ORDER BY id")]
    with db.atomic():
        ids = [
            ensure_pairing(db, b, q, track, "engine", 0.5)
            for track in ("staff_exchange", "joint_trial", "co_training", "event", "economic")
            for b in bfc
            for q in qc
        ]
    db.close()
    return ids


def _start(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    """A process in its own group (so that SIGKILL reaches its children), output to ``log``."""
    return subprocess.Popen(
        args,
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _kill(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def _lines(log: Path, word: str) -> list[str]:
    return [line.split()[1] for line in log.read_text().splitlines() if line.startswith(word + " ")]


def _wait_for(log: Path, word: str, process: subprocess.Popen, seconds: float = 60) -> None:
    """Wait until ``log`` holds a line starting with ``word`` (the process must stay alive)."""
    deadline = time.monotonic() + seconds
    while not any(line.startswith(word) for line in log.read_text().splitlines()):
        assert process.poll() is None, f"{log.name} ended early:\n{log.read_text()[-3000:]}"
        assert time.monotonic() < deadline, f"no '{word}' in {log.name}:\n{log.read_text()[-3000:]}"
        time.sleep(0.02)


@dataclass
class Round:
    """One round's processes and logs; the server and importer start while the last round is checked."""

    number: int
    port: int
    logs: dict[str, Path]
    processes: list[subprocess.Popen]

    @property
    def first_batch(self) -> int:
        return self.number * 1000


def _launch(number: int, env: dict, tmp: Path) -> Round:
    """Start the server and the importer (which waits for its go file before writing)."""
    port = _free_port()
    logs = {name: tmp / f"round-{number:02d}-{name}.log" for name in ("server", "imports", "approve")}
    server = _start(
        [str(GUNICORN), "--no-control-socket", "--bind", f"127.0.0.1:{port}", "--workers", "2", "wsgi:app"],
        env,
        logs["server"],
    )
    importer = _start(
        [sys.executable, str(DRIVER), "imports", str(number * 1000), str(tmp)], env, logs["imports"]
    )
    return Round(number, port, logs, [server, importer])


def _begin(run: Round, env: dict, tmp: Path, chunk: list[int]) -> None:
    """Start approving through the web, then let the importer go; return once both write."""
    approver = _start(
        [sys.executable, str(DRIVER), "approve", str(run.port), *COORDINATOR, str(chunk[0]), str(chunk[-1])],
        env,
        run.logs["approve"],
    )
    run.processes.append(approver)
    _wait_for(run.logs["approve"], "ready", approver)
    (tmp / f"go-{run.first_batch}").touch()
    _wait_for(run.logs["imports"], "start", run.processes[1])


def _kill_all(run: Round) -> None:
    for process in run.processes:  # the server first: requests die mid-way too
        _kill(process)


def _record(run: Round, tally: Tally) -> None:
    """Add what the round's logs say was started, acknowledged and failed."""
    started = {int(n) for n in _lines(run.logs["imports"], "start")}
    acked = {int(n) for n in _lines(run.logs["imports"], "ack")}
    failed = {int(n) for n in _lines(run.logs["imports"], "error")}
    tally.batches_acked |= acked
    tally.batches_in_flight += sorted(started - acked - failed)
    tally.approvals_acked |= {int(n) for n in _lines(run.logs["approve"], "ack")}
    for log in (run.logs["imports"], run.logs["approve"]):
        lines = log.read_text().splitlines()
        tally.errors += [f"{log.name}: {line}" for line in lines if line.startswith("error")]


def _check(path: Path, tally: Tally) -> None:
    """The database after a crash: intact, no half import, nothing acknowledged lost, audit agrees."""
    db = connect(path)  # opening recovers the WAL left by the killed processes
    try:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        counts = dict(
            db.execute(
                "SELECT CAST(substr(short_name, 7, 6) AS INTEGER), COUNT(*) FROM organisations "
                "WHERE short_name LIKE 'crash-%' GROUP BY 1"
            ).fetchall()
        )
        assert {batch: n for batch, n in counts.items() if n != BATCH} == {}, "half-applied import"
        assert sorted(tally.batches_acked - set(counts)) == [], "acknowledged import lost"
        tally.in_flight_committed = sum(1 for batch in tally.batches_in_flight if batch in counts)
        approved = {row[0] for row in db.execute("SELECT id FROM pairings WHERE status = 'approved'")}
        assert sorted(tally.approvals_acked - approved) == [], "acknowledged approval lost"
        disagree = db.execute(
            """
            SELECT p.id FROM pairings p JOIN pairing_decisions d ON d.id =
                (SELECT MAX(id) FROM pairing_decisions WHERE pairing_id = p.id)
            WHERE d.to_status != p.status
            """
        ).fetchall()
        assert disagree == [], "a status without its audit row"
        orphans = db.execute(
            "SELECT COUNT(*) FROM pairings p WHERE status = 'approved' AND origin = 'engine' AND NOT EXISTS "
            "(SELECT 1 FROM pairing_decisions d WHERE d.pairing_id = p.id)"
        ).fetchone()[0]
        assert orphans == 0, "an approval without its audit row"
    finally:
        db.close()


@pytest.mark.skipif(not GUNICORN.exists(), reason="gunicorn is not installed in this environment")
def test_sigkill_during_imports_and_approvals_loses_nothing(tmp_path):
    path = tmp_path / "crash.db"
    ids = _prepare(path)
    env = {
        **os.environ,
        "PASSERELLE_DATABASE": str(path),
        "PASSERELLE_SECRET_KEY": "crash-test-secret",
        "PASSERELLE_EMBEDDING_MODEL": "fake",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    seed = int(os.environ.get("CRASH_SEED", time.time_ns() % 1_000_000))
    rng, tally = random.Random(seed), Tally()
    per_round = len(ids) // ROUNDS  # more than a round can approve (about 50 a second here)
    current = _launch(0, env, tmp_path)
    for number in range(ROUNDS):
        following = None
        try:
            _begin(current, env, tmp_path, ids[number * per_round : (number + 1) * per_round])
            if number + 1 < ROUNDS:  # boots meanwhile; touches the database only after its "go"
                following = _launch(number + 1, env, tmp_path)
            time.sleep(rng.uniform(0.05, 1.0))
            _kill_all(current)
            _record(current, tally)
            _check(path, tally)
        except BaseException:
            for run in (current, following):
                if run is not None:
                    _kill_all(run)
            raise
        current = following
    summary = (
        f"seed {seed}: {ROUNDS} rounds, {len(tally.batches_acked)} imports and "
        f"{len(tally.approvals_acked)} approvals acknowledged; {len(tally.batches_in_flight)} imports "
        f"killed in flight ({tally.in_flight_committed} had committed, the rest left nothing)"
    )
    print(summary)
    assert tally.errors == [], f"{summary}\n" + "\n".join(tally.errors[:20])
    assert tally.batches_acked and tally.approvals_acked, summary


def test_create_app_opens_no_database(tmp_path, monkeypatch):
    """Even with --preload (the master imports wsgi, then forks) no connection may exist before the fork."""
    import sqlite3

    from app import create_app

    opened = []
    monkeypatch.setattr(sqlite3, "connect", lambda *a, **k: opened.append(a) or pytest.fail("connected"))
    create_app({"DATABASE": str(tmp_path / "never.db"), "INSTANCE_PATH": str(tmp_path / "instance")})
    assert opened == [] and not (tmp_path / "never.db").exists()


def test_immediate_holds_the_write_lock_and_nests_as_a_savepoint(tmp_path):
    """Read-then-write transactions lock first; inside another transaction they are a savepoint."""
    import sqlite3

    from app.db import immediate

    path = tmp_path / "lock.db"
    db, other = connect(path), connect(path)
    db.execute("CREATE TABLE t (n INTEGER)")
    other.conn.execute("PRAGMA busy_timeout=50")
    with immediate(db):
        db.execute("SELECT COUNT(*) FROM t").fetchone()
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.conn.execute("BEGIN IMMEDIATE")  # the lock is taken before the first write
        db.execute("INSERT INTO t VALUES (1)")
        with pytest.raises(ValueError), immediate(db):
            db.execute("INSERT INTO t VALUES (2)")
            raise ValueError("only the inner part is undone")
    assert [row[0] for row in other.execute("SELECT n FROM t")] == [1]
    db.close()
    other.close()
