"""Coordinated-voting detection (debate.brigades)."""

from __future__ import annotations

import numpy as np
import pytest

from debate.brigades import suspected_brigades
from debate.errors import InputError
from debate.types import VoteMatrix

HOUR = 3600.0
DAY = 24 * HOUR


def _matrix(rows: list[list[int | None]]) -> VoteMatrix:
    return VoteMatrix.from_dense(rows)


def _population(
    rng: np.random.Generator,
    n_statements: int = 50,
) -> tuple[list[list[int | None]], list[float], set[int], set[int]]:
    """A planted brigade, an honest like-minded group spread over weeks, and random people.

    The honest group shares one view (each person agrees with the group line on ~85% of the
    statements they vote on), votes on a random subset, and signed up over a month. The brigade
    (8 accounts, created 5 minutes apart) casts the same scripted votes with one slip each.
    """
    line = rng.choice([1, -1], size=n_statements)
    rows: list[list[int | None]] = []
    created: list[float] = []
    brigade, honest = set(), set()
    script = rng.choice([1, -1, 0], size=n_statements)
    for k in range(8):
        row: list[int | None] = [int(v) for v in script]
        row[k] = 0 if row[k] != 0 else 1  # one slip each
        brigade.add(len(rows))
        rows.append(row)
        created.append(10 * DAY + k * 300.0)
    for k in range(12):
        seen = rng.random(n_statements) < 0.8
        agree = rng.random(n_statements) < 0.85
        row = [
            (int(line[j]) if agree[j] else int(-line[j])) if seen[j] else None
            for j in range(n_statements)
        ]
        honest.add(len(rows))
        rows.append(row)
        created.append(k * 2.5 * DAY)
    for _k in range(25):  # random people, several signing up in the same hour
        seen = rng.random(n_statements) < 0.6
        row = [int(rng.choice([1, -1, 0])) if seen[j] else None for j in range(n_statements)]
        rows.append(row)
        created.append(10 * DAY + float(rng.integers(0, 3600)))
    return rows, created, brigade, honest


class TestSuspectedBrigades:
    def test_finds_the_planted_brigade_and_not_the_honest_group(self):
        rows, created, brigade, honest = _population(np.random.default_rng(7))

        found = suspected_brigades(_matrix(rows), created)

        assert len(found) == 1
        assert set(found[0].members) == brigade
        assert not set(found[0].members) & honest
        assert found[0].min_similarity >= 0.95
        assert found[0].span == pytest.approx(7 * 300.0)

    def test_honest_group_with_identical_views_but_spread_out_accounts_is_not_reported(self):
        votes = [[1, -1, 1, 1, -1, 1, 0, 1, -1, 1, 1, -1]] * 6
        created = [n * 2 * DAY for n in range(6)]

        assert suspected_brigades(_matrix(votes), created) == []

    def test_accounts_created_together_with_different_votes_are_not_reported(self):
        rng = np.random.default_rng(1)
        votes = [[int(v) for v in rng.choice([1, -1, 0], size=15)] for _ in range(10)]

        assert suspected_brigades(_matrix(votes), [n * 60.0 for n in range(10)]) == []

    def test_needs_enough_shared_statements(self):
        votes = [[1, 1, -1, 1, None, None, None, None, None, None, None, None]] * 4

        assert suspected_brigades(_matrix(votes), [0.0, 10.0, 20.0, 30.0]) == []
        assert len(suspected_brigades(_matrix(votes), [0.0, 10.0, 20.0, 30.0], min_shared=4)) == 1

    def test_similarity_is_over_shared_statements_with_pass_as_an_answer(self):
        base = [1, -1, 1, 1, -1, 1, 1, -1, 1, 1]
        passer = [0] * 10
        votes = [base, base, base, passer]

        found = suspected_brigades(_matrix(votes), [0.0, 60.0, 120.0, 180.0])

        assert [b.members for b in found] == [(0, 1, 2)]

    def test_evidence_lists_the_common_statements_and_votes(self):
        votes = [[1, -1, 0, 1, 1, -1, 1, 1, -1, 1, None]] * 3 + [[1] * 11]

        found = suspected_brigades(_matrix(votes), [0.0, 60.0, 120.0, 50 * DAY])[0]

        assert found.statements == tuple(range(10))
        assert found.votes[:3] == (1, -1, 0)
        assert set(found.unanimity) == {1.0}
        assert found.similarity == 1.0 and len(found.pairs) == 3

    def test_window_links_accounts_across_bucket_edges(self):
        votes = [[1, -1, 1, 1, -1, 1, 1, -1, 1, 1]] * 3
        # 3599 s and 3601 s after the first: different hour buckets, each within the window.
        created = [0.0, 3599.0, 7199.0]

        found = suspected_brigades(_matrix(votes), created, window=HOUR)

        assert [b.members for b in found] == [(0, 1, 2)]

    def test_min_size(self):
        votes = [[1, -1, 1, 1, -1, 1, 1, -1, 1, 1]] * 2

        assert suspected_brigades(_matrix(votes), [0.0, 1.0]) == []
        assert len(suspected_brigades(_matrix(votes), [0.0, 1.0], min_size=2)) == 1

    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [
            ({"window": 0}, "window"),
            ({"min_similarity": 0}, "min_similarity"),
            ({"min_similarity": 1.5}, "min_similarity"),
            ({"min_shared": 0}, "min_shared"),
            ({"min_size": 1}, "min_size"),
        ],
    )
    def test_rejects_bad_parameters(self, kwargs, message):
        with pytest.raises(InputError, match=message):
            suspected_brigades(_matrix([[1]]), [0.0], **kwargs)

    def test_rejects_mismatched_times(self):
        with pytest.raises(InputError, match="created_at"):
            suspected_brigades(_matrix([[1], [1]]), [0.0])
        with pytest.raises(InputError, match="infinite"):
            suspected_brigades(_matrix([[1], [1]]), [0.0, float("nan")])

    def test_empty_input(self):
        assert suspected_brigades(_matrix([]), []) == []

    def test_scales_to_many_accounts(self):
        """50,000 accounts over 60 days, 200 statements, 20 votes each (timing: bench/)."""
        rng = np.random.default_rng(3)
        n, m, per = 50_000, 200, 20
        rows = np.repeat(np.arange(n, dtype=np.int32), per)
        cols = np.concatenate([rng.choice(m, per, replace=False) for _ in range(n)]).astype(
            np.int32
        )
        values = rng.choice(np.array([1, -1, 0], dtype=np.int8), size=n * per)
        brigade = np.arange(100, 130)  # 30 scripted accounts
        script = rng.choice(np.array([1, -1], dtype=np.int8), size=m)
        for i in brigade:
            values[i * per : (i + 1) * per] = script[cols[i * per : (i + 1) * per]]
            cols[i * per : (i + 1) * per] = np.arange(per)  # all on the same statements
            values[i * per : (i + 1) * per] = script[:per]
        created = rng.uniform(0, 60 * DAY, size=n)
        created[brigade] = 30 * DAY + np.arange(len(brigade)) * 30.0
        matrix = VoteMatrix(
            participants=tuple(str(i) for i in range(n)),
            statements=tuple(str(j) for j in range(m)),
            rows=rows,
            cols=cols,
            values=values,
        )

        found = suspected_brigades(matrix, created)

        assert [set(b.members) for b in found] == [set(brigade.tolist())]
