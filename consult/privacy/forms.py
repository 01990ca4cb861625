"""Forms of the personal-data pages (Flask-WTF: CSRF on every POST)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField
from wtforms.validators import DataRequired, Length


class DeleteAccountForm(FlaskForm):
    """Delete one's own account: confirm with the password."""

    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])
    remove_statements = BooleanField(_l("Also remove my statements where moderation allows"))
    confirm = BooleanField(
        _l("I understand that this cannot be undone"), validators=[DataRequired()]
    )
