"""Offline detection of a statement's language (lingua, restricted to kk, ru and en).

The detector is built once per process, on first use: its models take about 12 MB and a quarter
of a second to load, a cost no request should pay unless it posts a statement.
"""

from __future__ import annotations

import threading
from typing import Any

from consult.languages.codes import LANGUAGES

_lock = threading.Lock()
_detector: Any = None


def _build() -> Any:
    from lingua import Language, LanguageDetectorBuilder  # noqa: PLC0415 (heavy; loaded lazily)

    languages = {"kk": Language.KAZAKH, "ru": Language.RUSSIAN, "en": Language.ENGLISH}
    return (
        LanguageDetectorBuilder.from_languages(*(languages[code] for code in LANGUAGES))
        .with_low_accuracy_mode()
        .build()
    )


def detector() -> Any:
    """The process's detector, built on first call."""
    global _detector
    if _detector is None:
        with _lock:
            if _detector is None:
                _detector = _build()
    return _detector


_CODES = {"KAZAKH": "kk", "RUSSIAN": "ru", "ENGLISH": "en"}

# Letters only Kazakh writes in Cyrillic: a text with one of them is Kazakh, whatever the
# statistics say about a short text with many Russian loanwords.
_KAZAKH_LETTERS = frozenset("әғқңөұүһіӘҒҚҢӨҰҮҺІ")


def detect_language(text: str) -> str | None:
    """The language of ``text`` (``kk``, ``ru`` or ``en``), or None when it cannot be told."""
    if not any(ch.isalpha() for ch in text):
        return None
    if any(ch in _KAZAKH_LETTERS for ch in text):
        return "kk"
    found = detector().detect_language_of(text)
    if found is None:
        return None
    return _CODES.get(found.name)
