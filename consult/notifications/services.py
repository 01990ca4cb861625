"""Notifications: tell people about what happened to their contributions, in their language.

``notify`` writes one in-app notification (any domain may call it; the text is produced inside
the recipient's locale); ``notify_many`` writes many at once and may queue an e-mail to each
(:mod:`consult.notifications.mail`, sent after COMMIT). Services flush, never commit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from flask_babel import force_locale, get_locale
from sqlalchemy import Select, func, insert, select, update

from consult.auth.models import User
from consult.extensions import db
from consult.notifications.mail import queue_mail
from consult.notifications.models import Notification
from consult.types import utcnow

_REASON_READER = "kenes.reason_reader"


def register_reason_reader(app: Flask, reader: Callable[[str, str], str]) -> None:
    """Let ``reader(reason, language)`` put moderation reasons into the recipient's language."""
    app.extensions[_REASON_READER] = reader


def reason_for_reader(reason: str) -> str:
    """A moderation reason in the current locale (call it inside a ``text_fn``)."""
    reader = current_app.extensions.get(_REASON_READER)
    if reader is None:
        return reason
    return str(reader(reason, str(get_locale() or "en")))


def _locale(user_locale: str | None) -> str:
    return user_locale or str(current_app.config.get("BABEL_DEFAULT_LOCALE", "en"))


def notify(
    user_id: int | None,
    text_fn: Callable[[], Any],
    *,
    kind: str = "moderation",
    link: str | None = None,
) -> None:
    """Tell a user something, in their own language (imported accounts are never told).

    ``text_fn`` is called inside the recipient's locale and returns the (translated) message.
    """
    if user_id is None:
        return
    user = db.session.get(User, user_id)
    if user is None or user.is_imported:
        return
    with force_locale(_locale(user.locale)):
        text = str(text_fn())
    db.session.add(Notification(user_id=user.id, kind=kind, text=text, link=link))


@dataclass(frozen=True)
class Message:
    """What one recipient is told: the notification text, and an e-mail if they have an address."""

    text: str
    subject: str | None = None
    body: str | None = None


def notify_many(
    user_ids: Sequence[int],
    compose: Callable[[], Message],
    *,
    kind: str,
    link: str | None = None,
) -> int:
    """Notify many users at once (one INSERT); ``compose`` runs in each recipient's locale.

    Imported accounts are left out. A recipient with an e-mail address also gets the message's
    e-mail (when it has a subject), after COMMIT. Return how many were notified.
    """
    if not user_ids:
        return 0
    recipients = db.session.execute(
        select(User.id, User.email, User.locale)
        .where(User.id.in_(list(user_ids)), User.is_imported.is_(False))
        .order_by(User.id)
    ).all()
    rows = []
    for uid, email, locale in recipients:
        with force_locale(_locale(locale)):
            message = compose()
        if email and message.subject:
            queue_mail(email, message.subject, message.body or message.text)
        rows.append({"user_id": uid, "kind": kind, "text": message.text, "link": link})
    if rows:
        db.session.execute(insert(Notification), rows)
    return len(rows)


def notifications_query(user: User) -> Select[Any]:
    """The SELECT of a user's notifications, newest first."""
    return (
        select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )


def unread_count(user: Any) -> int:
    """How many unread notifications the user has."""
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    return int(
        db.session.scalar(
            select(func.count(Notification.id)).where(
                Notification.user_id == user.id, Notification.read_at.is_(None)
            )
        )
        or 0
    )


def mark_notifications_read(user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications (all, or those ids) read; return how many changed."""
    query = update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if ids is not None:
        query = query.where(Notification.id.in_(list(ids)))
    result = db.session.execute(
        query.values(read_at=utcnow()).execution_options(synchronize_session="fetch")
    )
    return int(getattr(result, "rowcount", 0) or 0)


def own_notification(user: User, notification_id: int) -> Notification | None:
    """The user's notification with this id (None if there is none, or it is someone else's)."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        return None
    return notification
