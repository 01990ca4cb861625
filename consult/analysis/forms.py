"""The forms of the analysis pages: the next-statement vote, excluding and restoring a suspected
group's votes (Flask-WTF: CSRF on every POST)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional

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


class ExcludeGroupForm(FlaskForm):
    """Leave a suspected group's votes out of the analysis."""

    group = HiddenField(
        _l("Group"),
        validators=[
            DataRequired(message=_l("Choose a group.")),
            Length(max=40, message=_l("Choose a group.")),
        ],
    )
    reason = StringField(
        _l("Reason (shown in the report)"),
        validators=[Optional(), Length(max=500, message=_l("At most 500 characters."))],
    )


class LiftExclusionForm(FlaskForm):
    """Bring excluded votes back into the analysis."""

    reason = StringField(
        _l("Reason"),
        validators=[Optional(), Length(max=500, message=_l("At most 500 characters."))],
    )
