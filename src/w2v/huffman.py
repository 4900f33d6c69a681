"""Huffman tree over word counts for hierarchical softmax (frequent words get short codes).

Built as word2vec.c builds it, in linear time from counts sorted in descending order (counts
in another order, a grown vocabulary's, are sorted first). Inner
node ``k`` (0..V-2) owns row ``k`` of the output matrix; the root is node V-2. A word's
probability is the product over its path of sigmoid(+score) for code bit 0 and
sigmoid(-score) for code bit 1, so the probabilities of all words sum to 1.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from w2v.errors import ParameterError


@njit(nogil=True, cache=True, inline="always")
def _smallest(count: np.ndarray, pos1: int, pos2: int) -> tuple[int, int, int]:
    """The smaller of the next leaf (from ``pos1`` down) and the next inner node (from ``pos2``
    up), with the advanced positions."""
    if pos1 >= 0 and count[pos1] < count[pos2]:
        return pos1, pos1 - 1, pos2
    return pos2, pos1, pos2 + 1


@njit(nogil=True, cache=True)
def _build(counts: np.ndarray):
    v = counts.shape[0]
    count = np.empty(2 * v, dtype=np.int64)
    count[:v] = counts
    count[v:] = np.iinfo(np.int64).max
    parent = np.zeros(2 * v, dtype=np.int64)
    binary = np.zeros(2 * v, dtype=np.uint8)
    pos1 = v - 1
    pos2 = v
    for a in range(v - 1):
        first, pos1, pos2 = _smallest(count, pos1, pos2)
        second, pos1, pos2 = _smallest(count, pos1, pos2)
        count[v + a] = count[first] + count[second]
        parent[first] = v + a
        parent[second] = v + a
        binary[second] = 1
    lengths = np.zeros(v, dtype=np.int32)
    root = 2 * v - 2
    for w in range(v):
        b = w
        n = 0
        while b != root:
            n += 1
            b = parent[b]
        lengths[w] = n
    depth = max(1, lengths.max())
    codes = np.zeros((v, depth), dtype=np.uint8)
    points = np.zeros((v, depth), dtype=np.int32)
    for w in range(v):
        n = lengths[w]
        b = w
        # walk up from the leaf, filling the path from its end; points index inner nodes
        for i in range(n - 1, -1, -1):
            codes[w, i] = binary[b]
            b = parent[b]
            points[w, i] = b - v
    return codes, points, lengths


class HuffmanTree:
    """Codes and inner-node paths of every word.

    Attributes
    ----------
    codes : numpy.ndarray
        uint8 (V, max_depth): the branch bits of each word, root first.
    points : numpy.ndarray
        int32 (V, max_depth): the inner node (output row) at each step of the path.
    lengths : numpy.ndarray
        int32 (V,): the code length of each word.
    """

    def __init__(self, counts: np.ndarray) -> None:
        counts = np.asarray(counts, dtype=np.int64)
        if counts.shape[0] < 2:
            raise ParameterError("hierarchical softmax needs a vocabulary of at least 2 words")
        if not np.any(np.diff(counts) > 0):
            self.codes, self.points, self.lengths = _build(counts)
            return
        # A grown vocabulary is not sorted by count (added words come last): build over the
        # words in count order (ties by id, so the tree is reproducible), then index by id.
        order = np.argsort(-counts, kind="stable")
        codes, points, lengths = _build(counts[order])
        self.codes, self.points, self.lengths = (
            np.empty_like(codes), np.empty_like(points), np.empty_like(lengths)
        )  # fmt: skip
        self.codes[order], self.points[order], self.lengths[order] = codes, points, lengths
