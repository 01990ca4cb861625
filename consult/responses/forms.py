"""Web forms of official responses (Flask-WTF: CSRF on every POST)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from consult.responses.models import Decision
from consult.web import coerce_id

DECISION_CHOICES = [
    SelectChoice(Decision.accepted.value, _l("Accepted")),
    SelectChoice(Decision.partially_accepted.value, _l("Partially accepted")),
    SelectChoice(Decision.rejected.value, _l("Rejected")),
    SelectChoice(Decision.noted.value, _l("Noted")),
]


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (select several statements)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ResponseForm(FlaskForm):
    """Answer one statement or a cluster of statements."""

    # Rendered by the template (a table of due statements); any statement id is accepted here and
    # checked by the service.
    statements = MultiCheckboxField(
        _l("Statements answered"), coerce=coerce_id, choices=[], validate_choice=False
    )
    decision = RadioField(_l("Decision"), choices=DECISION_CHOICES, validators=[DataRequired()])
    text = TextAreaField(
        _l("Reasoned response"),
        validators=[DataRequired(), Length(max=5000)],
        description=_l("Explain the decision in plain language. It is published as written."),
    )
    measure_url = StringField(
        _l("Link to the measure taken (optional)"),
        validators=[Optional(), Length(max=500)],
        description=_l(
            "A web address starting with https://, e.g. the decree or the project page."
        ),
    )


class ResponseEditForm(FlaskForm):
    """Amend a response."""

    decision = RadioField(_l("Decision"), choices=DECISION_CHOICES, validators=[DataRequired()])
    text = TextAreaField(_l("Reasoned response"), validators=[DataRequired(), Length(max=5000)])
    measure_url = StringField(
        _l("Link to the measure taken (optional)"), validators=[Optional(), Length(max=500)]
    )


class ExtensionForm(FlaskForm):
    """Extend a due date once, with a public reason."""

    due_on = DateField(_l("New due date"), validators=[DataRequired()])
    reason = TextAreaField(
        _l("Reason (shown publicly)"), validators=[DataRequired(), Length(max=1000)]
    )
