"""Shared fixtures: an app on a fresh database per test, its client and CLI runner.

``seeded`` adds the 46 seeded profiles (embedded with the fake model) and one account per role;
``auth`` logs a test client in and out and sends forms with their CSRF token, as a browser does.
"""

from __future__ import annotations

import html as html_lib
import os
import re
import tempfile
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from app import create_app
from app.db import connect, init_db

# Cheap scrypt parameters keep the suite fast; test_users checks the production default.
TEST_HASH_METHOD = "scrypt:1024:8:1"
PASSWORD = "rivière lente sous la passerelle"
# name -> (email, role, organisations)
ACCOUNTS = {
    "admin": ("admin@test.example.org", "admin", ()),
    "coordinator": ("coord@test.example.org", "coordinator", ()),
    "member_bfc": ("efs@test.example.org", "member", ("EFS BFC",)),
    "member_qc": ("thecell@test.example.org", "member", ("ThéCell",)),
    "member_other": ("mcgill@test.example.org", "member", ("McGill / MUHC",)),
}
_CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
TRANSLATIONS = Path(__file__).resolve().parent.parent / "app" / "translations"


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogues():
    """Compile each .po whose .mo is missing or older, as `make setup` does (the .mo is not in git)."""
    for po_path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as handle:
            catalogue = read_po(handle)
        fd, temporary = tempfile.mkstemp(dir=mo_path.parent, suffix=".mo")
        with os.fdopen(fd, "wb") as handle:
            write_mo(handle, catalogue)
        os.replace(temporary, mo_path)  # atomic: a parallel run never reads half a file


def make_app(folder: Path, **config):
    """A test app (fake embedder, cheap password hashes) on a fresh, migrated database in ``folder``;
    ``config`` adds settings."""
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(folder / "instance"),
            "DATABASE": str(folder / "test.db"),
            "SECRET_KEY": "test-secret",
            "PASSWORD_HASH_METHOD": TEST_HASH_METHOD,
            "EMBEDDING_MODEL": "fake",
            **config,
        }
    )
    db = connect(app.config["DATABASE"])
    init_db(db)
    db.close()
    return app


@pytest.fixture
def app(tmp_path):
    return make_app(tmp_path)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def db(app):
    database = connect(app.config["DATABASE"])
    yield database
    database.close()


def seed_app(app) -> dict[str, int]:
    """Seed profiles, embed them with the configured model, create ACCOUNTS; return user ids."""
    from app import matching
    from app.db import get_db
    from app.people.queries import record_consent
    from app.seed import seed_organisations
    from app.users import create_user

    with app.app_context():
        db = get_db()
        seed_organisations(db)
        matching.sync(db)
        ids = {
            name: create_user(db, email, PASSWORD, role, orgs, hash_method=TEST_HASH_METHOD)
            for name, (email, role, orgs) in ACCOUNTS.items()
        }
        for user_id in ids.values():  # these people accepted the notice; tests/test_people.py shows it
            record_consent(db, user_id)
        return ids


@pytest.fixture
def seeded(app):
    """The app with the seeded profiles, their embeddings and one account per role."""
    app.user_ids = seed_app(app)
    return app


def actor(app, name: str):
    """The signed-in user an operation sees, for one of ACCOUNTS of the seeded app."""
    from app.auth.queries import User, org_ids_of

    database = connect(app.config["DATABASE"])
    try:
        user_id = app.user_ids[name]
        return User(user_id, ACCOUNTS[name][0], ACCOUNTS[name][1], org_ids_of(database, user_id))
    finally:
        database.close()


def org_id(db, short_name: str) -> int:
    """The id of a seeded organisation."""
    return db.execute("SELECT id FROM organisations WHERE short_name = ?", [short_name]).fetchone()[0]


class AuthActions:
    """Log in and out through the real forms, and post forms with the session's CSRF token."""

    def __init__(self, client):
        self.client = client

    def csrf_token(self, path: str = "/auth/login") -> str:
        """The CSRF token of the current session, read from a page as a browser would."""
        page = self.client.get(path)
        match = _CSRF_META.search(page.get_data(as_text=True))
        assert match, f"no CSRF token on {path} (status {page.status_code})"
        return match.group(1)

    def login(self, who: str = "member_bfc", password: str = PASSWORD, **extra):
        """Post the login form for one of ACCOUNTS (or an email); return the response."""
        email = ACCOUNTS[who][0] if who in ACCOUNTS else who
        token = self.csrf_token()
        return self.client.post(
            "/auth/login", data={"email": email, "password": password, "csrf_token": token, **extra}
        )

    def logout(self):
        """Post the logout form."""
        return self.client.post("/auth/logout", data={"csrf_token": self.csrf_token("/auth/password")})

    def post(self, path: str, data: dict | None = None, **kwargs):
        """Post a form with a valid CSRF token."""
        token = self.csrf_token("/auth/password")
        return self.client.post(path, data={**(data or {}), "csrf_token": token}, **kwargs)


