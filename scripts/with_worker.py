"""Run a web server with the mail worker beside it: ``python scripts/with_worker.py SERVER_COMMAND...``.

`make run` and `make serve` use it. It starts the server, then, ``WORKER_DELAY`` seconds later (so
that the worker's model load does not slow the server's start), ``flask --app wsgi worker`` (same
virtual environment, same environment variables); what is saved meanwhile waits in the database.
When the server stops, for whatever reason, or this launcher gets Ctrl-C or SIGTERM, the worker is
stopped too (SIGTERM, then SIGKILL after 10 s). A worker that dies on its own is started again
after 5 s. The exit status is the server's.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

WORKER = [str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "worker"]
WORKER_DELAY = 3.0  # seconds after the server: a second `make run` reached its login page in 2.5-3.3 s


def stop(process: subprocess.Popen | None, name: str) -> None:
    """Ask a child to stop, then force it."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        print(f"with_worker: {name} did not stop in 10 s; killing it.", file=sys.stderr)
        process.kill()
        process.wait()


def _interrupt(_signum, _frame) -> None:
    raise KeyboardInterrupt


def main(server_command: list[str]) -> int:
    if not server_command:
        print(__doc__, file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _interrupt)
    server = subprocess.Popen(server_command)
    started, worker = time.monotonic(), None
    try:
        while server.poll() is None:
            if worker is None:
                if time.monotonic() - started >= WORKER_DELAY:
                    worker = subprocess.Popen(WORKER)
            elif worker.poll() is not None:
                code = worker.returncode
                print(f"with_worker: the worker exited ({code}); starting it again.", file=sys.stderr)
                time.sleep(5)
                worker = subprocess.Popen(WORKER)
            time.sleep(0.5)
    except KeyboardInterrupt:
        stop(server, "the server")
    finally:
        print("with_worker: the server has stopped; stopping the mail worker.", file=sys.stderr)
        stop(worker, "the worker")
    return server.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
