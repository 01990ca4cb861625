"""Statement and vote forms (Flask-WTF: CSRF on every POST)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired

from consult.languages.codes import LANGUAGES, NATIVE_NAMES
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


class TranslationForm(FlaskForm):
    """Translate a statement into one of the other content languages."""

    language = SelectField(
        _l("Language of the translation"),
        choices=lambda: [(code, NATIVE_NAMES[code]) for code in LANGUAGES],
        validators=[InputRequired(message=_l("Choose a language."))],
    )
    text = TextAreaField(
        _l("Translation"),
        validators=[DataRequired(message=_l("Write the translation."))],
    )


class LanguageForm(FlaskForm):
    """Correct the language a statement is written in."""

    language = SelectField(
        _l("Written in"),
        choices=lambda: [(code, NATIVE_NAMES[code]) for code in LANGUAGES],
        validators=[InputRequired(message=_l("Choose a language."))],
    )
