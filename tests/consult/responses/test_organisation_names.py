"""Official responses name the answering organisation in the reader's language."""

from __future__ import annotations

from typing import Any

from flask_babel import refresh
from sqlalchemy import select

from consult.auth.names import set_user_names
from consult.extensions import db
from consult.notifications.models import Notification
from tests.consult.auth.test_names import NAMES
from tests.consult.responses.conftest import TEXT, answer


def test_official_response_shows_the_name_in_the_readers_language(
    client: Any, auth: Any, closed_debate: Any
) -> None:
    owner = closed_debate.owner
    owner.display_name = NAMES["en"]
    set_user_names(owner, owner, {"kk": NAMES["kk"], "ru": NAMES["ru"]})
    position = closed_debate.positions[0]
    answer(closed_debate, [position])
    slug = closed_debate.consultation.slug
    pages = {}
    for language in ("kk", "ru", "en"):
        refresh()
        pages[language] = client.get(
            f"/consultations/{slug}", headers={"Accept-Language": language}
        ).get_data(as_text=True)
    refresh()
    assert TEXT in pages["kk"]
    assert NAMES["kk"] in pages["kk"] and NAMES["ru"] not in pages["kk"]
    assert NAMES["ru"] in pages["ru"] and NAMES["kk"] not in pages["ru"]
    assert NAMES["en"] in pages["en"] and NAMES["kk"] not in pages["en"]


def test_response_notification_names_the_organisation_in_the_readers_language(
    auth: Any, closed_debate: Any
) -> None:
    owner = closed_debate.owner
    set_user_names(owner, owner, {"kk": NAMES["kk"]})
    position = closed_debate.positions[0]
    author = closed_debate.authors[position.id]
    author.locale = "kk"
    answer(closed_debate, [position])
    note = db.session.scalar(select(Notification).where(Notification.user_id == author.id))
    assert note is not None and NAMES["kk"] in note.text


def test_response_api_gives_the_name_versions(client: Any, closed_debate: Any) -> None:
    owner = closed_debate.owner
    set_user_names(owner, owner, {"ru": NAMES["ru"]})
    position = closed_debate.positions[0]
    response = answer(closed_debate, [position])
    body = client.get(f"/api/v1/statements/{position.id}/responses").get_json()
    assert [item["author_names"] for item in body["items"]] == [{"ru": NAMES["ru"]}]
    assert response.id == body["items"][0]["id"]
