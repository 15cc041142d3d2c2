"""User management, for administrators only."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.admin import queries
from app.admin.forms import AccessForm, ActionForm, InviteForm
from app.auth.access import role_required
from app.auth.links import max_age_hours
from app.auth.queries import get_user, org_ids_of
from app.db import get_db
from app.i18n import de_name
from app.users import UserError

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@role_required("admin")
def _admins_only():
    """Every page here is for administrators."""


@bp.get("/users")
def users():
    """Every account with its role, organisations and sessions."""
    return render_template("admin/users.html", users=queries.list_users(get_db()), action=ActionForm())


@bp.route("/users/new", methods=["GET", "POST"])
def invite():
    """Create an account and mail its invitation link."""
    db = get_db()
    form = InviteForm()
    form.orgs.choices = queries.org_choices(db)
    if form.validate_on_submit():
        if queries.email_taken(db, form.email.data):
            form.email.errors.append(_("An account with this email already exists."))
        else:
            try:
                queries.invite(
                    db,
                    form.email.data,
                    form.role.data,
                    queries.short_names(db, form.orgs.data),
                    current_app.config["PASSWORD_HASH_METHOD"],
                    form.language.data,
                    actor_id=current_user.id,
                )
            except UserError as error:
                form.email.errors.append(str(error))
            else:
                flash(
                    ngettext(
                        "The invitation to %(email)s is on its way. Its link works for %(num)d hour.",
                        "The invitation to %(email)s is on its way. Its link works for %(num)d hours.",
                        max_age_hours("invite"),
                        email=form.email.data.strip().lower(),
                    ),
                    "success",
                )
                return redirect(url_for("admin.users"))
    status = 400 if form.is_submitted() else 200
    return render_template("admin/invite.html", form=form), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit(user_id: int):
    """Change a user's role and organisations."""
    db = get_db()
    user = _user_or_404(user_id)
    form = AccessForm(data={"role": user["role"], "orgs": list(org_ids_of(db, user_id))})
    form.orgs.choices = queries.org_choices(db)
    if form.validate_on_submit():
        if user_id == current_user.id and form.role.data != "admin":
            form.role.errors.append(_("You cannot remove your own administrator role."))
        else:
            queries.update_access(db, user_id, form.role.data, form.orgs.data, actor_id=current_user.id)
            flash(_("The access of %(email)s has been saved.", email=de_name(user["email"])), "success")
            return redirect(url_for("admin.users"))
    status = 400 if form.is_submitted() else 200
    return render_template("admin/edit.html", form=form, user=user, action=ActionForm()), status


@bp.post("/users/<int:user_id>/deactivate")
def deactivate(user_id: int):
    """Deactivate an account: its sessions end at once."""
    if user_id == current_user.id:
        return _refused(user_id, _("You cannot deactivate your own account."))
    email = _set_active(user_id, False)
    flash(_("%(email)s is deactivated and logged out everywhere.", email=email), "success")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/activate")
def activate(user_id: int):
    """Let a deactivated account log in again."""
    flash(_("%(email)s can log in again.", email=_set_active(user_id, True)), "success")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/reset-password")
def reset_password(user_id: int):
    """Mail the user a link to choose a new password."""
    if user_id == current_user.id:
        return _refused(user_id, _("Change your own password with the password form instead."))
    user = _user_or_404(user_id)
    if not user["active"]:
        return _refused(user_id, _("Activate the account first: a deactivated account cannot use a link."))
    if queries.send_reset_link(get_db(), user) == "invite":
        flash(
            _("The invitation is on its way to %(email)s again, with a new link.", email=user["email"]),
            "success",
        )
    else:
        flash(
            _("A link to choose a new password is on its way to %(email)s.", email=user["email"]), "success"
        )
    return redirect(url_for("admin.edit", user_id=user_id))


def _set_active(user_id: int, active: bool) -> str:
    """Activate or deactivate an account (404 when there is none); its email."""
    user = _user_or_404(user_id)
    queries.set_active(get_db(), user_id, active, actor_id=current_user.id)
    return user["email"]


def _refused(user_id: int, why: str):
    """Back to the account's page with why nothing was done."""
    flash(why, "error")
    return redirect(url_for("admin.edit", user_id=user_id))


def _user_or_404(user_id: int) -> dict:
    user = get_user(get_db(), user_id)
    if user is None:
        abort(404)
    return user
