"""Opinion groups that keep their identity from one recomputation to the next.

Each recomputation may renumber its groups, move a few participants between them, split one or
merge two. :func:`match_groups` tells which new group *is* which previous group, by the members
they share, so that a group keeps its id (its letter, its colour) while it is the same group:

- the new group and the previous group match when each is the other's best partner: the new
  group holds more of the previous group's members than any other new group does, and the
  previous group supplied more of the new group's (previously clustered) members than any other
  previous group did;
- a new group without a match gets a new id (ids are never reused);
- a previous group without a match is *retired*, with the group that now holds most of its
  members (the group it joined), or ``None`` when none of them is clustered any more.

Participants who were not clustered before (newcomers) do not count towards a match: a group
that doubles with newcomers is still the same group.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["StableGroup", "RetiredGroup", "GroupMatch", "match_groups", "group_letter"]


@dataclass(frozen=True)
class StableGroup:
    """An opinion group with its stable id and its members (participant ids)."""

    id: int
    members: frozenset[str]


@dataclass(frozen=True)
class RetiredGroup:
    """A group that merged into another or disappeared.

    ``joined`` is the stable id of the group holding most of its former members (None when
    none of them is in a group any more); ``update`` the number of the recomputation that
    retired it and ``at`` its time (seconds since 1970) when the caller gave one.
    """

    id: int
    joined: int | None
    update: int
    at: float | None = None


@dataclass(frozen=True)
class GroupMatch:
    """Result of :func:`match_groups`.

    Attributes
    ----------
    ids : tuple of int
        The stable id of each new group, in the order the new groups were given.
    groups : tuple of StableGroup
        The new groups with their stable ids and members, in the same order.
    retired : tuple of RetiredGroup
        Previous groups that have no successor, by id.
    next_id : int
        The id the next new group will get.
    """

    ids: tuple[int, ...]
    groups: tuple[StableGroup, ...]
    retired: tuple[RetiredGroup, ...]
    next_id: int


def match_groups(
    previous: Sequence[StableGroup],
    current: Sequence[Iterable[str]],
    *,
    next_id: int | None = None,
    update: int = 0,
    at: float | None = None,
) -> GroupMatch:
    """Give each new group the id of the previous group it continues, or a new id.

    Parameters
    ----------
    previous : sequence of StableGroup
        The groups of the previous recomputation, with their ids.
    current : sequence of iterables of str
        The members of each new group.
    next_id : int, optional
        The first id free for new groups (default: one more than the largest id in
        ``previous``, or 0). Pass the stored value so that retired ids are never reused.
    update : int, default 0
        Recorded in each :class:`RetiredGroup`.
    at : float, optional
        The time of this recomputation, recorded in each :class:`RetiredGroup`.

    Returns
    -------
    GroupMatch

    Examples
    --------
    Group 0 keeps its id although its members moved a little; the new group gets id 2; group 1
    merged into group 0:

    >>> before = [StableGroup(0, frozenset("abcd")), StableGroup(1, frozenset("ef"))]
    >>> m = match_groups(before, [set("abcdef"), set("xyz")])
    >>> m.ids, [(r.id, r.joined) for r in m.retired], m.next_id
    ((0, 2), [(1, 0)], 3)
    >>> group_letter(m.ids[1])
    'C'
    """
    new_sets = [frozenset(members) for members in current]
    start = next_id if next_id is not None else max((g.id for g in previous), default=-1) + 1
    now = {member for group in new_sets for member in group}
    # shared[i][j]: members the previous group i and the new group j have in common.
    shared = [[len(old.members & new) for new in new_sets] for old in previous]

    def best_new(i: int) -> int | None:
        """The new group holding most of previous group i's members (ties: the first)."""
        counts = shared[i]
        if not counts or max(counts) == 0:
            return None
        return counts.index(max(counts))

    def best_old(j: int) -> int | None:
        """The previous group that supplied most of new group j's members (ties: lower id)."""
        candidates = [(shared[i][j], -previous[i].id, i) for i in range(len(previous))]
        candidates = [c for c in candidates if c[0] > 0]
        return max(candidates)[2] if candidates else None

    ids: list[int | None] = [None] * len(new_sets)
    for j in range(len(new_sets)):
        i = best_old(j)
        if i is not None and best_new(i) == j:
            ids[j] = previous[i].id
    fresh = start
    for j, gid in enumerate(ids):
        if gid is None:
            ids[j] = fresh
            fresh += 1
    final = tuple(int(g) for g in ids if g is not None)
    matched = set(final)
    retired = []
    for i, old in sorted(enumerate(previous), key=lambda item: item[1].id):
        if old.id in matched:
            continue
        target = best_new(i)
        joined = final[target] if target is not None and (old.members & now) else None
        retired.append(RetiredGroup(id=old.id, joined=joined, update=update, at=at))
    return GroupMatch(
        ids=final,
        groups=tuple(
            StableGroup(id=gid, members=members)
            for gid, members in zip(final, new_sets, strict=True)
        ),
        retired=tuple(retired),
        next_id=max(fresh, start),
    )


def group_letter(group_id: int) -> str:
    """The letter(s) of a stable group id: 0 → A, 25 → Z, 26 → AA, 27 → AB, ...

    Examples
    --------
    >>> [group_letter(i) for i in (0, 1, 25, 26, 27, 701, 702)]
    ['A', 'B', 'Z', 'AA', 'AB', 'ZZ', 'AAA']
    """
    if group_id < 0:
        raise ValueError("group ids are not negative")
    letters = ""
    n = group_id + 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters
