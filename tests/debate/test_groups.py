"""Pol.is opinion groups and statistics (debate.groups)."""

import csv
import functools
import itertools
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from debate.errors import InputError
from debate.groups import (
    Z_90,
    _lloyd_2d,
    _silhouette,
    _two_means_exact,
    _weighted_kmeans,
    clustered_participants,
    comment_priorities,
    divisive_statements,
    group_informed_consensus,
    majority_consensus,
    next_statement,
    opinion_groups,
    participant_projection,
    prop_test,
    representative_statements,
    two_prop_test,
    uncertain_statements,
    vote_counts,
)
from debate.polis import read_polis_export
from debate.types import VoteMatrix

DATA = Path(__file__).resolve().parents[1] / "data" / "polis"

# Adjusted Rand index between our groups and the group-id Polis exported, over participants both
# cluster, as measured (bench/fidelity.py); thresholds sit 0.01 below. football-concussions and
# scoop-hivemind.ubi were clustered by an older Pol.is (participants with fewer than 7 votes are
# in Polis's groups; in ubi the groups are not separable in the 2-D projection): see
# docs/benchmarks.md.
# The older CSV exports (computed by older Pol.is rules, see docs/benchmarks.md): a regression
# set. k is the silhouette's best, as current Pol.is picks it; football-concussions' export kept
# 2 groups where the silhouette prefers 4 (ARI 0.189 with the former k margin of 0.05).
FIDELITY = {
    "15-per-hour-seattle": 0.846,  # measured 0.856
    "brexit-consensus": 0.866,  # 0.876
    "canadian-electoral-reform": 0.954,  # 0.964
    "football-concussions": 0.097,  # 0.107 (k 4)
    "scoop-hivemind.biodiversity": 0.979,  # 0.989
    "scoop-hivemind.ubi": 0.085,  # 0.095
}
SAME_K_AS_POLIS = [
    name for name in FIDELITY if name not in ("scoop-hivemind.ubi", "football-concussions")
]


@functools.cache
def real(name):
    return read_polis_export(DATA / name, polis_groups=True)


@functools.cache
def real_groups(name, seed=0):
    return opinion_groups(real(name).matrix, seed=seed)


def polis_k(name):
    with (DATA / name / "summary.csv").open(newline="") as handle:
        return int(dict(row[:2] for row in csv.reader(handle) if len(row) >= 2)["groups"])


def planted(sizes, n_statements=40, seed=0, noise=0.1, votes_each=None):
    """Groups with opposite stances on random statements; returns (matrix, truth)."""
    rng = np.random.default_rng(seed)
    stance = rng.choice([-1, 1], size=(len(sizes), n_statements))
    truth = np.repeat(np.arange(len(sizes)), sizes)
    rows = []
    for g in truth:
        row = [int(s) if rng.random() > noise else int(-s) for s in stance[g]]
        if votes_each is not None:
            hide = rng.choice(n_statements, n_statements - votes_each, replace=False)
            for j in hide:
                row[j] = None
        rows.append(row)
    return VoteMatrix.from_dense(rows), truth


# --------------------------------------------------------------------------------------------


