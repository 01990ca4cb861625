"""Reason templates in kk, ru and en: written by moderators, read by authors in their language."""

from __future__ import annotations

from sqlalchemy import select

from consult.extensions import db
from consult.moderation.decisions.services import moderate_statement
from consult.moderation.models import ReasonTemplate
from consult.moderation.reasons.services import (
    create_reason_template,
    ensure_default_reason_templates,
    shown_reason,
)
from consult.notifications.models import Notification


def notes(user):
    return [
        n.text
        for n in db.session.scalars(select(Notification).where(Notification.user_id == user.id))
    ]


def test_moderator_writes_versions_on_the_page(call, moderator):
    response = call.page(
        "POST",
        "/moderation/reasons",
        moderator,
        data={
            "action": "hide",
            "language": "en",
            "text": "Spam.",
            "text_kk": "Спам.",
            "text_ru": "Спам (реклама).",
        },
    )
    assert response.status_code == 303
    template = db.session.scalar(select(ReasonTemplate))
    assert (template.language, template.text) == ("en", "Spam.")
    assert {v.language: v.text for v in template.versions} == {
        "kk": "Спам.",
        "ru": "Спам (реклама).",
    }
    listing = call.page("GET", "/moderation/reasons", moderator).get_data(as_text=True)
    assert 'value="Спам (реклама)."' in listing


def test_editing_a_template_changes_and_removes_versions(call, moderator):
    template = create_reason_template(
        moderator, action="hide", text="Spam.", versions={"kk": "Спам.", "ru": "Спам."}
    )
    prefix = f"t{template.id}-"
    response = call.page(
        "POST",
        f"/moderation/reasons/{template.id}",
        moderator,
        data={
            prefix + "action": "hide",
            prefix + "language": "en",
            prefix + "text": "Spam.",
            prefix + "text_kk": "Жарнама.",
            prefix + "text_ru": "",
        },
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert {v.language: v.text for v in template.versions} == {"kk": "Жарнама."}


def test_the_api_lists_the_versions(call, moderator):
    create_reason_template(moderator, action="hide", text="Spam.", versions={"ru": "Спам."})
    body = call.api("GET", "/api/v1/moderation/reasons", moderator).get_json()
    assert [(i["text"], i["language"], i["versions"]) for i in body["items"]] == [
        ("Spam.", "en", {"ru": "Спам."})
    ]


def test_author_reads_the_hide_reason_in_their_language(moderator, author, statement):
    create_reason_template(
        moderator, action="hide", text="Off topic.", versions={"kk": "Тақырыптан тыс."}
    )
    author.locale = "kk"
    moderate_statement(statement, moderator, "hide", reason="Off topic.")
    (text,) = notes(author)
    assert "Тақырыптан тыс." in text
    assert "Off topic." not in text


def test_a_missing_version_falls_back_visibly_to_the_original(moderator, author, statement):
    create_reason_template(moderator, action="hide", text="Не по теме.", language="ru")
    author.locale = "en"
    moderate_statement(statement, moderator, "hide", reason="Не по теме.")
    (text,) = notes(author)
    assert "Не по теме. (not yet written in your language)" in text


def test_a_reason_chosen_in_another_language_is_recognised(moderator):
    create_reason_template(
        moderator, action="hide", text="Spam.", versions={"kk": "Спам!", "ru": "Реклама."}
    )
    assert shown_reason("Реклама.", "kk").text == "Спам!"
    assert shown_reason("Реклама.", "en").text == "Spam."


def test_a_free_reason_is_shown_as_written(moderator, author, statement):
    create_reason_template(moderator, action="hide", text="Spam.", versions={"kk": "Спам!"})
    author.locale = "kk"
    moderate_statement(statement, moderator, "hide", reason="Written by hand.")
    (text,) = notes(author)
    assert "Written by hand." in text
    assert "(" not in text.split("Written by hand.")[1]


def test_block_notification_reads_the_reason_in_the_persons_language(call, moderator, author):
    from consult.auth.standing import restrict_account

    ensure_default_reason_templates()
    author.locale = "ru"
    restrict_account(
        author, moderator, kind="block", reason="Repeated breaches of the participation rules."
    )
    (text,) = notes(author)
    assert "Неоднократные нарушения правил участия." in text


def test_default_templates_ship_in_three_languages(app):
    ensure_default_reason_templates()
    for template in db.session.scalars(select(ReasonTemplate)):
        assert {v.language for v in template.versions} == {"kk", "ru"}
        assert template.language == "en"
