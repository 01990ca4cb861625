"""A consultation's opinion groups, continued from one recomputation to the next, as Pol.is does.

Each recomputation is one Pol.is update (:func:`debate.conversation.update_conversation`) that
starts from the state the previous one left (one ``AnalysisState`` row per consultation): who is
clustered stays clustered, k-means starts from the previous centres, a new number of groups is
adopted only after it has been the best several times in a row, and a group keeps its stable id
while it is the same group (matched by shared members). With ``ANALYSIS_STABLE_GROUPS`` (on by
default) the groups shown follow a display hysteresis (:class:`debate.conversation.Hysteresis`):
a new number of groups is shown only when its silhouette is clearly better, and a participant
keeps their group unless another group's centre is clearly closer.

The first recomputation starts the state: by replaying the current votes in the order they were
cast, one update every ``ANALYSIS_REPLAY_EVERY`` votes (50), when there are at most
``ANALYSIS_REPLAY_MAX_VOTES`` of them (cheap: milliseconds per update), else in one update.

The *registry* names every group ever shown: its letter (from the stable id: A, B, ..., Z, AA),
its colour (the first of the five not worn by another live group, kept for life), when it was
created, and when it was retired and into which group (the group now holding most of its former
members). Pages, reports, exports and the API read labels and colours from it.

The same votes give the same groups: the row keeps the state the last update started from
(``base``) and the fingerprint of the votes it saw, and a recomputation of unchanged votes (the
cache was cleared, say) runs that update again instead of advancing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import current_app

from consult.analysis import adapters
from consult.analysis.models import AnalysisState
from consult.extensions import db, upsert
from consult.types import utcnow
from debate.conversation import (
    ConversationState,
    ConversationUpdate,
    Hysteresis,
    update_conversation,
)
from debate.errors import InputError
from debate.groups import OpinionGroups
from debate.identity import RetiredGroup, group_letter
from debate.types import VoteMatrix

#: Colours a group can wear (the classes g0 .. g4 of consult.analysis.opinion_map).
N_COLOURS = 5
#: How a state began.
ORIGIN_REPLAY = "replay"
ORIGIN_ONE_SHOT = "one-shot"


@dataclass(frozen=True)
class GroupsUpdate:
    """The groups of one recomputation, with the registry of every group shown so far."""

    groups: OpinionGroups
    registry: list[dict[str, Any]]
    origin: str
    updates: int


def replay_every() -> int:
    """Votes between two updates when a state is started by replay."""
    return max(1, int(current_app.config.get("ANALYSIS_REPLAY_EVERY", 50)))


def replay_max_votes() -> int:
    """Up to this many votes, a new state is started by replay (else in one update)."""
    return int(current_app.config.get("ANALYSIS_REPLAY_MAX_VOTES", 20_000))


def hysteresis() -> Hysteresis | None:
    """The display hysteresis of the groups shown (``ANALYSIS_STABLE_GROUPS``), or None."""
    return Hysteresis() if current_app.config.get("ANALYSIS_STABLE_GROUPS", True) else None


def _iso(at: datetime | float | None) -> str | None:
    if at is None:
        return None
    if isinstance(at, float):
        at = datetime.fromtimestamp(at, tz=UTC)
    return at.isoformat()


def advance_registry(
    registry: Sequence[dict[str, Any]],
    groups: Iterable[int],
    retired: Iterable[RetiredGroup],
    at: datetime,
) -> list[dict[str, Any]]:
    """The registry after an update that shows ``groups`` (stable ids) and retires ``retired``.

    Idempotent: a group already listed keeps its entry (letter, colour, creation time), a
    retirement already recorded is not recorded again. A new group wears the first colour no
    live group wears (there are at most five groups, and five colours).
    """
    entries = [dict(entry) for entry in registry]
    by_id = {int(entry["id"]): entry for entry in entries}
    for gone in retired:
        entry = by_id.get(gone.id)
        if entry is None or entry.get("retired_at") is not None:
            continue
        entry["retired_at"] = _iso(gone.at if gone.at is not None else at)
        entry["joined"] = gone.joined
    for gid in groups:
        if gid in by_id:
            continue
        worn = {int(e["colour"]) for e in entries if e.get("retired_at") is None}
        free = [c for c in range(N_COLOURS) if c not in worn]
        entry = {
            "id": gid,
            "label": group_letter(gid),
            "colour": free[0] if free else gid % N_COLOURS,
            "created_at": _iso(at),
            "retired_at": None,
            "joined": None,
        }
        entries.append(entry)
        by_id[gid] = entry
    entries.sort(key=lambda e: int(e["id"]))
    return entries


def _advance(
    state: ConversationState,
    matrix: VoteMatrix,
    registry: Sequence[dict[str, Any]],
    *,
    seed: int,
    at: datetime,
) -> tuple[ConversationUpdate, list[dict[str, Any]]]:
    update = update_conversation(
        state, matrix, seed=seed, at=at.timestamp(), hysteresis=hysteresis()
    )
    shown = [g.id for g in update.state.groups]
    return update, advance_registry(registry, shown, update.retired, at)


def _start(
    consultation_id: int, matrix: VoteMatrix, *, seed: int, now: datetime
) -> tuple[ConversationState, ConversationUpdate, list[dict[str, Any]], str]:
    """Start a state: replay the votes in time order when cheap, else one update.

    Returns the state the last update started from, the update, the registry and the origin.
    The replay's own groups were never shown: the last update numbers its groups afresh.
    """
    state = ConversationState()
    origin = ORIGIN_ONE_SHOT
    if 0 < matrix.n_votes <= replay_max_votes():
        log = adapters.vote_log(consultation_id, matrix)
        every = replay_every()
        for cut in range(every, len(log), every):
            partial = log.matrix(cut, moderated_out=matrix.moderated_out, meta=matrix.meta)
            at = float(log.times[cut - 1])
            state = update_conversation(state, partial, seed=seed, at=at).state
        origin = ORIGIN_REPLAY
    # The last update is always on the matrix itself (its participants' order and ids).
    start = state.without_identities()
    update, registry = _advance(start, matrix, [], seed=seed, at=now)
    return start, update, registry, origin


def _stored(row: AnalysisState | None) -> tuple[ConversationState, ConversationState | None] | None:
    """The row's state and base, or None when there is no usable row."""
    if row is None or row.key_tag != adapters.key_tag():
        return None  # other participant ids: the stored members mean nobody now
    try:
        state = ConversationState.from_json(row.state)
        base = ConversationState.from_json(row.base) if row.base is not None else None
    except InputError:
        return None  # an older shape: start afresh
    return state, base


