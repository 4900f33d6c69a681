"""Time batched most_similar queries (default: 1,000 analogy-style queries, 100k words x 100 dims).

Usage: PYTHONPATH=src python benchmarks/queries.py [--words N] [--dim D] [--queries Q] [--topn K]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from w2v.keyed_vectors import KeyedVectors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--words", type=int, default=100_000)
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--topn", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(args.words)]
    kv = KeyedVectors(words, rng.standard_normal((args.words, args.dim)).astype(np.float32))
    picks = rng.integers(0, args.words, size=(args.queries, 3))
    positive = [[words[b], words[c]] for _, b, c in picks]
    negative = [[words[a]] for a, _, _ in picks]

    start = time.perf_counter()
    kv.fill_norms()
    print(f"fill_norms: {time.perf_counter() - start:.3f} s")
    kv.most_similar_batch(positive[:2], negative[:2], topn=args.topn)  # JIT warm-up
    for _ in range(args.repeat):
        start = time.perf_counter()
        kv.most_similar_batch(positive, negative, topn=args.topn)
        batched = time.perf_counter() - start
        print(
            f"most_similar_batch: {args.queries} queries x {args.words} words x {args.dim} dims "
            f"in {batched:.3f} s ({1e3 * batched / args.queries:.3f} ms/query)"
        )
    n_single = min(100, args.queries)
    start = time.perf_counter()
    for p, n in zip(positive[:n_single], negative[:n_single], strict=True):
        kv.most_similar(p, n, topn=args.topn)
    single = (time.perf_counter() - start) / n_single
    print(f"most_similar (one at a time): {1e3 * single:.3f} ms/query")


if __name__ == "__main__":
    main()