class TestParticipantProjection:
    def reference(self, dense, moderated=()):
        """Pol.is pca.clj, literally: impute column means, PCA, sparsity-aware projection."""
        mat = np.array([[np.nan if v is None else v for v in row] for row in dense], float)
        voted_cols = ~np.all(np.isnan(mat), axis=0)
        mat = mat[:, voted_cols]
        mod = [j for j in range(len(dense[0])) if j in moderated and voted_cols[j]]
        mod = [int(np.sum(voted_cols[:j])) for j in mod]
        mat[:, mod] = 0.0
        means = np.nanmean(mat, axis=0)
        imputed = np.where(np.isnan(mat), means, mat)
        _, _, vt = np.linalg.svd(imputed - means, full_matrices=False)
        pcs = vt[:2]
        out = []
        for row in mat:
            voted = ~np.isnan(row)
            p = ((row[voted] - means[voted]) @ pcs[:, voted].T) if voted.any() else np.zeros(2)
            out.append(p * np.sqrt(mat.shape[1] / max(voted.sum(), 1)))
        return np.array(out)

    def test_participant_projection_matches_pol_is_reference(self):
        rng = np.random.default_rng(1)
        dense = [
            [None if rng.random() < 0.3 else int(rng.integers(-1, 2)) for _ in range(9)]
            for _ in range(30)
        ]
        dense[0][8] = 1  # make sure the moderated column has a vote
        got = participant_projection(VoteMatrix.from_dense(dense, moderated_out=[8])).positions
        want = self.reference(dense, moderated=(8,))
        # Components are defined up to sign.
        for axis in range(2):
            sign = np.sign(got[:, axis] @ want[:, axis])
            assert np.allclose(got[:, axis], sign * want[:, axis], atol=1e-9)

    def test_participant_projection_moderated_column_counts_in_scaling(self):
        dense = [[1, -1, 1], [-1, 1, None], [1, 1, None], [-1, -1, None]]
        with_mod = participant_projection(VoteMatrix.from_dense(dense, moderated_out=[2]))
        assert with_mod.center[2] == 0.0
        assert with_mod.components[:, 2].tolist() == [0.0, 0.0]
        # Everyone "answered" the zeroed column: 2 own votes + 1 -> scale sqrt(3 / 3) = 1.
        assert with_mod.n_votes.tolist() == [3, 3, 3, 3]
        assert with_mod.n_statements == 3

    def test_participant_projection_sign_is_canonical(self):
        m, _ = planted([10, 10])
        p = participant_projection(m)
        for comp in p.components:
            assert comp[np.argmax(np.abs(comp))] > 0

    def test_participant_projection_sparse_path_agrees_with_dense(self, monkeypatch):
        import debate.groups as groups

        m, _ = planted([60, 40], n_statements=30, votes_each=12)
        dense = participant_projection(m).positions
        monkeypatch.setattr(groups, "_GRAM_MAX", 3)
        sparse = participant_projection(m, seed=5).positions
        assert np.allclose(np.abs(dense), np.abs(sparse), atol=1e-8)

    def test_participant_projection_no_votes(self):
        p = participant_projection(VoteMatrix.from_dense([[None, None]]))
        assert p.positions.tolist() == [[0.0, 0.0]]
        assert p.n_statements == 0


class TestClusteredParticipants:
    def test_clustered_participants_needs_seven_votes(self):
        dense = [[1] * 7 + [None] * 3] * 16 + [[1] * 6 + [None] * 4] * 4
        assert (
            clustered_participants(VoteMatrix.from_dense(dense)).tolist()
            == [True] * 16 + [False] * 4
        )

    def test_clustered_participants_threshold_is_capped_by_statements(self):
        dense = [[1, 0, -1]] * 20 + [[1, None, None]]
        assert clustered_participants(VoteMatrix.from_dense(dense)).sum() == 20

    def test_clustered_participants_tops_up_to_fifteen_with_most_active(self):
        dense = [[1] * 8] * 10 + [[1] * v + [None] * (8 - v) for v in (1, 2, 6, 5, 3, 4, 6, 0)]
        got = clustered_participants(VoteMatrix.from_dense(dense))
        # 10 qualify; the 5 most active others are added (6, 6, 5, 4, 3 votes), not 1, 2 or 0.
        assert got.tolist() == [True] * 10 + [False, False, True, True, True, True, True, False]

    def test_clustered_participants_never_adds_participants_without_votes(self):
        dense = [[1, 0]] * 3 + [[None, None]] * 20
        assert clustered_participants(VoteMatrix.from_dense(dense)).sum() == 3


