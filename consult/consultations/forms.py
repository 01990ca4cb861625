"""Consultation forms (Flask-WTF: CSRF on every POST)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError

from consult.languages.codes import LANGUAGES, NATIVE_NAMES
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
    language = SelectField(
        _l("Language of these texts"),
        choices=lambda: [(code, NATIVE_NAMES[code]) for code in LANGUAGES],
        default="en",
        validators=[Optional()],
        description=_l("Add the versions you have in the other languages below."),
    )
    question_kk = StringField(_l("Question"), validators=[Optional(), Length(max=TITLE_MAX)])
    summary_kk = TextAreaField(_l("Summary"), validators=[Optional(), Length(max=SUMMARY_MAX)])
    body_kk = TextAreaField(_l("Background"), validators=[Optional(), Length(max=BODY_MAX)])
    question_ru = StringField(_l("Question"), validators=[Optional(), Length(max=TITLE_MAX)])
    summary_ru = TextAreaField(_l("Summary"), validators=[Optional(), Length(max=SUMMARY_MAX)])
    body_ru = TextAreaField(_l("Background"), validators=[Optional(), Length(max=BODY_MAX)])
    question_en = StringField(_l("Question"), validators=[Optional(), Length(max=TITLE_MAX)])
    summary_en = TextAreaField(_l("Summary"), validators=[Optional(), Length(max=SUMMARY_MAX)])
    body_en = TextAreaField(_l("Background"), validators=[Optional(), Length(max=BODY_MAX)])
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

    def versions(self) -> dict[str, tuple[str, str, str]]:
        """The (question, summary, body) typed for each language other than the original."""
        found = {}
        for code in LANGUAGES:
            if code == self.language.data:
                continue
            question = getattr(self, f"question_{code}").data or ""
            summary = getattr(self, f"summary_{code}").data or ""
            body = getattr(self, f"body_{code}").data or ""
            found[code] = (question, summary, body)
        return found

    def validate(self, extra_validators: Any = None) -> bool:
        """The fields' checks, then: a version with a summary or background needs its question."""
        valid = bool(super().validate(extra_validators))
        for code in LANGUAGES:
            if code == self.language.data:
                continue
            question = getattr(self, f"question_{code}")
            summary = getattr(self, f"summary_{code}").data or ""
            body = getattr(self, f"body_{code}").data or ""
            if not (question.data or "").strip() and (summary.strip() or body.strip()):
                question.errors = [
                    *question.errors,
                    _l("Write the question in this language too."),
                ]
                valid = False
        return valid

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
