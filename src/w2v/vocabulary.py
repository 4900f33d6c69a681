"""Vocabulary: words counted in one streaming pass, filtered, sorted, and looked up by their bytes.

Counting and lookup run in compiled code over UTF-8 bytes with an open-addressing hash table
(FNV-1a), so neither the counting pass nor the encoding pass creates a Python object per token.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
from numba import njit

from w2v.atomic import atomic_write
from w2v.errors import CorpusError, FormatError, ParameterError
from w2v.tokenizer import ASCII_SEPARATOR, next_token

# A count in a vocabulary file: ASCII digits only (str.isdigit() also accepts "²").
_DECIMAL = re.compile(rb"[0-9]+")

#: What a ``trim_rule(word, count, min_count)`` returns, with gensim's values
#: (``gensim.utils.RULE_*``): apply ``min_count``, drop the word, or keep it whatever its count.
RULE_DEFAULT, RULE_DISCARD, RULE_KEEP = 0, 1, 2

#: A gensim ``trim_rule``: called as ``trim_rule(word, count, min_count)``.
TrimRule = Callable[[str, int, int], int]


def keep_word(word: str, count: int, min_count: int, trim_rule: TrimRule | None) -> bool:
    """gensim's ``keep_vocab_item``: ``count >= min_count`` unless ``trim_rule`` says
    :data:`RULE_KEEP` or :data:`RULE_DISCARD`."""
    default = count >= min_count
    if trim_rule is None:
        return default
    rule = trim_rule(word, count, min_count)
    if rule == RULE_KEEP:
        return True
    if rule == RULE_DISCARD:
        return False
    return default


# Marks a line end in the ids recorded while counting (the same value as the corpus's
# sentence end, so the two streams read alike).
LINE_END = -1

FNV_OFFSET = np.uint64(0xCBF29CE484222325)
FNV_PRIME = np.uint64(0x100000001B3)


@njit(nogil=True, cache=True, inline="always")
def fnv1a(buf: np.ndarray, start: int, end: int) -> np.uint64:
    h = FNV_OFFSET
    for i in range(start, end):
        h = (h ^ np.uint64(buf[i])) * FNV_PRIME
    return h


@njit(nogil=True, cache=True)
def find_slot(
    slots: np.ndarray,
    hashes: np.ndarray,
    starts: np.ndarray,
    lens: np.ndarray,
    key_bytes: np.ndarray,
    buf: np.ndarray,
    s: int,
    e: int,
    h: np.uint64,
) -> int:
    """Slot holding the word ``buf[s:e]`` (hash ``h``), or the empty slot where it would go."""
    mask = np.uint64(slots.shape[0] - 1)
    j = h & mask
    length = e - s
    while True:
        w = slots[j]
        if w < 0:
            return np.int64(j)
        if hashes[w] == h and lens[w] == length:
            k0 = starts[w]
            same = True
            for k in range(length):
                if key_bytes[k0 + k] != buf[s + k]:
                    same = False
                    break
            if same:
                return np.int64(j)
        j = (j + np.uint64(1)) & mask


@njit(nogil=True, cache=True, inline="always")
def insert_word(slots, j, hashes, starts, lens, counts, key_bytes, n_words, n_bytes, buf, s, e, h):
    """Store ``buf[s:e]`` (hash ``h``) as word ``n_words`` in empty slot ``j`` with count 1;
    the caller has checked capacity. Returns the new ``(n_words, n_bytes)``."""
    length = e - s
    slots[j] = n_words
    hashes[n_words] = h
    starts[n_words] = n_bytes
    lens[n_words] = length
    counts[n_words] = 1
    key_bytes[n_bytes : n_bytes + length] = buf[s:e]
    return n_words + 1, n_bytes + length


@njit(nogil=True, cache=True)
def _count_block(
    buf, n, pos, slots, hashes, starts, lens, counts, key_bytes, n_words, n_bytes, ids, k
):  # fmt: skip
    """Count the tokens of ``buf[pos:n]`` into the table.

    If ``ids`` is not empty, also writes each token's table id to ``ids[k:]``, and
    :data:`LINE_END` wherever a newline precedes a token or the end of ``buf``, so the text
    need not be read again to encode it (``ids`` needs room for ``n + 1`` entries).

    Stops early (``full`` = True) when the table must grow before the next new word fits;
    the caller grows it and calls again from the returned position.
    Returns ``(position, n_words, n_bytes, tokens counted, full, k)``.
    """
    n_tokens = 0
    record = ids.shape[0] > 0
    cap_words = hashes.shape[0]
    cap_bytes = key_bytes.shape[0]
    max_load = slots.shape[0] // 2
    while True:
        s, e, newlines = next_token(buf, pos, n)
        if record and newlines > 0:
            ids[k] = LINE_END
            k += 1
        if s >= n:
            return n, n_words, n_bytes, n_tokens, False, k
        h = fnv1a(buf, s, e)
        j = find_slot(slots, hashes, starts, lens, key_bytes, buf, s, e, h)
        w = slots[j]
        if w >= 0:
            counts[w] += 1
        else:
            length = e - s
            if n_words >= cap_words or n_words >= max_load or n_bytes + length > cap_bytes:
                return s, n_words, n_bytes, n_tokens, True, k
            n_words, n_bytes = insert_word(
                slots, j, hashes, starts, lens, counts, key_bytes, n_words, n_bytes, buf, s, e, h
            )
            w = n_words - 1
        if record:
            ids[k] = w
            k += 1
        n_tokens += 1
        pos = e


@njit(nogil=True, cache=True)
def _rebuild_slots(slots, hashes, n_words):
    slots[:] = -1
    mask = np.uint64(slots.shape[0] - 1)
    for w in range(n_words):
        j = hashes[w] & mask
        while slots[j] >= 0:
            j = (j + np.uint64(1)) & mask
        slots[j] = w


@njit(nogil=True, cache=True)
def _compact(keep, hashes, starts, lens, counts, key_bytes):
    """Drop the words where ``keep`` is False, preserving order; returns (n_words, n_bytes)."""
    w_out = 0
    b_out = 0
    for w in range(keep.shape[0]):
        if not keep[w]:
            continue
        length = lens[w]
        s = starts[w]
        for k in range(length):
            key_bytes[b_out + k] = key_bytes[s + k]
        hashes[w_out] = hashes[w]
        starts[w_out] = b_out
        lens[w_out] = length
        counts[w_out] = counts[w]
        b_out += length
        w_out += 1
    return w_out, b_out


@njit(nogil=True, cache=True)
def _merge_words(
    src_bytes, src_starts, src_lens, src_counts, i, n_src,
    slots, hashes, starts, lens, counts, key_bytes, n_words, n_bytes, ids,
):  # fmt: skip
    """Add the words ``i:n_src`` of another count (bytes, starts, lengths, counts) to the
    table, in order, writing each one's id here to ``ids``: a word not here yet is appended,
    so the table's order stays the order of first appearance when counts are merged in
    corpus order. Stops early (``full``) when the table must grow, as :func:`_count_block`.
    Returns ``(next word, n_words, n_bytes, full)``."""
    cap_words = hashes.shape[0]
    cap_bytes = key_bytes.shape[0]
    max_load = slots.shape[0] // 2
    while i < n_src:
        s = src_starts[i]
        e = s + src_lens[i]
        h = fnv1a(src_bytes, s, e)
        j = find_slot(slots, hashes, starts, lens, key_bytes, src_bytes, s, e, h)
        w = slots[j]
        if w >= 0:
            counts[w] += src_counts[i]
        else:
            if n_words >= cap_words or n_words >= max_load or n_bytes + e - s > cap_bytes:
                return i, n_words, n_bytes, True
            n_words, n_bytes = insert_word(
                slots, j, hashes, starts, lens, counts, key_bytes, n_words, n_bytes,
                src_bytes, s, e, h,
            )  # fmt: skip
            w = n_words - 1
            counts[w] = src_counts[i]
        ids[i] = w
        i += 1
    return i, n_words, n_bytes, False


_NO_IDS = np.zeros(0, dtype=np.int32)


@njit(nogil=True, cache=True)
def _gather_words(key_bytes, starts, lens, ids, out):
    """The bytes of words ``ids`` (lengths ``lens``) into ``out``, newline-separated."""
    k = 0
    for i in range(ids.shape[0]):
        if i > 0:
            out[k] = 10
            k += 1
        s = starts[ids[i]]
        for j in range(lens[i]):
            out[k + j] = key_bytes[s + j]
        k += lens[i]


#: The slots' type: a word id (a table holds fewer than 2**31 words), half the size of int64.
SLOT = np.int32


def _enlarged(a: np.ndarray, size: int, used: int) -> np.ndarray:
    """``a`` in a new array of ``size`` entries, its first ``used`` copied, the rest unset."""
    out = np.empty(size, dtype=a.dtype)
    out[:used] = a[:used]
    return out


def effective_min_count(counts: np.ndarray, min_count: int, max_final_vocab: int | None) -> int:
    """``min_count``, raised to keep at most ``max_final_vocab`` words (gensim's rule: the
    smallest count threshold that leaves at most that many)."""
    if max_final_vocab is not None and np.count_nonzero(counts >= min_count) > max_final_vocab:
        ranked = np.sort(counts)[::-1]
        return max(min_count, int(ranked[max_final_vocab]) + 1)
    return min_count


def select_words(
    counts: np.ndarray,
    min_count: int,
    max_final_vocab: int | None,
    trim_rule: TrimRule | None,
    word_of: Callable[[int], str],
    sorted_vocab: bool = True,
) -> np.ndarray:
    """Indices of the words to keep, in vocabulary order: those with the effective
    ``min_count`` or that ``trim_rule`` keeps (it sees every word, as gensim's does), by count
    descending (stable) if ``sorted_vocab``."""
    min_count = effective_min_count(counts, min_count, max_final_vocab)
    if trim_rule is None:
        kept = np.flatnonzero(counts >= min_count)
    else:
        kept = np.fromiter(
            (i for i, c in enumerate(counts.tolist())
             if keep_word(word_of(i), c, min_count, trim_rule)), dtype=np.int64,
        )  # fmt: skip
    if not sorted_vocab:
        return kept
    return kept[np.argsort(-counts[kept], kind="stable")]


class WordTable:
    """Growable hash table from UTF-8 byte strings to dense ids (in order of first appearance)."""

    def __init__(self, capacity: int = 1 << 14, byte_capacity: int | None = None) -> None:
        capacity = max(16, int(capacity))
        n_slots = 1 << int(np.ceil(np.log2(capacity * 2)))
        self.slots = np.full(n_slots, -1, dtype=SLOT)
        self.hashes = np.zeros(capacity, dtype=np.uint64)
        self.starts = np.zeros(capacity, dtype=np.int64)
        self.lens = np.zeros(capacity, dtype=np.int64)
        self.counts = np.zeros(capacity, dtype=np.int64)
        self.key_bytes = np.zeros(byte_capacity or capacity * 8, dtype=np.uint8)
        self.n_words = 0
        self.n_bytes = 0

    @classmethod
    def from_words(cls, words: list[str]) -> WordTable:
        """A table whose id ``i`` is ``words[i]`` (words must be distinct)."""
        encoded = [w.encode("utf-8") for w in words]
        table = cls(len(words) + 16, sum(len(b) for b in encoded) + 16)
        blob = np.frombuffer(b"\n".join(encoded) + b"\n", dtype=np.uint8)
        table.count(blob)
        if table.n_words != len(words):
            raise ParameterError("vocabulary words must be distinct, non-empty and free of spaces")
        table.counts[: table.n_words] = 0
        return table

    def count(self, buf: np.ndarray) -> int:
        """Count every token of ``buf``; returns the number of tokens seen."""
        return self.count_with_ids(buf, _NO_IDS)[0]

    def count_with_ids(self, buf: np.ndarray, ids: np.ndarray) -> tuple[int, int]:
        """Count every token of ``buf`` and write the ids seen to ``ids``.

        ``ids`` (int32, at least ``len(buf) + 1`` entries) receives each token's id in this
        table and a :data:`LINE_END` after each line (see :func:`_count_block`). Returns
        ``(tokens seen, ids written)``.
        """
        pos, total, n, k = 0, 0, buf.shape[0], 0
        while True:
            pos, self.n_words, self.n_bytes, n_tokens, full, k = _count_block(
                buf, n, pos, self.slots, self.hashes, self.starts, self.lens, self.counts,
                self.key_bytes, self.n_words, self.n_bytes, ids, k,
            )  # fmt: skip
            total += n_tokens
            if not full:
                return total, k
            self._grow(needed_bytes=n - pos)

    def add_words(
        self, key_bytes: np.ndarray, starts: np.ndarray, lens: np.ndarray, counts: np.ndarray
    ) -> np.ndarray:
        """Add the counts of words given as UTF-8 bytes (word ``i`` is
        ``key_bytes[starts[i]:starts[i] + lens[i]]``, in order of first appearance) to this
        table, new words appended in that order. Merging counts in corpus order keeps every
        word's first appearance, so the merged table orders words as one count of the whole
        corpus would. Returns each given word's int32 id here."""
        n = counts.shape[0]
        ids = np.empty(n, dtype=np.int32)
        i = 0
        while True:
            i, self.n_words, self.n_bytes, full = _merge_words(
                key_bytes, starts, lens, counts, i, n, self.slots, self.hashes, self.starts,
                self.lens, self.counts, self.key_bytes, self.n_words, self.n_bytes, ids,
            )  # fmt: skip
            if not full:
                return ids
            self._grow(needed_bytes=int(lens[i:].sum()))

    def add_table(self, other: WordTable) -> np.ndarray:
        """:meth:`add_words` with the words and counts of ``other``."""
        n = other.n_words
        return self.add_words(other.key_bytes, other.starts[:n], other.lens[:n], other.counts[:n])

    def _grow(self, needed_bytes: int) -> None:
        """Double the word arrays and key bytes (and the slots when the load factor demands).

        Only the part in use is copied: the rest of a new array stays untouched, so the
        system gives it memory only as words fill it (doubling then costs address space,
        not resident memory)."""
        cap = self.hashes.shape[0] * 2
        for name in ("hashes", "starts", "lens", "counts"):
            setattr(self, name, _enlarged(getattr(self, name), cap, self.n_words))
        new_bytes = max(self.key_bytes.shape[0] * 2, self.n_bytes + min(needed_bytes, 1 << 20))
        self.key_bytes = _enlarged(self.key_bytes, new_bytes, self.n_bytes)
        if cap > self.slots.shape[0] // 2:
            n_slots = self.slots.shape[0] * 2
            self.slots = None  # (freed before its successor is filled)
            self.slots = np.full(n_slots, -1, dtype=SLOT)
            _rebuild_slots(self.slots, self.hashes, self.n_words)

    def drop_index(self) -> None:
        """Free the hash index (slots and hashes) of a finished count: what is left (words
        and counts) can still be merged into another table (:meth:`add_table`), not looked
        up or counted into."""
        self.slots = self.hashes = None

    def prune(self, min_reduce: int, trim_rule: TrimRule | None = None) -> None:
        """Forget the words seen at most ``min_reduce`` times (word2vec.c's ReduceVocab), or
        those ``trim_rule`` discards (called with ``min_count=min_reduce + 1``, so its default
        is this rule; a user rule runs once per distinct word)."""
        keep = self.counts[: self.n_words] > min_reduce
        if trim_rule is not None:
            counts = self.counts[: self.n_words].tolist()
            keep = np.fromiter(
                (keep_word(self.word(i).decode("utf-8"), c, min_reduce + 1, trim_rule)
                 for i, c in enumerate(counts)), dtype=bool, count=len(counts),
            )  # fmt: skip
        self.n_words, self.n_bytes = _compact(
            keep, self.hashes, self.starts, self.lens, self.counts, self.key_bytes
        )
        _rebuild_slots(self.slots, self.hashes, self.n_words)

    def words_of(self, ids: np.ndarray) -> list[str]:
        """The words of ``ids``, decoded (in one piece: no Python call per word)."""
        if ids.shape[0] == 0:
            return []
        lens = self.lens[ids]
        blob = np.empty(int(lens.sum()) + ids.shape[0] - 1, dtype=np.uint8)
        _gather_words(self.key_bytes, self.starts, lens, ids, blob)
        return blob.tobytes().decode("utf-8").split("\n")  # no word holds a newline

    def word(self, i: int) -> bytes:
        s = int(self.starts[i])
        return self.key_bytes[s : s + int(self.lens[i])].tobytes()


class Vocabulary:
    """The words a model knows, sorted by count (descending; ties keep first appearance), or
    after :meth:`grow`, the words known before followed by the words added.

    Attributes
    ----------
    words : list of str
        Word of each id.
    counts : numpy.ndarray
        int64 corpus count of each word.
    total_tokens : int
        Tokens seen in the corpus, including those of words left out.
    counting_ids : numpy.ndarray or None
        After :meth:`build` with an ``ids_sink``: the id here of each id given to the sink
        (-1 for a word left out); None otherwise, or when pruning renumbered the words.
    min_count : int or None
        After a count (:meth:`build`, :meth:`from_table`): the minimum count the words kept
        had to reach, the ``min_count`` asked for or, when ``max_final_vocab`` raised it, the
        raised one (gensim's ``effective_min_count``); None otherwise.
    """

    def __init__(self, words: list[str], counts: np.ndarray, total_tokens: int | None = None):
        self.words = list(words)
        self.counts = np.asarray(counts, dtype=np.int64)
        if self.counts.shape != (len(self.words),):
            raise ParameterError("vocabulary: one count per word is required")
        self.total_tokens = int(self.counts.sum() if total_tokens is None else total_tokens)
        self.index = {w: i for i, w in enumerate(self.words)}
        if len(self.index) != len(self.words):
            raise ParameterError("vocabulary words must be distinct")
        # A word holding an ASCII separator cannot be saved in word2vec format (nor be a
        # corpus token): refuse it now, not after training.
        if "" in self.index or ASCII_SEPARATOR.search("".join(self.words)):
            bad = next(i for i, w in enumerate(self.words) if not w or ASCII_SEPARATOR.search(w))
            raise ParameterError(
                f"vocabulary word {bad} ({self.words[bad]!r}) cannot be a word: words must be "
                "non-empty, without spaces or ASCII control characters"
            )
        self._table: WordTable | None = None
        self.counting_ids: np.ndarray | None = None
        #: After :meth:`build`: the ``min_count`` applied (raised by ``max_final_vocab``).
        self.effective_min_count: int | None = None

    def check_trainable(self, source: object, min_count: int) -> None:
        """Refuse a vocabulary counted from ``source`` that has nothing to train: an empty
        corpus (CorpusError), or no word reaching ``min_count`` (ParameterError)."""
        if self.total_tokens == 0:
            raise CorpusError(f"{source}: the corpus is empty (no words in it)")
        if len(self) == 0:
            raise ParameterError(
                f"min_count={min_count}: no word of {source} occurs that often "
                f"({self.total_tokens} tokens read); lower min_count or give more text"
            )

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: str) -> bool:
        return word in self.index

    @property
    def table(self) -> WordTable:
        """Byte-keyed lookup table (id = position in :attr:`words`), built on first use."""
        if self._table is None:
            self._table = WordTable.from_words(self.words)
        return self._table

    @classmethod
    def build(
        cls,
        blocks: Iterable[np.ndarray],
        min_count: int = 5,
        max_vocab_size: int | None = None,
        max_final_vocab: int | None = None,
        ids_sink: Callable[[np.ndarray], object] | None = None,
        trim_rule: TrimRule | None = None,
        sorted_vocab: bool = True,
    ) -> Vocabulary:
        """Count the tokens of a stream of UTF-8 byte blocks and keep the frequent words.

        Parameters
        ----------
        blocks : iterable of numpy.ndarray
            uint8 arrays of UTF-8 text, each ending at a token boundary.
        min_count : int
            Words seen fewer times are left out.
        max_vocab_size : int, optional
            Bound on distinct words held while counting; when exceeded, the rarest are
            forgotten (word2vec.c's pruning), which keeps memory bounded on huge corpora.
        max_final_vocab : int, optional
            Keep at most this many words, raising the effective ``min_count`` as needed.
        ids_sink : callable, optional
            Called with the int32 ids of each block in order of first appearance, with
            :data:`LINE_END` after each line (an array reused for the next block: copy or
            write it out). The returned vocabulary's :attr:`counting_ids` maps them to its own
            ids, so the corpus can be encoded without being read again.
        trim_rule : callable, optional
            gensim's ``trim_rule(word, count, min_count)``, returning :data:`RULE_DEFAULT`,
            :data:`RULE_DISCARD` or :data:`RULE_KEEP`; applied when pruning and to the final
            selection (with the effective ``min_count``).
        sorted_vocab : bool, default True
            Sort the words by count, descending (ties in order of first appearance); False
            keeps the order of first appearance.
        """
        if min_count < 1:
            raise ParameterError(f"min_count must be >= 1, got {min_count}")
        if max_vocab_size is not None and max_vocab_size < 1:
            raise ParameterError(f"max_vocab_size must be >= 1 or None, got {max_vocab_size}")
        if max_final_vocab is not None and max_final_vocab < 1:
            raise ParameterError(f"max_final_vocab must be >= 1 or None, got {max_final_vocab}")
        table = WordTable()
        total = 0
        min_reduce = 1
        ids = np.zeros(0, dtype=np.int32)
        renumbered = False
        for block in blocks:
            if ids_sink is None:
                total += table.count(block)
            else:
                if ids.shape[0] < block.shape[0] + 1:
                    ids = np.empty(block.shape[0] + 1, dtype=np.int32)
                n_tokens, k = table.count_with_ids(block, ids)
                total += n_tokens
                ids_sink(ids[:k])
            if max_vocab_size is not None and table.n_words > max_vocab_size:
                table.prune(min_reduce, trim_rule)
                min_reduce += 1
                renumbered = True
        vocab, order = cls.from_table(
            table, total, min_count, max_final_vocab, trim_rule, sorted_vocab
        )
        if ids_sink is not None and not renumbered:
            vocab.counting_ids = np.full(table.n_words, -1, dtype=np.int32)
            vocab.counting_ids[order] = np.arange(order.shape[0], dtype=np.int32)
        return vocab

    @classmethod
    def from_table(
        cls,
        table: WordTable,
        total_tokens: int,
        min_count: int = 5,
        max_final_vocab: int | None = None,
        trim_rule: TrimRule | None = None,
        sorted_vocab: bool = True,
    ) -> tuple[Vocabulary, np.ndarray]:
        """The vocabulary of a finished count: the words of ``table`` seen at least
        ``min_count`` times (raised as needed to keep at most ``max_final_vocab``; ``trim_rule``
        may keep or discard any word), sorted by count, descending, ties in table order (first
        appearance), or in table order if not ``sorted_vocab``.

        Returns the vocabulary and, for each of its words, its id in ``table``.
        """
        counts = table.counts[: table.n_words]
        order = select_words(
            counts, min_count, max_final_vocab, trim_rule,
            lambda i: table.word(i).decode("utf-8"), sorted_vocab,
        )  # fmt: skip
        words = table.words_of(order)
        vocab = cls(words, counts[order].copy(), total_tokens)
        vocab.effective_min_count = effective_min_count(counts, min_count, max_final_vocab)
        return vocab, order

    @classmethod
    def from_counts(
        cls,
        word_counts: dict[str, int],
        min_count: int = 5,
        max_final_vocab: int | None = None,
        trim_rule: TrimRule | None = None,
        sorted_vocab: bool = True,
    ) -> Vocabulary:
        """The vocabulary of given counts (gensim's ``build_vocab_from_freq``), selected and
        ordered as :meth:`from_table` does, ties in the order of ``word_counts``."""
        words = list(word_counts)
        counts = np.fromiter((int(word_counts[w]) for w in words), np.int64, count=len(words))
        order = select_words(
            counts, min_count, max_final_vocab, trim_rule, words.__getitem__, sorted_vocab
        )
        vocab = cls([words[i] for i in order], counts[order], int(counts.sum()))
        vocab.effective_min_count = effective_min_count(counts, min_count, max_final_vocab)
        return vocab

    def grow(
        self,
        new: Vocabulary,
        min_count: int = 5,
        max_final_vocab: int | None = None,
        trim_rule: TrimRule | None = None,
    ) -> tuple[Vocabulary, np.ndarray]:
        """This vocabulary grown by the counts of more text (gensim's ``update=True``).

        Words already known keep their ids and add the new counts to theirs. A word not known
        is added when its count in ``new`` reaches ``min_count``: counts of words that did not
        make it into this vocabulary were not kept, so earlier occurrences cannot help a word
        in. Added words come after the known ones, most frequent first (ties keep the order
        of ``new``).

        ``max_final_vocab`` bounds the grown vocabulary, but never by evicting a known word:
        that would throw away its trained vector and renumber the others. The cap limits
        what is added, by the same rule as :meth:`build` (the smallest ``min_count`` for new
        words that adds at most ``max_final_vocab - len(self)`` of them, so words of equal
        count are all added or none); when this vocabulary already holds ``max_final_vocab``
        words or more, nothing is added.

        Parameters
        ----------
        new : Vocabulary
            Counts of the new text, every word (built with ``min_count=1``). If it carries
            :attr:`counting_ids`, the grown vocabulary maps them to its own ids, so the new
            text can be encoded from the ids recorded while counting it.
        min_count : int
            Count a new word needs in ``new`` to be added.
        max_final_vocab : int, optional
            Bound on the grown vocabulary's size (see above).
        trim_rule : callable, optional
            gensim's rule (see :meth:`build`), applied to the words not known, with the
            effective ``min_count``.

        Returns
        -------
        vocab : Vocabulary
            The grown vocabulary; ``total_tokens`` is the sum of both.
        old_ids : numpy.ndarray
            int32 id in ``vocab`` of each word of this vocabulary (under the rule above, the
            identity: ``arange(len(self))``), for moving per-word arrays over.
        """
        if min_count < 1:
            raise ParameterError(f"min_count must be >= 1, got {min_count}")
        if max_final_vocab is not None and max_final_vocab < 1:
            raise ParameterError(f"max_final_vocab must be >= 1 or None, got {max_final_vocab}")
        n_old = len(self)
        known = np.fromiter(
            (self.index.get(w, -1) for w in new.words), dtype=np.int64, count=len(new)
        )
        counts = self.counts.copy()
        hit = known >= 0
        np.add.at(counts, known[hit], new.counts[hit])
        fresh = np.flatnonzero(~hit)
        fresh_counts = new.counts[fresh]
        threshold = min_count
        room = None if max_final_vocab is None else max(0, max_final_vocab - n_old)
        if room is not None and np.count_nonzero(fresh_counts >= threshold) > room:
            ranked = np.sort(fresh_counts)[::-1]
            threshold = max(threshold, int(ranked[room]) + 1)
        if trim_rule is None:
            added = fresh[fresh_counts >= threshold]
        else:
            added = np.fromiter(
                (i for i, c in zip(fresh.tolist(), fresh_counts.tolist(), strict=True)
                 if keep_word(new.words[i], c, threshold, trim_rule)), dtype=np.int64,
            )  # fmt: skip
        added = added[np.argsort(-new.counts[added], kind="stable")]
        words = self.words + [new.words[int(i)] for i in added]
        grown = Vocabulary(
            words,
            np.concatenate([counts, new.counts[added]]),
            self.total_tokens + new.total_tokens,
        )
        if new.counting_ids is not None:
            new_to_grown = np.full(len(new), -1, dtype=np.int32)
            new_to_grown[hit] = known[hit]
            new_to_grown[added] = np.arange(n_old, n_old + added.shape[0], dtype=np.int32)
            mapped = new.counting_ids >= 0
            grown.counting_ids = np.full(new.counting_ids.shape[0], -1, dtype=np.int32)
            grown.counting_ids[mapped] = new_to_grown[new.counting_ids[mapped]]
        return grown, np.arange(n_old, dtype=np.int32)

    def save(self, path: str | os.PathLike) -> None:
        """Write word2vec.c's ``-save-vocab`` format: ``word count`` per line, atomically."""
        with atomic_write(path, "w", encoding="utf-8", newline="\n") as f:
            for w, c in zip(self.words, self.counts.tolist(), strict=True):
                f.write(f"{w} {c}\n")

    @classmethod
    def load(cls, path: str | os.PathLike) -> Vocabulary:
        """Read word2vec.c's ``-save-vocab`` format: one ``word count`` line per word.

        Lines are split on ASCII whitespace, as word2vec.c does (so words may contain any
        other character, including Unicode spaces); blank lines are ignored; the ``</s>``
        entry word2vec.c writes first is skipped (w2v ends sentences without a token). The
        words are returned sorted by count, descending (ties keep file order).

        Parameters
        ----------
        path : str or os.PathLike
            The vocabulary file (UTF-8).

        Returns
        -------
        Vocabulary

        Raises
        ------
        FormatError
            If the file cannot be opened, a line is not ``word count`` (count a decimal
            integer below 2**63), a word is not valid UTF-8 or appears twice. The message
            names the file and the line. (A malformed file is a format problem, not a corpus
            one, hence FormatError rather than CorpusError.)
        """
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as exc:
            raise FormatError(f"{Path(path)}: cannot open: {exc.strerror}") from None
        words: list[str] = []
        counts: list[int] = []
        seen: dict[str, int] = {}
        for lineno, line in enumerate(data.split(b"\n"), 1):
            parts = line.split()  # bytes.split(): ASCII whitespace only
            if not parts:
                continue
            if len(parts) != 2 or not _DECIMAL.fullmatch(parts[1]):
                raise FormatError(
                    f"{Path(path)}:{lineno}: expected 'word count', got {line[:80]!r}"
                )
            count = int(parts[1])
            if count >= 2**63:
                raise FormatError(f"{Path(path)}:{lineno}: count {count} does not fit in int64")
            try:
                word = parts[0].decode("utf-8")
            except UnicodeDecodeError as exc:
                raise FormatError(
                    f"{Path(path)}:{lineno}: word {parts[0][:80]!r} is not valid UTF-8 "
                    f"({exc.reason})"
                ) from None
            if word == "</s>":
                continue
            if ASCII_SEPARATOR.search(word):
                raise FormatError(
                    f"{Path(path)}:{lineno}: word {word!r} holds an ASCII control character, "
                    "which no corpus token can (nor a word2vec file store)"
                )
            if word in seen:
                raise FormatError(
                    f"{Path(path)}:{lineno}: word {word!r} already given on line {seen[word]}"
                )
            seen[word] = lineno
            words.append(word)
            counts.append(count)
        counts_arr = np.asarray(counts, dtype=np.int64)
        order = np.argsort(-counts_arr, kind="stable")
        return cls([words[i] for i in order], counts_arr[order])
