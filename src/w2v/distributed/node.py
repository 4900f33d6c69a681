"""A training node: one Ray actor holding a full replica and reading its own shard.

The class is plain Python; :func:`w2v.distributed.driver.train` makes it a Ray actor with
``ray.remote`` (so importing w2v does not need Ray), or steps several in one process
(``virtual=True``). The driver calls ``hello`` (version, process, shard readable), ``count``
(the shard's vocabulary) and ``setup`` (merged vocabulary and starting weights; the shard is
encoded). A round is then ``train_round``, ``send`` (apply the merge of the round before, cut
this round's deltas into one piece per owner) and each owner's ``reduce`` (combine its piece
from every node); ``settle`` applies the last merge of an epoch.

On Ray the driver makes one ``run`` call per node and epoch: the node trains its rounds one
after another and talks to its peers directly. It sends each piece to its owner's
``receive``; an owner that has every node's piece reduces them and sends the merged rows to
every node's ``merged``. Those three run in the actor's second thread (``comm``), so merges
are computed and moved while the nodes train: a node applies the merge of round ``r - 1``
after training round ``r``, and waits only if it has not arrived by then. No call goes
through the driver on the way, which only watches (``progress``) and, if a node dies,
stops the others (``abort``) and realigns the replicas.
"""

from __future__ import annotations

import os
import queue
import socket
import threading
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from w2v.distributed.counting import ShardCounts, count_shard
from w2v.distributed.merge import CAP, merge_rows, owner_bounds
from w2v.distributed.replica import Replica, row_views
from w2v.distributed.shards import Shard, ShardCorpus, check_readable
from w2v.errors import TrainingError
from w2v.rss import peak_rss
from w2v.vocabulary import Vocabulary


def _rows(n_rows: dict[str, int], k: int) -> dict[str, int]:
    """Rows of each merged array that a merge of the ``k`` most frequent rows takes."""
    return {name: min(k, n) for name, n in n_rows.items()}


