"""The driver of a distributed run: plans the shards, builds the vocabulary, runs the rounds
and merges, recovers killed nodes, and returns an ordinary :class:`w2v.Word2Vec`.

Each epoch is cut into the same number of *rounds* on every node: ``ceil(W / sync_words)``
with ``W`` the words of the largest shard, a node's round being the chunks that start in its
share of its shard. Rounds are fixed before training, in words, so a run is deterministic. A
round ends with an exchange (:mod:`w2v.distributed.merge`), the last of an epoch with a full
one. Merges run one round behind, off the critical path: a node sends its deltas and goes on
training; the merged rows are applied at the end of its next round. The learning rate falls
linearly on the global word count: a round runs from the rate at the words all nodes had read
when it began to the rate at the words they will have read when it ends.

On Ray each node runs an epoch's rounds in one call and exchanges pieces and merged rows with
its peers directly (:mod:`w2v.distributed.node`): the driver is not on the critical path; it
polls progress and handles a lost node. With ``virtual=True`` the nodes are plain
:class:`~w2v.distributed.node.Node` objects in this process, stepped round by round through
the same training, send, reduce and apply code.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
import time
from collections.abc import Callable, Sequence
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
        What each merge cost on the critical path: for each round, the longest time a node's
        training stood still between that round and the next (applying the merge, waiting
        for it, Ray's dispatch); at an epoch's end, until the full merge was applied.
    bytes_sent : list of int
        Bytes each node sent to other nodes in merges.
    exchange_seconds : list of float
        Each exchange's latency on Ray (every node's, pooled): from a node posting a round's
        pieces to its having that round's merge; overlapped with training unless longer than
        a round.
    peak_rss : list of int
        Peak resident memory of each node's process, in bytes.
    retrained : list of dict
        One entry per recovery: node, epoch, first round and the words it trained again.
    virtual : bool
        The nodes were stepped one after another in the driver's process.
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
    exchange_seconds: list[float] = field(default_factory=list)
    bytes_sent: list[int] = field(default_factory=list)
    peak_rss: list[int] = field(default_factory=list)
    retrained: list[dict[str, int]] = field(default_factory=list)
    virtual: bool = False


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
    virtual: bool = False,
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
    virtual : bool
        Do not use Ray: step ``nodes`` replicas one after another in this process, with the
        same calls and merge code. Training takes as long as on one thread; what it is for is
        measuring the quality of node counts that no cluster at hand can host.
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
    if virtual:
        run = _Run(None, corpus, nodes, threads_per_node, sync_words, merge, params, model,
                   [*callbacks], report_delay, progress, t_start)  # fmt: skip
        run.checkpoint, run.start = checkpoint, start
        run.execute()
        return model
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


class _Lost(Exception):
    """A node's run failed (it died, or raised)."""

    def __init__(self, exc: BaseException) -> None:
        super().__init__(str(exc))
        self.exc = exc


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
        self.report = ClusterReport(nodes, threads, sync_words, merge, virtual=ray is None)
        model.distributed = self.report
        self.actors = []
        self.checkpoint = None
        self.start = None
        self.local: list[Node] = []
        self.pipe = 0
        if ray is None:
            self.shards = plan_shards(str(corpus), nodes)
            self.local = [Node(i, nodes, shard, params, threads, merge, sync_words)
                          for i, shard in enumerate(self.shards)]  # fmt: skip
            return
        plan = ray.remote(num_cpus=0)(plan_shards)
        self.shards = _get(ray, plan.remote(str(corpus), nodes), "planning the shards")
        # "comm": one thread per node for reduce, so it runs while the node trains
        actor_class = ray.remote(concurrency_groups={"comm": 1})(Node).options(
            num_cpus=threads, max_restarts=-1, max_task_retries=0, scheduling_strategy="SPREAD"
        )
        self.actors = [
            actor_class.remote(i, nodes, shard, params, threads, merge, sync_words, True)
            for i, shard in enumerate(self.shards)
        ]

    def _all(self, method: str, *args: Any, what: str = "", timeout: float | None = None):
        """Call ``method`` on every node; returns the results."""
        if self.ray is None:
            return [getattr(node, method)(*args) for node in self.local]
        refs = [getattr(a, method).remote(*args) for a in self.actors]
        return _get(self.ray, refs, what, timeout)

    def _one(self, i: int, method: str, *args: Any, what: str = ""):
        if self.ray is None:
            return getattr(self.local[i], method)(*args)
        return _get(self.ray, getattr(self.actors[i], method).remote(*args), what)

    # ------------------------------------------------------------------------ set-up
    def _hello(self) -> None:
        from w2v.version import __version__

        infos = self._all("hello", what="starting the nodes", timeout=HELLO_SECONDS)
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
        if self.start is None:
            p = self.model.params
            parts = self._all("count", what="counting the corpus")
            vocab = merge_counts(parts, p.min_count, p.max_final_vocab)
            vocab.check_trainable(self.shards[0], p.min_count)
            self.model.set_vocab(vocab)
        vocab = self.model.vocab
        self.vocab_ref = (vocab.words, vocab.counts, vocab.total_tokens)
        self.weights_ref = model_weights(self.model)
        if self.ray is not None:
            self.vocab_ref = self.ray.put(self.vocab_ref)
            self.weights_ref = self.ray.put(self.weights_ref)
        self.chunk_words = self._all("setup", self.vocab_ref, self.weights_ref,
                                     what="encoding the shards")  # fmt: skip
        if self.ray is not None:
            self._all("connect", self.actors, what="connecting the nodes")
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
        self.rounds = [[[] for _ in range(self.nodes)] for _ in range(n_rounds)]
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

    def _round_rates(self, epoch: int, r: int) -> tuple[float, float]:
        g0 = epoch * self.epoch_words + int(self.round_words[:r].sum())
        return self._alpha(g0), self._alpha(g0 + int(self.round_words[r].sum()))

    def _rows(self, epoch: int, r: int) -> int:
        """Rows the merge after round ``r`` takes: the frequency tier of its sync number
        (counted over this call's epochs), or all rows at the end of training and, when
        checkpointing, at every epoch's end (a checkpoint holds merged weights only).
        Between epochs a full merge is not needed: rows not merged keep their deltas."""
        last = r == len(self.rounds) - 1
        if last and (epoch == self.model.params.epochs - 1 or self.checkpoint is not None):
            return len(self.model.vocab)
        return tier_rows(epoch * len(self.rounds) + r + 1, len(self.model.vocab))

    def _round_args(self, i: int, epoch: int, r: int) -> tuple:
        """:meth:`Node.train_round`'s arguments for node ``i`` in round ``r`` of ``epoch``."""
        stream = (self.epoch_base + epoch,)
        return (r, stream, self.first_chunk[i], self.rounds[r][i], *self._round_rates(epoch, r))

    def _count(self, r: int, i: int, stats: tuple[float, int, int]) -> None:
        """Record what node ``i`` trained in round ``r`` (again, after a recovery)."""
        old = self.round_stats.get((r, i))
        self.round_stats[(r, i)] = stats
        words = stats[2] - (old[2] if old else 0)
        self.state["words"] += words
        self.bar.update(words)
        if not math.isfinite(stats[0]):
            raise TrainingError(f"training diverged in epoch {self.state['epoch'] + 1}; "
                                "lower alpha")  # fmt: skip

    def _epoch(self, epoch: int, tick: Callable[[], None]) -> None:
        self.round_stats: dict[tuple[int, int], tuple[float, int, int]] = {}
        if self.ray is None:
            self._virtual_epoch(epoch, tick)
            return
        first = 0
        while first < len(self.rounds):
            self.pipe += 1
            runs = [
                self.actors[i].run.remote(self.pipe, [(*self._round_args(i, epoch, r),
                                                       self._rows(epoch, r))
                                                      for r in range(first, len(self.rounds))])
                for i in range(self.nodes)
            ]  # fmt: skip
            try:
                for i, res in enumerate(self._watch(runs, first, tick)):
                    for r, stats in enumerate(res["stats"], start=first):
                        self._count(r, i, stats)
                return
            except _Lost as lost:
                first = self._recover(epoch, first, runs, lost.exc)

    def _virtual_epoch(self, epoch: int, tick: Callable[[], None]) -> None:
        """The rounds of ``epoch`` with the nodes in this process, in the order a node runs
        them on Ray: train round ``r``, apply the merge of round ``r - 1``, send."""
        merged: list[dict] = []
        k_prev = 0
        for r in range(len(self.rounds)):
            k = self._rows(epoch, r)
            outs = []
            for i, node in enumerate(self.local):
                self._count(r, i, node.train_round(*self._round_args(i, epoch, r)))
                outs.append(node.send(k_prev, merged, k))
            merged = [node.reduce(k, [o[j] for o in outs]) for j, node in enumerate(self.local)]
            k_prev = k
            tick()
        for node in self.local:
            node.settle(k_prev, merged)

    def _watch(self, runs: list, first: int, tick: Callable[[], None]) -> list[dict]:
        """Wait for the nodes' runs, reporting progress; raises :class:`_Lost` as soon as one
        fails (the others may be waiting for it)."""
        ray = self.ray
        pending = list(runs)
        while pending:
            ready, pending = ray.wait(pending, num_returns=len(pending), timeout=self.report_delay)
            for ref in ready:
                try:
                    ray.get(ref)
                except ray.exceptions.RayError as exc:
                    raise _Lost(exc) from None
            if pending:
                polls = [a.progress.options(concurrency_group="comm").remote() for a in self.actors]
                try:
                    done = ray.get(polls, timeout=HELLO_SECONDS)
                except ray.exceptions.RayError as exc:
                    raise _Lost(exc) from None
                for i, stats in enumerate(done):
                    for r, st in enumerate(stats, start=first):
                        if (r, i) not in self.round_stats:
                            self._count(r, i, st)
                tick()
        return ray.get(runs)

    def _recover(self, epoch: int, first: int, runs: list, exc: BaseException) -> int:
        """A node's run failed. If a node died: stop the others' runs, give any that missed
        the last merge (its owner died while sending it) that merge from a peer, restart the
        lost node from the merged weights, have every node train the rounds of its own that
        no merge has taken, merge everything every replica has (synchronously), and return
        the round to go on from. Anything else is an error of the run."""
        ray = self.ray
        for a in self.actors:
            a.abort.options(concurrency_group="comm").remote(self.pipe)
        ray.wait(runs, num_returns=len(runs), timeout=HELLO_SECONDS)
        dead = self._dead_nodes()
        if not dead:
            raise TrainingError(f"epoch {epoch + 1}: {_first_line(exc)}") from None
        if len(dead) == self.nodes:
            raise TrainingError("every node was lost; their merged weights went with them")
        live = [i for i in range(self.nodes) if i not in dead]
        last_round = len(self.rounds) - 1
        trained, applied = {}, {}
        for i in live:
            res = _get(ray, runs[i], "recovering from a lost node")
            for r, stats in enumerate(res["stats"], start=first):
                self._count(r, i, stats)
            t, a = _get(ray, self.actors[i].position.remote(), "recovering")
            if not res["aborted"]:  # it finished the epoch: every merge applied
                t = a = last_round
            trained[i] = first - 1 if t is None else t
            applied[i] = first - 1 if a is None else a
        m = max(applied.values())
        if any(applied[i] < m - 1 for i in live):
            raise TrainingError("a node was lost and the others are too far apart to align")
        behind = [i for i in live if applied[i] == m - 1]
        if behind:
            source = next(i for i in live if applied[i] == m)
            pieces = self.actors[source].merge_applied_last.remote()
            _get(ray, [self.actors[i].catch_up.remote(pieces) for i in behind], "recovering")
        last = max(trained.values())
        for i in dead:
            self._restart(i, peer=live[0])
            trained[i] = m
            for r in range(first, m + 1):  # trained and merged, but its results died with it
                if (r, i) not in self.round_stats:
                    self._count(r, i, (0.0, 0, int(self.round_words[r, i])))
            words = int(self.round_words[m + 1 : last + 1, i].sum())
            self.report.retrained.append({"node": i, "epoch": epoch, "round": m + 1,
                                          "words": words})  # fmt: skip
            logger.warning(
                "node %d was lost in epoch %d: restarted from the last merged weights; "
                "training its %d words of rounds %d-%d again", i, epoch + 1, words, m + 2,
                last + 1,
            )  # fmt: skip
        for i, t in trained.items():
            for r in range(t + 1, last + 1):
                stats = self._one(i, "train_round", *self._round_args(i, epoch, r),
                                  what="training a node again")  # fmt: skip
                self._count(r, i, stats)
        k = len(self.model.vocab)
        n = self.nodes
        pieces = [self.actors[i].send.options(num_returns=n).remote(0, [], k) for i in range(n)]
        merged = [self.actors[j].reduce.remote(k, [p[j] for p in pieces]) for j in range(n)]
        _get(ray, [a.settle.remote(k, merged) for a in self.actors], "merging after a restart")
        return last + 1

    def _restart(self, i: int, peer: int) -> None:
        """Node ``i``'s process was restarted: give it the last merged weights of ``peer``."""
        snapshot = self.actors[peer].snapshot.remote()
        actor = self.actors[i]
        info = _get(self.ray, actor.hello.remote(), "restarting a node", HELLO_SECONDS)
        _get(self.ray, actor.setup.remote(self.vocab_ref, snapshot), "restarting a node")
        _get(self.ray, actor.connect.remote(self.actors), "restarting a node")
        self.report.node_pids[i] = info["pid"]

    def _dead_nodes(self) -> list[int]:
        """Nodes whose process was restarted (their replica has no state)."""
        dead = []
        for i, actor in enumerate(self.actors):
            try:
                pid = self.ray.get(actor.pid.remote(), timeout=HELLO_SECONDS)
            except self.ray.exceptions.RayError:
                pid = None
            if pid != self.report.node_pids[i]:
                dead.append(i)
        return dead

    def _save_checkpoint(self, epochs_done: int, epoch_base: int) -> None:
        model = self.model
        weights = self._one(0, "snapshot", what="fetching the model")
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
        self.epoch_words = epoch_words = sum(self.node_words)
        self.total_words = epoch_words * epochs
        self.report.startup_seconds = time.perf_counter() - self.t_start
        logger.info(
            "%d nodes ready in %.1fs: %d words each epoch, %d rounds per epoch",
            self.nodes, self.report.startup_seconds, epoch_words, len(self.rounds),
        )  # fmt: skip
        for cb in self.callbacks:
            cb.on_train_begin(model)
        t0 = time.perf_counter()
        disable = self.progress is False if self.progress is not None else None
        self.bar = tqdm(total=self.total_words, unit="word", unit_scale=True, desc="w2v cluster",
                        disable=disable)  # fmt: skip
        self.state = state = {"epoch": 0, "words": epoch_words * first,
                              "last": time.perf_counter()}  # fmt: skip

        def tick() -> None:
            now = time.perf_counter()
            if now - state["last"] >= self.report_delay:
                state["last"] = now
                prog = self._progress(t0)
                for cb in self.callbacks:
                    cb.on_progress(model, prog)

        try:
            for epoch in range(first, epochs):
                state["epoch"] = epoch
                self._epoch(epoch, tick)
                state["last"] = 0.0
                tick()
                prog = self._progress(t0)
                model.loss_history.append(prog.loss)
                model.epoch_history.append(prog)
                logger.info("epoch %d/%d: loss %.4f, %.0f words/s", epoch + 1, epochs,
                            prog.loss, prog.words_per_sec)  # fmt: skip
                for cb in self.callbacks:
                    cb.on_epoch_end(model, prog)
                if self.checkpoint is not None:
                    self._save_checkpoint(epoch + 1, epoch_base)
        finally:
            self.bar.close()
        self.report.train_seconds = time.perf_counter() - t0
        weights = self._one(0, "weights", what="fetching the model")
        reports = self._all("report", what="collecting the nodes' reports")
        self.report.peak_rss = [r["peak_rss"] for r in reports]
        self.report.bytes_sent = [r["bytes_sent"] for r in reports]
        # after a recovery the restarted node has fewer entries: the shortest list decides
        stalls = zip(*(r["stalls"] for r in reports), strict=False)
        self.report.merge_seconds = [max(s) for s in stalls]
        self.report.exchange_seconds = [x for r in reports for x in r["latency"]]
        model.set_vocab(model.vocab, [np.array(w) for w in weights])
        model.epochs_trained = epoch_base + epochs
        for cb in self.callbacks:
            cb.on_train_end(model)

    def _progress(self, t0: float) -> Progress:
        elapsed = time.perf_counter() - t0
        # in (round, node) order, so that the loss does not depend on when results arrived
        stats = [v for _, v in sorted(getattr(self, "round_stats", {}).items())]
        loss = sum(s[0] for s in stats)
        preds = sum(s[1] for s in stats)
        words = self.state["words"]
        return Progress(
            epoch=self.state["epoch"], epochs=self.model.params.epochs, words=words,
            total_words=self.total_words,
            words_per_sec=words / elapsed if elapsed > 0 else 0.0, alpha=self._alpha(words),
            loss=loss / preds if preds else float("nan"), elapsed=elapsed,
        )  # fmt: skip
