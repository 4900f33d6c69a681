"""A training node: one Ray actor holding a full replica and reading its own shard.

The class is plain Python; :func:`w2v.distributed.driver.train` makes it a Ray actor with
``ray.remote`` (so importing w2v does not need Ray). The driver calls, in order: ``hello``
(version, process, shard readable), ``count`` (the shard's vocabulary), ``setup`` (merged
vocabulary and starting weights; the shard is encoded), then per round ``train_round`` and the
merge: ``scatter`` (each node cuts its deltas into one piece per owner), ``reduce`` (each
owner combines its piece from every node), ``gather`` (every node takes all combined pieces).
``scatter`` and ``reduce`` change nothing, so a merge that fails half way can be redone.
"""

from __future__ import annotations

import os
import resource
import socket
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
        self.bytes_sent = 0

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

    def peak_rss(self) -> int:
        """Peak resident memory of this node's process, in bytes."""
        return peak_rss()

    def train_round(
        self,
        stream: tuple[int, ...],
        first_chunk: int,
        chunks: list[int],
        lr_from: float,
        lr_to: float,
    ) -> tuple[float, int, int]:
        """Train the given chunks of this shard (the first being chunk ``first_chunk`` of the
        corpus); returns ``(loss sum, predictions, words)``."""
        weighted = self.merge == "weighted"
        loss, preds, words, occurrences = self.replica.train(
            self.encoded, chunks, stream, first_chunk, lr_from, lr_to, self.threads, weighted
        )
        if weighted:
            for name, c in self.replica.expected_updates(occurrences).items():
                self.updates[name] += c
        return loss, preds, words

    def scatter(self, k: int) -> tuple:
        """This node's deltas of the ``k`` most frequent rows, cut into one piece per owner:
        piece ``j`` maps each array's name to ``(delta rows, update counts or None)``."""
        arrays = self.replica.merged_arrays()
        rows = _rows({n: a.shape[0] for n, a in arrays.items()}, k)
        pieces = []
        for j in range(self.nodes):
            piece = {}
            for name, a in arrays.items():
                lo, hi = owner_bounds(rows[name], self.nodes)[j]
                delta = a[lo:hi] - self.base[name][lo:hi]
                counts = self.updates[name][lo:hi].copy() if self.merge == "weighted" else None
                piece[name] = (delta, counts)
                if j != self.index:
                    self.bytes_sent += delta.nbytes + (counts.nbytes if counts is not None else 0)
            pieces.append(piece)
        return tuple(pieces) if self.nodes > 1 else pieces[0]

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
        self.bytes_sent += sum(a.nbytes for a in out.values()) * (self.nodes - 1)
        return out

    def gather(self, k: int, *merged: dict[str, np.ndarray]) -> int:
        """Set the ``k`` most frequent rows to their merged values; returns the bytes this
        node has sent to others so far."""
        arrays = self.replica.merged_arrays()
        rows = _rows({n: a.shape[0] for n, a in arrays.items()}, k)
        for name, a in arrays.items():
            new = np.concatenate([m[name] for m in merged]) if merged else a[:0]
            a[: rows[name]] = new
            self.base[name][: rows[name]] = new
            self.updates[name][: rows[name]] = 0
        return self.bytes_sent

    def snapshot(self) -> list[np.ndarray]:
        """The last merged weights (what a restarted peer starts again from)."""
        weights = [w.copy() for w in self.replica.weights()]
        for name, view in row_views(weights).items():
            view[...] = self.base[name]
        return weights

    def weights(self) -> list[np.ndarray]:
        """The replica's current weights."""
        return self.replica.weights()
