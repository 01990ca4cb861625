"""The "this matters to me" toggle of a statement card (a plain form, no script needed)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import AnyOf, DataRequired


class ImportanceForm(FlaskForm):
    """Mark a statement as important to me ("yes") or take the mark off ("no")."""

    important = HiddenField(
        _l("Important to me"),
        validators=[
            DataRequired(message=_l("Choose whether this statement matters to you.")),
            AnyOf(("yes", "no"), message=_l("Choose whether this statement matters to you.")),
        ],
    )
