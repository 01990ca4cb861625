"""Staff pages and the report in the reader's language: moderation, responses, report, PDF."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from flask_babel import force_locale, refresh

from consult.auth.models import Role, User
from consult.consultations.models import (
    Consultation,
    ConsultationMember,
    ConsultationStatus,
    MemberRole,
)
from consult.languages.models import ConsultationText, StatementTranslation
from consult.reports.exporters import export_chunks
from consult.reports.services import build_report
from consult.responses import services as responses
from consult.statements.models import Statement, StatementStatus

QUESTION_KK = "Жаңа саябақ қайда болуы керек?"
ORIGINAL = "The park should be by the river."
KAZAKH = "Саябақ өзен жағасында болуы керек."
PENDING = "Build the park next to the school."
PENDING_KK = "Саябақты мектептің жанына салу керек."


def read(client: Any, language: str, url: str) -> str:
    """The page as someone whose browser asks for ``language`` reads it."""
    refresh()  # the tests' requests share one app context, where Flask-Babel keeps the locale
    response = client.get(url, headers={"Accept-Language": language})
    refresh()
    assert response.status_code == 200, url
    return str(response.data.decode())


def lang_of(page: str, text: str) -> str | None:
    """The ``lang`` attribute of the element whose text starts with ``text``."""
    match = re.search(rf'lang="(\w+)"[^>]*>\s*“?{re.escape(text[:20])}', page)
    return match.group(1) if match else None


@pytest.fixture
def park(
    db: Any,
    create_consultation: Any,
    create_statement: Any,
    dummy_policymaker: User,
) -> dict[str, Any]:
    consultation: Consultation = create_consultation(
        slug="park", title="Where should the park go?", owner=dummy_policymaker,
        status=ConsultationStatus.open,
    )  # fmt: skip
    db.session.add(
        ConsultationText(
            consultation_id=consultation.id,
            language="kk",
            question=QUESTION_KK,
            summary="",
            body="",
        )
    )
    visible = create_statement(consultation=consultation, text=ORIGINAL)
    pending = create_statement(
        consultation=consultation, text=PENDING, status=StatementStatus.pending
    )
    for statement, text in ((visible, KAZAKH), (pending, PENDING_KK)):
        db.session.add(StatementTranslation(statement_id=statement.id, language="kk", text=text))
    db.session.flush()
    return {"consultation": consultation, "visible": visible, "pending": pending}


@pytest.fixture
def moderator(db: Any, create_user: Any, park: dict[str, Any]) -> User:
    user: User = create_user(role=Role.moderator)
    db.session.add(
        ConsultationMember(consultation=park["consultation"], user=user, role=MemberRole.moderator)
    )
    db.session.flush()
    return user


def test_moderation_queue_and_review_in_the_readers_language(
    client: Any, auth: Any, park: dict[str, Any], moderator: User
) -> None:
    auth.login(moderator)
    pending: Statement = park["pending"]
    queue = read(client, "kk", "/moderation")
    assert PENDING_KK in queue
    assert lang_of(queue, PENDING_KK) == "kk"
    assert QUESTION_KK in queue  # the consultation's name in the filter and on the item
    # The exact words stay a tap away: moderators judge the original.
    assert f'<div lang="en">{PENDING}</div>' in queue
    review = read(client, "kk", f"/moderation/statements/{pending.id}")
    assert PENDING_KK in review and QUESTION_KK in review
    assert f'<div lang="en">{PENDING}</div>' in review
    # An English reader sees the original, with no translation marked.
    english = read(client, "en", f"/moderation/statements/{pending.id}")
    assert PENDING in english and PENDING_KK not in english
    assert lang_of(english, PENDING) == "en"


@pytest.fixture
def answered(db: Any, park: dict[str, Any], dummy_policymaker: User) -> dict[str, Any]:
    """The park consultation with its visible statement answered by the policymaker."""
    visible: Statement = park["visible"]
    responses.create_response(
        park["consultation"],
        dummy_policymaker,
        statement_ids=[visible.id],
        decision="accepted",
        text="The park will be built by the river next spring.",
    )
    db.session.commit()
    return park


def test_responses_page_in_the_readers_language(
    client: Any, auth: Any, answered: dict[str, Any], dummy_policymaker: User
) -> None:
    auth.login(dummy_policymaker)
    page = read(client, "kk", "/consultations/park/responses")
    assert KAZAKH in page and ORIGINAL not in page
    assert lang_of(page, KAZAKH) == "kk"
    assert QUESTION_KK in page
    assert ORIGINAL in read(client, "ru", "/consultations/park/responses")  # no ru version


def test_report_in_the_readers_language_with_a_languages_section(
    app: Any, client: Any, auth: Any, db: Any, answered: dict[str, Any], dummy_policymaker: User
) -> None:
    park = answered
    visible: Statement = park["visible"]
    report = build_report(park["consultation"], language="kk")
    assert report["consultation"]["title"] == QUESTION_KK
    row = report["statements"][visible.id]
    assert (row["text"], row["language"], row["original"], row["original_language"]) == (
        KAZAKH, "kk", ORIGINAL, "en",
    )  # fmt: skip
    languages = report["languages"]
    assert [r["language"] for r in languages["rows"]] == ["en"]  # one visible English statement
    assert languages["visible"] == 1 and languages["translated"] == 1

    auth.login(dummy_policymaker)
    page = read(client, "kk", "/consultations/park/report")
    assert QUESTION_KK in page and KAZAKH in page
    assert f'<h1 class="report-title" lang="kk">{QUESTION_KK}</h1>' in page
    assert lang_of(page, KAZAKH) == "kk"
    assert 'id="languages"' in page and 'id="h-languages"' in page
    english = read(client, "en", "/consultations/park/report")
    assert ORIGINAL in english and KAZAKH not in english
    assert "Where should the park go?" in english

    with app.test_request_context(), force_locale("kk"):
        markdown = b"".join(export_chunks(park["consultation"], "md")).decode()
        pdf = b"".join(export_chunks(park["consultation"], "pdf"))
    assert QUESTION_KK in markdown and KAZAKH in markdown
    assert "## Тілдер" in markdown  # the Languages section, in Kazakh
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    assert reader.trailer["/Root"]["/Lang"] == "kk"
    text = " ".join(page.extract_text() for page in reader.pages)
    assert QUESTION_KK in text
