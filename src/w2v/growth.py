"""Weights for a grown vocabulary (``build_vocab(corpus, update=True)``).

:meth:`w2v.vocabulary.Vocabulary.grow` decides which words a model gains; this module carries
the trained weights over to the grown vocabulary:

- input vectors (``syn0``) and per-word output rows (negative sampling, full softmax, their
  biases) of known words are copied to their new ids; rows of added words start as a new
  model's do (input: uniform in [-1/d, 1/d); output: zero);
- hierarchical softmax's inner nodes are not carried over: the Huffman tree is rebuilt from
  the new counts, and an inner node of the new tree stands for a different set of words than
  the node with its number in the old one (gensim keeps the old node vectors under the new
  tree, which is how its updated HS models get corrupted). They start at zero, as in a new
  model, and are re-learned from the kept input vectors by the training that follows;
- the hidden-layer bias is shared by all words and kept.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: Weight arrays with one row per word, grown by copying known rows.
PER_WORD = frozenset({"syn0", "syn1neg", "neg_bias", "syn1sm", "sm_bias"})
#: Weight arrays with one row per inner node of the Huffman tree, re-learned after growth.
PER_INNER_NODE = frozenset({"syn1", "hs_bias"})


def fresh_input_vectors(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    """Initial input vectors: uniform in [-1/dim, 1/dim), float32 (gensim 4's range)."""
    return ((rng.random((n, dim), dtype=np.float32) * 2 - 1) / dim).astype(np.float32)


def grow_weights(
    names: Sequence[str],
    weights: Sequence[np.ndarray],
    old_ids: np.ndarray,
    n_words: int,
    seed: int,
) -> list[np.ndarray]:
    """The weights of a model whose vocabulary grew to ``n_words`` words.

    Parameters
    ----------
    names : sequence of str
        Name of each weight array (``syn0``, ``hidden_bias``, ``syn1``, ``hs_bias``,
        ``syn1neg``, ``neg_bias``, ``syn1sm``, ``sm_bias``).
    weights : sequence of numpy.ndarray
        The trained arrays, in the order of ``names``; a layer that is switched off has an
        empty array, which stays empty.
    old_ids : numpy.ndarray
        New id of each old word (:meth:`Vocabulary.grow`'s second result).
    n_words : int
        Size of the grown vocabulary.
    seed : int
        The model's seed: the added input vectors are drawn from a stream of their own
        (seeded by it and the two vocabulary sizes), so an update is reproducible and does
        not replay the draws of the original initialisation.

    Returns
    -------
    list of numpy.ndarray
        New arrays (the old ones are not modified), in the order of ``names``.
    """
    n_old = int(old_ids.shape[0])
    added = np.ones(n_words, dtype=bool)
    added[old_ids] = False
    out = []
    for name, w in zip(names, weights, strict=True):
        if w.shape[0] == 0 or name not in PER_WORD | PER_INNER_NODE:
            out.append(w.copy())
            continue
        shape = (n_words - 1 if name in PER_INNER_NODE else n_words, *w.shape[1:])
        grown = np.zeros(shape, dtype=np.float32)
        if name in PER_WORD:
            if w.shape[0] != n_old:
                raise ValueError(f"{name} has {w.shape[0]} rows for {n_old} words")
            grown[old_ids] = w
            if name == "syn0":
                rng = np.random.default_rng([seed, n_old, n_words])
                grown[added] = fresh_input_vectors(rng, int(added.sum()), w.shape[1])
        out.append(grown)
    return out
