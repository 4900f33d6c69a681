"""The training engine: worker threads running the compiled kernels over chunks of encoded
corpus, and one ``Word2Vec.train`` call built on it (progress reports, epoch reports,
checkpoints, recovery from divergence).

Two layers:

* :func:`train_chunks` trains given chunks on given weights with N threads (Hogwild: the
  threads update the shared weights without locks). It knows nothing of epochs, callbacks or
  files, so other drivers (a node of a distributed run, say) can call it as it is.
* :class:`TrainingRun` is one ``train`` call (or its resumption) of a :class:`~w2v.Word2Vec`:
  it hands :func:`train_chunks` the run's (epoch, chunk) jobs in order and, from the calling
  thread, reports progress and takes checkpoints.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from w2v.callbacks import Callback, Progress, as_callback
from w2v.checkpoint import RunState
from w2v.errors import TrainingError
from w2v.formats.native import save_native
from w2v.kernels import (
    KernelConfig,
    Sampler,
    Schedule,
    Tree,
    Weights,
    learning_rate,
    make_scratch,
    thread_private,
    train_chunk,
)
from w2v.rng import stream_seed

if TYPE_CHECKING:
    import os

    from w2v.corpus import EncodedCorpus
    from w2v.word2vec import Word2Vec

logger = logging.getLogger(__name__)

#: Seconds between two calls of the ``monitor`` of :func:`train_chunks`.
_MONITOR_INTERVAL = 0.05


class Job(NamedTuple):
    """One chunk for a worker thread."""

    chunk: int  #: which chunk: ``read_chunk(chunk)``
    epoch: int  #: the caller's label for it (TrainingRun: the epoch of the run)
    words_before: int  #: words of the schedule before it (sets its learning rates)
    stream: tuple[int, ...]  #: keys of its random stream, ``stream_seed(seed, *stream)``


class ChunkStats(NamedTuple):
    """What training some chunks did."""

    loss: float  #: summed loss of every prediction
    predictions: int  #: predictions made
    words: int  #: words read (before subsampling)


class OutOfVocabulary(NamedTuple):
    """Tokens of a training corpus that are not in the model's vocabulary (not trained)."""

    tokens: int  #: tokens outside the vocabulary
    words: int  #: distinct words among them
    total: int  #: tokens read, known or not


def report_out_of_vocabulary(encoded: EncodedCorpus) -> OutOfVocabulary:
    """What of ``encoded``'s text lies outside the vocabulary, logged at INFO."""
    oov = OutOfVocabulary(encoded.n_raw_words - encoded.n_words, encoded.n_unknown_words,
                          encoded.n_raw_words)  # fmt: skip
    logger.log(
        logging.INFO if oov.tokens else logging.DEBUG,
        "out of vocabulary: %d of %d tokens (%.2f%%), %d distinct words, are not trained",
        oov.tokens, oov.total, 100 * oov.tokens / max(oov.total, 1), oov.words,
    )  # fmt: skip
    return oov


def check_totals(total_examples: int | None, total_words: int | None, sentences: int | None,
                 tokens: int) -> None:  # fmt: skip
    """Warn when gensim's ``total_examples`` / ``total_words`` do not describe the corpus (the
    learning rate follows the corpus as read, whatever they say)."""
    for name, given, actual, what in (
        ("total_examples", total_examples, sentences, "sentences"),
        ("total_words", total_words, tokens, "tokens"),
    ):
        if given is not None and actual is not None and given != actual:
            logger.warning(
                "train(%s=%d): the corpus has %d %s; the learning rate follows the corpus as "
                "read", name, given, actual, what,
            )  # fmt: skip


class Diverged(TrainingError):
    """A chunk produced a non-finite loss, or the weights are no longer finite."""


