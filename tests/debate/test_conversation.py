"""Pol.is's conversation updates and replays (debate.conversation)."""

import json

import numpy as np
import pytest

from debate.conversation import (
    ConversationState,
    KSmoother,
    _continuous_projection,
    _hash_order,
    _kmeans,
    _nearest_last,
    _smooth_k,
    clojure_hash,
    replay_conversation,
    update_conversation,
)
from debate.errors import InputError
from debate.groups import participant_projection
from debate.polis import VoteLog
from debate.types import VoteMatrix


def camps(n_a=12, n_b=8, n_statements=7, extra=()):
    """Two camps voting opposite ways on every statement; ``extra`` rows are appended."""
    a = [1 if j % 2 == 0 else -1 for j in range(n_statements)]
    b = [-v for v in a]
    return VoteMatrix.from_dense([a] * n_a + [b] * n_b + list(extra))


def log_of(matrix, seconds_apart=60.0):
    """A vote log holding ``matrix``'s votes one after another, row by row."""
    n = matrix.n_votes
    return VoteLog(
        matrix.participants,
        matrix.statements,
        matrix.rows.astype(np.int64),
        matrix.cols.astype(np.int64),
        matrix.values.copy(),
        np.arange(n, dtype=np.float64) * seconds_apart,
    )


class TestUpdateConversation:
    def test_update_conversation_first_update_finds_the_camps(self):
        update = update_conversation(ConversationState(), camps())
        groups = update.groups
        assert (groups.k, groups.sizes.tolist(), groups.ids) == (2, [12, 8], (0, 1))
        assert groups.labels.tolist() == [0] * 12 + [1] * 8
        assert update.best_k == 2
        assert update.state.updates == 1
        assert update.state.in_conv == frozenset(camps().participants)

    def test_update_conversation_keeps_ids_between_updates(self):
        first = update_conversation(ConversationState(), camps())
        # Two newcomers join camp b: the groups keep their ids and grow.
        more = camps(extra=[[-1, 1, -1, 1, -1, 1, -1]] * 2)
        second = update_conversation(first.state, more)
        assert second.groups.ids == (0, 1)
        assert second.groups.sizes.tolist() == [12, 10]
        assert second.retired == ()
        assert second.state.k_smoother == KSmoother(last_k=2, last_k_count=2, smoothed_k=2)

    def test_update_conversation_once_in_always_in(self):
        # 20 participants vote on the 3 statements there are: 3 = min(7, 3) votes, all in.
        first = np.full((21, 10), None, dtype=object)
        first[:20, :3] = [[1, -1, 1]] * 10 + [[-1, 1, -1]] * 10
        first[20, :2] = [1, 1]  # participant 20: 2 votes, out (20 others qualify)
        m1 = VoteMatrix.from_dense(first.tolist())
        s1 = update_conversation(ConversationState(), m1).state
        assert "20" not in s1.in_conv and len(s1.in_conv) == 20
        # Seven more statements get votes from others: the threshold is now 7, yet the 20 stay.
        second = np.full((30, 10), None, dtype=object)
        second[:21] = first
        second[21:30, :] = [[1, -1, 1, -1, 1, -1, 1, -1, 1, -1]] * 9
        second[20, :3] = [1, 1, 1]  # 3 votes: not enough now
        s2 = update_conversation(s1, VoteMatrix.from_dense(second.tolist())).state
        assert s1.in_conv <= s2.in_conv
        assert "20" not in s2.in_conv
        assert {str(i) for i in range(21, 30)} <= s2.in_conv

    def test_update_conversation_tops_up_to_fifteen_most_active(self):
        rows = []
        for i in range(18):
            n_votes = 7 if i < 5 else i % 7  # five with 7 votes; others 0..6 votes
            rows.append([1 if (i + j) % 2 else -1 for j in range(n_votes)] + [None] * (7 - n_votes))
        m = VoteMatrix.from_dense(rows)
        state = update_conversation(ConversationState(), m).state
        counts = np.bincount(m.rows, minlength=18)
        assert len(state.in_conv) == 15
        left_out = sorted(set(m.participants) - state.in_conv, key=int)
        # The three left out have the fewest votes (ties decided by Clojure's hash order).
        assert max(counts[int(p)] for p in left_out) <= min(counts[int(p)] for p in state.in_conv)

    def test_update_conversation_removed_participant_leaves(self):
        first = update_conversation(ConversationState(), camps())
        # Participant "19" (camp b's last) is gone, say excluded from the analysis.
        without = VoteMatrix.from_dense(
            [[1 if j % 2 == 0 else -1 for j in range(7)]] * 12
            + [[-1 if j % 2 == 0 else 1 for j in range(7)]] * 7
        )
        second = update_conversation(first.state, without)
        assert "19" not in second.state.in_conv
        assert all("19" not in c.members for c in second.state.base_clusters)
        assert second.groups.sizes.tolist() == [12, 7]

    def test_update_conversation_too_little_to_cluster(self):
        update = update_conversation(ConversationState(), VoteMatrix.from_dense([[1, -1]]))
        assert update.groups.k == 0
        assert update.state.updates == 1
        assert update.state.in_conv == {"0"}

    def test_update_conversation_restart_forgets_group_clusterings_and_k_history(self):
        state = update_conversation(ConversationState(), camps()).state
        state = update_conversation(state, camps()).state
        assert state.group_clusterings and state.k_smoother.last_k_count == 2
        restarted = state.restarted()
        assert restarted.group_clusterings == {} and restarted.k_smoother == KSmoother()
        assert restarted.base_clusters == state.base_clusters
        assert restarted.in_conv == state.in_conv
        after = update_conversation(restarted, camps())
        assert after.state.k_smoother == KSmoother(2, 1, 2)
        assert after.groups.ids == (0, 1)  # identity survives the restart


