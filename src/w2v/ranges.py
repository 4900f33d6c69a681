"""Byte ranges: a corpus's files cut into contiguous pieces that can be read independently.

The files (as :class:`w2v.corpus.Corpus` lists them) are seen one after the other. Range ``k``
of ``n`` starts near byte ``k/n`` of the whole, moved forward to just past a newline (or, in a
file with long lines such as text8's single line, past a space) so that no token is split. A
compressed file cannot be entered in the middle, so it belongs whole to the range in which it
starts. Every token is in exactly one range, and the ranges in order hold the corpus's tokens
in order: counted range by range and merged in range order, they give the vocabulary of one
counter over the whole corpus exactly.

The distributed shards (:mod:`w2v.distributed.shards`) and the counting threads of one process
(:mod:`w2v.vocab_pass`) are both cut here. Planning reads a few KiB around each cut.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from w2v.errors import CorpusError

COMPRESSED = (".gz", ".bz2", ".xz", ".lzma")
_WINDOW = 1 << 16  # bytes read at a time when looking for a cut
_PREFER_NEWLINE = 1 << 20  # look this far past a target for a line end before taking a space


@dataclass(frozen=True)
class Piece:
    """Bytes ``start:stop`` of one file (the whole decompressed text if ``compressed``)."""

    path: str
    start: int
    stop: int
    compressed: bool = False


def is_compressed(path: Path) -> bool:
    return path.suffix.lower() in COMPRESSED


def _is_space(b: int) -> bool:
    return b == 32 or 9 <= b <= 13


def cut_after(path: Path, offset: int, size: int) -> int:
    """The first token boundary at or after ``offset``: just past a newline within
    :data:`_PREFER_NEWLINE` bytes if there is one, else just past the first ASCII space."""
    with open(path, "rb") as f:
        f.seek(offset)
        first_space = -1
        pos = offset
        while pos < size:
            data = f.read(_WINDOW)
            if not data:
                break
            nl = data.find(b"\n")
            # (not the newline that ends the file: that would leave the next range empty)
            if nl >= 0 and pos + nl - offset < _PREFER_NEWLINE and pos + nl + 1 < size:
                return pos + nl + 1
            if first_space < 0:
                for i, b in enumerate(data):
                    if _is_space(b):
                        first_space = pos + i + 1
                        break
            pos += len(data)
            if first_space >= 0 and (nl >= 0 or pos - offset >= _PREFER_NEWLINE):
                return first_space  # no line end near: the first space (a newline is one)
    return first_space if first_space >= 0 else size


def file_sizes(files: list[Path]) -> list[int]:
    sizes = []
    for path in files:
        try:
            sizes.append(path.stat().st_size)
        except OSError as exc:
            raise CorpusError(f"{path}: cannot open corpus file: {exc.strerror}") from None
    return sizes


def plan_ranges(files: list[Path], n: int) -> list[tuple[Piece, ...]]:
    """Cut ``files`` (in order) into ``n`` ranges of about equal size on disk, each a tuple of
    pieces in corpus order. A range is empty when there are fewer cut points than ranges
    (e.g. one compressed file cut in two)."""
    sizes = file_sizes(files)
    ends = np.cumsum(sizes)
    total = int(ends[-1]) if sizes else 0
    cuts = [0]
    for k in range(1, n):
        target = k * total // n
        f = int(np.searchsorted(ends, target, side="right"))
        if f >= len(files):
            cuts.append(total)
            continue
        begin = int(ends[f]) - sizes[f]
        if is_compressed(files[f]):
            cut = begin if target - begin < int(ends[f]) - target else int(ends[f])
        else:
            cut = begin + cut_after(files[f], target - begin, sizes[f])
        cuts.append(max(cut, cuts[-1]))
    cuts.append(total)
    ranges = []
    for k in range(n):
        lo, hi = cuts[k], cuts[k + 1]
        pieces = []
        for path, size, end in zip(files, sizes, ends.tolist(), strict=True):
            begin = end - size
            a, b = max(lo, begin), min(hi, end)
            if a < b or (size == 0 and lo <= begin < hi):
                pieces.append(Piece(str(path), a - begin, b - begin, is_compressed(path)))
        ranges.append(tuple(pieces))
    return ranges
