"""Russian and Kazakh catalogs: complete, consistent with the source, and selected per request."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale, ngettext

from consult import ROOT
from consult.consultations.models import ConsultationStatus
from consult.statements.models import StatementStatus

TRANSLATIONS = ROOT / "consult" / "translations"
LANGUAGES = {"ru": 3, "kk": 2}  # locale -> number of plural forms
PLACEHOLDER = re.compile(r"%(?:\([A-Za-z_]+\))?[sdif]|%%")


def _read(lang: str) -> Catalog:
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb") as fh:
        return read_po(fh, locale=lang)


def _key(message: Any) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


@pytest.fixture(scope="session")
def compiled_translations(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Compile the .po catalogs into a fresh directory (so a clone without .mo files works)."""
    target = tmp_path_factory.mktemp("translations")
    for lang in LANGUAGES:
        out = target / lang / "LC_MESSAGES"
        out.mkdir(parents=True)
        with open(out / "messages.mo", "wb") as fh:
            write_mo(fh, _read(lang))
    return target


@pytest.fixture
def app_config(compiled_translations: Path) -> dict[str, Any]:
    """Serve the freshly compiled catalogs."""
    return {"BABEL_TRANSLATION_DIRECTORIES": str(compiled_translations)}


@pytest.fixture(scope="session")
def source_messages(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """Extract the English strings from the code and templates, as `make translations-update`."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    keywords = ["-k", "_l", "-k", "lazy_gettext"]
    CommandLineInterface().run(
        ["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), *keywords]
        + ["-o", str(pot), "--omit-header", str(ROOT)]
    )
    with open(pot, "rb") as fh:
        return {_key(m) for m in read_po(fh) if m.id}


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_catalog_has_plural_forms_of_the_language(lang: str) -> None:
    assert _read(lang).num_plurals == LANGUAGES[lang]


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_catalog_translates_every_message(lang: str) -> None:
    catalog = _read(lang)
    fuzzy = [_key(m) for m in catalog if m.id and m.fuzzy]
    untranslated = [
        _key(m)
        for m in catalog
        if m.id and not (m.string if isinstance(m.string, str) else all(m.string))
    ]
    assert not fuzzy, f"fuzzy in {lang}: {fuzzy}"
    assert not untranslated, f"untranslated in {lang}: {untranslated}"
    assert not catalog.fuzzy


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_catalog_keeps_placeholders(lang: str) -> None:
    catalog = _read(lang)
    wrong = []
    for m in catalog:
        if not m.id:
            continue
        if isinstance(m.id, str):
            pairs = [(m.id, m.string)]
        else:
            assert len(m.string) == LANGUAGES[lang], _key(m)
            pairs = [(m.id[0], m.string[0])] + [(m.id[1], s) for s in m.string[1:]]
        for source, translated in pairs:
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(translated)):
                wrong.append((source, translated))
    assert not wrong, f"placeholders differ in {lang}: {wrong}"
    assert not [error for _message, errors in catalog.check() for error in errors]


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_catalog_covers_every_source_string(lang: str, source_messages: set[str]) -> None:
    assert {"Consultations", "%(num)s position", "Please log in to continue."} <= source_messages
    translated = {_key(m) for m in _read(lang) if m.id}
    missing = sorted(source_messages - translated)
    assert not missing, f"run `make translations-update` and translate for {lang}: {missing}"


@pytest.mark.parametrize(
    ("lang", "n", "expected"),
    [
        ("ru", 1, "1 позиция"),
        ("ru", 3, "3 позиции"),
        ("ru", 5, "5 позиций"),
        ("ru", 21, "21 позиция"),
        ("ru", 112, "112 позиций"),
        ("kk", 1, "1 ұстаным"),
        ("kk", 5, "5 ұстаным"),
    ],
)
def test_ngettext_picks_the_plural_form(app: Flask, lang: str, n: int, expected: str) -> None:
    with app.test_request_context(), force_locale(lang):
        assert ngettext("%(num)s position", "%(num)s positions", n) == expected


@pytest.mark.parametrize(
    ("locale", "nav", "footer"),
    [
        ("ru", "Консультации", "разные мнения, одна страна"),
        ("kk", "Кеңестер", "пікір сан алуан, ел біреу"),
    ],
)
def test_language_choice_renders_home_page_in_that_language(
    client: FlaskClient, locale: str, nav: str, footer: str
) -> None:
    response = client.post("/language", data={"locale": locale, "next": "/"})
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert f'<html lang="{locale}">' in page
    assert f">{nav}</a>" in page
    assert footer in page
    assert ">Consultations</a>" not in page


def test_language_choice_ignores_unknown_locale(client: FlaskClient) -> None:
    client.post("/language", data={"locale": "de", "next": "/"})
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert ">Consultations</a>" in page


def test_accept_language_kk_picks_kazakh(client: FlaskClient) -> None:
    page = client.get("/", headers={"Accept-Language": "kk-KZ,kk;q=0.9,en;q=0.5"})
    text = page.get_data(as_text=True)
    assert '<html lang="kk">' in text
    assert ">Кеңестер</a>" in text


def test_session_choice_beats_accept_language(client: FlaskClient) -> None:
    client.post("/language", data={"locale": "ru", "next": "/"})
    text = client.get("/", headers={"Accept-Language": "kk"}).get_data(as_text=True)
    assert ">Консультации</a>" in text


def test_account_locale_is_used_in_a_new_session(
    client: FlaskClient, auth: Any, create_user: Any, db: Any
) -> None:
    user = auth.login(create_user())
    db.session.commit()
    client.post("/language", data={"locale": "kk", "next": "/"})
    assert user.locale == "kk"
    with client.session_transaction() as session:
        session.pop("locale")
    text = client.get("/", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert ">Кеңестер</a>" in text


def test_consultation_page_renders_in_russian(client: FlaskClient, dummy_consultation: Any) -> None:
    client.post("/language", data={"locale": "ru", "next": "/"})
    text = client.get(f"/consultations/{dummy_consultation.slug}").get_data(as_text=True)
    assert "Позиции и аргументы" in text
    assert "Positions and arguments" not in text


def test_flash_message_is_translated(client: FlaskClient, auth: Any, create_user: Any) -> None:
    auth.login(create_user())
    client.post("/language", data={"locale": "ru", "next": "/"})
    text = client.post("/logout", follow_redirects=True).get_data(as_text=True)
    assert "Вы вышли из системы." in text


# --- service errors reach Russian and Kazakh users translated -------------------------------


def assert_translated(response: Any, status: int, translated: str, english: str) -> None:
    """The page answered ``status`` and shows the message in the user's language only."""
    text = response.get_data(as_text=True)
    assert response.status_code == status
    assert translated in text
    assert english not in text


def test_service_error_on_a_form_field_is_translated(
    client: FlaskClient, auth: Any, create_user: Any, dummy_consultation: Any, db: Any
) -> None:
    auth.login(create_user(locale="ru"))
    url = f"/consultations/{dummy_consultation.slug}/statements"
    data = {"kind": "position", "text": "Buses should run all night."}
    assert client.post(url, data=data).status_code == 303
    again = client.post(url, data=data)
    assert_translated(again, 409, "Вы уже это публиковали.", "You have already posted this.")


def test_service_error_page_is_translated(
    client: FlaskClient, auth: Any, create_user: Any, create_consultation: Any, db: Any
) -> None:
    owner = auth.login(create_user(role="policymaker", locale="kk"))
    draft = create_consultation(owner=owner, status=ConsultationStatus.draft)
    db.session.commit()
    refused = client.post(f"/consultations/{draft.slug}/status", data={"status": "closed"})
    assert_translated(
        refused,
        409,
        "«draft» күйіндегі кеңес «closed» күйіне өте алмайды.",
        "consultation cannot become",
    )


def test_service_error_with_a_value_is_translated(
    client: FlaskClient,
    auth: Any,
    create_user: Any,
    create_consultation: Any,
    create_statement: Any,
    db: Any,
) -> None:
    owner = auth.login(create_user(role="policymaker", locale="kk"))
    consultation = create_consultation(owner=owner, status="closed")
    statement = create_statement(consultation=consultation)
    db.session.commit()
    page = client.post(
        f"/consultations/{consultation.slug}/responses",
        data={"statements": [statement.id], "decision": "accepted", "text": "short"},
    )
    assert_translated(
        page, 422, "Шешімді кемінде 10 таңбамен түсіндіріңіз.", "Explain the decision"
    )


def test_service_error_flashed_is_translated(
    client: FlaskClient, auth: Any, create_user: Any, create_statement: Any, db: Any
) -> None:
    auth.login(create_user(locale="ru"))
    pending = create_statement(status=StatementStatus.pending)
    db.session.commit()
    page = client.post(
        f"/consultations/{pending.consultation.slug}/next",
        data={"statement": pending.id, "value": "agree"},
        follow_redirects=True,
    )
    assert_translated(page, 200, "Высказывание не найдено.", "Statement not found.")


def test_api_service_error_follows_accept_language(
    client: FlaskClient, create_user: Any, create_token: Any, dummy_statement: Any, db: Any
) -> None:
    dummy_statement.consultation.status = ConsultationStatus.closed
    token = create_token(create_user())
    db.session.commit()
    response = client.put(
        f"/api/v1/statements/{dummy_statement.id}/vote",
        json={"value": "agree"},
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "ru"},
    )
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "conflict" and error["status"] == 409
    assert error["message"] == "В этой консультации голосование недоступно."
