"""Moderation forms (Flask-WTF: CSRF on every POST)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from consult.languages.codes import LANGUAGES, NATIVE_NAMES
from consult.moderation.common import NOTE_MAX_LENGTH, REASON_MAX_LENGTH
from consult.web import IdField, parse_id

FLAG_REASON_CHOICES = [
    ("spam", _l("Spam or advertising")),
    ("offensive", _l("Offensive or abusive")),
    ("off_topic", _l("Off topic")),
    ("other", _l("Something else")),
]


def _choices(pairs: list[tuple[str, Any]]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


ACTION_LABELS = {
    "hide": _l("Hide"),
    "restore": _l("Restore"),
    "approve": _l("Approve"),
    "ignore_flags": _l("Dismiss flags"),
    "block": _l("Block or suspend"),
    "merge": _l("Merge"),
}

SUSPENSION_DAYS = [1, 3, 7, 14, 30, 90]


class FlagForm(FlaskForm):
    """Report a statement to the moderators."""

    reason = RadioField(
        _l("Why?"), choices=_choices(FLAG_REASON_CHOICES), validators=[InputRequired()]
    )
    note = TextAreaField(
        _l("Note for the moderators (optional)"),
        validators=[Optional(), Length(max=NOTE_MAX_LENGTH)],
    )


class ReasonMixin:
    """A reason: a template, or free text (which wins when both are given)."""

    template = SelectField(_l("Reason template"), coerce=str, validate_choice=False, default="")
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=REASON_MAX_LENGTH)])

    def reason_text(self, templates: dict[int, str]) -> str:
        """The free text if given, else the chosen template's text (may be empty)."""
        text = (self.reason.data or "").strip()
        if text:
            return text
        chosen = self.template.data or ""
        template_id = parse_id(chosen)
        return templates.get(template_id, "") if template_id is not None else ""


def template_choices(templates: list[Any], actions: tuple[str, ...]) -> list[SelectChoice]:
    """Choices for the reason template select, grouped by action (optgroups)."""
    choices = [SelectChoice("", _l("Pick a template…"))]
    for action in actions:
        group = str(ACTION_LABELS.get(action, action))
        choices.extend(
            SelectChoice(str(t.id), t.text, optgroup=group) for t in templates if t.action == action
        )
    return choices


class DecisionForm(ReasonMixin, FlaskForm):
    """Hide, restore or approve one statement, or dismiss its flags."""

    action = RadioField(
        _l("Decision"),
        choices=_choices(
            [
                ("hide", _l("Hide")),
                ("restore", _l("Restore")),
                ("approve", _l("Approve")),
                ("ignore_flags", _l("Dismiss flags")),
            ]
        ),
        validators=[InputRequired()],
    )
    next = HiddenField()


class BulkForm(ReasonMixin, FlaskForm):
    """One decision on the selected statements."""

    action = SelectField(
        _l("Action"),
        choices=_choices(
            [
                ("", _l("Action…")),
                ("hide", _l("Hide")),
                ("restore", _l("Restore")),
                ("approve", _l("Approve")),
                ("ignore_flags", _l("Dismiss flags")),
            ]
        ),
        validators=[DataRequired(message=_l("Choose an action."))],
    )
    next = HiddenField()


class MergeForm(ReasonMixin, FlaskForm):
    """Merge this statement into another one."""

    into = IdField(
        _l("Merge into statement #"),
        validators=[InputRequired(), NumberRange(min=1, max=2_147_483_647)],
    )
    next = HiddenField()


class BlockForm(ReasonMixin, FlaskForm):
    """Suspend or block an account."""

    kind = RadioField(
        _l("Measure"),
        choices=_choices(
            [("suspend", _l("Suspend for a time")), ("block", _l("Block until lifted"))]
        ),
        default="suspend",
        validators=[InputRequired()],
    )
    days = SelectField(
        _l("Suspension length"),
        choices=[
            SelectChoice(str(d), _l("%(n)s days", n=d) if d > 1 else _l("1 day"))
            for d in SUSPENSION_DAYS
        ],
        default="7",
    )


class UnblockForm(ReasonMixin, FlaskForm):
    """Lift a block or suspension."""


class ReasonTemplateForm(FlaskForm):
    """Create or edit a reason template."""

    action = SelectField(
        _l("Used for"),
        choices=_choices(list(ACTION_LABELS.items())),
        validators=[DataRequired()],
    )
    text = StringField(_l("Reason"), validators=[DataRequired(), Length(max=500)])
    language = SelectField(
        _l("Written in"),
        choices=lambda: [(code, NATIVE_NAMES[code]) for code in LANGUAGES],
        default="en",
        validators=[DataRequired()],
    )
    text_kk = StringField(_l("In Kazakh"), validators=[Optional(), Length(max=500)])
    text_ru = StringField(_l("In Russian"), validators=[Optional(), Length(max=500)])
    text_en = StringField(_l("In English"), validators=[Optional(), Length(max=500)])

    def version_fields(self) -> list[Any]:
        """The fields of the versions in the languages other than the reason's own."""
        own = self.language.data or "en"
        return [getattr(self, f"text_{code}") for code in LANGUAGES if code != own]

    def versions(self) -> dict[str, str]:
        """The versions typed in, by language (the reason's own language left out)."""
        own = self.language.data or "en"
        return {
            code: (getattr(self, f"text_{code}").data or "") for code in LANGUAGES if code != own
        }
