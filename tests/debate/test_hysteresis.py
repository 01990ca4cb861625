"""Display hysteresis of the groups shown (debate.conversation.Hysteresis)."""

import numpy as np
import pytest

from debate.conversation import (
    ConversationState,
    Hysteresis,
    _keep_groups,
    _shown_k,
    update_conversation,
)
from debate.errors import InputError
from debate.identity import StableGroup
from debate.types import VoteMatrix

PATTERNS = {
    0: [1 if j % 2 == 0 else -1 for j in range(12)],
    1: [-1 if j % 2 == 0 else 1 for j in range(12)],
    2: [1 if j < 6 else -1 for j in range(12)],
}


def camps(which, n=20, flip=0.15, seed=0):
    """``n`` participants per camp, each voting their camp's way with ``flip`` of votes flipped."""
    rng = np.random.default_rng(seed)
    rows = []
    for camp in which:
        for _ in range(n):
            votes = np.array(PATTERNS[camp])
            flipped = rng.random(len(votes)) < flip
            votes[flipped] = -votes[flipped]
            rows.append(votes.tolist())
    return VoteMatrix.from_dense(rows)


def third_camp_arrives(hysteresis, updates=5):
    """Two camps, then a third one arriving; the updates after it arrived."""
    state = update_conversation(ConversationState(), camps([0, 1]), hysteresis=hysteresis).state
    result = []
    for _ in range(updates):
        update = update_conversation(state, camps([0, 1, 2]), hysteresis=hysteresis)
        state = update.state
        result.append(update)
    return result


class TestShownK:
    def test_a_new_k_below_the_margin_is_not_shown(self):
        # Pol.is's smoother adopts k = 3 (silhouette 0.648 against 0.545 for 2) at the fourth
        # update; a margin of 0.2 keeps the two groups shown and records 3 as pending.
        plain = third_camp_arrives(None)
        assert plain[-1].state.k_smoother.smoothed_k == 3
        assert plain[-1].groups.k == 3
        held = third_camp_arrives(Hysteresis(silhouette_margin=0.2))
        last = held[-1]
        assert last.state.k_smoother.smoothed_k == 3  # Pol.is's rules run unchanged underneath
        assert last.groups.k == 2
        assert (last.state.shown_k, last.state.k_pending) == (2, 3)
        assert last.groups.ids == plain[0].groups.ids  # the shown groups keep their ids
        assert last.state.group_clusterings == plain[-1].state.group_clusterings

    def test_a_clearly_better_k_is_shown(self):
        updates = third_camp_arrives(Hysteresis())
        shown = [u.groups.k for u in updates]
        assert shown == [2, 2, 2, 3, 3]  # when Pol.is's smoother adopts it, not before
        assert (updates[-1].state.shown_k, updates[-1].state.k_pending) == (3, None)
        assert sorted(updates[-1].groups.sizes.tolist()) == [19, 20, 21]

    def test_shown_k_rule(self):
        h = Hysteresis(silhouette_margin=0.05)
        assert _shown_k(None, 3, {2: 0.9, 3: 0.1}, h) == (3, None)  # nothing shown yet
        assert _shown_k(2, 2, {2: 0.5, 3: 0.9}, h) == (2, None)
        assert _shown_k(2, 3, {2: 0.50, 3: 0.54}, h) == (2, 3)
        assert _shown_k(2, 3, {2: 0.50, 3: 0.55}, h) == (3, None)
        assert _shown_k(4, 2, {2: 0.3, 3: 0.2}, h) == (2, None)  # the shown k is not tried

    def test_margins_are_checked(self):
        with pytest.raises(InputError):
            Hysteresis(move_margin=1.0)
        with pytest.raises(InputError):
            Hysteresis(silhouette_margin=-0.1)