class TestConversationStateJson:
    def test_state_json_round_trip_after_updates(self):
        state = ConversationState()
        for m in (camps(), camps(extra=[[1, -1, 1, -1, 1, -1, 1]])):
            state = update_conversation(state, m).state
        data = json.loads(json.dumps(state.to_json()))
        assert ConversationState.from_json(data) == state
        assert data["k_smoother"] == {"last_k": 2, "last_k_count": 2, "smoothed_k": 2}
        assert [g["id"] for g in data["groups"]] == [0, 1]

    def test_state_continues_the_same_from_json(self):
        state = update_conversation(ConversationState(), camps()).state
        copy = ConversationState.from_json(json.loads(json.dumps(state.to_json())))
        more = camps(extra=[[1, -1, 1, -1, 1, -1, 1]] * 3)
        assert update_conversation(copy, more).state == update_conversation(state, more).state

    @pytest.mark.parametrize("data", [None, {"version": 99}, {"version": 1}, [1, 2]])
    def test_state_from_json_rejects_other_data(self, data):
        with pytest.raises(InputError, match="not a conversation state"):
            ConversationState.from_json(data)


class TestPolisKmeans:
    POINTS = np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 0.0], [5.0, 0.0]])

    def test_kmeans_cold_start_uses_the_first_distinct_points(self):
        result = _kmeans(self.POINTS, 2, last=None, max_iters=20)
        # Starts at (0,0) and (1,0); (1,0) then moves to the first cluster.
        assert result.ids.tolist() == [0, 1]
        assert result.labels.tolist() == [0, 0, 0, 1]
        assert result.centers.tolist() == [[1 / 3, 0.0], [5.0, 0.0]]

    def test_kmeans_clean_start_splits_off_the_most_distant_point(self):
        result = _kmeans(self.POINTS, 2, last=[(7, [0, 1, 2, 3])], max_iters=20)
        assert result.ids.tolist() == [7, 8]  # the new cluster takes the next id
        assert result.labels.tolist() == [0, 0, 0, 1]

    def test_kmeans_clean_start_merges_identical_clusters(self):
        # Clusters 3 and 4 both sit on (0,0): merged under the later id (equal sizes).
        result = _kmeans(self.POINTS, 2, last=[(3, [0]), (4, [1]), (5, [2, 3])], max_iters=20)
        assert result.ids.tolist() == [4, 5]

    def test_kmeans_drops_clusters_of_vanished_members(self):
        result = _kmeans(self.POINTS, 2, last=[(1, []), (2, [0, 1, 2, 3])], max_iters=20)
        assert 1 not in result.ids.tolist()

    def test_kmeans_weights_pull_the_centre(self):
        weights = np.array([1.0, 1.0, 10.0, 1.0])
        result = _kmeans(self.POINTS, 1, last=None, weights=weights, max_iters=20)
        assert result.centers[0, 0] == pytest.approx(15.0 / 13.0)


