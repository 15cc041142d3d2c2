"""Passerelle's web layer: ``create_app`` builds a configured Flask app."""

from __future__ import annotations

import os
import secrets
from contextlib import suppress
from pathlib import Path

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface
from flask_babel import Babel, get_locale
from flask_wtf.csrf import CSRFProtect, generate_csrf
from jinja2 import FileSystemBytecodeCache
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from app.config import PROJECT_ROOT, load
from app.db import row_id
from app.i18n import LANGUAGES, select_locale, select_timezone

__all__ = ["LANGUAGES", "PROJECT_ROOT", "create_app", "select_locale"]

csrf = CSRFProtect()
babel = Babel()


class SessionInterface(SecureCookieSessionInterface):
    """Signed cookie sessions whose cookie is Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app from :func:`app.config.load`: defaults, then the environment, then ``test_config``."""
    config = load(test_config)
    app = Flask(__name__, instance_path=str(Path(config["INSTANCE_PATH"]).resolve()))
    app.config.from_mapping(config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(Path(app.instance_path))
    if app.config["PROXY_FIX"]:
        # Behind one reverse proxy: trust its X-Forwarded-For and -Proto (client address, HTTPS).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    app.session_interface = SessionInterface()

    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
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
    from app.audit import routes as audit_routes
    from app.auth import access
    from app.auth import routes as auth_routes
    from app.calendars import routes as calendars_routes
    from app.coordination import routes as coordination_routes
    from app.coordination.cli import decide_command, propose_command
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
    app.jinja_env.bytecode_cache = _template_cache(Path(app.instance_path))
    db.init_app(app)
    cli.init_app(app)
    engine_cli.init_app(app)
    app.cli.add_command(propose_command)
    app.cli.add_command(decide_command)
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
        audit_routes,
    ):
        app.register_blueprint(module.bp)
    api_routes.init_app(app)  # the JSON API: bearer tokens only, hence exempt from CSRF
    app.add_url_rule("/", endpoint="index", view_func=auth_routes.home)


def _template_cache(instance_path: Path) -> FileSystemBytecodeCache:
    """Compiled templates kept in the instance folder: a new worker loads all 65 in about 15 ms instead
    of compiling them in 0.5 s (a source edit changes its checksum, so it is compiled again)."""
    folder = instance_path / "templates-cache"
    with suppress(OSError):  # not writable: Jinja then compiles in memory, as without the cache
        folder.mkdir(parents=True, exist_ok=True)
    return FileSystemBytecodeCache(str(folder))


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
