"""E-mail delivery through a pluggable sender, only after the transaction commits.

``Config.MAIL_SENDER`` picks the sender: ``"log"`` (default: the message goes to the app log),
``"memory"`` (kept in ``app.extensions["kenes_outbox"]``; tests), ``"smtp"``, or a dotted path
``"package.module:factory"`` (called with the app, returns an object with ``send(message)``).
When ``KENES_SMTP_URL`` is set (``smtp://user:password@host:587``, ``smtps://…`` for TLS from the
start; ``?starttls=0`` turns STARTTLS off) the SMTP sender is used whatever ``MAIL_SENDER`` says.
``KENES_MAIL_FROM`` sets the sender address.

Services call :func:`queue_mail` inside their transaction; the messages are handed to the sender
after ``COMMIT`` (and dropped on rollback), so nobody is told about a response that was not saved.
The commit and rollback hooks listen to the app's own session (``db.session``) only, connected by
:func:`init_mail` from the notifications domain's ``init_app``; other sessions of the process
(scripts, other apps) are left alone.
"""

from __future__ import annotations

import importlib
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from consult.extensions import db

OUTBOX_KEY = "kenes_mail_outbox"
#: ``app.extensions`` key set by :func:`init_mail`: this app delivers queued mail.
ENABLED_KEY = "kenes.mail"


@dataclass(frozen=True)
class Mail:
    """One plain-text message to one recipient."""

    to: str
    subject: str
    body: str


class MailSender(Protocol):
    """Anything that delivers a :class:`Mail`."""

    def send(self, mail: Mail) -> None: ...


class LogSender:
    """Write each message to the app log (development)."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def send(self, mail: Mail) -> None:
        self.app.logger.info("mail to %s: %s\n%s", mail.to, mail.subject, mail.body)


class MemorySender:
    """Keep messages in ``app.extensions["kenes_outbox"]`` (tests)."""

    def __init__(self, app: Flask) -> None:
        self.outbox: list[Mail] = app.extensions.setdefault("kenes_outbox", [])

    def send(self, mail: Mail) -> None:
        self.outbox.append(mail)


class SmtpSender:
    """Deliver through an SMTP server named by a URL."""

    def __init__(self, app: Flask, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("KENES_SMTP_URL must look like smtp://user:password@host:587")
        query = parse_qs(parts.query)
        self.host = parts.hostname
        self.tls = parts.scheme == "smtps"
        self.port = parts.port or (465 if self.tls else 587)
        self.starttls = not self.tls and query.get("starttls", ["1"])[0] not in ("0", "false")
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.sender = app.config.get("MAIL_FROM") or "Kenes <no-reply@localhost>"
        self.timeout = 20

    def send(self, mail: Mail) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message.set_content(mail.body)
        context = ssl.create_default_context()
        if self.tls:
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=context
            )
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with client:
            if self.starttls:
                client.starttls(context=context)
            if self.username:
                client.login(self.username, self.password or "")
            client.send_message(message)


def get_sender(app: Flask) -> MailSender:
    """Build the configured sender (cached per app)."""
    cached = app.extensions.get("kenes_mail_sender")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    sender: MailSender
    smtp_url = app.config.get("SMTP_URL")
    name = str(app.config.get("MAIL_SENDER") or "log")
    if smtp_url or name == "smtp":
        if not smtp_url:
            raise RuntimeError("MAIL_SENDER is 'smtp' but KENES_SMTP_URL is not set")
        sender = SmtpSender(app, str(smtp_url))
    elif name == "log":
        sender = LogSender(app)
    elif name == "memory":
        sender = MemorySender(app)
    elif ":" in name:
        module_name, _, attr = name.partition(":")
        sender = getattr(importlib.import_module(module_name), attr)(app)
    else:
        raise RuntimeError(f"unknown MAIL_SENDER {name!r} (log, memory, smtp or module:factory)")
    app.extensions["kenes_mail_sender"] = sender
    return sender


def queue_mail(to: str, subject: str, body: str) -> None:
    """Queue a message, delivered once the app session's transaction commits."""
    db.session.info.setdefault(OUTBOX_KEY, []).append(Mail(to=to, subject=subject, body=body))


def _deliver(session: Session) -> None:
    if session.in_nested_transaction():  # a SAVEPOINT released: the real commit comes later
        return
    if not has_app_context() or ENABLED_KEY not in current_app.extensions:
        return
    outbox: list[Mail] = session.info.pop(OUTBOX_KEY, [])
    if not outbox:
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    sender = get_sender(app)
    for mail in outbox:
        try:
            sender.send(mail)
        except Exception:  # noqa: BLE001 - the data is committed; a mail failure is only logged
            app.logger.exception("could not send mail to %s", mail.to)


def _discard(session: Session, *args: Any) -> None:
    if session.in_nested_transaction():
        return
    session.info.pop(OUTBOX_KEY, None)


def init_mail(app: Flask) -> None:
    """Deliver the app's queued mail after commit and drop it on rollback.

    The hooks are bound to ``db.session`` (the sessions its factory makes), never to every
    SQLAlchemy session of the process; connecting them twice is a no-op.
    """
    app.extensions[ENABLED_KEY] = True
    for name, hook in (("after_commit", _deliver), ("after_rollback", _discard)):
        if not event.contains(db.session, name, hook):
            event.listen(db.session, name, hook)
