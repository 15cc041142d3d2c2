"""Login and password forms; every form carries a CSRF token (Flask-WTF)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SubmitField
from wtforms.validators import EqualTo, InputRequired, Length

from app.users import MIN_PASSWORD_LENGTH


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Email"), validators=[InputRequired(_l("Enter your email address.")), Length(max=320)]
    )
    password = PasswordField(
        _l("Password"), validators=[InputRequired(_l("Enter your password.")), Length(max=1000)]
    )
    next = HiddenField()
    submit = SubmitField(_l("Log in"))


def _new_password_fields() -> tuple[PasswordField, PasswordField]:
    """A new password and its confirmation, as the password page and a signed link both ask them."""
    new_password = PasswordField(
        _l("New password"),
        validators=[
            InputRequired(_l("Enter a new password.")),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=1000,
                message=_l("The new password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
            ),
        ],
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[EqualTo("new_password", _l("The two new passwords are not the same."))],
    )
    return new_password, confirm


class PasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[InputRequired(_l("Enter your current password.")), Length(max=1000)],
    )
    new_password, confirm = _new_password_fields()
    submit = SubmitField(_l("Change my password"))


class ForgotForm(FlaskForm):
    email = EmailField(
        _l("Email"), validators=[InputRequired(_l("Enter your email address.")), Length(max=320)]
    )
    submit = SubmitField(_l("Send me a link"))


class NewPasswordForm(FlaskForm):
    """The form a signed link opens: the new password twice."""

    new_password, confirm = _new_password_fields()
    submit = SubmitField(_l("Save my password"))
