"""Top-k selection: the ``k`` best candidates of each row of a score matrix.

Used by every similarity query (:mod:`w2v.keyed_vectors`) and by the analogy evaluation
(:mod:`w2v.evaluation`). Hand-written rather than ``numpy.argpartition``: queries need only a
few best of tens of thousands of candidates, which one pass keeping a small sorted buffer
finds several times faster, and equal scores come out in a fixed order (lower index first).
"""

from __future__ import annotations

from collections.abc import Sequence

import numba
import numpy as np

from w2v.errors import ParameterError

__all__ = ["top_k_rows"]


def _top_k_impl(scores, k, out_idx, out_val, excl_ptr, excl_idx):  # pragma: no cover
    # One pass per row keeping a sorted top-k buffer: O(n) with ~1 compare per element,
    # several times faster than argpartition for the small k used by queries.
    for r in numba.prange(scores.shape[0]):
        # Excluded candidates (query words) are masked here, by index, inside the parallel
        # loop: no Python-level fancy indexing per block.
        for e in range(excl_ptr[r], excl_ptr[r + 1]):
            scores[r, excl_idx[e]] = -np.inf
        vals = out_val[r]
        idx = out_idx[r]
        for j in range(scores.shape[1]):
            s = scores[r, j]
            if s > vals[k - 1]:
                p = k - 1
                # Equal scores already kept stay ahead: ties go to the lower index.
                while p > 0 and vals[p - 1] < s:
                    vals[p] = vals[p - 1]
                    idx[p] = idx[p - 1]
                    p -= 1
                vals[p] = s
                idx[p] = j


# Threads only pay off on big matrices; small ones (single queries) run serially.
_top_k_parallel = numba.njit(parallel=True, cache=True, nogil=True)(_top_k_impl)
_top_k_serial = numba.njit(cache=True, nogil=True)(_top_k_impl)
_PARALLEL_MIN_ELEMENTS = 1 << 20


def top_k_rows(
    scores: np.ndarray,
    k: int,
    exclude: Sequence[Sequence[int]] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The `k` largest entries of each row, best first; equal scores ordered by lower index.

    Parameters
    ----------
    scores : numpy.ndarray
        2-D float array ``(queries, candidates)``. ``-inf`` marks excluded candidates; NaN
        entries are never selected.
    k : int
        How many to keep per row (>= 1).
    exclude : sequence of sequences of int, optional
        Per row, column indices never to select (all must be ``< scores.shape[1]``). When
        `scores` is a C-contiguous float32/float64 array it is modified in place (those
        entries become ``-inf``), which avoids copying a large block.

    Returns
    -------
    indices : numpy.ndarray
        ``int64`` array ``(queries, k)``; ``-1`` where a row has fewer than `k` selectable
        candidates.
    values : numpy.ndarray
        The corresponding scores (``-inf`` where the index is ``-1``).
    """
    scores = np.ascontiguousarray(scores)
    if scores.dtype not in (np.float32, np.float64):
        scores = scores.astype(np.float64)
    n_rows = scores.shape[0]
    if exclude is None:
        excl_ptr = np.zeros(n_rows + 1, dtype=np.int64)
        excl_idx = np.zeros(0, dtype=np.int64)
    else:
        if len(exclude) != n_rows:
            raise ParameterError(f"exclude needs one entry per row ({len(exclude)} != {n_rows})")
        excl_ptr = np.zeros(n_rows + 1, dtype=np.int64)
        np.cumsum([len(e) for e in exclude], out=excl_ptr[1:])
        excl_idx = np.fromiter(
            (i for e in exclude for i in e), dtype=np.int64, count=int(excl_ptr[-1])
        )
        if excl_idx.size and (excl_idx.min() < 0 or excl_idx.max() >= scores.shape[1]):
            raise ParameterError("exclude holds a column index outside the score matrix")
    out_idx = np.full((n_rows, k), -1, dtype=np.int64)
    out_val = np.full((n_rows, k), -np.inf, dtype=scores.dtype)
    if k > 64:
        # Insertion into a long buffer gets slow; sort instead (rare: large topn).
        rows = np.repeat(np.arange(n_rows), np.diff(excl_ptr))
        scores[rows, excl_idx] = -np.inf
        order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        vals = np.take_along_axis(scores, order, axis=1)
        ok = vals > -np.inf
        out_idx[:, : order.shape[1]] = np.where(ok, order, -1)
        out_val[:, : order.shape[1]] = np.where(ok, vals, -np.inf)
        return out_idx, out_val
    if scores.size >= _PARALLEL_MIN_ELEMENTS and n_rows > 1:
        _top_k_parallel(scores, k, out_idx, out_val, excl_ptr, excl_idx)
    elif scores.size:
        _top_k_serial(scores, k, out_idx, out_val, excl_ptr, excl_idx)
    return out_idx, out_val