class TestNearestCentre:
    def test_nearest_last_tree_path_equals_the_exhaustive_search(self):
        rng = np.random.default_rng(3)
        centres = rng.integers(-20, 20, size=(100, 2)).astype(float)
        # Integer grid points: many are exactly as far from two centres (ties to the later).
        points = rng.integers(-25, 25, size=(6000, 2)).astype(float)
        picks, dist = _nearest_last(points, centres)  # 600,000 pairs: the k-d tree
        full = np.sqrt(((points[:, None, :] - centres[None]) ** 2).sum(-1))
        expected = 99 - np.argmin(full[:, ::-1], axis=1)
        assert np.allclose(dist, full.min(axis=1))
        ties = (full == full.min(axis=1, keepdims=True)).sum(axis=1)
        agree = picks == expected
        assert agree[ties <= 2].all()  # three-way ties may differ, nothing else
        assert (ties == 2).sum() > 50


class TestPolisRules:
    def test_smooth_k_needs_four_wins_in_a_row(self):
        smoother = KSmoother()
        used = []
        for best in (2, 3, 3, 3, 2, 3, 3, 3, 3):
            smoother = _smooth_k(smoother, best)
            used.append(smoother.smoothed_k)
        assert used == [2, 2, 2, 2, 2, 2, 2, 2, 3]

    def test_clojure_hash_of_longs(self):
        assert clojure_hash(1) == 1392991556  # (hash 1) in Clojure
        assert clojure_hash("1") == clojure_hash(1)
        assert clojure_hash(0) == 0

    def test_hash_order_small_maps_keep_insertion_order(self):
        assert _hash_order([5, 3, 9]) == [0, 1, 2]

    def test_hash_order_large_maps_follow_the_hash_trie(self):
        keys = list(range(20))
        order = _hash_order(keys)
        paths = [[(clojure_hash(keys[i]) >> s) & 31 for s in range(0, 32, 5)] for i in order]
        assert sorted(order) == keys and paths == sorted(paths)

    def test_continuous_projection_keeps_the_previous_signs(self):
        m = camps()
        proj = participant_projection(m)
        previous = {
            s: (-proj.components[0, j], proj.components[1, j]) for j, s in enumerate(m.statements)
        }
        turned = _continuous_projection(proj, m, previous)
        assert np.allclose(turned.components[0], -proj.components[0])
        assert np.allclose(turned.positions[:, 0], -proj.positions[:, 0])
        assert np.allclose(turned.components[1], proj.components[1])


class TestReplayConversation:
    def test_replay_every_n_votes(self):
        replay = replay_conversation(log_of(camps()), every=40)
        assert replay.cuts == (40, 80, 120, 140)
        assert replay.update.groups.k == 2
        assert replay.state.updates == 4

    def test_replay_cadence_batches_votes_by_time(self):
        # One vote a minute: 10-minute windows hold 11 votes (first vote + 10 minutes).
        replay = replay_conversation(log_of(camps()), cadence=600)
        assert replay.cuts[:2] == (11, 22)
        assert replay.cuts[-1] == 140

    def test_replay_restarts_after_silences_and_at_the_end(self):
        log = log_of(camps())
        log.times[70:] += 10 * 86400  # ten days of silence in the middle
        replay = replay_conversation(log, every=35, restart_after=86400, restart_at_end=True)
        assert replay.restarts == 2  # after the silence, and the final one
        assert replay.cuts == (35, 70, 105, 140, 140)
        assert replay.state.k_smoother.last_k_count == 1

    def test_replay_calls_back_after_every_update(self):
        seen = []
        replay_conversation(log_of(camps()), every=70, on_update=lambda n, u: seen.append(n))
        assert seen == [70, 140]

    @pytest.mark.parametrize(("every", "cadence"), [(0, None), (None, -1.0)])
    def test_replay_bad_cadence(self, every, cadence):
        with pytest.raises(InputError):
            replay_conversation(log_of(camps()), every=every, cadence=cadence)
