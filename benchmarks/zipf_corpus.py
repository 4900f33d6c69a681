"""A seeded synthetic corpus with millions of distinct tokens: words drawn from a Zipf law.

Token ``k`` of a ``types``-word vocabulary is drawn with probability proportional to
``1 / k**exponent``; word ``k`` is spelled as a bijective base-26 numeral of a seeded
permutation of ``k`` (lowercase ``a-z``), so spelling says nothing about frequency. Lines hold
``line_tokens`` tokens. The same arguments always write the same bytes.

    python benchmarks/zipf_corpus.py OUT.txt --tokens 60000000 --types 20000000 --exponent 1.0
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

PIECE = 1 << 20  # tokens drawn at a time


def spell(ids: np.ndarray) -> np.ndarray:
    """Bijective base-26 spelling of each id (0 -> "a", 25 -> "z", 26 -> "aa", ...) as a
    fixed-width bytes array (shorter words are padded with NUL, which numpy strips)."""
    width = 1
    limit = 26
    while limit <= int(ids.max(initial=0)):
        width += 1
        limit = limit * 26 + 26
    letters = np.zeros((ids.shape[0], width), dtype=np.uint8)
    rest = ids.astype(np.int64) + 1
    col = width - 1
    while np.any(rest > 0):
        live = rest > 0
        digit = (rest - 1) % 26
        letters[live, col] = (ord("a") + digit[live]).astype(np.uint8)
        rest = np.where(live, (rest - 1) // 26, 0)
        col -= 1
    # right-aligned digits: move each word to the left so NUL padding trails
    out = np.zeros_like(letters)
    lengths = np.count_nonzero(letters, axis=1)
    for n in np.unique(lengths):
        rows = lengths == n
        out[rows, :n] = letters[rows, width - n :]
    return out.view(f"S{width}").ravel()


def write_corpus(
    path: Path, tokens: int, types: int, exponent: float, line_tokens: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    cdf = np.cumsum(1.0 / np.arange(1, types + 1, dtype=np.float64) ** exponent)
    cdf /= cdf[-1]
    spelling = spell(rng.permutation(types))
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "wb") as out:
        done = 0
        while done < tokens:
            n = min(PIECE, tokens - done)
            ranks = np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), types - 1)
            words = spelling[ranks].tolist()
            lines = [b" ".join(words[i : i + line_tokens]) for i in range(0, n, line_tokens)]
            out.write(b"\n".join(lines) + b"\n")
            done += n
    os.replace(tmp, path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--tokens", type=int, default=60_000_000)
    ap.add_argument("--types", type=int, default=20_000_000)
    ap.add_argument("--exponent", type=float, default=1.0)
    ap.add_argument("--line-tokens", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    write_corpus(a.out, a.tokens, a.types, a.exponent, a.line_tokens, a.seed)


if __name__ == "__main__":
    main()
