"""Bridging scores: support that holds across the opinion axis (Community Notes style).

Agree and disagree votes (passes are ignored) are coded as ratings ``r = 1`` (agree) and
``r = 0`` (disagree), as Community Notes codes "helpful" and "not helpful", and fitted by a
one-factor matrix factorisation with intercepts::

    r_hat(p, s) = mu + i_p + i_s + f_p * f_s

The factor ``f_p * f_s`` absorbs agreement explained by where a participant stands on the main
opinion axis, so the statement intercept ``i_s`` is the support a statement gets *regardless*
of that position: high for statements that both sides agree with, low for statements only one
side likes. That intercept is the bridging score.

The loss is the one of Community Notes' open-source scorer: mean squared error plus
``l2_lambda`` times the mean squared factor (for participants and for statements) plus
``l2_lambda * intercept_multiplier`` times the mean squared intercept (participants,
statements and ``mu``), with ``l2_lambda = 0.03`` and a multiplier of 5 by default. It is
minimised by alternating least squares: given the statements' parameters, every participant's
``(i_p, f_p)`` solves a 2x2 ridge regression in closed form, and vice versa, all participants
(statements) at once with one sparse matrix product each; ``mu`` has a closed form too. The
sweeps are accelerated by Anderson mixing; 30 million votes take a few seconds. The iteration is
deterministic given ``seed`` (which draws the statements' starting factors).
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix

from debate.errors import InputError
from debate.types import VoteMatrix

__all__ = ["BridgingProcess", "bridging_process", "bridging_scores"]

FloatArray = npt.NDArray[np.float64]


def bridging_scores(
    matrix: VoteMatrix,
    *,
    seed: int = 0,
    l2_lambda: float = 0.03,
    intercept_multiplier: float = 5.0,
    max_iter: int = 200,
    tol: float = 1e-6,
) -> dict[str, float]:
    """Score each statement by its matrix-factorisation intercept.

    Parameters
    ----------
    matrix : VoteMatrix
        The votes; passes are ignored, as are statements removed by moderation (they are
        neither fitted nor reported).
    seed : int, default 0
        Seed of the random starting factors of the statements.
    l2_lambda : float, default 0.03
        Weight of the L2 penalty on the factors (per mean squared parameter).
    intercept_multiplier : float, default 5.0
        The intercepts' penalty is ``l2_lambda * intercept_multiplier``: intercepts are
        regularised more strongly than factors so that the factor explains polarised
        agreement first.
    max_iter : int, default 200
        Most alternating least squares sweeps.
    tol : float, default 1e-6
        Stop when no statement intercept or factor moves by more than ``tol`` in a sweep.

    Returns
    -------
    dict of str to float
        Statement id to intercept ``i_s`` (on the 0 = disagree, 1 = agree scale, relative to
        the global mean ``mu``), in statement order, moderated statements left out. Statements
        without agree/disagree votes score 0.

    Raises
    ------
    InputError
        If an option is out of range.

    References
    ----------
    .. [1] J. Wojcik, S. Ilany-Tzur, et al., "Birdwatch: Crowd wisdom and bridging algorithms
       can inform understanding and reduce the spread of misinformation", arXiv:2210.15723,
       2022 (the Community Notes scorer, github.com/twitter/communitynotes).
    .. [2] Y. Koren, R. Bell, C. Volinsky, "Matrix factorization techniques for recommender
       systems", Computer 42(8), 2009, pp. 30-37.

    Examples
    --------
    Camp A (six people) likes ``s0``, camp B (two) likes ``s1``; ``s2`` is agreed by half of
    camp A and all of camp B. ``s2`` has fewer agrees than ``s0`` (5 against 6) but bridges:

    >>> A, D = 1, -1
    >>> votes = [[A, D, A]] * 3 + [[A, D, D]] * 3 + [[D, A, A]] * 2
    >>> scores = bridging_scores(VoteMatrix.from_dense(votes))
    >>> {s: round(v, 2) for s, v in scores.items()}
    {'0': 0.24, '1': -0.01, '2': 0.29}
    """
    if not l2_lambda > 0.0 or not intercept_multiplier > 0.0:
        raise InputError("l2_lambda and intercept_multiplier must be positive")
    if max_iter < 1 or not tol > 0.0:
        raise InputError("max_iter must be at least 1 and tol positive")
    n_part, n_stmt = matrix.shape
    hidden = np.zeros(n_stmt, dtype=np.bool_)
    hidden[list(matrix.excluded)] = True
    reported = [j for j in range(n_stmt) if not hidden[j]]
    votes, n_votes = _encoded_votes(matrix, hidden)
    if n_votes == 0:
        return {matrix.statements[j]: 0.0 for j in reported}
    # The transpose as compressed rows of its own (statements x participants): its products
    # run row by row, twice as fast as the compressed columns of ``votes.T``, with the same sums
    # in the same order.
    by_stmt = votes.T.tocsr()
    # Sums over each participant's (statement's) votes of a per-statement (per-participant)
    # quantity: columns j and n_stmt + j of ``votes`` hold disagree and agree votes on j.
    n_p = votes @ np.ones(2 * n_stmt)
    per_column = by_stmt @ np.ones(n_part)
    n_s = per_column[:n_stmt] + per_column[n_stmt:]
    agree_s = per_column[n_stmt:]
    agree_p = votes @ np.concatenate([np.zeros(n_stmt), np.ones(n_stmt)])
    active_p = max(int(np.count_nonzero(n_p)), 1)
    active_s = max(int(np.count_nonzero(n_s)), 1)

    # Community Notes' penalties are on *mean* squared parameters while the error is a mean
    # over votes; multiplied through by the number of votes, each participant's (statement's)
    # parameter gets a ridge weight of lambda * n_votes / n_participants (n_statements), counting
    # those with at least one vote as Community Notes does.
    lam_i = l2_lambda * intercept_multiplier
    ridge_i_p, ridge_f_p = lam_i * n_votes / active_p, l2_lambda * n_votes / active_p
    ridge_i_s, ridge_f_s = lam_i * n_votes / active_s, l2_lambda * n_votes / active_s
    per_stmt = np.zeros((2 * n_stmt, 5))
    per_part = np.empty((n_part, 4))

    def sweep(theta: FloatArray) -> FloatArray:
        """One alternating least squares sweep: statements' (i, f, mu) -> updated ones."""
        i_s, f_s, mu = theta[:n_stmt], theta[n_stmt:-1], float(theta[-1])
        for half in (slice(0, n_stmt), slice(n_stmt, None)):
            per_stmt[half, 0] = f_s
            per_stmt[half, 1] = f_s * f_s
            per_stmt[half, 2] = i_s * f_s
            per_stmt[half, 3] = i_s
        per_stmt[n_stmt:, 4] = f_s  # agree votes only
        i_p, f_p = _ridge_2x2(votes @ per_stmt, n_p, agree_p, mu, ridge_i_p, ridge_f_p)
        per_part[:, 0] = f_p
        np.multiply(f_p, f_p, out=per_part[:, 1])
        np.multiply(i_p, f_p, out=per_part[:, 2])
        per_part[:, 3] = i_p
        both = np.asarray(by_stmt @ per_part)
        # Rows n_stmt + j of ``both`` sum over the agree votes on j: column 0 there is the
        # agree-only sum of f_p the ridge fit needs as its fifth column.
        sums = np.column_stack([both[:n_stmt] + both[n_stmt:], both[n_stmt:, 0]])
        i_s, f_s = _ridge_2x2(sums, n_s, agree_s, mu, ridge_i_s, ridge_f_s)
        explained = float(sums[:, 3].sum() + n_s @ i_s + f_s @ sums[:, 0])
        mu = (float(agree_s.sum()) - explained) / (n_votes * (1.0 + lam_i))
        return np.concatenate([i_s, f_s, [mu]])

    rng = np.random.default_rng(seed)
    mean = float(agree_s.sum()) / n_votes
    start = np.concatenate([np.zeros(n_stmt), rng.normal(0.0, 1.0, n_stmt), [mean]])
    theta = _anderson_fixed_point(sweep, start, tol=tol, max_iter=max_iter)
    i_s = theta[:n_stmt]
    return {matrix.statements[j]: float(i_s[j]) for j in reported}


