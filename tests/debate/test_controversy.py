import numpy as np
import pytest

from debate.controversy import controversy_score
from debate.errors import InputError
from tests.debate.helpers import from_array


def two_camps(n, n_statements, *, loyalty, seen, seed):
    """Two camps of equal size; each member votes with the camp line with prob. ``loyalty``."""
    rng = np.random.default_rng(seed)
    camp = np.where(np.arange(n) % 2 == 0, 1, -1)[:, None]
    line = np.where(rng.random(n_statements) < 0.5, 1, -1)[None, :]
    votes = camp * line * np.where(rng.random((n, n_statements)) < loyalty, 1, -1)
    return np.where(rng.random(votes.shape) < seen, votes, 0)


def one_community(n, n_statements, *, agree, seen, seed):
    """Everyone votes independently, agreeing with probability ``agree``."""
    rng = np.random.default_rng(seed)
    votes = np.where(rng.random((n, n_statements)) < agree, 1, -1)
    return np.where(rng.random(votes.shape) < seen, votes, 0)


class TestPlanted:
    @pytest.mark.parametrize(
        ("n", "loyalty", "seen", "seed"),
        [(200, 0.9, 1.0, 0), (300, 0.85, 0.6, 1), (500, 0.8, 0.5, 2)],
    )
    def test_controversy_two_camps_is_high(self, n, loyalty, seen, seed):
        votes = two_camps(n, 24, loyalty=loyalty, seen=seen, seed=seed)
        assert controversy_score(from_array(votes)) > 0.5

    @pytest.mark.parametrize(
        ("n", "agree", "seen", "seed"),
        [(200, 0.5, 1.0, 0), (300, 0.6, 0.6, 1), (500, 0.75, 0.5, 2), (400, 0.6, 0.3, 3)],
    )
    def test_controversy_one_community_is_low(self, n, agree, seen, seed):
        votes = one_community(n, 24, agree=agree, seen=seen, seed=seed)
        assert controversy_score(from_array(votes)) < 0.2

    def test_controversy_separated_camps_score_one(self):
        votes = two_camps(100, 20, loyalty=1.0, seen=1.0, seed=4)
        assert controversy_score(from_array(votes)) == pytest.approx(1.0)

    def test_controversy_more_loyal_camps_are_more_controversial(self):
        scores = [
            controversy_score(from_array(two_camps(300, 24, loyalty=p, seen=0.7, seed=5)))
            for p in (0.6, 0.75, 0.9)
        ]
        assert scores == sorted(scores)
        assert scores[0] < scores[2] - 0.3


class TestBehaviour:
    def test_controversy_is_deterministic(self):
        m = from_array(two_camps(300, 20, loyalty=0.75, seen=0.6, seed=6))
        assert controversy_score(m, seed=3) == controversy_score(m, seed=3)

    def test_controversy_is_in_unit_interval(self):
        for seed in range(3):
            m = from_array(one_community(150, 10, agree=0.5, seen=0.5, seed=seed))
            assert 0.0 <= controversy_score(m, seed=seed) <= 1.0

    def test_controversy_ignores_moderated_statements(self):
        camps = two_camps(200, 12, loyalty=0.95, seen=1.0, seed=7)
        noise = one_community(200, 12, agree=0.5, seen=1.0, seed=8)
        m = from_array(np.hstack([noise, camps]), moderated_out=range(12, 24))
        assert controversy_score(m) < 0.2
        assert controversy_score(from_array(np.hstack([noise, camps]))) > 0.5

    def test_controversy_samples_large_consultations(self):
        m = from_array(two_camps(600, 20, loyalty=0.9, seen=0.8, seed=9))
        sampled = controversy_score(m, max_participants=150, seed=1)
        assert sampled == controversy_score(m, max_participants=150, seed=1)
        assert sampled > 0.5

    def test_controversy_leaves_out_participants_with_few_votes(self):
        votes = two_camps(200, 20, loyalty=0.9, seen=1.0, seed=10)
        votes[:100, 2:] = 0  # half the participants voted twice only
        m = from_array(votes)
        assert controversy_score(m, min_votes=3) == controversy_score(
            from_array(votes[100:]), min_votes=3
        )

    @pytest.mark.parametrize("n", [0, 1, 3])
    def test_controversy_too_few_participants_is_zero(self, n):
        votes = two_camps(n, 5, loyalty=1.0, seen=1.0, seed=11)
        assert controversy_score(from_array(votes.reshape(n, 5))) == 0.0

    def test_controversy_nobody_alike_is_zero(self):
        # Tetrahedron vertices: every pair of participants has negative cosine similarity, so
        # the agreement graph has no links.
        votes = [[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]]
        assert controversy_score(from_array(votes), min_votes=1) == 0.0

    @pytest.mark.parametrize(
        ("options", "message"),
        [
            ({"n_neighbors": 0}, "n_neighbors must be an integer >= 1"),
            ({"min_votes": 0}, "min_votes must be an integer >= 1"),
            ({"max_participants": 3}, "max_participants must be an integer >= 4"),
            ({"n_hubs": 1.5}, "n_hubs must be an integer >= 1"),
            ({"alpha": 1.0}, r"alpha must be in \(0, 1\)"),
        ],
    )
    def test_controversy_rejects_bad_options(self, options, message):
        with pytest.raises(InputError, match=message):
            controversy_score(from_array([[1, 1, 1]] * 4), **options)


def test_controversy_ten_thousand_participants_finds_two_camps():
    m = from_array(two_camps(10_000, 30, loyalty=0.8, seen=0.5, seed=12))
    assert controversy_score(m) > 0.5
