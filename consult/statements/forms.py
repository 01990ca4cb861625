"""Statement and vote forms (Flask-WTF: CSRF on every POST)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired

from consult.web import IdField

# The service enforces the real limit (STATEMENT_MAX_LENGTH, on the cleaned text); the browser
# gets it as ``maxlength`` on the textarea.


class PositionForm(FlaskForm):
    """Post a position: an answer to the consultation's question."""

    text = TextAreaField(
        _l("Your position"),
        validators=[DataRequired(message=_l("Write your position first."))],
    )


class ArgumentForm(FlaskForm):
    """Post an argument for or against a statement."""

    text = TextAreaField(
        _l("Your argument"),
        validators=[DataRequired(message=_l("Write your argument first."))],
    )
    relation = RadioField(
        _l("This argument is"),
        choices=lambda: [("support", _l("For")), ("attack", _l("Against"))],
        validators=[InputRequired(message=_l("Choose for or against."))],
    )
    target = IdField(
        _l("Statement"),
        validators=[InputRequired(message=_l("Choose the statement you are answering."))],
    )


class VoteForm(FlaskForm):
    """Agree, disagree or pass on a statement."""

    value = HiddenField(
        _l("Vote"),
        validators=[
            DataRequired(message=_l("Choose agree, disagree or pass.")),
            AnyOf(("agree", "disagree", "pass"), message=_l("Choose agree, disagree or pass.")),
        ],
    )
