"""The analysis of a consultation: computed from current votes, cached until they change.

``get_analysis`` is what pages and the API call. The cache (one ``CachedAnalysis`` row per
consultation) is keyed by a fingerprint of everything the analysis reads: vote counts and the
latest vote time, the statements' states, the links, and moderation's exclusions. When the
fingerprint differs, a small consultation is recomputed inline (it takes milliseconds); a large
one is refreshed in the background while the last result is served, marked stale (see
docs/benchmarks.md, "Insights page", for the measured threshold).

Computing the fingerprint costs several queries (a count and a max over the votes among them).
Each process therefore remembers, per consultation, the last fresh analysis it served together
with what made it fresh: the consultation's content version (``consultations/versions.py``:
bumped in the transaction of every vote, statement, link, moderation decision, vote exclusion
and stored analysis), the blocks in force (``adapters.active_blocks_tag``: the one input no
write to the consultation marks) and the settings in the fingerprint. A read that finds all of
them unchanged serves that analysis without the fingerprint; any difference, and it is
computed as before. The version is read from the database on every read (the consultation's
row, which the read loads anyway), never from a cache: a remembered analysis is never served
as fresh after a change was committed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from consult.analysis import adapters, tasks
from consult.analysis import state as analysis_state
from consult.analysis.models import CachedAnalysis
from consult.consultations.models import Consultation
from consult.consultations.versions import changed_in_transaction, mark_changed
from consult.errors import NotFound
from consult.extensions import db, upsert
from consult.jobs.locks import KeyLocks
from consult.languages.codes import language_weight
from consult.languages.services import translated_ids
from consult.lru import LRU, per_app
from consult.moderation.models import Flag
from consult.statements.models import Relation, Statement, StatementLink, StatementStatus
from consult.types import utcnow
from consult.votes.importance import importance_shares
from consult.votes.models import Vote
from debate.analysis import analyse
from debate.bridging import BridgingProcess
from debate.result import AnalysisResult, Excluded

log = logging.getLogger(__name__)

#: ``progress(percent, message)`` of a running refresh job.
Progress = Callable[..., None]

#: Bump when what is stored changes shape, so every cached result is recomputed.
ANALYSIS_VERSION = "2"
#: Routing weight of importance marks: a statement marked by a share s of its voters weighs
#: (1 + IMPORTANCE_WEIGHT * s) times its analysis priority.
IMPORTANCE_WEIGHT = 3.0


@dataclass(frozen=True)
class AnalysisMeta:
    """How fresh a served analysis is."""

    computed_at: datetime | None
    stale: bool  # computed from older votes than the current ones
    refreshing: bool  # a recomputation is under way
    duration_s: float | None
    n_votes: int

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["computed_at"] = self.computed_at.isoformat() if self.computed_at else None
        return data


def _analyse(*args: Any, **kwargs: Any) -> dict[str, Any]:
    # A seam for the tests, which count the calls to the analysis core.
    return analyse(*args, **kwargs)


def analysis_fingerprint(
    consultation: Consultation, exclusions: adapters.Exclusions | None = None
) -> tuple[str, int]:
    """Return (fingerprint, number of votes) of the data an analysis would be computed from."""
    if exclusions is None:
        exclusions = adapters.exclusions_for(consultation)
    cid = consultation.id
    # Two queries, not one: the count is an index-only scan and max(updated_at) an index probe
    # (together ~80 ms at a million votes on PostgreSQL), where one combined aggregate reads
    # every row (~200 ms). Every vote change bumps updated_at; a deleted vote changes the count.
    n_votes = db.session.scalar(select(func.count()).where(Vote.consultation_id == cid))
    last_vote = db.session.scalar(
        select(func.max(Vote.updated_at)).where(Vote.consultation_id == cid)
    )
    statements = db.session.execute(
        select(Statement.id, Statement.status)
        .where(Statement.consultation_id == cid)
        .order_by(Statement.id)
    ).all()
    n_links, last_link = db.session.execute(
        select(func.count(StatementLink.id), func.max(StatementLink.id)).where(
            StatementLink.consultation_id == cid
        )
    ).one()
    state = {
        "version": ANALYSIS_VERSION,
        "seed": int(current_app.config.get("ANALYSIS_SEED", 0)),
        "key": adapters.key_tag(),
        "votes": [n_votes, str(last_vote)],
        "statements": [
            [sid, status.value if isinstance(status, StatementStatus) else str(status)]
            for sid, status in statements
        ],
        "links": [n_links, last_link],
        "excluded": [sorted(exclusions.statements), sorted(exclusions.users)],
    }
    digest = hashlib.sha256(json.dumps(state, separators=(",", ":")).encode()).hexdigest()
    return digest, int(n_votes or 0)


def compute_analysis(
    consultation: Consultation,
    *,
    exclusions: adapters.Exclusions | None = None,
    progress: Progress | None = None,
    fingerprint: str | None = None,
    n_votes: int | None = None,
) -> dict[str, Any]:
    """Run the analysis core on the consultation's current votes and return its JSON.

    The opinion groups continue from the consultation's stored state (:mod:`.state`), which
    this advances by one update and stores (flushes, never commits); ``fingerprint`` names the
    data (:func:`analysis_fingerprint`, with its count of votes ``n_votes``), computed here
    when not given.
    """
    if exclusions is None:
        exclusions = adapters.exclusions_for(consultation)
    if fingerprint is None:
        fingerprint, n_votes = analysis_fingerprint(consultation, exclusions)
    seed = int(current_app.config.get("ANALYSIS_SEED", 0))
    # A large consultation's bridging fit runs in a process of its own, on another core, while
    # this one updates the groups and computes the rest (same result either way). Its
    # interpreter starts before the votes load, so that its imports overlap the loading.
    with contextlib.ExitStack() as stack:
        running = None
        if n_votes is not None and _bridging_in_process(n_votes):
            running = stack.enter_context(BridgingProcess().start())
        started = time.perf_counter()
        data = adapters.analysis_input(consultation, exclusions=exclusions)
        loaded = time.perf_counter()
        if running is None and _bridging_in_process(data.matrix.n_votes):
            running = stack.enter_context(BridgingProcess())
        if running is not None:
            running.fit(data.matrix, seed=seed)
        if progress is not None:
            progress(30, "Analysing the votes")
        groups = analysis_state.current_groups(consultation.id, data.matrix, fingerprint, seed=seed)
        document = _analyse(
            data.matrix,
            claims=data.claims,
            relations=data.relations,
            seed=seed,
            groups=groups.groups,
            bridging=running,
        )
    # Every group shown so far, live or retired: its letter, colour and dates (the API's
    # stable group ids are the ids here and in "groups" and "participants").
    document["group_registry"] = groups.registry
    document["group_updates"] = {"origin": groups.origin, "updates": groups.updates}
    log.info(
        "analysis of consultation %s: load %.2f s, analyse %.2f s",
        consultation.id,
        loaded - started,
        time.perf_counter() - loaded,
    )
    if progress is not None:
        progress(90, "Storing the result")
    # What moderation left out, as counts (the core's own "excluded" lists hidden statement ids
    # and counts unclustered participants, which "counts" already gives). Hidden statements
    # stay out of the published result altogether, their vote counts included. The core's
    # document is edited in place: it is already the JSON of an AnalysisResult
    # (``from_json(d).to_json() == d``), and a typed round trip of a national consultation's
    # document costs seconds (the pages read it typed, with its checks).
    hidden = {data.matrix.statements[j] for j in data.matrix.moderated_out}
    document["excluded"] = Excluded(
        statements=data.excluded.get("statements", 0),
        participants=data.excluded.get("participants", 0),
    ).to_json()
    if hidden:
        document["statements"] = {
            k: v for k, v in document["statements"].items() if k not in hidden
        }
    return document


def _bridging_in_process(n_votes: int) -> bool:
    """Whether the bridging fit of this many votes runs in a separate process: from
    ``ANALYSIS_BRIDGING_PROCESS_VOTES`` votes (``None``: never)."""
    threshold = current_app.config.get("ANALYSIS_BRIDGING_PROCESS_VOTES")
    return threshold is not None and n_votes >= int(threshold)


def refresh_analysis(
    consultation: Consultation, *, progress: Progress | None = None
) -> tuple[dict[str, Any], AnalysisMeta]:
    """Recompute the analysis now and store it in the cache (flushes, never commits)."""
    exclusions = adapters.exclusions_for(consultation)
    # Fingerprint first: if votes arrive meanwhile, the stored result is already stale.
    fingerprint, n_votes = analysis_fingerprint(consultation, exclusions)
    started = time.perf_counter()
    result = compute_analysis(
        consultation,
        exclusions=exclusions,
        progress=progress,
        fingerprint=fingerprint,
        n_votes=n_votes,
    )
    duration = time.perf_counter() - started
    now = utcnow()
    _store(consultation.id, fingerprint, result, now, duration)
    return result, AnalysisMeta(
        computed_at=now, stale=False, refreshing=False, duration_s=duration, n_votes=n_votes
    )


def refresh_analysis_by_id(consultation_id: int, *, progress: Progress | None = None) -> None:
    """Recompute and store one consultation's analysis (the background job's body)."""
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None:
        raise NotFound(_l("Consultation not found."))
    refresh_analysis(consultation, progress=progress)


def _store(
    consultation_id: int,
    fingerprint: str,
    result: dict[str, Any],
    computed_at: datetime,
    duration: float,
) -> None:
    """Insert or replace the cached result with one upsert (concurrent writers cannot clash)."""
    values = {
        "consultation_id": consultation_id,
        "fingerprint": fingerprint,
        "result": result,
        "computed_at": computed_at,
        "duration_s": duration,
    }
    upsert(CachedAnalysis, values)
    mark_changed(consultation_id)  # the thread page shows the analysis's badges


def cached_analysis(consultation: Consultation) -> CachedAnalysis | None:
    """Return the stored analysis of a consultation, fresh or not."""
    return db.session.get(CachedAnalysis, consultation.id)


def inline_limit() -> int:
    """The number of votes up to which a stale analysis is recomputed during the request."""
    return int(current_app.config.get("ANALYSIS_INLINE_MAX_VOTES", 50_000))


#: Consultations whose last fresh analysis each process remembers, and the largest analysis
#: (in statements) it keeps the document of (above it, only the proof of freshness is kept
#: and the document is read from the cache row).
FRESH_KEPT = 64
FRESH_MAX_STATEMENTS = 2_000
_FRESH = "kenes.analysis.fresh"


@dataclass(frozen=True)
class _Fresh:
    """A fresh analysis served in this process, and what it was fresh for."""

    state: tuple[int, str, int, str]  # content version, blocks in force, seed, id key tag
    result: dict[str, Any] | None  # None: too large to keep, read the row
    meta: AnalysisMeta


def _fresh_analyses() -> LRU[int, _Fresh]:
    """consultation id -> :class:`_Fresh`, one per process."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    return per_app(app, _FRESH, lambda: LRU(FRESH_KEPT))


