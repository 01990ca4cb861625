"""An audit entry's before and after state in words: one line per field, in the reader's language.

The log stores plain JSON (``{"status": "visible", "open_flags": 2}``); moderators read
"Status: Visible → Awaiting approval" and "Open flags: 2 → 0" instead. Unknown fields are still
shown, with their name made readable, so that no recorded change is ever hidden from the page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from consult.formatting import format_day, format_moment, format_number

FIELD_LABELS: dict[str, Any] = {
    "status": _l("Status"),
    "auto_hidden": _l("Hidden by flags"),
    "open_flags": _l("Open flags"),
    "merged_into": _l("Merged into statement"),
    "source": _l("Merged statement"),
    "target": _l("Kept statement"),
    "role": _l("Role"),
    "blocked": _l("Blocked"),
    "block_id": _l("Restriction"),
    "ends_at": _l("Ends"),
    "due_on": _l("Answer due"),
    "text": _l("Text"),
    "action": _l("Action"),
    "kind": _l("Kind"),
    "decision": _l("Decision"),
    "measure_url": _l("Link to the measure"),
    "title": _l("Title"),
    "summary": _l("Summary"),
    "body": _l("Description"),
    "opens_at": _l("Opens"),
    "closes_at": _l("Closes"),
    "moderation": _l("Moderation"),
    "statements": _l("Statements"),
    "restored_statements": _l("Statements restored"),
}

VALUE_LABELS: dict[str, Any] = {
    "visible": _l("Visible"),
    "pending": _l("Awaiting approval"),
    "hidden": _l("Hidden"),
    "merged": _l("Merged"),
    "draft": _l("Draft"),
    "open": _l("Open"),
    "closed": _l("Closed"),
    "reported": _l("Reported"),
    "participant": _l("Participant"),
    "moderator": _l("Moderator"),
    "policymaker": _l("Policymaker"),
    "admin": _l("Administrator"),
    "accepted": _l("Accepted"),
    "partially_accepted": _l("Partially accepted"),
    "rejected": _l("Rejected"),
    "noted": _l("Noted"),
    "position": _l("Position"),
    "argument": _l("Argument"),
    "post": _l("After publication"),
    "pre": _l("Before publication"),
    "hide": _l("Hide"),
    "restore": _l("Restore"),
    "approve": _l("Approve"),
    "block": _l("Block"),
    "suspend": _l("Suspend"),
}

#: Free text longer than this is not repeated in the log's line (the entry keeps it).
TEXT_SHOWN = 120


@dataclass(frozen=True)
class ChangeLine:
    """One field of an audit entry: its label and its value before and after (``None``: absent)."""

    label: str
    before: str | None
    after: str | None

    @property
    def changed(self) -> bool:
        """Whether the value is different after the action."""
        return self.before != self.after


def field_label(key: str) -> str:
    """The readable name of a recorded field."""
    label = FIELD_LABELS.get(key)
    return str(label) if label is not None else key.replace("_", " ").capitalize()


def value_text(value: Any) -> str:
    """One recorded value in words (states, roles and decisions translated; dates formatted)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, int | float):
        return format_number(value)
    if isinstance(value, datetime):
        return format_moment(value)
    if isinstance(value, date):
        return format_day(value)
    if isinstance(value, list):
        return ", ".join(f"#{v}" if isinstance(v, int) else value_text(v) for v in value) or "—"
    if isinstance(value, Mapping):
        return "; ".join(f"{field_label(k)}: {value_text(v)}" for k, v in value.items())
    text = str(value)
    if text in VALUE_LABELS:
        return str(VALUE_LABELS[text])
    parsed = _iso(text)
    if isinstance(parsed, datetime):
        return format_moment(parsed)
    if isinstance(parsed, date):
        return format_day(parsed)
    return text if len(text) <= TEXT_SHOWN else text[: TEXT_SHOWN - 1].rstrip() + "…"


def _iso(text: str) -> date | datetime | None:
    if len(text) < 10 or not text[:4].isdigit() or text[4] != "-":
        return None
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def describe_change(before: Any, after: Any, *, prefix: str = "") -> list[ChangeLine]:
    """The lines of an entry's change: every field of ``before`` and ``after``, in order."""
    before_map = before if isinstance(before, Mapping) else ({} if before is None else {"": before})
    after_map = after if isinstance(after, Mapping) else ({} if after is None else {"": after})
    lines: list[ChangeLine] = []
    for key in list(dict.fromkeys([*before_map, *after_map])):
        old, new = before_map.get(key), after_map.get(key)
        label = field_label(key) if key else str(_("Value"))
        if prefix:
            label = f"{prefix} · {label}"
        if isinstance(old, Mapping) or isinstance(new, Mapping):
            lines.extend(describe_change(old, new, prefix=label))
            continue
        lines.append(
            ChangeLine(
                label,
                None if key not in before_map else value_text(old),
                None if key not in after_map else value_text(new),
            )
        )
    return lines
