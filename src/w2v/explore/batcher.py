"""Neighbour queries from concurrent requests answered together, behind a bounded queue.

Each request's queries (unit query vectors with what to leave out) join one queue; a single
worker thread takes everything queued when it is free (at most ``max_rows`` queries) and
answers it with one search call: one matrix product and a batched top-k in exact mode, one
batched graph search with the approximate index. While it computes, new requests queue, so
the batch grows with the load and the cost of a pass over the vectors is shared instead of
paid per request. A request's answer does not depend on its companions (see
:mod:`w2v.exact_search`; the approximate search is grouped so that it does not either).

The queue is bounded: a request that would overfill it, or that has waited longer than
``max_wait`` seconds when its turn comes, fails at once with :class:`Overloaded` (HTTP 503)
rather than making every later request wait longer.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from w2v.errors import W2VError

__all__ = ["Batcher", "Job", "Overloaded"]


class Overloaded(W2VError):
    """The server has more queries waiting than it accepts (HTTP 503: try again shortly)."""


@dataclass(eq=False)
class Job:
    """One query: unit vector, how many neighbours, word rows left out, rows ``[lo, hi)``."""

    query: np.ndarray
    k: int
    exclude: Sequence[int]
    lo: int
    hi: int
    result: tuple[np.ndarray, np.ndarray] | None = None
    error: BaseException | None = None
    queued: float = field(default_factory=time.monotonic)


#: Answers a group of jobs sharing one key: (vectors, k, excludes, lo, hi) -> per-job results.
Search = Callable[[np.ndarray, int, list[Sequence[int]], int, int], list[Any]]


class Batcher:
    """Answer :class:`Job` lists from many threads with batched searches on one worker thread.

    Parameters
    ----------
    search : callable
        ``search(queries, k, excludes, lo, hi)``: the answers of a group of jobs with the same
        ``[lo, hi)`` (and the same `k` and exclusion count when `exact_k` is False).
    max_queue : int
        Most queries waiting at once; more fail with :class:`Overloaded`.
    max_rows : int
        Most queries answered by one search call.
    max_wait : float
        Seconds a query may wait for its turn before failing with :class:`Overloaded`.
    exact_k : bool
        True when the search's answers for ``k`` are the first ``k`` of its answers for any
        larger ``k`` (exact search): jobs with different ``k`` then share a call.
    """

    def __init__(
        self,
        search: Search,
        max_queue: int = 1024,
        max_rows: int = 256,
        max_wait: float = 2.0,
        exact_k: bool = True,
    ) -> None:
        self._search = search
        self.max_queue = max_queue
        self.max_rows = max_rows
        self.max_wait = max_wait
        self._exact_k = exact_k
        self._queue: deque[tuple[Job, threading.Event]] = deque()
        self._lock = threading.Condition()
        self._worker: threading.Thread | None = None
        self._closed = False
        #: Search calls made and queries they answered (for /api/info and the benchmark).
        self.searches = 0
        self.queries = 0

    def run(self, jobs: Sequence[Job]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Queue `jobs`, wait for their answers and return them in order.

        Raises
        ------
        Overloaded
            If the queue cannot take them, or they waited more than ``max_wait`` seconds.
        """
        done = threading.Event()
        with self._lock:
            if self._closed:
                raise Overloaded("the server is shutting down")
            if len(self._queue) + len(jobs) > self.max_queue:
                raise Overloaded(
                    f"{len(self._queue)} queries already waiting (at most {self.max_queue}): "
                    "the server is overloaded, retry shortly"
                )
            event = _Countdown(len(jobs), done)
            for job in jobs:
                self._queue.append((job, event))
            if self._worker is None:
                self._worker = threading.Thread(target=self._work, name="w2v-batcher", daemon=True)
                self._worker.start()
            self._lock.notify()
        done.wait()
        for job in jobs:
            if job.error is not None:
                raise job.error
        return [job.result for job in jobs]  # type: ignore[misc]

    def close(self) -> None:
        """Stop the worker once the queue is empty."""
        with self._lock:
            self._closed = True
            self._lock.notify()

    # ------------------------------------------------------------------ worker

    def _work(self) -> None:
        while True:
            with self._lock:
                while not self._queue and not self._closed:
                    self._lock.wait()
                if not self._queue:
                    return
                taken = [self._queue.popleft() for _ in range(min(self.max_rows, len(self._queue)))]
            now = time.monotonic()
            ready = []
            for job, event in taken:
                waited = now - job.queued
                if waited > self.max_wait:
                    job.error = Overloaded(
                        f"the query waited {waited:.1f} s for its turn (at most "
                        f"{self.max_wait:g} s): the server is overloaded, retry shortly"
                    )
                    event.tick()
                else:
                    ready.append((job, event))
            groups: dict[Hashable, list[tuple[Job, _Countdown]]] = {}
            for job, event in ready:
                key: Hashable = (job.lo, job.hi)
                if not self._exact_k:  # graph search: the same k and exclusions per call
                    key = (job.lo, job.hi, job.k, len(job.exclude))
                groups.setdefault(key, []).append((job, event))
            for members in groups.values():
                self._answer(members)

    def _answer(self, members: list[tuple[Job, _Countdown]]) -> None:
        jobs = [job for job, _ in members]
        k = max(job.k for job in jobs)
        try:
            self.searches += 1
            self.queries += len(jobs)
            answers = self._search(
                np.stack([job.query for job in jobs]),
                k,
                [job.exclude for job in jobs],
                jobs[0].lo,
                jobs[0].hi,
            )
            for job, (idx, val) in zip(jobs, answers, strict=True):
                job.result = (idx[: job.k], val[: job.k])
        except BaseException as exc:  # the requests get the error; the worker lives on
            for job in jobs:
                job.error = exc
        for _, event in members:
            event.tick()


class _Countdown:
    """Sets `done` when `n` jobs have been answered."""

    def __init__(self, n: int, done: threading.Event) -> None:
        self._n = n
        self._done = done
        self._lock = threading.Lock()
        if n == 0:
            done.set()

    def tick(self) -> None:
        with self._lock:
            self._n -= 1
            if self._n == 0:
                self._done.set()
