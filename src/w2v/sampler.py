"""Frequency-based sampling: negative words from count**ns_exponent, and frequent-word subsampling.

Negatives come from an alias table (Walker/Vose): two small arrays of V entries, so a draw is one
random number, one table read and one comparison, and the table stays in cache, unlike
word2vec.c's 10**8-entry unigram table.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numba import njit

from w2v.errors import ParameterError
from w2v.rng import next_u64

_TWO_32 = float(1 << 32)


@njit(nogil=True, cache=True)
def _build_alias(prob: np.ndarray, threshold: np.ndarray, alias: np.ndarray) -> None:
    n = prob.shape[0]
    scaled = prob * n
    small = np.empty(n, dtype=np.int64)
    large = np.empty(n, dtype=np.int64)
    ns = nl = 0
    for i in range(n):
        alias[i] = i
        if scaled[i] < 1.0:
            small[ns] = i
            ns += 1
        else:
            large[nl] = i
            nl += 1
    while ns > 0 and nl > 0:
        ns -= 1
        s = small[ns]
        nl -= 1
        g = large[nl]
        threshold[s] = np.uint64(scaled[s] * _TWO_32)
        alias[s] = g
        scaled[g] = (scaled[g] + scaled[s]) - 1.0
        if scaled[g] < 1.0:
            small[ns] = g
            ns += 1
        else:
            large[nl] = g
            nl += 1
    # leftovers are 1 up to rounding: always keep themselves
    for k in range(nl):
        threshold[large[k]] = np.uint64(1) << np.uint64(32)
    for k in range(ns):
        threshold[small[k]] = np.uint64(1) << np.uint64(32)


class AliasTable:
    """Draw word ids with probability proportional to ``counts ** exponent``.

    Parameters
    ----------
    counts : numpy.ndarray
        Word counts (all >= 0, at least one > 0).
    exponent : float
        0.75 in word2vec; 1.0 samples by plain frequency, 0.0 uniformly.
    """

    def __init__(self, counts: np.ndarray, exponent: float = 0.75) -> None:
        weights = np.asarray(counts, dtype=np.float64) ** exponent
        total = weights.sum()
        if not np.isfinite(total) or total <= 0:
            raise ParameterError("ns_exponent: the sampling weights count**ns_exponent sum to 0")
        self.probabilities = weights / total
        self.threshold = np.zeros(len(weights), dtype=np.uint64)
        self.alias = np.zeros(len(weights), dtype=np.int32)
        _build_alias(self.probabilities, self.threshold, self.alias)

    def draw(self, n: int, state: np.ndarray, avoid: int | Sequence[int] = ()) -> np.ndarray:
        """``n`` draws with the kernels' own sampler (used by tests and tools), none of them in
        ``avoid``."""
        out = np.empty(n, dtype=np.int32)
        positives = np.atleast_1d(np.asarray(avoid, dtype=np.int32))
        _draw_many(self.threshold, self.alias, state, positives, out)
        return out


@njit(nogil=True, cache=True, inline="always")
def draw_negative(
    threshold: np.ndarray, alias: np.ndarray, state: np.ndarray, avoid: np.ndarray, n_avoid: int
) -> int:
    """One draw from the alias table, drawn again while it is one of ``avoid[:n_avoid]`` (the
    positives of the step: one word, or each centre of a CBOW batch that shares the
    negatives). A count rather than a slice: a slice in compiled code is a reference-counted
    view, an atomic operation on the array's shared header per draw."""
    n = np.uint64(threshold.shape[0])
    while True:
        r = next_u64(state)
        i = np.int64(((r >> np.uint64(32)) * n) >> np.uint64(32))
        if (r & np.uint64(0xFFFFFFFF)) >= threshold[i]:
            i = alias[i]
        hit = False
        for j in range(n_avoid):
            hit |= i == avoid[j]
        if not hit:
            return i


@njit(nogil=True, cache=True)
def _draw_many(threshold, alias, state, avoid, out):
    for k in range(out.shape[0]):
        out[k] = draw_negative(threshold, alias, state, avoid, avoid.shape[0])


def keep_probabilities(counts: np.ndarray, sample: float) -> np.ndarray:
    """word2vec.c's subsampling: the probability of keeping each occurrence of a word.

    With ``t = sample * total``, a word seen ``c`` times is kept with probability
    ``(sqrt(c / t) + 1) * t / c`` (capped at 1); ``sample = 0`` keeps everything.
    """
    counts = np.asarray(counts, dtype=np.float64)
    if sample <= 0:
        return np.ones(counts.shape[0], dtype=np.float32)
    t = sample * counts.sum()
    with np.errstate(divide="ignore"):
        keep = (np.sqrt(counts / t) + 1.0) * t / counts
    return np.minimum(keep, 1.0).astype(np.float32)
