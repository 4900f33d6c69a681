"""Shards: a corpus cut into contiguous byte ranges that each node reads itself.

The cut is :func:`w2v.ranges.plan_ranges`'s, the one the counting threads of a single process
use: every token is in exactly one shard, and the shards in order hold the corpus's tokens in
order, so counted shard by shard and merged in shard order they give the single-process
vocabulary exactly. A compressed file belongs whole to the shard in which it starts.

Planning reads a few KiB around each cut; the text itself is read only by the node that owns
the shard, from a path every node sees.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from w2v.corpus import UNICODE_ERRORS, Corpus, InvalidText, piece_blocks
from w2v.errors import CorpusError, ParameterError
from w2v.normalize import check_mode
from w2v.ranges import Piece, plan_ranges

__all__ = ["Piece", "Shard", "ShardCorpus", "check_readable", "plan_shards"]


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
    shards = []
    for k, pieces in enumerate(plan_ranges(Corpus(source).files, n)):
        if not pieces:
            raise ParameterError(
                f"nodes={n}: the corpus {source} cannot be cut into {n} non-empty shards (a "
                "compressed file is never split); give fewer nodes, more files, or plain text"
            )
        shards.append(Shard(k, pieces))
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
        yield from piece_blocks(self.shard.pieces, self.unicode_errors, self.normalize, invalid)
        if invalid.count:
            invalid.warn(self.unicode_errors)
