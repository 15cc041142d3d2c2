"""The in-app notifications, the unread count in the header, mail preferences and unsubscribing."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import csrf
from app.db import get_db
from app.errors import flash_error
from app.notifications import digest, queries
from app.notifications.events import shown
from app.notifications.forms import MarkReadForm, PreferencesForm
from models.errors import InvalidInput, PasserelleError

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.get("")
def index():
    """The person's notifications, newest first, unread ones marked."""
    items = [shown(row, current_user.org_ids) for row in queries.list_for(get_db(), current_user.id)]
    return render_template("notifications/index.html", items=items, form=MarkReadForm())


@bp.post("/read")
def mark_read():
    """Mark every notification read."""
    if not MarkReadForm().validate_on_submit():
        abort(400)
    queries.mark_all_read(get_db(), current_user.id)
    return redirect(url_for("notifications.index"))


@bp.post("/preferences")
def preferences():
    """Save the language of the person's mails and whether they get the digest."""
    form = PreferencesForm()
    if not form.validate_on_submit():  # the CSRF token, and a language among the choices
        flash_error(InvalidInput(code="unknown_mail_language"))
        return redirect(url_for("auth.password") + "#mail-preferences")
    try:
        queries.set_preferences(get_db(), current_user.id, form.language.data, form.digest.data)
    except PasserelleError as error:
        flash_error(error)
        return redirect(url_for("auth.password") + "#mail-preferences")
    flash(_("Your email preferences are saved."), "success")
    return redirect(url_for("auth.password") + "#mail-preferences")


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # a mail client's one-click POST (RFC 8058) has no CSRF token: the signed token stands for it
def unsubscribe(token: str):
    """Turn the weekly digest off from the link in a digest: GET asks, POST does it."""
    db = get_db()
    user_id = digest.user_of_unsubscribe_token(token)
    if user_id is None or db.execute("SELECT 1 FROM users WHERE id = ?", [user_id]).fetchone() is None:
        abort(404)
    if request.method == "POST":
        digest.set_digest(db, user_id, False)
        return render_template("notifications/unsubscribed.html")
    return render_template("notifications/unsubscribe.html", token=token)


@bp.app_context_processor
def _header_helpers() -> dict:
    """The unread count of the header, and the preferences form of the account page."""

    def unread() -> int:
        return queries.unread_count(get_db(), current_user.id) if current_user.is_authenticated else 0

    def preferences_form() -> PreferencesForm:
        return PreferencesForm(formdata=None, data=queries.preferences(get_db(), current_user.id))

    return {"unread_notifications": unread, "mail_preferences_form": preferences_form}
