"""Kenes analysis core: opinion groups, consensus, bridging and argument strength.

Pure Python on numpy, scipy, scikit-learn and networkx: no database, no web. The plain data
types (:mod:`debate.types`) and errors (:mod:`debate.errors`) are imported eagerly; every
other public name is loaded on first use, so that ``import debate`` (and the command line)
stays fast. A new public function is added to its module's ``__all__`` and to ``_LAZY`` below.

>>> from debate import VoteMatrix, analyse
>>> analyse(VoteMatrix.from_dense([[1, -1]] * 9 + [[-1, 1]] * 7))["k"]
2
"""

from __future__ import annotations

import importlib
from typing import Any

from debate.errors import DebateError, GraphError, InputError
from debate.types import (
    AGREE,
    DISAGREE,
    PASS,
    Claim,
    Relation,
    RelationKind,
    Stance,
    VoteMatrix,
)

_LAZY: dict[str, tuple[str, ...]] = {
    "debate.analysis": ("analyse", "vote_base_scores"),
    "debate.polis": (
        "PolisExport",
        "VoteLog",
        "GroupAssignment",
        "read_polis_export",
        "polis_group_ids",
        "read_group_assignment",
    ),
    "debate.conversation": (
        "ConversationState",
        "ConversationUpdate",
        "update_conversation",
        "replay_conversation",
        "Replay",
    ),
    "debate.identity": ("StableGroup", "RetiredGroup", "match_groups", "group_letter"),
    "debate.groups": (
        "Projection",
        "participant_projection",
        "clustered_participants",
        "OpinionGroups",
        "opinion_groups",
        "assigned_groups",
        "VoteCounts",
        "vote_counts",
        "representative_statements",
        "majority_consensus",
        "group_informed_consensus",
        "divisive_statements",
        "uncertain_statements",
        "comment_priorities",
        "next_statement",
    ),
    "debate.graph": ("argument_graph", "base_scores", "graph_from_json", "graph_to_json"),
    "debate.semantics": ("SEMANTICS", "StrengthResult", "strength"),
    "debate.bridging": ("BridgingProcess", "bridging_process", "bridging_scores"),
    "debate.controversy": ("controversy_score",),
    "debate.cruxes": ("crux_scores",),
    "debate.brigades": ("SuspectedBrigade", "suspected_brigades"),
    "debate.kialo": ("KialoDiscussion", "read_kialo", "kialo_graph"),
    "debate.argdown": ("argdown_text", "graph_from_argdown"),
    "debate.aif": ("aif_json", "graph_from_aif"),
}
_WHERE = {name: module for module, names in _LAZY.items() for name in names}

__all__ = [
    "AGREE",
    "DISAGREE",
    "PASS",
    "Claim",
    "DebateError",
    "GraphError",
    "InputError",
    "Relation",
    "RelationKind",
    "Stance",
    "VoteMatrix",
    *_WHERE,
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'debate' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
