"""Counting speed of raw text with and without normalisation (``normalize=``): the tokens per
second of ``Vocabulary.build`` (tokenise, normalise, hash) on the same file, each mode in
turn, over several rounds.

    xzcat ../shared/data/corpus/enwiki2015-part1.lines.txt.xz | head -c 30000000 > raw30.txt
    PYTHONPATH=src python benchmarks/normalize_speed.py raw30.txt --rounds 3
"""

from __future__ import annotations

import argparse
import os
import time

from w2v.corpus import Corpus
from w2v.normalize import NORMALIZE_MODES, normalize_text
from w2v.vocabulary import Vocabulary


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("path")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    size = os.path.getsize(args.path)
    for mode in NORMALIZE_MODES:
        normalize_text("warm", mode)  # the table and the compiled kernel, outside the timing
    Vocabulary.build(Corpus(args.path).blocks(), min_count=5)
    for r in range(args.rounds):
        for mode in (None, *NORMALIZE_MODES):
            load = os.getloadavg()[0]
            t0 = time.perf_counter()
            vocab = Vocabulary.build(Corpus(args.path, normalize=mode).blocks(), min_count=5)
            dt = time.perf_counter() - t0
            print(f"round {r + 1} normalize={mode}: {vocab.total_tokens:,} tokens, "
                  f"{len(vocab):,} words, {dt:.2f} s, {vocab.total_tokens / dt:,.0f} tokens/s, "
                  f"{size / dt / 1e6:.0f} MB/s, load {load:.2f}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
