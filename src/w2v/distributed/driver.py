"""The driver of a distributed run: plans the shards, builds the vocabulary, runs the rounds
and merges, recovers killed nodes, and returns an ordinary :class:`w2v.Word2Vec`.

Each epoch is cut into the same number of *rounds* on every node: ``ceil(W / sync_words)``
with ``W`` the words of the largest shard, a node's round being the chunks that start in its
share of its shard. Rounds are fixed before training, in words, so a run is deterministic. A
round ends with a merge (:mod:`w2v.distributed.merge`), the last of an epoch with a full one.
The learning rate falls linearly on the global word count: a round runs from the rate at the
words all nodes had read when it began to the rate at the words they will have read when it
ends.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from w2v.callbacks import Callback, Progress
from w2v.distributed.cluster import ClusterError, check_capacity, connect, import_ray
from w2v.distributed.counting import merge_counts
from w2v.distributed.merge import MERGES, tier_rows
from w2v.distributed.node import Node
from w2v.distributed.replica import model_from_native, model_weights, native_payload
from w2v.distributed.shards import plan_shards
from w2v.errors import CorpusError, FormatError, ParameterError, TrainingError, W2VError
from w2v.formats.native import load_native, save_native
from w2v.word2vec import Word2Vec

logger = logging.getLogger(__name__)

# Words the whole cluster trains between two merges unless sync_words is given: the staleness
# that quality depends on is nodes x sync_words (docs/distributed.md, measurements).
SYNC_TOTAL = 100_000
HELLO_SECONDS = 120.0  # a node's process must start (and import w2v) within this


@dataclass
class ClusterReport:
    """What a distributed run did, on ``model.distributed``.

    Attributes
    ----------
    nodes, threads_per_node, sync_words, merge :
        The run's settings.
    node_pids : list of int
        Process id of each node's actor (updated when one restarts).
    hosts : list of str
        Host name of each node.
    node_words : list of int
        Known words in each node's shard (one epoch).
    rounds_per_epoch : int
        Rounds (each ending in a merge) per epoch.
    startup_seconds : float
        From the call to the first round (connect, shards, vocabulary, encoding).
    merge_seconds : list of float
        Wall time of each merge.
    bytes_sent : list of int
        Bytes each node sent to other nodes in merges.
    peak_rss : list of int
        Peak resident memory of each node's process, in bytes.
    retrained : list of dict
        One entry per recovery: node, epoch, round and the words it trained again.
    """

    nodes: int
    threads_per_node: int
    sync_words: int
    merge: str
    node_pids: list[int] = field(default_factory=list)
    hosts: list[str] = field(default_factory=list)
    node_words: list[int] = field(default_factory=list)
    rounds_per_epoch: int = 0
    startup_seconds: float = 0.0
    train_seconds: float = 0.0
    merge_seconds: list[float] = field(default_factory=list)
    bytes_sent: list[int] = field(default_factory=list)
    peak_rss: list[int] = field(default_factory=list)
    retrained: list[dict[str, int]] = field(default_factory=list)


def _first_line(exc: BaseException) -> str:
    """The message of the W2VError inside a Ray task error, else its first line."""
    cause = getattr(exc, "cause", None)
    if isinstance(cause, W2VError):
        return str(cause)
    text = str(exc).strip()
    for line in reversed(text.splitlines()):
        if "Error: " in line and not line.startswith(" "):
            return line.split("Error: ", 1)[1]
    return text.splitlines()[0] if text else type(exc).__name__


def _get(ray, refs, what: str, timeout: float | None = None):
    try:
        return ray.get(refs, timeout=timeout)
    except ray.exceptions.GetTimeoutError:
        raise ClusterError(f"{what}: no answer from the nodes in {timeout:.0f}s") from None
    except ray.exceptions.RayTaskError as exc:
        cause = getattr(exc, "cause", None)
        if isinstance(cause, W2VError):
            raise type(cause)(str(cause)) from None
        raise ClusterError(f"{what}: {_first_line(exc)}") from None


def train(
    corpus: str,
    *,
    nodes: int = 2,
    threads_per_node: int = 1,
    address: str | None = None,
    sync_words: int | None = None,
    merge: str = "capped",
    callbacks: Sequence[Callback] = (),
    report_delay: float = 1.0,
    progress: bool | None = None,
    checkpoint: str | os.PathLike | None = None,
    resume: str | os.PathLike | None = None,
    **params: Any,
) -> Word2Vec:
    """Train a Word2Vec model on a Ray cluster; returns the same model object as
    single-process training (vectors, full model, ``loss_history``).

    Parameters
    ----------
    corpus : str or os.PathLike
        A text file or a directory of them, at a path every node can read.
    nodes : int
        Replicas (Ray actors), each on its own shard.
    threads_per_node : int
        Training threads in each replica (``workers`` of single-process training).
    address : str, optional
        ``HOST:PORT`` of a running Ray head (``ray start --head``), or ``"auto"``; None
        starts a local Ray instance. If this process is already connected to Ray, that
        connection is used.
    sync_words : int, optional
        Words each node trains between merges; default ``100_000 // nodes``. Quality
        depends on ``nodes * sync_words`` (the words the cluster trains from one merged
        state): larger is faster but further from single-process training.
    merge : {"capped", "weighted", "mean", "sum"}
        How replicas' changes are combined (:mod:`w2v.distributed.merge`).
    callbacks : sequence of Callback
        Progress reports (``on_progress`` every ``report_delay`` seconds and after each
        round, ``on_epoch_end`` after each epoch's full merge).
    progress : bool, optional
        Show a progress bar for the cluster (default: when stderr is a terminal).
    checkpoint : str or os.PathLike, optional
        After each epoch (its full merge), save the merged model and the run's position to
        this file (atomically); it is also a model file (:meth:`Word2Vec.load`).
    resume : str or os.PathLike, optional
        Continue the run saved in this checkpoint, from the epoch after the last one it
        finished, on the same corpus; parameters come from the checkpoint. With the same
        nodes, ``sync_words`` and one thread per node the result equals an uninterrupted run.
    **params
        Word2Vec parameters (``workers`` is replaced by ``threads_per_node``).

    Raises
    ------
    ClusterError
        The cluster cannot be reached, has fewer CPUs than ``nodes * threads_per_node``, or
        a node runs another w2v version.
    CorpusError
        A node cannot read its shard.
    """
    t_start = time.perf_counter()
    if sync_words is None and isinstance(nodes, int) and nodes > 0:
        sync_words = max(1, SYNC_TOTAL // nodes)
    _check_args(nodes, threads_per_node, sync_words, merge)
    start = None
    if resume is not None:
        if params:
            raise ParameterError(
                f"resume: the parameters come from the checkpoint; do not give "
                f"{', '.join(sorted(params))}"
            )
        model, start = _load_checkpoint(resume, threads_per_node)
    else:
        model = Word2Vec(**{**params, "workers": threads_per_node})  # validates them
    if checkpoint is not None:
        directory = os.path.dirname(os.path.abspath(checkpoint))
        if not os.path.isdir(directory):
            raise ParameterError(f"checkpoint: directory {directory} does not exist")
    params = {k: v for k, v in vars(model.params).items() if k != "extra"}
    ray = import_ray()
    owned = connect(address)
    actors: list = []
    try:
        check_capacity(nodes, threads_per_node)
        run = _Run(ray, corpus, nodes, threads_per_node, sync_words, merge, params, model,
                   [*callbacks], report_delay, progress, t_start)  # fmt: skip
        run.checkpoint, run.start = checkpoint, start
        actors = run.actors
        run.execute()
        return model
    finally:
        for actor in actors:
            ray.kill(actor)
        if owned:
            ray.shutdown()


def _load_checkpoint(path, threads: int) -> tuple[Word2Vec, dict[str, Any]]:
    arrays, meta = load_native(path, mmap=False)
    state = meta.get("distributed")
    if not isinstance(state, dict):
        raise FormatError(f"{path}: not a checkpoint of a distributed run")
    meta = {**meta, "params": {**meta.get("params", {}), "workers": threads}}
    model = model_from_native(arrays, meta, path)
    model.epochs_trained = int(state["epoch_base"])
    model.epoch_history = [Progress(**h) for h in state["epoch_history"]]
    return model, state


def _check_args(nodes: int, threads: int, sync_words: int, merge: str) -> None:
    for name, value in (("nodes", nodes), ("threads_per_node", threads),
                        ("sync_words", sync_words)):  # fmt: skip
        if not (isinstance(value, int) and not isinstance(value, bool) and value >= 1):
            raise ParameterError(f"{name} must be an integer >= 1, got {value!r}")
    if merge not in MERGES:
        raise ParameterError(f"merge must be one of {', '.join(MERGES)}, got {merge!r}")


class _Run:
    def __init__(self, ray, corpus, nodes, threads, sync_words, merge, params, model,
                 callbacks, report_delay, progress, t_start):  # fmt: skip
        self.ray = ray
        self.nodes = nodes
        self.threads = threads
        self.sync_words = sync_words
        self.params = params
        self.model = model
        self.callbacks = callbacks
        self.report_delay = report_delay
        self.progress = progress
        self.t_start = t_start
        self.report = ClusterReport(nodes, threads, sync_words, merge)
        model.distributed = self.report
        self.actors = []
        self.checkpoint = None
        self.start = None
        plan = ray.remote(num_cpus=0)(plan_shards)
        self.shards = _get(ray, plan.remote(str(corpus), nodes), "planning the shards")
        actor_class = ray.remote(Node).options(
            num_cpus=threads, max_restarts=-1, max_task_retries=0, scheduling_strategy="SPREAD"
        )
        self.actors = [
            actor_class.remote(i, nodes, shard, params, threads, merge, sync_words)
            for i, shard in enumerate(self.shards)
        ]

    # ------------------------------------------------------------------------ set-up
    def _hello(self) -> None:
        from w2v.version import __version__

        infos = _get(self.ray, [a.hello.remote() for a in self.actors], "starting the nodes",
                     HELLO_SECONDS)  # fmt: skip
        for i, info in enumerate(infos):
            if info["version"] != __version__:
                raise ClusterError(
                    f"node {i} ({info['host']}) runs w2v {info['version']}, this driver "
                    f"{__version__}; install the same version on every machine"
                )
        self.report.node_pids = [info["pid"] for info in infos]
        self.report.hosts = [info["host"] for info in infos]

    def _vocabulary(self) -> None:
        """Count the shards and merge the counts (or take a checkpoint's vocabulary and
        weights); hand both to the nodes, which encode their shards."""
        if self.start is not None:
            vocab = self.model.vocab
            self.vocab_ref = self.ray.put((vocab.words, vocab.counts, vocab.total_tokens))
            self.weights_ref = self.ray.put(model_weights(self.model))
            self._setup()
            return
        p = self.model.params
        parts = _get(self.ray, [a.count.remote() for a in self.actors], "counting the corpus")
        vocab = merge_counts(parts, p.min_count, p.max_final_vocab)
        vocab.check_trainable(self.shards[0], p.min_count)
        self.model.set_vocab(vocab)
        self.vocab_ref = self.ray.put((vocab.words, vocab.counts, vocab.total_tokens))
        self.weights_ref = self.ray.put(model_weights(self.model))
        self._setup()

    def _setup(self) -> None:
        refs = [a.setup.remote(self.vocab_ref, self.weights_ref) for a in self.actors]
        self.chunk_words = _get(self.ray, refs, "encoding the shards")
        self.node_words = [int(cw[-1]) for cw in self.chunk_words]
        n_chunks = [cw.shape[0] - 1 for cw in self.chunk_words]
        self.first_chunk = [int(x) for x in np.cumsum([0, *n_chunks[:-1]])]
        if sum(self.node_words) == 0:
            raise TrainingError("no word of the vocabulary occurs in the corpus")

    def _plan_rounds(self) -> None:
        """``self.rounds[r][i]``: the chunks node ``i`` trains in round ``r`` of an epoch."""
        n_rounds = max(1, math.ceil(max(self.node_words) / self.sync_words))
        self.report.node_words = list(self.node_words)
        self.report.rounds_per_epoch = n_rounds
        self.rounds = [[[] for _ in self.actors] for _ in range(n_rounds)]
        self.round_words = np.zeros((n_rounds, self.nodes), dtype=np.int64)
        for i, cw in enumerate(self.chunk_words):
            w = max(int(cw[-1]), 1)
            for c in range(cw.shape[0] - 1):
                r = min(int(cw[c]) * n_rounds // w, n_rounds - 1)
                self.rounds[r][i].append(c)
                self.round_words[r, i] += int(cw[c + 1] - cw[c])

    # ------------------------------------------------------------------------ training
    def _alpha(self, words: int) -> float:
        p = self.model.params
        frac = words / self.total_words
        return max(p.alpha - (p.alpha - p.min_alpha) * frac, p.min_alpha)

    def _wait(self, refs, on_idle) -> list:
        """Results of ``refs``, calling ``on_idle`` every report_delay while waiting."""
        pending = list(refs)
        while True:
            ready, pending = self.ray.wait(pending, num_returns=len(pending),
                                           timeout=self.report_delay)  # fmt: skip
            if not pending:
                return self.ray.get(list(refs))
            on_idle()

    def _recover(
        self, i: int, epoch: int, r: int, peer: int | None = None, retrain: bool = True
    ) -> None:
        """Node ``i`` died: once Ray has restarted its actor, load the last merged weights
        from a live peer (the caller then has it train round ``r`` again from its start)."""
        if self.nodes == 1:
            raise TrainingError("the only node was lost; its merged weights went with it")
        snapshot = self.actors[(i + 1) % self.nodes if peer is None else peer].snapshot.remote()
        actor = self.actors[i]
        info = _get(self.ray, actor.hello.remote(), "restarting a node", HELLO_SECONDS)
        _get(self.ray, actor.setup.remote(self.vocab_ref, snapshot), "restarting a node")
        self.report.node_pids[i] = info["pid"]
        words = int(self.round_words[r, i]) if retrain else 0
        self.report.retrained.append({"node": i, "epoch": epoch, "round": r, "words": words})
        logger.warning(
            "node %d was lost in epoch %d, round %d: restarted from the last merged weights; "
            "training its %d words of that round again", i, epoch + 1, r + 1, words,
        )  # fmt: skip

    def _train_round(self, epoch: int, r: int, lr_from: float, lr_to: float, tick) -> list:
        stream = (self.epoch_base + epoch,)
        results: list = [None] * self.nodes
        todo = list(range(self.nodes))
        while todo:
            refs = {
                i: self.actors[i].train_round.remote(
                    stream, self.first_chunk[i], self.rounds[r][i], lr_from, lr_to
                )
                for i in todo
            }
            try:
                self._wait(list(refs.values()), tick)
            except self.ray.exceptions.RayActorError:
                pass
            except self.ray.exceptions.RayTaskError as exc:
                raise TrainingError(f"epoch {epoch + 1}: {_first_line(exc)}") from None
            failed = []
            for i, ref in refs.items():
                try:
                    results[i] = self.ray.get(ref)
                except self.ray.exceptions.RayActorError:
                    failed.append(i)
            for i in failed:
                self._recover(i, epoch, r)
            todo = failed
        return results

    def _merge(self, k: int, epoch: int, r: int, lr: tuple[float, float], tick) -> None:
        """Merge the ``k`` most frequent rows of every replica (reduce-scatter, all-gather
        through the object store). If a node dies before every replica took the merge, the
        merge is redone after that node has trained its round again; if it dies after the
        others took it, it just restarts from their merged weights."""
        ray, n = self.ray, self.nodes
        t0 = time.perf_counter()
        while True:
            if n == 1:
                merged = [self.actors[0].reduce.remote(k, self.actors[0].scatter.remote(k))]
            else:
                pieces = [a.scatter.options(num_returns=n).remote(k) for a in self.actors]
                merged = [
                    a.reduce.remote(k, *[pieces[i][j] for i in range(n)])
                    for j, a in enumerate(self.actors)
                ]
            gathers = [a.gather.remote(k, *merged) for a in self.actors]
            try:
                sent = self._wait(gathers, tick)
                break
            except ray.exceptions.RayError as exc:
                dead = self._dead_nodes()
                if not dead:
                    raise TrainingError(f"merge: {_first_line(exc)}") from None
            took = []
            for i, ref in enumerate(gathers):
                try:
                    ray.get(ref)
                    took.append(i)
                except ray.exceptions.RayError:
                    pass
            for i in dead:
                self._recover(i, epoch, r, peer=took[0] if took else None, retrain=not took)
                if not took:
                    self._retrain(i, epoch, r, lr)
            if took:
                sent = [int(ray.get(a.gather.remote(0))) for a in self.actors]
                break
        self.report.merge_seconds.append(time.perf_counter() - t0)
        self.report.bytes_sent = list(sent)

    def _dead_nodes(self) -> list[int]:
        """Nodes whose process was restarted (their replica has no state)."""
        dead = []
        for i, actor in enumerate(self.actors):
            try:
                pid = self.ray.get(actor.pid.remote(), timeout=HELLO_SECONDS)
            except self.ray.exceptions.RayActorError:
                pid = None
            if pid != self.report.node_pids[i]:
                dead.append(i)
        return dead

    def _retrain(self, i: int, epoch: int, r: int, lr: tuple[float, float]) -> None:
        stream = (self.epoch_base + epoch,)
        _get(self.ray, self.actors[i].train_round.remote(stream, self.first_chunk[i],
                                                   self.rounds[r][i], *lr),
             "training a restarted node")  # fmt: skip

    def _save_checkpoint(self, epochs_done: int, epoch_base: int) -> None:
        model = self.model
        weights = _get(self.ray, self.actors[0].snapshot.remote(), "fetching the model")
        model.set_vocab(model.vocab, [np.array(w) for w in weights])
        arrays, meta = native_payload(model)
        meta["epochs_trained"] = epoch_base + epochs_done
        meta["distributed"] = {
            "epoch_base": epoch_base, "epochs_done": epochs_done,
            "corpus_bytes": sum(s.nbytes for s in self.shards),
            "epoch_history": [dataclasses.asdict(h) for h in model.epoch_history],
        }  # fmt: skip
        save_native(self.checkpoint, arrays, meta)
        for cb in self.callbacks:
            cb.on_checkpoint(model, self.checkpoint)

    def execute(self) -> None:
        model, p = self.model, self.model.params
        self._hello()
        self._vocabulary()
        self._plan_rounds()
        epochs = p.epochs
        epoch_base = self.epoch_base = model.epochs_trained
        first = 0
        if self.start is not None:
            first = int(self.start["epochs_done"])
            if self.start["corpus_bytes"] != sum(s.nbytes for s in self.shards):
                raise CorpusError(
                    f"resume: {self.shards[0].pieces[0].path} is not the corpus of the "
                    f"checkpoint ({self.start['corpus_bytes']} bytes then, "
                    f"{sum(s.nbytes for s in self.shards)} now)"
                )
        epoch_words = sum(self.node_words)
        self.total_words = epoch_words * epochs
        self.report.startup_seconds = time.perf_counter() - self.t_start
        logger.info(
            "%d nodes ready in %.1fs: %d words each epoch, %d rounds per epoch",
            self.nodes, self.report.startup_seconds, epoch_words, len(self.rounds),
        )  # fmt: skip
        for cb in self.callbacks:
            cb.on_train_begin(model)
        t0 = time.perf_counter()
        done_words = epoch_words * first
        sync = first * len(self.rounds)
        bar = tqdm(total=self.total_words, unit="word", unit_scale=True, disable=self.progress
                   is False if self.progress is not None else None, desc="w2v cluster")  # fmt: skip
        state = {"epoch": 0, "loss": 0.0, "preds": 0, "last": time.perf_counter()}

        def tick() -> None:
            now = time.perf_counter()
            if now - state["last"] >= self.report_delay:
                state["last"] = now
                prog = self._progress(state, done_words, t0)
                for cb in self.callbacks:
                    cb.on_progress(model, prog)

        try:
            for epoch in range(first, epochs):
                state.update(epoch=epoch, loss=0.0, preds=0)
                for r in range(len(self.rounds)):
                    g0 = epoch * epoch_words + int(self.round_words[:r].sum())
                    lr = (self._alpha(g0), self._alpha(g0 + int(self.round_words[r].sum())))
                    results = self._train_round(epoch, r, *lr, tick)
                    for loss, preds, words in results:
                        state["loss"] += loss
                        state["preds"] += preds
                        done_words += words
                        bar.update(words)
                    if not math.isfinite(state["loss"]):
                        raise TrainingError(f"training diverged in epoch {epoch + 1}; lower alpha")
                    sync += 1
                    last = r == len(self.rounds) - 1
                    k = len(model.vocab) if last else tier_rows(sync, len(model.vocab))
                    self._merge(k, epoch, r, lr, tick)
                    state["last"] = 0.0
                    tick()
                prog = self._progress(state, done_words, t0)
                model.loss_history.append(prog.loss)
                model.epoch_history.append(prog)
                logger.info("epoch %d/%d: loss %.4f, %.0f words/s", epoch + 1, epochs,
                            prog.loss, prog.words_per_sec)  # fmt: skip
                for cb in self.callbacks:
                    cb.on_epoch_end(model, prog)
                if self.checkpoint is not None:
                    self._save_checkpoint(epoch + 1, epoch_base)
        finally:
            bar.close()
        self.report.train_seconds = time.perf_counter() - t0
        weights = _get(self.ray, self.actors[0].weights.remote(), "fetching the model")
        self.report.peak_rss = _get(self.ray, [a.peak_rss.remote() for a in self.actors], "rss")
        model.set_vocab(model.vocab, [np.array(w) for w in weights])
        model.epochs_trained = epoch_base + epochs
        for cb in self.callbacks:
            cb.on_train_end(model)

    def _progress(self, state: dict, words: int, t0: float) -> Progress:
        elapsed = time.perf_counter() - t0
        preds = state["preds"]
        return Progress(
            epoch=state["epoch"], epochs=self.model.params.epochs, words=words,
            total_words=self.total_words,
            words_per_sec=words / elapsed if elapsed > 0 else 0.0, alpha=self._alpha(words),
            loss=state["loss"] / preds if preds else float("nan"), elapsed=elapsed,
        )  # fmt: skip
