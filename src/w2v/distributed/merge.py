"""Merging replicas: which rows a sync merges, who owns them, and how deltas are combined.

After a merge every replica holds the same *base* values. Between merges each node trains its
own replica; a row's *delta* on node ``i`` is its value minus the base. A merge sets every
replica's row to

* ``capped`` (default): ``base + sum_i delta_i``, each row's sum shortened, if need be, to
  ``CAP`` times the longest of the nodes' deltas of that row. Rows few nodes train, or that
  nodes move in different directions, keep every node's step, as if one process had made them
  one after another; a frequent row that every node moved the same way from the same stale
  base is not moved N times as far (the sum of N such steps overshoots: measured, ``sum``
  diverges at N = 4). With ``CAP = 2`` and two nodes the cap never binds (by the triangle
  inequality), so two nodes sum.
* ``weighted``: ``base + sum_i c_i * delta_i / sum_i c_i``, where ``c_i`` is the
  number of updates node ``i`` made to the row since it was last merged. A row trained on one
  node only keeps that node's whole delta (it is not divided by N); a row every node trained
  as often gets the plain mean.
* ``mean``: ``base + sum_i delta_i / N`` (model averaging, as Spark MLlib and pWord2Vec do).
* ``sum``: ``base + sum_i delta_i``, uncapped.

Rows are merged in frequency tiers, as pWord2Vec does: the most frequent ``TIER_ROWS`` rows at
every sync, twice as many every second sync, four times as many every fourth, and so on; all
rows every ``2**J``-th sync (the first tier that covers them) and at every epoch end.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numba import njit

TIER_ROWS = 1024
MERGES = ("capped", "weighted", "mean", "sum")
# A merged row moves at most twice as far as the node that moved it most. A row that each node
# has already moved all the way to its optimum ends a merge of m such steps m - 1 steps past
# it, on the other side: the error grows at every merge for m > 2 and does not for m = 2.
CAP = 2.0


def tier_rows(sync: int, n_rows: int, tier_rows: int = TIER_ROWS) -> int:
    """How many of the most frequent rows sync number ``sync`` (1, 2, ...) merges."""
    if sync < 1:
        raise ValueError(f"sync numbers start at 1, got {sync}")
    level = (sync & -sync).bit_length() - 1  # trailing zero bits: 2**level divides sync
    return min(n_rows, tier_rows << level)


def owner_bounds(n_rows: int, nodes: int) -> list[tuple[int, int]]:
    """Node ``j`` owns rows ``bounds[j][0]:bounds[j][1]`` of ``n_rows`` merged rows."""
    cuts = [n_rows * j // nodes for j in range(nodes + 1)]
    return list(zip(cuts[:-1], cuts[1:], strict=True))


def merge_rows(
    base: np.ndarray,
    deltas: Sequence[np.ndarray],
    counts: Sequence[np.ndarray] | None = None,
    total: bool = False,
    cap: float | None = None,
) -> np.ndarray:
    """New values of some rows from their base values and each node's delta.

    Parameters
    ----------
    base : numpy.ndarray
        float32 ``(m, ...)``: the rows' values at their last merge.
    deltas : sequence of numpy.ndarray
        One ``(m, ...)`` array per node: its value minus ``base``.
    counts : sequence of numpy.ndarray, optional
        One ``(m,)`` array per node: its updates of each row since the last merge. Given,
        the deltas are averaged with these weights (``weighted``); rows no node counted an
        update for fall back to the plain mean. None: the plain mean (``mean``).
    total : bool
        Add the deltas up instead (``sum``): every node's updates are kept whole, as if one
        process had made them all one after another.
    cap : float, optional
        Given, add the deltas up but shorten each row's sum to at most ``cap`` times the
        longest of its deltas (``capped``). Euclidean norms over a row.
    """
    if cap is not None:
        rows = base.shape[0]
        stacked = np.empty((len(deltas), rows, base.size // max(rows, 1)), np.float32)
        for i, d in enumerate(deltas):
            stacked[i] = d.reshape(rows, -1)
        out = np.empty(stacked.shape[1:], np.float32)
        _capped_sum(base.reshape(rows, -1), stacked, np.float32(cap), out)
        return out.reshape(base.shape)
    if total:
        return base + np.add.reduce(deltas, dtype=np.float32)
    mean = np.add.reduce(deltas, dtype=np.float32) / np.float32(len(deltas))
    if counts is None:
        return base + mean
    shape = (-1,) + (1,) * (base.ndim - 1)
    total = np.add.reduce(counts, dtype=np.float64).reshape(shape)
    weighted = np.zeros(base.shape, dtype=np.float64)
    for c, d in zip(counts, deltas, strict=True):
        weighted += c.reshape(shape) * d
    with np.errstate(invalid="ignore", divide="ignore"):
        weighted = np.where(total > 0, weighted / total, mean)
    return (base + weighted).astype(np.float32)


@njit(nogil=True, fastmath=True, cache=True)
def _capped_sum(base, deltas, cap, out):  # pragma: no cover - compiled
    """``out = base + s * sum_i deltas[i]`` row by row, ``s`` shortening the sum to at most
    ``cap`` times the longest delta (Euclidean norms, accumulated in float64). Compiled: a
    merge of thousands of rows runs while the nodes train, on the same cores."""
    nodes, rows, dim = deltas.shape
    acc = np.empty(dim, np.float64)
    for r in range(rows):
        longest = 0.0
        for i in range(nodes):
            sq = 0.0
            for c in range(dim):
                v = np.float64(deltas[i, r, c])
                sq += v * v
            longest = max(longest, sq)
        acc[:] = 0.0
        for i in range(nodes):
            for c in range(dim):
                acc[c] += deltas[i, r, c]
        norm = 0.0
        for c in range(dim):
            norm += acc[c] * acc[c]
        limit = cap * np.sqrt(longest)
        scale = 1.0
        norm = np.sqrt(norm)
        if norm > limit:
            scale = limit / norm
        for c in range(dim):
            out[r, c] = np.float32(base[r, c] + scale * acc[c])
