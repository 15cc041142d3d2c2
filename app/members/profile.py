"""Editing an organisation's profile: every import field plus topics; the worker then re-embeds it."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from app import engine_jobs, matching
from app.auth.access import get_org_or_404
from app.db import get_db
from app.errors import flash_error
from app.i18n import de_name
from app.members.forms import ProfileForm
from app.operations import organisations
from app.orgs.queries import get_organisation
from app.people.queries import contacts_of
from models.completeness import completeness
from models.errors import PasserelleError


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
        picked = None if sorted(form.topics.data) == sorted(current_topics) else list(form.topics.data)
        try:
            saved = organisations.update_profile(
                db,
                current_user,
                org_id,
                form.record(),
                expected_updated_at=form.updated_at.data,
                topic_ids=picked,
                place=form.place(),
            )
        except PasserelleError as error:
            flash_error(error)
        else:
            _flash_saved(db, saved)
            return redirect(url_for("members.suggestions", org_id=org_id))
    elif form.is_submitted():
        flash(_("The profile was not saved: correct the fields marked below."), "error")
    status = 400 if form.is_submitted() else 200
    contacts = contacts_of(db, org_id)
    fullness = completeness(org, len(contacts))
    page = render_template(
        "members/profile.html",
        form=form,
        org=org,
        contacts=contacts,
        fullness=fullness,
        updating=engine_jobs.is_pending(db, org_id),
    )
    return page, status


def _flash_saved(db, saved: organisations.Saved) -> None:
    name = de_name(get_organisation(db, saved.org_id)["short_name"])
    if saved.suggestions_pending:
        flash(_("The profile of %(name)s is saved; its suggestions are being updated.", name=name), "success")
    else:
        flash(_("The profile of %(name)s is saved and its suggestions are updated.", name=name), "success")
