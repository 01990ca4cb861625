"""Machine translation through a LibreTranslate-compatible provider (a local stub server)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from flask_babel import refresh
from sqlalchemy import select

from consult.consultations.models import Consultation, ConsultationStatus
from consult.languages.machine import MachineTranslationFailed, translate_text
from consult.languages.models import StatementTranslation
from consult.statements.models import Statement


class _Stub(BaseHTTPRequestHandler):
    requests: list[dict[str, Any]] = []
    fail = False

    def do_POST(self) -> None:  # noqa: N802 (the http.server API)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append({"path": self.path, **body})
        if type(self).fail:
            self.send_response(500)
            self.end_headers()
            return
        answer = json.dumps({"translatedText": f"[{body['target']}] {body['q']}"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def provider() -> Iterator[str]:
    _Stub.requests = []
    _Stub.fail = False
    server = HTTPServer(("127.0.0.1", 0), _Stub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def machine(app: Any, provider: str) -> Iterator[str]:
    """Machine translation switched on, through the stub provider, for one test."""
    app.config["MT_URL"] = provider
    yield provider
    app.config["MT_URL"] = ""


def test_client_speaks_the_libretranslate_api(provider: str) -> None:
    assert translate_text(provider, "Hello", "en", "kk", api_key="k") == "[kk] Hello"
    assert _Stub.requests == [
        {
            "path": "/translate",
            "q": "Hello",
            "source": "en",
            "target": "kk",
            "format": "text",
            "api_key": "k",
        }
    ]


def test_client_reports_a_failing_provider(provider: str) -> None:
    _Stub.fail = True
    with pytest.raises(MachineTranslationFailed):
        translate_text(provider, "Hello", "en", "kk")


def test_a_posted_statement_is_translated_by_machine_and_marked(
    client: Any, auth: Any, db: Any, machine: str, create_consultation: Any, create_user: Any
) -> None:
    create_consultation(slug="park", title="Park", status=ConsultationStatus.open)
    auth.login(create_user())
    response = client.post(
        "/consultations/park/statements",
        data={"kind": "position", "text": "The park should be by the river."},
    )
    assert response.status_code == 303
    statement = db.session.scalars(select(Statement).order_by(Statement.id.desc())).first()
    rows = db.session.scalars(
        select(StatementTranslation).where(StatementTranslation.statement_id == statement.id)
    ).all()
    assert sorted((r.language, r.text, r.machine, r.translator_id) for r in rows) == [
        ("kk", "[kk] The park should be by the river.", True, None),
        ("ru", "[ru] The park should be by the river.", True, None),
    ]
    auth.logout()
    refresh()  # the tests' requests share one app context, where Flask-Babel keeps the locale
    page = client.get("/consultations/park", headers={"Accept-Language": "ru"}).data.decode()
    refresh()
    assert "[ru] The park should be by the river." in page
    assert "Машинный перевод" in page


def test_off_by_default(
    client: Any, auth: Any, db: Any, create_consultation: Any, create_user: Any
) -> None:
    consultation: Consultation = create_consultation(
        slug="park", title="Park", status=ConsultationStatus.open
    )
    auth.login(create_user())
    client.post(
        "/consultations/park/statements",
        data={"kind": "position", "text": "The park should be by the river."},
    )
    assert db.session.scalars(select(StatementTranslation)).all() == []
    assert consultation.id


def test_a_pending_statement_is_translated_by_machine_when_approved(
    client: Any, auth: Any, db: Any, machine: str, create_consultation: Any, create_user: Any
) -> None:
    from consult.auth.models import Role
    from consult.consultations.models import ConsultationMember, MemberRole, ModerationMode

    park = create_consultation(
        slug="park", title="Park", status=ConsultationStatus.open, moderation=ModerationMode.pre
    )
    moderator = create_user(role=Role.moderator)
    db.session.add(ConsultationMember(consultation=park, user=moderator, role=MemberRole.moderator))
    auth.login(create_user())
    response = client.post(
        "/consultations/park/statements",
        data={"kind": "position", "text": "The park should be by the river."},
    )
    assert response.status_code == 303
    statement = db.session.scalars(select(Statement).order_by(Statement.id.desc())).first()
    # Pending: nothing is sent to the provider before a moderator has read it.
    assert _Stub.requests == []
    assert db.session.scalars(select(StatementTranslation)).all() == []
    auth.login(moderator)
    response = client.post(
        f"/moderation/statements/{statement.id}",
        data={"action": "approve", "reason": "Respects the participation rules."},
    )
    assert response.status_code == 303
    db.session.expire_all()
    rows = db.session.scalars(
        select(StatementTranslation).where(StatementTranslation.statement_id == statement.id)
    ).all()
    assert sorted((r.language, r.text, r.machine) for r in rows) == [
        ("kk", "[kk] The park should be by the river.", True),
        ("ru", "[ru] The park should be by the river.", True),
    ]
    assert sorted(r["target"] for r in _Stub.requests) == ["kk", "ru"]
