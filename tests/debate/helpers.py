"""Builders shared by the debate tests."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from debate.types import VoteMatrix

#: The keys of the analysis result every consumer reads (docs/API.md section 4).
ANALYSIS_KEYS = frozenset(
    {
        "participants",
        "groups",
        "consensus",
        "group_informed_consensus",
        "divisive",
        "uncertain",
        "bridging",
        "strength",
        "cruxes",
        "controversy",
        "k",
        "seed",
        "timings",
    }
)


def from_array(votes: Any, moderated_out: Iterable[str] = (), *, missing: int = 0) -> VoteMatrix:
    """VoteMatrix from a dense array of +1/-1/0 votes, ``missing`` marking "not voted"."""
    votes = np.asarray(votes)
    rows, cols = np.nonzero(votes != missing)
    return VoteMatrix(
        participants=tuple(f"p{i}" for i in range(votes.shape[0])),
        statements=tuple(f"s{j}" for j in range(votes.shape[1])),
        rows=rows.astype(np.int32),
        cols=cols.astype(np.int32),
        values=votes[rows, cols].astype(np.int8),
        moderated_out=frozenset(moderated_out),
    )
