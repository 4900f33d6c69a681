"""Exact cosine neighbours of a batch of queries, each answer independent of the batch.

A matrix product answers many queries in one pass over the vectors, but BLAS rounds a row's
dot products differently depending on the shape of the product (its blocking, or a
matrix-vector kernel for one row), so the last bit of a score, and with it the order of two
near-equal words, would depend on which other queries shared the batch. Here the product only
*selects* candidates; their scores are then recomputed one by one in a fixed order:

1. ``scores = queries @ unit_vectors.T`` (float32, BLAS), and the best ``k + margin``
   candidates of each row (:func:`w2v.topk.top_k_rows`, query words excluded);
2. each candidate's score recomputed as a float64 sum of the float32 products, in index order,
   rounded once to float32 (a compiled loop: the same instructions for every pair);
3. the candidates ranked by that score, equal scores by lower vocabulary index.

Step 2 is the score: a function of the query vector and the word vector alone, so a query gets
the same words, in the same order, with the same bits, in a batch of one or of a thousand.
Step 1 can only miss a word if the float32 product misjudged it by more than its rounding
bound (``(dim + 4) * 2**-23`` for unit vectors, any summation order); when the last candidate
is within that bound of the k-th score, the row is rescored in full instead (rare: it needs
``margin`` words within ~1e-5 of each other at the cut).
"""

from __future__ import annotations

from collections.abc import Sequence

import numba
import numpy as np

from w2v.topk import top_k_rows

__all__ = ["exact_top_k", "rescore_and_rank", "score_bound"]


def score_bound(dim: int) -> float:
    """Largest difference between a float32 BLAS dot product of two unit vectors of `dim`
    components and the exact one, whatever the summation order (Higham's gamma_n bound,
    doubled for the rounding of the unit vectors themselves)."""
    return (dim + 4) * 2.0**-23


@numba.njit(cache=True, nogil=True)
def _rescore(queries, vectors, candidates, out):  # pragma: no cover - compiled
    # No fastmath: the additions stay in index order, so the sum is the same for every call.
    dim = vectors.shape[1]
    for r in range(candidates.shape[0]):
        for j in range(candidates.shape[1]):
            c = candidates[r, j]
            if c < 0:
                out[r, j] = -np.inf
                continue
            acc = 0.0
            for d in range(dim):
                acc += np.float64(queries[r, d]) * np.float64(vectors[c, d])
            out[r, j] = np.float32(acc)


@numba.njit(cache=True, nogil=True)
def _score_all(query, vectors, out):  # pragma: no cover - compiled
    dim = vectors.shape[1]
    for c in range(vectors.shape[0]):
        acc = 0.0
        for d in range(dim):
            acc += np.float64(query[d]) * np.float64(vectors[c, d])
        out[c] = np.float32(acc)


def _ranked(indices: np.ndarray, scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The `k` best of one row by (score descending, index ascending); -inf entries dropped."""
    keep = scores > -np.inf
    indices, scores = indices[keep], scores[keep]
    order = np.lexsort((indices, -scores.astype(np.float64)))[:k]
    return indices[order], scores[order]


def rescore_and_rank(
    unit_vectors: np.ndarray, queries: np.ndarray, candidates: np.ndarray, k: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Score each row's candidate words exactly (float64 sum, rounded once) and keep the `k`
    best, equal scores by lower index; ``-1`` candidates are skipped.

    Returns
    -------
    list of (indices, scores)
        Per query, ``int64`` word indices and ``float32`` scores, best first.
    """
    candidates = np.ascontiguousarray(candidates, dtype=np.int64)
    exact = np.empty(candidates.shape, dtype=np.float32)
    _rescore(queries, unit_vectors, candidates, exact)
    return [_ranked(candidates[r], exact[r], k) for r in range(candidates.shape[0])]


def exact_top_k(
    unit_vectors: np.ndarray,
    queries: np.ndarray,
    k: int,
    exclude: Sequence[Sequence[int]] | None = None,
    block_elements: int = 1 << 24,
    margin: int | None = None,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The `k` words closest to each query by cosine, each row independent of the others.

    Parameters
    ----------
    unit_vectors : numpy.ndarray
        ``(words, dim)`` float32 unit vectors (zero rows allowed), C-contiguous.
    queries : numpy.ndarray
        ``(queries, dim)`` float32 unit vectors.
    k : int
        Neighbours per query (>= 1).
    exclude : sequence of sequences of int, optional
        Per query, word indices never returned (the query's own words).
    block_elements : int
        Largest score matrix (float32 elements, ~64 MB by default) computed at once; it is
        allocated once per call and reused, since page-faulting big arrays costs more than
        the product.
    margin : int, optional
        Extra candidates taken from the matrix product before rescoring (default
        ``max(16, k // 2)``).

    Returns
    -------
    list of (indices, scores)
        Per query, ``int64`` word indices and ``float32`` scores, best first (fewer than `k`
        when fewer words can be returned). Bit-identical whatever the other queries.
    """
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    n_words, dim = unit_vectors.shape
    n_queries = queries.shape[0]
    if exclude is None:
        exclude = [()] * n_queries
    if n_words == 0:
        empty = (np.zeros(0, np.int64), np.zeros(0, np.float32))
        return [empty] * n_queries
    margin = max(16, k // 2) if margin is None else margin
    wanted = min(n_words, k + margin)
    bound = score_bound(dim)
    block = max(1, min(n_queries, block_elements // n_words))
    buffer = np.empty((block, n_words), dtype=np.float32)
    results: list[tuple[np.ndarray, np.ndarray]] = []
    for start in range(0, n_queries, block):
        stop = min(start + block, n_queries)
        scores = np.matmul(queries[start:stop], unit_vectors.T, out=buffer[: stop - start])
        cand, approx = top_k_rows(scores, wanted, exclude[start:stop])
        ranked = rescore_and_rank(unit_vectors, queries[start:stop], cand, k)
        for r, (idx, val) in enumerate(ranked):
            # Complete unless a word outside the candidates could still beat the k-th score:
            # all candidates taken (the row had more) and the last one within the bound.
            if (
                cand[r, -1] >= 0
                and wanted < n_words
                and len(val) == k
                and approx[r, -1] + bound >= val[-1]
            ):
                idx, val = _full_row(unit_vectors, queries[start + r], exclude[start + r], k)
            results.append((idx, val))
    return results


def _full_row(
    unit_vectors: np.ndarray, query: np.ndarray, exclude: Sequence[int], k: int
) -> tuple[np.ndarray, np.ndarray]:
    scores = np.empty((1, unit_vectors.shape[0]), dtype=np.float32)
    _score_all(query, unit_vectors, scores[0])
    best, values = top_k_rows(scores, k, [exclude])  # ties: lower index first, as _ranked
    keep = best[0] >= 0
    return best[0][keep], values[0][keep]