def _freshness_state(consultation: Consultation) -> tuple[int, str, int, str]:
    """What a remembered fresh analysis must still match (one query: the blocks in force)."""
    return (
        int(consultation.content_version or 0),
        adapters.active_blocks_tag(),
        int(current_app.config.get("ANALYSIS_SEED", 0)),
        adapters.key_tag(),
    )


def _remembered(
    consultation: Consultation, state: tuple[int, str, int, str]
) -> tuple[dict[str, Any], AnalysisMeta] | None:
    """The analysis this process last served as fresh, if nothing it depends on changed."""
    found = _fresh_analyses().get(consultation.id)
    if found is None or found.state != state:
        return None
    if changed_in_transaction(consultation.id):
        return None  # this transaction's own changes are not in the version yet
    if found.result is not None:
        return found.result, found.meta
    cached = cached_analysis(consultation)
    if cached is None or cached.computed_at != found.meta.computed_at:
        return None
    return cached.result, found.meta


def _recent_stale(
    consultation: Consultation, state: tuple[int, str, int, str]
) -> tuple[dict[str, Any], AnalysisMeta] | None:
    """The analysis this process last served as fresh, as stale, while it is still the stored
    one and younger than ``ANALYSIS_STALE_GRACE_SECONDS`` (what the fingerprint's path would
    answer after a change: the same result marked stale, and a refresh scheduled).

    Only the consultation's version has moved (blocks and settings are the same), so something
    it shows changed since; one query on the stored row's time, no fingerprint.
    """
    if not bool(current_app.config.get("ANALYSIS_BACKGROUND", True)):
        return None
    found = _fresh_analyses().get(consultation.id)
    if found is None or found.result is None or found.state[1:] != state[1:]:
        return None
    computed_at = found.meta.computed_at
    grace = float(current_app.config.get("ANALYSIS_STALE_GRACE_SECONDS", 5.0))
    if computed_at is None or (utcnow() - computed_at).total_seconds() >= grace:
        return None
    if changed_in_transaction(consultation.id):
        return None
    stored_at = db.session.scalar(
        select(CachedAnalysis.computed_at).where(CachedAnalysis.consultation_id == consultation.id)
    )
    if stored_at != computed_at:
        return None  # a newer analysis was stored: the fingerprint's path tells if it is fresh
    tasks.schedule_refresh(consultation.id)
    meta = AnalysisMeta(
        computed_at=computed_at,
        stale=True,
        refreshing=True,
        duration_s=found.meta.duration_s,
        n_votes=found.meta.n_votes,
    )
    return found.result, meta