class WorkerControl:
    """What the calling thread and the workers of one :func:`train_chunks` call share: a stop
    flag, a pause gate, the number of workers inside a chunk, and the first error.

    Parameters
    ----------
    stop : threading.Event, optional
        Set it (from any thread) to make the workers end after their current chunk.
    """

    def __init__(self, stop: threading.Event | None = None) -> None:
        self.stop = stop if stop is not None else threading.Event()
        #: guards everything below, and the ``on_done`` accounting of train_chunks' callers
        self.lock = threading.Condition()
        self.error: BaseException | None = None
        self.busy = 0  # workers inside a chunk
        self.running = 0  # worker threads not yet returned
        self.paused = False
        self.totals = ChunkStats(0.0, 0, 0)

    def pause(self) -> bool:
        """Stop handing out jobs and wait until no worker is inside a chunk. Returns False
        (without waiting further) if a worker failed."""
        with self.lock:
            self.paused = True
            while self.busy > 0 and self.error is None:
                self.lock.wait(0.05)
            return self.error is None

    def unpause(self) -> None:
        with self.lock:
            self.paused = False
            self.lock.notify_all()

    def fail(self, exc: BaseException) -> None:
        """Record ``exc`` (the first error wins); the workers then take no new job."""
        with self.lock:
            if self.error is None:
                self.error = exc
            self.lock.notify_all()

    def _take(self, jobs: Iterator[Job]) -> Job | None:
        with self.lock:
            while self.paused and not self.stop.is_set() and self.error is None:
                self.lock.wait(0.1)
            if self.stop.is_set() or self.error is not None:
                return None
            job = next(jobs, None)
            if job is not None:
                self.busy += 1
            return job

    def _finish(self, job: Job, stats: ChunkStats | None, on_done) -> None:
        with self.lock:
            try:
                if stats is not None:
                    t = self.totals
                    self.totals = ChunkStats(t.loss + stats.loss, t.predictions + stats.predictions,
                                             t.words + stats.words)  # fmt: skip
                    if on_done is not None:
                        on_done(job, stats)
            finally:
                self.busy -= 1
                self.lock.notify_all()

    def _wait_for_workers(self, timeout: float | None = None) -> None:
        """Return when every worker thread has returned, or after ``timeout`` seconds."""
        # Not Thread.join: on Python <= 3.11 a join interrupted by Ctrl-C can mark a thread
        # dead while it still runs (CPython issue 90882), and a checkpoint taken then would
        # count a chunk as finished before its update is applied. Ctrl-C interrupts the wait.
        deadline = None if timeout is None else time.monotonic() + timeout
        with self.lock:
            while self.running > 0:
                left = 0.1 if deadline is None else min(0.1, deadline - time.monotonic())
                if left <= 0:
                    return
                self.lock.wait(left)


def sequential_jobs(chunk_words: Sequence[int], epoch: int = 0, words_before: int = 0,
                    stream: int = 0) -> list[Job]:  # fmt: skip
    """Jobs for chunks ``0, 1, ...`` in order, each placed on the schedule after the words of
    the chunks before it; chunk ``i`` gets the random stream ``(stream, i)``.

    Parameters
    ----------
    chunk_words : sequence of int
        Words (ids >= 0) in each chunk.
    epoch : int
        Label of every job.
    words_before : int
        Words of the schedule before the first chunk.
    stream : int
        First key of the random streams (pass a different one for each pass over the same
        chunks, or the passes repeat the same draws).
    """
    jobs, before = [], int(words_before)
    for i, n in enumerate(chunk_words):
        jobs.append(Job(chunk=i, epoch=epoch, words_before=before, stream=(stream, i)))
        before += int(n)
    return jobs


def compile_kernels(cfg: KernelConfig, weights: Weights, tree: Tree, sampler: Sampler) -> float:
    """Compile (or load from numba's on-disk cache) the kernel for these argument types by
    training an empty chunk; returns the seconds it took (~0 once done in this process)."""
    t = time.perf_counter()
    scratch = make_scratch(cfg, weights.syn0.shape[1], 1, 0)
    train_chunk(np.empty(0, np.int32), cfg, weights, tree, sampler, Schedule(1.0, 1.0, 1), 0,
                np.zeros(1, np.uint64), scratch)  # fmt: skip
    return time.perf_counter() - t


