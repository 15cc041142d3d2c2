"""Editing an organisation's profile: every import field plus topics; the worker then re-embeds it.

Beside it, the version of the texts in the other language (never embedded, so no engine job).
"""

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
from app.i18n import de_name, label
from app.members import queries
from app.members.forms import ProfileForm, TranslationForm
from app.operations import organisations
from app.orgs.queries import get_organisation, translations_of
from app.people.queries import contacts_of
from models.errors import PasserelleError
from models.profiles import TEXT_FIELDS
from models.vocabulary import LANGUAGES


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
    translation = _translation_form(db, org, formdata=None)
    return _page(db, org, form, translation, 400 if form.is_submitted() else 200)


def edit_translation(org_id: int):
    """Save the profile's version in the other language (POST from the profile page)."""
    db = get_db()
    org = get_org_or_404(org_id)
    form = _translation_form(db, org)
    if form.validate_on_submit():
        lang = other_language(org)
        try:
            organisations.save_translation(
                db, current_user, org_id, lang, form.texts(), expected_updated_at=form.updated_at.data
            )
        except PasserelleError as error:
            flash_error(error)
        else:
            flash(label("profile_version_saved", lang), "success")
            return redirect(url_for("members.edit", org_id=org_id) + "#translation")
    else:
        flash(_("The second version was not saved: correct the fields marked below."), "error")
    profile_form = _profile_form(db, org)
    return _page(db, org, profile_form, form, 400)


def other_language(org: dict) -> str:
    """The language a second version of the profile is written in: the one its texts are not in."""
    return next(lang for lang in LANGUAGES if lang != org["text_language"])


def _profile_form(db, org: dict) -> ProfileForm:
    topics = [topic.id for topic in matching.org_topics(db, org["id"])]
    form = ProfileForm(formdata=None, data={**org, "topics": topics})
    locale = str(get_locale() or "fr")
    form.topics.choices = [SelectChoice(t.id, t.label(locale)) for t in matching.topic_vocabulary()]
    return form


def _translation_form(db, org: dict, **kwargs) -> TranslationForm:
    """The second-version form, filled with the stored version (and what was posted, unless
    ``formdata=None``); its fields are prefixed, as the profile form's have the same names."""
    version = translations_of(db, org["id"]).get(other_language(org), {})
    data = {field: version.get(field, "") for field in TEXT_FIELDS}
    return TranslationForm(prefix="translation", data={**data, "updated_at": org["updated_at"]}, **kwargs)


def _page(db, org: dict, form: ProfileForm, translation: TranslationForm, status: int):
    contacts = contacts_of(db, org["id"])
    lang = other_language(org)
    page = render_template(
        "members/profile.html",
        form=form,
        org=org,
        contacts=contacts,
        fullness=queries.profile_completeness(db, org),
        updating=engine_jobs.is_pending(db, org["id"]),
        translation=translation,
        translation_lang=lang,
        translation_title=label("profile_version", lang),
    )
    return page, status


def _flash_saved(db, saved: organisations.Saved) -> None:
    name = de_name(get_organisation(db, saved.org_id)["short_name"])
    if saved.suggestions_pending:
        flash(_("The profile of %(name)s is saved; its suggestions are being updated.", name=name), "success")
    else:
        flash(_("The profile of %(name)s is saved and its suggestions are updated.", name=name), "success")