def _remember(
    consultation: Consultation,
    state: tuple[int, str, int, str],
    result: dict[str, Any],
    meta: AnalysisMeta,
) -> None:
    small = len(result.get("statements") or ()) <= FRESH_MAX_STATEMENTS
    _fresh_analyses().put(consultation.id, _Fresh(state, result if small else None, meta))


def get_analysis(
    consultation: Consultation, *, wait: bool = False
) -> tuple[dict[str, Any] | None, AnalysisMeta]:
    """Return the consultation's analysis and how fresh it is.

    Fresh cache: served as is (without its fingerprint when this process served it as fresh
    at the same content version; see the module's docstring). Stale or missing: recomputed
    inline when ``wait`` is true, background refresh is off (``ANALYSIS_BACKGROUND``), or the
    consultation is small enough (``ANALYSIS_INLINE_MAX_VOTES``); otherwise a background
    refresh is scheduled and the last result (``stale=True``), or ``None`` if there is none
    yet, is returned.
    """
    state = _freshness_state(consultation)
    remembered = _remembered(consultation, state)
    if remembered is not None:
        return remembered
    if not wait:
        last = _recent_stale(consultation, state)
        if last is not None:
            return last
    exclusions = adapters.exclusions_for(consultation)
    fingerprint, n_votes = analysis_fingerprint(consultation, exclusions)
    cached = cached_analysis(consultation)
    fresh = cached is not None and cached.fingerprint == fingerprint
    if fresh and cached is not None:
        meta = AnalysisMeta(
            computed_at=cached.computed_at,
            stale=False,
            refreshing=False,
            duration_s=cached.duration_s,
            n_votes=n_votes,
        )
        _remember(consultation, state, cached.result, meta)
        return cached.result, meta
    if not fresh:
        background = bool(current_app.config.get("ANALYSIS_BACKGROUND", True))
        # While votes stream in, a small analysis computed moments ago is served (stale) and
        # refreshed by the job: concurrent readers do not all recompute it inline.
        grace = float(current_app.config.get("ANALYSIS_STALE_GRACE_SECONDS", 5.0))
        recent = cached is not None and (utcnow() - cached.computed_at).total_seconds() < grace
        if wait or not background:
            return refresh_analysis(consultation)
        if n_votes <= inline_limit() and not recent:
            # One request recomputes; the others meanwhile serve the last result (or 202
            # without one) instead of all computing the same analysis at once.
            computed = _refresh_once(consultation)
            if computed is not None:
                return computed
        tasks.schedule_refresh(consultation.id)
    meta = AnalysisMeta(
        computed_at=cached.computed_at if cached else None,
        stale=not fresh,
        refreshing=not fresh,
        duration_s=cached.duration_s if cached else None,
        n_votes=n_votes,
    )
    return (cached.result if cached else None), meta


