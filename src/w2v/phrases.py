"""Phrase detection as word2phrase does it: frequent bigrams such as ``new york`` become one
token ``new_york``.

Counting and rewriting run in compiled code over the byte tokenizer's tokens: words go through
:class:`w2v.vocabulary.WordTable` (the same hashing as the vocabulary), bigrams through an
open-addressing table keyed by the pair of word ids, so no Python object is created per token.
Memory stays bounded on any corpus: when the tables exceed ``max_vocab_size`` entries the
rarest are forgotten, as word2phrase's ``ReduceVocab`` does.

Scores (a pair is joined when its score is strictly above the threshold):

* ``"default"`` (word2phrase): ``(count(ab) - min_count) / (count(a) * count(b)) * train_words``
  where ``train_words`` is the number of tokens counted;
* ``"npmi"``: normalised pointwise mutual information ``ln(p(ab) / (p(a) p(b))) / -ln(p(ab))``
  in [-1, 1], with probabilities relative to ``train_words``; the pair must occur at least
  ``min_count`` times.

With both scorings each word of the pair must occur at least ``min_count`` times. Rewriting is
greedy from left to right as in word2phrase: once ``a b`` is joined, ``b`` cannot also join the
next word, so a single pass builds phrases of two words and ``passes=2`` up to four.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numba import njit

from w2v.atomic import atomic_write
from w2v.corpus import Corpus
from w2v.errors import ParameterError
from w2v.normalize import check_mode, normalize_block
from w2v.tokenizer import count_tokens, last_cut, next_token
from w2v.vocabulary import WordTable, find_slot, fnv1a, insert_word

logger = logging.getLogger(__name__)

__all__ = ["NgramCounts", "Phrases", "PhrasedCorpus", "count_ngrams"]

SCORINGS = ("default", "npmi")
_EMPTY = -1  # an empty slot of a pair table (keys are >= 0)
_NEWLINE = 10
_SPACE = 32


# ----------------------------------------------------------------------- compiled pair table
# A pair table is an int64 array of shape (2 ** k, 2): column 0 the key ``(a << 32) | b`` of
# word ids a, b (or -1 when the slot is empty), column 1 its count; key and count share a
# cache line, which matters because bigram lookups are random accesses into a large table.


@njit(nogil=True, cache=True, inline="always")
def _pair_key(a: int, b: int) -> int:
    return (np.int64(a) << 32) | np.int64(b)


@njit(nogil=True, cache=True, inline="always")
def _pair_slot(table: np.ndarray, key: int) -> int:
    """Slot holding ``key``, or the empty slot where it would go (linear probing)."""
    mask = np.uint64(table.shape[0] - 1)
    # splitmix64 finaliser: id pairs are dense small integers, so they need scrambling
    h = np.uint64(key)
    h = (h ^ (h >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    h = (h ^ (h >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    j = (h ^ (h >> np.uint64(31))) & mask
    while True:
        k = table[j, 0]
        if k == key or k == _EMPTY:
            return np.int64(j)
        j = (j + np.uint64(1)) & mask


def _new_pair_table(size: int) -> np.ndarray:
    table = np.zeros((size, 2), dtype=np.int64)
    table[:, 0] = _EMPTY
    return table


@njit(nogil=True, cache=True)
def _reinsert(table, new_table, min_keep, remap):
    """Move the pairs of ``table`` with count >= ``min_keep`` into ``new_table``, renumbering
    both words through ``remap`` (-1 drops the pair); returns the number of pairs kept."""
    kept = 0
    for j in range(table.shape[0]):
        k = table[j, 0]
        if k == _EMPTY or table[j, 1] < min_keep:
            continue
        a = remap[k >> 32]
        b = remap[k & 0xFFFFFFFF]
        if a < 0 or b < 0:
            continue
        nk = _pair_key(a, b)
        s = _pair_slot(new_table, nk)
        if new_table[s, 0] == _EMPTY:
            new_table[s, 0] = nk
            new_table[s, 1] = table[j, 1]
            kept += 1
        else:
            new_table[s, 1] += table[j, 1]
    return kept


@njit(nogil=True, cache=True)
def _insert_pairs(table, keys, counts):
    for i in range(keys.shape[0]):
        s = _pair_slot(table, keys[i])
        table[s, 0] = keys[i]
        table[s, 1] += counts[i]


@njit(nogil=True, cache=True)
def _count_block(
    buf, n, pos, slots, hashes, starts, lens, counts, key_bytes, n_words, n_bytes,
    pairs, n_pairs, prev,
):  # fmt: skip
    """Count the words of ``buf[pos:n]`` and the bigrams of consecutive words of a line.

    ``prev`` is the id of the word before ``pos`` on the same line (-1 at a line start).
    Returns early with ``full`` set, before counting the token at the returned position, when
    a table must grow first.
    """
    cap_words = hashes.shape[0]
    cap_bytes = key_bytes.shape[0]
    max_words = slots.shape[0] // 2
    max_pairs = pairs.shape[0] // 2
    n_tokens = 0
    while True:
        s, e, newlines = next_token(buf, pos, n)
        if newlines > 0:
            prev = -1
        if s >= n:
            return n, n_words, n_bytes, n_pairs, n_tokens, prev, False
        h = fnv1a(buf, s, e)
        j = find_slot(slots, hashes, starts, lens, key_bytes, buf, s, e, h)
        w = slots[j]
        length = e - s
        if w < 0 and (n_words >= cap_words or n_words >= max_words or n_bytes + length > cap_bytes):
            return s, n_words, n_bytes, n_pairs, n_tokens, prev, True
        if prev >= 0 and n_pairs >= max_pairs:
            return s, n_words, n_bytes, n_pairs, n_tokens, prev, True
        if w >= 0:
            counts[w] += 1
        else:
            w = n_words
            n_words, n_bytes = insert_word(
                slots, j, hashes, starts, lens, counts, key_bytes, n_words, n_bytes, buf, s, e, h
            )
        if prev >= 0:
            key = _pair_key(prev, w)
            p = _pair_slot(pairs, key)
            if pairs[p, 0] == _EMPTY:
                pairs[p, 0] = key
                pairs[p, 1] = 1
                n_pairs += 1
            else:
                pairs[p, 1] += 1
        prev = w
        n_tokens += 1
        pos = e


@njit(nogil=True, cache=True)
def _transform_block(
    buf, n, slots, hashes, starts, lens, key_bytes, pairs, delim, out, state
):  # fmt: skip
    """Rewrite ``buf[:n]`` into ``out``, joining accepted bigrams with ``delim``.

    ``state`` carries across blocks: [previous word id (-1: none), previous token was joined,
    at line start]. Tokens are written separated by one space, each non-blank line ended by
    ``\\n`` (blank lines are dropped). Returns the number of bytes written.
    """
    prev = state[0]
    prev_joined = state[1]
    at_start = state[2]
    k = 0
    pos = 0
    nd = delim.shape[0]
    while True:
        s, e, newlines = next_token(buf, pos, n)
        if newlines > 0:
            if at_start == 0:  # blank lines are dropped, as Word2Vec would skip them anyway
                out[k] = _NEWLINE
                k += 1
            prev = -1
            at_start = 1
        if s >= n:
            state[0] = prev
            state[1] = prev_joined
            state[2] = at_start
            return k
        h = fnv1a(buf, s, e)
        w = slots[find_slot(slots, hashes, starts, lens, key_bytes, buf, s, e, h)]
        join = 0
        if prev >= 0 and w >= 0 and prev_joined == 0:
            key = _pair_key(prev, w)
            if pairs[_pair_slot(pairs, key), 0] == key:
                join = 1
        if at_start == 0:
            if join:
                for i in range(nd):
                    out[k] = delim[i]
                    k += 1
            else:
                out[k] = _SPACE
                k += 1
        for i in range(s, e):
            out[k] = buf[i]
            k += 1
        prev = w
        prev_joined = join
        at_start = 0
        pos = e


# ------------------------------------------------------------------------------ counting
class NgramCounts:
    """Unigram and bigram counts of one pass over a corpus (bigrams within a line).

    Attributes
    ----------
    words : WordTable
        Word ids and counts.
    pairs : numpy.ndarray
        The bigram hash table: int64 rows ``[(id_a << 32) | id_b, count]`` (key -1: empty).
    n_pairs : int
        Distinct bigrams held.
    train_words : int
        Tokens counted (word2phrase's ``train_words``), including those of pruned words.
    min_reduce : int
        Counts at or below ``min_reduce - 1`` may have been forgotten by pruning (1 = exact).
    """

    def __init__(self, max_vocab_size: int | None = None) -> None:
        if max_vocab_size is not None and max_vocab_size < 1:
            raise ParameterError(f"max_vocab_size must be >= 1 or None, got {max_vocab_size}")
        self.max_vocab_size = max_vocab_size
        self.words = WordTable()
        self.pairs = _new_pair_table(1 << 16)
        self.n_pairs = 0
        self.train_words = 0
        self.min_reduce = 1
        self._prev = -1

    def update(self, block: np.ndarray) -> int:
        """Count the tokens of one uint8 block (ending at a token boundary); returns them."""
        t = self.words
        pos, n, total = 0, block.shape[0], 0
        while True:
            pos, t.n_words, t.n_bytes, self.n_pairs, n_tokens, self._prev, full = _count_block(
                block, n, pos, t.slots, t.hashes, t.starts, t.lens, t.counts, t.key_bytes,
                t.n_words, t.n_bytes, self.pairs, self.n_pairs, self._prev,
            )  # fmt: skip
            total += n_tokens
            if not full:
                break
            if self.n_pairs >= self.pairs.shape[0] // 2:
                self._rehash(self.pairs.shape[0] * 2)
            else:
                t._grow(needed_bytes=n - pos)
        self.train_words += total
        if self.max_vocab_size is not None:
            while t.n_words + self.n_pairs > self.max_vocab_size:
                self._prune()
        return total

    def _rehash(self, size: int, min_keep: int = 0, remap: np.ndarray | None = None) -> None:
        if remap is None:
            remap = np.arange(self.words.n_words, dtype=np.int64)
        table = _new_pair_table(size)
        self.n_pairs = _reinsert(self.pairs, table, min_keep, remap)
        self.pairs = table

    def _prune(self) -> None:
        """word2phrase's ReduceVocab: forget words and bigrams seen ``min_reduce`` times or
        fewer, then raise ``min_reduce`` for the next time."""
        t = self.words
        keep = t.counts[: t.n_words] > self.min_reduce
        remap = np.where(keep, np.cumsum(keep) - 1, -1).astype(np.int64)
        if self._prev >= 0:
            self._prev = int(remap[self._prev])
        t.prune(self.min_reduce)  # compacts in order, so new ids are what remap says
        self._rehash(self.pairs.shape[0], self.min_reduce + 1, remap)
        logger.debug(
            "pruned counts <= %d: %d words, %d bigrams left", self.min_reduce, t.n_words,
            self.n_pairs,
        )  # fmt: skip
        self.min_reduce += 1

    def word_counts(self) -> dict[str, int]:
        """All counted words and their counts (a Python dict: for inspection and tests)."""
        t = self.words
        return {t.word(i).decode("utf-8"): int(t.counts[i]) for i in range(t.n_words)}

    def pair_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The bigrams as arrays ``(first word id, second word id, count)``."""
        used = self.pairs[self.pairs[:, 0] != _EMPTY]
        return used[:, 0] >> 32, used[:, 0] & 0xFFFFFFFF, used[:, 1].copy()

    def bigram_counts(self) -> dict[tuple[str, str], int]:
        """All counted bigrams and their counts (a Python dict: for inspection and tests)."""
        t = self.words
        a, b, c = self.pair_arrays()
        word = [t.word(i).decode("utf-8") for i in range(t.n_words)]
        return {(word[i], word[j]): int(k) for i, j, k in zip(a, b, c, strict=True)}


def count_ngrams(blocks: Iterable[np.ndarray], max_vocab_size: int | None = None) -> NgramCounts:
    """Count the words and within-line bigrams of a stream of UTF-8 blocks.

    Parameters
    ----------
    blocks : iterable of numpy.ndarray
        uint8 blocks, each ending at a token boundary (e.g. ``Corpus(path).blocks()``).
    max_vocab_size : int, optional
        Bound on distinct words plus bigrams held; beyond it the rarest are forgotten.

    Returns
    -------
    NgramCounts
    """
    counts = NgramCounts(max_vocab_size)
    for block in blocks:
        counts.update(block)
    return counts


# ------------------------------------------------------------------------------- scoring
def _scores(
    scoring: str, ca: np.ndarray, cb: np.ndarray, cab: np.ndarray, min_count: int,
    train_words: int,
) -> np.ndarray:  # fmt: skip
    ca = ca.astype(np.float64)
    cb = cb.astype(np.float64)
    cabf = cab.astype(np.float64)
    valid = (ca >= min_count) & (cb >= min_count)
    with np.errstate(divide="ignore", invalid="ignore"):
        if scoring == "default":
            score = (cabf - min_count) / ca / cb * float(train_words)
        else:
            n = float(train_words)
            pab = cabf / n
            score = np.log(pab / ((ca / n) * (cb / n))) / -np.log(pab)
            valid &= cab >= min_count
            score = np.where(pab >= 1.0, 1.0, score)  # a corpus of one repeated bigram
    return np.where(valid, score, -np.inf)


@dataclass
class _Stage:
    """What one pass learned: the words that start or end a phrase and the accepted pairs."""

    words: WordTable
    pairs: np.ndarray
    phrases: dict[str, tuple[int, float]]
    train_words: int
    threshold: float


def _empty_table() -> WordTable:
    return WordTable(16)


def _stage_from_counts(
    counts: NgramCounts, scoring: str, threshold: float, min_count: int, delimiter: str
) -> _Stage:
    t = counts.words
    a, b, cab = counts.pair_arrays()
    wc = t.counts[: t.n_words]
    score = _scores(scoring, wc[a], wc[b], cab, min_count, counts.train_words)
    ok = score > threshold
    a, b, cab, score = a[ok], b[ok], cab[ok], score[ok]
    # keep only the words that take part in a phrase: the stage table stays small
    used = np.unique(np.concatenate([a, b]))
    remap = np.full(t.n_words, -1, dtype=np.int64)
    remap[used] = np.arange(used.shape[0])
    word = {int(i): t.word(int(i)).decode("utf-8") for i in used}
    table = WordTable.from_words([word[int(i)] for i in used]) if used.size else _empty_table()
    size = 1 << max(4, int(math.ceil(math.log2(max(1, a.shape[0]) * 2 + 1))))
    pairs_table = _new_pair_table(size)
    _insert_pairs(pairs_table, (remap[a] << 32) | remap[b], cab)
    phrases = {
        f"{word[int(i)]}{delimiter}{word[int(j)]}": (int(c), float(s))
        for i, j, c, s in zip(a, b, cab, score, strict=True)
    }
    return _Stage(table, pairs_table, phrases, counts.train_words, threshold)


# ---------------------------------------------------------------------------- rewriting
def _rechunk(blocks: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
    """Re-cut a byte stream so every block ends at whitespace (a token never straddles two)."""
    carry = np.zeros(0, dtype=np.uint8)
    for block in blocks:
        buf = np.concatenate([carry, block]) if carry.size else block
        cut = last_cut(buf, buf.shape[0])
        if cut:
            yield buf[:cut]
        carry = buf[cut:]
    if carry.size:
        yield np.concatenate([carry, np.array([_NEWLINE], dtype=np.uint8)])


def _apply_stage(
    stage: _Stage, blocks: Iterable[np.ndarray], delim: np.ndarray
) -> Iterator[np.ndarray]:
    t = stage.words
    state = np.array([-1, 0, 1], dtype=np.int64)
    for block in _rechunk(blocks):
        out = np.empty(block.shape[0] * max(1, delim.shape[0]) + 16, dtype=np.uint8)
        k = _transform_block(
            block, block.shape[0], t.slots, t.hashes, t.starts, t.lens, t.key_bytes,
            stage.pairs, delim, out, state,
        )  # fmt: skip
        if k:
            yield out[:k]


class Phrases:
    """Learn frequent phrases from a corpus and rewrite text with them joined.

    Parameters
    ----------
    corpus : str, os.PathLike, iterable of list of str or Corpus, optional
        Text to learn from (file, ``.gz``/``.bz2``/``.xz``, directory, or restartable iterable
        of token lists). When given, :meth:`fit` runs right away.
    min_count : int
        Words (and, with ``"npmi"``, bigrams) seen fewer times never form a phrase.
    threshold : float or sequence of float
        Score a bigram must exceed; one value per pass (the last repeats). Default 100
        (``"default"`` scoring); for ``"npmi"`` choose a value in [-1, 1], e.g. 0.5.
    scoring : {"default", "npmi"}
        word2phrase's score or normalised PMI (see the module docstring).
    passes : int
        Passes over the corpus; pass ``k`` learns from the output of pass ``k - 1`` so phrases
        of up to ``2 ** passes`` words form.
    delimiter : str
        Joins the words of a phrase.
    max_vocab_size : int, optional
        Bound on distinct words plus bigrams held while counting (memory); the rarest are
        forgotten beyond it. About 32 bytes per entry at most.
    unicode_errors : {"replace", "strict", "ignore"}
        Policy for invalid UTF-8 in the corpus.
    normalize : {None, "split", "drop", "text8"}
        Normalise raw text first, exactly as :class:`w2v.Word2Vec`'s parameter of this name
        does, so that phrases are learned on the tokens training will see (the delimiter
        ``_`` is a word character in ``"split"`` and ``"drop"``: the phrases survive a
        second normalisation). :meth:`transform` normalises its tokens too.

    Examples
    --------
    >>> phrases = Phrases("corpus.txt", threshold=100, passes=2)  # doctest: +SKIP
    >>> phrases.transform(["in", "new", "york", "city"])  # doctest: +SKIP
    ['in', 'new_york', 'city']
    >>> phrases.save_corpus("corpus-phrases.txt")  # doctest: +SKIP
    >>> model = Word2Vec(phrases.transform_corpus())  # doctest: +SKIP
    """

    def __init__(
        self,
        corpus: str | os.PathLike | Iterable[Sequence[str]] | Corpus | None = None,
        *,
        min_count: int = 5,
        threshold: float | Sequence[float] = 100.0,
        scoring: str = "default",
        passes: int = 1,
        delimiter: str = "_",
        max_vocab_size: int | None = 20_000_000,
        unicode_errors: str = "replace",
        normalize: str | None = None,
    ) -> None:
        thresholds = [threshold] if isinstance(threshold, (int, float)) else list(threshold)
        if not isinstance(min_count, int) or min_count < 1:
            raise ParameterError(f"min_count must be an integer >= 1, got {min_count!r}")
        if scoring not in SCORINGS:
            raise ParameterError(f"scoring must be one of {', '.join(SCORINGS)}, got {scoring!r}")
        if not isinstance(passes, int) or passes < 1:
            raise ParameterError(f"passes must be an integer >= 1, got {passes!r}")
        if not thresholds or not all(
            isinstance(x, (int, float)) and math.isfinite(x) for x in thresholds
        ):
            raise ParameterError(f"threshold must be a finite number, got {threshold!r}")
        if scoring == "npmi" and not all(-1.0 <= x <= 1.0 for x in thresholds):
            raise ParameterError(f"threshold must be in [-1, 1] with npmi scoring, got {threshold}")
        if not delimiter or any(c.isspace() for c in delimiter):
            raise ParameterError(f"delimiter must be non-empty without whitespace: {delimiter!r}")
        self.min_count = min_count
        self.thresholds = [float(x) for x in thresholds]
        self.scoring = scoring
        self.passes = passes
        self.delimiter = delimiter
        self.max_vocab_size = max_vocab_size
        self.unicode_errors = unicode_errors
        self.normalize = check_mode(normalize)
        self._delim = np.frombuffer(delimiter.encode("utf-8"), dtype=np.uint8).copy()
        self.stages: list[_Stage] = []
        self.corpus: Corpus | None = None
        if corpus is not None:
            self.fit(corpus)

    def _corpus(self, corpus: str | os.PathLike | Iterable | Corpus) -> Corpus:
        return Corpus(corpus, self.unicode_errors, self.normalize)

    def threshold_of(self, pass_index: int) -> float:
        """Threshold used by pass ``pass_index`` (0-based)."""
        return self.thresholds[min(pass_index, len(self.thresholds) - 1)]

    def fit(self, corpus: str | os.PathLike | Iterable[Sequence[str]] | Corpus) -> Phrases:
        """Learn ``passes`` stages of phrases from ``corpus`` (one streaming read per pass)."""
        self.corpus = Corpus(corpus, self.unicode_errors, self.normalize)
        self.stages = []
        for k in range(self.passes):
            t0 = time.perf_counter()
            counts = count_ngrams(self._blocks(self.corpus), self.max_vocab_size)
            stage = _stage_from_counts(
                counts, self.scoring, self.threshold_of(k), self.min_count, self.delimiter
            )
            self.stages.append(stage)
            dt = time.perf_counter() - t0
            logger.info(
                "phrases pass %d/%d: %d tokens, %d words, %d bigrams counted, %d phrases "
                "(threshold %g) in %.1fs (%.0f words/s)",
                k + 1, self.passes, counts.train_words, counts.words.n_words, counts.n_pairs,
                len(stage.phrases), stage.threshold, dt, counts.train_words / max(dt, 1e-9),
            )  # fmt: skip
            del counts
        return self

    def _check_fitted(self) -> None:
        if not self.stages:
            raise ParameterError("Phrases: call fit(corpus) (or pass a corpus) first")

    def _blocks(self, corpus: Corpus) -> Iterator[np.ndarray]:
        blocks: Iterable[np.ndarray] = corpus.blocks()
        for stage in self.stages:
            blocks = _apply_stage(stage, blocks, self._delim)
        return iter(blocks)

    def transform_blocks(self, corpus: str | os.PathLike | Iterable | Corpus | None = None):
        """Yield the rewritten text of ``corpus`` (default: the one fitted on) as uint8 blocks
        of UTF-8: tokens separated by one space, one line per input line."""
        self._check_fitted()
        source = self.corpus if corpus is None else self._corpus(corpus)
        return self._blocks(source)

    def transform(self, sentence: Sequence[str]) -> list[str]:
        """Rewrite one sentence (a list of tokens), e.g. ``["new", "york"]`` -> ``["new_york"]``."""
        self._check_fitted()
        if isinstance(sentence, str):
            raise ParameterError("transform() takes a list of tokens; split the text first")
        data = np.frombuffer((" ".join(sentence) + "\n").encode("utf-8"), np.uint8)
        if self.normalize is not None:
            data = normalize_block(data, self.normalize)
        out = b"".join(b.tobytes() for b in self._blocks_of(data))
        return out.decode("utf-8").split()

    __getitem__ = transform  # gensim's phrases[sentence]

    def _blocks_of(self, block: np.ndarray) -> Iterator[np.ndarray]:
        blocks: Iterable[np.ndarray] = [block]
        for stage in self.stages:
            blocks = _apply_stage(stage, blocks, self._delim)
        return iter(blocks)

    def transform_corpus(
        self, corpus: str | os.PathLike | Iterable | Corpus | None = None
    ) -> PhrasedCorpus:
        """A restartable iterable of the rewritten sentences, to give to :class:`Word2Vec`."""
        self._check_fitted()
        return PhrasedCorpus(self, self.corpus if corpus is None else self._corpus(corpus))

    def save_corpus(
        self,
        out: str | os.PathLike,
        corpus: str | os.PathLike | Iterable | Corpus | None = None,
    ) -> int:
        """Write the rewritten corpus (default: the one fitted on) to ``out`` atomically;
        returns the number of tokens written."""
        tokens = 0
        with atomic_write(Path(out), "wb") as f:
            for block in self.transform_blocks(corpus):
                f.write(memoryview(block))
                tokens += int(count_tokens(block, block.shape[0]))
        return tokens

    def export_phrases(self) -> dict[str, tuple[int, float]]:
        """Every phrase learned (all passes): ``{"new_york": (count, score), ...}``."""
        out: dict[str, tuple[int, float]] = {}
        for stage in self.stages:
            out.update(stage.phrases)
        return out


class PhrasedCorpus:
    """The sentences of a corpus rewritten by :class:`Phrases`, as a restartable iterable of
    token lists (what :class:`w2v.word2vec.Word2Vec` accepts as a corpus).

    Lines longer than ``max_sentence_length`` tokens are yielded in consecutive pieces, as
    Word2Vec would cut them anyway. For large corpora writing the result once with
    :meth:`Phrases.save_corpus` and training on the file is faster.
    """

    def __init__(self, phrases: Phrases, corpus: Corpus, max_sentence_length: int = 10000):
        self.phrases = phrases
        self.corpus = corpus
        self.max_sentence_length = max_sentence_length

    def __iter__(self) -> Iterator[list[str]]:
        m = self.max_sentence_length
        pending = ""
        for block in self.phrases._blocks(self.corpus):
            text = pending + block.tobytes().decode("utf-8")
            lines = text.split("\n")
            pending = lines.pop()  # an unfinished line continues in the next block
            for line in lines:
                words = line.split()
                for i in range(0, len(words), m):
                    yield words[i : i + m]
            # bound memory on corpora with very long lines (text8 is one line)
            if len(pending) > 1 << 20:
                words = pending.split()
                done = len(words) - 1  # the last token may continue in the next block
                cut = done - done % m
                for i in range(0, cut, m):
                    yield words[i : i + m]
                pending = " ".join(words[cut:])
        words = pending.split()
        for i in range(0, len(words), m):
            yield words[i : i + m]