class TestOpinionGroups:
    def test_opinion_groups_recover_planted_groups(self):
        m, truth = planted([120, 80, 50], n_statements=60)
        groups = opinion_groups(m)
        assert groups.k == 3
        assert adjusted_rand_score(truth, groups.labels) == 1.0

    def test_opinion_groups_many_participants_use_base_clusters(self):
        m, truth = planted([900, 500], n_statements=50, votes_each=20)
        groups = opinion_groups(m)
        assert len(groups.base_centers) == 100
        assert groups.k == 2
        assert adjusted_rand_score(truth, groups.labels) > 0.95
        # Groups are unions of base clusters.
        assert np.array_equal(groups.labels, groups.base_groups[groups.base_labels])

    def test_opinion_groups_cluster_whom_the_caller_names(self):
        m, truth = planted([40, 40], n_statements=30, seed=4)
        chosen = np.zeros(80, dtype=bool)
        chosen[::2] = True
        groups = opinion_groups(m, clustered=chosen)
        assert np.array_equal(groups.clustered, chosen)
        assert (groups.labels[~chosen] == -1).all()
        assert groups.k == 2
        assert adjusted_rand_score(truth[chosen], groups.labels[chosen]) == 1.0

    def test_opinion_groups_reject_a_mask_of_the_wrong_length(self):
        m, _ = planted([10, 10], n_statements=10)
        with pytest.raises(InputError, match="one entry per participant"):
            opinion_groups(m, clustered=np.ones(5, dtype=bool))

    def test_opinion_groups_ids_are_ordered_by_size(self):
        m, _ = planted([20, 60, 40], n_statements=60, seed=3)
        groups = opinion_groups(m)
        assert groups.sizes.tolist() == [60, 40, 20]
        assert np.bincount(groups.labels[groups.labels >= 0]).tolist() == [60, 40, 20]

    def test_opinion_groups_same_seed_same_result(self):
        m, _ = planted([50, 30, 30], n_statements=30, noise=0.3, seed=2)
        a, b = opinion_groups(m, seed=7), opinion_groups(m, seed=7)
        assert np.array_equal(a.labels, b.labels)
        assert a.silhouettes == b.silhouettes

    def test_opinion_groups_unclustered_participants_are_minus_one(self):
        dense = [[1, 1, -1, -1, 1, 1, -1, -1]] * 10 + [[-1, -1, 1, 1, -1, -1, 1, 1]] * 10
        dense += [[1, None, None, None, None, None, None, None]]
        groups = opinion_groups(VoteMatrix.from_dense(dense))
        assert groups.labels[-1] == -1
        assert not groups.clustered[-1]
        assert set(groups.labels[:-1].tolist()) == {0, 1}

    def test_opinion_groups_k_margin_prefers_fewer_groups(self):
        m, _ = planted([60, 60, 60], n_statements=40, noise=0.35, seed=4)
        plain = opinion_groups(m, k_margin=0.0)
        best_k = max(plain.silhouettes, key=plain.silhouettes.get)
        assert plain.k == best_k
        huge = opinion_groups(m, k_margin=1.0)
        assert huge.k == 2

    @pytest.mark.parametrize(
        "dense",
        [
            [],
            [[1, -1, 0]],
            [[0, 0, 0]] * 20,
            [[1]] * 10,
            [[1], [-1], [0], [1]] * 5,
            [[1, 1], [1, 1], [1, 1]],
            [[None, None]] * 5,
        ],
        ids=[
            "empty",
            "one participant",
            "all passes",
            "one statement",
            "one statement, opposite votes",
            "identical",
            "no votes",
        ],
    )
    def test_opinion_groups_degenerate_inputs_give_no_groups(self, dense):
        groups = opinion_groups(VoteMatrix.from_dense(dense))
        assert groups.k == 0
        assert groups.centers.shape == (0, 2)
        assert np.all(groups.labels == -1)

    def test_opinion_groups_two_distinct_participants_make_two_groups(self):
        groups = opinion_groups(VoteMatrix.from_dense([[1, 1], [-1, -1]]))
        assert groups.k == 2
        assert sorted(groups.labels.tolist()) == [0, 1]


class TestOpinionGroupsOnRealData:
    @pytest.mark.parametrize("name", sorted(FIDELITY))
    def test_opinion_groups_agree_with_polis(self, name):
        exported = real(name)
        m = exported.matrix
        polis = np.array(
            [
                -1 if exported.polis_groups.get(p) is None else exported.polis_groups[p]
                for p in m.participants
            ]
        )
        labels = real_groups(name).labels
        both = (labels >= 0) & (polis >= 0)
        assert both.sum() > 100
        assert adjusted_rand_score(polis[both], labels[both]) >= FIDELITY[name]

    @pytest.mark.parametrize("name", SAME_K_AS_POLIS)
    def test_opinion_groups_find_as_many_groups_as_polis(self, name):
        assert real_groups(name).k == polis_k(name)

    @pytest.mark.parametrize("name", sorted(FIDELITY))
    def test_opinion_groups_are_stable_across_seeds(self, name):
        base = real_groups(name, 0).labels
        for seed in (1, 2, 12345):
            other = real_groups(name, seed).labels
            assert adjusted_rand_score(base[base >= 0], other[base >= 0]) >= 0.99
            assert np.array_equal(base, other)  # in fact identical, group ids included


