"""/healthz, /readyz, /metrics access, request ids."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient


def test_healthz_answers_without_the_database(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_reports_database_and_queue(client: FlaskClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["queue"]["backend"] == "eager"
    assert "redis" not in body["checks"]


def test_request_id_is_kept_when_sane_and_made_otherwise(client: FlaskClient) -> None:
    kept = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert kept.headers["X-Request-ID"] == "abc-123"
    made = client.get("/healthz", headers={"X-Request-ID": "bad id <script>"})
    assert made.headers["X-Request-ID"] != "bad id <script>"
    assert len(made.headers["X-Request-ID"]) == 32


def test_metrics_are_not_public_by_default(client: FlaskClient) -> None:
    assert client.get("/metrics").status_code == 404


@pytest.fixture
def metrics_app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    app_config.update(METRICS_TOKEN="s3cret-token")
    return app_config


def test_metrics_with_token_count_requests_per_endpoint(
    metrics_app_config: dict[str, Any], client: FlaskClient
) -> None:
    client.get("/")
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    response = client.get("/metrics", headers={"Authorization": "Bearer s3cret-token"})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    counted = 'kenes_http_requests_total{endpoint="consultations.index",method="GET",status="200"}'
    assert counted in text
    assert "kenes_http_request_duration_seconds_bucket" in text
    assert 'kenes_jobs_active{status="queued"} 0.0' in text


def test_metrics_allowed_by_address(app: Flask, client: FlaskClient) -> None:
    app.config["METRICS_ALLOW"] = "10.0.0.0/8, 127.0.0.1"
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.1"}).status_code == 404


def test_job_metrics_count_failures(app: Flask, client: FlaskClient) -> None:
    from consult.extensions import db
    from consult.jobs.runtime import enqueue, register_job

    def broken(ctx: Any) -> None:
        raise RuntimeError("boom")

    register_job(app, "test.metrics_broken", broken)
    enqueue("test.metrics_broken")
    db.session.commit()
    app.config["METRICS_ALLOW"] = "127.0.0.1"
    text = client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).get_data(as_text=True)
    assert 'kenes_job_failures_total{job="test.metrics_broken"}' in text
    assert 'kenes_job_duration_seconds_count{job="test.metrics_broken",outcome="failed"}' in text


def test_proxy_fix_trusts_forwarded_headers_only_when_configured(database_url: str) -> None:
    from tests.conftest import make_app

    headers = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    plain = make_app(database_url, HSTS_SECONDS=3600)
    response = plain.test_client().get("/healthz", headers=headers)
    assert "Strict-Transport-Security" not in response.headers
    proxied = make_app(database_url, TRUSTED_PROXIES=1, HSTS_SECONDS=3600)
    response = proxied.test_client().get("/healthz", headers=headers)
    assert response.headers["Strict-Transport-Security"] == "max-age=3600; includeSubDomains"
