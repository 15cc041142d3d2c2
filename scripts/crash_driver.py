"""Workers for the crash test (tests/test_crash.py): run until SIGKILLed, print what was acknowledged.

    python scripts/crash_driver.py imports FIRST_BATCH DIR
        Waits for the file DIR/go-FIRST_BATCH, then writes batches of ORGS_PER_BATCH organisations
        (short names ``crash-NNNNNN-III``) to DIR and imports them one after the other with the real
        ``import-orgs`` command of the configured app (PASSERELLE_DATABASE...). Prints ``start N``
        before each and ``ack N`` once the command returned.
    python scripts/crash_driver.py approve PORT EMAIL PASSWORD FIRST_ID LAST_ID
        Logs in to the server on 127.0.0.1:PORT as a coordinator, prints ``ready``, then approves
        pairings FIRST_ID..LAST_ID through the web form, printing ``ack ID`` after each redirect.

Every line is flushed at once: a line printed is a write the other side acknowledged.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ORGS_PER_BATCH = 200
TRACKS = ["staff_exchange", "joint_trial", "co_training", "event", "economic"]


def batch_records(batch: int) -> list[dict]:
    """The organisations of one import batch; the short name prefix marks the batch."""
    return [
        {
            "name": f"Crash test organisation {batch}-{index}",
            "short_name": f"crash-{batch:06d}-{index:03d}",
            "region": "BFC" if index % 2 else "QC",
            "city": "Dijon" if index % 2 else "Montréal",
            "type": "company",
            "expertise": f"Cell therapy process development, batch {batch}, item {index}.",
            "offers": "GMP manufacturing slots and quality control testing.",
            "seeks": "Clinical partners for early phase trials.",
            "collaboration_types": TRACKS[: 1 + index % 5],
            "languages": ["fr", "en"],
            "website": "",
        }
        for index in range(ORGS_PER_BATCH)
    ]


def run_imports(first_batch: int, directory: Path) -> None:
    """Import batch after batch with the import-orgs command, until killed."""
    from flask import Flask
    from flask.cli import ScriptInfo

    from app import cli, db
    from models.profiles import DEFAULT_MAX_IMPORT_BYTES

    # The command's own app: create_app() would import the engine and every page (seconds of start-up
    # per round of the crash test) for nothing the import uses.
    app = Flask("crash_importer")
    app.config.update(DATABASE=os.environ["PASSERELLE_DATABASE"], MAX_IMPORT_BYTES=DEFAULT_MAX_IMPORT_BYTES)
    db.init_app(app)
    cli.init_app(app)
    info = ScriptInfo(create_app=lambda: app)
    go = directory / f"go-{first_batch}"
    while not go.exists():  # started early so that Python's imports overlap the server's start
        time.sleep(0.01)
    batch = first_batch
    while True:
        path = directory / f"batch-{batch:04d}.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in batch_records(batch)))
        print(f"start {batch}", flush=True)
        try:
            app.cli.main(["import-orgs", str(path)], prog_name="flask", standalone_mode=False, obj=info)
        except Exception as error:  # noqa: BLE001 - reported to the test, which fails on it
            print(f"error {batch} {type(error).__name__}: {error}", flush=True)
        else:
            print(f"ack {batch}", flush=True)
        batch += 1
        time.sleep(0.02)  # let the web's writes in between


def run_approvals(port: int, email: str, password: str, first_id: int, last_id: int) -> None:
    """Approve pairings one by one through the coordinators' form, until killed."""
    from webclient import WebClient

    client = WebClient("127.0.0.1", port)
    client.wait_until_up()
    reply = client.login(email, password)
    if reply.status != 302:
        print(f"error login {reply.status}", flush=True)
        return
    client.get("/auth/password")  # a page with the session's CSRF token
    print("ready", flush=True)
    for pairing_id in range(first_id, last_id + 1):
        reply = client.post(
            f"/coordination/pairings/{pairing_id}/decide",
            {"decision": "approve", "comment": "crash test", "expected_status": "proposed"},
        )
        if reply.status == 302 and reply.location.endswith(f"/coordination/pairings/{pairing_id}"):
            print(f"ack {pairing_id}", flush=True)
        else:
            print(f"error {pairing_id} {reply.status}", flush=True)


def main(argv: list[str]) -> None:
    """Dispatch to one of the two workers."""
    if argv[:1] == ["imports"] and len(argv) == 3:
        run_imports(int(argv[1]), Path(argv[2]))
    elif argv[:1] == ["approve"] and len(argv) == 6:
        run_approvals(int(argv[1]), argv[2], argv[3], int(argv[4]), int(argv[5]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the project root: `import app`
    main(sys.argv[1:])