class TestClusteringInternals:
    @pytest.mark.parametrize("seed", range(12))
    def test_two_means_exact_is_the_global_optimum(self, seed):
        rng = np.random.default_rng(seed)
        n = int(rng.integers(3, 11))
        points = rng.standard_normal((n, 2)) * rng.uniform(0.2, 3, 2)
        weights = rng.integers(1, 30, n).astype(float)

        def sse(labels):
            total = 0.0
            for g in (0, 1):
                w, p = weights[labels == g], points[labels == g]
                total += float((w * ((p - np.average(p, axis=0, weights=w)) ** 2).sum(1)).sum())
            return total

        brute = min(
            sse(np.array((0, *bits)))
            for bits in itertools.product((0, 1), repeat=n - 1)
            if any(bits)
        )
        assert sse(_two_means_exact(points, weights)) == pytest.approx(brute, rel=1e-12)

    @pytest.mark.parametrize("seed", range(4))
    def test_two_means_exact_beats_many_kmeans_starts(self, seed):
        from sklearn.cluster import KMeans

        rng = np.random.default_rng(seed)
        points = np.concatenate([rng.normal(c, 1.0, (40, 2)) for c in ((0, 0), (2, 1), (1, 3))])
        weights = rng.integers(1, 10, len(points)).astype(float)

        def sse(labels):
            return sum(
                float(
                    (
                        weights[labels == g]
                        * (
                            (
                                points[labels == g]
                                - np.average(
                                    points[labels == g], axis=0, weights=weights[labels == g]
                                )
                            )
                            ** 2
                        ).sum(1)
                    ).sum()
                )
                for g in (0, 1)
            )

        km = KMeans(2, n_init=30, random_state=seed).fit(points, sample_weight=weights)
        assert sse(_two_means_exact(points, weights)) <= sse(km.labels_) + 1e-9

    @pytest.mark.parametrize("seed", range(4))
    def test_weighted_kmeans_for_several_k_at_once_equals_one_k_at_a_time(self, seed):
        rng = np.random.default_rng(seed)
        points = rng.standard_normal((70, 2)) * rng.uniform(0.5, 2, 2)
        weights = rng.integers(1, 20, 70).astype(float)
        together = _weighted_kmeans(points, weights, [2, 3, 4, 5], rng=rng, n_init=0)
        for k in (2, 3, 4, 5):
            alone = _weighted_kmeans(points, weights, [k], rng=rng, n_init=0)[k]
            assert np.array_equal(together[k], alone)
            # A Lloyd fixed point: every point is nearest to its own cluster's weighted mean.
            centres = np.stack(
                [
                    np.average(points[alone == g], axis=0, weights=weights[alone == g])
                    for g in range(k)
                ]
            )
            nearest = ((points[:, None, :] - centres[None]) ** 2).sum(-1).argmin(axis=1)
            assert np.array_equal(nearest, alone)

    @pytest.mark.parametrize("seed", range(6))
    def test_silhouette_matches_scikit_learn(self, seed):
        from sklearn.metrics import silhouette_score

        rng = np.random.default_rng(seed)
        points = rng.standard_normal((40, 2))
        labels = np.arange(40) % (seed % 4 + 2)
        labels[0] = labels.max() + 1  # a singleton cluster scores 0
        assert _silhouette(points, labels) == pytest.approx(silhouette_score(points, labels))

    def test_lloyd_2d_matches_plain_lloyd(self):
        rng = np.random.default_rng(0)
        points = np.concatenate([rng.normal(c, 0.7, (800, 2)) for c in ((0, 0), (4, 1), (1, 5))])
        start = points[:60].copy()
        labels, centers = _lloyd_2d(points, start)
        # Plain Lloyd with the same start and the same stopping rule.
        ref = start.copy()
        for _ in range(100):
            d = ((points[:, None, :] - ref[None]) ** 2).sum(-1)
            lab = d.argmin(1)
            mass = np.bincount(lab, minlength=len(ref))
            alive = mass > 0
            sums = np.stack([np.bincount(lab, points[:, d], len(ref)) for d in (0, 1)], axis=1)
            new = sums[alive] / mass[alive, None]
            shift = np.sqrt(((new - ref[alive]) ** 2).sum(1)).max()
            lab = (np.cumsum(alive) - 1)[lab]
            ref = new
            if shift < 0.01:
                break
        assert np.array_equal(labels, lab)
        assert np.allclose(centers, ref)


# --------------------------------------------------------------------------------------------
# Statistics on a literal matrix, checked against hand computation.