class TestKeepGroups:
    state = ConversationState(
        groups=(StableGroup(0, frozenset("abc")), StableGroup(1, frozenset("def"))),
        next_group_id=2,
    )
    members = list("abcdef")
    centers = np.array([[-1.0, 0.0], [1.0, 0.0]])

    def keep(self, c_position, move_margin=0.1):
        points = np.array(
            [[-1.0, 0.0], [-1.1, 0.0], c_position, [1.0, 0.0], [1.1, 0.0], [0.9, 0.0]]
        )
        kmeans = np.array([0, 0, 1, 1, 1, 1])  # k-means moved c to the other group
        h = Hysteresis(move_margin=move_margin)
        return _keep_groups(self.state, self.members, kmeans, points, self.centers, h, 1)

    def test_a_participant_near_the_boundary_keeps_the_group(self):
        # c is 1.05 from its group's centre and 0.95 from the other: not 10 % closer.
        assert self.keep([0.05, 0.0]).tolist() == [0, 0, 0, 1, 1, 1]

    def test_a_participant_clearly_closer_to_another_group_moves(self):
        # 0.5 against 1.5: the other centre is two thirds closer.
        assert self.keep([0.5, 0.0]).tolist() == [0, 0, 1, 1, 1, 1]
        # With no margin, the nearest centre wins as in k-means.
        assert self.keep([0.05, 0.0], move_margin=0.0).tolist() == [0, 0, 1, 1, 1, 1]

    def test_newcomers_and_members_of_ended_groups_go_where_k_means_puts_them(self):
        members = [*self.members, "g"]
        points = np.array(
            [[-1.0, 0.0], [-1.1, 0.0], [0.05, 0.0], [1.0, 0.0], [1.1, 0.0], [0.9, 0.0], [0, 0]]
        )
        kmeans = np.array([0, 0, 1, 1, 1, 1, 0])
        h = Hysteresis()
        kept = _keep_groups(self.state, members, kmeans, points, self.centers, h, 1)
        assert kept.tolist() == [0, 0, 0, 1, 1, 1, 0]
        # Everyone in one group now: group 0 ended (retired), its members are not kept in it.
        merged = np.zeros(7, dtype=np.int64)
        one = np.array([[0.0, 0.0]])
        assert _keep_groups(self.state, members, merged, points, one, h, 1).tolist() == [0] * 7

    def test_the_shown_groups_are_what_the_update_reports(self):
        # The first groups shown are Pol.is's; on the same votes they stay as they are, and the
        # sizes reported are the shown groups' own.
        base = camps([0, 1], flip=0.1)
        plain = update_conversation(ConversationState(), base)
        stable = update_conversation(ConversationState(), base, hysteresis=Hysteresis())
        # Nothing shown before: the first groups are Pol.is's.
        assert stable.groups.labels.tolist() == plain.groups.labels.tolist()
        assert stable.state.shown_k == plain.groups.k
        assert plain.state.shown_k is None
        again = update_conversation(stable.state, base, hysteresis=Hysteresis())
        assert again.groups.labels.tolist() == stable.groups.labels.tolist()
        assert again.groups.ids == stable.groups.ids
        assert again.groups.sizes.tolist() == np.bincount(again.groups.labels).tolist()


class TestState:
    def test_state_round_trip_keeps_shown_and_pending_k(self):
        state = third_camp_arrives(Hysteresis(silhouette_margin=0.2))[-1].state
        assert (state.shown_k, state.k_pending) == (2, 3)
        data = state.to_json()
        assert (data["shown_k"], data["k_pending"]) == (2, 3)
        assert ConversationState.from_json(data) == state

    def test_a_state_stored_before_hysteresis_reads_without_shown_k(self):
        data = ConversationState(updates=3).to_json()
        del data["shown_k"], data["k_pending"]
        state = ConversationState.from_json(data)
        assert (state.shown_k, state.k_pending, state.updates) == (None, None, 3)

    def test_fresh_identities_forget_the_shown_k(self):
        state = ConversationState(shown_k=3, k_pending=4, next_group_id=5)
        fresh = state.without_identities()
        assert (fresh.shown_k, fresh.k_pending) == (None, None)
        assert state.restarted().shown_k == 3  # a restart keeps what the platform shows