# What the separate process runs: wait for the end of stdin, then read (matrix, seed) from the
# inherited file descriptor given as its argument and write the scores to stdout.
_CHILD_CODE = "from debate.bridging import _serve_child; _serve_child()"
# One BLAS thread in the separate process, as :func:`debate.analysis.analyse` holds its own
# process to: the same kernels, so the same bits.
_ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


class BridgingProcess:
    """A :func:`bridging_scores` fit in a separate Python process.

    The process also computes :func:`debate.controversy.controversy_score` (:meth:`controversy`),
    the other part of :func:`debate.analysis.analyse` that depends only on the votes and the
    seed, after the fit.

    :meth:`start` launches the interpreter (its imports take a few tenths of a second: start it
    before loading the votes and they overlap), :meth:`fit` hands it the votes, :meth:`scores`
    waits for the fit and returns its scores, :meth:`close` (or leaving a ``with`` block) stops
    the process if it still runs. :func:`bridging_process` does the first two at once.

    The votes and the scores go through anonymous temporary files, so that this process does
    no work while the other one fits (no pipe to feed, no thread that would need the
    interpreter lock); the process's standard input only says when the votes are written.

    Attributes
    ----------
    matrix_ : VoteMatrix or None
        The votes handed to :meth:`fit`.
    seed_ : int or None
        The seed handed to :meth:`fit`.
    """

    def __init__(self) -> None:
        self.matrix_: VoteMatrix | None = None
        self.seed_: int | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._files: tuple[IO[bytes], IO[bytes]] | None = None
        self._scores: dict[str, float] | None = None
        self._controversy: float | None = None

    def start(self) -> BridgingProcess:
        """Launch the interpreter, which imports the fit and waits for :meth:`fit`."""
        if self._process is not None or self._files is not None or not sys.executable:
            return self
        source = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        output = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        # The child imports this very ``debate`` (a checkout, a git archive), not another one.
        root = str(Path(__file__).resolve().parents[1])
        path = os.pathsep.join([root, *filter(None, [os.environ.get("PYTHONPATH")])])
        try:
            self._process = subprocess.Popen(  # noqa: S603 - this interpreter, fixed code
                [sys.executable, "-c", _CHILD_CODE, str(source.fileno())],
                stdin=subprocess.PIPE,
                stdout=output,
                pass_fds=(source.fileno(),),
                env={**os.environ, **_ONE_THREAD, "PYTHONPATH": path},
            )
        except OSError:  # pragma: no cover - no interpreter to start
            source.close()
            output.close()
            return self
        self._files = (source, output)
        return self

    def fit(self, matrix: VoteMatrix, *, seed: int = 0) -> BridgingProcess:
        """Hand the process the votes (starting it first if need be); it fits at once."""
        self.matrix_, self.seed_ = matrix, seed
        self.start()
        if self._process is None or self._files is None or self._process.stdin is None:
            return self
        source = self._files[0]
        pickle.dump((matrix, seed), source, protocol=pickle.HIGHEST_PROTOCOL)
        source.flush()
        self._process.stdin.close()  # "the votes are written" (nothing buffered to fail)
        return self

    def scores(self) -> dict[str, float] | None:
        """Wait for the fit; its scores, as :func:`bridging_scores` returns them.

        ``None`` if the process could not start or did not finish (killed, out of memory, a
        failure reported on its standard error) or was given no votes: the caller fits in its
        own process instead.
        """
        process, files = self._process, self._files
        if self._scores is None and self.matrix_ is not None and process and files:
            code = process.wait()
            output = files[1]
            if code == 0:
                output.seek(0)
                try:
                    loaded = pickle.load(output)  # noqa: S301 - our own child's answer
                except (pickle.UnpicklingError, EOFError, ValueError):  # pragma: no cover
                    loaded = None
                if isinstance(loaded, dict) and isinstance(loaded.get("bridging"), dict):
                    self._scores = loaded["bridging"]
                    self._controversy = loaded.get("controversy")
            self.close()
        return self._scores

    def controversy(self) -> float | None:
        """Wait for the process; :func:`debate.controversy.controversy_score` of the votes
        with the seed, which it computes after the fit (``None`` as for :meth:`scores`)."""
        self.scores()
        return self._controversy

    def close(self) -> None:
        """Stop the process if it still runs and release its files."""
        if self._process is not None:
            if self._process.poll() is None:
                self._process.kill()
            if self._process.stdin is not None:
                self._process.stdin.close()
            self._process.wait()
        self._process = None
        if self._files is not None:
            for file in self._files:
                file.close()
            self._files = None

    def __enter__(self) -> BridgingProcess:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def bridging_process(matrix: VoteMatrix, *, seed: int = 0) -> BridgingProcess:
    """Start :func:`bridging_scores` on ``matrix`` in a separate Python process.

    The fit is the longest part of :func:`debate.analysis.analyse` on a large consultation and
    depends only on the votes and the seed: started here, it runs on another core while this
    process does the rest (pass the handle to ``analyse(..., bridging=...)``). The scores are
    the same bits as in this process: the same code on the same input, with one BLAS thread as
    ``analyse`` uses. A separate interpreter, not a thread (the rest of the analysis is Python
    that holds the interpreter lock, which slowed a fitting thread 2.5-fold) nor
    :mod:`multiprocessing` (which a daemonic process, such as a Celery prefork worker, may not
    use). Its start-up (imports) costs a few tenths of a second of CPU, worth it from a few
    hundred thousand votes; ``BridgingProcess().start()`` launches it earlier, ``fit`` later.

    Parameters
    ----------
    matrix : VoteMatrix
    seed : int, default 0
        As for :func:`bridging_scores`.

    Returns
    -------
    BridgingProcess
        The running fit; its :meth:`~BridgingProcess.scores` are ``None`` if the process could
        not be started (no interpreter at ``sys.executable``) or failed.

    Examples
    --------
    >>> votes = VoteMatrix.from_dense([[1, -1, 1]] * 3 + [[1, -1, -1]] * 3 + [[-1, 1, 1]] * 2)
    >>> with bridging_process(votes) as running:
    ...     running.scores() == bridging_scores(votes)
    True
    """
    return BridgingProcess().fit(matrix, seed=seed)


