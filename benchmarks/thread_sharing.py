"""Where the 2-worker slowdown per word comes from: the machine, or two threads sharing a model.

Trains one epoch on the first ``--max-words`` words of the corpus (re-cut into lines of 1,000
words, as ``bench_train.py`` does) in three setups per round, and prints the CPU seconds of
each training:

* one process with 1 worker, alone;
* two such processes at once (two cores busy, nothing shared);
* one process with 2 workers (two cores busy, one model shared, Hogwild).

If the two separate processes cost what one costs alone but the 2-worker process costs more,
the extra CPU is the threads sharing the weights, not neighbours or the memory system.

    PYTHONPATH=src python benchmarks/thread_sharing.py --config cbow-hs --rounds 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench_train import COMMON, CONFIGS, DEFAULT_CORPUS, DEFAULT_WORKDIR, prepare_corpus


def child(path: str, config: str, workers: int) -> None:
    """Train one epoch and print its CPU and wall seconds as JSON."""
    from w2v import Word2Vec

    sg, hs, negative = CONFIGS[config]
    model = Word2Vec(**COMMON, sg=sg, hs=hs, negative=negative, workers=workers, epochs=1, seed=1)
    model.build_vocab(path)
    c0, t0 = time.process_time(), time.perf_counter()
    model.train(path)
    print(json.dumps({"cpu": time.process_time() - c0, "wall": time.perf_counter() - t0}))


def launch(path: str, config: str, workers: int) -> subprocess.Popen:
    """Start a training child without waiting for it."""
    cmd = [sys.executable, __file__, "--child", path, "--config", config, "--workers", str(workers)]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)


def cpu_seconds(procs: list[subprocess.Popen]) -> list[float]:
    """Wait for the children and return the CPU seconds each one's training took."""
    out = []
    for p in procs:
        stdout, _ = p.communicate()
        if p.returncode:
            raise SystemExit(f"a training child failed (exit {p.returncode})")
        out.append(json.loads(stdout.strip().splitlines()[-1])["cpu"])
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=Path(DEFAULT_CORPUS))
    ap.add_argument("--max-words", type=int, default=4_200_000)
    ap.add_argument("--config", choices=list(CONFIGS), default="cbow-hs")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--workers", type=int, default=1, help=argparse.SUPPRESS)
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.config, args.workers)
        return
    path = prepare_corpus(args.corpus, args.max_words, DEFAULT_WORKDIR)["path"]
    cpu_seconds([launch(path, args.config, 1)])  # numba's cache, and the page cache, warm
    rows = {"1 worker, alone": [], "two 1-worker processes at once": [], "2 workers": []}
    for _ in range(args.rounds):
        rows["1 worker, alone"] += cpu_seconds([launch(path, args.config, 1)])
        pair = [launch(path, args.config, 1), launch(path, args.config, 1)]
        rows["two 1-worker processes at once"] += cpu_seconds(pair)
        rows["2 workers"] += cpu_seconds([launch(path, args.config, 2)])
    print(f"\n{args.config}, 1 epoch of {args.max_words:,} words: CPU seconds of each training\n")
    print("| setup | runs | median |\n|---|---|---|")
    for name, vals in rows.items():
        runs = ", ".join(f"{v:.2f}" for v in vals)
        print(f"| {name} | {runs} | {statistics.median(vals):.2f} |")


if __name__ == "__main__":
    main()
