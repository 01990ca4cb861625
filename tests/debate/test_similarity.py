"""Likely duplicates: TF-IDF cosine over character n-grams (debate.similarity)."""

from __future__ import annotations

import pytest

from debate.similarity import TextIndex, similar_texts

POOL = [
    (1, "Buses should run all night on weekends."),
    (2, "Raise parking fees in the city centre."),
    (3, "Автобусы должны ходить всю ночь по выходным."),
    (4, "Build more bike lanes on Abay Avenue."),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Buses must run all night at weekends!", 1),
        ("автобусы должны ходить ночью по выходным", 3),
        ("more bike lanes on abay avenue please", 4),
    ],
)
def test_similar_texts_finds_the_rephrased_statement(text, expected):
    found = similar_texts(text, POOL)

    assert [m.id for m in found][:1] == [expected]


def test_identical_text_scores_one():
    assert similar_texts(POOL[1][1], POOL)[0].score == 1.0


def test_unrelated_text_finds_nothing():
    assert similar_texts("Free vaccinations for pensioners in spring", POOL) == []


def test_long_text_mentioning_a_word_is_not_a_duplicate():
    text = "The buses are terrible, the mayor should resign and nobody trusts the city council"

    assert similar_texts(text, POOL) == []


def test_empty_input():
    assert similar_texts("", POOL) == []
    assert similar_texts("buses", []) == []


def test_index_appends_and_restricts():
    index = TextIndex().fit(POOL[:2])
    index.partial_fit(POOL[2:])

    assert index.max_id == 4
    assert [m.id for m in index.query("bike lanes on Abay Avenue")] == [4]
    assert index.query("bike lanes on Abay Avenue", among=[1, 2, 3]) == []
    assert index.query("bike lanes on Abay Avenue", exclude=[4]) == []
    assert [m.id for m in index.query("night buses at weekends", min_score=0.2)] == [1]
