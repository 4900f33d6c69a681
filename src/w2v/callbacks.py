"""Training progress reports: the statistics passed to callbacks, and the callback interface."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

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
    """

    epoch: int
    epochs: int
    words: int
    total_words: int
    words_per_sec: float
    alpha: float
    loss: float
    elapsed: float

    @property
    def fraction(self) -> float:
        return self.words / self.total_words if self.total_words else 1.0


class Callback:
    """Override any of these to follow training; all are called from the thread that called
    ``train``, never from a worker, so they may print, log or save freely."""

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
