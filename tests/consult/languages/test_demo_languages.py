"""The demo consultation ships in Kazakh, Russian and English: 100 % of its content."""

from __future__ import annotations

from typing import Any

import pytest
from flask_babel import refresh
from sqlalchemy import func, select

from consult.consultations.demo import DEMO_SLUG
from consult.consultations.models import Consultation
from consult.languages.codes import LANGUAGES
from consult.languages.models import StatementTranslation
from consult.statements.models import Statement


@pytest.mark.seed("demo")
def test_demo_content_is_complete_in_every_language(db: Any, seeded: Any) -> None:
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == DEMO_SLUG))
    versions = {consultation.language} | {t.language for t in consultation.texts}
    assert versions == set(LANGUAGES)
    for text in consultation.texts:
        assert text.question and text.summary and text.body
    statements = db.session.scalars(
        select(Statement).where(Statement.consultation_id == consultation.id)
    ).all()
    assert statements
    covered = 0
    for statement in statements:
        languages = {statement.language} | set(
            db.session.scalars(
                select(StatementTranslation.language).where(
                    StatementTranslation.statement_id == statement.id
                )
            )
        )
        covered += languages == set(LANGUAGES)
    assert covered / len(statements) == 1.0
    machine = db.session.scalar(
        select(func.count(StatementTranslation.id)).where(StatementTranslation.machine)
    )
    assert machine == 0


@pytest.mark.seed("demo")
def test_a_kazakh_reader_reads_the_demo_in_kazakh(client: Any, seeded: Any) -> None:
    refresh()
    page = client.get(f"/consultations/{DEMO_SLUG}", headers={"Accept-Language": "kk"})
    refresh()
    text = page.data.decode()
    assert page.status_code == 200
    assert "Алматы қысқы ауаның ластануын қалай азайтуы керек?" in text
    assert "language-fallback" not in text
    assert "Түпнұсқаны көрсету" in text  # "Show the original", one tap away
