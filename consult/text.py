"""User text: cleaning, the duplicate key, excerpts (pure functions, used by every domain)."""

from __future__ import annotations

import hashlib
import re
import unicodedata

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

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


# User text rendered as HTML: a small Markdown (CommonMark: emphasis, links, lists, quotes,
# code) whose raw HTML is escaped, then sanitised by an allowlist as a second line of defence.
_MARKDOWN = MarkdownIt(
    "commonmark", {"html": False, "linkify": False, "typographer": False, "breaks": True}
).disable(["image", "heading", "lheading", "hr", "code"])
#: The only tags and attributes rendered user text may hold.
MARKDOWN_TAGS = frozenset(
    {"p", "br", "strong", "em", "a", "ul", "ol", "li", "blockquote", "code", "pre"}
)
MARKDOWN_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
MARKDOWN_URL_SCHEMES = frozenset({"http", "https", "mailto"})
#: Links written by users: not endorsed (nofollow, ugc), no window.opener for the target.
MARKDOWN_LINK_REL = "nofollow ugc noopener"


def render_markdown(text: str | None, *, inline: bool = False) -> Markup:
    """Render user text (Markdown) as safe HTML: raw HTML escaped, then allowlisted by nh3.

    ``inline`` renders one line of text without the enclosing paragraph (a summary in a lead).

    >>> str(render_markdown("Ban **coal** <script>alert(1)</script>"))
    '<p>Ban <strong>coal</strong> &lt;script&gt;alert(1)&lt;/script&gt;</p>'
    >>> print(render_markdown("[site](https://example.org) [x](javascript:alert(1))"))
    ... # doctest: +NORMALIZE_WHITESPACE
    <p><a href="https://example.org"
      rel="nofollow ugc noopener">site</a> [x](javascript:alert(1))</p>
    >>> str(render_markdown("*cleaner* air", inline=True))
    '<em>cleaner</em> air'
    """
    if not text:
        return Markup("")
    html = _MARKDOWN.renderInline(text) if inline else _MARKDOWN.render(text)
    cleaned = nh3.clean(
        html,
        tags=set(MARKDOWN_TAGS),
        attributes={tag: set(names) for tag, names in MARKDOWN_ATTRIBUTES.items()},
        url_schemes=set(MARKDOWN_URL_SCHEMES),
        link_rel=MARKDOWN_LINK_REL,
        strip_comments=True,
    )
    return Markup(cleaned.strip())  # noqa: S704  (nh3 output: allowlisted tags only)
