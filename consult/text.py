"""User text: cleaning, the duplicate key, excerpts (pure functions, used by every domain)."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_SPACE = re.compile(r"\s+")


def clean_text(text: str) -> str:
    """Normalise user text: NFC, no control or bidi-override characters, trimmed lines.

    >>> clean_text("  Ban coal\\u202e heating \\r\\n\\n\\n\\nnow  ")
    'Ban coal heating\\n\\nnow'
    """
    text = unicodedata.normalize("NFC", text or "").replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    lines = [line.rstrip() for line in text.split("\n")]
    text = "\n".join(lines).strip()
    return re.sub(r"\n{3,}", "\n\n", text)


def text_key(text: str) -> str:
    """Return a hash of the text that ignores case, punctuation and spacing.

    >>> text_key("Ban coal!") == text_key("  ban   COAL ")
    True
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = re.sub(r"[^\w]+", " ", folded)
    return hashlib.sha256(_SPACE.sub(" ", folded).strip().encode()).hexdigest()


def excerpt(text: str, limit: int = 80) -> str:
    """The text on one line, cut to ``limit`` characters with an ellipsis.

    >>> excerpt("Ban coal\\nheating in the city by 2028.", 20)
    'Ban coal heating in…'
    """
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


#: First characters that make a spreadsheet cell a formula (CSV/XLSX injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> object:
    """Defuse a spreadsheet formula in free text: a leading ``'`` makes it plain text.

    >>> spreadsheet_safe("=HYPERLINK(1)"), spreadsheet_safe("fine"), spreadsheet_safe(3)
    ("'=HYPERLINK(1)", 'fine', 3)
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
