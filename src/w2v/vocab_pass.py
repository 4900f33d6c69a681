"""The vocabulary pass on every core: counting a corpus's words and encoding it into word ids
with one thread per byte range.

The files are cut into ``threads`` ranges at token boundaries (:func:`w2v.ranges.plan_ranges`,
the cut the distributed shards use; a compressed file is read whole by one thread). Each
thread counts its range into a table of its own with the compiled, GIL-free counting kernel,
recording each token's id in that table into a spool of its own. The tables are then merged in
range order (:meth:`WordTable.add_table`, the merge distributed counting uses), the first
table becoming the merged one, so every word keeps its first appearance in the corpus and the
vocabulary (words, counts, order, ties) is exactly that of one counter reading the whole
corpus.

Encoding maps each range's recorded ids to vocabulary ids, again one thread per range. A
sentence ends at a line end or after ``max_sentence_length`` known words, so where a range's
first sentence ends depends on the ranges before it: a first parallel scan counts the known
words before a range's first line end and after its last one, from which the sentence length
open at each range's start follows; then each range is encoded from that state, and the
outputs are joined in order, with their sentence ends and CRC-32 combined, into exactly the
ids, chunks and CRC one thread would write.

``max_vocab_size`` (word2vec.c's pruning) with ``threads`` ranges: each range's counter forgets
its rarest words when it holds more than ``ceil(max_vocab_size / threads)`` (word2vec.c's rule
on its own range), so the counters together hold about as many words as one counter would;
the merged table is then pruned by the same rule (forgetting the words seen at most
``min_reduce`` times, raising ``min_reduce`` each time) until it holds at most
``max_vocab_size``. With one thread this is word2vec.c's rule exactly; with more, as with
distributed shards, a word rare in every range but frequent overall can be forgotten, so the
vocabulary may differ from one thread's. Once pruned, the recorded ids are not used (the words
were renumbered) and the corpus is encoded from its text when training starts.
"""

from __future__ import annotations

import logging
import math
import os
import shutil
import tempfile
import time
import zlib
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

import numpy as np
from numba import njit

from w2v.callbacks import PassProgress
from w2v.corpus import (
    NEWLINE_BYTE,
    Corpus,
    EncodedCorpus,
    IdSpool,
    InvalidText,
    _LineCounter,
    _remap_ids,
    piece_blocks,
)
from w2v.ranges import Piece, file_sizes, is_compressed, plan_ranges
from w2v.vocabulary import LINE_END, TrimRule, Vocabulary, WordTable

logger = logging.getLogger(__name__)

#: Seconds between progress reports.
REPORT_SECONDS = 0.5


@dataclass
class _RangeCount:
    table: WordTable | None = None
    spool: IdSpool | None = None
    tokens: int = 0
    lines: int = 0
    invalid: InvalidText = field(default_factory=InvalidText)
    pruned: bool = False
    min_reduce: int = 1
    first_end: int = -1  # spool index of the first LINE_END (-1: none)
    last_end: int = -1


class _Stopped(Exception):
    """A range before this one failed: this one stops reading (its own error, if it met
    one later, could not be the one to report)."""


class _Stop:
    """The first job (in order) that failed; the jobs after it stop."""

    def __init__(self) -> None:
        self.first = math.inf

    def check(self, index: int) -> None:
        if index > self.first:
            raise _Stopped


def _byte_before(piece: Piece) -> int:
    """The byte before a piece (a newline at a file's start), for counting its lines."""
    if piece.compressed or piece.start == 0:
        return NEWLINE_BYTE
    with open(piece.path, "rb") as f:
        f.seek(piece.start - 1)
        return f.read(1)[0]


