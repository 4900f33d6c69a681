"""Training progress reports: the statistics passed to callbacks, and the callback interface
(w2v's, and gensim's hooks, which take only the model)."""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from w2v.word2vec import Word2Vec


@dataclass(frozen=True)
class Progress:
    """Where a training run stands.

    Attributes
    ----------
    epoch : int
        Epoch of this run the report is about (0-based).
    epochs : int
        Epochs in this run.
    words : int
        Known-word tokens read so far in this run (all epochs).
    total_words : int
        Known-word tokens the whole run will read.
    words_per_sec : float
        ``words`` divided by the seconds elapsed.
    alpha : float
        Current learning rate.
    loss : float
        Mean loss per prediction: over the finished epoch in ``on_epoch_end``, over the epoch so
        far in ``on_progress``.
    elapsed : float
        Seconds since this run started.
    loss_sum : float
        Summed loss (float64) of every prediction of this run up to the end of ``epoch``
        (reported at epoch ends; what :meth:`Word2Vec.get_latest_training_loss` returns).
    """

    epoch: int
    epochs: int
    words: int
    total_words: int
    words_per_sec: float
    alpha: float
    loss: float
    elapsed: float
    loss_sum: float = float("nan")

    @property
    def fraction(self) -> float:
        return self.words / self.total_words if self.total_words else 1.0


@dataclass(frozen=True)
class PassProgress:
    """Where the vocabulary pass (counting and encoding a file corpus) stands: bytes of text
    and tokens counted so far, of about ``total_bytes`` (the files' sizes on disk). The bytes
    counted are the text as read: decompressed, and ending each file with one newline more
    than it has, so they can run past ``total_bytes``."""

    bytes: int
    total_bytes: int
    tokens: int
    elapsed: float
    #: True in the report at the end of the pass.
    final: bool = False

    @property
    def bytes_per_sec(self) -> float:
        return self.bytes / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def tokens_per_sec(self) -> float:
        return self.tokens / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def fraction(self) -> float:
        return min(1.0, self.bytes / self.total_bytes) if self.total_bytes else 1.0


class Callback:
    """Override any of these to follow training; all are called from the thread that called
    ``train``, never from a worker, so they may print, log or save freely."""

    def on_vocab_progress(self, model: Word2Vec, progress: PassProgress) -> None:
        """About twice a second while ``build_vocab`` counts a file corpus, and once at the
        end of the pass (for callbacks given to ``build_vocab``)."""

    def on_train_begin(self, model: Word2Vec) -> None:
        """Before the first epoch."""

    def on_progress(self, model: Word2Vec, progress: Progress) -> None:
        """About every ``report_delay`` seconds while training."""

    def on_epoch_end(self, model: Word2Vec, progress: Progress) -> None:
        """When every chunk of an epoch has been trained."""

    def on_checkpoint(self, model: Word2Vec, path: str | os.PathLike) -> None:
        """After a checkpoint was written to ``path`` (workers paused, state consistent)."""

    def on_train_end(self, model: Word2Vec) -> None:
        """After the last epoch, or after training was stopped."""


class CallbackAny2Vec:
    """Base class for callbacks written for gensim (``gensim.models.callbacks.CallbackAny2Vec``):
    its hooks take only the model. Subclass it, or pass any object with some of these methods;
    :func:`as_callback` adapts it."""

    def on_epoch_begin(self, model: Word2Vec) -> None:
        """Before an epoch."""

    def on_epoch_end(self, model: Word2Vec) -> None:
        """After an epoch."""

    def on_batch_begin(self, model: Word2Vec) -> None:
        """Never called by w2v (it trains in chunks, not gensim's batches); kept so that
        subclasses that override it still work."""

    def on_batch_end(self, model: Word2Vec) -> None:
        """Never called by w2v (see :meth:`on_batch_begin`)."""

    def on_train_begin(self, model: Word2Vec) -> None:
        """Before training."""

    def on_train_end(self, model: Word2Vec) -> None:
        """After training."""


class _Adapted(Callback):
    """Calls an object's hooks, gensim's or w2v's: ``on_epoch_end(model)`` or
    ``on_epoch_end(model, progress)``, whichever the method takes. ``on_epoch_begin(model)``
    (gensim's; w2v reports only epoch ends) is called at the start of training and after each
    epoch end but the last. With several workers, the next epoch's first chunks may already be
    training when an epoch's end is reported."""

    def __init__(self, target: Any) -> None:
        self.target = target

    def _call(self, name: str, model: Word2Vec, *extra: Any) -> None:
        method: Callable | None = getattr(self.target, name, None)
        if method is None:
            return
        method(model, *extra[: max(0, _positional(method) - 1)])

    def on_train_begin(self, model: Word2Vec) -> None:
        self._call("on_train_begin", model)
        self._call("on_epoch_begin", model)

    def on_progress(self, model: Word2Vec, progress: Progress) -> None:
        self._call("on_progress", model, progress)

    def on_epoch_end(self, model: Word2Vec, progress: Progress) -> None:
        self._call("on_epoch_end", model, progress)
        if progress.epoch + 1 < progress.epochs and not model.stop_requested.is_set():
            self._call("on_epoch_begin", model)

    def on_checkpoint(self, model: Word2Vec, path: str | os.PathLike) -> None:
        self._call("on_checkpoint", model, path)

    def on_train_end(self, model: Word2Vec) -> None:
        self._call("on_train_end", model)


def _positional(method: Callable) -> int:
    """How many positional arguments a bound method takes (many, if ``*args``)."""
    try:
        params = inspect.signature(method).parameters.values()
    except (TypeError, ValueError):
        return 2
    kinds = [p.kind for p in params]
    if inspect.Parameter.VAR_POSITIONAL in kinds:
        return 2
    return sum(k in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
               for k in kinds)  # fmt: skip


def as_callback(obj: Any) -> Callback:
    """``obj`` as a w2v :class:`Callback`: a w2v callback, a :class:`CallbackAny2Vec`, a
    gensim callback or any object with some of the hook methods, each hook called with the
    arguments its method takes (gensim's ``on_epoch_end(model)`` or w2v's
    ``on_epoch_end(model, progress)``)."""
    return obj if isinstance(obj, _Adapted) else _Adapted(obj)
