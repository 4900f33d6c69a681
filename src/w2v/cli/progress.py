"""What the user sees on stderr while a command works: log lines and the training progress
bar (tqdm; log lines are written above it, not through it)."""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from w2v.callbacks import Callback, Progress

logger = logging.getLogger(__name__)


@contextlib.contextmanager
def terminal_logging(quiet: bool = False, debug: bool = False) -> Iterator[None]:
    """Send the ``w2v`` loggers' records to stderr as ``w2v: message`` lines, for the CLI (the
    library itself stays silent unless asked); a progress bar stays intact below them."""
    log = logging.getLogger("w2v")
    saved = log.handlers[:], log.level, log.propagate
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("w2v: %(message)s"))
    log.handlers = [handler]
    log.setLevel(logging.DEBUG if debug else logging.WARNING if quiet else logging.INFO)
    log.propagate = False
    try:
        with logging_redirect_tqdm(loggers=[log]):
            yield
    finally:
        log.handlers, log.level, log.propagate = saved


@dataclass
class ProgressBar:
    """A tqdm bar driven by training callbacks (percent, words/s, learning rate, loss, ETA)."""

    enabled: bool
    desc: str = "training"
    bar: Any = None
    last: Progress | None = None
    epoch_losses: list[float] = field(default_factory=list)

    def callback(self) -> Callback:
        """The callback to pass to ``Word2Vec.train``."""
        outer = self

        class _CB(Callback):
            def on_train_begin(self, model) -> None:
                outer.bar = tqdm(
                    total=100.0, desc=outer.desc, file=sys.stderr, dynamic_ncols=True,
                    disable=None if outer.enabled else True, leave=False,
                    bar_format="{desc} {percentage:3.0f}%|{bar}| {elapsed}<{remaining}"
                    " {postfix}",
                )  # fmt: skip

            def on_progress(self, model, progress: Progress) -> None:
                outer.update(progress)

            def on_epoch_end(self, model, progress: Progress) -> None:
                outer.epoch_losses.append(progress.loss)
                outer.update(progress)

            def on_train_end(self, model) -> None:
                if outer.bar is not None:
                    outer.bar.close()

        return _CB()

    def update(self, p: Progress) -> None:
        self.last = p
        if self.bar is None or self.bar.disable:
            return
        self.bar.n = min(100.0, 100.0 * p.fraction)
        self.bar.set_postfix_str(
            f"epoch {p.epoch + 1}/{p.epochs}, {human(p.words_per_sec)} words/s, "
            f"lr {p.alpha:.5f}, loss {p.loss:.4f}",
            refresh=True,
        )


def human(x: float) -> str:
    """``1.23M``, ``456k`` or ``789``."""
    for unit, scale in (("M", 1e6), ("k", 1e3)):
        if x >= scale:
            return f"{x / scale:.2f}{unit}" if unit == "M" else f"{x / scale:.0f}{unit}"
    return f"{x:.0f}"