def train_chunks(
    jobs: Iterable[Job],
    read_chunk: Callable[[int], np.ndarray],
    cfg: KernelConfig,
    weights: Weights,
    tree: Tree,
    sampler: Sampler,
    schedule: Schedule,
    *,
    seed: int,
    workers: int,
    on_done: Callable[[Job, ChunkStats], None] | None = None,
    monitor: Callable[[], None] | None = None,
    control: WorkerControl | None = None,
) -> ChunkStats:
    """Train ``jobs`` with ``workers`` threads that update ``weights`` in place, lock-free.

    The workers take the jobs in order. Each reads its chunk, seeds the chunk's own random
    stream and runs :func:`w2v.kernels.train_chunk`, so a chunk's draws do not depend on which
    thread trains it (with one worker a run is reproduced bit for bit). The learning rate
    falls along ``schedule``: a job's sentences are trained at the rate of their position
    ``job.words_before + words read so far``. For a piece of a longer schedule (the words
    ``a`` to ``b`` of ``total_words``) give the whole schedule and let the jobs start at
    ``words_before = a``; for a rate falling from ``r0`` to ``r1`` over just these chunks,
    ``Schedule(r0, r1, their words)`` and :func:`sequential_jobs`.

    Example: two threads train a model on chunks held in memory, the learning rate falling
    from 0.025 to 0.02 over them::

        chunks = [...]  # int32 word ids, each sentence ended by -1
        words = [int((c >= 0).sum()) for c in chunks]
        stats = train_chunks(
            sequential_jobs(words), chunks.__getitem__, model.params.kernel_config(),
            model._weights(), model._tree_arrays(), model._sampler_arrays(),
            Schedule(0.025, 0.02, sum(words)), seed=1, workers=2,
        )

    Parameters
    ----------
    jobs : iterable of Job
        Consumed lazily, one job at a time under ``control.lock``.
    read_chunk : callable
        ``read_chunk(job.chunk)``: the chunk's int32 ids, sentences ended by -1 (called in the
        worker threads, concurrently).
    cfg, weights, tree, sampler : KernelConfig, Weights, Tree, Sampler
        What the kernels train and read (:mod:`w2v.kernels`).
    schedule : Schedule
        The learning-rate schedule the jobs are placed on.
    seed : int
        Seeds every random stream, with ``job.stream``.
    workers : int
        Threads.
    on_done : callable, optional
        ``on_done(job, stats)`` after each job, in its worker thread, under ``control.lock``.
    monitor : callable, optional
        Called in the calling thread every 50 ms while the workers run (progress reports,
        checkpoints). An exception from it stops the workers after their chunks and is raised
        once they have ended.
    control : WorkerControl, optional
        To stop or pause the workers from another thread or from ``monitor``.

    Returns
    -------
    ChunkStats
        Summed over the jobs trained (all of them, unless stopped).

    Raises
    ------
    Diverged
        If a chunk's loss is not finite; the workers stop taking jobs and the weights are left
        as they are (the caller decides whether to restore them).
    BaseException
        The first error of a worker (no new job is taken after it), or of ``monitor``.
    """
    control = control if control is not None else WorkerControl()
    control.totals = ChunkStats(0.0, 0, 0)
    job_iter = iter(jobs)
    alpha = schedule.alpha  # as given, for messages
    # one type per field, so that the kernel compiled for it is the one used for every call
    schedule = Schedule(float(schedule.alpha), float(schedule.min_alpha),
                        int(schedule.total_words))  # fmt: skip
    compile_kernels(cfg, weights, tree, sampler)

    def work() -> None:
        max_path = tree.codes.shape[1]
        scratch = make_scratch(cfg, weights.syn0.shape[1], max_path, weights.syn0.shape[0])
        rng = thread_private(1, np.uint64)  # written on every random draw
        try:
            while (job := control._take(job_iter)) is not None:
                stats = None
                try:
                    ids = read_chunk(job.chunk)
                    rng[:] = stream_seed(seed, *job.stream)
                    loss, predictions, words = train_chunk(
                        ids, cfg, weights, tree, sampler, schedule, job.words_before, rng, scratch
                    )
                    if not math.isfinite(loss):
                        raise Diverged(
                            f"training diverged (loss is {loss}) in epoch {job.epoch + 1}; lower "
                            f"alpha (now {alpha})"
                        )
                    stats = ChunkStats(loss, predictions, words)
                finally:
                    control._finish(job, stats, on_done)
        except BaseException as exc:  # raised by the calling thread
            control.fail(exc)
        finally:
            with control.lock:
                control.running -= 1
                control.lock.notify_all()

    threads = [threading.Thread(target=work, name=f"w2v-worker-{i}", daemon=True)
               for i in range(workers)]  # fmt: skip
    control.running = len(threads)
    for t in threads:
        t.start()
    try:
        while True:
            with control.lock:
                if control.running == 0:
                    break
            if monitor is not None:
                monitor()
            # Woken as soon as the last worker returns, not at the end of a fixed sleep: a
            # caller that trains many short calls (a distributed round) would idle ~25 ms
            # on each.
            control._wait_for_workers(_MONITOR_INTERVAL)
    except BaseException:
        control.stop.set()  # Ctrl-C, or the monitor failed: workers end after their chunk
        raise
    finally:
        control.unpause()
        control._wait_for_workers()
        for t in threads:
            t.join()
    if control.error is not None:
        raise control.error
    return control.totals


