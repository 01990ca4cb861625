"""How the moderation domain plugs into the app: its ``init_app``, called by ``create_app``."""

from __future__ import annotations

from flask import Flask

from consult.moderation import cli, jobs, pages, thread
from consult.moderation.blocks import api as _blocks_api  # noqa: F401  (routes)
from consult.moderation.blocks import services as blocks
from consult.moderation.blocks import views as _blocks_views  # noqa: F401  (routes)
from consult.moderation.brigades import api as _brigades_api  # noqa: F401  (routes)
from consult.moderation.brigades import views as _brigades_views  # noqa: F401  (routes)
from consult.moderation.decisions import api as _decisions_api  # noqa: F401  (routes)
from consult.moderation.decisions import views as _decisions_views  # noqa: F401  (routes)
from consult.moderation.flags import api as _flags_api  # noqa: F401  (routes)
from consult.moderation.flags import views as _flags_views  # noqa: F401  (routes)
from consult.moderation.merge import api as _merge_api  # noqa: F401  (routes)
from consult.moderation.merge import views as _merge_views  # noqa: F401  (routes)
from consult.moderation.queue import api as _queue_api  # noqa: F401  (routes)
from consult.moderation.queue import views as _queue_views  # noqa: F401  (routes)
from consult.moderation.reasons import api as _reasons_api  # noqa: F401  (routes)
from consult.moderation.reasons import services as reasons
from consult.moderation.reasons import views as _reasons_views  # noqa: F401  (routes)
from consult.moderation.similar import api as _similar_api  # noqa: F401  (routes)
from consult.moderation.similar import views as similar
from consult.notifications.services import register_reason_reader
from consult.statements.hooks import register_statement_partial, register_thread_context


def init_app(app: Flask) -> None:
    """Register the moderation pages, receivers, thread page parts, jobs and commands."""
    app.register_blueprint(pages.bp)
    blocks.connect_receivers()
    similar.connect_receivers()
    register_thread_context(app, thread.moderation_thread_context, per_viewer=True)
    register_statement_partial(app, thread.STATEMENT_PARTIAL)
    jobs.register_jobs(app)
    register_reason_reader(app, reasons.reason_in)
    for command in cli.commands:
        app.cli.add_command(command)
