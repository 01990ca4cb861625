"""User text is rendered as sanitised Markdown: no script, handler or dangerous link survives."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest

from consult.text import (
    MARKDOWN_ATTRIBUTES,
    MARKDOWN_TAGS,
    MARKDOWN_URL_SCHEMES,
    render_markdown,
)

XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    '<svg onload="alert(1)">',
    "<iframe src=https://evil.example></iframe>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "![x](https://evil.example/pixel.png)",
    '[x](https://example.org "a\\" onmouseover=\\"alert(1)")',
    "<scr<script>ipt>alert(1)</script>",
    "`<script>alert(1)</script>`",
    "```\n<script>alert(1)</script>\n```",
    "> <b onmouseover=alert(1)>quote</b>",
    "<!-- <script>alert(1)</script> -->",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
]


class _Elements(HTMLParser):
    """Collect the elements and attributes a browser would build from the HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.comments: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)


def _unsafe(html: str) -> list[str]:
    """Return what in the HTML is outside the allowlist (tags, attributes, link schemes)."""
    parser = _Elements()
    parser.feed(html)
    parser.close()
    problems = [f"comment {c!r}" for c in parser.comments]
    for tag, attrs in parser.elements:
        if tag not in MARKDOWN_TAGS:
            problems.append(f"<{tag}>")
        for name, value in attrs.items():
            allowed = MARKDOWN_ATTRIBUTES.get(tag, set()) | ({"rel"} if tag == "a" else set())
            if name not in allowed:
                problems.append(f"<{tag} {name}=>")
            elif name == "href":
                scheme = urlsplit(value or "").scheme.lower()
                if scheme not in MARKDOWN_URL_SCHEMES:
                    problems.append(f"href {value!r}")
            elif name == "rel" and value != "nofollow ugc noopener":
                problems.append(f"rel {value!r}")
    return problems


@pytest.mark.parametrize("payload", XSS)
def test_xss_payloads_render_inert(payload: str) -> None:
    for inline in (False, True):
        html = str(render_markdown(payload, inline=inline))
        assert _unsafe(html) == [], html


def test_the_unsafe_check_sees_a_live_payload() -> None:
    assert _unsafe('<p onclick="x"><img src=x onerror="alert(1)"><a href="javascript:x">') == [
        "<p onclick=>",
        "<img>",
        "<img src=>",
        "<img onerror=>",
        "href 'javascript:x'",
    ]


def test_markdown_renders_the_allowed_subset() -> None:
    html = str(render_markdown("Ban **coal** and *wood*:\n\n- trams\n- buses\n\n> quoted `code`"))
    assert html == (
        "<p>Ban <strong>coal</strong> and <em>wood</em>:</p>\n"
        "<ul>\n<li>trams</li>\n<li>buses</li>\n</ul>\n"
        "<blockquote>\n<p>quoted <code>code</code></p>\n</blockquote>"
    )


def test_links_are_marked_user_content_and_bare_urls_stay_text() -> None:
    html = str(render_markdown("See [the plan](https://gov.example.kz/plan) or https://x.example"))
    assert html == (
        '<p>See <a href="https://gov.example.kz/plan" rel="nofollow ugc noopener">the plan</a>'
        " or https://x.example</p>"
    )


def test_headings_images_and_indented_code_stay_plain_text() -> None:
    html = str(
        render_markdown("# Not a heading\n\n    not code\n\n![alt](https://x.example/a.png)")
    )
    assert "<h1" not in html and "<pre" not in html and "<img" not in html
    assert "# Not a heading" in html


def test_line_breaks_are_kept_and_empty_text_is_empty() -> None:
    assert str(render_markdown("first line\nsecond line")) == "<p>first line<br>\nsecond line</p>"
    assert str(render_markdown("")) == "" and str(render_markdown(None)) == ""


def test_statement_and_consultation_pages_render_payloads_inert(
    client: Any, db: Any, create_consultation: Any, create_statement: Any
) -> None:
    payload = "<script>alert('s')</script> **bold** [x](javascript:alert(1))"
    consultation = create_consultation(
        summary="<img src=x onerror=alert(1)> *short*",
        body="<iframe src=https://evil.example></iframe>\n\nSecond [paragraph](https://ok.example).",
    )
    statement = create_statement(consultation=consultation, text=payload)
    db.session.commit()

    for url in (f"/consultations/{consultation.slug}", f"/statements/{statement.id}"):
        response = client.get(url, follow_redirects=True)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        for live in ("<script>alert", "<img src=x", "<iframe", 'href="javascript:'):
            assert live not in html, (url, live)
        assert "&lt;script&gt;alert('s')&lt;/script&gt; <strong>bold</strong>" in html
    page = client.get(f"/consultations/{consultation.slug}").get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt; <em>short</em>" in page
    assert '<a href="https://ok.example" rel="nofollow ugc noopener">paragraph</a>' in page
