"""Time reading and writing word2vec files (default: binary, 1M words x 300 dims, ~1.2 GB).

Usage: PYTHONPATH=src python benchmarks/read_vectors.py [--words N] [--dim D] [--dir DIR]
       [--text | --text-only] [--repeat R] [--gensim]
The file is written to --dir (default: the system temp directory) and removed afterwards.
Each format is written and read --repeat times; every time is printed (the machine may be
shared, so look at the spread, not one number). Beside each read, a plain ``f.read()`` of
the same file (the floor); with ``--gensim``, gensim 4.4 writes and reads the same vectors
in the same round, so the two compare under the same load.
"""

from __future__ import annotations

import argparse
import itertools
import os
import tempfile
import time

import numpy as np

from w2v.formats import load_word2vec_format, save_word2vec_format


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--dim", type=int, default=300)
    parser.add_argument("--dir", default=tempfile.gettempdir())
    parser.add_argument("--text", action="store_true", help="also time the text format")
    parser.add_argument("--text-only", action="store_true", help="time only the text format")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--gensim", action="store_true", help="time gensim on the same file")
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    words = [f"word{i}" for i in range(args.words)]
    vectors = rng.standard_normal((args.words, args.dim), dtype=np.float32)
    formats = [] if args.text_only else [("binary", True)]
    formats += [("text", False)] if args.text or args.text_only else []
    save_word2vec_format(os.path.join(args.dir, f"w2v-warm-{os.getpid()}"), words[:2], vectors[:2])
    os.remove(os.path.join(args.dir, f"w2v-warm-{os.getpid()}"))  # JIT warm-up
    for (name, binary), _ in itertools.product(formats, range(args.repeat)):
        path = os.path.join(args.dir, f"w2v-bench-{os.getpid()}.{name}")
        try:
            start = time.perf_counter()
            save_word2vec_format(path, words, vectors, binary=binary)
            write = time.perf_counter() - start
            size = os.path.getsize(path) / 1e6
            load_word2vec_format(path, binary=binary, limit=10)  # JIT warm-up
            start = time.perf_counter()
            got_words, got = load_word2vec_format(path, binary=binary)
            read = time.perf_counter() - start
            assert got_words == words and np.array_equal(got, vectors)
            start = time.perf_counter()
            with open(path, "rb") as f:
                f.read()
            plain = time.perf_counter() - start
            print(
                f"{name}: {args.words} x {args.dim}, {size:.0f} MB: "
                f"write {write:.2f} s ({size / write:.0f} MB/s), "
                f"read {read:.2f} s ({size / read:.0f} MB/s, file in page cache; "
                f"f.read() {plain:.2f} s)"
            )
            if args.gensim:
                gensim_round(path, binary, words, vectors, name)
        finally:
            if os.path.exists(path):
                os.remove(path)


def gensim_round(path: str, binary: bool, words: list[str], vectors: np.ndarray, name: str) -> None:
    """gensim 4.4 writing and reading the same vectors (the file at ``path`` is replaced)."""
    from gensim.models import KeyedVectors

    kv = KeyedVectors(vectors.shape[1])
    kv.add_vectors(words, vectors)
    start = time.perf_counter()
    kv.save_word2vec_format(path, binary=binary)
    write = time.perf_counter() - start
    size = os.path.getsize(path) / 1e6  # binary: no newline after each vector
    start = time.perf_counter()
    got = KeyedVectors.load_word2vec_format(path, binary=binary)
    read = time.perf_counter() - start
    assert got.index_to_key == words and np.array_equal(got.vectors, vectors)
    print(
        f"{name} (gensim): write {write:.2f} s ({size / write:.0f} MB/s), "
        f"read {read:.2f} s ({size / read:.0f} MB/s)"
    )


if __name__ == "__main__":
    main()
