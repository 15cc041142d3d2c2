"""The API tokens section of the account page: create a token (its secret shown once), revoke one."""

from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.api.forms import RevokeForm, TokenForm
from app.api.tokens import MAX_ACTIVE_TOKENS, active_tokens, create_token, revoke_token
from app.auth.forms import PasswordForm
from app.db import MAX_ROW_ID, get_db

bp = Blueprint("api_tokens", __name__, url_prefix="/auth/tokens")


@bp.post("")
def create():
    """Make a token for the signed-in user and show its secret, once."""
    form = TokenForm()
    if not form.validate_on_submit():
        return _account_page(form, 400)
    db = get_db()
    if len(active_tokens(db, current_user.id)) >= MAX_ACTIVE_TOKENS:
        form.name.errors.append(
            _("You already have %(n)d tokens. Revoke one you no longer use first.", n=MAX_ACTIVE_TOKENS)
        )
        return _account_page(form, 400)
    _token_id, secret = create_token(db, current_user.id, form.name.data)
    page = render_template("api/token_created.html", name=form.name.data.strip(), secret=secret)
    response = make_response(page)
    response.headers["Cache-Control"] = "no-store"  # the secret must not stay in a cache
    return response


@bp.post(f"/<int(max={MAX_ROW_ID}):token_id>/revoke")
def revoke(token_id: int):
    """Revoke one of the user's tokens; it stops working at once."""
    if not RevokeForm().validate_on_submit():
        abort(400)
    if not revoke_token(get_db(), current_user.id, token_id):
        abort(404)
    flash(_("The token is revoked: it no longer works."), "success")
    return redirect(url_for("auth.password") + "#api-tokens")


def _account_page(token_form: TokenForm, status: int):
    """The account page again, with the token form as the person filled it."""
    page = render_template("auth/password.html", form=PasswordForm(formdata=None), token_form=token_form)
    return page, status


@bp.app_context_processor
def _token_helpers() -> dict:
    """Let the account page list the user's tokens and show an empty form (only when it asks)."""
    return {
        "api_token_list": lambda: active_tokens(get_db(), current_user.id),
        "new_token_form": lambda: TokenForm(formdata=None),
    }