def _serve_child() -> None:
    """The separate process of :class:`BridgingProcess`: fit and answer on stdout."""
    sys.stdin.buffer.read()  # until the parent has written the votes (or gone)
    with os.fdopen(int(sys.argv[1]), "rb") as source:
        source.seek(0)
        if not source.read(1):
            return  # closed before any votes came
        source.seek(0)
        matrix, seed = pickle.load(source)  # noqa: S301 - written by our parent
    from debate.controversy import controversy_score

    answer = {
        "bridging": bridging_scores(matrix, seed=seed),
        "controversy": controversy_score(matrix, seed=seed) if matrix.n_votes else None,
    }
    pickle.dump(answer, sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)
    sys.stdout.buffer.flush()


def _encoded_votes(matrix: VoteMatrix, hidden: npt.NDArray[np.bool_]) -> tuple[csr_matrix, int]:
    """The participants x (2 n_stmt) 0/1 matrix of agree/disagree votes and their number.

    Column j marks a disagree vote on statement j and column n_stmt + j an agree vote, so one
    product gives both the sums over all votes and over agree votes only. Passes and votes on
    hidden statements are dropped from the compressed matrix at the end, in linear time. The
    compressed rows are built in linear time when the votes come ordered by participant, as
    :func:`debate.polis.read_polis_export` and :meth:`VoteMatrix.from_stances` produce them.
    """
    n_part, n_stmt = matrix.shape
    counted = matrix.values != 0
    if hidden.any():
        counted &= ~hidden[matrix.cols]
    n_votes = int(np.count_nonzero(counted))
    rows = matrix.rows
    columns = matrix.cols.astype(np.int32)
    columns += n_stmt * (matrix.values > 0)
    data = counted.astype(np.float64)
    if rows.size > 1 and bool(np.any(rows[1:] < rows[:-1])):
        order = np.argsort(rows, kind="stable")
        rows, columns, data = rows[order], columns[order], data[order]
    indptr = np.zeros(n_part + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n_part), out=indptr[1:])
    votes = csr_matrix((data, columns, indptr), shape=(n_part, 2 * n_stmt))
    votes.eliminate_zeros()
    return votes, n_votes


