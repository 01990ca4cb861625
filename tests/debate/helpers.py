"""Builders shared by the debate tests."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from debate.types import VoteMatrix

ROOT = Path(__file__).resolve().parents[2]

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


def run_debate_polis(folder: Path, *, check: bool = True) -> subprocess.CompletedProcess[str]:
    """``python -m debate polis FOLDER --json``, run as a separate process from the repository."""
    return subprocess.run(
        [sys.executable, "-m", "debate", "polis", str(folder), "--json"],
        capture_output=True,
        text=True,
        check=check,
        cwd=ROOT,
        timeout=600,
    )
