"""Measure phrase detection speed (words/sec) on a slice of the shared English corpus.

Usage::

    PYTHONPATH=src python benchmarks/phrases_speed.py [--words 5000000] [--corpus PATH] [--gensim]

Reports three numbers on one core (words per second of CPU time, which stays meaningful on a
shared machine, and of wall-clock time in brackets): counting unigrams + bigrams over in-memory
blocks, rewriting (joining the phrases found), and the whole ``Phrases.fit`` +
``save_corpus`` from a plain text file on disk. A first small run compiles the numba code
so it is not timed. ``--gensim`` also times gensim 4.4's ``Phrases`` (same ``min_count=5``,
``threshold=100``, default scoring) learning from and rewriting the same words, re-cut into
lines of 1,000 words as for w2v, in the same process.
"""

from __future__ import annotations

import argparse
import lzma
import tempfile
import time
from pathlib import Path

from w2v.corpus import Corpus
from w2v.phrases import Phrases, count_ngrams

# ../shared/data beside the project root
ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = str(ROOT.parent / "shared" / "data" / "corpus" / "enwiki2015-part1.text8.txt.xz")


def read_slice(path: str, n_words: int) -> bytes:
    """The first ``n_words`` words of a text8-style file, in lines of 1,000 words (as bytes).

    Both systems read these lines, so neither is measured on a line the other never sees.
    """
    n_bytes = n_words * 7  # text8 words average a little under 6 letters plus a space
    with lzma.open(path, "rb") if path.endswith(".xz") else open(path, "rb") as f:
        data = f.read(n_bytes)
    words = data.split()[:n_words]
    return b"".join(b" ".join(words[i : i + 1000]) + b"\n" for i in range(0, len(words), 1000))


class Timer:
    """Wall-clock and CPU seconds of a ``with`` block."""

    def __enter__(self) -> Timer:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu

    def rate(self, n: int) -> str:
        return f"{n / self.cpu / 1e6:6.2f} M words/s ({n / self.wall / 1e6:.2f} wall)"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=DEFAULT_CORPUS)
    ap.add_argument("--words", type=int, default=5_000_000)
    ap.add_argument("--gensim", action="store_true", help="time gensim's Phrases on the same words")
    args = ap.parse_args()

    data = read_slice(args.corpus, args.words)
    n = len(data.split())
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "slice.txt"
        src.write_bytes(data)
        warm = Path(tmp) / "warm.txt"
        warm.write_bytes(data[:100_000] + b"\n")
        Phrases(warm, min_count=1, threshold=1).save_corpus(Path(tmp) / "warm.out")

        blocks = list(Corpus(src).blocks())  # in memory: time the compiled code, not the disk
        with Timer() as t:
            counts = count_ngrams(blocks)
        print(f"{n:,} words; {counts.words.n_words:,} distinct words, {counts.n_pairs:,} bigrams")
        print(f"count (unigrams + bigrams):  {t.rate(n)}")

        phrases = Phrases(src, min_count=5, threshold=100)
        with Timer() as t:
            out = sum(b.shape[0] for b in phrases.transform_blocks())
        print(f"rewrite ({len(phrases.export_phrases()):,} phrases): {t.rate(n)}, {out:,} bytes")

        with Timer() as t:
            phrases = Phrases(src, min_count=5, threshold=100)
            phrases.save_corpus(Path(tmp) / "out.txt")
        print(f"fit + save_corpus from disk: {t.rate(n)}")
    if args.gensim:
        gensim_phrases(data, n)


def gensim_phrases(data: bytes, n: int) -> None:
    """gensim's Phrases on the same lines, already in memory (as w2v's count is)."""
    from gensim.models.phrases import Phrases as GensimPhrases

    lines = [line.decode().split() for line in data.splitlines()]
    with Timer() as t:
        model = GensimPhrases(lines, min_count=5, threshold=100)
    print(f"gensim count (fit):           {t.rate(n)}")
    frozen = model.freeze()
    with Timer() as t:
        out = sum(len(s) for s in frozen[lines])
    found = len(frozen.phrasegrams)
    print(f"gensim rewrite ({found:,} phrases): {t.rate(n)}, {out:,} tokens")


if __name__ == "__main__":
    main()