def inline_key(consultation_id: int) -> str:
    """The lock key of a consultation's recomputation inside a request."""
    return f"analysis-inline:{int(consultation_id)}"


def _refresh_once(consultation: Consultation) -> tuple[dict[str, Any], AnalysisMeta] | None:
    """Recompute inline unless another request is already doing it (then None).

    The lock is Redis's with ``REDIS_URL`` (one request across every process), else this
    process's; it expires by itself after ``ANALYSIS_LOCK_SECONDS`` if its holder dies.
    """
    locks = KeyLocks(current_app._get_current_object())  # type: ignore[attr-defined]
    key = inline_key(consultation.id)
    token = locks.acquire(key, float(current_app.config.get("ANALYSIS_LOCK_SECONDS", 60)))
    if token is None:
        return None
    try:
        return refresh_analysis(consultation)
    finally:
        locks.release(key, token)


def get_analysis_result(
    consultation: Consultation, *, wait: bool = False
) -> tuple[AnalysisResult | None, AnalysisMeta]:
    """:func:`get_analysis`, read as an :class:`~debate.result.AnalysisResult` (what every page,
    report and export reads; the stored JSON is the API's answer)."""
    result, meta = get_analysis(consultation, wait=wait)
    return (AnalysisResult.from_json(result) if result is not None else None), meta


# --------------------------------------------------------------------------------------------
# "Vote on the next statement": Pol.is-style routing by the analysis priority


