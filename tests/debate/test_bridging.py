import time

import numpy as np
import pytest
from scipy.optimize import minimize

from debate import bridging
from debate.bridging import BridgingProcess, bridging_process, bridging_scores
from debate.controversy import controversy_score
from debate.errors import InputError
from debate.types import VoteMatrix
from tests.debate.helpers import from_array as dense_matrix

A, D, P = 1, -1, 0


def from_array(votes, moderated_out=()):
    """VoteMatrix from a dense array with 2 meaning "not voted"."""
    return dense_matrix(votes, moderated_out, missing=2)


def two_camps(seed=0, n=600, share_a=0.7):
    """Camps A (70%) and B; 20 statements split them, "partisan" is liked by A only, and
    "bridge" is liked by 60% of each camp."""
    rng = np.random.default_rng(seed)
    camp_a = rng.random(n) < share_a
    axis = np.where(np.arange(20) % 2 == 0, 0.9, 0.1)
    p_agree = np.where(camp_a[:, None], axis, 1 - axis)
    votes = np.where(rng.random((n, 20)) < p_agree, A, D)
    partisan = np.where(camp_a, A, D)
    bridge = np.where(rng.random(n) < 0.6, A, D)
    votes = np.column_stack([votes, partisan, bridge])
    unseen = rng.random(votes.shape) < 0.2  # not everyone sees everything
    return np.where(unseen, 2, votes)


class TestPlantedCamps:
    def test_bridging_statement_beats_partisan_one_with_more_agrees(self):
        votes = two_camps()
        assert (votes[:, 20] == A).sum() > (votes[:, 21] == A).sum()  # partisan has more agrees
        scores = bridging_scores(from_array(votes))
        assert scores["s21"] > scores["s20"] + 0.02

    def test_bridging_small_literal_example(self):
        votes = [[A, D, A]] * 3 + [[A, D, D]] * 3 + [[D, A, A]] * 2
        scores = bridging_scores(VoteMatrix.from_dense(votes))
        assert scores["2"] > scores["0"] > scores["1"]
        assert scores == pytest.approx({"0": 0.24286, "1": -0.00853, "2": 0.28857}, abs=1e-5)

    def test_bridging_consensus_scores_highest(self):
        votes = two_camps(seed=1)
        votes[:, 21] = A  # everyone agrees
        scores = bridging_scores(from_array(votes))
        assert max(scores, key=scores.get) == "s21"


class TestObjective:
    def objective(self, params, rows, cols, rating, n_p, n_s, lam=0.03, mult=5.0):
        """Community Notes' loss and its gradient."""
        i_p, f_p = params[:n_p], params[n_p : 2 * n_p]
        i_s, f_s = params[2 * n_p : 2 * n_p + n_s], params[2 * n_p + n_s : -1]
        mu = params[-1]
        err = mu + i_p[rows] + i_s[cols] + f_p[rows] * f_s[cols] - rating
        loss = np.mean(err**2) + lam * (np.mean(f_p**2) + np.mean(f_s**2))
        loss += lam * mult * (np.mean(i_p**2) + np.mean(i_s**2) + mu**2)
        d = 2 * err / err.size
        grad = np.concatenate([
            np.bincount(rows, d, n_p) + 2 * lam * mult * i_p / n_p,
            np.bincount(rows, d * f_s[cols], n_p) + 2 * lam * f_p / n_p,
            np.bincount(cols, d, n_s) + 2 * lam * mult * i_s / n_s,
            np.bincount(cols, d * f_p[rows], n_s) + 2 * lam * f_s / n_s,
            [d.sum() + 2 * lam * mult * mu],
        ])  # fmt: skip
        return loss, grad

    @pytest.mark.parametrize("seed", [0, 1])
    def test_bridging_scores_minimise_community_notes_loss(self, seed):
        rng = np.random.default_rng(seed)
        votes = two_camps(seed=seed, n=30)[:, 16:]
        m = from_array(votes)
        keep = m.values != 0
        rows, cols = m.rows[keep], m.cols[keep]
        rating = (m.values[keep] > 0).astype(float)
        n_p, n_s = votes.shape
        start = rng.normal(0, 0.1, 2 * n_p + 2 * n_s + 1)
        best = minimize(
            self.objective, start, args=(rows, cols, rating, n_p, n_s), jac=True,
            method="L-BFGS-B",
            options={"maxiter": 20000, "maxfun": 10**6, "ftol": 1e-15, "gtol": 1e-11},
        )  # fmt: skip
        expected = best.x[2 * n_p : 2 * n_p + n_s]
        scores = bridging_scores(m, tol=1e-10)
        assert np.array(list(scores.values())) == pytest.approx(expected, abs=1e-6)


