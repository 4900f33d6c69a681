"""A training node: one Ray actor holding a full replica and reading its own shard.

The class is plain Python; :func:`w2v.distributed.driver.train` makes it a Ray actor with
``ray.remote`` (so importing w2v does not need Ray), or steps several in one process
(``virtual=True``). The driver calls, in order: ``hello`` (version, process, shard readable),
``count`` (the shard's vocabulary), ``setup`` (merged vocabulary and starting weights; the shard
is encoded), then per round ``train_round`` and ``exchange``: ``exchange`` applies the merge of
the round before (if any) and cuts this round's deltas into one piece per owner; each owner's
``reduce`` (in the actor's ``comm`` thread, while the next round trains) combines its piece from
every node; the next ``exchange`` applies what the owners returned. ``settle`` applies a merge
without sending anything (the end of an epoch). ``reduce`` changes nothing, so a merge whose
owner died can be redone.
"""

from __future__ import annotations

import os
import resource
import socket
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from w2v.distributed.counting import ShardCounts, count_shard
from w2v.distributed.merge import CAP, merge_rows, owner_bounds
from w2v.distributed.replica import Replica, row_views
from w2v.distributed.shards import Shard, ShardCorpus, check_readable
from w2v.errors import TrainingError
from w2v.vocabulary import Vocabulary


def peak_rss() -> int:
    """Peak resident memory of this process in bytes: VmHWM, which (unlike getrusage's
    ru_maxrss) does not include the process this one was exec'd from."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


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
    ) -> None:
        self.index = index
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
        # this node's deltas in flight: sent by the last exchange, not yet merged back
        self.sent: dict[str, np.ndarray] = {}
        self.bytes_sent = 0
        self.bytes_reduced = 0  # counted apart: reduce runs in another thread
        self.idle_since: float | None = None
        self.stalls: list[float] = []

    def hello(self) -> dict[str, Any]:
        """Version, process id and host of this node; fails if its shard is unreadable."""
        from w2v.version import __version__

        check_readable(self.shard)
        return {"version": __version__, "pid": os.getpid(), "host": socket.gethostname()}

    def count(self) -> ShardCounts:
        corpus = ShardCorpus(self.shard, self.params.get("unicode_errors", "replace"))
        return count_shard(corpus, self.params.get("max_vocab_size"))

    def setup(self, vocab: tuple, weights: list[np.ndarray]) -> np.ndarray:
        """Take the vocabulary ``(words, counts, total_tokens)`` and the merged weights, and
        encode the shard; returns the known words before each chunk (and the total)."""
        self.replica = Replica(self.params, Vocabulary(*vocab), weights)
        self.base = {n: a.copy() for n, a in self.replica.merged_arrays().items()}
        self.updates = {n: np.zeros(a.shape[0], np.float32) for n, a in self.base.items()}
        self.sent = {}
        self.idle_since = None
        if self.encoded is None:
            corpus = ShardCorpus(self.shard, self.params.get("unicode_errors", "replace"))
            self.encoded = self.replica.encode(corpus, self.sync_words)
        return self.encoded.chunk_words

    def pid(self) -> int:
        return os.getpid()

    def peak_rss(self) -> int:
        """Peak resident memory of this node's process, in bytes."""
        return peak_rss()

    def train_round(
        self,
        _after: Any,
        stream: tuple[int, ...],
        first_chunk: int,
        chunks: list[int],
        lr_from: float,
        lr_to: float,
    ) -> tuple[float, int, int]:
        """Train the given chunks of this shard (the first being chunk ``first_chunk`` of the
        corpus); returns ``(loss sum, predictions, words)``. ``_after`` is the result of this
        node's previous call, passed only so that Ray runs the calls in order."""
        if self.idle_since is not None:
            self.stalls.append(time.perf_counter() - self.idle_since)
        weighted = self.merge == "weighted"
        loss, preds, words, occurrences = self.replica.train(
            self.encoded, chunks, stream, first_chunk, lr_from, lr_to, self.threads, weighted
        )
        if weighted:
            for name, c in self.replica.expected_updates(occurrences).items():
                self.updates[name] += c
        self.idle_since = time.perf_counter()
        return loss, preds, words

    def exchange(self, _after: Any, k_prev: int, k: int, *merged: dict) -> tuple:
        """Apply the merge of the ``k_prev`` rows this node sent last (``merged``: every
        owner's new values, or nothing), then send this node's deltas of the ``k`` most
        frequent rows: returns one piece per owner (each array's name to ``(delta rows,
        update counts or None)``) and, last, a token for ordering the next call.

        A row's merged value was computed from the deltas sent, while training went on: the
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
        return (*pieces, len(pieces))

    def settle(self, _after: Any, k_prev: int, *merged: dict) -> int:
        """Apply the merge of the rows sent last and send nothing: afterwards every replica
        holds the merged values of those rows. Called right after an exchange, with no
        training between, so the rows take the merged values exactly (a checkpoint of the
        merged weights resumes bit for bit). Returns the bytes sent to others so far."""
        self._apply(self.replica.merged_arrays(), k_prev, merged, exact=True)
        self.sent = {}
        if self.idle_since is not None:
            self.stalls.append(time.perf_counter() - self.idle_since)
            self.idle_since = None
        return self.bytes_sent + self.bytes_reduced

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

    def reduce(self, k: int, *pieces: dict) -> dict[str, np.ndarray]:
        """Combine every node's piece of the rows this node owns; returns their new values."""
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
        """Peak resident memory, bytes sent and the waits between two rounds' training."""
        return {"peak_rss": peak_rss(), "bytes_sent": self.bytes_sent + self.bytes_reduced,
                "stalls": list(self.stalls)}  # fmt: skip
