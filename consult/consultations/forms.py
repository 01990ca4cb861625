"""Consultation forms (Flask-WTF: CSRF on every POST)."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError

from consult.types import utcnow

TITLE_MAX = 200
SUMMARY_MAX = 500
BODY_MAX = 20000


# Choices are callables: WTForms 3.3 deprecates (value, label) tuples given directly.


class ConsultationForm(FlaskForm):
    """Create or edit a consultation."""

    title = StringField(
        _l("Question or title"),
        validators=[DataRequired(), Length(max=TITLE_MAX)],
        description=_l("Ask one clear question, e.g. “How should the city reduce winter smog?”"),
    )
    summary = TextAreaField(
        _l("Summary"),
        validators=[DataRequired(), Length(max=SUMMARY_MAX)],
        description=_l("One or two sentences shown on the list of consultations."),
    )
    body = TextAreaField(
        _l("Background"),
        validators=[Optional(), Length(max=BODY_MAX)],
        description=_l(
            "What participants need to know: the problem, the options, what happens next. "
            "Separate paragraphs with an empty line."
        ),
    )
    closes_at = DateField(
        _l("Closing date"),
        validators=[Optional()],
        description=_l("The last day on which people can post and vote (optional)."),
    )
    moderation = RadioField(
        _l("Moderation"),
        choices=lambda: [
            ("post", _l("Publish at once; moderators review flagged statements")),
            ("pre", _l("Hold every statement until a moderator approves it")),
        ],
        default="post",
        validators=[InputRequired()],
    )

    def validate_closes_at(self, field: DateField) -> None:
        """A new closing date cannot lie in the past."""
        value: date | None = field.data
        if value is not None and value < utcnow().date() and field.object_data != value:
            raise ValidationError(_l("Choose a date that is not in the past."))


class StatusForm(FlaskForm):
    """Open, close or reopen a consultation."""

    status = SelectField(
        _l("Status"),
        choices=lambda: [("open", _l("Open")), ("closed", _l("Closed"))],
        validators=[InputRequired()],
    )


class MemberForm(FlaskForm):
    """Give a person a role in one consultation."""

    email = EmailField(
        _l("E-mail of the person"),
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )
    role = SelectField(
        _l("Role in this consultation"),
        choices=lambda: [
            ("moderator", _l("Moderator")),
            ("translator", _l("Translator")),
            ("owner", _l("Co-owner (policymaker)")),
        ],
        validators=[InputRequired()],
    )