# Participants 0-3 form group 0, 4-7 group 1. Statement 0 splits the groups, everyone agrees
# with statement 1, statement 2 leans agree/pass in group 0 and disagree in group 1.
SMALL = VoteMatrix.from_dense(
    [[1, 1, 1], [1, 1, 1], [1, 1, 0], [1, 1, 0], [-1, 1, 1], [-1, 1, -1], [-1, 1, -1], [-1, 1, -1]]
)
SMALL_LABELS = [0, 0, 0, 0, 1, 1, 1, 1]


class TestStatistics:
    def test_prop_tests_match_pol_is_formulas(self):
        assert prop_test(4, 4) == pytest.approx(np.sqrt(5))  # 2 sqrt(5) (5/5 - 1/2)
        # (5/5 - 1/5) / sqrt(0.6 * 0.4 * (1/5 + 1/5))
        assert two_prop_test(4, 0, 4, 4) == pytest.approx(0.8 / np.sqrt(0.096))
        assert two_prop_test(4, 4, 4, 4) == 0.0  # pooled proportion 1

    def test_vote_counts(self):
        c = vote_counts(SMALL, SMALL_LABELS, k=2)
        assert c.agree.tolist() == [4, 8, 3]
        assert c.disagree.tolist() == [4, 0, 3]
        assert c.passes.tolist() == [0, 0, 2]
        assert c.group_agree.tolist() == [[4, 4, 2], [0, 4, 1]]
        assert c.group_disagree.tolist() == [[0, 0, 0], [4, 0, 3]]
        assert c.group_seen.tolist() == [[4, 4, 4], [4, 4, 4]]

    def test_representative_statements_by_hand(self):
        rep = representative_statements(vote_counts(SMALL, SMALL_LABELS, k=2))
        # Group 0: statement 0 is the only one passing both tests, and its best agreed.
        (only,) = rep[0]
        assert (only["statement"], only["direction"], only["best_agree"]) == (0, "agree", True)
        assert only["p_success"] == pytest.approx(5 / 6)
        assert only["repness"] == pytest.approx(5.0)  # (5/6) / ((0+1)/(4+2))
        assert only["p_test"] == pytest.approx(np.sqrt(5))
        assert only["repness_test"] == pytest.approx(0.8 / np.sqrt(0.096))
        assert only["metric"] == pytest.approx(5.0 * 0.8 / np.sqrt(0.096) * 5 / 6 * np.sqrt(5))
        # Group 1: its best agreed (statement 1, everyone agrees) first, then the two sufficient
        # disagrees by metric: statement 0 (24.06) before statement 2 (6.79). Everyone agrees
        # with statement 1, so rat = rdt = 0 and Pol.is's finalize-cmt-stats reports it with
        # its disagree figures (rat > rdt is false), flagged best-agree.
        assert [(r["statement"], r["direction"], r["best_agree"]) for r in rep[1]] == [
            (1, "disagree", True),
            (0, "disagree", False),
            (2, "disagree", False),
        ]
        assert (rep[1][0]["n_success"], rep[1][0]["n_trials"]) == (0, 4)
        s2 = rep[1][2]
        assert s2["repness"] == pytest.approx(4.0)  # (4/6) / ((0+1)/6)
        assert s2["p_test"] == pytest.approx(2 * np.sqrt(5) * 0.3)
        assert s2["repness_test"] == pytest.approx(0.6 / np.sqrt(0.1))
        assert rep[1][1]["metric"] > s2["metric"]

    def test_representative_statements_repness_test_in_single_precision(self):
        rep = representative_statements(vote_counts(SMALL, SMALL_LABELS, k=2))
        value = rep[0][0]["repness_test"]
        assert value == float(np.float32(0.8 / np.sqrt(0.096)))  # Pol.is: (float repness-test)
        assert value != 0.8 / np.sqrt(0.096)

    def test_representative_statements_skip_moderated(self):
        rep = representative_statements(vote_counts(SMALL, SMALL_LABELS, k=2), moderated_out={0})
        assert all(r["statement"] != 0 for group in rep for r in group)

    def test_representative_statements_keep_at_most_top(self):
        m, truth = planted([30, 30], n_statements=20)
        rep = representative_statements(vote_counts(m, truth, k=2), top=3)
        assert [len(group) for group in rep] == [3, 3]
        for group in rep:
            directions = [r["direction"] for r in group]
            assert directions == sorted(directions)  # agrees before disagrees

    def test_representative_statements_without_groups(self):
        assert representative_statements(vote_counts(SMALL)) == []

    def test_majority_consensus_by_hand(self):
        got = majority_consensus(vote_counts(SMALL))
        # Only statement 1 has p = 9/10 > 1/2 and z = 2 sqrt(9) (9/9 - 1/2) = 3 > 1.2816.
        assert [r["statement"] for r in got["agree"]] == [1]
        assert got["agree"][0]["p_success"] == pytest.approx(0.9)
        assert got["agree"][0]["p_test"] == pytest.approx(3.0)
        assert got["disagree"] == []

    def test_majority_consensus_ranks_by_p_times_z_and_keeps_five(self):
        dense = [[1] * 7 + [-1] for _ in range(12)]
        for j in range(7):
            dense[j][j] = 0
        got = majority_consensus(vote_counts(VoteMatrix.from_dense(dense)))
        assert len(got["agree"]) == 5
        assert [r["statement"] for r in got["disagree"]] == [7]
        assert all(r["p_test"] > Z_90 for r in got["agree"])

    def test_majority_consensus_skips_moderated(self):
        assert majority_consensus(vote_counts(SMALL), moderated_out={1})["agree"] == []

    def test_group_informed_consensus_by_hand(self):
        got = group_informed_consensus(vote_counts(SMALL, SMALL_LABELS, k=2))
        assert got.tolist() == pytest.approx([5 / 6 * 1 / 6, 5 / 6 * 5 / 6, 3 / 6 * 2 / 6])

    def test_divisive_statements_by_hand(self):
        got = divisive_statements(vote_counts(SMALL, SMALL_LABELS, k=2))
        assert [d["statement"] for d in got] == [0, 2]
        assert got[0]["spread"] == pytest.approx(5 / 6 - 1 / 6)
        assert got[1]["spread"] == pytest.approx(3 / 6 - 2 / 6)

    def test_uncertain_statements_threshold(self):
        dense = [[0, 0, 1], [0, 1, 1], [0, 1, 1], [1, 1, 0], [1, 1, 1]]
        got = uncertain_statements(vote_counts(VoteMatrix.from_dense(dense)))
        # Statement 0: 3/5 passes; statement 2: 1/5 < 30 %; statement 1: 1/5.
        assert [(u["statement"], u["pass"], u["n_pass"]) for u in got] == [(0, 0.6, 3)]

    def test_comment_priorities_by_hand(self):
        counts = vote_counts(SMALL, SMALL_LABELS, k=2)
        got = comment_priorities(counts, [0.0, 1.0, 0.5], moderated_out={2})
        # Statement 0: A=4, P=0, S=8: (1 - 1/10) (0 + 1) (5/10) (1 + 8 * 2^(-8/5)), squared.
        want0 = ((1 - 1 / 10) * 1 * (5 / 10) * (1 + 8 * 2 ** (-8 / 5))) ** 2
        want1 = ((1 - 1 / 10) * 2 * (9 / 10) * (1 + 8 * 2 ** (-8 / 5))) ** 2
        assert got.tolist() == pytest.approx([want0, want1, 0.0])

    def test_comment_priorities_favour_new_statements(self):
        m = VoteMatrix.from_dense([[1, None]] * 30)
        got = comment_priorities(vote_counts(m), [0.0, 0.0])
        assert got[1] == pytest.approx((0.5 * 0.5 * 9) ** 2)
        assert got[1] > got[0]


class TestNextStatement:
    def test_next_statement_skips_voted_and_moderated(self):
        m = VoteMatrix.from_dense([[1, None, None, 0]], moderated_out=[2])
        for seed in range(20):
            assert next_statement(m, "0", priorities=[9, 1, 9, 9], seed=seed) == "1"

    def test_next_statement_is_deterministic_per_seed(self):
        m = VoteMatrix.from_dense([[None] * 6])
        prio = [1, 2, 3, 4, 5, 6]
        assert next_statement(m, "0", priorities=prio, seed=3) == next_statement(
            m, "0", priorities=prio, seed=3
        )

    def test_next_statement_follows_priorities(self):
        m = VoteMatrix.from_dense([[None, None]])
        picks = [next_statement(m, "0", priorities=[1.0, 9.0], seed=s) for s in range(400)]
        assert 0.82 < picks.count("1") / 400 < 0.97  # expected 0.9

    def test_next_statement_new_participant_and_nothing_left(self):
        m = VoteMatrix.from_dense([[1, 1]])
        assert next_statement(m, "newcomer", priorities=[0.0, 1.0]) == "1"
        assert next_statement(m, "0", priorities=[1.0, 1.0]) is None