def _unvoted(consultation: Consultation, user: Any) -> tuple[Any, ...]:
    voted = select(Vote.statement_id).where(
        Vote.consultation_id == consultation.id, Vote.user_id == user.id
    )
    flagged = select(Flag.statement_id).where(Flag.resolved_at.is_(None))
    return (
        Statement.consultation_id == consultation.id,
        Statement.status == StatementStatus.visible,
        Statement.id.not_in(voted),
        Statement.id.not_in(flagged),
        or_(Statement.author_id.is_(None), Statement.author_id != user.id),
    )


def unvoted_statement_ids(consultation: Consultation, user: Any) -> list[int]:
    """Return the statements a user may be offered to vote on, by id.

    Visible statements the user has not voted on, leaving out their own (posting one is an
    agree vote, as in Pol.is) and those with a flag no moderator has reviewed yet: hidden and
    pending ones are never offered.
    """
    return list(
        db.session.scalars(
            select(Statement.id).where(*_unvoted(consultation, user)).order_by(Statement.id)
        )
    )


def unvoted_statement_count(consultation: Consultation, user: Any) -> int:
    """How many statements ``unvoted_statement_ids`` would return (counted by the database)."""
    found = db.session.scalar(select(func.count(Statement.id)).where(*_unvoted(consultation, user)))
    return int(found or 0)


def vote_progress(consultation: Consultation, user: Any) -> tuple[int, int]:
    """Return how many visible statements the user has voted on, and how many are left."""
    visible = select(Statement.id).where(
        Statement.consultation_id == consultation.id,
        Statement.status == StatementStatus.visible,
    )
    voted = db.session.scalar(
        select(func.count(Vote.id)).where(
            Vote.consultation_id == consultation.id,
            Vote.user_id == user.id,
            Vote.statement_id.in_(visible),
        )
    )
    return int(voted or 0), len(unvoted_statement_ids(consultation, user))


def statement_targets(statement: Statement) -> list[tuple[Relation, Statement]]:
    """Return what an argument supports or attacks: (relation, visible target) pairs."""
    rows = db.session.execute(
        select(StatementLink.relation, Statement)
        .join(Statement, Statement.id == StatementLink.target_id)
        .where(
            StatementLink.source_id == statement.id,
            Statement.status == StatementStatus.visible,
        )
        .order_by(Statement.id)
    ).all()
    return [(relation, target) for relation, target in rows]


def statement_priorities(result: dict[str, Any] | None) -> dict[str, float]:
    """Return the analysis's routing priority per statement id (empty if it has none)."""
    return dict(AnalysisResult.from_json(result).priority) if result else {}


def next_statement_for(
    consultation: Consultation, user: Any, *, language: str | None = None
) -> Statement | None:
    """Choose the next statement for this user to vote on, or None if none is left.

    As in Pol.is, an unvoted visible statement is drawn with probability proportional to its
    priority in the analysis (statements the analysis has not seen yet, i.e. new ones, get the
    highest priority), times (1 + 3 × the share of its voters who marked it as important to them).
    The draw is seeded by the user and the number of statements left, so
    reloading the page shows the same statement until the user votes.

    For a reader of ``language``, a statement written in another language weighs three times
    more once it is translated into the reader's language, and a quarter while it is not.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    candidates = unvoted_statement_ids(consultation, user)
    if not candidates:
        return None
    result, _meta = get_analysis(consultation)
    priorities = statement_priorities(result)
    known = [priorities[k] for k in map(adapters.statement_key, candidates) if k in priorities]
    top = max(known, default=1.0)
    if top <= 0:
        top = 1.0
    # "This matters to me": a statement marked by a share s of its voters weighs (1 + 3 s).
    shares = importance_shares(consultation.id)
    weights = [
        (max(priorities.get(adapters.statement_key(sid), top), 0.0) + 1e-9)
        * (1.0 + IMPORTANCE_WEIGHT * shares.get(sid, 0.0))
        for sid in candidates
    ]
    if language is not None:
        written = dict(
            db.session.execute(
                select(Statement.id, Statement.language).where(Statement.id.in_(candidates))
            ).all()
        )
        translated = translated_ids(candidates)
        weights = [
            w * language_weight(written.get(sid), language, translated[sid])
            for w, sid in zip(weights, candidates, strict=True)
        ]
    rng = random.Random(f"{consultation.id}:{user.id}:{len(candidates)}")
    chosen = rng.choices(candidates, weights=weights, k=1)[0]
    return db.session.get(Statement, chosen)
