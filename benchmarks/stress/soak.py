"""Soak test: long training on the real 70M-word corpus, watching memory and the loss.

Trains on the concatenation of the ``*.text8.txt.xz`` parts (about 17.5M words each) with
2 workers for several epochs while a thread samples the resident set size (RSS) every second.
Reports RSS after each epoch (it should be flat after the first: the corpus is encoded once to
a temporary file, weights are allocated once), the peak RSS, and whether the loss history is
all finite. A checkpoint can be taken along the way (``--checkpoint``) to time it.

``--long-line MB`` instead builds a one-line file of that many MB (no newline, text8-like) and
shows that counting and encoding it keeps peak RSS bounded (blocks of 4 MB, not the line).

Usage (the full CBOW soak took 4 minutes on 2 shared cores; ``--sg 1`` takes a few times longer)::

    PYTHONPATH=src python benchmarks/stress/soak.py                          # 4 parts, 5 epochs
    PYTHONPATH=src python benchmarks/stress/soak.py --max-files 1 --epochs 1 # a quick check
    PYTHONPATH=src python benchmarks/stress/soak.py --long-line 300          # bounded one-line RSS
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "corpus"  # beside the project root


def rss_mb() -> float:
    """Current resident set size of this process in MB (Linux /proc)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


class Sampler(threading.Thread):
    """Samples RSS every ``interval`` seconds until stopped."""

    def __init__(self, interval: float = 1.0) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.samples: list[tuple[float, float]] = []
        self.done = threading.Event()

    def run(self) -> None:
        t0 = time.perf_counter()
        while not self.done.is_set():
            self.samples.append((time.perf_counter() - t0, rss_mb()))
            self.done.wait(self.interval)

    def peak(self) -> float:
        return max(r for _, r in self.samples)


def corpus_dir(files: list[Path], tmp: Path) -> Path:
    """A directory of links to ``files``: a Corpus reads a directory in name order."""
    for i, f in enumerate(files):
        (tmp / f"{i:02d}-{f.name}").symlink_to(f.resolve())
    return tmp


def soak(args: argparse.Namespace) -> int:
    from w2v import Callback, Word2Vec

    data = Path(args.data)
    files = sorted(data.glob("*.text8.txt.xz")) if data.is_dir() else [data]
    files = files[: args.max_files]
    if not files:
        print(f"no *.text8.txt.xz files in {data}", file=sys.stderr)
        return 1
    epoch_rss: list[float] = []
    sampler = Sampler()

    class Report(Callback):
        def on_epoch_end(self, model, p) -> None:
            epoch_rss.append(rss_mb())
            print(f"epoch {p.epoch + 1}/{p.epochs}: loss {p.loss:.4f}, {p.words_per_sec:,.0f} "
                  f"words/s, RSS {epoch_rss[-1]:.0f} MB, {p.elapsed:.0f}s", flush=True)  # fmt: skip

        def on_checkpoint(self, model, path) -> None:
            print(f"checkpoint written to {path}", flush=True)

    print(f"soak: {len(files)} file(s), {args.epochs} epoch(s), {args.workers} workers; "
          f"RSS at start {rss_mb():.0f} MB", flush=True)  # fmt: skip
    sampler.start()
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="w2v-soak-") as tmp:
        source = corpus_dir(files, Path(tmp))
        model = Word2Vec(vector_size=args.vector_size, workers=args.workers, epochs=args.epochs,
                         sg=args.sg, min_count=5, sample=1e-4, seed=1)  # fmt: skip
        model.build_vocab(source)
        print(f"vocabulary: {len(model.vocab):,} words of {model.vocab.total_tokens:,} tokens, "
              f"{time.perf_counter() - t0:.0f}s, RSS {rss_mb():.0f} MB", flush=True)  # fmt: skip
        kw = {}
        if args.checkpoint:
            kw = {"checkpoint": args.checkpoint, "checkpoint_every": args.checkpoint_every}
        model.train(source, callbacks=[Report()], **kw)
    sampler.done.set()
    sampler.join()
    losses = model.loss_history
    finite = all(math.isfinite(x) for x in losses)
    after_first = epoch_rss[1:] or epoch_rss
    growth = max(after_first) - min(after_first)
    print(f"RSS after each epoch (MB): {', '.join(f'{r:.0f}' for r in epoch_rss)}")
    print(f"RSS spread after the first epoch: {growth:.0f} MB; peak RSS {sampler.peak():.0f} MB "
          f"(sampled), {peak_rss_mb():.0f} MB (getrusage)")  # fmt: skip
    print(f"loss history: {', '.join(f'{x:.4f}' for x in losses)}; all finite: {finite}")
    print(f"total time {time.perf_counter() - t0:.0f}s")
    return 0 if finite else 1


def long_line(args: argparse.Namespace) -> int:
    from w2v.corpus import Corpus, EncodedCorpus
    from w2v.vocabulary import Vocabulary

    words = [f"w{i}" for i in range(20_000)]
    unit = (" ".join(words) + " ").encode()
    target = args.long_line * 1_000_000
    with tempfile.TemporaryDirectory(prefix="w2v-long-line-") as tmp:
        path = Path(tmp) / "one-line.txt"
        with open(path, "wb") as f:
            written = 0
            while written < target:
                f.write(unit)
                written += len(unit)
        base = rss_mb()
        print(f"{path.stat().st_size / 1e6:.0f} MB on one line, no newline; RSS before "
              f"reading {base:.0f} MB, peak so far {peak_rss_mb():.0f} MB", flush=True)  # fmt: skip
        t = time.perf_counter()
        vocab = Vocabulary.build(Corpus(path).blocks(), min_count=1)
        took = time.perf_counter() - t
        print(f"counted {vocab.total_tokens:,} tokens ({len(vocab):,} words) in {took:.1f}s, "
              f"peak RSS {peak_rss_mb():.0f} MB", flush=True)  # fmt: skip
        t = time.perf_counter()
        with EncodedCorpus(Corpus(path), vocab) as enc:
            n = enc.n_words
        took = time.perf_counter() - t
        print(f"encoded {n:,} words in {took:.1f}s, peak RSS {peak_rss_mb():.0f} MB "
              f"(the file is {written / 2**20:.0f} MiB)")  # fmt: skip
    return 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--data", default=str(DEFAULT_DATA),
                   help="directory of *.text8.txt.xz parts, or one corpus file")  # fmt: skip
    p.add_argument("--max-files", type=int, default=4)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--vector-size", type=int, default=100)
    p.add_argument("--sg", type=int, default=0)
    p.add_argument("--checkpoint", help="also checkpoint to this file")
    p.add_argument("--checkpoint-every", type=float, default=600.0)
    p.add_argument("--long-line", type=int, metavar="MB",
                   help="instead: peak RSS reading a one-line file of MB")  # fmt: skip
    args = p.parse_args()
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    return long_line(args) if args.long_line else soak(args)


if __name__ == "__main__":
    sys.exit(main())
