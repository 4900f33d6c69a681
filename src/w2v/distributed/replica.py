"""One node's full model replica, trained with the single-process engine's compiled kernels.

This is the only module of :mod:`w2v.distributed` that knows the engine's internals (the
weight arrays, the chunk kernel and its learning-rate and random-stream arguments, how many
rows a prediction updates); everything else talks to a :class:`Replica`.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from w2v.corpus import EncodedCorpus
from w2v.errors import TrainingError
from w2v.kernels import CBOW_BATCH, Schedule
from w2v.params import WEIGHT_NAMES, chunk_ids
from w2v.sampler import keep_probabilities
from w2v.training import Diverged, Job, train_chunks
from w2v.vocabulary import Vocabulary
from w2v.word2vec import Word2Vec

# Merges happen between chunks: a round of sync_words words must span at least one, or a
# small sync_words would not make merges more frequent. (Chunks key the random streams, so
# one node reproduces single-process training only with single-process chunks.)
CHUNKS_PER_ROUND = 4
MIN_CHUNK = 1024
# output layers whose rows are inner nodes of the Huffman tree: the most updated (those near
# the root) have the highest ids, so their frequency tiers run from the end
_INNER_NODE_ROWS = ("syn1", "hs_bias")


def model_weights(model: Word2Vec) -> list[np.ndarray]:
    """A model's weight arrays in :data:`WEIGHT_NAMES` order (its own, not copies)."""
    return list(model._weights())


def native_payload(model: Word2Vec) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """What :meth:`Word2Vec.save` writes (arrays and metadata), for a checkpoint."""
    return model._native_payload()


def model_from_native(arrays: dict, meta: dict[str, Any], path: object) -> Word2Vec:
    """The model a native file's arrays and metadata describe (raises FormatError)."""
    return Word2Vec._from_native(arrays, meta, path)


def row_views(weights: Sequence[np.ndarray]) -> dict[str, np.ndarray]:
    """The non-empty arrays of ``weights`` (in :data:`WEIGHT_NAMES` order) by name, as
    ``(rows, ...)`` views whose row 0 is the most updated, so that a merge of ``k`` rows takes
    rows ``0:k``. Writing to a view writes to the array."""
    out = {}
    for name, w in zip(WEIGHT_NAMES, weights, strict=True):
        if w.size == 0:
            continue
        if name == "hidden_bias":
            w = w.reshape(1, -1)
        out[name] = w[::-1] if name in _INNER_NODE_ROWS else w
    return out


