"""Likely duplicate statements: TF-IDF cosine similarity over character n-grams.

Character n-grams within word boundaries work for English, Russian and Kazakh alike without
stemmers, and tolerate typos and inflection. The index hashes n-grams (scikit-learn's
``HashingVectorizer``), so each statement is vectorised on its own: new statements are appended
without re-reading the old ones (:meth:`TextIndex.partial_fit`), and the idf weights are
recomputed at query time over whichever statements are eligible then (e.g. only the visible
ones). Fitting 10,000 statements from scratch takes seconds; appending one takes a millisecond.

>>> index = TextIndex().fit([(1, "Buses should run all night."), (2, "Raise parking fees.")])
>>> [m.id for m in index.query("buses must run all night!")]
[1]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer

__all__ = ["DEFAULT_MIN_SCORE", "SUGGEST_MIN_SCORE", "Match", "TextIndex", "similar_texts"]

#: Scores at or above this are shown to moderators as "possible duplicates".
DEFAULT_MIN_SCORE = 0.55
#: Scores at or above this are suggested to a participant who is writing ("similar statements").
SUGGEST_MIN_SCORE = 0.35
N_FEATURES = 1 << 20

_vectorizer = HashingVectorizer(
    analyzer="char_wb",
    ngram_range=(3, 5),
    lowercase=True,
    n_features=N_FEATURES,
    alternate_sign=False,
    norm=None,
    dtype=np.float64,
)


@dataclass(frozen=True, slots=True)
class Match:
    """An indexed statement that resembles the query text (``score``: cosine, 0 to 1)."""

    id: int
    score: float


def _term_frequencies(texts: Sequence[str]) -> sparse.csr_matrix:
    """Sublinear term frequencies (1 + log count) of each text's hashed n-grams."""
    counts = sparse.csr_matrix(_vectorizer.transform(list(texts)), dtype=np.float64)
    counts.data = 1.0 + np.log(counts.data)
    return counts


def _normalise_rows(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ matrix)