def all_finite(weights: Sequence[np.ndarray]) -> bool:
    """Whether every weight is finite."""
    # chunked so a large matrix does not need a full-size boolean temporary
    for w in weights:
        flat = w.reshape(-1)
        for i in range(0, flat.shape[0], 1 << 22):
            if not np.isfinite(flat[i : i + (1 << 22)]).all():
                return False
    return True


class Snapshot:
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


class TrainingRun:
    """One ``Word2Vec.train`` call (or its resumption): :func:`train_chunks` over the run's
    (epoch, chunk) jobs in order; progress, epoch reports and checkpoints in the calling
    thread.

    A checkpoint pauses the workers between chunks (none takes a new job; the calling thread
    waits until none is inside one), so every job before ``next_job`` is finished and none
    after has started: the weights and accumulators then describe a state the run passes
    through. If the run diverges, the weights and the model's history are put back as the
    run found them and :class:`TrainingError` is raised.

    Parameters
    ----------
    model : Word2Vec
        The model to train (vocabulary and weights set).
    encoded : EncodedCorpus
        The corpus as chunks of word ids.
    state : RunState
        The run's schedule and position: a fresh one, or one read from a checkpoint.
    callbacks : sequence of Callback
        Told of progress, epochs and checkpoints.
    report_delay : float
        Seconds between ``on_progress`` reports.
    checkpoint : path, optional
        Where to save checkpoints.
    checkpoint_every : float
        Seconds between checkpoints.
    checkpoint_every_chunks : int, optional
        Also checkpoint after this many chunks.
    """

    def __init__(
        self, model: Word2Vec, encoded: EncodedCorpus, state: RunState,
        callbacks: Sequence[Callback], report_delay: float,
        checkpoint: str | os.PathLike | None = None, checkpoint_every: float = 600.0,
        checkpoint_every_chunks: int | None = None,
    ) -> None:  # fmt: skip
        self.model = model
        self.encoded = encoded
        self.state = state
        self.epochs = state.epochs
        self.alpha = state.alpha
        self.min_alpha = state.min_alpha
        self.epoch_base = state.epochs_trained_at_start  # random streams are keyed by it
        self.callbacks = [as_callback(cb) for cb in callbacks]  # w2v's hooks or gensim's
        self.report_delay = report_delay
        self.checkpoint = checkpoint
        self.checkpoint_every = checkpoint_every
        self.checkpoint_every_chunks = checkpoint_every_chunks
        self.total_words = encoded.n_words * self.epochs
        n_chunks = encoded.n_chunks
        self.jobs = [(e, c) for e in range(self.epochs) for c in range(n_chunks)]
        self.next_job = state.next_job
        self.control = WorkerControl(model.stop_requested)
        # per epoch, summed over workers under control.lock (a few updates per second)
        self.loss = np.array(state.loss, dtype=np.float64)
        self.predictions = np.array(state.predictions, dtype=np.int64)
        self.words = np.array(state.words, dtype=np.int64)
        self.chunks_done = np.array(state.chunks_done, dtype=np.int64)
        self.words_at_start = self.words.copy()
        self.epoch_ended = np.full(self.epochs, np.nan)  # perf_counter when its last chunk ended
        self.reported = state.reported
        self.reported_at_start = state.reported
        self.elapsed_before = state.elapsed
        # what a diverged run restores
        self.history_at_start = len(model.loss_history)
        self.epoch_history_at_start = len(model.epoch_history)
        self.t0 = self.started = 0.0  # set by execute

    def _alpha_at(self, words: int) -> float:
        return learning_rate.py_func(self.alpha, self.min_alpha, words / self.total_words)

    # ------------------------------------------------------------------------ the workers
    def _job_queue(self) -> Iterator[Job]:
        """The jobs from ``next_job`` on (taken under ``control.lock``)."""
        enc = self.encoded
        while self.next_job < len(self.jobs):
            epoch, chunk = self.jobs[self.next_job]
            self.next_job += 1
            yield Job(chunk=chunk, epoch=epoch,
                      words_before=epoch * enc.n_words + int(enc.chunk_words[chunk]),
                      stream=(self.epoch_base + epoch, chunk))  # fmt: skip

    def _on_done(self, job: Job, stats: ChunkStats) -> None:
        e = job.epoch
        self.loss[e] += stats.loss
        self.predictions[e] += stats.predictions
        self.words[e] += stats.words
        self.chunks_done[e] += 1
        if self.chunks_done[e] == self.encoded.n_chunks:
            self.epoch_ended[e] = time.perf_counter()

    # -------------------------------------------------------------------------- reporting
    def _progress(self, epoch: int, epoch_end: bool = False) -> Progress:
        """Progress of ``epoch``; at its end, words and alpha are those of its last chunk even
        if other workers have moved on to the next epoch."""
        with self.control.lock:
            words = int(self.words[: epoch + 1].sum() if epoch_end else self.words.sum())
            loss, preds = self.loss[epoch], self.predictions[epoch]
            loss_sum = self.loss[: epoch + 1].sum()
        elapsed = time.perf_counter() - self.t0
        return Progress(
            epoch=epoch, epochs=self.epochs, words=words, total_words=self.total_words,
            words_per_sec=words / elapsed if elapsed > 0 else 0.0, alpha=self._alpha_at(words),
            loss=float(loss / preds) if preds else float("nan"), elapsed=elapsed,
            loss_sum=float(loss_sum),
        )  # fmt: skip

    def _epoch_words_per_sec(self, epoch: int) -> float:
        """Words/s of ``epoch`` alone: its words (of this session) over the time from the end
        of the epoch before (or the start of this session) to its own end."""
        with self.control.lock:
            words = self.words[epoch] - self.words_at_start[epoch]
            end = self.epoch_ended[epoch]
            ended_before = self.epoch_ended[:epoch]
        done_before = ended_before[~np.isnan(ended_before)]
        start = done_before.max() if done_before.size else self.started
        return float(words / (end - start)) if end > start else 0.0

    def _report_epochs(self) -> None:
        model = self.model
        n_chunks = self.encoded.n_chunks
        while self.reported < self.epochs and self.chunks_done[self.reported] == n_chunks:
            prog = self._progress(self.reported, epoch_end=True)
            model.loss_history.append(prog.loss)
            model.epoch_history.append(prog)
            logger.info(
                "epoch %d/%d: loss %.4f, %.0f words/s, alpha %.5f", self.reported + 1,
                self.epochs, prog.loss, self._epoch_words_per_sec(self.reported), prog.alpha,
            )  # fmt: skip
            self.reported += 1
            for cb in self.callbacks:
                cb.on_epoch_end(model, prog)

    def _monitor(self) -> None:
        """Between two sleeps of the calling thread: reports, and a checkpoint when due."""
        self._report_epochs()
        now = time.perf_counter()
        if now - self.last_report >= self.report_delay and self.reported < self.epochs:
            self.last_report = now
            prog = self._progress(self.reported)
            for cb in self.callbacks:
                cb.on_progress(self.model, prog)
        due = now - self.last_checkpoint >= self.checkpoint_every or (
            self.checkpoint_every_chunks is not None
            and self.next_job - self.checkpoint_jobs >= self.checkpoint_every_chunks
        )
        if self.checkpoint and due and self.next_job < len(self.jobs):
            try:
                if self.control.pause():
                    self._save_checkpoint()
            except Diverged as exc:
                self.control.fail(exc)
            finally:
                self.control.unpause()
            self.last_checkpoint = time.perf_counter()
            self.checkpoint_jobs = self.next_job

    # ------------------------------------------------------------------------ checkpoints
    def _save_checkpoint(self) -> None:
        """Save the run's state; the workers must be paused or finished."""
        model = self.model
        if not all_finite(model._weights()):
            raise Diverged("training diverged: the weights are no longer finite")
        st = self.state
        st.next_job = self.next_job
        st.reported = self.reported
        st.loss = self.loss.tolist()
        st.predictions = self.predictions.tolist()
        st.words = self.words.tolist()
        st.chunks_done = self.chunks_done.tolist()
        st.elapsed = time.perf_counter() - self.t0
        st.epoch_history = [dataclasses.asdict(h) for h in model.epoch_history]
        arrays, meta = model._native_payload()
        meta["epochs_trained"] = self.epoch_base + self.reported
        meta["checkpoint"] = st.to_meta()
        t = time.perf_counter()
        save_native(self.checkpoint, arrays, meta)
        logger.debug("checkpoint %s saved in %.2fs", self.checkpoint, time.perf_counter() - t)
        for cb in self.callbacks:
            cb.on_checkpoint(model, self.checkpoint)

    def _restore(self, snapshot: Snapshot) -> None:
        """Put the model back as the run found it (after a divergence)."""
        model = self.model
        snapshot.restore(model._weights())
        del model.loss_history[self.history_at_start :]
        del model.epoch_history[self.epoch_history_at_start :]
        self.reported = self.reported_at_start

    # ------------------------------------------------------------------------------- run
    def execute(self) -> list[float]:
        """Train to the end of the run (or until stopped); returns the mean loss of each
        epoch of the run."""
        model, p, control = self.model, self.model.params, self.control
        model.stop_requested.clear()
        cfg, weights = p.kernel_config(), model._weights()
        tree, sampler = model._tree_arrays(), model._sampler_arrays()
        compiled = compile_kernels(cfg, weights, tree, sampler)  # before the clock starts
        if compiled > 1.0:
            logger.info("training kernels compiled in %.1fs (cached for later runs)", compiled)
        for cb in self.callbacks:
            cb.on_train_begin(model)
        snapshot = Snapshot(weights)
        self.started = time.perf_counter()
        self.t0 = self.started - self.elapsed_before
        self.last_report = self.last_checkpoint = self.started
        self.checkpoint_jobs = self.next_job
        schedule = Schedule(self.alpha, self.min_alpha, self.total_words)
        try:
            train_chunks(
                self._job_queue(), self.encoded.read, cfg, weights, tree, sampler, schedule,
                seed=p.seed, workers=p.workers, on_done=self._on_done, monitor=self._monitor,
                control=control,
            )  # fmt: skip
        except BaseException as exc:
            if exc is not control.error:  # Ctrl-C or a callback: finish (checkpoint), re-raise
                raise
        finally:
            try:
                self._finish(snapshot)
            finally:
                snapshot.close()
                model.epochs_trained = self.epoch_base + self.reported
                model.wv.vectors = model.wv.vectors  # invalidate cached norms
                for cb in self.callbacks:
                    cb.on_train_end(model)
        if control.error is not None:
            raise control.error
        return model.loss_history[self.history_at_start - self.reported_at_start :]

    def _finish(self, snapshot: Snapshot) -> None:
        """After the workers ended: report, check the weights, write the last checkpoint."""
        control = self.control
        diverged = isinstance(control.error, Diverged)
        if not diverged and not all_finite(self.model._weights()):
            # fastmath kernels need not turn every NaN weight into a NaN loss
            control.error = Diverged("training diverged: the weights are no longer finite")
            diverged = True
        if diverged:
            self._restore(snapshot)
            msg = f"{control.error}; the weights were restored to their values before this run"
            control.error = TrainingError(msg)  # raised to the caller, who reports it
            return
        self._report_epochs()
        if self.checkpoint and control.error is None:
            self._save_checkpoint()