def _count_range(
    corpus: Corpus,
    pieces: tuple[Piece, ...],
    record: bool,
    limit: int | None,
    trim_rule: TrimRule | None,
    meter: list[int],
    stop: _Stop,
    index: int,
    tmpdir: str | os.PathLike | None,
) -> _RangeCount:
    res = _RangeCount(table=WordTable())
    table = res.table
    lines = _LineCounter()
    lines.last = _byte_before(pieces[0])
    ids = np.zeros(0, dtype=np.int32)
    if record:
        res.spool = IdSpool(tmpdir)
    for block in piece_blocks(pieces, corpus.unicode_errors, corpus.normalize, res.invalid):
        stop.check(index)
        lines(block)
        if res.spool is None:
            n_tokens = table.count(block)
        else:
            if ids.shape[0] < block.shape[0] + 1:
                ids = np.empty(block.shape[0] + 1, dtype=np.int32)
            n_tokens, k = table.count_with_ids(block, ids)
            first, last = _first_last(ids, k)
            if first >= 0:
                if res.first_end < 0:
                    res.first_end = res.spool.n_ids + first
                res.last_end = res.spool.n_ids + last
            res.spool(ids[:k])
        res.tokens += n_tokens
        meter[0] += block.shape[0]  # (one writer per counter; read for progress only)
        meter[1] += n_tokens
        if limit is not None and table.n_words > limit:
            table.prune(res.min_reduce, trim_rule)
            res.min_reduce += 1
            res.pruned = True
    res.lines = lines.count
    if index > 0:
        table.drop_index()  # merged by words and counts alone: the index would only weigh
    return res


@njit(nogil=True, cache=True)
def _first_last(ids, k):
    """Indices of the first and last :data:`LINE_END` in ``ids[:k]`` (-1, -1 if none)."""
    first = -1
    for i in range(k):
        if ids[i] == LINE_END:
            first = i
            break
    if first < 0:
        return -1, -1
    for i in range(k - 1, first - 1, -1):
        if ids[i] == LINE_END:
            return first, i
    return first, first


def _run(jobs: list[Callable[[], object]], threads: int, stop: _Stop,
         report: Callable[[], None] | None = None) -> list:  # fmt: skip
    """Run ``jobs`` on ``threads`` threads; their results in order, or the exception of the
    first job (in order) that failed, after stopping the jobs after it."""
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="w2v-vocab") as pool:
        futures: list[Future] = [pool.submit(job) for job in jobs]
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=REPORT_SECONDS, return_when=FIRST_EXCEPTION)
            for i, f in enumerate(futures):
                if f in done and f.exception() is not None:
                    stop.first = min(stop.first, i)
            if report is not None:
                report()
    for f in futures:
        exc = f.exception()
        if exc is not None and not isinstance(exc, _Stopped):
            raise exc
    return [f.result() for f in futures]


def count_corpus(
    corpus: Corpus,
    threads: int,
    min_count: int = 5,
    max_vocab_size: int | None = None,
    max_final_vocab: int | None = None,
    trim_rule: TrimRule | None = None,
    sorted_vocab: bool = True,
    encode: Callable[[Vocabulary], tuple[int, int]] | None = None,
    progress: Callable[[PassProgress], None] | None = None,
    tmpdir: str | os.PathLike | None = None,
) -> tuple[Vocabulary, EncodedCorpus | None]:
    """Count the words of a file corpus on ``threads`` threads (and encode it, if asked).

    Parameters
    ----------
    corpus : Corpus
        A corpus of files (not an iterable of token lists).
    threads : int
        Counting threads, one byte range each.
    min_count, max_vocab_size, max_final_vocab, trim_rule, sorted_vocab :
        As :meth:`Vocabulary.build` (``max_vocab_size`` with several threads: see the
        module's description).
    encode : callable, optional
        Given the vocabulary, returns ``(max_sentence_length, chunk_size)``: also encode the
        corpus into word ids as :class:`EncodedCorpus` would with them, from the ids recorded
        while counting.
    progress : callable, optional
        Called with a :class:`PassProgress` about every :data:`REPORT_SECONDS` while counting,
        from the calling thread.

    Returns
    -------
    vocab : Vocabulary
        The vocabulary; ``corpus.sentence_count`` is set as :meth:`Corpus.blocks` sets it.
    encoded : EncodedCorpus or None
        The encoded corpus, or None if not asked or if pruning renumbered the words.
    """
    if corpus.sentences is not None:
        raise ValueError("count_corpus reads files; count an iterable with Vocabulary.build")
    t0 = time.perf_counter()
    ranges = [r for r in plan_ranges(corpus.files, max(1, threads)) if r]
    if not ranges:  # only empty files: read them as one reading would (each ends a line)
        ranges = [tuple(Piece(str(p), 0, 0, is_compressed(p)) for p in corpus.files)]
    n_ranges = len(ranges)
    limit = None if max_vocab_size is None else math.ceil(max_vocab_size / n_ranges)
    meters = [[0, 0] for _ in ranges]
    total_bytes = sum(file_sizes(corpus.files))
    stop = _Stop()

    def report(final: bool = False) -> None:
        if progress is not None:
            progress(PassProgress(sum(m[0] for m in meters), total_bytes,
                                  sum(m[1] for m in meters), time.perf_counter() - t0,
                                  final))  # fmt: skip

    jobs = [
        (
            lambda r=r: _count_range(
                corpus, ranges[r], encode is not None, limit, trim_rule, meters[r], stop, r, tmpdir
            )
        )  # fmt: skip
        for r in range(n_ranges)
    ]
    parts: list[_RangeCount] = []
    try:
        parts = _run(jobs, n_ranges, stop, report)
        t_count = time.perf_counter()
        merged, maps, pruned = _merge(parts, max_vocab_size, trim_rule)
        total = sum(p.tokens for p in parts)
        vocab, order = Vocabulary.from_table(
            merged, total, min_count, max_final_vocab, trim_rule, sorted_vocab
        )
        invalid = InvalidText()
        for p in parts:
            if p.invalid.count:
                invalid.add(p.invalid.count, p.invalid.first)
        corpus.sentence_count = sum(p.lines for p in parts)
        if invalid.count and not corpus._warned:
            corpus._warned = True
            invalid.warn(corpus.unicode_errors)
        encoded = None
        counting_ids = np.full(merged.n_words, -1, dtype=np.int32)
        counting_ids[order] = np.arange(order.shape[0], dtype=np.int32)
        del merged
        t_merge = time.perf_counter()
        if encode is not None and not pruned:
            id_maps = [counting_ids if m is None else counting_ids[m] for m in maps]
            del maps
            encoded = _encode(parts, id_maps, n_ranges, tmpdir, *encode(vocab))
            encoded.n_unknown_words = int(np.count_nonzero(counting_ids < 0))
        logger.debug(
            "vocabulary pass: %d ranges, counting %.2fs, merging and selecting %.2fs, "
            "encoding %.2fs",
            n_ranges, t_count - t0, t_merge - t_count, time.perf_counter() - t_merge,
        )  # fmt: skip
    finally:
        for p in parts:
            if p.spool is not None:
                p.spool.close()
    report(final=True)
    return vocab, encoded


