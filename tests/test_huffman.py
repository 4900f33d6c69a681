"""Huffman tree: prefix-free codes of optimal weighted length; HS probabilities sum to 1."""

from __future__ import annotations

import heapq

import numpy as np
import pytest

from w2v.huffman import HuffmanTree
from w2v.word2vec import Word2Vec


def _reference_weighted_length(counts: np.ndarray) -> int:
    """sum(count x code length) of a Huffman code built with a heap (textbook construction)."""
    heap = [(int(c), i, 0) for i, c in enumerate(counts)]  # (weight, tiebreak, cost so far)
    heapq.heapify(heap)
    total = 0
    n = len(heap)
    while len(heap) > 1:
        a, _, _ = heapq.heappop(heap)
        b, _, _ = heapq.heappop(heap)
        total += a + b  # every leaf below the merged node gets one more bit
        heapq.heappush(heap, (a + b, n, 0))
        n += 1
    return total


@pytest.mark.parametrize("seed", range(5))
def test_codes_prefix_free_and_optimal(seed):
    rng = np.random.default_rng(seed)
    v = int(rng.integers(2, 300))
    counts = np.sort(rng.zipf(1.3, v).clip(max=10**6))[::-1]
    tree = HuffmanTree(counts)
    codes = ["".join(map(str, tree.codes[w, : tree.lengths[w]])) for w in range(v)]
    assert len(set(codes)) == v
    ordered = sorted(codes)
    for a, b in zip(ordered, ordered[1:], strict=False):
        assert not b.startswith(a), f"{a} is a prefix of {b}"
    assert int((counts * tree.lengths).sum()) == _reference_weighted_length(counts)
    # frequent words are never deeper than rarer ones
    assert np.all(np.diff(tree.lengths) >= 0)
    # paths start at the root and use valid inner nodes
    assert np.all(tree.points[:, 0] == v - 2)
    for w in range(v):
        assert np.all(
            (tree.points[w, : tree.lengths[w]] >= 0) & (tree.points[w, : tree.lengths[w]] < v - 1)
        )


def test_unsorted_counts_get_the_tree_of_their_sorted_order():
    # a grown vocabulary: known words first, then the added ones (counts not descending)
    rng = np.random.default_rng(3)
    counts = rng.zipf(1.3, 200).clip(max=10**6)
    order = np.argsort(-counts, kind="stable")
    tree, ref = HuffmanTree(counts), HuffmanTree(counts[order])
    for name in ("codes", "points", "lengths"):
        assert np.array_equal(getattr(tree, name)[order], getattr(ref, name))
    assert int((counts * tree.lengths).sum()) == _reference_weighted_length(counts)


def test_single_word_vocabulary_is_rejected():
    with pytest.raises(ValueError, match="at least 2 words"):
        HuffmanTree(np.array([5]))


@pytest.mark.parametrize("bias", [0, 1])
def test_hs_probabilities_sum_to_one(bias):
    rng = np.random.default_rng(1)
    words = [f"w{i}" for i in range(57)]
    corpus = [list(rng.choice(words, 30, p=np.arange(57, 0, -1) / np.arange(57, 0, -1).sum()))
              for _ in range(100)]  # fmt: skip
    model = Word2Vec(min_count=1, hs=1, negative=0, bias=bias, vector_size=16, seed=3)
    model.build_vocab(corpus)
    model.syn1[:] = rng.normal(0, 1, model.syn1.shape)
    if bias:
        model.hs_bias[:] = rng.normal(0, 1, model.hs_bias.shape)
    for _ in range(20):
        h = rng.normal(0, 2, 16)
        probs = model.output_probabilities(h)
        assert probs.shape == (len(model.vocab),)
        assert np.all(probs > 0)
        assert abs(probs.sum() - 1.0) < 1e-5
