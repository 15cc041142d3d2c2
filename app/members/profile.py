"""Editing an organisation's profile: every import field plus topics; saving re-embeds that profile."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from app import matching
from app.auth.access import get_org_or_404
from app.db import get_db, immediate
from app.members.forms import ProfileForm
from app.orgs.queries import get_organisation, short_name_owner, update_organisation
from app.people.queries import contacts_of
from models.completeness import completeness
from models.errors import EmbeddingModelError
from models.profiles import validate_profile


def edit(org_id: int):
    """Show and save the profile form of an organisation the user may act for."""
    db = get_db()
    org = get_org_or_404(org_id)
    current_topics = [topic.id for topic in matching.org_topics(db, org_id)]
    form = ProfileForm(data={**org, "topics": current_topics})
    locale = str(get_locale() or "fr")
    form.topics.choices = [
        SelectChoice(topic.id, topic.label(locale)) for topic in matching.topic_vocabulary()
    ]
    if form.validate_on_submit():
        problem = _problem(db, org, form)
        if problem:
            flash(problem, "error")
        elif _save(db, org_id, form, current_topics):
            return redirect(url_for("members.suggestions", org_id=org_id))
        else:
            flash(_stale(), "error")
    elif form.is_submitted():
        flash(_("The profile was not saved: correct the fields marked below."), "error")
    status = 400 if form.is_submitted() else 200
    contacts = contacts_of(db, org_id)
    fullness = completeness(org, len(contacts))
    page = render_template("members/profile.html", form=form, org=org, contacts=contacts, fullness=fullness)
    return page, status


def _problem(db, org: dict, form: ProfileForm) -> str | None:
    """Why the edit cannot be saved as it is, in a sentence; None when it can."""
    if form.updated_at.data != org["updated_at"]:
        return _stale()
    other = short_name_owner(db, form.short_name.data.strip())  # any case: "efs bfc" is "EFS BFC"
    if other is not None and other["id"] != org["id"]:
        return _(
            "Another organisation already uses the short name %(name)s.", name=form.short_name.data.strip()
        )
    if form.region.data != org["region"] and _has_pairings(db, org["id"]):
        return _("The region cannot change while the organisation has pairings. Ask a coordinator.")
    _record, problems = validate_profile(form.record())
    if problems:  # the form's own checks catch these first; this is the import contract's last word
        return _("The profile was not saved: %(problems)s.", problems="; ".join(problems))
    return None


def _stale() -> str:
    return _(
        "Someone else saved this profile while you were editing it. Reload the page to see their changes."
    )


def _save(db, org_id: int, form: ProfileForm, current_topics: list[str]) -> bool:
    """Write the profile (and hand-picked topics), then re-embed this profile only; False when stale."""
    record, _problems = validate_profile(form.record())
    del record["status"]  # validation fills in the default; the stored status stays as it is
    with immediate(db):
        # Checked again under the write lock: of two saves of one version, only the first may pass.
        if get_organisation(db, org_id)["updated_at"] != form.updated_at.data:
            return False
        update_organisation(db, org_id, record)
        db.table("organisations").update(org_id, form.place())
        if sorted(form.topics.data) != sorted(current_topics):
            matching.set_org_topics(db, org_id, list(form.topics.data))
    try:
        matching.refresh_org(db, org_id)
    except EmbeddingModelError:
        current_app.logger.exception("re-embedding organisation %s failed", org_id)
        flash(
            _("The profile is saved, but the suggestions could not be updated now. Try again later."), "error"
        )
        return True
    name = get_organisation(db, org_id)["short_name"]
    flash(_("The profile of %(name)s is saved and its suggestions are updated.", name=name), "success")
    return True


def _has_pairings(db, org_id: int) -> bool:
    """True when the organisation is part of any pairing."""
    row = db.execute("SELECT 1 FROM pairings WHERE bfc_org_id = ? OR qc_org_id = ? LIMIT 1", [org_id, org_id])
    return row.fetchone() is not None
