"""``make load``: simulated users against gunicorn, as ``make serve`` runs it, on a copy of the database.

Loopback only and bounded in time. The database is copied with ``flask backup``'s online copy (so a
running ``make run`` is no problem) into a temporary folder, load-test accounts are added to the copy,
and gunicorn serves it on a free port of 127.0.0.1. Members log in, read suggestions (each tab of their
organisation), mark partners (interested, introduction, withdraw), open a partner's page, the
directory and search it by meaning; coordinators log in, open the review queue, the network picture,
the programme dashboard, the trips and a published trip, and export the approved pairings and the
published trips as CSV. Every user logs out and in again every ``--relogin`` rounds and waits
``--think`` seconds between requests, as a person would. After a warm-up whose numbers are dropped,
requests/s and p50/p95/p99 per kind of request are printed, with the errors (any unexpected status or
failure).

Accounts get a cheap scrypt cost by default so that logins do not hide the pages' latency;
``--real-hash`` uses the production cost (scrypt N=2^17) instead.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from webclient import WebClient  # noqa: E402  (scripts/ is on the path when run as a script)

FAST_HASH = "scrypt:1024:8:1"
PAGES = (
    "suggestions", "interest", "directory", "search", "org_page", "queue", "network", "dashboard",
    "trips", "trip_page",
)  # fmt: skip
COORDINATOR_PAGES = {
    "network": "/coordination/network", "dashboard": "/coordination/dashboard", "trips": "/trips/",
}  # fmt: skip
# What members type into the directory's search: French and English, short and long.
QUERIES = (
    "thérapie cellulaire", "CAR-T", "gene therapy viral vectors", "bioproduction de vecteurs AAV",
    "cell therapy manufacturing GMP", "formation aux bonnes pratiques de fabrication",
    "essais cliniques en hématologie", "tissue engineering", "banque de sang de cordon", "organoids",
)  # fmt: skip
EXPORTS = ("export_pairings_csv", "export_trip_csv")
EXPECTED = {"login": 302, "logout": 302, "interest": 302}  # every other request: 200
PARTNER = re.compile(r'name="partner_id" value="(\d+)"')
STANCES = ("interested", "intro_request", "clear")


@dataclass(frozen=True)
class Account:
    email: str
    password: str
    role: str
    org_id: int | None = None
    tracks: tuple[str, ...] = ()


@dataclass
class Results:
    """Latencies per kind of request, and the errors, of the measured period only."""

    measuring: bool = False
    seconds: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, seconds: float, error: str | None) -> None:
        """Record one request (ignored during the warm-up)."""
        if not self.measuring:
            return
        with self.lock:
            self.seconds[kind].append(seconds)
            if error:
                self.errors[kind].append(error)


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command line (see ``--help``)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20, help="simulated users (default 20)")
    parser.add_argument("--coordinators", type=int, default=5, help="of which coordinators (default 5)")
    parser.add_argument("--duration", type=float, default=60, help="measured seconds (default 60)")
    parser.add_argument("--warmup", type=float, default=10, help="seconds run before measuring (default 10)")
    parser.add_argument(
        "--workers", type=int, default=int(os.environ.get("WORKERS", max(2, os.cpu_count() or 2)))
    )
    parser.add_argument("--think", default="0.5:1.5", help="pause between requests, MIN:MAX seconds")
    parser.add_argument("--relogin", type=int, default=10, help="log out and in every N rounds (default 10)")
    parser.add_argument("--real-hash", action="store_true", help="production scrypt cost for the accounts")
    parser.add_argument(
        "--database",
        type=Path,
        default=Path(os.environ.get("PASSERELLE_DATABASE", ROOT / "data/passerelle.db")),
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary folder (database, server log)"
    )
    return parser.parse_args(argv)


def prepare(source: Path, folder: Path, args: argparse.Namespace) -> tuple[list[Account], list[int]]:
    """Copy the database into ``folder`` and add the load-test accounts; return them and the trip ids."""
    from app.backup import backup_database
    from app.db import connect, init_db
    from app.people.queries import record_consent
    from app.users import OWASP_SCRYPT_METHOD, create_user

    copy = folder / "passerelle.db"
    backup_database(source, copy)
    db = connect(copy)
    init_db(db)
    method = OWASP_SCRYPT_METHOD if args.real_hash else FAST_HASH
    orgs = list(db.query("SELECT id, short_name, collaboration_types FROM organisations ORDER BY id"))
    accounts = []
    for number in range(args.users):
        email = f"load-{number:02d}@load.passerelle.example.org"
        password = f"charge {secrets.token_urlsafe(12)} passerelle"
        if number < args.coordinators:
            record_consent(db, create_user(db, email, password, "coordinator", hash_method=method))
            accounts.append(Account(email, password, "coordinator"))
            continue
        org = orgs[(number * 7) % len(orgs)]
        record_consent(
            db, create_user(db, email, password, "member", [org["short_name"]], hash_method=method)
        )
        tracks = tuple(re.findall(r'"(\w+)"', org["collaboration_types"])) or ("staff_exchange",)
        accounts.append(Account(email, password, "member", org["id"], tracks))
    has_trips = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'published_meetings'").fetchone()
    trips = [row[0] for row in db.execute("SELECT id FROM trips ORDER BY id")] if has_trips else []
    db.close()
    build_index_snapshot(copy)
    return accounts, publish_trips(copy, trips)


def build_index_snapshot(copy: Path) -> None:
    """``flask index`` on the copy, as ``make serve``'s set-up does: workers then only map the snapshot."""
    env = {**os.environ, "PASSERELLE_DATABASE": str(copy)}
    flask = [str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "index"]
    done = subprocess.run(flask, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    print(done.stdout.strip() or done.stderr.strip()[-500:])


def worker_memory(master: int) -> list[tuple[int, int]]:
    """(RSS, PSS) in MB of each gunicorn worker: PSS counts shared pages once across the processes."""
    found = []
    for child in Path(f"/proc/{master}/task/{master}/children").read_text().split():
        fields = {}
        for line in Path(f"/proc/{child}/smaps_rollup").read_text().splitlines()[1:]:
            name, value, *_ = line.split()
            fields[name.rstrip(":")] = int(value)
        found.append((fields.get("Rss", 0) // 1024, fields.get("Pss", 0) // 1024))
    return found


def publish_trips(copy: Path, trips: list[int]) -> list[int]:
    """Plan and publish the trips in the copy with their own commands; return those with meetings.

    An unpublished trip exports a header row only, which would flatter the export's latency.
    """
    env = {**os.environ, "PASSERELLE_DATABASE": str(copy)}
    flask = [str(Path(sys.executable).parent / "flask"), "--app", "wsgi"]
    for trip in trips:
        for command in (["plan-trip", str(trip), "--time-limit", "5"], ["publish-trip", str(trip)]):
            subprocess.run([*flask, *command], cwd=ROOT, env=env, capture_output=True, check=False)
    from app.db import connect

    db = connect(copy)
    rows = (
        db.execute("SELECT DISTINCT trip_id FROM published_meetings ORDER BY trip_id").fetchall()
        if trips
        else []
    )
    db.close()
    return [row[0] for row in rows]


def gunicorn_command(port: int, workers: int) -> list[str]:
    """The command of ``make serve`` (several workers, no --preload), on ``port``.

    Without gunicorn's control socket: its default path is shared with any ``make serve`` running.
    """
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    return [
        gunicorn,
        "--no-control-socket",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--access-logfile",
        "-",
        "wsgi:app",
    ]


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class User(threading.Thread):
    """One simulated person: log in, then rounds of their role's requests until ``stop`` is set."""

    def __init__(self, account: Account, port: int, trips: list[int], results: Results, args, stop):
        super().__init__(daemon=True)
        self.account, self.trips, self.results, self.args, self.stop = account, trips, results, args, stop
        self.client = WebClient("127.0.0.1", port)
        self.rng = random.Random(account.email)
        low, high = (float(part) for part in args.think.split(":"))
        self.think = (low, high)

    def run(self) -> None:
        """Rounds until stopped; a failed login is recorded and retried after a pause."""
        rounds = 0
        while not self.stop.is_set():
            if rounds % self.args.relogin == 0 and not self.log_in(logout_first=rounds > 0):
                continue
            if self.account.role == "member":
                self.member_round()
            else:
                self.coordinator_round()
            rounds += 1

    def log_in(self, logout_first: bool) -> bool:
        """Log out (after the first time) and in again; True when signed in."""
        if logout_first:
            self.call("logout", "POST", "/auth/logout", {})
        try:
            self.client.get("/auth/login")  # the login page: cookie and CSRF token (not timed)
        except OSError:
            self.pause()
            return False
        form = {"email": self.account.email, "password": self.account.password}
        reply = self.call("login", "POST", "/auth/login", form)
        if reply is None or reply.status != 302:
            return False
        self.client.get("/auth/password")  # a page with the new session's CSRF token (not timed)
        return True

    def member_round(self) -> None:
        """A tab of suggestions, a stance on one partner shown there, now and then the directory."""
        track = self.rng.choice(self.account.tracks)
        base = f"/members/{self.account.org_id}/"
        reply = self.call("suggestions", "GET", f"{base}?track={track}")
        partners = PARTNER.findall(reply.text) if reply is not None else []
        if partners:
            form = {"partner_id": self.rng.choice(partners), "track": track, "kind": self.rng.choice(STANCES)}
            self.call("interest", "POST", f"{base}interest", form)
            if self.rng.random() < 0.3:
                self.call("org_page", "GET", f"/organisations/{self.rng.choice(partners)}")
        if self.rng.random() < 0.3:
            self.call("directory", "GET", "/organisations/")
        if self.rng.random() < 0.3:
            self.call("search", "GET", "/organisations/", query={"q": self.rng.choice(QUERIES)})

    def coordinator_round(self) -> None:
        """The review queue, the approved pairings as CSV, a published trip as CSV."""
        self.call("queue", "GET", "/coordination/")
        self.call("export_pairings_csv", "GET", "/exports/pairings.csv")
        extra = self.rng.choice(("network", "dashboard", "trips"))
        self.call(extra, "GET", COORDINATOR_PAGES[extra])
        if self.trips:
            trip = self.rng.choice(self.trips)
            self.call("trip_page", "GET", f"/trips/{trip}/published")
            self.call("export_trip_csv", "GET", f"/exports/trips/{trip}.csv")

    def call(self, kind: str, method: str, path: str, form: dict | None = None, query: dict | None = None):
        """One timed request, recorded; then the think time. Returns the reply, or None on failure."""
        wanted = (EXPECTED.get(kind, 200),)
        if query:
            path = f"{path}?{urlencode(query)}"
        try:
            reply = self.client.post(path, form) if method == "POST" else self.client.get(path)
        except OSError as error:
            self.results.add(kind, self.client.timeout, f"{type(error).__name__}: {error}")
            self.pause()
            return None
        error = None if reply.status in wanted else f"{method} {path}: status {reply.status}"
        self.results.add(kind, reply.seconds, error)
        self.pause()
        return reply

    def pause(self) -> None:
        self.stop.wait(self.rng.uniform(*self.think))


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile of ``values`` (share in 0..1)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1))]