def _ridge_2x2(
    sums: FloatArray,
    counts: FloatArray,
    agrees: FloatArray,
    mu: float,
    ridge_i: float,
    ridge_f: float,
) -> tuple[FloatArray, FloatArray]:
    """Closed-form ridge fit of (intercept, factor) for every row, the other side fixed.

    Row ``a`` minimises ``sum_b (r_ab - mu - i_b - i_a - f_a f_b)**2 + ridge_i i_a**2 +
    ridge_f f_a**2`` over its votes ``b``, a 2x2 linear system; ``sums`` holds, per row, the
    sums over its votes of ``f_b``, ``f_b**2``, ``i_b f_b``, ``i_b`` and, over its agree votes,
    ``f_b``.
    """
    sum_f, sum_ff, sum_if, sum_i, agree_f = (sums[:, k] for k in range(5))
    target0 = agrees - mu * counts - sum_i
    target1 = agree_f - mu * sum_f - sum_if
    a11 = counts + ridge_i
    a22 = sum_ff + ridge_f
    det = a11 * a22
    det -= sum_f * sum_f
    intercept: FloatArray = a22 * target0
    intercept -= sum_f * target1
    intercept /= det
    factor: FloatArray = a11 * target1
    factor -= sum_f * target0
    factor /= det
    return intercept, factor


