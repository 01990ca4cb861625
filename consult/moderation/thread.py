"""The discussion page's moderation parts: the Flag button, and flag counts for moderators."""

from __future__ import annotations

from typing import Any

from consult.auth.standing import is_blocked
from consult.consultations.models import Consultation
from consult.consultations.permissions import can_moderate_consultation
from consult.moderation.common import open_flag_counts
from consult.moderation.flags.services import flagged_by

#: Rendered inside every statement card of the discussion page.
STATEMENT_PARTIAL = "moderation/_statement_tools.html"


def moderation_thread_context(
    consultation: Consultation, viewer: Any, statement_ids: list[int]
) -> dict[str, Any]:
    """What the statement partial needs: flag state for readers, flag counts for moderators."""
    signed_in = bool(viewer is not None and getattr(viewer, "is_authenticated", False))
    moderator = signed_in and can_moderate_consultation(viewer, consultation)
    return {
        "moderation": {
            "signed_in": signed_in,
            "can_flag": signed_in and not is_blocked(viewer),
            "is_moderator": moderator,
            "flagged_by_me": flagged_by(viewer, statement_ids) if signed_in else set(),
            "open_flags": open_flag_counts(statement_ids) if moderator else {},
        }
    }