@pytest.fixture
def auth(client, seeded):
    return AuthActions(client)


def page_text(response) -> str:
    """The page as a person reads it: HTML entities decoded."""
    return html_lib.unescape(response.get_data(as_text=True))


@pytest.fixture
def member(auth, client):
    """A member of a BFC organisation, logged in, with the interface in English."""
    auth.login("member_bfc")
    client.get("/auth/password?lang=en")
    return auth


@pytest.fixture
def coordinator(auth, client):
    """A coordinator, logged in, with the interface in English."""
    auth.login("coordinator")
    client.get("/auth/password?lang=en")
    return auth


@pytest.fixture
def api_tokens(seeded) -> dict[str, str]:
    """An API token for each of ACCOUNTS (name -> secret), on the seeded app."""
    from app.api.tokens import create_token

    database = connect(seeded.config["DATABASE"])
    try:
        users = seeded.user_ids.items()
        return {name: create_token(database, user_id, "tests")[1] for name, user_id in users}
    finally:
        database.close()


def bearer(secret: str) -> dict[str, str]:
    """The Authorization header of an API request."""
    return {"Authorization": f"Bearer {secret}"}


def deliver(app) -> list:
    """Run the worker once (mails become .eml files in MAIL_DIR without SMTP) and return every mail
    written so far, oldest first, as ``email.message.EmailMessage`` objects."""
    from email import message_from_bytes
    from email.policy import default

    from app.db import get_db
    from app.worker import drain

    with app.app_context():
        drain(get_db())
    folder = Path(app.config["MAIL_DIR"])
    files = sorted(folder.glob("*.eml"), key=lambda path: path.stat().st_mtime_ns) if folder.exists() else []
    return [message_from_bytes(path.read_bytes(), policy=default) for path in files]


def mail_text(message) -> str:
    """The plain-text part of a mail."""
    return message.get_body(preferencelist=("plain",)).get_content()


def mail_link(message) -> str:
    """The path of the first link to this site in a mail's text (scheme and host removed)."""
    match = re.search(r"https?://[^/\s]+(/\S+)", mail_text(message))
    assert match, mail_text(message)
    return match.group(1)


class SmtpCollector:
    """An aiosmtpd handler that keeps every message it accepts; ``hold_at`` makes the n-th mail
    (1-based) wait at RCPT until ``release`` is set, so a test can kill the sender mid-batch."""

    def __init__(self):
        import threading

        self.messages: list = []
        self.hold_at: int | None = None
        self.holding = threading.Event()
        self.release = threading.Event()
        self._rcpts = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        import asyncio

        self._rcpts += 1
        if self.hold_at is not None and self._rcpts == self.hold_at:
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.02)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes
        from email.policy import default

        self.messages.append(message_from_bytes(envelope.content, policy=default))
        return "250 Message accepted for delivery"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpServer:
    """A real SMTP server (aiosmtpd) on 127.0.0.1; ``start()``/``stop()`` it to play an outage."""

    def __init__(self, port: int):
        self.port = port
        self.collector = SmtpCollector()
        self._controller = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def messages(self) -> list:
        return self.collector.messages

    def start(self) -> SmtpServer:
        from aiosmtpd.controller import Controller

        self._controller = Controller(self.collector, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self.collector.release.set()
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp_server():
    """A started SMTP server on a free port of 127.0.0.1, stopped after the test."""
    server = SmtpServer(free_port()).start()
    yield server
    server.stop()


@pytest.fixture
def smtp_app(tmp_path, smtp_server):
    """The seeded app sending its mail to ``smtp_server``."""
    app = make_app(tmp_path, SMTP_URL=smtp_server.url)
    app.user_ids = seed_app(app)
    return app


def run_worker(app) -> None:
    """Drain the outbox once, as ``flask worker --burst`` does."""
    from app.db import get_db
    from app.worker import drain

    with app.app_context():
        drain(get_db())