def _merge(
    parts: list[_RangeCount], max_vocab_size: int | None, trim_rule: TrimRule | None
) -> tuple[WordTable, list[np.ndarray | None], bool]:
    """Merge the ranges' tables in range order into the first (freeing each once merged).

    Returns the merged table, for each range the id in it of each of the range's words (None
    for the first range, whose ids are kept), and whether any pruning happened."""
    merged = parts[0].table
    maps: list[np.ndarray | None] = [None]
    for p in parts[1:]:
        maps.append(merged.add_table(p.table))
        p.table = None  # its memory goes before the next one is merged
    parts[0].table = None
    pruned = any(p.pruned for p in parts)
    if len(parts) > 1 and max_vocab_size is not None:
        min_reduce = max(p.min_reduce for p in parts)
        while merged.n_words > max_vocab_size:
            merged.prune(min_reduce, trim_rule)
            min_reduce += 1
            pruned = True
    return merged, maps, pruned


@njit(nogil=True, cache=True)
def _known(src, id_map):
    """How many of ``src``'s ids are of words kept (``id_map >= 0``)."""
    n = 0
    for i in range(src.shape[0]):
        if id_map[src[i]] >= 0:
            n += 1
    return n


def _known_between(spool: IdSpool, id_map: np.ndarray, start: int, stop: int) -> int:
    """Known words among the recorded ids ``start:stop`` (which hold no LINE_END)."""
    n = 0
    for _, ids in spool.pieces_from(start, stop):
        n += _known(ids, id_map)
    return n


def _encode(
    parts: list[_RangeCount],
    id_maps: list[np.ndarray],
    threads: int,
    tmpdir: str | os.PathLike | None,
    max_sentence_length: int,
    chunk_size: int,
) -> EncodedCorpus:
    enc = EncodedCorpus.__new__(EncodedCorpus)
    enc._open(max_sentence_length, chunk_size, tmpdir)
    try:
        return _encode_into(enc, parts, id_maps, threads, tmpdir)
    except BaseException:
        enc.close()
        raise