def _anderson_fixed_point(
    step: Callable[[FloatArray], FloatArray],
    start: FloatArray,
    *,
    tol: float,
    max_iter: int,
    memory: int = 8,
) -> FloatArray:
    """Iterate ``x <- step(x)`` to a fixed point, accelerated by Anderson mixing.

    Plain alternating least squares converges linearly, and slowly along the ridge where
    intercepts trade off against the factor; Anderson acceleration (type II, with restarts
    whenever the residual grows tenfold) extrapolates from the last ``memory`` steps and needs a
    fraction of the sweeps. It stops when a step moves no coordinate by more than ``tol``.
    """
    x = start
    # The last ``memory`` differences of successive steps and of their residuals, kept as they
    # come (one subtraction a step) in the rows of two buffers: rows [end - count, end) are the
    # history, oldest first, so the least-squares matrix is a view of them (the same layout, so
    # the same bits, as stacking the history into a new array every step, without the copy).
    # Twice ``memory`` rows: the history moves back to the top once every ``memory`` steps.
    rows = 2 * memory
    d_values = np.empty((rows, start.size))
    d_residuals = np.empty((rows, start.size))
    end = count = 0
    previous: tuple[FloatArray, FloatArray] | None = None
    best = np.inf
    for _ in range(max_iter):
        fx = step(x)
        g = fx - x
        size = float(np.max(np.abs(g)))
        if size <= tol:
            return fx
        if size > 10.0 * best:
            end = count = 0
            previous = None
        best = min(best, size)
        if previous is None:
            previous = (fx, g)
            x = fx
            continue
        if end == rows:
            kept = memory - 1
            d_values[:kept] = d_values[end - kept : end]
            d_residuals[:kept] = d_residuals[end - kept : end]
            end = count = kept
        np.subtract(fx, previous[0], out=d_values[end])
        np.subtract(g, previous[1], out=d_residuals[end])
        end += 1
        count = min(count + 1, memory)
        previous = (fx, g)
        gamma = np.linalg.lstsq(d_residuals[end - count : end].T, g, rcond=None)[0]
        x = fx - d_values[end - count : end].T @ gamma
    return x
