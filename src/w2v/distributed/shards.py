"""Shards: a corpus cut into contiguous byte ranges that each node reads itself.

The corpus (a file or a directory of files, as :class:`w2v.corpus.Corpus` lists them) is seen
as its files one after the other. Shard ``k`` of ``n`` starts near byte ``k/n`` of the whole,
moved forward to just past a newline (or, in a file with long lines such as text8's single
line, past a space) so that no token is split. A compressed file cannot be entered in the
middle, so it belongs whole to the shard in which it starts. Every token is in exactly one
shard, and the shards in order hold the corpus's tokens in order: counted shard by shard and
merged in shard order, they give the single-process vocabulary exactly.

Planning reads a few KiB around each cut; the text itself is read only by the node that owns
the shard, from a path every node sees.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from w2v.corpus import BLOCK_BYTES, UNICODE_ERRORS, Corpus, InvalidText, clean_utf8, open_binary
from w2v.errors import CorpusError, ParameterError
from w2v.normalize import check_mode, normalize_block
from w2v.tokenizer import last_cut

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


@dataclass(frozen=True)
class Shard:
    """What one node reads: pieces of files, in corpus order."""

    index: int
    pieces: tuple[Piece, ...]

    @property
    def nbytes(self) -> int:
        return sum(p.stop - p.start for p in self.pieces)

    def __str__(self) -> str:
        where = ", ".join(f"{p.path}[{p.start}:{p.stop}]" for p in self.pieces[:3])
        more = f" and {len(self.pieces) - 3} more" if len(self.pieces) > 3 else ""
        return f"shard {self.index} ({where}{more})"


def _is_space(b: int) -> bool:
    return b == 32 or 9 <= b <= 13


def _cut_after(path: Path, offset: int, size: int) -> int:
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
            # (not the newline that ends the file: that would leave the next shard empty)
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


def plan_shards(source: str | os.PathLike, n: int) -> list[Shard]:
    """Cut the corpus at ``source`` into ``n`` shards of about equal size.

    Raises
    ------
    CorpusError
        If ``source`` cannot be read.
    ParameterError
        If a shard would be empty (fewer cut points than nodes: e.g. one compressed file).
    """
    if not isinstance(source, (str, os.PathLike)):
        raise ParameterError("distributed training needs a corpus path (a file or directory)")
    files = Corpus(source).files
    sizes = []
    for path in files:
        try:
            sizes.append(path.stat().st_size)
        except OSError as exc:
            raise CorpusError(f"{path}: cannot open corpus file: {exc.strerror}") from None
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
        if files[f].suffix.lower() in COMPRESSED:
            cut = begin if target - begin < int(ends[f]) - target else int(ends[f])
        else:
            cut = begin + _cut_after(files[f], target - begin, sizes[f])
        cuts.append(max(cut, cuts[-1]))
    cuts.append(total)
    shards = []
    for k in range(n):
        lo, hi = cuts[k], cuts[k + 1]
        pieces = []
        for path, size, end in zip(files, sizes, ends.tolist(), strict=True):
            begin = end - size
            a, b = max(lo, begin), min(hi, end)
            if a < b or (size == 0 and lo <= begin < hi):
                compressed = path.suffix.lower() in COMPRESSED
                pieces.append(Piece(str(path), a - begin, b - begin, compressed))
        if not pieces:
            raise ParameterError(
                f"nodes={n}: the corpus {source} cannot be cut into {n} non-empty shards (a "
                "compressed file is never split); give fewer nodes, more files, or plain text"
            )
        shards.append(Shard(k, tuple(pieces)))
    return shards


def check_readable(shard: Shard) -> None:
    """Raise :class:`CorpusError` naming the first piece of ``shard`` that cannot be opened."""
    for piece in shard.pieces:
        try:
            with open(piece.path, "rb") as f:
                f.read(1)
        except OSError as exc:
            raise CorpusError(
                f"{piece.path}: cannot read corpus file on this node: {exc.strerror or exc}"
            ) from None


class ShardCorpus:
    """The text of a shard as :meth:`w2v.corpus.Corpus.blocks` gives a corpus's: uint8 blocks
    of valid UTF-8 ending at token boundaries, each piece ending with a newline."""

    def __init__(
        self, shard: Shard, unicode_errors: str = "replace", normalize: str | None = None
    ) -> None:
        if unicode_errors not in UNICODE_ERRORS:
            raise ParameterError(f"unicode_errors must be one of {UNICODE_ERRORS}")
        self.shard = shard
        self.unicode_errors = unicode_errors
        self.normalize = check_mode(normalize)

    def __repr__(self) -> str:
        return f"ShardCorpus({self.shard})"

    def blocks(self) -> Iterator[np.ndarray]:
        invalid = InvalidText()
        for piece in self.shard.pieces:
            if piece.compressed:
                yield from Corpus(piece.path, self.unicode_errors, self.normalize).blocks()
            elif self.normalize is None:
                yield from self._piece_blocks(piece, invalid)
            else:
                for block in self._piece_blocks(piece, invalid):
                    yield normalize_block(block, self.normalize)
        if invalid.count:
            invalid.warn(self.unicode_errors)

    def _piece_blocks(self, piece: Piece, invalid: InvalidText) -> Iterator[np.ndarray]:
        path = Path(piece.path)
        with open_binary(path) as f:
            f.seek(piece.start)
            offset, left, carry = piece.start, piece.stop - piece.start, b""
            while left > 0:
                try:
                    data = f.read(min(BLOCK_BYTES, left))
                except OSError as exc:
                    raise CorpusError(
                        f"{path}: cannot read corpus at byte {offset}: {exc}"
                    ) from exc
                if not data:
                    raise CorpusError(f"{path}: the file ended at byte {offset} (it shrank)")
                left -= len(data)
                buf = carry + data
                cut = last_cut(np.frombuffer(buf, dtype=np.uint8), len(buf))
                if cut == 0 and left > 0:
                    carry = buf  # a token longer than a block: read on
                    continue
                cut = cut or len(buf)
                yield clean_utf8(buf[:cut], path, offset, self.unicode_errors, invalid)
                offset += cut
                carry = buf[cut:]
            yield clean_utf8(carry + b"\n", path, offset, self.unicode_errors, invalid)