def report(results: Results, seconds: float) -> str:
    """The table of requests/s, percentiles and errors per kind, pages and exports together."""
    groups = {kind: values for kind, values in sorted(results.seconds.items())}
    groups["pages (all but login, logout, exports)"] = [v for k in PAGES for v in results.seconds.get(k, [])]
    groups["exports"] = [v for k in EXPORTS for v in results.seconds.get(k, [])]
    groups["all"] = [v for values in results.seconds.values() for v in values]
    columns = ("count", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors")
    lines = [f"{'request':<40} " + " ".join(f"{column:>7}" for column in columns)]
    for kind, values in groups.items():
        if not values:
            continue
        errors = sum(len(results.errors.get(k, [])) for k in _kinds(kind, results))
        ms = [1000 * percentile(values, share) for share in (0.5, 0.95, 0.99, 1.0)]
        lines.append(
            f"{kind:<40} {len(values):>7} {len(values) / seconds:>7.1f} "
            + " ".join(f"{value:>7.0f}" for value in ms)
            + f" {errors:>7}"
        )
    return "\n".join(lines)


def _kinds(group: str, results: Results) -> list[str]:
    if group.startswith("pages"):
        return list(PAGES)
    if group == "exports":
        return list(EXPORTS)
    if group == "all":
        return list(results.errors)
    return [group]


def run(args: argparse.Namespace) -> int:
    """Prepare, serve, load, report; 0 when there were no errors and every page met its p95 target
    (issue 14: 200 ms, or 300 ms from 50,000 organisations)."""
    folder = Path(tempfile.mkdtemp(prefix="passerelle-load-"))
    server = None
    try:
        accounts, trips = prepare(args.database, folder, args)
        port = free_port()
        env = {**os.environ, "PASSERELLE_DATABASE": str(folder / "passerelle.db")}
        env.update(PASSERELLE_SECRET_KEY=secrets.token_hex(32), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
        log = (folder / "server.log").open("w")
        server = subprocess.Popen(
            gunicorn_command(port, args.workers), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        WebClient("127.0.0.1", port).wait_until_up(120)
        results, stop = Results(), threading.Event()
        users = [User(account, port, trips, results, args, stop) for account in accounts]
        for user in users:
            user.start()
        time.sleep(args.warmup)
        results.measuring = True
        started = time.monotonic()
        time.sleep(args.duration)
        results.measuring = False
        measured = time.monotonic() - started
        stop.set()
        for user in users:
            user.join(timeout=60)
        memory = worker_memory(server.pid)
        with sqlite3.connect(folder / "passerelle.db") as counted:
            orgs = counted.execute("SELECT COUNT(*) FROM organisations").fetchone()[0]
        target = 300 if orgs >= 50_000 else 200
        code = _print_summary(args, results, measured, len(trips), folder, target)
        print("Workers' memory, MB (RSS / PSS): " + ", ".join(f"{rss} / {pss}" for rss, pss in memory))
        return code
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


def _print_summary(args, results: Results, measured: float, trips: int, folder: Path, target: int) -> int:
    hashing = "production scrypt N=2^17" if args.real_hash else f"cheap {FAST_HASH} (production: N=2^17)"
    print(
        f"Passerelle load test: {args.users} users ({args.users - args.coordinators} members, "
        f"{args.coordinators} coordinators), {measured:.0f} s measured after {args.warmup:.0f} s of warm-up; "
        f"gunicorn {args.workers} sync workers on 127.0.0.1, {os.cpu_count()} CPUs shared with this driver; "
        f"think time {args.think} s; re-login every {args.relogin} rounds; password hashes {hashing}; "
        f"{trips} trip(s) with published meetings to export."
    )
    print(report(results, measured))
    errors = [message for messages in results.errors.values() for message in messages]
    for message in sorted(set(errors))[:10]:
        print(f"  error: {message} (x{errors.count(message)})")
    pages = [v for k in PAGES for v in results.seconds.get(k, [])]
    p95 = 1000 * percentile(pages, 0.95) if pages else float("nan")
    each = {k: 1000 * percentile(results.seconds[k], 0.95) for k in PAGES if results.seconds.get(k)}
    slowest = max(each, key=each.get) if each else "none"
    print(
        f"Errors: {len(errors)} (target 0). Pages p95: {p95:.0f} ms; slowest page {slowest}, p95 "
        f"{each.get(slowest, float('nan')):.0f} ms (target: every page <= {target} ms)."
    )
    if args.keep:
        print(f"Database and server log kept in {folder}")
    return 0 if not errors and each and max(each.values()) <= target else 1


if __name__ == "__main__":
    sys.exit(run(parse_args(sys.argv[1:])))
