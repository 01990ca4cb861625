"""Staff display names in the content languages: an organisation answers in its reader's language.

A staff account (policymaker, moderator, administrator) answers publicly under its display name;
it may also give that name in Kazakh, Russian and English. Readers see the version in their
interface language, else the display name itself.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from consult.audit.services import record_audit
from consult.auth.identity import clean_display_name
from consult.auth.models import Role, User, UserName
from consult.errors import NotAllowed, ValidationFailed
from consult.extensions import db
from consult.languages.codes import LANGUAGES, is_language

NAME_MAX_LENGTH = 80


def can_edit_names(actor: object, user: User) -> bool:
    """Staff edit their own names in other languages; administrators anyone's staff names."""
    if not getattr(actor, "is_authenticated", False) or user.role is Role.participant:
        return False
    return bool(getattr(actor, "id", None) == user.id or getattr(actor, "is_admin", False))


def set_user_names(user: User, actor: User, names: Mapping[str, str]) -> list[UserName]:
    """Store the account's name in each given language; an empty name removes that version.

    Raises ``NotAllowed`` unless :func:`can_edit_names`, ``ValidationFailed`` (per language,
    field ``name_<code>``) for an unknown language or a name over 80 characters.
    """
    if not can_edit_names(actor, user):
        raise NotAllowed(_l("Only staff accounts give their name in other languages."))
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, str] = {}
    for code, name in names.items():
        if not is_language(code):
            errors["names"] = [_l("Choose one of the content languages.")]
            continue
        value = clean_display_name(name or "")
        if len(value) > NAME_MAX_LENGTH:
            errors[f"name_{code}"] = [_l("Use at most 80 characters.")]
        elif value and len(value) < 2:
            errors[f"name_{code}"] = [_l("Use at least 2 characters.")]
        cleaned[code] = value
    if errors:
        raise ValidationFailed(_l("The names are not valid."), fields=errors)
    before = {row.language: row.name for row in user.names}
    current = {row.language: row for row in user.names}
    for code in LANGUAGES:
        if code not in cleaned:
            continue
        row = current.get(code)
        if not cleaned[code]:
            if row is not None:
                user.names.remove(row)
        elif row is None:
            user.names.append(UserName(language=code, name=cleaned[code]))
        else:
            row.name = cleaned[code]
    db.session.flush()
    after = {row.language: row.name for row in user.names}
    if before != after:
        record_audit(actor, "user_names", "user", user.id, before=before, after=after)
    return sorted(user.names, key=lambda row: LANGUAGES.index(row.language))


def shown_name(user: User | None, language: str | None = None) -> str:
    """The account's name for a reader of ``language`` (default: the current locale)."""
    if user is None:
        return ""
    if user.role is Role.participant:  # only staff accounts have names in other languages
        return user.display_name
    return user.name_in(language or str(get_locale() or "en"))
