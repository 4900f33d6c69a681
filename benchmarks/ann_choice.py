"""Which approximate-index library w2v wraps: faiss HNSW against usearch HNSW, same graph.

For each library: build time (both cores), index size, one-query latency (one thread, the way
the server asks), batched queries per second, and recall@10 against exact cosine neighbours,
at several search depths (``ef``). The vectors are read from a word2vec or native file
(trained vectors: recall on random vectors says little), or random when no file is given.

Run (a minute or two on 100k x 300):

    python benchmarks/ann_choice.py vectors.w2v [--queries 2000] [--m 16] [--ef-construction 100]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from w2v.formats import load_vectors


def exact_top(normed: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    scores = queries @ normed.T
    return np.argsort(-scores, axis=1, kind="stable")[:, 1 : k + 1]  # drop the word itself


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    return float(
        np.mean([len(set(f) & set(t)) / len(t) for f, t in zip(found, truth, strict=True)])
    )


def bench_faiss(normed, rows, truth, args):
    import faiss

    faiss.omp_set_num_threads(os.cpu_count() or 1)
    index = faiss.IndexHNSWFlat(normed.shape[1], args.m, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = args.ef_construction
    t0 = time.perf_counter()
    index.add(normed)
    build = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "i.faiss"
        faiss.write_index(index, str(path))
        size = path.stat().st_size
    out = []
    for ef in args.ef:
        index.hnsw.efSearch = ef
        faiss.omp_set_num_threads(1)
        q = normed[rows]
        t0 = time.perf_counter()
        for i in range(len(rows)):
            index.search(q[i : i + 1], 11)
        single = (time.perf_counter() - t0) / len(rows)
        faiss.omp_set_num_threads(os.cpu_count() or 1)
        t0 = time.perf_counter()
        _, found = index.search(q, 11)
        batch = len(rows) / (time.perf_counter() - t0)
        found = [[j for j in f if j != r][:10] for f, r in zip(found, rows, strict=True)]
        out.append((ef, single, batch, recall(np.asarray(found), truth)))
    return build, size, out


def bench_usearch(normed, rows, truth, args):
    from usearch.index import Index

    index = Index(
        ndim=normed.shape[1],
        metric="ip",
        dtype="f32",
        connectivity=args.m,
        expansion_add=args.ef_construction,
    )
    t0 = time.perf_counter()
    index.add(np.arange(len(normed)), normed)
    build = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "i.usearch"
        index.save(str(path))
        size = path.stat().st_size
    out = []
    for ef in args.ef:
        index.expansion_search = ef
        q = normed[rows]
        t0 = time.perf_counter()
        for i in range(len(rows)):
            index.search(q[i], 11, threads=1)
        single = (time.perf_counter() - t0) / len(rows)
        t0 = time.perf_counter()
        found = index.search(q, 11).keys
        batch = len(rows) / (time.perf_counter() - t0)
        found = [[j for j in f if j != r][:10] for f, r in zip(found, rows, strict=True)]
        out.append((ef, single, batch, recall(np.asarray(found), truth)))
    return build, size, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("vectors", nargs="?", type=Path)
    ap.add_argument("--words", type=int, default=100_000, help="random vectors when no file")
    ap.add_argument("--queries", type=int, default=2000)
    ap.add_argument("--m", type=int, default=16, help="graph degree (HNSW M)")
    ap.add_argument("--ef-construction", type=int, default=100)
    ap.add_argument("--ef", type=int, nargs="+", default=[32, 64, 128])
    args = ap.parse_args()
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.vectors:
        kv = load_vectors(args.vectors)
        normed = np.ascontiguousarray(kv.get_normed_vectors(), dtype=np.float32)
        name = args.vectors.name
    else:
        rng = np.random.default_rng(0)
        normed = rng.standard_normal((args.words, 300), dtype=np.float32)
        normed /= np.linalg.norm(normed, axis=1, keepdims=True)
        name = "random"
    rng = np.random.default_rng(1)
    # Queries from the whole vocabulary, frequent words more often, as in real use.
    rows = np.unique(np.minimum(rng.zipf(1.1, args.queries * 3), len(normed)) - 1)
    rows = np.concatenate([rows, rng.integers(0, len(normed), args.queries)])[: args.queries]
    truth = exact_top(normed, normed[rows], 10)
    print(f"{name}: {normed.shape[0]:,} x {normed.shape[1]}, {len(rows)} queries, M={args.m}, "
          f"ef_construction={args.ef_construction}")  # fmt: skip
    print(f"{'library':<10} {'build s':>8} {'MiB':>6} {'ef':>4} {'1 query ms':>11} "
          f"{'batch q/s':>10} {'recall@10':>10}")  # fmt: skip
    for lib, fn in (("faiss", bench_faiss), ("usearch", bench_usearch)):
        build, size, out = fn(normed, rows, truth, args)
        for ef, single, batch, rec in out:
            print(f"{lib:<10} {build:>8.1f} {size / 2**20:>6.0f} {ef:>4} {single * 1000:>11.3f} "
                  f"{batch:>10.0f} {rec:>10.4f}")  # fmt: skip
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
