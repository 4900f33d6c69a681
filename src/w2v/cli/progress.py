"""What the user sees on stderr while a command works: log lines, the training progress bar
(tqdm; log lines are written above it, not through it) and the notice that the compiled
kernels are being built for the first time."""

from __future__ import annotations

import contextlib
import importlib
import logging
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from w2v.callbacks import Callback, PassProgress, Progress

logger = logging.getLogger(__name__)

#: Modules whose compiled functions the first training run builds (vocabulary counting,
#: corpus encoding, sampling tables, the training kernels).
TRAINING_MODULES = ("w2v.tokenizer", "w2v.vocabulary", "w2v.corpus", "w2v.sampler", "w2v.kernels")
#: Seconds building them takes on a fresh install: numba compiles on one core, and the cold
#: ``w2v demo --quick`` used 36 CPU seconds more than a warm one (40 vs 3.3).
COMPILE_SECONDS = 40


#: The training bar's layout (tqdm puts ", " before a postfix itself).
BAR_FORMAT = "{desc} {percentage:3.0f}%|{bar}| {elapsed}<{remaining}{postfix}"


@contextlib.contextmanager
def terminal_logging(quiet: bool = False, debug: bool = False) -> Iterator[None]:
    """Send the ``w2v`` loggers' records to stderr as ``w2v: message`` lines, for the CLI (the
    library itself stays silent unless asked); a progress bar stays intact below them.

    Python warnings (``warnings.warn``, e.g. a vector file's duplicate words) become one line
    ``w2v: warning: message`` each, without the source file and line Python would show.
    """
    log = logging.getLogger("w2v")
    saved = log.handlers[:], log.level, log.propagate
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("w2v: %(message)s"))
    log.handlers = [handler]
    log.setLevel(logging.DEBUG if debug else logging.WARNING if quiet else logging.INFO)
    log.propagate = False
    shown = warnings.showwarning

    def one_line(message, category, filename, lineno, file=None, line=None) -> None:
        log.warning("warning: %s", " ".join(str(message).split()))

    warnings.showwarning = one_line
    notice = _CompileNotice()
    _CompileNotice.said = False  # once per command
    try:
        with logging_redirect_tqdm(loggers=[log]), _listening(notice):
            yield
    finally:
        log.handlers, log.level, log.propagate = saved
        warnings.showwarning = shown


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
                    bar_format=BAR_FORMAT,
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

    def vocab_callback(self) -> Callback:
        """The callback to pass to ``Word2Vec.build_vocab``: a bar for the vocabulary pass
        (percent of the bytes, bytes/s and tokens/s), closed when the pass ends."""
        outer = self

        class _CB(Callback):
            bar: Any = None

            def on_vocab_progress(self, model, progress: PassProgress) -> None:
                if self.bar is None:
                    self.bar = tqdm(
                        total=100.0, desc="vocabulary", file=sys.stderr, dynamic_ncols=True,
                        disable=None if outer.enabled else True, leave=False,
                        bar_format=BAR_FORMAT,
                    )  # fmt: skip
                if self.bar.disable:
                    return
                self.bar.n = 100.0 * progress.fraction
                self.bar.set_postfix_str(
                    f"{human(progress.bytes_per_sec)}B/s, "
                    f"{human(progress.tokens_per_sec)} tokens/s",
                    refresh=True,
                )
                if progress.final:
                    self.bar.close()

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


def announce_compilation(modules: tuple[str, ...] = TRAINING_MODULES) -> bool:
    """Say on stderr (at INFO) that the compiled kernels are about to be built, if they are.

    numba compiles each ``cache=True`` function on first use and keeps the machine code in a
    cache beside the source (``__pycache__``, or ``NUMBA_CACHE_DIR``). A module whose cached
    functions all lack an index valid for the current source and numba version has never been
    compiled here: the run ahead will spend its first tens of seconds compiling. Returns
    whether the notice was given.
    """
    cold = [name for name in modules if not _compiled(name)]
    if cold:
        logger.info(
            "compiling the training kernels (one time, ~%d s; later runs reuse them)...",
            COMPILE_SECONDS,
        )
        _CompileNotice.said = True  # the run's first compilation is now explained
    return bool(cold)


class _CompileNotice:
    """numba's compile events (fired only when machine code is built, not when it is loaded
    from the cache): the first one for a w2v function gets one line saying what the pause is,
    for every command (a first conversion, a first ``--max-final-vocab`` count, ...)."""

    said = False

    def on_start(self, event: Any) -> None:
        if _CompileNotice.said:
            return
        dispatcher = event.data.get("dispatcher") if isinstance(event.data, dict) else None
        module = getattr(getattr(dispatcher, "py_func", None), "__module__", "") or ""
        if module == "w2v" or module.startswith("w2v."):
            _CompileNotice.said = True
            logger.info(
                "compiling %s's machine code for its first use here (one time, seconds to a "
                "minute; later runs reuse it)...",
                module,
            )

    def on_end(self, event: Any) -> None:
        pass


@contextlib.contextmanager
def _listening(notice: _CompileNotice) -> Iterator[None]:
    try:
        from numba.core import event

        class _Listener(event.Listener):
            def on_start(self, ev: Any) -> None:
                notice.on_start(ev)

            def on_end(self, ev: Any) -> None:
                notice.on_end(ev)

        listener = _Listener()
        event.register("numba:compile", listener)
    except Exception:  # another numba: no notice rather than a failure
        yield
        return
    try:
        yield
    finally:
        event.unregister("numba:compile", listener)


def _compiled(module_name: str) -> bool:
    """Whether numba's cache holds code for some function of the module (True if unknown)."""
    try:
        from numba.core.caching import FunctionCache
        from numba.core.dispatcher import Dispatcher

        module = importlib.import_module(module_name)
        caches = [
            f._cache
            for f in vars(module).values()
            if isinstance(f, Dispatcher)
            and f.py_func.__module__ == module_name
            and isinstance(f._cache, FunctionCache)
        ]
        # numba's private index reader: it also rejects an index of an older source or numba.
        return not caches or any(c._cache_file._load_index() for c in caches)
    except Exception:  # another numba, or no cache at all: say nothing rather than guess
        return True