class TestBehaviour:
    def test_bridging_is_deterministic(self):
        m = from_array(two_camps(seed=2))
        assert bridging_scores(m, seed=3) == bridging_scores(m, seed=3)

    def test_bridging_seed_only_changes_the_start(self):
        m = from_array(two_camps(seed=2))
        assert bridging_scores(m, seed=1) == pytest.approx(bridging_scores(m, seed=2), abs=1e-5)

    def test_bridging_ignores_passes(self):
        votes = two_camps(seed=3)
        with_passes = votes.copy()
        with_passes[votes == 2] = P
        assert bridging_scores(from_array(with_passes)) == pytest.approx(
            bridging_scores(from_array(votes)), abs=1e-9
        )

    def test_bridging_leaves_out_moderated_statements(self):
        votes = two_camps(seed=4)
        scores = bridging_scores(from_array(votes, moderated_out={20}), tol=1e-11)
        assert "s20" not in scores and len(scores) == 21
        without = bridging_scores(from_array(np.delete(votes, 20, axis=1)), tol=1e-11)
        assert list(scores.values()) == pytest.approx(list(without.values()), abs=1e-9)

    def test_bridging_statement_without_votes_scores_zero(self):
        votes = np.column_stack([two_camps(seed=5), np.full(600, P)])
        assert bridging_scores(from_array(votes))["s22"] == 0.0

    def test_bridging_no_votes(self):
        m = VoteMatrix.from_dense([[None, P], [P, None]])
        assert bridging_scores(m) == {"0": 0.0, "1": 0.0}

    def test_bridging_vote_order_does_not_matter(self):
        m = from_array(two_camps(seed=6))
        order = np.random.default_rng(0).permutation(m.n_votes)
        shuffled = VoteMatrix(m.participants, m.statements, m.rows[order], m.cols[order],
                              m.values[order])  # fmt: skip
        assert bridging_scores(shuffled) == pytest.approx(bridging_scores(m), abs=1e-12)

    @pytest.mark.parametrize(
        ("options", "message"),
        [
            ({"l2_lambda": 0.0}, "must be positive"),
            ({"intercept_multiplier": -1.0}, "must be positive"),
            ({"max_iter": 0}, "max_iter must be at least 1"),
            ({"tol": 0.0}, "tol positive"),
        ],
    )
    def test_bridging_rejects_bad_options(self, options, message):
        with pytest.raises(InputError, match=message):
            bridging_scores(VoteMatrix.from_dense([[A]]), **options)


def test_bridging_million_votes_gives_finite_scores():
    rng = np.random.default_rng(7)
    n, s = 50_000, 20
    rows = np.repeat(np.arange(n, dtype=np.int32), s)
    cols = np.tile(np.arange(s, dtype=np.int32), n)
    camp = rng.random(n) < 0.5
    lean = rng.random(s)
    p_agree = np.where(camp[rows], lean[cols], 1 - lean[cols])
    values = np.where(rng.random(rows.size) < p_agree, A, D).astype(np.int8)
    m = VoteMatrix(tuple(map(str, range(n))), tuple(map(str, range(s))), rows, cols, values)
    scores = bridging_scores(m)
    assert len(scores) == s and all(np.isfinite(list(scores.values())))


class TestBridgingProcess:
    def test_bridging_process_scores_are_the_in_process_fit_bit_for_bit(self):
        m = from_array(two_camps(seed=4, n=300), moderated_out=[3])
        with bridging_process(m, seed=5) as running:
            scores = running.scores()
        assert scores == bridging_scores(m, seed=5)
        assert list(scores) == list(bridging_scores(m, seed=5))
        assert running.controversy() == controversy_score(m, seed=5)

    def test_bridging_process_started_before_the_votes_gives_the_same_scores(self):
        m = from_array(two_camps(seed=2, n=200))
        with BridgingProcess().start() as running:
            time.sleep(0.2)  # the votes come later, as they load
            assert running.fit(m, seed=1).scores() == bridging_scores(m, seed=1)
            assert running.matrix_ is m and running.seed_ == 1

    def test_bridging_process_never_given_votes_closes_cleanly(self):
        running = BridgingProcess().start()
        started = time.perf_counter()
        running.close()
        assert time.perf_counter() - started < 10
        assert running.scores() is None

    def test_bridging_process_failed_child_gives_none(self, monkeypatch):
        monkeypatch.setattr(bridging, "_CHILD_CODE", "import sys; sys.exit(3)")
        with bridging_process(from_array(two_camps(n=50))) as running:
            assert running.scores() is None

    def test_bridging_process_close_stops_a_running_child(self, monkeypatch):
        monkeypatch.setattr(bridging, "_CHILD_CODE", "import time; time.sleep(60)")
        running = bridging_process(from_array(two_camps(n=50)))
        started = time.perf_counter()
        running.close()
        assert time.perf_counter() - started < 10
        assert running.scores() is None
