"""Who may see what: deny by default, roles, and the one ownership check on organisations."""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import Flask, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user

from app.api.tokens import bearer_secret, user_for_token
from app.auth import queries
from app.db import get_db
from app.errors import render_error
from app.orgs.queries import get_organisation

login_manager = LoginManager()
# Reachable without an account: the login form, the signed links of mails (password, unsubscribe),
# the static files and the API's description.
PUBLIC_ENDPOINTS = frozenset(
    {
        "auth.login",
        "auth.forgot",
        "auth.set_password",
        "notifications.unsubscribe",
        "hosting.link",
        "calendars.feed",
        "static",
        "api.openapi_document",
    }
)
# Reachable while a new password is due (invited accounts, resets).
PASSWORD_DUE_ENDPOINTS = frozenset({"auth.password", "auth.logout", "static"})
# The JSON API takes bearer tokens only, never the session cookie: a page on another site cannot make
# a browser send a token, so the API needs no CSRF token (its blueprint is exempt).
API_PREFIX = "/api/"


def init_app(app: Flask) -> None:
    """Wire flask-login to the server-side sessions and require a login everywhere."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.localize_callback = str  # flash a plain string: the session cannot hold a lazy one
    app.before_request(require_login)


@login_manager.user_loader
def _load_user(token: str) -> queries.User | None:
    if request.path.startswith(API_PREFIX):
        return None  # a session cookie is no credential for the API
    return queries.load_session(get_db(), token, current_app.config["SESSION_IDLE_SECONDS"])


@login_manager.request_loader
def _load_api_user(req) -> queries.User | None:
    """The user of an API request's ``Authorization: Bearer`` token, if it is live."""
    secret = bearer_secret(req.headers.get("Authorization"))
    if not req.path.startswith(API_PREFIX) or secret is None:
        return None
    return user_for_token(get_db(), secret)


def require_login():
    """Deny by default: every endpoint but the public ones needs a signed-in user."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if request.path.startswith(API_PREFIX):
        return _require_api_token()
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.must_change_password and request.endpoint not in PASSWORD_DUE_ENDPOINTS:
        flash(_("Choose your own password before you go on."), "info")
        return redirect(url_for("auth.password"))
    return None


def _require_api_token():
    """401 with a Bearer challenge without a live token; 403 while the user's password is due."""
    if not current_user.is_authenticated:
        challenge = 'Bearer realm="Passerelle API"'
        if "Authorization" in request.headers:
            challenge += ', error="invalid_token"'
        return render_error(401, headers={"WWW-Authenticate": challenge})
    if current_user.must_change_password:
        return render_error(403, "Choose your own password on the web site before using the API.")
    return None


def role_required(*roles: str) -> Callable:
    """Let only users with one of ``roles`` through; others get 403."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def get_org_or_404(org_id: int, check_member: bool = True) -> dict:
    """The organisation, or 404; with ``check_member``, 403 unless the user may act for it."""
    org = get_organisation(get_db(), org_id)
    if org is None:
        abort(404)
    if check_member and not current_user.may_act_for(org_id):
        abort(403)
    return org
