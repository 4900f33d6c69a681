"""The vocabulary of a sharded corpus: counted on the nodes in parallel, merged on the driver.

Each node counts its shard with the compiled hash table of :mod:`w2v.vocabulary` and sends
back its words (in order of first appearance) with their counts. The driver adds them up in
shard order with :meth:`WordTable.add_words`, the merge the counting threads of one process
use (:mod:`w2v.vocab_pass`), so a word's first appearance in the merged table is its first
appearance in the corpus, and :meth:`Vocabulary.from_table` then applies ``min_count`` /
``max_final_vocab`` and the ordering exactly as single-process counting does.

``max_vocab_size`` bounds the words a counter holds by forgetting the rarest as it goes
(word2vec.c's pruning). Distributed, each node prunes its own shard's table, which is not
what one counter over the whole corpus would forget: a word rare on every shard but frequent
overall can be dropped, or kept with a lower count. The result is then no longer guaranteed
to equal single-process counting, and :func:`merge_counts` logs a warning saying so.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from w2v.distributed.shards import ShardCorpus
from w2v.vocabulary import Vocabulary, WordTable

logger = logging.getLogger(__name__)


@dataclass
class ShardCounts:
    """The count of one shard: ``words`` is the UTF-8 words in order of first appearance,
    each followed by a newline; ``counts`` their int64 counts."""

    words: bytes
    counts: np.ndarray
    total_tokens: int
    pruned: bool


def count_shard(corpus: ShardCorpus, max_vocab_size: int | None = None) -> ShardCounts:
    """Count the tokens of one shard (on the node that reads it)."""
    table = WordTable()
    total = 0
    min_reduce = 1
    pruned = False
    for block in corpus.blocks():
        total += table.count(block)
        if max_vocab_size is not None and table.n_words > max_vocab_size:
            table.prune(min_reduce)
            min_reduce += 1
            pruned = True
    n = table.n_words
    # words in id order (first appearance), newline-separated, in one bytes object
    pieces = []
    for i in range(n):
        s = int(table.starts[i])
        pieces.append(table.key_bytes[s : s + int(table.lens[i])].tobytes())
    words = b"\n".join(pieces) + (b"\n" if pieces else b"")
    return ShardCounts(words, table.counts[:n].copy(), total, pruned)


def merge_counts(
    parts: list[ShardCounts], min_count: int = 5, max_final_vocab: int | None = None
) -> Vocabulary:
    """The vocabulary of the whole corpus from the counts of its shards, in shard order."""
    table = WordTable(max(16, sum(p.counts.shape[0] for p in parts) // 2))
    total = 0
    for part in parts:
        blob = np.frombuffer(part.words, dtype=np.uint8)
        ends = np.flatnonzero(blob == ord("\n"))
        starts = np.concatenate([[0], ends[:-1] + 1]) if ends.shape[0] else ends
        table.add_words(blob, starts, ends - starts, part.counts)
        total += part.total_tokens
    if any(p.pruned for p in parts):
        logger.warning(
            "max_vocab_size: each node pruned its own shard's rarest words, so the vocabulary "
            "may differ from single-process counting (words rare on every shard are dropped)"
        )
    vocab, _ = Vocabulary.from_table(table, total, min_count, max_final_vocab)
    return vocab
