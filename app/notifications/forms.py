"""The account's mail preferences; every form carries a CSRF token (Flask-WTF)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField

from app.i18n import choices


class PreferencesForm(FlaskForm):
    language = SelectField(_l("Language of my emails"), choices=choices("language"))
    digest = BooleanField(_l("Send me the weekly digest of new suggested partners"))


class MarkReadForm(FlaskForm):
    """Mark every notification read: only the CSRF token travels."""