def _encode_into(enc, parts, id_maps, threads, tmpdir) -> EncodedCorpus:
    max_len = enc.max_sentence_length
    stop = _Stop()

    def edges(r: int) -> tuple[int, int]:
        """Known words before the first line end of range r (all, if it has none) and
        after its last one."""
        p, m = parts[r], id_maps[r]
        n = p.spool.n_ids
        if p.first_end < 0:
            return _known_between(p.spool, m, 0, n), -1
        return _known_between(p.spool, m, 0, p.first_end), _known_between(
            p.spool, m, p.last_end + 1, n
        )

    lead_tail = _run([lambda r=r: edges(r) for r in range(len(parts))], threads, stop)
    # the length of the sentence open where each range starts, as one pass would carry it
    states = [0]
    for r, (lead, tail) in enumerate(lead_tail[:-1]):
        has_end = parts[r].first_end >= 0
        states.append(tail % max_len if has_end else (states[-1] + lead) % max_len)

    def encode_range(r: int):
        p, m = parts[r], id_maps[r]
        out_file = enc._file if r == 0 else _temp(tmpdir)
        sent_len, crc, n_out, raw = states[r], 0, 0, 0
        ends = []
        buf = np.empty(0, dtype=np.int32)
        for _, ids in p.spool.pieces_from(0, p.spool.n_ids):
            stop.check(r)
            if buf.shape[0] < 2 * ids.shape[0] + 1:
                buf = np.empty(2 * ids.shape[0] + 1, dtype=np.int32)
            k, sent_len, got = _remap_ids(ids, m, buf, sent_len, max_len)
            out = buf[:k]
            out_file.write(memoryview(out))
            crc = zlib.crc32(out, crc)
            ends.append(np.flatnonzero(out == -1) + n_out)
            n_out += k
            raw += got
        out_file.flush()
        return out_file, n_out, crc, np.concatenate(ends) if ends else np.zeros(0, np.int64), \
            sent_len, raw  # fmt: skip

    outs = _run([lambda r=r: encode_range(r) for r in range(len(parts))], threads, stop)
    n_raw = 0
    for r, (out_file, n_out, crc, ends, _, raw) in enumerate(outs):
        if r > 0:
            _append_file(enc._file, out_file, n_out * 4)
            out_file.close()
            enc._crc = crc32_combine(enc._crc, crc, n_out * 4)
        else:
            enc._crc = crc
        enc._mark(ends, n_out)
        n_raw += raw
    enc._close_writing(outs[-1][4], n_raw)
    return enc


def _temp(tmpdir):
    return tempfile.TemporaryFile(dir=tmpdir, prefix="w2v-ids-range-")


def _append_file(dst, src, nbytes: int) -> None:
    """Append the first ``nbytes`` of file ``src`` to ``dst`` (in the kernel where it can)."""
    dst.flush()
    dst.seek(0, os.SEEK_END)
    src.seek(0)
    offset = dst.tell()
    done = 0
    try:
        while done < nbytes:
            n = os.copy_file_range(src.fileno(), dst.fileno(), nbytes - done, done, offset + done)
            if n <= 0:
                break
            done += n
    except (AttributeError, OSError):
        pass
    if done < nbytes:
        src.seek(done)
        dst.seek(offset + done)
        shutil.copyfileobj(src, dst, 1 << 22)
        dst.flush()
    dst.seek(0, os.SEEK_END)


def _gf2_times(mat: list[int], vec: int) -> int:
    s, i = 0, 0
    while vec:
        if vec & 1:
            s ^= mat[i]
        vec >>= 1
        i += 1
    return s


def _gf2_square(mat: list[int]) -> list[int]:
    return [_gf2_times(mat, mat[n]) for n in range(32)]


def crc32_combine(crc1: int, crc2: int, len2: int) -> int:
    """The CRC-32 of ``a + b`` from ``crc32(a)``, ``crc32(b)`` and ``len(b)`` (zlib's
    ``crc32_combine``, which Python's zlib does not expose)."""
    if len2 <= 0:
        return crc1
    op = [0xEDB88320] + [1 << n for n in range(31)]  # the operator for one zero bit
    for _ in range(3):
        op = _gf2_square(op)  # doubled to two, four, eight zero bits: one zero byte
    while len2:  # apply len2 zero bytes, one power of two at a time
        if len2 & 1:
            crc1 = _gf2_times(op, crc1)
        len2 >>= 1
        op = _gf2_square(op)
    return crc1 ^ crc2
