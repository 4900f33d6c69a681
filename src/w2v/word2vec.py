"""The word2vec model: parameters, weights, multi-threaded training and prediction."""

from __future__ import annotations

import dataclasses
import logging
import math
import os
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from w2v.callbacks import Callback, Progress
from w2v.checkpoint import RunState, check_encoded, check_files, corpus_fingerprint
from w2v.corpus import Corpus, EncodedCorpus, IdSpool
from w2v.errors import CorpusError, FormatError, ParameterError, TrainingError, W2VError
from w2v.formats.native import save_native
from w2v.huffman import HuffmanTree
from w2v.kernels import KernelConfig, make_scratch, thread_private, train_chunk
from w2v.keyed_vectors import KeyedVectors
from w2v.rng import stream_seed
from w2v.sampler import AliasTable, keep_probabilities
from w2v.vocabulary import Vocabulary

logger = logging.getLogger(__name__)

CorpusLike = str | os.PathLike | Iterable[Sequence[str]] | Corpus

#: Full softmax costs vocabulary x dimensions per prediction; past this it is impractical.
SOFTMAX_MAX_VOCAB = 50_000


@dataclass
class Params:
    """Hyperparameters (gensim's names where the meaning is the same)."""

    vector_size: int = 100
    window: int = 5
    min_count: int = 5
    max_vocab_size: int | None = None
    max_final_vocab: int | None = None
    sample: float = 1e-3
    alpha: float = 0.025
    min_alpha: float = 0.0001
    epochs: int = 5
    sg: int = 0
    hs: int = 0
    negative: int = 5
    ns_exponent: float = 0.75
    softmax: int = 0
    cbow_mean: int = 1
    cbow_exact_gradient: int = 0
    bias: int = 0
    shrink_windows: int = 1
    blocked: int = 1
    workers: int = 3
    seed: int = 1
    max_sentence_length: int = 10000
    unicode_errors: str = "replace"
    softmax_max_vocab: int = SOFTMAX_MAX_VOCAB
    extra: dict[str, Any] = field(default_factory=dict)

    def validate(self) -> None:
        """Raise :class:`ParameterError` naming the first parameter out of range."""

        def need(ok: bool, name: str, rule: str) -> None:
            if not ok:
                raise ParameterError(f"{name} must be {rule}, got {getattr(self, name)!r}")

        def is_int(name: str) -> bool:
            v = getattr(self, name)
            return isinstance(v, (int, np.integer)) and not isinstance(v, bool)

        for name in ("vector_size", "window", "min_count", "epochs", "workers"):
            need(is_int(name) and getattr(self, name) >= 1, name, "an integer >= 1")
        need(is_int("negative") and self.negative >= 0, "negative", "an integer >= 0")
        need(is_int("max_sentence_length") and self.max_sentence_length >= 1,
             "max_sentence_length", "an integer >= 1")  # fmt: skip
        need(is_int("softmax_max_vocab") and self.softmax_max_vocab >= 1, "softmax_max_vocab",
             "an integer >= 1")  # fmt: skip
        for name in ("max_vocab_size", "max_final_vocab"):
            need(getattr(self, name) is None or (is_int(name) and getattr(self, name) >= 1),
                 name, "None or an integer >= 1")  # fmt: skip
        for name in (
            "sg",
            "hs",
            "softmax",
            "cbow_mean",
            "cbow_exact_gradient",
            "bias",
            "shrink_windows",
            "blocked",
        ):
            need(getattr(self, name) in (0, 1, True, False), name, "0/1 or a bool")
        need(isinstance(self.seed, (int, np.integer)) and self.seed >= 0, "seed", "an integer >= 0")
        need(math.isfinite(self.alpha) and self.alpha > 0, "alpha", "a number > 0")
        need(math.isfinite(self.min_alpha) and 0 <= self.min_alpha <= self.alpha, "min_alpha",
             "a number in [0, alpha]")  # fmt: skip
        need(math.isfinite(self.sample) and self.sample >= 0, "sample", "a number >= 0")
        need(math.isfinite(self.ns_exponent), "ns_exponent", "a finite number")
        if not (self.hs or self.negative > 0 or self.softmax):
            raise ParameterError(
                "no output layer selected: set negative > 0 (negative sampling), hs=1 "
                "(hierarchical softmax) or softmax=1 (full softmax)"
            )
        need(self.unicode_errors in ("replace", "strict", "ignore"), "unicode_errors",
             "'replace', 'strict' or 'ignore'")  # fmt: skip

    def kernel_config(self) -> KernelConfig:
        return KernelConfig(
            sg=int(self.sg), cbow_mean=int(self.cbow_mean), window=int(self.window),
            shrink_windows=int(self.shrink_windows), negative=int(self.negative),
            hs=int(self.hs), softmax=int(self.softmax), bias=int(self.bias),
            blocked=int(self.blocked), cbow_exact_gradient=int(self.cbow_exact_gradient),
        )  # fmt: skip


_PARAM_NAMES = {f for f in Params.__dataclass_fields__ if f != "extra"}


