"""The public word2vec model: vocabulary, weights, training, persistence and prediction.

Its parameters live in :mod:`w2v.params`, the training engine in :mod:`w2v.training` and the
compiled kernels in :mod:`w2v.kernels`.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from w2v.callbacks import Callback, PassProgress, Progress
from w2v.checkpoint import (
    RunState,
    check_arguments,
    check_encoded,
    check_files,
    corpus_fingerprint,
)
from w2v.corpus import Corpus, EncodedCorpus
from w2v.errors import FormatError, ParameterError, TrainingError, W2VError
from w2v.formats.native import decode_words, encode_words, load_native, save_native
from w2v.growth import VocabularyUpdate, grow_weights, update_model
from w2v.huffman import HuffmanTree
from w2v.kernels import Sampler, Tree, Weights
from w2v.keyed_vectors import KeyedVectors
from w2v.lifecycle import record_event
from w2v.params import (
    SOFTMAX_MAX_VOCAB,
    WEIGHT_NAMES,
    Params,
    chunk_ids,
    run_schedule,
    weight_shapes,
)
from w2v.prediction import Predictions
from w2v.rss import peak_rss, reset_peak_rss
from w2v.sampler import AliasTable, keep_probabilities
from w2v.training import OutOfVocabulary, TrainingRun, check_totals, report_out_of_vocabulary
from w2v.vocab_pass import count_corpus
from w2v.vocabulary import TrimRule, Vocabulary

logger = logging.getLogger(__name__)

CorpusLike = str | os.PathLike | Iterable[Sequence[str]] | Corpus


#: Parameters the weights' shapes or the sampling table follow: fixed once a vocabulary exists.
_STRUCTURAL = frozenset({"vector_size", "hs", "negative", "softmax", "bias", "ns_exponent"})


def _count_field(meta: dict[str, Any], name: str, default: int | None = None) -> int:
    """``meta[name]``, which must be an integer >= 0 (KeyError if absent without a default)."""
    value = meta[name] if default is None else meta.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be an integer >= 0, got {value!r}")
    return value


def _param(name: str) -> property:
    """gensim's attribute of this name: reads and (validated) writes ``params.<name>``."""

    def get(self: Word2Vec) -> Any:
        return getattr(self.params, name)

    def put(self: Word2Vec, value: Any) -> None:
        if name in _STRUCTURAL and self.vocab is not None:
            raise ParameterError(f"{name} cannot change once the vocabulary is built: the "
                                 "weights were made for it; start a new model")  # fmt: skip
        old = getattr(self.params, name)
        setattr(self.params, name, value)
        try:
            self.params.validate()
        except ParameterError:
            setattr(self.params, name, old)
            raise

    return property(get, put, doc=f"``params.{name}`` (gensim's attribute).")


#: gensim 3 names on the model, with gensim 4's replacement (gensim 4 itself says only
#: "object has no attribute"; these say where the name went).
_GENSIM3_MODEL_NAMES = {
    "size": "vector_size", "iter": "epochs", "index2word": "wv.index_to_key",
    "index2entity": "wv.index_to_key", "vectors_norm": "wv.get_normed_vectors()",
    "most_similar": "wv.most_similar", "most_similar_cosmul": "wv.most_similar_cosmul",
    "similar_by_word": "wv.similar_by_word", "similar_by_vector": "wv.similar_by_vector",
    "similarity": "wv.similarity", "n_similarity": "wv.n_similarity",
    "doesnt_match": "wv.doesnt_match", "wmdistance": "wv.wmdistance",
    "evaluate_word_pairs": "wv.evaluate_word_pairs", "accuracy": "wv.evaluate_word_analogies",
    "wv_vectors": "wv.vectors", "syn0norm": "wv.get_normed_vectors()",
    "save_word2vec_format": "wv.save_word2vec_format",
    "load_word2vec_format": "KeyedVectors.load_word2vec_format",
    "intersect_word2vec_format": "wv.intersect_word2vec_format",
}  # fmt: skip


def _progress_caller(
    model: Word2Vec, callbacks: Sequence[Any]
) -> Callable[[PassProgress], None] | None:
    """What reports the vocabulary pass's progress to the callbacks that listen for it."""
    hooks = []
    for cb in [*model.callbacks, *callbacks]:
        hook = getattr(getattr(cb, "target", cb), "on_vocab_progress", None)
        if callable(hook):
            hooks.append(hook)
    if not hooks:
        return None

    def call(progress: PassProgress) -> None:
        for hook in hooks:
            hook(model, progress)

    return call