class Replica:
    """A Word2Vec model on one node plus what training it chunk by chunk needs.

    Parameters
    ----------
    params : dict
        Word2Vec parameters.
    vocab : Vocabulary
        The merged vocabulary.
    weights : sequence of numpy.ndarray
        Starting weights in :data:`WEIGHT_NAMES` order (copied: Ray hands out read-only
        arrays).
    """

    def __init__(
        self, params: dict[str, Any], vocab: Vocabulary, weights: Sequence[np.ndarray]
    ) -> None:
        self.model = Word2Vec(**params)
        self.model.set_vocab(vocab, [np.array(w, dtype=np.float32) for w in weights])
        p = self.model.params
        self.params = p
        self.cfg = p.kernel_config()
        self.keep = keep_probabilities(vocab.counts, p.sample)
        self.chunk_size = chunk_ids(p, len(vocab))
        self._ns_prob = None
        if p.negative:
            q = vocab.counts.astype(np.float64) ** p.ns_exponent
            self._ns_prob = q / q.sum()

    @property
    def vocab(self) -> Vocabulary:
        return self.model.vocab

    def weights(self) -> list[np.ndarray]:
        """The weight arrays in :data:`WEIGHT_NAMES` order (the replica's own, not copies)."""
        return list(self.model._weights())

    def merged_arrays(self) -> dict[str, np.ndarray]:
        """The replica's arrays that a merge combines (:func:`row_views`)."""
        return row_views(self.weights())

    def encode(self, corpus: Any, sync_words: int) -> EncodedCorpus:
        """The corpus (anything with ``blocks()``) as word ids in chunks, as training reads
        it: single-process training's chunks, or, when ``sync_words`` is smaller than one of
        them, chunks small enough that a round holds :data:`CHUNKS_PER_ROUND`."""
        p = self.params
        size = self.chunk_size
        if sync_words < size:
            size = max(MIN_CHUNK, sync_words // CHUNKS_PER_ROUND)
        return EncodedCorpus(corpus, self.vocab, p.max_sentence_length, size)

    def train(
        self,
        encoded: EncodedCorpus,
        chunks: Sequence[int],
        stream: tuple[int, ...],
        first_chunk: int,
        lr_from: float,
        lr_to: float,
        threads: int,
        count_words: bool = True,
    ) -> tuple[float, int, int, np.ndarray | None]:
        """Train ``chunks`` of ``encoded`` with ``threads`` threads (Hogwild), the learning rate
        falling linearly from ``lr_from`` to ``lr_to`` over their words.

        Chunk ``c`` draws from the random stream keyed by ``(*stream, first_chunk + c)``,
        whichever thread trains it: with the chunk's index in the whole corpus, one node draws
        what single-process training does. Returns ``(loss sum, predictions, words,
        occurrences)``, the last the int64 count of each word id read, or None when
        ``count_words`` is false (only the ``weighted`` merge needs it).
        """
        model, p = self.model, self.params
        words_in = np.diff(encoded.chunk_words)
        sizes = [int(words_in[c]) for c in chunks]
        offsets = np.cumsum([0, *sizes])[:-1].tolist()
        jobs = [Job(chunk=c, epoch=0, words_before=o, stream=(*stream, first_chunk + c))
                for c, o in zip(chunks, offsets, strict=True)]  # fmt: skip
        occurrences = np.zeros(len(self.vocab), dtype=np.int64)
        lock = threading.Lock()

        def read_counted(chunk: int) -> np.ndarray:
            ids = encoded.read(chunk)
            occ = np.bincount(ids[ids >= 0], minlength=occurrences.shape[0])
            with lock:
                occurrences[:] += occ
            return ids

        try:
            stats = train_chunks(
                jobs, read_counted if count_words else encoded.read, self.cfg, model._weights(),
                model._tree_arrays(), model._sampler_arrays(),
                Schedule(lr_from, lr_to, max(sum(sizes), 1)),
                seed=p.seed, workers=max(1, threads),
            )  # fmt: skip
        except Diverged as exc:
            raise TrainingError(f"training diverged ({exc}); lower alpha") from None
        return stats.loss, stats.predictions, stats.words, occurrences if count_words else None

    def expected_updates(self, occurrences: np.ndarray) -> dict[str, np.ndarray]:
        """How many times training these word occurrences updates each row of each merged
        array, up to a factor common to all nodes (what ``weighted`` merging needs).

        A kept occurrence (after subsampling) updates its input row once per centre it is a
        context of, and is the target of one prediction; each prediction also moves the
        negatives it draws (``nu`` per centre, drawn in proportion to ``count**ns_exponent``),
        every inner node on the target's Huffman path, or every row of a full softmax.
        """
        p = self.params
        kept = occurrences * self.keep.astype(np.float64)
        centres = kept.sum()
        out: dict[str, np.ndarray] = {}
        for name, rows in self.merged_arrays().items():
            if name == "syn0":
                c = kept
            elif name == "hidden_bias":
                c = np.array([centres])
            elif name in ("syn1neg", "neg_bias"):
                nu = p.negative / CBOW_BATCH if (not p.sg and self._cbow_blocks()) else p.negative
                c = kept + nu * centres * self._ns_prob
            elif name in _INNER_NODE_ROWS:
                tree = self.model.tree
                mask = np.arange(tree.points.shape[1])[None, :] < tree.lengths[:, None]
                c = np.zeros(len(self.vocab) - 1)
                np.add.at(c, tree.points[mask], np.broadcast_to(kept[:, None], mask.shape)[mask])
                c = c[::-1]
            else:  # full softmax: every row, every prediction
                c = np.full(rows.shape[0], centres)
            out[name] = c.astype(np.float32)
        return out

    def _cbow_blocks(self) -> bool:
        p = self.params
        return bool(p.blocked and p.negative and not p.hs and not p.softmax)
