"""Moderation's scheduled work: end the suspensions whose time is up."""

from __future__ import annotations

from flask import Flask

from consult.auth.standing import expire_suspensions
from consult.jobs.runtime import JobContext, register_job


def expire_suspensions_job(ctx: JobContext) -> None:
    """End the suspensions whose time is up and restore what they hid."""
    expire_suspensions()


def register_jobs(app: Flask) -> None:
    """Register the periodic job (every ``SUSPENSIONS_EXPIRE_EVERY`` seconds, default 60)."""
    register_job(
        app,
        "moderation.expire_suspensions",
        expire_suspensions_job,
        key=lambda: "moderation.expire_suspensions",
        exclusive=True,
        schedule=float(app.config.get("SUSPENSIONS_EXPIRE_EVERY", 60)),
    )
