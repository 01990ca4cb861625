"""The moderation parts of the thread page: Flag button, moderators' markers, hidden parents."""

from __future__ import annotations

from consult.consultations.models import ModerationMode
from consult.moderation.decisions.services import moderate_statement
from consult.moderation.flags.services import flag_statement
from consult.statements.services import build_threads, statement_views


def thread(call, consultation, user=None) -> str:
    return call.page("GET", f"/consultations/{consultation.slug}", user).get_data(as_text=True)


def test_participants_get_a_flag_button_on_other_peoples_statements(
    call, consultation, statement, create_statement, people
):
    mine = create_statement(consultation=consultation, author=people[0], text="My own idea.")

    html = thread(call, consultation, people[0])

    assert f'href="/statements/{statement.id}/flag"' in html
    assert f'href="/statements/{mine.id}/flag"' not in html


def test_anonymous_visitors_get_no_flag_button(call, consultation, statement):
    assert "/flag" not in thread(call, consultation)


def test_flag_button_becomes_a_note_once_flagged(call, consultation, statement, people):
    flag_statement(statement, people[0], reason="spam")

    html = thread(call, consultation, people[0])

    assert f'href="/statements/{statement.id}/flag"' not in html
    assert "You flagged this statement" in html


def test_moderators_see_open_flags_and_a_review_link(
    call, consultation, statement, people, moderator
):
    flag_statement(statement, people[0], reason="spam")
    flag_statement(statement, people[1], reason="spam")

    html = thread(call, consultation, moderator)

    assert "2 open flags" in html
    assert f'href="/moderation/statements/{statement.id}"' in html


def test_hidden_parent_leaves_a_placeholder_and_keeps_its_replies(
    call, consultation, statement, create_statement, people, moderator
):
    reply = create_statement(consultation=consultation, attacks=statement, text="Coal is cheap.")
    moderate_statement(statement, moderator, "hide", reason="Spam.")

    reader = thread(call, consultation, people[0])
    staff = thread(call, consultation, moderator)

    assert "A hidden statement" in reader
    assert "Ban coal heating" not in reader
    assert "Coal is cheap." in reader and f'id="s-{reply.id}"' in reader
    assert "only moderators can review it" in staff


def test_placeholders_nest_the_reply_under_its_hidden_parent(
    consultation, statement, create_statement, people, moderator
):
    middle = create_statement(consultation=consultation, supports=statement, text="Middle")
    leaf = create_statement(consultation=consultation, attacks=middle, text="Leaf")
    moderate_statement(middle, moderator, "hide", reason="Spam.")

    views = statement_views(consultation, people[0], placeholders=True)
    roots = build_threads(views)

    assert views[middle.id].placeholder and views[middle.id].statement.text == ""
    assert [r.view.id for r in roots] == [statement.id]
    assert [c.view.id for c in roots[0].children] == [middle.id]
    assert [c.view.id for c in roots[0].children[0].children] == [leaf.id]
    assert middle.id not in statement_views(consultation, people[0])  # opt-in only


def test_auto_hidden_statement_is_a_placeholder_for_others_and_visible_to_its_author(
    call, consultation, statement, create_statement, people, author
):
    create_statement(consultation=consultation, supports=statement, text="Agreed.")
    for person in people[:3]:
        flag_statement(statement, person, reason="offensive")

    assert "Ban coal heating" not in thread(call, consultation, people[5])
    assert "Ban coal heating" in thread(call, consultation, author)


def test_pre_moderated_statements_are_hidden_from_others_on_the_page(
    call, create_consultation, moderator, people
):
    held = create_consultation(moderation=ModerationMode.pre, moderators=[moderator])

    posted = call.post_statement("page", held, people[0], "Plant ten thousand trees.")

    assert posted.status_code == 303
    assert "Plant ten thousand trees." in thread(call, held, people[0])
    assert "Plant ten thousand trees." not in thread(call, held, people[1])
    queue = call.page("GET", "/moderation", moderator).get_data(as_text=True)
    assert "Plant ten thousand trees." in queue and "Awaiting approval" in queue


def test_posting_a_near_duplicate_shows_a_notice(call, consultation, create_statement, people):
    original = create_statement(
        consultation=consultation, text="Buses should run all night on weekends."
    )

    posted = call.post_statement(
        "page", consultation, people[0], "Buses should run all night at weekends!"
    )
    html = call.client.get(posted.headers["Location"]).get_data(as_text=True)

    assert f"A similar statement already exists (#{original.id})" in html


def test_posting_something_new_shows_no_notice(call, consultation, create_statement, people):
    create_statement(consultation=consultation, text="Buses should run all night on weekends.")

    posted = call.post_statement(
        "page", consultation, people[0], "Insulate the panel blocks of the outer districts."
    )
    html = call.client.get(posted.headers["Location"]).get_data(as_text=True)

    assert "A similar statement already exists" not in html


def test_moderators_get_a_moderate_link_instead_of_a_flag_button(
    call, consultation, statement, moderator
):
    html = thread(call, consultation, moderator)

    assert f'href="/statements/{statement.id}/flag"' not in html
    assert f'href="/moderation/statements/{statement.id}">Moderate' in html
