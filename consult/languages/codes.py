"""The content languages and their names."""

from __future__ import annotations

from collections.abc import Iterable

#: Content languages in the order fallbacks are tried after the reader's own.
LANGUAGES: tuple[str, ...] = ("kk", "ru", "en")

#: Each language's name in that language (the language switcher's labels).
NATIVE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}


def is_language(code: object) -> bool:
    """Tell whether ``code`` is one of the content languages."""
    return isinstance(code, str) and code in LANGUAGES


def fallback_order(wanted: str, available: Iterable[str], original: str | None = None) -> list[str]:
    """The available languages, best first: the wanted one, the original, then ``LANGUAGES``."""
    have = set(available)
    order = [wanted] + ([original] if original else []) + list(LANGUAGES)
    seen: list[str] = []
    for code in order:
        if code in have and code not in seen:
            seen.append(code)
    return seen


#: Routing weights: a statement in another language is offered more once it is translated into
#: the reader's language (so that no language community debates alone), less while it is not.
TRANSLATED_WEIGHT = 3.0
UNTRANSLATED_WEIGHT = 0.25


def language_weight(written_in: str | None, reader: str | None, translated_into: set[str]) -> float:
    """The factor by which a statement's routing priority is multiplied for this reader."""
    if reader is None or written_in is None or written_in == reader:
        return 1.0
    return TRANSLATED_WEIGHT if reader in translated_into else UNTRANSLATED_WEIGHT
