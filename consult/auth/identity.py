"""Identity text: display names and e-mail addresses people cannot use to pass for others.

Display names are NFKC-normalised, stripped of control, format (bidirectional overrides,
zero-width characters) and other invisible characters, and their whitespace folded. A
participant's name may not have the same confusable skeleton (Unicode TR39, from the
confusables data shipped by ``confusable_homoglyphs``) as a staff member's (moderators,
policymakers, administrators) or one of ``RESERVED_NAMES`` (organisations): ``Ministry of
Тransport`` with a Cyrillic "Т" or ``Mlnistry 0f Transport`` is refused.

E-mail addresses are normalised (NFKC, trimmed, lower case), and a local part that mixes
scripts (``pа@…`` with a Cyrillic "а") is refused.
"""

from __future__ import annotations

import functools
import json
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import confusable_homoglyphs
from confusable_homoglyphs import categories
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from consult.auth.models import Role, User, UserName
from consult.errors import ValidationFailed
from consult.extensions import db

#: Unicode categories removed from names: controls, format characters (bidi overrides,
#: zero-width joiners...), unassigned, private use and surrogates.
_INVISIBLE = {"Cc", "Cf", "Cn", "Co", "Cs"}

NAME_TAKEN = _l("This name is too close to the name of an official account; choose another.")
NAME_LENGTH = _l("The display name must have 2 to 80 characters.")
MIXED_SCRIPT_EMAIL = _l("Write the part before the @ in one alphabet.")


def message(text: Any) -> str:
    """A lazy message as text: translated in a request, its English source elsewhere (CLI)."""
    try:
        return str(text)
    except RuntimeError:
        source = str(text._args[0])
        return source % text._kwargs if text._kwargs else source


def clean_display_name(name: str) -> str:
    """NFKC, without invisible characters, whitespace folded and trimmed.

    >>> clean_display_name(" Ａｌｉｙａ\\u202e  B\\u200b.\\x00 ")
    'Aliya B.'
    """
    text = unicodedata.normalize("NFKC", name or "")
    text = "".join(ch for ch in text if unicodedata.category(ch) not in _INVISIBLE)
    return " ".join(text.split())


@functools.cache
def _prototypes() -> dict[str, str]:
    """Each confusable character -> the representative of its class of look-alikes.

    Classes join characters the confusables data lists as look-alikes of the same single ASCII
    letter or digit (compared case-insensitively: "0", "o", "O", "О" and "ο" are one class, as
    are "1", "l", "I" and "i"); the representative is the class's smallest ASCII character.
    """
    path = Path(confusable_homoglyphs.__file__).with_name("confusables.json")
    data: dict[str, list[dict[str, str]]] = json.loads(path.read_text(encoding="utf-8"))
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    for char, entries in data.items():
        forms = [e["c"] for e in entries] + [char]
        ascii_forms = {f.casefold() for f in forms if len(f) == 1 and f.isascii() and f.isalnum()}
        for form in ascii_forms:
            union(form, min(ascii_forms))
            union(char.casefold() if char.isascii() else char, form)
    return {char: find(char) for char in parent}


def skeleton(text: str) -> str:
    """The confusable skeleton of a name: look-alike letters folded, case, spacing and
    punctuation ignored (after Unicode TR39).

    >>> skeleton("Ministry of Transport") == skeleton("\u041cinistry 0f  \u0422r\u0430nsport!")
    True
    >>> skeleton("Ministry of Transport") == skeleton("Mlnistry of Transp\u03bfrt")
    True
    >>> skeleton("Ministry of Transport") == skeleton("Ministry of Tourism")
    False
    """
    prototypes = _prototypes()
    out = []
    for char in unicodedata.normalize("NFD", clean_display_name(text)):
        if unicodedata.category(char).startswith("M"):
            continue  # combining marks: "Ministrý" is "Ministry"
        char = prototypes.get(char, char)
        char = char.casefold()
        out.append(prototypes.get(char, char))
    return "".join(ch for ch in "".join(out) if ch.isalnum())


def protected_names(exclude_user_id: int | None = None) -> Iterable[str]:
    """Names a participant may not imitate: staff display names and RESERVED_NAMES."""
    yield from current_app.config.get("RESERVED_NAMES", ())
    query = select(User.display_name).where(User.role != Role.participant)
    if exclude_user_id is not None:
        query = query.where(User.id != exclude_user_id)
    yield from db.session.scalars(query)
    # Their names in the other content languages too.
    versions = (
        select(UserName.name)
        .join(User, User.id == UserName.user_id)
        .where(User.role != Role.participant)
    )
    if exclude_user_id is not None:
        versions = versions.where(User.id != exclude_user_id)
    yield from db.session.scalars(versions)


def check_display_name(name: str, *, role: Role, user_id: int | None = None) -> str:
    """The cleaned name; ValidationFailed when a participant's name imitates an official one."""
    cleaned = clean_display_name(name)
    if len(cleaned) < 2:
        raise ValidationFailed(
            message(NAME_LENGTH),
            fields={"display_name": [message(NAME_LENGTH)]},
        )
    if role is Role.participant:
        mine = skeleton(cleaned)
        if mine and any(skeleton(other) == mine for other in protected_names(user_id)):
            raise ValidationFailed(
                message(NAME_TAKEN), fields={"display_name": [message(NAME_TAKEN)]}
            )
    return cleaned


def normalise_email(email: str) -> str:
    """The canonical form of an e-mail address: NFKC, trimmed, lower case.

    >>> normalise_email("  Ana@Example.ORG ")
    'ana@example.org'
    """
    return unicodedata.normalize("NFKC", email or "").strip().lower()


def is_mixed_script(text: str) -> bool:
    """Tell whether the letters of ``text`` come from more than one script.

    >>> is_mixed_script("pavel"), is_mixed_script("п\\u0430вел"), is_mixed_script("p\\u0430vel")
    (False, False, True)
    """
    scripts = {
        categories.alias(ch) for ch in text if ch.isalpha() and categories.alias(ch) != "COMMON"
    }
    return len(scripts) > 1


def check_email(email: str) -> str:
    """The normalised address; ValidationFailed when its local part mixes scripts."""
    normalised = normalise_email(email)
    local = normalised.rsplit("@", 1)[0]
    if is_mixed_script(local):
        raise ValidationFailed(
            message(MIXED_SCRIPT_EMAIL), fields={"email": [message(MIXED_SCRIPT_EMAIL)]}
        )
    return normalised
