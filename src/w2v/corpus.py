"""Corpus reading: text files (plain, .gz, .bz2, .xz), directories of them, or token iterables.

A corpus is streamed as blocks of UTF-8 bytes cut at token boundaries, so a text8-style file
(one line of hundreds of MB) is never held whole. For training, :class:`EncodedCorpus` turns it
once into int32 word ids in an unlinked temporary file, cut into chunks at sentence ends that
worker threads read by range.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import logging
import lzma
import os
import re
import shutil
import sys
import tempfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

import numpy as np
from numba import njit

from w2v.errors import CorpusError, ParameterError
from w2v.normalize import check_mode, normalize_block
from w2v.ranges import Piece
from w2v.tokenizer import count_space_split, first_invalid_utf8, last_cut, next_token
from w2v.vocabulary import LINE_END, Vocabulary, WordTable, find_slot, fnv1a

logger = logging.getLogger(__name__)

BLOCK_BYTES = 1 << 22
SENTENCE_END = -1
UNICODE_ERRORS = ("replace", "strict", "ignore")
_REPLACEMENT = "\ufffd".encode()
_SURROGATE = re.compile("[\ud800-\udfff]")
NEWLINE = "\n"
NEWLINE_BYTE = 10

_OPENERS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open, ".lzma": lzma.open}


def open_binary(path: Path) -> IO[bytes]:
    """Open a text file for binary reading, decompressing by its suffix."""
    opener = _OPENERS.get(path.suffix.lower(), open)
    try:
        return opener(path, "rb")
    except OSError as exc:
        raise CorpusError(f"{path}: cannot open corpus file: {exc.strerror or exc}") from exc


#: Corpus names that mean standard input (for the command line).
STDIN_NAMES = ("-", "/dev/stdin")


@contextlib.contextmanager
def spooled_stdin(
    stream: IO[bytes] | None = None, tmpdir: str | os.PathLike | None = None
) -> Iterator[Path]:
    """Standard input (or `stream`) copied once into a temporary file, whose path is yielded.

    Training reads its corpus more than once (counting, then every epoch), and a pipe can be
    read only once; the copy is deleted on exit. It holds the text as given (plain UTF-8:
    a compressed stream must be decompressed first, e.g. ``xzcat corpus.xz | w2v train -``).
    """
    stream = stream if stream is not None else sys.stdin.buffer
    fd, name = tempfile.mkstemp(prefix="w2v-stdin-", suffix=".txt", dir=tmpdir)
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(stream, out, BLOCK_BYTES)
        logger.info("corpus: %d bytes read from standard input", path.stat().st_size)
        yield path
    finally:
        path.unlink(missing_ok=True)


class Corpus:
    """A restartable corpus.

    Parameters
    ----------
    source : str, os.PathLike or iterable of list of str
        A text file (one sentence per line, tokens separated by whitespace; ``.gz``, ``.bz2``
        and ``.xz`` are decompressed), a directory of such files (read in name order), or a
        restartable iterable of token lists (a list, or an object whose ``__iter__`` starts over).
    unicode_errors : {"replace", "strict", "ignore"}
        What to do with bytes that are not valid UTF-8 (and lone surrogates in given tokens):
        replace them by U+FFFD (default), raise :class:`~w2v.errors.CorpusError` naming the
        file and byte offset (of the decompressed text), or drop them. Replacing or dropping
        logs one warning per reading of the corpus with the number of invalid sequences and
        where the first one is.
    normalize : {None, "split", "drop", "text8"}
        None (default) reads the tokens as they are. Otherwise raw text is normalised before
        it is split into tokens: lower-cased, punctuation split off as tokens of its own
        (``"split"``) or dropped (``"drop"``), or the text8 recipe (``"text8"``);
        :mod:`w2v.normalize` gives the exact rules.

    Notes
    -----
    Tokens are split at whitespace and at every ASCII control character (NUL included), in
    files and in given tokens alike (``["foo\\x00bar"]`` gives ``foo`` and ``bar``), so no word
    can hold a character the word2vec formats cannot store; see :mod:`w2v.tokenizer`.
    """

    def __init__(
        self,
        source: str | os.PathLike | Iterable,
        unicode_errors: str = "replace",
        normalize: str | None = None,
    ):
        if unicode_errors not in UNICODE_ERRORS:
            raise ParameterError(f"unicode_errors must be one of {UNICODE_ERRORS}")
        self.unicode_errors = unicode_errors
        self.normalize = check_mode(normalize)
        self._warned = False
        #: Non-empty lines (sentences) of the last complete reading, None before one.
        self.sentence_count: int | None = None
        self.files: list[Path] = []
        self.sentences: Iterable | None = None
        if isinstance(source, (str, os.PathLike)):
            path = Path(source)
            if path.is_dir():
                self.files = sorted(
                    p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")
                )
                if not self.files:
                    raise CorpusError(f"{path}: corpus directory holds no files")
            elif path.is_file():
                self.files = [path]
            else:
                raise CorpusError(f"{path}: no such corpus file or directory")
        elif isinstance(source, Corpus):
            self.files, self.sentences = source.files, source.sentences
        elif isinstance(source, Iterable) and not isinstance(source, (bytes, bytearray)):
            if iter(source) is source:
                raise CorpusError(
                    "the corpus iterable is a one-shot iterator (e.g. a generator); training "
                    "reads it more than once, so pass a list or an object whose __iter__ restarts"
                )
            self.sentences = source
        else:
            raise CorpusError(f"unsupported corpus type {type(source).__name__}")

    def __repr__(self) -> str:
        what = ", ".join(map(str, self.files[:3])) if self.files else "iterable"
        return f"Corpus({what})"

    def identity(self) -> tuple | None:
        """What tells this corpus's files apart from any others, or from themselves once
        changed (path, device, inode, size, modification time); None for an iterable, whose
        content cannot be checked this way."""
        if self.sentences is not None:
            return None
        return tuple((str(p.resolve()), *_identity(p)) for p in self.files)

    def blocks(self) -> Iterator[np.ndarray]:
        """Yield uint8 arrays of valid UTF-8, each ending at a token boundary; every file and
        every sentence ends with a newline."""
        invalid = InvalidText()
        lines = _LineCounter()
        if self.sentences is not None:
            yield from map(lines, self._normalized(self._sentence_blocks(invalid)))
        for path in self.files:
            yield from map(lines, self._normalized(self._file_blocks(path, invalid)))
        self.sentence_count = lines.count
        if invalid.count and not self._warned:
            self._warned = True  # the same corpus read again would repeat the same news
            invalid.warn(self.unicode_errors)

    def _normalized(self, blocks: Iterator[np.ndarray]) -> Iterator[np.ndarray]:
        if self.normalize is None:
            return blocks
        return (normalize_block(block, self.normalize) for block in blocks)

    def _file_blocks(self, path: Path, invalid: InvalidText) -> Iterator[np.ndarray]:
        return file_blocks(path, self.unicode_errors, invalid)

    def _sentence_blocks(self, invalid: InvalidText) -> Iterator[np.ndarray]:
        lines: list[str] = []
        size = expected = 0
        first = 0  # number of the first sentence in `lines`
        for number, sentence in enumerate(self.sentences):
            if isinstance(sentence, (str, bytes)):
                raise CorpusError(
                    f"sentence {number} is a {type(sentence).__name__}, not a list of tokens; "
                    "split it into words first (e.g. line.split())"
                )
            line = " ".join(sentence)
            lines.append(line)
            size += len(line) + 1
            expected += len(sentence)
            if size >= BLOCK_BYTES:
                yield self._sentences_to_block(lines, expected, first, invalid)
                lines, size, expected, first = [], 0, 0, number + 1
        if lines:
            yield self._sentences_to_block(lines, expected, first, invalid)

    def _sentences_to_block(
        self, lines: list[str], expected: int, first: int, invalid: InvalidText
    ) -> np.ndarray:
        text = "\n".join(lines) + "\n"
        try:
            data = text.encode("utf-8")
            surrogate = -1
        except UnicodeEncodeError as exc:
            data = text.encode("utf-8", errors="surrogatepass")  # to count tokens as given
            surrogate = exc.start
        arr = np.frombuffer(data, dtype=np.uint8)
        found = count_space_split(arr, arr.shape[0])
        if found != expected:
            raise CorpusError(
                f"sentences {first} to {first + len(lines) - 1}: {expected} tokens given but "
                f"{found} found after joining; a token is empty or contains whitespace"
            )
        if surrogate >= 0:
            # Lone surrogates (from a str decoded with surrogateescape, say) have no UTF-8
            # form: the policy for a file's invalid bytes applies to them.
            where = f"sentence {first + text.count(NEWLINE, 0, surrogate)}"
            if self.unicode_errors == "strict":
                raise CorpusError(f"{where}: a lone surrogate, which is not UTF-8") from None
            text, n = _SURROGATE.subn("\ufffd" if self.unicode_errors == "replace" else "", text)
            invalid.add(n, where)
            arr = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
        return arr


def file_blocks(
    path: Path,
    unicode_errors: str,
    invalid: InvalidText,
    start: int = 0,
    stop: int | None = None,
) -> Iterator[np.ndarray]:
    """The text of ``path`` (decompressed by its suffix), or of its bytes ``start:stop`` (a
    plain file cut at token boundaries, see :mod:`w2v.ranges`), as blocks of valid UTF-8 under
    the ``unicode_errors`` policy, each ending at a token boundary. The text that ends the
    file ends with an added newline; a range that stops inside the file gets none, so the
    ranges of a file read one after the other give exactly the file's blocks' tokens and
    line ends."""
    before = _identity(path)
    with open_binary(path) as f:
        if start:
            f.seek(start)
        left = -1 if stop is None else stop - start
        carry = b""
        offset = start  # byte offset of the start of `carry` in the (decompressed) file
        while left != 0:
            try:
                data = f.read(BLOCK_BYTES if left < 0 else min(BLOCK_BYTES, left))
            except (OSError, EOFError, lzma.LZMAError, zlib.error) as exc:
                # truncated or corrupt .gz/.bz2/.xz end up here (EOFError, BadGzipFile, ...)
                raise CorpusError(f"{path}: cannot read corpus at byte {offset}: {exc}") from exc
            if not data:
                if left > 0:
                    _check_unchanged(path, before)  # names the change if it can
                    raise CorpusError(f"{path}: the file ended at byte {offset} (it shrank)")
                break
            if left > 0:
                left -= len(data)
            buf = carry + data
            arr = np.frombuffer(buf, dtype=np.uint8)
            cut = last_cut(arr, arr.shape[0])
            if cut == 0 and len(buf) < 4 * BLOCK_BYTES:
                carry = buf  # no whitespace yet: a token longer than a block, read on
                continue
            if cut == 0:
                cut = len(buf)
            yield clean_utf8(buf[:cut], path, offset, unicode_errors, invalid)
            offset += cut
            carry = buf[cut:]
    _check_unchanged(path, before)
    if stop is None or stop >= before[2]:
        yield clean_utf8(carry + b"\n", path, offset, unicode_errors, invalid)
    elif carry:
        yield clean_utf8(carry, path, offset, unicode_errors, invalid)


def piece_blocks(
    pieces: Iterable[Piece], unicode_errors: str, normalize: str | None, invalid: InvalidText
) -> Iterator[np.ndarray]:
    """The blocks of some pieces of a corpus's files (:mod:`w2v.ranges`), in order, read as
    :meth:`Corpus.blocks` reads whole files (``normalize`` is a checked mode or None)."""
    for piece in pieces:
        stop = None if piece.compressed else piece.stop
        blocks = file_blocks(Path(piece.path), unicode_errors, invalid, piece.start, stop)
        if normalize is None:
            yield from blocks
        else:
            for block in blocks:
                yield normalize_block(block, normalize)


class _LineCounter:
    """Counts non-empty lines in a stream of blocks (a line of whitespace counts; only
    consecutive newlines are empty lines), passing the blocks through."""

    def __init__(self) -> None:
        self.count = 0
        self.last = NEWLINE_BYTE  # as if after a newline: a leading newline is an empty line

    def __call__(self, block: np.ndarray) -> np.ndarray:
        self.count += _count_lines(block, self.last)
        if block.shape[0]:
            self.last = block[-1]
        return block


@njit(nogil=True, cache=True)
def _count_lines(block, last):
    """Newlines of ``block`` that end a non-empty line (``last``: the byte before it)."""
    n = 0
    prev = last
    for i in range(block.shape[0]):
        b = block[i]
        if b == NEWLINE_BYTE and prev != NEWLINE_BYTE:
            n += 1
        prev = b
    return n


class InvalidText:
    """Invalid UTF-8 met in one reading of a corpus: how many sequences, and where the first
    one was."""

    def __init__(self) -> None:
        self.count = 0
        self.first = ""

    def add(self, count: int, where: str) -> None:
        if not self.count:
            self.first = where
        self.count += count

    def warn(self, unicode_errors: str) -> None:
        """Log the one warning a reading with invalid UTF-8 gets."""
        done = "replaced by U+FFFD" if unicode_errors == "replace" else "dropped"
        logger.warning(
            "corpus: %d invalid UTF-8 sequence%s %s, the first in %s; pass "
            "unicode_errors='strict' to stop at them",
            self.count, "" if self.count == 1 else "s", done, self.first,
        )  # fmt: skip


def clean_utf8(
    data: bytes, path: Path, offset: int, unicode_errors: str, invalid: InvalidText
) -> np.ndarray:
    """``data`` (from byte ``offset`` of ``path``) as valid UTF-8 under the ``unicode_errors``
    policy, counting the invalid sequences in ``invalid``."""
    arr = np.frombuffer(data, dtype=np.uint8)
    bad = first_invalid_utf8(arr, arr.shape[0])
    if bad < 0:
        return arr
    if unicode_errors == "strict":
        raise CorpusError(f"{path}: invalid UTF-8 at byte offset {offset + bad}")
    replaced = data.decode("utf-8", errors="replace")
    # one U+FFFD per invalid sequence, as the decoder cuts them; genuine ones are not news
    invalid.add(
        replaced.count("\ufffd") - data.count(_REPLACEMENT), f"{path} at byte offset {offset + bad}"
    )
    if unicode_errors == "ignore":
        return np.frombuffer(data.decode("utf-8", errors="ignore").encode(), dtype=np.uint8)
    return np.frombuffer(replaced.encode("utf-8"), dtype=np.uint8)


def _identity(path: Path) -> tuple[int, int, int, int]:
    try:
        st = path.stat()
    except OSError as exc:
        raise CorpusError(f"{path}: cannot open corpus file: {exc.strerror or exc}") from exc
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


def _check_unchanged(path: Path, before: tuple[int, int, int, int]) -> None:
    """Refuse a file that was deleted, replaced or modified while being read.

    On POSIX an open file stays readable after it is deleted, and a truncated one just ends
    early: either way the words read would silently differ from the file the user meant (and
    from what the vocabulary was counted on), so this is an error rather than a guess.
    """
    try:
        after = _identity(path)
    except CorpusError:
        raise CorpusError(
            f"{path}: the corpus file was deleted while being read; keep it in place until "
            "training has started (it is encoded once, before the first epoch)"
        ) from None
    if after != before:
        raise CorpusError(
            f"{path}: the corpus file changed while being read (size {before[2]} -> "
            f"{after[2]} bytes); keep it unchanged until training has started"
        )


@njit(nogil=True, cache=True, inline="always")
def _end_sentence(out, k, sent_len):
    """End the open sentence, if any, at ``out[k]``; returns ``(k, 0)``. Both encodings
    (text and recorded ids) cut sentences through these two helpers, so they agree."""
    if sent_len > 0:
        out[k] = SENTENCE_END
        k += 1
    return k, 0


@njit(nogil=True, cache=True, inline="always")
def _add_word(out, k, sent_len, w, max_len):
    """Append word ``w``, ending the sentence once it holds ``max_len`` words (a long line is
    cut into consecutive sentences, never truncated); returns ``(k, sent_len)``."""
    out[k] = w
    k += 1
    sent_len += 1
    if sent_len >= max_len:
        out[k] = SENTENCE_END
        k += 1
        sent_len = 0
    return k, sent_len


@njit(nogil=True, cache=True)
def _encode_block(buf, n, slots, hashes, starts, lens, key_bytes, out, sent_len, max_len, unk):
    """Write the word ids of ``buf`` to ``out``, dropping unknown words and ending each sentence
    (a line, or ``max_len`` consecutive known words) with SENTENCE_END. The unknown words go
    to ``unk`` (room for ``n + 1`` bytes), one a line, to be counted.

    Returns ``(ids written, length of the open sentence, tokens read, bytes written to unk)``.
    """
    pos = 0
    k = 0
    raw = 0
    u = 0
    while True:
        s, e, newlines = next_token(buf, pos, n)
        if newlines > 0:
            k, sent_len = _end_sentence(out, k, sent_len)
        if s >= n:
            return k, sent_len, raw, u
        raw += 1
        j = find_slot(slots, hashes, starts, lens, key_bytes, buf, s, e, fnv1a(buf, s, e))
        w = slots[j]
        if w >= 0:
            k, sent_len = _add_word(out, k, sent_len, w, max_len)
        else:
            unk[u : u + e - s] = buf[s:e]
            u += e - s
            unk[u] = NEWLINE_BYTE
            u += 1
        pos = e


@njit(nogil=True, cache=True)
def _remap_ids(src, id_map, out, sent_len, max_len):
    """:func:`_encode_block` for ids recorded while counting: map them through ``id_map``,
    drop words left out, end sentences at line ends (LINE_END) and after ``max_len`` words.

    Returns ``(ids written, length of the open sentence, tokens read)``.
    """
    k = 0
    raw = 0
    for i in range(src.shape[0]):
        w = src[i]
        if w == LINE_END:
            k, sent_len = _end_sentence(out, k, sent_len)
        else:
            raw += 1
            if id_map[w] >= 0:
                k, sent_len = _add_word(out, k, sent_len, id_map[w], max_len)
    return k, sent_len, raw


class IdSpool:
    """The ids a vocabulary count records (``Vocabulary.build(..., ids_sink=spool)``), kept in
    an unlinked temporary file so that :meth:`EncodedCorpus.from_spool` can encode the corpus
    without reading and tokenising the text a second time."""

    PIECE = 1 << 20  # ids per read: bounded memory

    def __init__(self, tmpdir: str | os.PathLike | None = None) -> None:
        self._file = tempfile.TemporaryFile(dir=tmpdir, prefix="w2v-counted-")
        self.n_ids = 0

    def __call__(self, ids: np.ndarray) -> None:
        self._file.write(memoryview(np.ascontiguousarray(ids, dtype=np.int32)))
        self.n_ids += ids.shape[0]

    def pieces(self) -> Iterator[np.ndarray]:
        """The recorded ids, in order, in pieces of at most :attr:`PIECE` (a reused array)."""
        for _, piece in self.pieces_from(0, self.n_ids):
            yield piece

    def pieces_from(self, start: int, stop: int) -> Iterator[tuple[int, np.ndarray]]:
        """The recorded ids ``start:stop`` in pieces of at most :attr:`PIECE` (a reused
        array), each with the index of its first id."""
        self._file.flush()
        buf = np.empty(max(0, min(self.PIECE, stop - start)), dtype=np.int32)
        done = start
        while done < stop:
            piece = buf[: min(self.PIECE, stop - done)]
            if os.preadv(self._file.fileno(), [piece], done * 4) != piece.nbytes:
                raise CorpusError("recorded corpus ids: short read of the temporary file")
            yield done, piece
            done += piece.shape[0]

    def close(self) -> None:
        self._file.close()


class EncodedCorpus:
    """A corpus as int32 word ids on disk, ready for worker threads to read chunk by chunk.

    Sentences end with :data:`SENTENCE_END`; lines longer than ``max_sentence_length`` known
    words are cut into consecutive sentences (never truncated). The ids live in an unlinked
    temporary file, so memory holds only the chunk index and the system reclaims the file
    even if the process is killed.

    Attributes
    ----------
    n_ids : int
        Ids in the file, sentence ends included.
    n_words : int
        Known-word tokens (what the learning-rate schedule counts).
    n_raw_words : int
        All tokens read, unknown words included.
    n_unknown_words : int
        Distinct words read that are not in the vocabulary (left out of the ids).
    crc32 : int
        CRC-32 of the encoded ids: identifies the training data when a checkpoint is resumed.
    chunk_starts : numpy.ndarray
        int64 id offset of each chunk, plus ``n_ids`` at the end.
    chunk_words : numpy.ndarray
        int64 count of known words before each chunk, plus ``n_words`` at the end.
    """

    def __init__(
        self,
        corpus: Corpus,
        vocab: Vocabulary,
        max_sentence_length: int = 10000,
        chunk_size: int = 1 << 16,
        tmpdir: str | os.PathLike | None = None,
    ) -> None:
        self._open(max_sentence_length, chunk_size, tmpdir)
        table = vocab.table
        unknown = WordTable()  # distinct words outside the vocabulary, for the report
        sent_len = n_raw = 0
        for block in corpus.blocks():
            out = np.empty(block.shape[0] + 2, dtype=np.int32)
            unk = np.empty(block.shape[0] + 1, dtype=np.uint8)
            k, sent_len, raw, u = _encode_block(
                block, block.shape[0], table.slots, table.hashes, table.starts, table.lens,
                table.key_bytes, out, sent_len, max_sentence_length, unk,
            )  # fmt: skip
            self._append(out[:k])
            unknown.count(unk[:u])
            n_raw += raw
        self._close_writing(sent_len, n_raw)
        self.n_unknown_words = unknown.n_words

    @classmethod
    def from_spool(
        cls,
        spool: IdSpool,
        vocab: Vocabulary,
        max_sentence_length: int = 10000,
        chunk_size: int = 1 << 16,
        tmpdir: str | os.PathLike | None = None,
    ) -> EncodedCorpus:
        """Encode the ids recorded while ``vocab`` was counted (``Vocabulary.build`` with
        ``ids_sink=spool``) rather than the text: the same result as encoding the text, from
        a pass over int32 ids instead of tokenising and hashing every word again."""
        if vocab.counting_ids is None:
            raise ParameterError("from_spool: the vocabulary was not built with this spool")
        self = cls.__new__(cls)
        self._open(max_sentence_length, chunk_size, tmpdir)
        sent_len = n_raw = 0
        for ids in spool.pieces():
            out = np.empty(2 * ids.shape[0] + 1, dtype=np.int32)
            k, sent_len, raw = _remap_ids(
                ids, vocab.counting_ids, out, sent_len, max_sentence_length
            )
            self._append(out[:k])
            n_raw += raw
        self._close_writing(sent_len, n_raw)
        # every word counted occurs in the text (counting_ids is None after pruning)
        self.n_unknown_words = int(np.count_nonzero(vocab.counting_ids < 0))
        return self

    def _open(self, max_sentence_length: int, chunk_size: int, tmpdir) -> None:
        if max_sentence_length < 1:
            raise ParameterError(f"max_sentence_length must be >= 1, got {max_sentence_length}")
        self.max_sentence_length = max_sentence_length
        self.chunk_size = chunk_size
        self._file = tempfile.TemporaryFile(dir=tmpdir, prefix="w2v-ids-")
        self._starts = [0]
        self._sentinels_at_cut = [0]
        self._n_ids = self._n_sentinels = 0
        self._crc = 0

    def _append(self, ids: np.ndarray) -> None:
        """Write encoded ids, cutting a chunk at the first sentence end past each chunk_size."""
        data = ids.tobytes()
        self._file.write(data)
        self._crc = zlib.crc32(data, self._crc)  # content fingerprint, checked when resuming
        self._mark(np.flatnonzero(ids == SENTENCE_END), ids.shape[0])

    def _mark(self, ends: np.ndarray, n: int) -> None:
        """Account for ``n`` ids just written whose sentence ends are at ``ends`` (relative
        to the first of them), cutting chunks there."""
        next_starts = ends + (self._n_ids + 1)
        starts = self._starts
        while True:
            i = int(np.searchsorted(next_starts, starts[-1] + self.chunk_size))
            if i >= ends.shape[0]:
                break
            starts.append(int(next_starts[i]))
            self._sentinels_at_cut.append(self._n_sentinels + i + 1)
        self._n_ids += n
        self._n_sentinels += ends.shape[0]

    def _close_writing(self, sent_len: int, n_raw: int) -> None:
        if sent_len > 0:
            self._append(np.array([SENTENCE_END], dtype=np.int32))
        self._file.flush()
        n_ids, starts = self._n_ids, self._starts
        if starts[-1] < n_ids:
            starts.append(n_ids)
            self._sentinels_at_cut.append(self._n_sentinels)
        self.chunk_starts = np.asarray(starts, dtype=np.int64)
        self.chunk_words = self.chunk_starts - np.asarray(self._sentinels_at_cut, dtype=np.int64)
        self.n_ids = n_ids
        self.n_words = n_ids - self._n_sentinels
        self.n_raw_words = n_raw
        self.crc32 = self._crc
        del self._starts, self._sentinels_at_cut, self._n_ids, self._n_sentinels, self._crc

    @property
    def n_chunks(self) -> int:
        return self.chunk_starts.shape[0] - 1

    def read(self, chunk: int) -> np.ndarray:
        """The ids of one chunk (a new array; safe to call from several threads at once)."""
        start, stop = int(self.chunk_starts[chunk]), int(self.chunk_starts[chunk + 1])
        ids = np.empty(stop - start, dtype=np.int32)
        got = os.preadv(self._file.fileno(), [ids], start * 4)
        if got != ids.nbytes:
            raise CorpusError(f"encoded corpus: short read of chunk {chunk}")
        return ids

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> EncodedCorpus:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
