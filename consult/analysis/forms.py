"""The vote form of the next-statement page (Flask-WTF: CSRF on every POST)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import AnyOf, DataRequired, InputRequired, NumberRange

from consult.web import MAX_ID, IdField


class NextVoteForm(FlaskForm):
    """Agree, disagree or pass on the statement shown."""

    statement = IdField(
        _l("Statement"),
        validators=[
            InputRequired(message=_l("Choose a statement.")),
            NumberRange(min=1, max=MAX_ID, message=_l("Choose a statement.")),
        ],
    )
    value = HiddenField(
        _l("Vote"),
        validators=[
            DataRequired(message=_l("Choose agree, disagree or pass.")),
            AnyOf(("agree", "disagree", "pass"), message=_l("Choose agree, disagree or pass.")),
        ],
    )
