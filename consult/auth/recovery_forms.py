"""Forms of the recovery, verification and two-factor pages (Flask-WTF: CSRF on every POST)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, Length

from consult.auth.forms import new_password_field, repeat_password_field


class ForgotPasswordForm(FlaskForm):
    """Ask for a password-reset link."""

    email = EmailField(
        _l("E-mail"),
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )


class ResetPasswordForm(FlaskForm):
    """Choose a new password from a reset link."""

    password = new_password_field(_l("New password"))
    confirm = repeat_password_field(_l("Repeat the password"))


class CodeForm(FlaskForm):
    """A two-factor code: six digits from the app, or a recovery code."""

    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=32)],
        description=_l("The six digits your authenticator app shows, or a recovery code."),
    )


class EnrolForm(FlaskForm):
    """Confirm two-factor enrolment with a first code from the app."""

    code = StringField(
        _l("Code from the app"),
        validators=[DataRequired(), Length(max=16)],
        description=_l("Scan the QR code, then type the six digits the app shows."),
    )


class DisableTwoFactorForm(FlaskForm):
    """Turn two-factor off (participants only): confirm with the password."""

    password = PasswordField(_l("Password"), validators=[DataRequired()])