class TextIndex:
    """An index of statements, queried with new texts (fit once, append, query often).

    Parameters
    ----------
    min_score : float, default DEFAULT_MIN_SCORE
        Matches scoring below this are left out of every answer (a query may lower it).

    Attributes
    ----------
    ids_ : ndarray of int64
        The indexed statement ids, in the order they were added.
    tf_ : scipy.sparse.csr_matrix
        Their sublinear term frequencies over the hashed n-grams (one row per id).

    Examples
    --------
    >>> index = TextIndex().fit([(1, "Buses should run all night on weekends.")])
    >>> index = index.partial_fit([(2, "Build more bike lanes on Abay Avenue.")])
    >>> index.max_id, [m.id for m in index.query("more bike lanes on abay avenue please")]
    (2, [2])
    >>> index.query("bike lanes on Abay Avenue", among=[1])
    []
    """

    def __init__(self, *, min_score: float = DEFAULT_MIN_SCORE) -> None:
        self.min_score = min_score

    def fit(self, candidates: Sequence[tuple[int, str]]) -> TextIndex:
        """Index these statements (``(id, text)`` pairs), replacing what was indexed.

        Returns
        -------
        TextIndex
            ``self``.
        """
        self.ids_: npt.NDArray[np.int64] = np.zeros(0, dtype=np.int64)
        self.tf_: sparse.csr_matrix = sparse.csr_matrix((0, N_FEATURES), dtype=np.float64)
        return self.partial_fit(candidates)

    def partial_fit(self, candidates: Sequence[tuple[int, str]]) -> TextIndex:
        """Add statements (``(id, text)`` pairs) to the index; return ``self``."""
        if not hasattr(self, "ids_"):
            return self.fit(candidates)
        if len(candidates):
            ids = np.array([cid for cid, _ in candidates], dtype=np.int64)
            tf = _term_frequencies([text for _id, text in candidates])
            self.ids_ = np.concatenate([self.ids_, ids])
            self.tf_ = sparse.csr_matrix(sparse.vstack([self.tf_, tf], format="csr"))
        return self

    def _weights(
        self, rows: npt.NDArray[np.int64]
    ) -> tuple[sparse.csr_matrix, npt.NDArray[np.float64]]:
        """Normalised tf-idf rows (column-compressed: queries read few columns) and the idf,
        cached for the last set of rows asked for."""
        key = (len(self.ids_), rows.tobytes())
        cached = getattr(self, "_cache", None)
        if cached is not None and cached[0] == key:
            return cached[1], cached[2]
        tf = self.tf_[rows]
        df = np.bincount(tf.indices, minlength=N_FEATURES)
        # Smoothed idf as in scikit-learn's TfidfTransformer; n-grams no statement has (df 0)
        # get the largest weight and count fully in the query's norm.
        idf = np.log((1.0 + len(rows)) / (1.0 + df)) + 1.0
        weighted = _normalise_rows(sparse.csr_matrix(tf.multiply(idf))).tocsc()
        self._cache = (key, weighted, idf)
        return weighted, idf

    @property
    def max_id(self) -> int:
        """The largest indexed id (0 when empty)."""
        return int(self.ids_.max()) if len(self.ids_) else 0

    def query(
        self,
        text: str,
        *,
        limit: int = 5,
        exclude: Sequence[int] = (),
        among: Sequence[int] | npt.NDArray[np.int64] | None = None,
        min_score: float | None = None,
    ) -> list[Match]:
        """Return the indexed statements most similar to ``text``, best first.

        Parameters
        ----------
        text : str
            The text to compare (an empty one matches nothing).
        limit : int, default 5
            At most this many matches.
        exclude : sequence of int
            Ids left out of the answer only (not of the idf statistics).
        among : sequence of int, optional
            Restrict the search, and the idf statistics, to these ids.
        min_score : float, optional
            Overrides the index's threshold.

        Returns
        -------
        list of Match
            Best first (ties by id); scores rounded to 3 digits and at most 1.

        Examples
        --------
        >>> index = TextIndex().fit([(1, "Raise parking fees."), (2, "Lower parking fees.")])
        >>> [m.id for m in index.query("raise parking fees", limit=1)]
        [1]
        """
        return self.query_many(
            [text], limit=limit, exclude=[exclude], among=among, min_score=min_score
        )[0]

    def query_many(
        self,
        texts: Sequence[str],
        *,
        limit: int = 5,
        exclude: Sequence[Sequence[int]] | None = None,
        among: Sequence[int] | npt.NDArray[np.int64] | None = None,
        min_score: float | None = None,
    ) -> list[list[Match]]:
        """:meth:`query` for several texts at once (one sparse product); ``exclude[i]`` is
        left out of the answer for ``texts[i]``."""
        threshold = self.min_score if min_score is None else min_score
        answers: list[list[Match]] = [[] for _ in texts]
        if not len(texts) or limit < 1 or not len(self.ids_):
            return answers
        rows = np.arange(len(self.ids_))
        if among is not None:
            rows = rows[np.isin(self.ids_, np.asarray(among, dtype=np.int64))]
        if not len(rows):
            return answers
        weighted, idf = self._weights(rows)
        queries = _term_frequencies([(t or "").strip() for t in texts])
        queries.data = queries.data * idf[queries.indices]
        queries = _normalise_rows(queries)
        # Only the n-grams the queries contain matter: multiply over those columns alone.
        used = np.unique(queries.indices)
        scores = (queries[:, used] @ weighted[:, used].T).toarray().T  # rows: statements
        ids = self.ids_[rows]
        for column, text in enumerate(texts):
            if not (text or "").strip():
                continue
            column_scores = scores[:, column]
            left_out = exclude[column] if exclude is not None else ()
            if len(left_out):
                column_scores[np.isin(ids, np.asarray(left_out, dtype=np.int64))] = -1.0
            if len(column_scores) > limit:
                top = np.argpartition(-column_scores, limit - 1)[:limit]
            else:
                top = np.arange(len(column_scores))
            for index in top[np.lexsort((top, -column_scores[top]))]:
                score = float(column_scores[index])
                if score < threshold or score <= 0.0:
                    break
                answers[column].append(Match(id=int(ids[index]), score=round(min(score, 1.0), 3)))
        return answers


def similar_texts(
    text: str,
    candidates: Sequence[tuple[int, str]],
    *,
    limit: int = 5,
    min_score: float = DEFAULT_MIN_SCORE,
) -> list[Match]:
    """Return the candidates most similar to ``text``, best first.

    Parameters
    ----------
    text : str
        The text to compare.
    candidates : sequence of (int, str)
        ``(id, text)`` pairs.
    limit : int, default 5
        At most this many matches.
    min_score : float, default DEFAULT_MIN_SCORE
        The lowest score kept.

    Returns
    -------
    list of Match
        Best first.

    Examples
    --------
    >>> pool = [(1, "Raise parking fees in the centre."), (2, "Build more bike lanes.")]
    >>> similar_texts("raise the parking fees in the centre", pool)[0].id
    1
    >>> similar_texts("free vaccinations for pensioners", pool)
    []
    """
    return TextIndex(min_score=min_score).fit(candidates).query(text, limit=limit)
