"""People on the web: contact persons of an organisation, the consent notice, "My data"."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from flask_wtf import FlaskForm

from app.auth.access import get_org_or_404
from app.db import get_db
from app.operations import people
from app.people import queries
from app.people.forms import ConsentForm, ContactForm, DeleteDataForm
from app.redirects import redirect_within
from models.errors import InvalidInput, NotFound

bp = Blueprint("people", __name__)
# Reachable while the consent notice waits for an answer.
CONSENT_ENDPOINTS = frozenset({"people.consent", "auth.logout", "static"})


@bp.route("/organisations/<int:org_id>/contacts/new", methods=["GET", "POST"])
def new_contact(org_id: int):
    """Add a contact person to an organisation one may act for."""
    return _contact_form(get_org_or_404(org_id), None)


@bp.route("/organisations/<int:org_id>/contacts/<int:contact_id>", methods=["GET", "POST"])
def edit_contact(org_id: int, contact_id: int):
    """Change one contact person of an organisation one may act for."""
    org = get_org_or_404(org_id)
    return _contact_form(org, _contact_or_404(org, contact_id))


@bp.post("/organisations/<int:org_id>/contacts/<int:contact_id>/delete")
def delete_contact(org_id: int, contact_id: int):
    """Remove one contact person."""
    org = get_org_or_404(org_id)
    contact = _contact_or_404(org, contact_id)
    if not FlaskForm().validate_on_submit():  # the CSRF token only
        abort(400)
    people.remove_contact(get_db(), current_user, org_id, contact_id)
    flash(
        _("%(name)s is no longer a contact person of %(org)s.", name=contact["name"], org=org["short_name"]),
        "info",
    )
    return redirect(url_for("members.edit", org_id=org_id) + "#contacts")


def _contact_or_404(org: dict, contact_id: int) -> dict:
    try:
        return people.contact_of(get_db(), org["id"], contact_id)
    except NotFound:
        abort(404)


def _contact_form(org: dict, contact: dict | None):
    form = ContactForm(data=contact)
    if form.validate_on_submit():  # the CSRF token; the operation judges the fields
        try:
            if contact is None:
                saved = people.add_contact(get_db(), current_user, org["id"], form.record())
            else:
                saved = people.change_contact(get_db(), current_user, org["id"], contact["id"], form.record())
        except InvalidInput as error:
            form.refused(error)
        else:
            flash(_("The contact person %(name)s is saved.", name=saved["name"]), "success")
            return redirect(url_for("members.edit", org_id=org["id"]) + "#contacts")
    if form.is_submitted():
        flash(_("The contact person was not saved: correct the fields marked below."), "error")
    status = 400 if form.is_submitted() else 200
    return render_template("people/contact.html", form=form, org=org, contact=contact), status


@bp.route("/account/consent", methods=["GET", "POST"])
def consent():
    """The privacy notice a person accepts, once, before using Passerelle; the date is kept."""
    db = get_db()
    if not queries.consent_due(db, current_user.id):
        return redirect(url_for("index"))
    form = ConsentForm()
    if form.validate_on_submit():
        queries.record_consent(db, current_user.id, form.name.data)
        flash(
            _("Thank you. Your consent is recorded; you can see or delete your data in “My data”."), "success"
        )
        return redirect_within(request.args.get("next"), url_for("index"))
    status = 400 if form.is_submitted() else 200
    return render_template("people/consent.html", form=form), status


def consent_required():
    """Before any page: a person who has not accepted the notice yet is sent to it first."""
    if not current_user.is_authenticated or request.endpoint in CONSENT_ENDPOINTS:
        return None  # the login check (app.auth.access) ran first; the API takes no cookie
    if request.path.startswith("/api/") or current_user.must_change_password:
        return None  # a password to choose comes first
    if queries.consent_due(get_db(), current_user.id):
        return redirect(
            url_for("people.consent", next=request.full_path if request.method == "GET" else None)
        )
    return None


@bp.get("/account/data")
def my_data():
    """“My data”: what Passerelle holds about the signed-in person, to read, download or delete."""
    data = queries.personal_data(get_db(), current_user.id)
    return render_template("people/my_data.html", data=data, form=DeleteDataForm(formdata=None))


@bp.get("/account/data.json")
def download_data():
    """The same data as a JSON file."""
    data = queries.personal_data(get_db(), current_user.id)
    body = json.dumps(data, ensure_ascii=False, indent=2)
    headers = {"Content-Disposition": 'attachment; filename="passerelle-my-data.json"'}
    return Response(body, mimetype="application/json", headers=headers)


@bp.post("/account/data/delete")
def delete_data():
    """Delete the person's account and contact entries and erase what they wrote, once confirmed."""
    db = get_db()
    form = DeleteDataForm()
    if not form.validate_on_submit():
        flash(_("Nothing was deleted: tick the box to confirm."), "error")
        data = queries.personal_data(db, current_user.id)
        return render_template("people/my_data.html", data=data, form=form), 400
    try:
        queries.delete_personal_data(db, current_user.id)
    except queries.PersonalDataError:
        flash(
            _("You are the last administrator: make someone else administrator first. Nothing was deleted."),
            "error",
        )
        return redirect(url_for("people.my_data"))
    logout_user()
    lang = session.get("lang")
    session.clear()  # a new CSRF token too; the language choice stays
    if lang:
        session["lang"] = lang
    flash(_("Your account and your personal data have been deleted."), "info")
    return redirect(url_for("auth.login"))