def current_groups(
    consultation_id: int,
    matrix: VoteMatrix,
    fingerprint: str,
    *,
    seed: int = 0,
    now: datetime | None = None,
) -> GroupsUpdate:
    """Advance the consultation's groups to its current votes and store the new state.

    ``fingerprint`` names the data the matrix was built from: if the stored state was reached
    from the same data, its update is run again from the same start (same groups, same ids).
    Flushes, never commits.
    """
    now = now or utcnow()
    row = db.session.get(AnalysisState, consultation_id)
    stored = _stored(row)
    if row is not None and stored is not None:
        state, base = stored
        registry = list(row.group_registry or [])
        origin = row.origin
        if row.fingerprint == fingerprint and base is not None:
            start, at = base, row.updated_at
        else:
            start, at = state, now
        update, registry = _advance(start, matrix, registry, seed=seed, at=at)
    else:
        start, update, registry, origin = _start(consultation_id, matrix, seed=seed, now=now)
        at = now
    save_state(
        consultation_id,
        base=start,
        state=update.state,
        registry=registry,
        fingerprint=fingerprint,
        origin=origin,
        at=at,
    )
    return GroupsUpdate(
        groups=update.groups, registry=registry, origin=origin, updates=update.state.updates
    )


def save_state(
    consultation_id: int,
    *,
    base: ConversationState | None,
    state: ConversationState,
    registry: Sequence[dict[str, Any]],
    fingerprint: str,
    origin: str,
    at: datetime,
) -> None:
    """Insert or replace a consultation's stored state with one upsert (flushes)."""
    values = {
        "consultation_id": consultation_id,
        "state": state.to_json(),
        "base": base.to_json() if base is not None else None,
        "group_registry": list(registry),
        "fingerprint": fingerprint,
        "key_tag": adapters.key_tag(),
        "origin": origin,
        "updates": state.updates,
        "updated_at": at,
    }
    upsert(AnalysisState, values)


def stored_registry(consultation_id: int) -> list[dict[str, Any]]:
    """The registry of a consultation's groups (empty before its first analysis)."""
    row = db.session.get(AnalysisState, consultation_id)
    return list(row.group_registry or []) if row is not None else []
