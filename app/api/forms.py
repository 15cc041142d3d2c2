"""The account page's token forms; both carry a CSRF token (Flask-WTF)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from app.api.tokens import MAX_NAME_LENGTH


class TokenForm(FlaskForm):
    name = StringField(
        _l("Name of the new token"),
        validators=[
            DataRequired(_l("Give the token a name, such as the script or tool that will use it.")),
            Length(max=MAX_NAME_LENGTH, message=_l("At most %(n)d characters, please.", n=MAX_NAME_LENGTH)),
        ],
    )


class RevokeForm(FlaskForm):
    """Revoke one token: only the CSRF token travels."""
