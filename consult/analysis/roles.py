""" "Common ground" or "divides opinion": one rule decides which label a statement carries.

The analysis core lists, side by side, Pol.is's consensus statements (a significant majority of
everyone agrees, or disagrees) and every statement's spread between opinion groups (the
difference between the groups' shares agreeing). Both lists can name the same statement: 78 %
of everyone may agree while one group agrees at 90 % and another at 50 %. The pages, the report
and the badges never show both labels on one statement:

- a statement **divides opinion** when two groups' shares agreeing differ by at least
  :data:`DIVIDES_MIN_SPREAD` (30 points);
- a statement is **common ground** when Pol.is counts it as consensus (or, in the
  group-informed list, agreement that holds in every group) and it does not divide opinion;
- cruxes (statements that predict a participant's group) are listed where groups differ, so a
  common-ground statement is never listed as one;
- the rule is applied in that order: a divide between groups outweighs an overall majority,
  since the majority hides a group that does not share it.

docs/analysis.md ("Common ground and divides opinion") states the rule for readers.
"""

from __future__ import annotations

from dataclasses import dataclass

from debate.result import AnalysisResult

#: The smallest difference between two groups' shares agreeing that "divides opinion".
DIVIDES_MIN_SPREAD = 0.3


@dataclass(frozen=True)
class StatementRoles:
    """The statements labelled "common ground" and "divides opinion" (disjoint sets of ids)."""

    common_ground: frozenset[str]
    divisive: frozenset[str]

    def is_common_ground(self, statement: str) -> bool:
        return statement in self.common_ground

    def is_divisive(self, statement: str) -> bool:
        return statement in self.divisive


def statement_roles(result: AnalysisResult) -> StatementRoles:
    """Label the statements of an analysis by the rule above."""
    divisive = frozenset(d.statement for d in result.divisive if d.spread >= DIVIDES_MIN_SPREAD)
    consensus = {c.statement for c in (*result.consensus.agree, *result.consensus.disagree)}
    return StatementRoles(common_ground=frozenset(consensus - divisive), divisive=divisive)
