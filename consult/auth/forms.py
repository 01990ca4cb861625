"""Account forms (Flask-WTF: CSRF on every POST)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from consult.auth.services import (
    PASSWORD_MAX_LENGTH,
    PASSWORD_MIN_LENGTH,
    WEAK_PASSWORD,
    password_is_weak,
)
from consult.web import no_control_characters


def strong_password(form: Any, field: Any) -> None:
    """Refuse a common or easily guessed password (the e-mail and name count as guessable)."""
    inputs = [
        str(getattr(getattr(form, name, None), "data", "") or "")
        for name in ("email", "display_name")
    ]
    if field.data and password_is_weak(field.data, inputs):
        raise ValidationError(str(WEAK_PASSWORD))


def new_password_field(label: Any) -> PasswordField:
    """A new password: long enough, not too long, not easy to guess (pair it with
    :func:`repeat_password_field` under the name ``password``)."""
    return PasswordField(
        label,
        validators=[
            DataRequired(),
            Length(
                min=PASSWORD_MIN_LENGTH,
                max=PASSWORD_MAX_LENGTH,
                message=_l("Use at least %(n)s characters.", n=PASSWORD_MIN_LENGTH),
            ),
            strong_password,
        ],
        description=_l(
            "At least %(n)s characters. A few unrelated words make a strong password.",
            n=PASSWORD_MIN_LENGTH,
        ),
    )


def repeat_password_field(label: Any) -> PasswordField:
    """The new password again, which must equal the field ``password``."""
    return PasswordField(
        label,
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class LoginForm(FlaskForm):
    """Log in with e-mail and password."""

    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Remember me on this device"))


class RegisterForm(FlaskForm):
    """Create an account."""

    email = EmailField(
        _l("E-mail"),
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )
    display_name = StringField(
        _l("Display name"),
        validators=[DataRequired(), Length(min=2, max=80), no_control_characters],
        description=_l("Shown next to what you post."),
    )
    password = new_password_field(_l("Password"))
    confirm = repeat_password_field(_l("Repeat the password"))


class NamesForm(FlaskForm):
    """A staff account's display name in the content languages."""

    name_kk = StringField(_l("Name in Kazakh"), validators=[Length(max=80)])
    name_ru = StringField(_l("Name in Russian"), validators=[Length(max=80)])
    name_en = StringField(_l("Name in English"), validators=[Length(max=80)])


class TokenForm(FlaskForm):
    """Create a personal API token."""

    name = StringField(_l("Token name"), validators=[Length(max=80), no_control_characters])


class RoleForm(FlaskForm):
    """Assign a site-wide role."""

    # A callable: WTForms 3.3 deprecates (value, label) tuples given directly.
    role = SelectField(
        _l("Role"),
        choices=lambda: [
            ("participant", _l("Participant")),
            ("moderator", _l("Moderator")),
            ("policymaker", _l("Policymaker")),
            ("admin", _l("Administrator")),
        ],
    )


class PasswordChangeForm(FlaskForm):
    """Change the password (ends every other session)."""

    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    password = new_password_field(_l("New password"))
    confirm = repeat_password_field(_l("Repeat the new password"))
