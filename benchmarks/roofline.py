"""How close each training configuration runs to the core's arithmetic peak.

Reads the raw JSON of ``benchmarks/bench_train.py`` (words/s and CPU seconds per run), counts
the useful multiply-adds and the row bytes one corpus word costs in each configuration from
the model itself (vocabulary counts, subsampling, Huffman path lengths, negatives, dimension)
and prints, per configuration and system:

- useful multiply-adds per corpus word and per CPU second (GFMA/s per busy core) and the
  fraction of the core's FMA peak that is;
- bytes of weight rows read and written per corpus word and the resulting GB/s per core,
  against a copy bandwidth measured here (a 256 MiB numpy copy on one core).

Run (after a bench_train run with ``--json``; this takes a few seconds):

    PYTHONPATH=src python benchmarks/roofline.py RUN.json [RUN2.json ...]
        [--fma-per-cycle 16] [--ghz 2.45]

Counting (expected values over the corpus; ``c`` count, ``p`` keep probability of a word,
``L`` its Huffman path length, ``K`` negatives, ``d`` dimension, ``W`` window):

- a kept centre has ``W + 1`` context words on average (shrinking windows draw the reach
  uniformly from 1 to ``W``; sentence edges, ~1% on 1,000-word lines, are ignored);
- skip-gram: each context row predicts the centre: ``ctx * m * 3d`` multiply-adds (score,
  input gradient, output update) with ``m = L(centre)`` (HS) or ``K + 1`` (NS), plus ``ctx * d``
  for the input updates;
- CBOW: the mean of the context rows (``ctx * d`` adds), ``m * 3d`` for the one hidden vector,
  ``ctx * d`` for the input updates;
- row bytes: every input row read and written (8d bytes), every output row read and written.
  Rows of the tree's top stay in cache, so for HS this overstates the memory traffic; it is
  the traffic a cache-less core would need.

The peak is ``--fma-per-cycle`` x ``--ghz``: AMD Zen 3 (this machine: EPYC, family 25, AVX2,
no AVX-512) has two 256-bit FMA pipes, 16 float32 multiply-adds per cycle.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from w2v.huffman import HuffmanTree
from w2v.sampler import keep_probabilities
from w2v.word2vec import Word2Vec

CONFIGS = {"sg-ns": (1, 0, 5), "cbow-ns": (0, 0, 5), "sg-hs": (1, 1, 0), "cbow-hs": (0, 1, 0)}


def per_word_costs(
    counts: np.ndarray, raw_words: int, dim: int, window: int, sample: float
) -> tuple[dict[str, tuple[float, float]], float, float]:
    """Useful multiply-adds and row bytes per corpus word, for each configuration, with the
    kept centres per corpus word and the mean path length of a kept word they come from."""
    keep = keep_probabilities(counts, sample).astype(np.float64)
    kept = counts * keep  # expected kept occurrences of each word
    lengths = HuffmanTree(counts).lengths.astype(np.float64)
    ctx = window + 1.0
    centres = kept.sum() / raw_words  # kept centres per corpus word
    mean_path = float((kept * lengths).sum() / kept.sum())
    out = {}
    for name, (sg, hs, negative) in CONFIGS.items():
        m = mean_path if hs else negative + 1.0
        if sg:
            fma = ctx * (m * 3 * dim + dim)
            rows = ctx * (1 + m)  # every block: its inputs and its output rows
        else:
            fma = ctx * dim + m * 3 * dim + ctx * dim
            rows = ctx + m
        out[name] = (centres * fma, centres * rows * 8 * dim)
    return out, centres, mean_path


def copy_bandwidth(mib: int = 256, repeat: int = 5) -> float:
    """Bytes per second of a large numpy copy on one core (read + write counted)."""
    src = np.ones(mib << 18, dtype=np.float32)
    dst = np.empty_like(src)
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        np.copyto(dst, src)
        best = min(best, time.perf_counter() - t0)
    return 2 * src.nbytes / best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("runs", nargs="+", type=Path, help="bench_train.py --json outputs")
    ap.add_argument("--fma-per-cycle", type=float, default=16.0)
    ap.add_argument("--ghz", type=float, default=2.45, help="core clock (BogoMIPS / 2 here)")
    args = ap.parse_args(argv)
    peak = args.fma_per_cycle * args.ghz * 1e9
    bandwidth = copy_bandwidth()
    print(f"peak {peak / 1e9:.1f} GFMA/s per core; copy bandwidth {bandwidth / 1e9:.1f} GB/s")
    for run_path in args.runs:
        run = json.loads(run_path.read_text())
        settings = run["settings"]
        corpus = run["corpus"]
        model = Word2Vec(min_count=settings["min_count"], sample=settings["sample"], epochs=1)
        model.build_vocab(corpus["path"])
        counts = np.asarray(model.vocab.counts, dtype=np.float64)
        costs, centres, mean_path = per_word_costs(
            counts, corpus["words"], settings["vector_size"], settings["window"], settings["sample"]
        )
        print(
            f"\n{run_path.name}: {corpus['words']:,} words, kept centres per word {centres:.3f},"
            f" mean path of a kept word {mean_path:.2f}\n"
        )
        print(
            "| config | workers | system | FMA per word | GFMA/s per core | of peak "
            "| row bytes per word | GB/s per core |"
        )
        print("|---|---|---|---|---|---|---|---|")
        for config, by_workers in run["throughput"].items():
            fma, nbytes = costs[config]
            for workers, by_system in by_workers.items():
                for system, cells in by_system.items():
                    # CPU time per word: busy cores, whatever the worker count
                    cpu = [c["train_cpu_seconds"] for c in cells if c.get("train_cpu_seconds")]
                    if not cpu:
                        continue
                    words = corpus["words"] * cells[0].get("epochs", settings.get("epochs", 1))
                    per_core = words / statistics.median(cpu)  # words per CPU second
                    rate = fma * per_core
                    print(
                        f"| {config} | {workers} | {system} | {fma:,.0f} | {rate / 1e9:.2f}"
                        f" | {rate / peak:.1%} | {nbytes:,.0f} | {nbytes * per_core / 1e9:.2f} |"
                    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