class Word2Vec(Predictions):
    """Learn word vectors with word2vec: CBOW or skip-gram, with negative sampling,
    hierarchical softmax and/or full softmax.

    Parameter names are gensim 4's; those gensim lacks are marked *w2v only*, and the
    word2vec.c flag is given where there is one. An invalid value raises
    :class:`~w2v.ParameterError` naming the parameter before any work starts.

    Parameters
    ----------
    corpus : str, os.PathLike or iterable of list of str, optional
        Text file (plain, ``.gz``, ``.bz2``, ``.xz``; one sentence per line), a directory of
        them, or a restartable iterable of token lists. When given, the vocabulary is built
        and the model trained right away.
    corpus_file : str or os.PathLike, optional
        gensim's name for a corpus file (``corpus`` is the same).
    sentences : iterable of list of str, optional
        gensim's name for an iterable corpus (``corpus`` is the same).
    vector_size : int, default 100
        Dimension of the word vectors (word2vec.c ``-size``).
    window : int, default 5
        Maximum distance between the centre word and a context word (``-window``).
    min_count : int, default 5
        Words seen fewer times are ignored (``-min-count``).
    max_vocab_size : int, optional
        Limit on distinct words while counting (rarest pruned, as word2vec.c does).
    max_final_vocab : int, optional
        Keep at most this many words (raises the effective min_count).
    sample : float, default 1e-3
        Subsampling threshold for frequent words (word2vec.c's formula, ``-sample``); 0
        disables it.
    alpha, min_alpha : float, default 0.025 and 0.0001
        The learning rate falls linearly from ``alpha`` to ``min_alpha`` over all epochs
        (``-alpha``).
    epochs : int, default 5
        Passes over the corpus (``-iter``).
    sg : {0, 1}, default 0
        1 for skip-gram, 0 for CBOW (``-cbow 0`` / ``-cbow 1``).
    hs : {0, 1}, default 0
        1 to train a hierarchical softmax output layer (Huffman tree; ``-hs``).
    negative : int, default 5
        Negative samples per prediction (0 disables negative sampling; ``-negative``).
    ns_exponent : float, default 0.75
        Negatives are drawn from ``count ** ns_exponent`` (1.0 is plain frequency).
    softmax : {0, 1}, default 0
        *w2v only.* 1 to train a full softmax output layer (exact; small vocabularies only).
    cbow_mean : {0, 1}, default 1
        CBOW hidden layer: 1 for the mean of the context vectors, 0 for their sum.
    cbow_exact_gradient : {0, 1}, default 0
        *w2v only.* With the CBOW mean: 0 moves each context vector by the whole hidden-layer
        error, as word2vec.c and gensim do (their learning rates assume it); 1 applies the
        exact gradient, which is 1/window-count of that.
    bias : {0, 1}, default 0
        *w2v only.* 1 adds the specification's bias terms: ``h = mean(W x) + b`` and
        ``u = W'h + b'``.
    shrink_windows : {0, 1}, default 1
        1 draws the effective window uniformly from 1..window for each centre word.
    blocked : {0, 1}, default 1
        *w2v only.* 1 trains in blocks, each step the exact gradient step of the block's
        summed loss. Skip-gram: all context words of a centre form one block (shared
        negatives, one pass over the target's tree path). CBOW with negative sampling alone:
        four centres of a sentence, a window span apart so their contexts do not overlap, form
        one block that shares one set of negatives. 0 is word2vec.c's update: one (context,
        centre) pair, or one CBOW centre, per step.
    workers : int, default 3
        Training threads (lock-free updates of shared weights; ``-threads``).
    seed : int, default 1
        Random seed; with ``workers=1`` two runs give bit-identical vectors.
    max_sentence_length : int, default 10000
        Longer sentences are cut into consecutive pieces of this many words (not truncated).
    unicode_errors : {"replace", "strict", "ignore"}, default "replace"
        *w2v only.* Policy for bytes of the corpus that are not valid UTF-8.
    normalize : {None, "split", "drop", "text8"}, default None
        *w2v only.* None splits the corpus at whitespace only. A mode normalises raw text
        first, in compiled code, for the vocabulary and every epoch alike: ``"split"``
        lower-cases and makes each punctuation mark a token of its own, ``"drop"``
        lower-cases and drops punctuation (both remove digits), ``"text8"`` is Mahoney's
        text8 recipe (a-z only, digits spelled out). The rules: docs/cli.md, "Raw text".
    softmax_max_vocab : int, default 50000
        *w2v only.* A full softmax over more words is refused (with the memory it needs).
    sorted_vocab : {0, 1}, default 1
        1 sorts the vocabulary by count, descending (ties in order of first appearance); 0
        keeps the order of first appearance.
    null_word : {0}, default 0
        gensim's padding word ``"\\0"`` for concatenated contexts; only 0 is accepted (w2v has
        no concatenation mode, and a word cannot hold a control character).
    batch_words : int, optional
        Words per chunk handed to a worker (gensim's words per job; a chunk ends at the first
        sentence end past it). None picks 65,536, or fewer for a full softmax over many words.
        Chunks key the random streams, so a run reproduces for a given value.
    compute_loss : bool, default False
        Kept as gensim's attribute; w2v always computes the loss, exactly, so
        :meth:`get_latest_training_loss` reports it either way.
    comment : str, optional
        A note kept with the model (saved in the model file's header).
    trim_rule : callable, optional
        gensim's ``trim_rule(word, count, min_count)`` returning ``RULE_DEFAULT``,
        ``RULE_DISCARD`` or ``RULE_KEEP`` (:mod:`w2v.vocabulary`, same values as gensim's):
        keeps or drops words whatever their count, in :meth:`build_vocab` (not saved).
    hashfxn : callable, default hash
        Kept as gensim's attribute; as in gensim 4, weights are initialised from ``seed``
        alone.
    callbacks : sequence of Callback
        Progress reports during training.
    """

    def __init__(
        self,
        corpus: CorpusLike | None = None,
        *,
        corpus_file: str | os.PathLike | None = None,
        sentences: Iterable[Sequence[str]] | None = None,
        vector_size: int = 100,
        window: int = 5,
        min_count: int = 5,
        max_vocab_size: int | None = None,
        max_final_vocab: int | None = None,
        sample: float = 1e-3,
        alpha: float = 0.025,
        min_alpha: float = 0.0001,
        epochs: int = 5,
        sg: int = 0,
        hs: int = 0,
        negative: int = 5,
        ns_exponent: float = 0.75,
        softmax: int = 0,
        cbow_mean: int = 1,
        cbow_exact_gradient: int = 0,
        bias: int = 0,
        shrink_windows: int = 1,
        blocked: int = 1,
        workers: int = 3,
        seed: int = 1,
        max_sentence_length: int = 10000,
        unicode_errors: str = "replace",
        normalize: str | None = None,
        softmax_max_vocab: int = SOFTMAX_MAX_VOCAB,
        sorted_vocab: int = 1,
        null_word: int = 0,
        batch_words: int | None = None,
        compute_loss: bool = False,
        comment: str | None = None,
        trim_rule: TrimRule | None = None,
        hashfxn: Callable[[str], int] = hash,
        callbacks: Sequence[Callback] = (),
    ) -> None:
        # The defaults above repeat Params' (a test checks they agree): an explicit signature
        # is what help(), IDEs and type checkers read.
        given = locals()
        self.params = Params(**{name: given[name] for name in Params.names()})
        self.params.validate()
        corpora = [c for c in (corpus, corpus_file, sentences) if c is not None]
        if len(corpora) > 1:
            raise ParameterError("give the corpus once: corpus, corpus_file or sentences")
        if trim_rule is not None and not callable(trim_rule):
            raise ParameterError(f"trim_rule must be None or callable, got {trim_rule!r}")
        self.callbacks = list(callbacks)
        self.hashfxn = hashfxn
        #: The ``min_count`` the last vocabulary was built with (raised by ``max_final_vocab``).
        self.effective_min_count = min_count
        #: gensim's bookkeeping: ``train`` calls, their seconds, and its event log.
        self.train_count = 0
        self.total_train_time = 0.0
        self.lifecycle_events: list[dict[str, Any]] = []
        self.vocab: Vocabulary | None = None
        # (corpus identity, (unicode_errors, normalize), EncodedCorpus)
        self._encoded: tuple | None = None
        self.loss_history: list[float] = []
        self.epoch_history: list[Progress] = []
        self.epochs_trained = 0
        #: Sentences and tokens of the corpus of the last ``build_vocab`` (gensim's names).
        self.corpus_count = self.corpus_total_words = 0
        #: What the last ``build_vocab(update=True)`` changed (:class:`VocabularyUpdate`).
        self.vocabulary_update: VocabularyUpdate | None = None
        #: Tokens of the last ``train`` corpus outside the vocabulary (:class:`OutOfVocabulary`).
        self.out_of_vocabulary: OutOfVocabulary | None = None
        self.stop_requested = threading.Event()
        if corpora:
            self.build_vocab(corpora[0], trim_rule=trim_rule)
            self.train(corpora[0], compute_loss=compute_loss)

    # gensim's attributes: read-only views of the parameters
    vector_size = _param("vector_size")
    window = _param("window")
    min_count = _param("min_count")
    sample = _param("sample")
    alpha = _param("alpha")
    min_alpha = _param("min_alpha")
    epochs = _param("epochs")
    sg = _param("sg")
    hs = _param("hs")
    negative = _param("negative")
    ns_exponent = _param("ns_exponent")
    cbow_mean = _param("cbow_mean")
    workers = _param("workers")
    seed = _param("seed")
    max_vocab_size = _param("max_vocab_size")
    max_final_vocab = _param("max_final_vocab")
    shrink_windows = _param("shrink_windows")
    sorted_vocab = _param("sorted_vocab")
    null_word = _param("null_word")
    batch_words = _param("batch_words")
    compute_loss = _param("compute_loss")
    comment = _param("comment")

    @property
    def layer1_size(self) -> int:
        """gensim's name for the hidden layer's size (``vector_size``)."""
        return self.params.vector_size

    @property
    def running_training_loss(self) -> float:
        """gensim's attribute: what :meth:`get_latest_training_loss` returns."""
        return self.get_latest_training_loss()

    @property
    def min_alpha_yet_reached(self) -> float:
        """The learning rate at the end of the latest epoch trained (``alpha`` before any)."""
        return self.epoch_history[-1].alpha if self.epoch_history else self.params.alpha

    def __getattr__(self, name: str) -> Any:
        # only reached for names the model lacks: say where a gensim 3 name went
        if name in _GENSIM3_MODEL_NAMES:
            raise AttributeError(
                f"{type(self).__name__}.{name} is a gensim 3 name; gensim 4 and w2v use "
                f"model.{_GENSIM3_MODEL_NAMES[name]}. See https://github.com/RaRe-Technologies/"
                "gensim/wiki/Migrating-from-Gensim-3.x-to-4"
            )
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def add_lifecycle_event(self, event_name: str, log_level: int = logging.INFO, **event: Any
                            ) -> None:  # fmt: skip
        """Record an event in :attr:`lifecycle_events` (and log it), as gensim's models do."""
        record_event(self, event_name, log_level, event)

    # ------------------------------------------------------------------------------ pickle
    def __getstate__(self) -> dict[str, Any]:
        """What pickle, ``copy.deepcopy``, multiprocessing and joblib copy: everything but the
        thread state (the stop event) and the corpus encoded for the next ``train`` call (a
        spool file of this process); ``__setstate__`` rebuilds them empty. Memory-mapped weights
        are copied into the pickle."""
        state = self.__dict__.copy()
        state.pop("stop_requested", None)
        state["_encoded"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.stop_requested = threading.Event()

    def __repr__(self) -> str:
        p, defaults = self.params, Params()
        shown = ["sg", "hs", "negative", "softmax", "vector_size", "window"]
        shown += [
            n for n in Params.names() if n not in shown and getattr(p, n) != getattr(defaults, n)
        ]
        parts = [f"{n}={getattr(p, n)!r}" for n in shown if n != "softmax" or p.softmax]
        parts.append("vocab=None" if self.vocab is None else f"vocab={len(self.vocab)} words")
        parts.append(f"epochs_trained={self.epochs_trained}")
        return f"Word2Vec({', '.join(parts)})"

    # ----------------------------------------------------------------- vocabulary & weights
    def build_vocab(
        self,
        corpus: CorpusLike | None = None,
        update: bool = False,
        progress_per: int = 10000,
        keep_raw_vocab: bool = False,
        trim_rule: TrimRule | None = None,
        *,
        corpus_iterable: Iterable[Sequence[str]] | None = None,
        corpus_file: str | os.PathLike | None = None,
        callbacks: Sequence[Callback] = (),
    ) -> Word2Vec:
        """Count the corpus (one streaming pass), keep the frequent words, initialise weights.

        ``update=True`` grows a trained model instead (docs/gensim.md): known words keep their
        ids and vectors and add the new counts, words with ``min_count`` in the new text are
        added; the result is in :attr:`vocabulary_update`.

        Parameters
        ----------
        corpus : str, os.PathLike or iterable of list of str
            As in the constructor; ``corpus_iterable`` and ``corpus_file`` (gensim's names)
            are aliases.
        update : bool
            Grow the vocabulary of a model instead of building a new one.
        progress_per, keep_raw_vocab :
            gensim's; accepted and ignored (counting is compiled and logs once; the counts of
            words left out are not kept).
        trim_rule : callable, optional
            gensim's ``trim_rule(word, count, min_count)`` (see the class docstring).
        callbacks : sequence of Callback
            Told the pass's progress (``on_vocab_progress``), with the model's own callbacks.
            A file corpus is counted and encoded by ``workers`` threads
            (:mod:`w2v.vocab_pass`), with the vocabulary of one thread exactly.

        Raises
        ------
        ParameterError
            Without ``update=True`` on a model that has been trained: building a new vocabulary
            would re-initialise every weight.
        """
        given = [c for c in (corpus, corpus_iterable, corpus_file) if c is not None]
        if len(given) != 1:
            raise ParameterError("build_vocab() needs the corpus once: corpus, corpus_iterable "
                                 "or corpus_file")  # fmt: skip
        corpus = given[0]
        if trim_rule is not None and not callable(trim_rule):
            raise ParameterError(f"trim_rule must be None or callable, got {trim_rule!r}")
        if update:
            self.vocabulary_update = update_model(self, corpus, trim_rule)
            return self
        if self.epochs_trained > 0 or self.loss_history:
            raise ParameterError(f"build_vocab: this model has been trained ({self.epochs_trained} "
                                 "epochs); a new vocabulary would re-initialise every weight. "
                                 "Pass update=True to grow it, or start a new model")  # fmt: skip
        p = self.params
        source = Corpus(corpus, p.unicode_errors, p.normalize)
        t0 = time.perf_counter()
        reset_peak_rss()
        # A file corpus is encoded in the counting pass, for the train() call that follows on
        # the same unchanged files: reading and hashing the text again cost as much as a
        # fifth of a CBOW epoch. (An iterable's content cannot be checked, so it is re-read.)
        identity = source.identity()
        if identity is not None:
            vocab, encoded = count_corpus(
                source, p.workers, p.min_count, p.max_vocab_size, p.max_final_vocab,
                trim_rule, bool(p.sorted_vocab),
                lambda counted: (p.max_sentence_length, chunk_ids(p, len(counted))),
                _progress_caller(self, callbacks),
            )  # fmt: skip
            try:
                vocab.check_trainable(source, p.min_count)
                self._set_counted(vocab, source)
            except BaseException:
                if encoded is not None:
                    encoded.close()
                raise
            if encoded is not None:
                self._cache_encoded(identity, encoded)
        else:
            vocab = Vocabulary.build(
                source.blocks(), p.min_count, p.max_vocab_size, p.max_final_vocab, None,
                trim_rule, bool(p.sorted_vocab),
            )  # fmt: skip
            vocab.check_trainable(source, p.min_count)
            self._set_counted(vocab, source)
        logger.info(
            "vocabulary: %d words (of %d tokens) in %.1fs",
            len(vocab), vocab.total_tokens, time.perf_counter() - t0,
        )  # fmt: skip
        logger.debug("vocabulary pass: peak RSS %.0f MiB", peak_rss() / 2**20)
        return self

    def _set_counted(self, vocab: Vocabulary, source: Corpus) -> None:
        self.set_vocab(vocab)
        self.effective_min_count = vocab.effective_min_count
        self.corpus_count = source.sentence_count or 0
        self.corpus_total_words = vocab.total_tokens

    def build_vocab_from_freq(
        self,
        word_freq: dict[str, int],
        keep_raw_vocab: bool = False,
        corpus_count: int | None = None,
        trim_rule: TrimRule | None = None,
        update: bool = False,
    ) -> Word2Vec:
        """Build (or with ``update=True`` grow) the vocabulary from word counts instead of a
        corpus, as gensim's method of this name: the same ``min_count``, ``max_final_vocab``,
        ``trim_rule`` and ``sorted_vocab`` rules as :meth:`build_vocab`, ties in the order of
        ``word_freq``. ``corpus_count`` sets :attr:`corpus_count` (default 0);
        :attr:`corpus_total_words` becomes the sum of the counts. ``keep_raw_vocab`` is
        ignored.

        Raises
        ------
        ParameterError
            If a count is not a non-negative integer, a word cannot be a word (empty, a space
            or a control character in it), or as :meth:`build_vocab`.
        """
        if trim_rule is not None and not callable(trim_rule):
            raise ParameterError(f"trim_rule must be None or callable, got {trim_rule!r}")
        bad = next((w for w, c in word_freq.items()
                    if isinstance(c, bool) or not isinstance(c, int | np.integer) or c < 0),
                   None)  # fmt: skip
        if bad is not None:
            raise ParameterError(f"word_freq: the count of {bad!r} must be an integer >= 0, "
                                 f"got {word_freq[bad]!r}")  # fmt: skip
        p = self.params
        if update:
            if self.vocab is None:
                raise TrainingError("build_vocab_from_freq(update=True) needs a vocabulary: "
                                    "call it without update=True first")  # fmt: skip
            new = Vocabulary.from_counts(word_freq, 1)
            grown, old_ids = self.vocab.grow(new, p.min_count, p.max_final_vocab, trim_rule)
            weights = self._weights()
            self.set_vocab(grown, grow_weights(weights._fields, weights, old_ids, len(grown),
                                               p.seed))  # fmt: skip
        else:
            if self.epochs_trained > 0 or self.loss_history:
                raise ParameterError("build_vocab_from_freq: this model has been trained; pass "
                                     "update=True to grow it, or start a new model")  # fmt: skip
            vocab = Vocabulary.from_counts(word_freq, p.min_count, p.max_final_vocab, trim_rule,
                                           bool(p.sorted_vocab))  # fmt: skip
            vocab.check_trainable("word_freq", p.min_count)
            self.set_vocab(vocab)
            self.effective_min_count = vocab.effective_min_count
        self.corpus_count = int(corpus_count or 0)
        self.corpus_total_words = int(sum(int(c) for c in word_freq.values()))
        return self

    def estimate_memory(
        self, vocab_size: int | None = None, report: dict[str, int] | None = None
    ) -> dict[str, int]:
        """Bytes this model's arrays take for ``vocab_size`` words (default: its vocabulary),
        by gensim's keys: ``"vocab"`` (words, counts, lookup tables, Huffman paths, sampling
        tables; an estimate), ``"vectors"``, ``"syn1"``, ``"syn1neg"``, w2v's ``"syn1sm"`` and
        ``"biases"`` when present, and ``"total"``. Exact for the weight arrays; the cached
        unit vectors of the first similarity query add another ``"vectors"``.

        Raises
        ------
        ParameterError
            Without ``vocab_size`` before ``build_vocab``.
        """
        if vocab_size is None:
            if self.vocab is None:
                raise ParameterError("estimate_memory: give vocab_size or build the vocabulary")
            vocab_size = len(self.vocab)
        p = self.params
        report = dict(report or {})
        depth = 0
        if p.hs:  # a Huffman path is at most ~log2(V) nodes deep for word-like counts
            depth = self.tree.codes.shape[1] if self.tree is not None else 2 * int(
                np.ceil(np.log2(max(vocab_size, 2))))  # fmt: skip
        # a Python str (~60 B), its dict entry (~100 B), the list slot, the count (8 B),
        # subsampling (4 B), alias table (12 B), a code (1 B) and node (4 B) per tree level
        per_word = 60 + 100 + 8 + 8 + 4 + (12 if p.negative else 0) + 5 * depth
        report["vocab"] = vocab_size * per_word
        shapes = dict(zip(WEIGHT_NAMES, weight_shapes(p, vocab_size), strict=True))
        size = {name: int(np.prod(shape)) * 4 for name, shape in shapes.items()}
        report["vectors"] = size["syn0"]
        for name in ("syn1", "syn1neg", "syn1sm"):
            if size[name]:
                report[name] = size[name]
        biases = sum(size[n] for n in ("hidden_bias", "hs_bias", "neg_bias", "sm_bias"))
        if biases:
            report["biases"] = biases
        report["total"] = sum(v for k, v in report.items() if k != "total")
        logger.info("estimated required memory for %i words and %i dimensions: %i bytes",
                    vocab_size, p.vector_size, report["total"])  # fmt: skip
        return report

    def init_weights(self) -> None:
        """Re-initialise every weight (as a new model's), keeping the vocabulary (gensim's)."""
        if self.vocab is None:
            raise TrainingError("init_weights: build the vocabulary first")
        self.set_vocab(self.vocab)

    def reset_from(self, other_model: Word2Vec) -> None:
        """Take ``other_model``'s vocabulary (words, counts, corpus sizes) and initialise new
        weights for it (gensim's)."""
        if other_model.vocab is None:
            raise TrainingError("reset_from: the other model has no vocabulary")
        v = other_model.vocab
        self.set_vocab(Vocabulary(v.words, v.counts.copy(), v.total_tokens))
        self.corpus_count = other_model.corpus_count
        self.corpus_total_words = other_model.corpus_total_words
        self.effective_min_count = other_model.effective_min_count

    def create_binary_tree(self) -> None:
        """Rebuild the Huffman tree from the counts (gensim's; ``set_vocab`` already does)."""
        if self.vocab is None:
            raise TrainingError("create_binary_tree: build the vocabulary first")
        self.tree = HuffmanTree(self.vocab.counts)

    def seeded_vector(self, seed_string: str, vector_size: int) -> np.ndarray:
        """gensim's (deprecated there) pseudo-random small vector for a string: the same
        values as gensim's, from :attr:`hashfxn`."""
        once = np.random.Generator(np.random.SFC64(self.hashfxn(seed_string) & 0xFFFFFFFF))
        return (once.random(vector_size).astype(np.float32) - 0.5) / vector_size

    def init_sims(self, replace: bool = False) -> None:
        """Deprecated in gensim 4 (warns as gensim does): ``wv.fill_norms()``."""
        import warnings

        warnings.warn("Call to deprecated `init_sims` (Gensim 4.0.0 implemented internal "
                      "optimizations that make calls to init_sims() unnecessary. init_sims() is "
                      "now obsoleted and will be completely removed in future versions. See "
                      "https://github.com/RaRe-Technologies/gensim/wiki/Migrating-from-Gensim-"
                      "3.x-to-4).", DeprecationWarning, stacklevel=2)  # fmt: skip
        if replace:
            self.wv.unit_normalize_all()
        else:
            self.wv.fill_norms()

    def _chunk_size(self) -> int:
        return chunk_ids(self.params, len(self.vocab))

    def _cache_encoded(self, identity: tuple, encoded: EncodedCorpus) -> None:
        """Keep the corpus just counted, encoded, for the ``train`` call that follows."""
        self._drop_encoded()
        p = self.params
        self._encoded = (identity, (p.unicode_errors, p.normalize), encoded)

    def _drop_encoded(self) -> None:
        if self._encoded is not None:
            self._encoded[2].close()
            self._encoded = None

    def _encode(self, source: Corpus, chunk_size: int) -> tuple[EncodedCorpus, int | None]:
        """The corpus as ids and its number of sentences: the one encoded by build_vocab if
        this is the same unchanged corpus (used once, then released), else encoded now."""
        p = self.params
        cached, self._encoded = self._encoded, None
        if cached is not None:
            identity, reading, encoded = cached
            if (
                identity == source.identity()
                and reading == (p.unicode_errors, p.normalize)
                and encoded.max_sentence_length == p.max_sentence_length
                and encoded.chunk_size == chunk_size
            ):
                return encoded, self.corpus_count
            encoded.close()
        encoded = EncodedCorpus(source, self.vocab, p.max_sentence_length, chunk_size)
        return encoded, source.sentence_count

    def set_vocab(self, vocab: Vocabulary, weights: Sequence[np.ndarray] | None = None) -> None:
        """Use ``vocab`` (e.g. loaded with :meth:`Vocabulary.load`) and initialise the weights,
        or adopt ``weights`` (in :data:`~w2v.params.WEIGHT_NAMES` order, shapes checked)
        without copying."""
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
            for name, shape, w in zip(WEIGHT_NAMES, shapes, weights, strict=True):
                if w.shape != shape:
                    raise ParameterError(f"weights: {name} has shape {w.shape}, expected {shape}")
        self._drop_encoded()
        self.vocab = vocab
        (syn0, self.hidden_bias, self.syn1, self.hs_bias, self.syn1neg, self.neg_bias,
         self.syn1sm, self.sm_bias) = weights  # fmt: skip
        self.tree = HuffmanTree(vocab.counts) if p.hs else None
        self.sampler = AliasTable(vocab.counts, p.ns_exponent) if p.negative else None
        old = self.__dict__.get("wv")
        self.wv = KeyedVectors(vocab.words, syn0, vocab.counts)
        lockf = None if old is None else old.__dict__.get("_lockf")
        if lockf is not None and lockf.shape[0] == len(old) <= len(vocab) and weights is not None:
            # a grown vocabulary keeps the known words first: their locks carry over
            if vocab.words[: len(old)] == old.index_to_key:
                grown = np.ones(len(vocab), np.float32)
                grown[: len(old)] = lockf
                self.wv.vectors_lockf = grown

    @property
    def syn0(self) -> np.ndarray:
        """Input word vectors (the embeddings), shape (V, vector_size)."""
        return self.wv.vectors

    def _weights(self) -> Weights:
        """The arrays training updates (the kernels' view of them; no copy)."""
        return Weights(self.syn0, self.hidden_bias, self.syn1, self.hs_bias, self.syn1neg,
                       self.neg_bias, self.syn1sm, self.sm_bias)  # fmt: skip

    def _tree_arrays(self) -> Tree:
        """The Huffman paths for the kernels (placeholders without hierarchical softmax)."""
        if self.tree is None:
            return Tree(
                np.zeros((1, 1), np.uint8), np.zeros((1, 1), np.int32), np.zeros(1, np.int32)
            )
        return Tree(self.tree.codes, self.tree.points, self.tree.lengths)

    def _sampler_arrays(self) -> Sampler:
        """The negative-sampling table (a placeholder without negative sampling), the
        subsampling probabilities and the words' lock factors (``wv.vectors_lockf``; empty
        when all are 1), for the kernels."""
        keep = keep_probabilities(self.vocab.counts, self.params.sample)
        lockf = self._sampler_lockf()
        if self.sampler is None:
            return Sampler(np.ones(1, np.uint64), np.zeros(1, np.int32), keep, lockf)
        return Sampler(self.sampler.threshold, self.sampler.alias, keep, lockf)

    def _sampler_lockf(self) -> np.ndarray:
        """``wv.vectors_lockf`` for the kernels and the model file: empty when every factor
        is 1 (or none was set)."""
        lockf = self.wv.__dict__.get("_lockf")  # set by wv.vectors_lockf / intersect_...
        if lockf is None or lockf.shape[0] != len(self.vocab) or np.all(lockf == 1):
            return np.zeros(0, np.float32)
        return lockf

    # ----------------------------------------------------------------------------- training
    def train(
        self,
        corpus: CorpusLike | None = None,
        total_examples: int | None = None,
        total_words: int | None = None,
        epochs: int | None = None,
        start_alpha: float | None = None,
        end_alpha: float | None = None,
        compute_loss: bool = False,
        callbacks: Sequence[Any] = (),
        *,
        corpus_file: str | os.PathLike | None = None,
        corpus_iterable: Iterable[Sequence[str]] | None = None,
        word_count: int = 0,
        queue_factor: int = 2,
        alpha: float | None = None,
        min_alpha: float | None = None,
        report_delay: float = 1.0,
        checkpoint: str | os.PathLike | None = None,
        checkpoint_every: float = 600.0,
        checkpoint_every_chunks: int | None = None,
    ) -> list[float]:
        """Train (or continue training) on ``corpus``; returns the mean loss of each epoch.

        The positional parameters are gensim's. Calling ``train`` again continues from the
        current weights, with a fresh learning-rate schedule from ``start_alpha`` to
        ``end_alpha``. :meth:`stop` (or Ctrl-C in the calling thread) stops all workers after
        their current chunk; the model stays usable. Tokens outside the vocabulary are logged
        (INFO) and counted in :attr:`out_of_vocabulary`.

        Parameters
        ----------
        corpus : str, os.PathLike or iterable of list of str
            The training text (see the class docstring); ``corpus_file`` and
            ``corpus_iterable`` (gensim's names) are aliases.
        total_examples, total_words : int, optional
            gensim's sentence and token counts of the corpus. w2v counts the corpus itself
            (its learning rate follows the words actually read); a value that disagrees with
            the corpus is logged as a warning.
        epochs, start_alpha, end_alpha : optional
            This run's passes and learning-rate schedule (default: the model's ``epochs``,
            ``alpha`` and ``min_alpha``); ``alpha`` and ``min_alpha`` are aliases. As in gensim,
            those given become the model's (``model.epochs``, ``model.alpha``,
            ``model.min_alpha``), so a later ``train`` call without them reuses them.
        compute_loss : bool
            Stored as ``model.compute_loss`` (gensim's attribute); the loss is always computed,
            exactly (:meth:`get_latest_training_loss`).
        callbacks : sequence
            Progress reports, in addition to the model's: :class:`~w2v.callbacks.Callback`
            objects, or gensim-style ones (``on_epoch_end(model)``, ...; see
            :func:`~w2v.callbacks.as_callback`). A callback may also define
            ``on_checkpoint(model, path)``, called after each checkpoint is written (while the
            workers are still paused).
        word_count, queue_factor : int
            gensim's: words already trained (only 0, the usual value, is accepted: a run
            continues exactly with ``checkpoint=`` and :meth:`resume`) and the length of its job
            queue (ignored: w2v's workers take chunks without a queue).
        report_delay : float
            Seconds between ``on_progress`` reports.
        checkpoint : str or os.PathLike, optional
            Save the complete training state to this file (atomically) every
            ``checkpoint_every`` seconds, when training stops (Ctrl-C, :meth:`stop`) and when it
            ends; :meth:`resume` continues from it. The file is also a model file
            (:meth:`load`).
        checkpoint_every, checkpoint_every_chunks : float and int, optional
            Seconds between checkpoints (> 0); also checkpoint after every this many chunks
            (~65k words each) have finished.

        Raises
        ------
        TrainingError
            If training diverges (a non-finite loss or weight, e.g. from a far too large
            ``alpha``). The weights, ``loss_history`` and ``epochs_trained`` are then restored
            to what they were when this call began, so the model stays clean and usable.
        """
        if self.vocab is None:
            raise TrainingError("build_vocab() must be called before train()")
        given = [c for c in (corpus, corpus_file, corpus_iterable) if c is not None]
        if len(given) != 1:
            raise ParameterError("train() needs the corpus once: corpus, corpus_file or "
                                 "corpus_iterable")  # fmt: skip
        if word_count != 0:
            raise ParameterError(f"word_count: only 0 is supported, got {word_count!r}; "
                                 "train(checkpoint=...) and Word2Vec.resume continue a "
                                 "run")  # fmt: skip
        p = self.params
        epochs, alpha, min_alpha = run_schedule(
            p, epochs, start_alpha=start_alpha, alpha=alpha, end_alpha=end_alpha,
            min_alpha=min_alpha,
        )  # fmt: skip
        check_arguments(checkpoint, checkpoint_every, checkpoint_every_chunks)
        # gensim keeps what a train call was given as the model's own settings
        p.epochs, p.alpha, p.min_alpha = epochs, alpha, min_alpha
        p.compute_loss = bool(compute_loss)
        callbacks = [*self.callbacks, *callbacks]
        source = Corpus(given[0], p.unicode_errors, p.normalize)
        chunk_size = self._chunk_size()
        encoded, sentences = self._encode(source, chunk_size)
        with encoded:
            self.out_of_vocabulary = report_out_of_vocabulary(encoded)
            check_totals(total_examples, total_words, sentences, encoded.n_raw_words)
            if encoded.n_words == 0:
                raise TrainingError(f"{source}: no word of the vocabulary occurs in the corpus")
            state = RunState(
                epochs=epochs, alpha=alpha, min_alpha=min_alpha, chunk_size=chunk_size,
                epochs_trained_at_start=self.epochs_trained, next_job=0, reported=0,
                loss=[0.0] * epochs, predictions=[0] * epochs, words=[0] * epochs,
                chunks_done=[0] * epochs, elapsed=0.0,
                fingerprint=corpus_fingerprint(source, encoded) if checkpoint else {},
            )  # fmt: skip
            run = TrainingRun(self, encoded, state, callbacks, report_delay, checkpoint,
                              checkpoint_every, checkpoint_every_chunks)  # fmt: skip
            started = time.perf_counter()
            try:
                return run.execute()
            finally:
                self.train_count += 1
                self.total_train_time += time.perf_counter() - started

    def get_latest_training_loss(self) -> float:
        """The summed loss (float64, exact) of every prediction of the latest ``train`` call up
        to its latest finished epoch, as gensim's method of this name reports it (gensim sums
        in float32, which stops growing on large corpora); 0.0 before any epoch. Inside an
        ``on_epoch_end`` callback: the sum up to that epoch."""
        return self.epoch_history[-1].loss_sum if self.epoch_history else 0.0

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
        arrays, meta = load_native(path, mmap=False)
        if "checkpoint" not in meta:
            raise FormatError(f"{path}: not a checkpoint (a model saved without training state)")
        state = RunState.from_meta(meta["checkpoint"], path)
        model = cls._from_native(arrays, meta, path)
        model.epoch_history = [Progress(**h) for h in state.epoch_history]
        checkpoint = path if checkpoint is None else checkpoint
        check_arguments(checkpoint, checkpoint_every, checkpoint_every_chunks)
        source = Corpus(corpus, model.params.unicode_errors, model.params.normalize)
        for warning in check_files(state.fingerprint, source, path):
            logger.warning("%s", warning)
        if state.complete:
            logger.info("%s: the checkpointed run had already finished", path)
            return model
        p = model.params
        with EncodedCorpus(source, model.vocab, p.max_sentence_length, state.chunk_size) as enc:
            check_encoded(state.fingerprint, enc, path)
            model.out_of_vocabulary = report_out_of_vocabulary(enc)
            logger.info(
                "resuming %s: epoch %d/%d, %d of %d chunks done", path,
                state.reported + 1, state.epochs, state.next_job, enc.n_chunks * state.epochs,
            )  # fmt: skip
            run = TrainingRun(model, enc, state, [*model.callbacks, *callbacks], report_delay,
                              checkpoint, checkpoint_every, checkpoint_every_chunks)  # fmt: skip
            run.execute()
        return model

    def stop(self) -> None:
        """Ask a running ``train`` to stop after the chunks under way (thread-safe)."""
        self.stop_requested.set()

    # ------------------------------------------------------------------------- persistence
    def _native_payload(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        blob, offsets = encode_words(self.vocab.words)
        arrays = {"words_blob": blob, "words_offsets": offsets, "counts": self.vocab.counts}
        arrays.update(zip(WEIGHT_NAMES, self._weights(), strict=True))
        lockf = self._sampler_lockf()
        if lockf.shape[0]:  # only when some vector is locked (files stay as they were)
            arrays["vectors_lockf"] = lockf
        params = {name: getattr(self.params, name) for name in Params.names()}
        meta = {
            "kind": "w2v.Word2Vec",
            "params": params,
            "total_tokens": self.vocab.total_tokens,
            "loss_history": self.loss_history,
            "epochs_trained": self.epochs_trained,
            "corpus_count": self.corpus_count,
            "corpus_total_words": self.corpus_total_words,
        }
        return arrays, meta

    def save(self, path: str | os.PathLike) -> None:
        """Save everything needed to continue training (native format, atomic write).

        Vocabulary with counts, input and output weights, biases, hyperparameters and the loss
        history; the Huffman tree and sampling tables are rebuilt from the counts on load.
        """
        if self.vocab is None:
            raise TrainingError("nothing to save: build_vocab() has not been called")
        save_native(path, *self._native_payload())

    @classmethod
    def load(cls, path: str | os.PathLike, mmap: bool = True) -> Word2Vec:
        """Load a model saved with :meth:`save` (or a checkpoint, as a model).

        With ``mmap`` the weight matrices are memory-mapped copy-on-write: a multi-GB model
        opens at once, and training it further never writes to the file.
        """
        arrays, meta = load_native(path, mmap=mmap)
        return cls._from_native(arrays, meta, path)

    @classmethod
    def _from_native(cls, arrays: dict[str, np.ndarray], meta: dict[str, Any], path) -> Word2Vec:
        if meta.get("kind") != "w2v.Word2Vec":
            raise FormatError(f"{path}: not a w2v model file (kind {meta.get('kind')!r})")
        missing = [n for n in ("words_blob", "words_offsets", "counts", *WEIGHT_NAMES)
                   if n not in arrays]  # fmt: skip
        if missing:
            raise FormatError(f"{path}: model file lacks array(s) {', '.join(missing)}")
        params = meta.get("params")
        try:
            if not isinstance(params, dict):
                raise TypeError("'params' is not an object")
            model = cls(**params)
            total_tokens = _count_field(meta, "total_tokens")
            loss_history = meta["loss_history"]
            if not isinstance(loss_history, list) or not all(
                isinstance(x, (int, float)) and not isinstance(x, bool) for x in loss_history
            ):
                raise ValueError("loss_history must be a list of numbers")
            loss_history = [float(x) for x in loss_history]
            epochs_trained = _count_field(meta, "epochs_trained")
            # added with gensim's attributes: absent from older files
            corpus_count = _count_field(meta, "corpus_count", 0)
            corpus_total_words = _count_field(meta, "corpus_total_words", 0)
            words = decode_words(arrays["words_blob"], arrays["words_offsets"])
            vocab = Vocabulary(words, np.asarray(arrays["counts"]), total_tokens)
            # compare with the stored arrays before anything is allocated from the header
            expected = weight_shapes(model.params, len(vocab))
            for name, shape in zip(WEIGHT_NAMES, expected, strict=True):
                if arrays[name].shape != shape:
                    raise ValueError(f"array {name} has shape {arrays[name].shape}, "
                                     f"expected {shape}")  # fmt: skip
            model.set_vocab(vocab, [arrays[n] for n in WEIGHT_NAMES])
        except FormatError:
            raise
        except (KeyError, TypeError, ValueError, W2VError) as exc:
            what = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
            raise FormatError(f"{path}: invalid model header: {what}") from exc
        if "vectors_lockf" in arrays:
            try:
                model.wv.vectors_lockf = np.array(arrays["vectors_lockf"])
            except ParameterError as exc:
                raise FormatError(f"{path}: invalid model: {exc}") from None
        model.loss_history = loss_history
        model.epochs_trained = epochs_trained
        model.corpus_count = corpus_count
        model.corpus_total_words = corpus_total_words
        return model
