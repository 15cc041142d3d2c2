"""Seconds from the start of ``make run`` to the first 200 on ``/auth/login`` (then the server is stopped).

``.venv/bin/python scripts/first_page.py [--port 5057] [--runs 2]``: each run starts ``make run`` on
127.0.0.1, polls the login page every 50 ms, prints the time and stops the server it started. The
first run of a fresh checkout seeds and embeds; the later ones measure the no-change path.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def first_page(port: int, limit: float = 600.0) -> float:
    """Start ``make run``, return the seconds to the first 200 on the login page; stop it."""
    env = {**os.environ, "PORT": str(port)}
    started = time.perf_counter()
    server = subprocess.Popen(
        ["make", "run"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:
        while time.perf_counter() - started < limit:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/auth/login", timeout=2) as reply:
                    if reply.status == 200:
                        return time.perf_counter() - started
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.05)
        raise SystemExit(f"no page within {limit:.0f} s")
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # the group of the make we started, nothing else
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=5057)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    for run in range(1, args.runs + 1):
        seconds = first_page(args.port)
        load = " ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"make run #{run}: first 200 on /auth/login after {seconds:.2f} s (load average {load})")


if __name__ == "__main__":
    main()
