import numpy as np
import pytest
from sklearn.metrics import normalized_mutual_info_score

from debate.cruxes import crux_scores
from debate.errors import InputError
from debate.types import VoteMatrix

A, D, P, _ = 1, -1, 0, None

# Groups 0 (first four) and 1 (last four). s0 splits them exactly, s1 is agreed by all, s2 is
# split but with a dissenter, s3 is only seen by two people.
VOTES = [
    [A, A, A, _],
    [A, A, A, _],
    [A, A, A, A],
    [A, A, D, _],
    [D, A, D, _],
    [D, A, D, _],
    [D, A, D, D],
    [D, A, P, _],
]
LABELS = [0, 0, 0, 0, 1, 1, 1, 1]


def scores(result):
    return {c["statement"]: c["score"] for c in result}


class TestCruxScores:
    def test_crux_scores_rank_group_splitting_statements_first(self):
        result = crux_scores(VoteMatrix.from_dense(VOTES), LABELS)
        assert [c["statement"] for c in result] == ["0", "2"]
        assert result[0]["score"] == pytest.approx(1.0)
        assert 0.0 < result[1]["score"] < 1.0

    def test_crux_scores_equal_scikit_learn_nmi_over_voters(self):
        result = scores(crux_scores(VoteMatrix.from_dense(VOTES), LABELS))
        column = [row[2] for row in VOTES]
        assert result["2"] == pytest.approx(normalized_mutual_info_score(LABELS, column))

    @pytest.mark.parametrize("seed", [0, 1, 2])
    def test_crux_scores_match_scikit_learn_on_random_votes(self, seed):
        rng = np.random.default_rng(seed)
        votes = rng.choice([A, D, P, 9], size=(60, 8), p=[0.4, 0.3, 0.1, 0.2])
        labels = rng.integers(-1, 3, 60)
        m = VoteMatrix.from_dense([[None if v == 9 else int(v) for v in row] for row in votes])
        result = scores(crux_scores(m, labels, top=8, min_voters=1))
        for j in range(8):
            seen = (votes[:, j] != 9) & (labels >= 0)
            expected = normalized_mutual_info_score(labels[seen], votes[seen, j])
            assert result.get(str(j), 0.0) == pytest.approx(expected, abs=1e-12)

    def test_crux_scores_ignore_unclustered_participants(self):
        votes = [*VOTES, [A, A, D, _], [A, A, D, _]]
        result = crux_scores(VoteMatrix.from_dense(votes), [*LABELS, -1, -1])
        assert scores(result) == scores(crux_scores(VoteMatrix.from_dense(VOTES), LABELS))

    def test_crux_scores_group_numbers_do_not_matter(self):
        relabelled = [7 if g == 0 else 3 for g in LABELS]
        assert crux_scores(VoteMatrix.from_dense(VOTES), relabelled) == crux_scores(
            VoteMatrix.from_dense(VOTES), LABELS
        )

    def test_crux_scores_leave_out_moderated_statements(self):
        m = VoteMatrix.from_dense(VOTES, moderated_out=[0])
        assert [c["statement"] for c in crux_scores(m, LABELS)] == ["2"]

    @pytest.mark.parametrize(("top", "expected"), [(0, []), (1, ["0"]), (10, ["0", "2"])])
    def test_crux_scores_top(self, top, expected):
        result = crux_scores(VoteMatrix.from_dense(VOTES), LABELS, top=top)
        assert [c["statement"] for c in result] == expected

    def test_crux_scores_min_voters(self):
        result = crux_scores(VoteMatrix.from_dense(VOTES), LABELS, min_voters=2, top=10)
        assert [c["statement"] for c in result] == ["0", "3", "2"]  # s3: A in group 0, D in 1
        assert scores(result)["3"] == pytest.approx(1.0)

    def test_crux_scores_ties_in_statement_order(self):
        votes = [[A, A], [A, A], [D, D], [D, D]]
        result = crux_scores(VoteMatrix.from_dense(votes), [0, 0, 1, 1], min_voters=1)
        assert [c["statement"] for c in result] == ["0", "1"]

    @pytest.mark.parametrize("labels", [[-1] * 8, [0] * 8])
    def test_crux_scores_no_groups_or_one_group(self, labels):
        assert crux_scores(VoteMatrix.from_dense(VOTES), labels) == []

    def test_crux_scores_float_labels_that_are_integers(self):
        labels = np.array(LABELS, dtype=float)
        assert crux_scores(VoteMatrix.from_dense(VOTES), labels) == crux_scores(
            VoteMatrix.from_dense(VOTES), LABELS
        )

    @pytest.mark.parametrize(
        ("labels", "options", "message"),
        [
            ([0, 1], {}, r"labels must hold one group per participant \(8\)"),
            ([0.5] * 8, {}, "labels must be integers"),
            (LABELS, {"top": -1}, "top must be a non-negative integer"),
        ],
    )
    def test_crux_scores_reject_bad_input(self, labels, options, message):
        with pytest.raises(InputError, match=message):
            crux_scores(VoteMatrix.from_dense(VOTES), labels, **options)

    def test_crux_scores_empty_matrix(self):
        m = VoteMatrix.from_dense([[None], [None]])
        assert crux_scores(m, [0, 1]) == []
