"""Login, logout, password change, and the home page that sends each role to its start page."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_user, logout_user

from app.auth import links, queries, throttle
from app.auth.forms import ForgotForm, LoginForm, NewPasswordForm, PasswordForm
from app.db import get_db
from app.redirects import redirect_within
from app.users import hash_password, password_problem, verify_password

bp = Blueprint("auth", __name__, url_prefix="/auth")
_DUMMY_HASHES: dict[str, str] = {}


def home():
    """Send each role to its start page."""
    if current_user.role == "member":
        return redirect(url_for("members.home"))
    if current_user.role == "admin":
        return redirect(url_for("admin.users"))
    return redirect(url_for("coordination.queue"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Check the email and password; on success start a fresh session."""
    if current_user.is_authenticated:
        return redirect(url_for("index"))
    form = LoginForm(next=request.args.get("next", ""))
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), 400 if form.is_submitted() else 200
    db = get_db()
    attempt = throttle.reserve(db, form.email.data, request.remote_addr, _limits())
    if attempt is None:
        flash(_("Too many failed attempts. Wait a few minutes, then try again."), "error")
        return render_template("auth/login.html", form=form), 429
    user = queries.find_user(db, form.email.data)
    if not _password_matches(user, form.password.data) or not user["active"]:
        if user is not None and user["active"]:
            queries.record_failed_sign_in(db, user["id"])
        flash(_("The email or the password is not correct."), "error")
        return render_template("auth/login.html", form=form), 401
    throttle.succeeded(db, attempt)
    _start_fresh_session(user)
    return redirect_within(form.next.data, url_for("index"))


@bp.post("/logout")
def logout():
    """End this session on the server too: a copy of the cookie no longer works."""
    queries.end_session(get_db(), current_user.token)
    logout_user()
    _clear_session()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
def password():
    """Change one's password; every other session of the user ends."""
    form = PasswordForm()
    if not form.validate_on_submit():
        return render_template("auth/password.html", form=form), 400 if form.is_submitted() else 200
    db = get_db()
    attempt = throttle.reserve(db, current_user.email, request.remote_addr, _limits())
    if attempt is None:
        flash(_("Too many failed attempts. Wait a few minutes, then try again."), "error")
        return render_template("auth/password.html", form=form), 429
    user = queries.get_user(db, current_user.id)
    if not verify_password(user["password_hash"], form.current_password.data):
        form.current_password.errors.append(_("The current password is not correct."))
        return render_template("auth/password.html", form=form), 400
    throttle.succeeded(db, attempt)
    if password_problem(form.new_password.data, email=user["email"]):
        form.new_password.errors.append(
            _("This password is too easy to guess. Use a longer phrase of several unrelated words.")
        )
        return render_template("auth/password.html", form=form), 400
    method = current_app.config["PASSWORD_HASH_METHOD"]
    queries.set_password(db, user["id"], hash_password(form.new_password.data, method))
    _start_fresh_session(queries.get_user(db, user["id"]))
    flash(
        _(
            "Your password has been changed. Your other sessions have been logged out "
            "and your API tokens no longer work."
        ),
        "success",
    )
    return redirect(url_for("index"))


@bp.route("/forgot", methods=["GET", "POST"])
def forgot():
    """Mail a reset link; the answer is the same whether or not an account uses the address."""
    form = ForgotForm()
    if not form.validate_on_submit():
        return render_template("auth/forgot.html", form=form), 400 if form.is_submitted() else 200
    db = get_db()
    # Counted like logins, on a counter of its own per account (reset requests must not lock the
    # login) and on the address's shared one.
    if throttle.reserve(db, "reset:" + form.email.data, request.remote_addr, _limits()) is None:
        flash(_("Too many requests. Wait a few minutes, then try again."), "error")
        return render_template("auth/forgot.html", form=form), 429
    user = queries.find_user(db, form.email.data)
    if user is not None and user["active"]:
        links.send_link(db, user["id"], "reset")
    flash(
        ngettext(
            "If an account uses this address, a link to choose a new password is on its way. "
            "It works for %(num)d hour.",
            "If an account uses this address, a link to choose a new password is on its way. "
            "It works for %(num)d hours.",
            links.max_age_hours("reset"),
        ),
        "info",
    )
    return redirect(url_for("auth.login"))


@bp.route("/link/<any(invite, reset):purpose>/<token>", methods=["GET", "POST"])
def set_password(purpose: str, token: str):
    """The page a signed link opens: choose a password, once."""
    db = get_db()
    try:
        user = links.check_link(db, purpose, token)
    except links.LinkError as error:
        return render_template("auth/link_dead.html", reason=error.reason, purpose=purpose), 410
    session.setdefault("lang", user["language"])  # the page speaks the language of the mail
    form = NewPasswordForm()
    if not form.validate_on_submit():
        page = render_template("auth/set_password.html", form=form, purpose=purpose, email=user["email"])
        return page, 400 if form.is_submitted() else 200
    if password_problem(form.new_password.data, email=user["email"]):
        form.new_password.errors.append(
            _("This password is too easy to guess. Use a longer phrase of several unrelated words.")
        )
        return render_template("auth/set_password.html", form=form, purpose=purpose, email=user["email"]), 400
    password_hash = hash_password(form.new_password.data, current_app.config["PASSWORD_HASH_METHOD"])
    try:
        links.use_link(db, purpose, token, password_hash)
    except links.LinkError as error:  # used meanwhile, in another tab
        return render_template("auth/link_dead.html", reason=error.reason, purpose=purpose), 410
    if current_user.is_authenticated:
        logout_user()
    _clear_session()
    flash(_("Your password is saved. Log in with it."), "success")
    return redirect(url_for("auth.login"))


def _limits() -> throttle.Limits:
    config = current_app.config
    return throttle.Limits(
        config["LOGIN_MAX_FAILURES_PER_ACCOUNT"],
        config["LOGIN_MAX_FAILURES_PER_ADDRESS"],
        config["LOGIN_WINDOW_SECONDS"],
    )


def _password_matches(user: dict | None, password: str) -> bool:
    """Check the password; without a user, hash anyway so the answer takes as long."""
    if user is None:
        method = current_app.config["PASSWORD_HASH_METHOD"]
        if method not in _DUMMY_HASHES:
            _DUMMY_HASHES[method] = hash_password("no such user, no such password", method)
        verify_password(_DUMMY_HASHES[method], password)
        return False
    return verify_password(user["password_hash"], password)


def _clear_session() -> None:
    """Empty the cookie session (new CSRF token too), keeping only the language choice."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def _start_fresh_session(user: dict) -> None:
    """Renew the session at login: a new server-side token in an emptied cookie."""
    _clear_session()
    token = queries.start_session(get_db(), user, request.user_agent.string)
    orgs = queries.org_ids_of(get_db(), user["id"])
    login_user(
        queries.User(user["id"], user["email"], user["role"], orgs, bool(user["must_change_password"]), token)
    )
