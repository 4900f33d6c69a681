"""Growing a trained model's vocabulary (``build_vocab(corpus, update=True)``).

:meth:`w2v.vocabulary.Vocabulary.grow` decides which words a model gains; this module counts
the new text, carries the trained weights over to the grown vocabulary and hands both to the
model (:func:`update_model`), whose negative-sampling table, Huffman tree and subsampling
probabilities are then rebuilt from the grown counts. The weights:

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

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from w2v.corpus import Corpus, EncodedCorpus, IdSpool
from w2v.errors import CorpusError, TrainingError
from w2v.vocabulary import TrimRule, Vocabulary

if TYPE_CHECKING:
    from w2v.word2vec import Word2Vec

logger = logging.getLogger(__name__)

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


@dataclass(frozen=True)
class VocabularyUpdate:
    """What one ``build_vocab(corpus, update=True)`` did.

    Attributes
    ----------
    known : int
        Words of the vocabulary before the update (their ids are unchanged).
    added : int
        Words added (ids ``known`` to ``known + added - 1``).
    seen_again : int
        Known words that occur in the new text (their counts grew).
    left_out : int
        Distinct words of the new text that stay outside the vocabulary (fewer than
        ``min_count`` occurrences in it, or no room under ``max_final_vocab``).
    tokens : int
        Tokens of the new text.
    """

    known: int
    added: int
    seen_again: int
    left_out: int
    tokens: int


def update_model(model: Word2Vec, corpus: Any, trim_rule: TrimRule | None = None
                 ) -> VocabularyUpdate:  # fmt: skip
    """Grow ``model``'s vocabulary by the words of ``corpus`` and carry its weights over.

    The new text is counted in one streaming pass (and, for files, encoded with the grown
    vocabulary at the same time, for the ``train`` call that follows). Returns what changed.
    """
    if model.vocab is None:
        raise TrainingError("build_vocab(update=True) needs a vocabulary: call it without "
                            "update=True first")  # fmt: skip
    p = model.params
    source = Corpus(corpus, p.unicode_errors, p.normalize)
    t0 = time.perf_counter()
    identity = source.identity()
    spool = IdSpool() if identity is not None else None
    try:
        new = Vocabulary.build(source.blocks(), 1, p.max_vocab_size, None, spool)
        if new.total_tokens == 0:
            raise CorpusError(f"{source}: the corpus is empty (no words in it)")
        old = model.vocab
        grown, old_ids = old.grow(new, p.min_count, p.max_final_vocab, trim_rule)
        weights = model._weights()
        model.set_vocab(grown, grow_weights(weights._fields, weights, old_ids, len(grown), p.seed))
        model.corpus_count = source.sentence_count or 0
        model.corpus_total_words = new.total_tokens
        if spool is not None and grown.counting_ids is not None:
            model._cache_encoded(identity, EncodedCorpus.from_spool(
                spool, grown, p.max_sentence_length, model._chunk_size()))  # fmt: skip
    finally:
        if spool is not None:
            spool.close()
    seen_again = sum(1 for w in new.words if w in old.index)
    update = VocabularyUpdate(
        known=len(old), added=len(grown) - len(old), seen_again=seen_again,
        left_out=len(new) - seen_again - (len(grown) - len(old)), tokens=new.total_tokens,
    )  # fmt: skip
    logger.info(
        "vocabulary update: %d words added to %d (%d known words seen again, %d distinct "
        "words left out: below min_count=%d or over max_final_vocab) from %d tokens in %.1fs",
        update.added, update.known, update.seen_again, update.left_out, p.min_count,
        update.tokens, time.perf_counter() - t0,
    )  # fmt: skip
    return update