class Word2Vec:
    """Learn word vectors with word2vec: CBOW or skip-gram, with negative sampling,
    hierarchical softmax and/or full softmax.

    Parameters
    ----------
    corpus : str, os.PathLike or iterable of list of str, optional
        Text file (plain, ``.gz``, ``.bz2``, ``.xz``; one sentence per line), a directory of
        them, or a restartable iterable of token lists. When given, the vocabulary is built
        and the model trained right away. ``corpus_file`` and ``sentences`` are accepted as
        gensim-style aliases.
    vector_size : int
        Dimension of the word vectors.
    window : int
        Maximum distance between the centre word and a context word.
    min_count : int
        Words seen fewer times are ignored.
    max_vocab_size : int, optional
        Limit on distinct words while counting (rarest pruned, as word2vec.c does).
    max_final_vocab : int, optional
        Keep at most this many words (raises the effective min_count).
    sample : float
        Subsampling threshold for frequent words (word2vec.c's formula); 0 disables it.
    alpha, min_alpha : float
        The learning rate falls linearly from ``alpha`` to ``min_alpha`` over all epochs.
    epochs : int
        Passes over the corpus.
    sg : {0, 1}
        1 for skip-gram, 0 for CBOW.
    hs : {0, 1}
        1 to train a hierarchical softmax output layer (Huffman tree).
    negative : int
        Negative samples per prediction (0 disables negative sampling).
    ns_exponent : float
        Negatives are drawn from ``count ** ns_exponent`` (0.75; 1.0 is plain frequency).
    softmax : {0, 1}
        1 to train a full softmax output layer (exact; small vocabularies only).
    cbow_mean : {0, 1}
        CBOW hidden layer: 1 for the mean of the context vectors, 0 for their sum.
    cbow_exact_gradient : {0, 1}
        With the CBOW mean: 0 (default) moves each context vector by the whole hidden-layer
        error, as word2vec.c and gensim do (their learning rates assume it); 1 applies the
        exact gradient, which is 1/window-count of that.
    bias : {0, 1}
        1 adds the specification's bias terms: ``h = mean(W x) + b`` and ``u = W'h + b'``.
    shrink_windows : {0, 1}
        1 draws the effective window uniformly from 1..window for each centre word.
    blocked : {0, 1}
        1 trains in blocks, each step the exact gradient step of the block's summed loss.
        Skip-gram: all context words of a centre form one block (shared negatives, one pass
        over the target's tree path). CBOW with negative sampling alone: four centres of a
        sentence, a window span apart so their contexts do not overlap, form one block that
        shares one set of negatives. 0 is word2vec.c's update: one (context, centre) pair, or
        one CBOW centre, per step.
    workers : int
        Training threads (lock-free updates of shared weights).
    seed : int
        Random seed; with ``workers=1`` two runs give bit-identical vectors.
    max_sentence_length : int
        Longer sentences are cut into consecutive pieces of this many words (not truncated).
    unicode_errors : {"replace", "strict", "ignore"}
        Policy for bytes of the corpus that are not valid UTF-8.
    callbacks : sequence of Callback
        Progress reports during training.
    """

    def __init__(
        self,
        corpus: CorpusLike | None = None,
        *,
        corpus_file: str | os.PathLike | None = None,
        sentences: Iterable[Sequence[str]] | None = None,
        callbacks: Sequence[Callback] = (),
        **params: Any,
    ) -> None:
        unknown = set(params) - _PARAM_NAMES
        if unknown:
            raise ParameterError(f"unknown parameter(s): {', '.join(sorted(unknown))}")
        self.params = Params(**params)
        self.params.validate()
        given = [c for c in (corpus, corpus_file, sentences) if c is not None]
        if len(given) > 1:
            raise ParameterError("give the corpus once: corpus, corpus_file or sentences")
        self.callbacks = list(callbacks)
        self.vocab: Vocabulary | None = None
        self._encoded: tuple | None = None  # (corpus identity, unicode_errors, EncodedCorpus)
        self.loss_history: list[float] = []
        self.epoch_history: list[Progress] = []
        self.epochs_trained = 0
        self.stop_requested = threading.Event()
        if given:
            self.build_vocab(given[0])
            self.train(given[0])

    # ----------------------------------------------------------------- vocabulary & weights
    def build_vocab(self, corpus: CorpusLike) -> Word2Vec:
        """Count the corpus (one streaming pass), keep the frequent words, initialise weights."""
        p = self.params
        source = Corpus(corpus, unicode_errors=p.unicode_errors)
        t0 = time.perf_counter()
        # A file corpus is encoded in the counting pass, for the train() call that follows on
        # the same unchanged files: reading and hashing the text again cost as much as a
        # fifth of a CBOW epoch. (An iterable's content cannot be checked, so it is re-read.)
        identity = source.identity()
        spool = IdSpool() if identity is not None else None
        try:
            vocab = Vocabulary.build(
                source.blocks(), p.min_count, p.max_vocab_size, p.max_final_vocab, spool
            )
            if vocab.total_tokens == 0:
                raise CorpusError(f"{source}: the corpus is empty (no words in it)")
            if len(vocab) == 0:
                raise ParameterError(
                    f"min_count={p.min_count}: no word of {source} occurs that often "
                    f"({vocab.total_tokens} tokens read); lower min_count or give more text"
                )
            self.set_vocab(vocab)
            if spool is not None and vocab.counting_ids is not None:
                chunk_size = chunk_ids(p, len(vocab))
                encoded = EncodedCorpus.from_spool(spool, vocab, p.max_sentence_length, chunk_size)
                self._encoded = (identity, p.unicode_errors, encoded)
        finally:
            if spool is not None:
                spool.close()
        logger.info(
            "vocabulary: %d words (of %d tokens) in %.1fs",
            len(vocab), vocab.total_tokens, time.perf_counter() - t0,
        )  # fmt: skip
        return self

    def _drop_encoded(self) -> None:
        if self._encoded is not None:
            self._encoded[2].close()
            self._encoded = None

    def _encode(self, source: Corpus, chunk_size: int) -> EncodedCorpus:
        """The corpus as ids: the one encoded by build_vocab if this is the same unchanged
        corpus (used once, then released), else encoded now."""
        p = self.params
        cached, self._encoded = self._encoded, None
        if cached is not None:
            identity, unicode_errors, encoded = cached
            if (
                identity == source.identity()
                and unicode_errors == p.unicode_errors
                and encoded.max_sentence_length == p.max_sentence_length
                and encoded.chunk_size == chunk_size
            ):
                return encoded
            encoded.close()
        return EncodedCorpus(source, self.vocab, p.max_sentence_length, chunk_size)

    def set_vocab(self, vocab: Vocabulary, weights: Sequence[np.ndarray] | None = None) -> None:
        """Use ``vocab`` (e.g. loaded with :meth:`Vocabulary.load`) and initialise the weights,
        or adopt ``weights`` (in :data:`_WEIGHT_NAMES` order, shapes checked) without copying."""
        p = self.params
        if len(vocab) < 2 and (p.hs or p.negative):
            raise ParameterError("the vocabulary has fewer than 2 words; nothing to contrast")
        if p.softmax and len(vocab) > p.softmax_max_vocab:
            need = len(vocab) * p.vector_size * 4 / 2**20
            raise ParameterError(
                f"softmax: a full softmax over {len(vocab)} words needs a {need:.0f} MiB output "
                f"matrix and {len(vocab)} x {p.vector_size} multiply-adds per prediction; use "
                f"hs=1 or negative > 0, or raise softmax_max_vocab (now {p.softmax_max_vocab})"
            )
        shapes = weight_shapes(p, len(vocab))
        if weights is None:
            rng = np.random.default_rng(p.seed)
            v, d = shapes[0]
            # uniform in [-1/d, 1/d) as gensim 4 (word2vec.c uses half that): on a 4.2M-word
            # slice the wider start gave +0.8 analogy points and the vector norms gensim reaches
            syn0 = ((rng.random((v, d), dtype=np.float32) * 2 - 1) / d).astype(np.float32)
            weights = [syn0] + [np.zeros(shape, np.float32) for shape in shapes[1:]]
        else:
            for name, shape, w in zip(_WEIGHT_NAMES, shapes, weights, strict=True):
                if w.shape != shape:
                    raise ParameterError(f"weights: {name} has shape {w.shape}, expected {shape}")
        self._drop_encoded()
        self.vocab = vocab
        (syn0, self.hidden_bias, self.syn1, self.hs_bias, self.syn1neg, self.neg_bias,
         self.syn1sm, self.sm_bias) = weights  # fmt: skip
        self.tree = HuffmanTree(vocab.counts) if p.hs else None
        self.sampler = AliasTable(vocab.counts, p.ns_exponent) if p.negative else None
        self.wv = KeyedVectors(vocab.words, syn0, vocab.counts)

    @property
    def syn0(self) -> np.ndarray:
        """Input word vectors (the embeddings), shape (V, vector_size)."""
        return self.wv.vectors

    def _weights(self) -> tuple:
        return (self.syn0, self.hidden_bias, self.syn1, self.hs_bias, self.syn1neg,
                self.neg_bias, self.syn1sm, self.sm_bias)  # fmt: skip

    def _tree_arrays(self) -> tuple:
        if self.tree is None:
            return (np.zeros((1, 1), np.uint8), np.zeros((1, 1), np.int32), np.zeros(1, np.int32))
        return (self.tree.codes, self.tree.points, self.tree.lengths)

    def _sampler_arrays(self) -> tuple:
        if self.sampler is None:
            return (np.ones(1, np.uint64), np.zeros(1, np.int32))
        return (self.sampler.threshold, self.sampler.alias)

    # ----------------------------------------------------------------------------- training
    def train(
        self,
        corpus: CorpusLike | None = None,
        *,
        corpus_file: str | os.PathLike | None = None,
        epochs: int | None = None,
        alpha: float | None = None,
        min_alpha: float | None = None,
        callbacks: Sequence[Callback] = (),
        report_delay: float = 1.0,
        checkpoint: str | os.PathLike | None = None,
        checkpoint_every: float = 600.0,
        checkpoint_every_chunks: int | None = None,
    ) -> list[float]:
        """Train (or continue training) on ``corpus``; returns the mean loss of each epoch.

        Calling ``train`` again continues from the current weights, with a fresh learning-rate
        schedule from ``alpha`` to ``min_alpha``. :meth:`stop` (or Ctrl-C in the calling
        thread) stops all workers after their current chunk; the model stays usable.

        Parameters
        ----------
        corpus : str, os.PathLike or iterable of list of str
            The training text (see the class docstring); ``corpus_file`` is an alias.
        epochs, alpha, min_alpha : optional
            This run's passes and learning-rate schedule (default: the model's parameters).
        callbacks : sequence of Callback
            Progress reports, in addition to the model's. A callback may also define
            ``on_checkpoint(model, path)``, called after each checkpoint is written (while the
            workers are still paused).
        report_delay : float
            Seconds between ``on_progress`` reports.
        checkpoint : str or os.PathLike, optional
            Save the complete training state to this file (atomically) every
            ``checkpoint_every`` seconds, when training stops (Ctrl-C, :meth:`stop`) and when it
            ends; :meth:`resume` continues from it. The file is also a model file
            (:meth:`load`).
        checkpoint_every : float
            Seconds between checkpoints (> 0).
        checkpoint_every_chunks : int, optional
            Also checkpoint after every this many chunks (~65k words each) have finished.

        Raises
        ------
        TrainingError
            If training diverges (a non-finite loss or weight, e.g. from a far too large
            ``alpha``). The weights, ``loss_history`` and ``epochs_trained`` are then restored
            to what they were when this call began, so the model stays clean and usable.
        """
        if self.vocab is None:
            raise TrainingError("build_vocab() must be called before train()")
        corpus = corpus if corpus is not None else corpus_file
        if corpus is None:
            raise ParameterError("train() needs a corpus")
        p = self.params
        epochs = p.epochs if epochs is None else epochs
        alpha = p.alpha if alpha is None else alpha
        min_alpha = p.min_alpha if min_alpha is None else min_alpha
        if not (isinstance(epochs, int) and epochs >= 1):
            raise ParameterError(f"epochs must be an integer >= 1, got {epochs!r}")
        if not (math.isfinite(alpha) and alpha > 0 and 0 <= min_alpha <= alpha):
            raise ParameterError(f"alpha must be a finite number > 0 and min_alpha in [0, alpha], "
                                 f"got alpha={alpha!r}, min_alpha={min_alpha!r}")  # fmt: skip
        _check_checkpoint_args(checkpoint, checkpoint_every, checkpoint_every_chunks)
        callbacks = [*self.callbacks, *callbacks]
        source = Corpus(corpus, unicode_errors=p.unicode_errors)
        chunk_size = chunk_ids(p, len(self.vocab))
        with self._encode(source, chunk_size) as encoded:
            if encoded.n_words == 0:
                raise TrainingError(f"{source}: no word of the vocabulary occurs in the corpus")
            state = RunState(
                epochs=epochs, alpha=alpha, min_alpha=min_alpha, chunk_size=chunk_size,
                epochs_trained_at_start=self.epochs_trained, next_job=0, reported=0,
                loss=[0.0] * epochs, predictions=[0] * epochs, words=[0] * epochs,
                chunks_done=[0] * epochs, elapsed=0.0,
                fingerprint=corpus_fingerprint(source, encoded) if checkpoint else {},
            )  # fmt: skip
            run = _Run(self, encoded, state, callbacks, report_delay, checkpoint,
                       checkpoint_every, checkpoint_every_chunks)  # fmt: skip
            return run.execute()

    @classmethod
    def resume(
        cls,
        path: str | os.PathLike,
        corpus: CorpusLike,
        *,
        checkpoint: str | os.PathLike | None = None,
        checkpoint_every: float = 600.0,
        checkpoint_every_chunks: int | None = None,
        callbacks: Sequence[Callback] = (),
        report_delay: float = 1.0,
    ) -> Word2Vec:
        """Continue the ``train`` call saved in checkpoint ``path`` on the same ``corpus``.

        The run goes on exactly where the checkpoint was taken (same chunks, random streams
        and learning rates), so with one worker the final weights equal those of a run that was
        never interrupted. It keeps checkpointing to ``checkpoint`` (default: ``path``).

        Raises
        ------
        CorpusError
            If ``corpus`` is not the corpus of the checkpoint (other files or sizes, or other
            content once encoded with the checkpoint's vocabulary).
        FormatError
            If ``path`` is not a checkpoint.
        """
        from w2v.errors import FormatError
        from w2v.formats.native import load_native

        arrays, meta = load_native(path, mmap=False)
        if "checkpoint" not in meta:
            raise FormatError(f"{path}: not a checkpoint (a model saved without training state)")
        state = RunState.from_meta(meta["checkpoint"], path)
        model = cls._from_native(arrays, meta, path)
        model.epoch_history = [Progress(**h) for h in state.epoch_history]
        checkpoint = path if checkpoint is None else checkpoint
        _check_checkpoint_args(checkpoint, checkpoint_every, checkpoint_every_chunks)
        source = Corpus(corpus, unicode_errors=model.params.unicode_errors)
        for warning in check_files(state.fingerprint, source, path):
            logger.warning("%s", warning)
        if state.complete:
            logger.info("%s: the checkpointed run had already finished", path)
            return model
        p = model.params
        with EncodedCorpus(source, model.vocab, p.max_sentence_length, state.chunk_size) as enc:
            check_encoded(state.fingerprint, enc, path)
            logger.info(
                "resuming %s: epoch %d/%d, %d of %d chunks done", path,
                state.reported + 1, state.epochs, state.next_job, enc.n_chunks * state.epochs,
            )  # fmt: skip
            run = _Run(model, enc, state, [*model.callbacks, *callbacks], report_delay,
                       checkpoint, checkpoint_every, checkpoint_every_chunks)  # fmt: skip
            run.execute()
        return model

    def stop(self) -> None:
        """Ask a running ``train`` to stop after the chunks under way (thread-safe)."""
        self.stop_requested.set()

    # ------------------------------------------------------------------------- persistence
    def _native_payload(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        from w2v.formats.native import encode_words

        blob, offsets = encode_words(self.vocab.words)
        arrays = {"words_blob": blob, "words_offsets": offsets, "counts": self.vocab.counts}
        arrays.update(zip(_WEIGHT_NAMES, self._weights(), strict=True))
        params = {k: v for k, v in vars(self.params).items() if k != "extra"}
        meta = {
            "kind": "w2v.Word2Vec",
            "params": params,
            "total_tokens": self.vocab.total_tokens,
            "loss_history": self.loss_history,
            "epochs_trained": self.epochs_trained,
        }
        return arrays, meta

    def save(self, path: str | os.PathLike) -> None:
        """Save everything needed to continue training (native format, atomic write).

        Vocabulary with counts, input and output weights, biases, hyperparameters and the loss
        history; the Huffman tree and sampling tables are rebuilt from the counts on load.
        """
        from w2v.formats.native import save_native

        if self.vocab is None:
            raise TrainingError("nothing to save: build_vocab() has not been called")
        save_native(path, *self._native_payload())

    @classmethod
    def load(cls, path: str | os.PathLike, mmap: bool = True) -> Word2Vec:
        """Load a model saved with :meth:`save` (or a checkpoint, as a model).

        With ``mmap`` the weight matrices are memory-mapped copy-on-write: a multi-GB model
        opens at once, and training it further never writes to the file.
        """
        from w2v.formats.native import load_native

        arrays, meta = load_native(path, mmap=mmap)
        return cls._from_native(arrays, meta, path)

    @classmethod
    def _from_native(cls, arrays: dict[str, np.ndarray], meta: dict[str, Any], path) -> Word2Vec:
        from w2v.formats.native import decode_words

        if meta.get("kind") != "w2v.Word2Vec":
            raise FormatError(f"{path}: not a w2v model file (kind {meta.get('kind')!r})")
        missing = [n for n in ("words_blob", "words_offsets", "counts", *_WEIGHT_NAMES)
                   if n not in arrays]  # fmt: skip
        if missing:
            raise FormatError(f"{path}: model file lacks array(s) {', '.join(missing)}")
        params = meta.get("params")
        try:
            if not isinstance(params, dict):
                raise TypeError("'params' is not an object")
            model = cls(**params)
            total_tokens = int(meta["total_tokens"])
            loss_history = [float(x) for x in meta["loss_history"]]
            epochs_trained = int(meta["epochs_trained"])
            words = decode_words(arrays["words_blob"], arrays["words_offsets"])
            vocab = Vocabulary(words, np.asarray(arrays["counts"]), total_tokens)
            # compare with the stored arrays before anything is allocated from the header
            expected = weight_shapes(model.params, len(vocab))
            for name, shape in zip(_WEIGHT_NAMES, expected, strict=True):
                if arrays[name].shape != shape:
                    raise ValueError(f"array {name} has shape {arrays[name].shape}, "
                                     f"expected {shape}")  # fmt: skip
            model.set_vocab(vocab, [arrays[n] for n in _WEIGHT_NAMES])
        except FormatError:
            raise
        except (KeyError, TypeError, ValueError, W2VError) as exc:
            what = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
            raise FormatError(f"{path}: invalid model header: {what}") from exc
        model.loss_history = loss_history
        model.epochs_trained = epochs_trained
        return model

    # --------------------------------------------------------------------------- prediction
    def output_probabilities(self, h: np.ndarray, layer: str | None = None) -> np.ndarray:
        """Probability of every word as the target of hidden vector ``h`` (float64, sums to 1).

        ``layer`` is ``"softmax"``, ``"hs"`` or ``"negative"``; by default the most exact
        layer the model has. For negative sampling it is the softmax of the output scores.
        """
        p = self.params
        h = np.asarray(h, dtype=np.float64)
        layer = layer or ("softmax" if p.softmax else "hs" if p.hs else "negative")
        if layer == "softmax" and p.softmax:
            scores = self.syn1sm @ h + (self.sm_bias if p.bias else 0.0)
        elif layer == "negative" and p.negative:
            scores = self.syn1neg @ h + (self.neg_bias if p.bias else 0.0)
        elif layer == "hs" and p.hs:
            return np.exp(_hs_log_probabilities(self, h))
        else:
            raise ParameterError(f"layer must be an output layer this model has, got {layer!r}")
        scores = scores - scores.max()
        e = np.exp(scores)
        return e / e.sum()

    def hidden(self, words: Sequence[str]) -> np.ndarray:
        """The hidden vector for input ``words``: their mean (or sum) plus the hidden bias."""
        ids = [self.vocab.index[w] for w in _known(self, words)]
        h = self.syn0[ids].astype(np.float64)
        h = h.mean(axis=0) if self.params.cbow_mean else h.sum(axis=0)
        return h + self.hidden_bias if self.params.bias else h

    def predict_center(
        self, context: Sequence[str], topn: int = 10, layer: str | None = None
    ) -> list[tuple[str, float]]:
        """The ``topn`` most probable centre words for ``context``, with their probabilities."""
        return self._top(self.output_probabilities(self.hidden(context), layer), topn)

    def predict_context(
        self, word: str, topn: int = 10, layer: str | None = None
    ) -> list[tuple[str, float]]:
        """The ``topn`` most probable context words of ``word``, with their probabilities.

        Training pairs are symmetric, so the output layer's distribution given one input word
        is the distribution of the words around it.
        """
        return self._top(self.output_probabilities(self.hidden([word]), layer), topn)

    predict_output_word = predict_center  # gensim's name

    def _top(self, probs: np.ndarray, topn: int) -> list[tuple[str, float]]:
        if topn < 1:
            raise ParameterError(f"topn must be >= 1, got {topn}")
        topn = min(topn, probs.shape[0])
        best = np.argpartition(-probs, topn - 1)[:topn]
        best = best[np.argsort(-probs[best], kind="stable")]
        return [(self.vocab.words[i], float(probs[i])) for i in best]


def _known(model: Word2Vec, words: Sequence[str]) -> list[str]:
    if isinstance(words, str):
        words = [words]
    if not words:
        raise ParameterError("at least one input word is required")
    missing = [w for w in words if w not in model.vocab.index]
    if missing:
        raise KeyError(f"word(s) not in vocabulary: {', '.join(map(repr, missing))}")
    return list(words)


def _hs_log_probabilities(model: Word2Vec, h: np.ndarray) -> np.ndarray:
    """log P(w | h) of every word under the hierarchical softmax (sums to 1 in probability)."""
    tree = model.tree
    scores = model.syn1 @ h + (model.hs_bias if model.params.bias else 0.0)
    s = scores[tree.points]
    signed = np.where(tree.codes == 0, s, -s)
    mask = np.arange(tree.codes.shape[1])[None, :] < tree.lengths[:, None]
    return np.where(mask, -np.logaddexp(0.0, -signed), 0.0).sum(axis=1)


def weight_shapes(p: Params, v: int) -> list[tuple[int, ...]]:
    """Shapes of the weight arrays (in :data:`_WEIGHT_NAMES` order) for ``v`` words; layers and
    biases that are switched off get empty arrays so the kernels see one signature."""
    d = p.vector_size
    return [
        (v, d),
        (d,) if p.bias else (0,),
        (v - 1, d) if p.hs else (0, d),
        (v - 1,) if p.hs and p.bias else (0,),
        (v, d) if p.negative else (0, d),
        (v,) if p.negative and p.bias else (0,),
        (v, d) if p.softmax else (0, d),
        (v,) if p.softmax and p.bias else (0,),
    ]


_WEIGHT_NAMES = ("syn0", "hidden_bias", "syn1", "hs_bias", "syn1neg", "neg_bias", "syn1sm",
                 "sm_bias")  # fmt: skip


#: Rough speed of a kernel, in units of :func:`chunk_ids`' cost per word (multiply-adds of
#: vector arithmetic), measured at 2-4e9/s on one core; chunks are sized from it.
_KERNEL_RATE = 2e9
#: Target seconds per chunk: stopping (Ctrl-C) and checkpoints wait for chunks under way.
_CHUNK_SECONDS = 0.25
_DEFAULT_CHUNK = 1 << 16


def chunk_ids(p: Params, vocab_size: int) -> int:
    """Ids per chunk: 65,536, or fewer when a chunk would take well over a quarter second.

    Cheap layers (negative sampling, hierarchical softmax) keep the default; a full softmax
    over thousands of words gets chunks of a few thousand ids or fewer. Deterministic (not
    measured), since chunks key the random streams and a run must reproduce.
    """
    contexts = 2 * ((p.window + 1) / 2 if p.shrink_windows else p.window)
    per_prediction = (
        (p.negative + 1 if p.negative else 0)
        + (math.log2(max(vocab_size, 2)) if p.hs else 0)
        + (vocab_size if p.softmax else 0)
    )
    cost = contexts * per_prediction * p.vector_size * (1 + p.bias)
    fit = int(_CHUNK_SECONDS * _KERNEL_RATE / max(cost, 1.0))
    return max(64, min(_DEFAULT_CHUNK, fit))


def _check_checkpoint_args(checkpoint, every: float, every_chunks: int | None) -> None:
    if not (isinstance(every, (int, float)) and math.isfinite(every) and every > 0):
        raise ParameterError(f"checkpoint_every must be a number of seconds > 0, got {every!r}")
    if every_chunks is not None and not (isinstance(every_chunks, int) and every_chunks >= 1):
        raise ParameterError(
            f"checkpoint_every_chunks must be None or an integer >= 1, got {every_chunks!r}"
        )
    if checkpoint is not None:
        directory = os.path.dirname(os.path.abspath(checkpoint))
        if not os.path.isdir(directory):
            raise ParameterError(f"checkpoint: directory {directory} does not exist")


class _Diverged(TrainingError):
    """A chunk produced a non-finite loss, or the weights are no longer finite."""


class _Snapshot:
    """The weights as a run began, in an unlinked temporary file (disk, not memory), so a
    diverged run can put them back."""

    def __init__(self, weights: Sequence[np.ndarray]) -> None:
        self._file = tempfile.TemporaryFile(prefix="w2v-snapshot-")
        for w in weights:
            self._file.write(memoryview(np.ascontiguousarray(w).reshape(-1).view(np.uint8)))
        self._file.flush()

    def restore(self, weights: Sequence[np.ndarray]) -> None:
        self._file.seek(0)
        for w in weights:
            if w.size:
                self._file.readinto(memoryview(w.reshape(-1).view(np.uint8)))

    def close(self) -> None:
        self._file.close()


def _all_finite(weights: Sequence[np.ndarray]) -> bool:
    # chunked so a large matrix does not need a full-size boolean temporary
    for w in weights:
        flat = w.reshape(-1)
        for i in range(0, flat.shape[0], 1 << 22):
            if not np.isfinite(flat[i : i + (1 << 22)]).all():
                return False
    return True


class _Run:
    """One ``train`` call (or its resumption): worker threads over (epoch, chunk) jobs taken in
    order; progress, epoch reports and checkpoints in the calling thread.

    A checkpoint pauses the workers between chunks (none takes a new job; the main thread waits
    until none is inside one), so every job before ``next_job`` is finished and none after has
    started: the weights and accumulators then describe a state the run passes through.
    """

    def __init__(
        self, model, encoded, state: RunState, callbacks, report_delay, checkpoint=None,
        checkpoint_every=600.0, checkpoint_every_chunks=None,
    ):  # fmt: skip
        self.model = model
        self.encoded = encoded
        self.state = state
        self.epochs = state.epochs
        self.alpha = state.alpha
        self.min_alpha = state.min_alpha
        self.epoch_base = state.epochs_trained_at_start  # random streams are keyed by it
        self.callbacks = callbacks
        self.report_delay = report_delay
        self.checkpoint = checkpoint
        self.checkpoint_every = checkpoint_every
        self.checkpoint_every_chunks = checkpoint_every_chunks
        self.workers = model.params.workers
        self.total_words = encoded.n_words * self.epochs
        n_chunks = encoded.n_chunks
        self.jobs = [(e, c) for e in range(self.epochs) for c in range(n_chunks)]
        self.next_job = state.next_job
        self.cond = threading.Condition()
        # per epoch, summed over workers under the lock (a few updates per second)
        self.loss = np.array(state.loss, dtype=np.float64)
        self.predictions = np.array(state.predictions, dtype=np.int64)
        self.words = np.array(state.words, dtype=np.int64)
        self.chunks_done = np.array(state.chunks_done, dtype=np.int64)
        self.reported = state.reported
        self.reported_at_start = state.reported
        self.elapsed_before = state.elapsed
        self.busy = 0  # workers inside a chunk
        self.running = 0  # worker threads not yet returned
        self.paused = False
        self.error: BaseException | None = None
        # what a diverged run restores
        self.history_at_start = len(model.loss_history)
        self.epoch_history_at_start = len(model.epoch_history)

    def _alpha_at(self, words: int) -> float:
        frac = words / self.total_words
        return max(self.alpha - (self.alpha - self.min_alpha) * frac, self.min_alpha)

    def _next_job(self) -> tuple[int, int] | None:
        stop = self.model.stop_requested
        with self.cond:
            while self.paused and not stop.is_set() and self.error is None:
                self.cond.wait(0.1)
            if stop.is_set() or self.error is not None or self.next_job >= len(self.jobs):
                return None
            job = self.jobs[self.next_job]
            self.next_job += 1
            self.busy += 1
            return job

    def _worker(self) -> None:
        model, p, enc = self.model, self.model.params, self.encoded
        cfg = p.kernel_config()
        max_path = model.tree.codes.shape[1] if model.tree is not None else 1
        H, dH, scratch = make_scratch(cfg, p.vector_size, max_path, len(model.vocab))
        state = thread_private(1, np.uint64)  # written on every random draw
        weights = model._weights()
        tree = model._tree_arrays()
        sampler = model._sampler_arrays()
        keep = keep_probabilities(model.vocab.counts, p.sample)
        try:
            while (job := self._next_job()) is not None:
                epoch, chunk = job
                try:
                    ids = enc.read(chunk)
                    state[:] = stream_seed(p.seed, self.epoch_base + epoch, chunk)
                    before = epoch * enc.n_words + int(enc.chunk_words[chunk])
                    loss, preds, words = train_chunk(
                        ids, cfg, weights, tree, sampler, keep, np.float32(self.alpha),
                        np.float32(self.min_alpha), before, self.total_words, state, H, dH,
                        scratch,
                    )  # fmt: skip
                    if not math.isfinite(loss):
                        raise _Diverged(
                            f"training diverged (loss is {loss}) in epoch {epoch + 1}; lower "
                            f"alpha (now {self.alpha})"
                        )
                    with self.cond:
                        self.loss[epoch] += loss
                        self.predictions[epoch] += preds
                        self.words[epoch] += words
                        self.chunks_done[epoch] += 1
                finally:
                    with self.cond:
                        self.busy -= 1
                        self.cond.notify_all()
        except BaseException as exc:  # reported by the calling thread
            with self.cond:
                if self.error is None:
                    self.error = exc
        finally:
            with self.cond:
                self.running -= 1
                self.cond.notify_all()

    def _wait_for_workers(self) -> None:
        # Not Thread.join: on Python <= 3.11 a join interrupted by Ctrl-C can mark a thread
        # dead while it still runs (CPython issue 90882), and a checkpoint taken then would
        # count a chunk as finished before its update is applied.
        with self.cond:
            while self.running > 0:
                self.cond.wait(0.1)

    def _progress(self, epoch: int, t0: float, epoch_end: bool = False) -> Progress:
        """Progress of ``epoch``; at its end, words and alpha are those of its last chunk even
        if other workers have moved on to the next epoch."""
        with self.cond:
            words = int(self.words[: epoch + 1].sum() if epoch_end else self.words.sum())
            loss, preds = self.loss[epoch], self.predictions[epoch]
        elapsed = time.perf_counter() - t0
        return Progress(
            epoch=epoch, epochs=self.epochs, words=words, total_words=self.total_words,
            words_per_sec=words / elapsed if elapsed > 0 else 0.0, alpha=self._alpha_at(words),
            loss=float(loss / preds) if preds else float("nan"), elapsed=elapsed,
        )  # fmt: skip

    def _report_epochs(self, t0: float) -> None:
        model = self.model
        n_chunks = self.encoded.n_chunks
        while self.reported < self.epochs and self.chunks_done[self.reported] == n_chunks:
            prog = self._progress(self.reported, t0, epoch_end=True)
            model.loss_history.append(prog.loss)
            model.epoch_history.append(prog)
            logger.info(
                "epoch %d/%d: loss %.4f, %.0f words/s, alpha %.5f",
                self.reported + 1, self.epochs, prog.loss, prog.words_per_sec, prog.alpha,
            )  # fmt: skip
            self.reported += 1
            for cb in self.callbacks:
                cb.on_epoch_end(model, prog)

    # ----------------------------------------------------------------------- checkpoints
    def _pause(self) -> bool:
        """Stop handing out jobs and wait until no worker is inside a chunk."""
        with self.cond:
            self.paused = True
            while self.busy > 0 and self.error is None:
                self.cond.wait(0.05)
            return self.error is None

    def _unpause(self) -> None:
        with self.cond:
            self.paused = False
            self.cond.notify_all()

    def _save_checkpoint(self, t0: float) -> None:
        """Save the run's state; the workers must be paused or finished."""
        model = self.model
        weights = model._weights()
        if not _all_finite(weights):
            raise _Diverged("training diverged: the weights are no longer finite")
        st = self.state
        st.next_job = self.next_job
        st.reported = self.reported
        st.loss = self.loss.tolist()
        st.predictions = self.predictions.tolist()
        st.words = self.words.tolist()
        st.chunks_done = self.chunks_done.tolist()
        st.elapsed = time.perf_counter() - t0
        st.epoch_history = [dataclasses.asdict(h) for h in model.epoch_history]
        arrays, meta = model._native_payload()
        meta["epochs_trained"] = self.epoch_base + self.reported
        meta["checkpoint"] = st.to_meta()
        t = time.perf_counter()
        save_native(self.checkpoint, arrays, meta)
        logger.debug("checkpoint %s saved in %.2fs", self.checkpoint, time.perf_counter() - t)
        for cb in self.callbacks:
            cb.on_checkpoint(model, self.checkpoint)

    def _restore(self, snapshot: _Snapshot) -> None:
        """Put the model back as the run found it (after a divergence)."""
        model = self.model
        snapshot.restore(model._weights())
        del model.loss_history[self.history_at_start :]
        del model.epoch_history[self.epoch_history_at_start :]
        self.reported = self.reported_at_start

    def execute(self) -> list[float]:
        model = self.model
        model.stop_requested.clear()
        for cb in self.callbacks:
            cb.on_train_begin(model)
        snapshot = _Snapshot(model._weights())
        t0 = time.perf_counter() - self.elapsed_before
        threads = [
            threading.Thread(target=self._worker, name=f"w2v-worker-{i}", daemon=True)
            for i in range(self.workers)
        ]
        self.running = len(threads)
        for t in threads:
            t.start()
        last_report = last_checkpoint = time.perf_counter()
        checkpoint_jobs = self.next_job
        try:
            while True:
                with self.cond:
                    alive = self.running > 0
                self._report_epochs(t0)
                if not alive:
                    break
                now = time.perf_counter()
                if now - last_report >= self.report_delay and self.reported < self.epochs:
                    last_report = now
                    prog = self._progress(self.reported, t0)
                    for cb in self.callbacks:
                        cb.on_progress(model, prog)
                due = now - last_checkpoint >= self.checkpoint_every or (
                    self.checkpoint_every_chunks is not None
                    and self.next_job - checkpoint_jobs >= self.checkpoint_every_chunks
                )
                if self.checkpoint and due and self.next_job < len(self.jobs):
                    try:
                        if self._pause():
                            self._save_checkpoint(t0)
                    except _Diverged as exc:
                        with self.cond:
                            self.error = self.error or exc
                    finally:
                        self._unpause()
                    last_checkpoint = time.perf_counter()
                    checkpoint_jobs = self.next_job
                time.sleep(0.05)  # (a sleep is interrupted cleanly by Ctrl-C, unlike a join)
        except BaseException:
            model.stop()  # Ctrl-C, or a callback failed: workers end after their chunk
            raise
        finally:
            self._unpause()
            self._wait_for_workers()
            for t in threads:
                t.join()
            try:
                self._finish(snapshot, t0)
            finally:
                snapshot.close()
                model.epochs_trained = self.epoch_base + self.reported
                model.wv.vectors = model.wv.vectors  # invalidate cached norms
                for cb in self.callbacks:
                    cb.on_train_end(model)
        if self.error is not None:
            raise self.error
        return model.loss_history[self.history_at_start - self.reported_at_start :]

    def _finish(self, snapshot: _Snapshot, t0: float) -> None:
        """After the workers ended: report, check the weights, write the last checkpoint."""
        diverged = isinstance(self.error, _Diverged)
        if not diverged and not _all_finite(self.model._weights()):
            # fastmath kernels need not turn every NaN weight into a NaN loss
            self.error = _Diverged("training diverged: the weights are no longer finite")
            diverged = True
        if diverged:
            self._restore(snapshot)
            msg = f"{self.error}; the weights were restored to their values before this run"
            self.error = TrainingError(msg)
            logger.error("%s", msg)
            return
        self._report_epochs(t0)
        if self.checkpoint and self.error is None:
            self._save_checkpoint(t0)