class Node:
    """One replica. ``index`` of ``nodes``; ``merge`` is a rule of :data:`MERGES`."""

    def __init__(
        self,
        index: int,
        nodes: int,
        shard: Shard,
        params: dict[str, Any],
        threads: int,
        merge: str,
        sync_words: int,
        remote: bool = False,
    ) -> None:
        self.index = index
        self.remote = remote
        self.nodes = nodes
        self.shard = shard
        self.params = params
        self.threads = threads
        self.merge = merge
        self.sync_words = sync_words
        self.replica: Replica | None = None
        self.encoded = None
        self.base: dict[str, np.ndarray] = {}
        self.updates: dict[str, np.ndarray] = {}
        # this node's deltas in flight: sent by the last send, not yet merged back
        self.sent: dict[str, np.ndarray] = {}
        self.bytes_sent = 0
        self.bytes_reduced = 0  # counted apart: reduce runs in another thread
        self.idle_since: float | None = None
        self.stalls: list[float] = []
        # rounds of the current epoch this replica has trained and whose merge it has applied
        # (None: none since the replicas were last all equal)
        self.trained: int | None = None
        self.applied: int | None = None
        # the exchange with peers during ``run`` (set up by ``connect``)
        self.peers: list = []
        self.cond = threading.Condition()
        self.inbox: dict[tuple, dict[int, dict]] = {}
        self.merges: dict[tuple, dict[int, dict]] = {}
        self.last_merge: list[dict] | None = None  # the merge applied last
        self.aborted: int | None = None
        self.error: BaseException | None = None
        self.done: list[tuple[float, int, int]] = []
        self.outbox: queue.SimpleQueue | None = None
        self.posted: dict[tuple, float] = {}
        self.latency: list[float] = []  # from posting a round's pieces to having its merge

    def hello(self) -> dict[str, Any]:
        """Version, process id and host of this node; fails if its shard is unreadable."""
        from w2v.version import __version__

        check_readable(self.shard)
        return {"version": __version__, "pid": os.getpid(), "host": socket.gethostname()}

    def count(self) -> ShardCounts:
        corpus = ShardCorpus(
            self.shard,
            self.params.get("unicode_errors", "replace"),
            self.params.get("normalize"),
        )
        return count_shard(corpus, self.params.get("max_vocab_size"))

    def setup(self, vocab: tuple, weights: list[np.ndarray]) -> np.ndarray:
        """Take the vocabulary ``(words, counts, total_tokens)`` and the merged weights, and
        encode the shard; returns the known words before each chunk (and the total)."""
        self.replica = Replica(self.params, Vocabulary(*vocab), weights)
        self.base = {n: a.copy() for n, a in self.replica.merged_arrays().items()}
        self.updates = {n: np.zeros(a.shape[0], np.float32) for n, a in self.base.items()}
        self.sent = {}
        self.idle_since = None
        self.trained = self.applied = None
        if self.encoded is None:
            corpus = ShardCorpus(
                self.shard,
                self.params.get("unicode_errors", "replace"),
                self.params.get("normalize"),
            )
            self.encoded = self.replica.encode(corpus, self.sync_words)
        return self.encoded.chunk_words

    def pid(self) -> int:
        return os.getpid()

    def position(self) -> tuple[int | None, int | None]:
        """The last round of this epoch trained, and the last whose merge was applied."""
        return self.trained, self.applied

    def train_round(
        self,
        r: int,
        stream: tuple[int, ...],
        first_chunk: int,
        chunks: list[int],
        lr_from: float,
        lr_to: float,
    ) -> tuple[float, int, int]:
        """Train round ``r``: the given chunks of this shard (the first being chunk
        ``first_chunk`` of the corpus); returns ``(loss sum, predictions, words)``."""
        if self.idle_since is not None:
            self.stalls.append(time.perf_counter() - self.idle_since)
        weighted = self.merge == "weighted"
        loss, preds, words, occurrences = self.replica.train(
            self.encoded, chunks, stream, first_chunk, lr_from, lr_to, self.threads, weighted
        )
        if weighted:
            for name, c in self.replica.expected_updates(occurrences).items():
                self.updates[name] += c
        self.trained = r
        self.idle_since = time.perf_counter()
        return loss, preds, words

    def send(self, k_prev: int, merged: Sequence[dict], k: int) -> tuple:
        """Apply the merge of the ``k_prev`` rows this node sent last (``merged``: every
        owner's new values, or nothing), then cut this node's deltas of the ``k`` most
        frequent rows into one piece per owner (each array's name to ``(delta rows, update
        counts or None)``).

        A row's merged value was computed from the deltas sent while training went on: the
        updates made since are kept on top of it (the row moves by the merge's correction,
        new value minus base minus the delta this node sent)."""
        arrays = self.replica.merged_arrays()
        if merged:
            self._apply(arrays, k_prev, merged)
        rows = _rows({n: a.shape[0] for n, a in arrays.items()}, k)
        self.sent = {}
        pieces = [{} for _ in range(self.nodes)]
        for name, a in arrays.items():
            delta = a[: rows[name]] - self.base[name][: rows[name]]
            self.sent[name] = delta
            for j, (lo, hi) in enumerate(owner_bounds(rows[name], self.nodes)):
                counts = None
                if self.merge == "weighted":
                    counts = self.updates[name][lo:hi].copy()
                piece = (delta[lo:hi], counts)
                pieces[j][name] = piece
                if j != self.index:
                    self.bytes_sent += piece[0].nbytes + (0 if counts is None else counts.nbytes)
            self.updates[name][: rows[name]] = 0
        return tuple(pieces)

    def settle(self, k_prev: int, merged: Sequence[dict]) -> None:
        """Apply the merge of the rows sent last and send nothing: afterwards every replica
        holds the merged values of those rows, and a new pipeline of rounds can start.
        Called right after a send, with no training between, so the rows take the merged
        values exactly (a checkpoint of the merged weights resumes bit for bit)."""
        self._apply(self.replica.merged_arrays(), k_prev, self._fetch(merged), exact=True)
        self.sent = {}
        self.trained = self.applied = None
        if self.idle_since is not None:
            self.stalls.append(time.perf_counter() - self.idle_since)
            self.idle_since = None

    def _fetch(self, items: Sequence) -> list:
        """``items`` with any Ray object references among them replaced by their objects."""
        if not self.remote:
            return list(items)
        import ray

        return [ray.get(x) if isinstance(x, ray.ObjectRef) else x for x in items]

    def _apply(
        self, arrays: dict[str, np.ndarray], k_prev: int, merged: Sequence[dict], exact=False
    ) -> None:
        rows = _rows({n: a.shape[0] for n, a in arrays.items()}, k_prev)
        for name, a in arrays.items():
            n = rows[name]
            new = np.concatenate([m[name] for m in merged]) if merged else a[:0]
            sent = self.sent.get(name)
            if sent is None or sent.shape[0] != n or new.shape[0] != n:
                raise TrainingError(f"merge of {name}: {n} rows expected")
            if exact:
                a[:n] = new
            else:
                a[:n] += new - self.base[name][:n] - sent
            self.base[name][:n] = new
        self.applied = self.trained - 1 if self.trained is not None and not exact else None

    def reduce(self, k: int, pieces: Sequence[dict]) -> dict[str, np.ndarray]:
        """Combine every node's piece of the rows this node owns; returns their new values."""
        pieces = self._fetch(pieces)
        arrays = self.replica.merged_arrays()
        rows = _rows({n: a.shape[0] for n, a in arrays.items()}, k)
        out = {}
        for name in arrays:
            lo, hi = owner_bounds(rows[name], self.nodes)[self.index]
            deltas = [p[name][0] for p in pieces]
            counts = [p[name][1] for p in pieces] if self.merge == "weighted" else None
            out[name] = merge_rows(
                self.base[name][lo:hi], deltas, counts, total=self.merge == "sum",
                cap=CAP if self.merge == "capped" else None,
            )  # fmt: skip
            if not np.isfinite(out[name]).all():
                raise TrainingError(
                    f"training diverged ({name} is no longer finite); lower alpha or "
                    f"sync_words, or merge by averaging (merge='{self.merge}' now)"
                )
        self.bytes_reduced += sum(a.nbytes for a in out.values()) * (self.nodes - 1)
        return out

    # ------------------------------------------------------------ rounds on Ray
    def connect(self, peers: list) -> None:
        """Take every node's actor handle (this one's included, at its index)."""
        self.peers = peers
        if self.outbox is None:
            self.outbox = queue.SimpleQueue()
            threading.Thread(target=self._post, daemon=True, name="w2v-post").start()

    def _post(self) -> None:
        """Send the pieces queued by ``run`` to their owners. Serializing them and putting
        them in the object store takes milliseconds; done here, it overlaps the next
        round's training instead of delaying it."""
        while True:
            key, k, pieces = self.outbox.get()
            for j, piece in enumerate(pieces):
                self._comm(self.peers[j], "receive").remote(key, self.index, k, piece)

    def _comm(self, handle, method: str):
        return getattr(handle, method).options(concurrency_group="comm")

    def run(self, pipe: int, rounds: list[tuple]) -> dict[str, Any]:
        """Train ``rounds`` one after another (each: :meth:`train_round`'s arguments, then
        the rows its merge takes), exchanging with the peers as the module says, and end
        with the last merge applied (:meth:`settle`). ``pipe`` names this run's messages.
        Returns ``{"stats": [each round's (loss, predictions, words)], "aborted": bool}``."""
        self.done = []
        key_prev, k_prev = None, 0
        for *args, k in rounds:
            if self.aborted == pipe:
                return {"stats": self.done, "aborted": True}
            self.done.append(self.train_round(*args))
            merged = self._await(key_prev, pipe) if key_prev is not None else []
            if merged is None:
                return {"stats": self.done, "aborted": True}
            key = (pipe, args[0])
            pieces = self.send(k_prev, merged, k)
            self.posted[key] = time.perf_counter()
            self.outbox.put((key, k, pieces))
            key_prev, k_prev = key, k
        if key_prev is not None:
            merged = self._await(key_prev, pipe)
            if merged is None:
                return {"stats": self.done, "aborted": True}
            self.settle(k_prev, merged)
        return {"stats": self.done, "aborted": False}

    def _await(self, key: tuple, pipe: int) -> list[dict] | None:
        """Every owner's merged rows for ``key``, once they are all here (None if aborted)."""
        with self.cond:
            while len(self.merges.get(key, ())) < self.nodes:
                if self.error is not None:
                    raise self.error
                if self.aborted == pipe:
                    return None
                self.cond.wait()
            box = self.merges.pop(key)
        merged = [box[j] for j in range(self.nodes)]
        self.last_merge = merged
        return merged

    def receive(self, key: tuple, sender: int, k: int, piece: dict) -> None:
        """A node's piece of the rows this node owns; with every node's, reduce them and
        send the merged rows to every node."""
        with self.cond:
            box = self.inbox.setdefault(key, {})
            box[sender] = piece
            if len(box) < self.nodes:
                return
            del self.inbox[key]
        try:
            out = self.reduce(k, [box[i] for i in range(self.nodes)])
        except Exception as exc:
            with self.cond:
                self.error = exc
                self.cond.notify_all()
            return
        import ray

        ref = ray.put(out)
        for peer in self.peers:
            self._comm(peer, "merged").remote(key, self.index, ref)

    def merged(self, key: tuple, owner: int, rows: dict) -> None:
        """An owner's merged rows for ``key``."""
        with self.cond:
            box = self.merges.setdefault(key, {})
            box[owner] = rows
            if len(box) == self.nodes and key in self.posted:
                self.latency.append(time.perf_counter() - self.posted.pop(key))
            self.cond.notify_all()

    def abort(self, pipe: int) -> None:
        """Stop the run ``pipe`` after the round in training (a peer was lost)."""
        with self.cond:
            self.aborted = pipe
            self.posted.clear()
            self.inbox.clear()
            self.merges.clear()
            self.cond.notify_all()

    def progress(self) -> list[tuple[float, int, int]]:
        """The results of the rounds the current run has trained so far."""
        return list(self.done)

    def catch_up(self, pieces: list[dict]) -> None:
        """Apply a merge this node missed because its owner died while sending it (the
        pieces come from a peer that got them all)."""
        sent_rows = max((a.shape[0] for a in self.sent.values()), default=0)
        self._apply(self.replica.merged_arrays(), sent_rows, pieces)

    def merge_applied_last(self) -> list[dict] | None:
        """The merge this node applied last (what a peer that missed it catches up with)."""
        return self.last_merge

    def snapshot(self) -> list[np.ndarray]:
        """The last merged weights (what a restarted peer starts again from)."""
        weights = [w.copy() for w in self.replica.weights()]
        for name, view in row_views(weights).items():
            view[...] = self.base[name]
        return weights

    def weights(self) -> list[np.ndarray]:
        """The replica's current weights."""
        return self.replica.weights()

    def report(self) -> dict[str, Any]:
        """Peak resident memory, bytes sent, the waits between two rounds' training and
        the exchanges' latencies (from posting a round's pieces to having its merge)."""
        return {"peak_rss": peak_rss(), "bytes_sent": self.bytes_sent + self.bytes_reduced,
                "stalls": list(self.stalls), "latency": list(self.latency)}  # fmt: skip
