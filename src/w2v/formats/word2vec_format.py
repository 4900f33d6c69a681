"""The word2vec C format: text and binary vector files, read and written fast and exactly.

This is the format of Mikolov's ``word2vec.c``, read and written by gensim, fastText
(``.vec``) and most other tools: a ``"<count> <dim>"`` header line, then per word the word and
its values, as text or as raw little-endian float32. Readers memory-map the file, validate it
and raise :class:`w2v.errors.FormatError` naming the file and the line or record; writers are
atomic (temporary file, then rename). Text values are written as the shortest decimal that
reads back as the same float32 (:mod:`w2v.formats.float_text`), so text files round-trip.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import warnings
from collections.abc import Iterator, Sequence
from typing import IO, Any

import numba
import numpy as np
from numba.core import cgutils, types
from numba.extending import intrinsic

from w2v.atomic import atomic_write
from w2v.errors import FormatError, ParameterError
from w2v.formats.float_text import SLOT, format_float32
from w2v.formats.native import encode_words

__all__ = ["load_word2vec_format", "save_word2vec_format"]

PathLike = str | os.PathLike[str]

# Bytes of output buffered before each write; large enough to amortise Python overhead,
# small enough not to double the memory of a multi-GB matrix.
_CHUNK_BYTES = 1 << 25


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def _empty_large(shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """``np.empty`` for big arrays, backed by an anonymous map advised to use huge pages.

    First-touch page faults dominate filling a fresh multi-GB array (several times the cost
    of the copy itself on some VMs); 2 MB pages cut their number 512-fold.
    """
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape)) * dtype.itemsize
    if nbytes < (64 << 20) or not hasattr(mmap, "MADV_HUGEPAGE"):
        return np.empty(shape, dtype=dtype)
    anon = mmap.mmap(-1, nbytes, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    with contextlib.suppress(OSError):
        anon.madvise(mmap.MADV_HUGEPAGE)
    return np.frombuffer(anon, dtype=dtype).reshape(shape)


def _fail(path: PathLike, message: str) -> FormatError:
    return FormatError(f"{os.fspath(path)}: {message}")


@contextlib.contextmanager
def _mapped(path: PathLike) -> Iterator[np.ndarray]:
    """Read-only view of a whole file as a uint8 array (memory-mapped; empty files allowed)."""
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed below, together with the map
    except OSError as exc:
        raise _fail(path, f"cannot open: {exc.strerror}") from None
    with fh:
        size = os.fstat(fh.fileno()).st_size
        if size == 0:
            yield np.zeros(0, dtype=np.uint8)
            return
        mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        with contextlib.suppress(AttributeError, OSError):
            # The readers walk the file front to back once: ask for aggressive read-ahead.
            mm.madvise(mmap.MADV_SEQUENTIAL)
        try:
            view = np.frombuffer(mm, dtype=np.uint8)
            yield view
        finally:
            del view
            with contextlib.suppress(BufferError):
                mm.close()


#: Largest vector dimension a word2vec file may declare (word2vec.c itself uses a C int).
_MAX_DIM = 2**31 - 1


def _numbers(parts: list[bytes]) -> bool:
    try:
        [float(x) for x in parts]
    except ValueError:
        return False
    return True


def _parse_header(path: PathLike, buf: np.ndarray) -> tuple[int, int, int]:
    """Parse ``"<count> <dim>\\n"``; return (count, dim, offset of the first record)."""
    head = buf[:4096].tobytes()
    end = head.find(b"\n")
    line = head if end < 0 else head[:end]
    parts = line.split()
    bad = f"header must be two integers '<vocab size> <dimension>', got {line[:80]!r}"
    header_like = len(parts) == 2 and parts[0].isdigit() and parts[1].isdigit()
    if len(parts) >= 2 and _numbers(parts[1:]) and not header_like:
        bad += (
            "; the first line is a vector: a file without the header (as GloVe writes) "
            "is read with no_header=True (on the command line: --no-header)"
        )
    if end < 0 or len(parts) != 2:
        raise _fail(path, bad)
    try:
        count, dim = int(parts[0]), int(parts[1])
    except ValueError:
        raise _fail(path, bad) from None
    if count < 0 or dim < 1:
        raise _fail(path, f"header declares {count} vectors of dimension {dim}; need >= 0 and >= 1")
    if dim > _MAX_DIM:
        # Bounded so that sizes computed from it fit in int64 (compiled code, numpy shapes).
        raise _fail(path, f"header declares dimension {dim}; at most {_MAX_DIM} is supported")
    return count, dim, end + 1


def _check_limit(limit: int | None) -> None:
    if limit is not None and (not isinstance(limit, int | np.integer) or limit < 0):
        raise ParameterError(f"limit must be None or a non-negative integer, got {limit!r}")


def _decode_word_list(
    path: PathLike, blob: bytes, n: int, unicode_errors: str, what: str
) -> list[str]:
    """Decode ``n`` space-separated words at once (words never contain a space)."""
    try:
        text = blob.decode("utf-8", errors=unicode_errors)
    except UnicodeDecodeError as exc:
        index = blob.count(b" ", 0, exc.start)
        bad = blob.split(b" ")[index]
        raise _fail(
            path,
            f"{what} {index + 1}: word {bad!r} is not valid UTF-8 ({exc.reason}); "
            "pass unicode_errors='replace' or 'ignore' to accept it",
        ) from None
    except LookupError:
        raise ParameterError(f"unknown unicode_errors policy {unicode_errors!r}") from None
    words = text.split(" ") if n else []
    if len(words) != n:  # pragma: no cover - defensive: a policy that inserted spaces
        raise _fail(path, f"could not split {n} words after decoding")
    return words


def _drop_duplicates(
    path: PathLike, words: list[str], vectors: np.ndarray
) -> tuple[list[str], np.ndarray]:
    """Keep the first occurrence of each word, as gensim and word2vec.c lookups do."""
    if len(set(words)) == len(words):
        return words, vectors
    seen: set[str] = set()
    keep = []
    for i, w in enumerate(words):
        if w not in seen:
            seen.add(w)
            keep.append(i)
    dups = len(words) - len(keep)
    first_dup = next(w for i, w in enumerate(words) if i not in set(keep))
    warnings.warn(
        f"{os.fspath(path)}: {dups} duplicate word(s) (first: {first_dup!r}); "
        "kept the first vector of each",
        stacklevel=3,
    )
    idx = np.asarray(keep, dtype=np.int64)
    return [words[i] for i in keep], np.ascontiguousarray(vectors[idx])


# --------------------------------------------------------------------------------------
# Binary
# --------------------------------------------------------------------------------------


@intrinsic
def _copy_bytes(typingctx, dst, dst_offset, src, src_offset, nbytes):  # pragma: no cover
    """``memcpy(dst.data + dst_offset, src.data + src_offset, nbytes)`` for compiled code.

    Both arrays must be C-contiguous ``uint8`` and the ranges in bounds (the caller checks).
    An LLVM intrinsic rather than a ctypes call, so functions using it stay cacheable.
    """
    sig = types.void(dst, dst_offset, src, src_offset, nbytes)

    def codegen(context, builder, signature, args):
        dst_arr = context.make_array(signature.args[0])(context, builder, args[0])
        src_arr = context.make_array(signature.args[2])(context, builder, args[2])
        to = builder.gep(dst_arr.data, [args[1]])
        frm = builder.gep(src_arr.data, [args[3]])
        cgutils.raw_memcpy(builder, to, frm, args[4], 1)
        return context.get_dummy_value()

    return sig, codegen


@numba.njit(cache=True, nogil=True)
def _scan_binary(buf, pos, n, rec_bytes, out, word_starts, word_ends, copy):  # pragma: no cover
    """Walk `n` binary records from `pos`; copy vector bytes into `out` if `copy`.

    A record is: optional newlines (word2vec.c writes one after each vector, gensim none),
    the word up to a space, then `rec_bytes` raw bytes. Returns (records found, position).
    """
    size = buf.shape[0]
    for i in range(n):
        while pos < size and buf[pos] == 10:
            pos += 1
        start = pos
        while pos < size and buf[pos] != 32:
            pos += 1
        if pos >= size or pos + 1 + rec_bytes > size:
            return i, pos
        word_starts[i] = start
        word_ends[i] = pos
        pos += 1
        if copy:
            # memcpy: slice assignment (or a byte loop) runs at a quarter of memcpy's speed.
            _copy_bytes(out, i * rec_bytes, buf, pos, rec_bytes)
        pos += rec_bytes
    return n, pos


@numba.njit(cache=True, nogil=True)
def _gather_words(buf, starts, ends, total):  # pragma: no cover
    """Concatenate the word byte ranges, separated by single spaces."""
    out = np.empty(total, dtype=np.uint8)
    k = 0
    for i in range(starts.shape[0]):
        if i:
            out[k] = 32
            k += 1
        for j in range(starts[i], ends[i]):
            out[k] = buf[j]
            k += 1
    return out


@numba.njit(cache=True, nogil=True)
def _pack_binary(blob, offsets, vec_bytes, first, last, out):  # pragma: no cover
    """Write records ``first..last-1`` as ``word SPACE raw-floats NEWLINE`` into `out`."""
    k = 0
    width = vec_bytes.shape[1]
    for i in range(first, last):
        for j in range(offsets[i], offsets[i + 1]):
            out[k] = blob[j]
            k += 1
        out[k] = 32
        k += 1
        out[k : k + width] = vec_bytes[i, :]
        k += width
        out[k] = 10
        k += 1
    return k


def _read_binary(
    path: PathLike, buf: np.ndarray, limit: int | None, unicode_errors: str
) -> tuple[list[str], np.ndarray]:
    declared, dim, pos = _parse_header(path, buf)
    n = declared if limit is None else min(declared, limit)
    rec_bytes = 4 * dim
    remaining = buf.size - pos
    # Each record needs at least a 1-byte word, a space and the floats: refuse forged or
    # truncated headers before allocating n * dim floats.
    if n * (rec_bytes + 2) > remaining:
        fit = remaining // (rec_bytes + 2) + 1
        starts = np.zeros(fit, dtype=np.int64)
        ends = np.zeros(fit, dtype=np.int64)
        dummy = np.zeros((1, 1), np.uint8)
        found, _ = _scan_binary(buf, pos, fit, rec_bytes, dummy, starts, ends, False)
        raise _fail(
            path,
            f"truncated or corrupt binary word2vec file: expected {n} vectors, found {found} "
            f"(the header declares {declared} x {dim} floats but only {remaining} bytes follow)",
        )
    starts = np.zeros(n, dtype=np.int64)
    ends = np.zeros(n, dtype=np.int64)
    vectors = _empty_large((n, dim), "<f4")
    out = vectors.view(np.uint8)
    assert out.flags.c_contiguous  # _copy_bytes writes at raw byte offsets
    found, end = _scan_binary(buf, pos, n, rec_bytes, out, starts, ends, True)
    if found < n:
        raise _fail(path, f"truncated binary word2vec file: expected {n} vectors, found {found}")
    if n and np.any(ends == starts):
        i = int(np.argmax(ends == starts))
        raise _fail(path, f"record {i + 1} has an empty word (offset {starts[i]})")
    if limit is None and buf[end:].size and np.any(buf[end : end + 4096] > 32):
        warnings.warn(
            f"{os.fspath(path)}: data after the {n} vectors declared in the header was ignored",
            stacklevel=3,
        )
    total = int((ends - starts).sum()) + max(n - 1, 0)
    blob = _gather_words(buf, starts, ends, total).tobytes()
    words = _decode_word_list(path, blob, n, unicode_errors, "record")
    return words, vectors.astype(np.float32, copy=False)


# --------------------------------------------------------------------------------------
# Text
# --------------------------------------------------------------------------------------


@numba.njit(cache=True, nogil=True)
def _pack_text(blob, offsets, first, last, dim, slots, lens, out):  # pragma: no cover
    """Write lines ``word v1 ... vdim\n`` for rows ``first..last-1`` into `out`."""
    k = 0
    v = 0
    for i in range(first, last):
        for j in range(offsets[i], offsets[i + 1]):
            out[k] = blob[j]
            k += 1
        for _ in range(dim):
            out[k] = 32
            k += 1
            o = v * SLOT
            for j in range(lens[v]):
                out[k] = slots[o + j]
                k += 1
            v += 1
        out[k] = 10
        k += 1
    return k


def _count_values(rest: bytes) -> int:
    """Number of whitespace-separated values in `rest`, without splitting in the common case."""
    r = rest.strip()
    if not r:
        return 0
    if b"  " in r or b"\t" in r or b"\r" in r or b"\x0b" in r or b"\x0c" in r:
        return len(r.split())
    return r.count(b" ") + 1


def _binary_hint(line: bytes) -> str:
    """A hint when a line read as text is binary data (a word2vec binary file, say)."""
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return " (this is not text: a binary word2vec file? read it as binary)"
    return ""


def _read_text(
    path: PathLike, buf: np.ndarray, limit: int | None, unicode_errors: str, no_header: bool
) -> tuple[list[str], np.ndarray]:
    size = buf.size
    if no_header:
        pos, line_no = 0, 1
        # Count lines at C speed; a final line without newline still counts.
        data_tail = buf[-1] if size else 10
        n_lines = int(np.count_nonzero(buf == 10)) + (0 if data_tail == 10 else 1)
        n = n_lines if limit is None else min(n_lines, limit)
        declared = None
        first_nl = buf[: 1 << 20].tobytes().find(b"\n")
        first = buf[: 1 << 20].tobytes() if first_nl < 0 else buf[:first_nl].tobytes()
        dim = _count_values(first.partition(b" ")[2])
        if n and dim == 0:
            raise _fail(path, "line 1: no vector values after the word")
    else:
        declared, dim, pos = _parse_header(path, buf)
        line_no = 2
        n = declared if limit is None else min(declared, limit)
        remaining = size - pos
        # A line holds at least a 1-byte word and, per value, a space and one digit: refuse
        # forged or truncated headers before allocating n * dim floats.
        if n * (2 * dim + 1) > remaining:
            lines = int(np.count_nonzero(buf[pos:] == 10)) + (
                1 if remaining and buf[-1] != 10 else 0
            )
            if lines < n:
                raise _fail(
                    path,
                    f"truncated or corrupt text word2vec file: expected {n} vectors, but only "
                    f"{lines} lines follow the header (which declares {declared} x {dim} values "
                    f"in {remaining} bytes)",
                )
            if remaining < 2 * dim + 1:
                # Not even one line fits: a forged dimension. Refuse here rather than map a
                # row of `dim` floats (otherwise parsing names the first bad line).
                raise _fail(
                    path,
                    f"truncated or corrupt text word2vec file: expected {n} vectors of {dim} "
                    f"values, but the {remaining} bytes after the header cannot hold them",
                )
    # Never allocate more rows than the bytes could hold; parsing reports what is wrong.
    vectors = _empty_large((min(n, (size - pos) // (2 * dim + 1) + 1), dim), np.float32)
    word_parts: list[bytes] = []
    done = 0
    extra_lines = False
    while done < n:
        if pos >= size:
            raise _fail(path, f"truncated text word2vec file: expected {n} vectors, found {done}")
        # Take whole lines up to roughly _CHUNK_BYTES.
        cut = pos + _CHUNK_BYTES
        if cut >= size:
            chunk = buf[pos:].tobytes()
            pos = size
        else:
            tail = buf[cut : cut + (1 << 24)].tobytes().find(b"\n")
            stop = size if tail < 0 else cut + tail + 1
            chunk = buf[pos:stop].tobytes()
            pos = stop
        lines = chunk.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()  # the newline that ends the chunk
        if len(lines) > n - done:
            extra = any(line.strip() for line in lines[n - done :])
            lines = lines[: n - done]
            # said only once every vector has parsed: a file that fails (a binary file read
            # as text, say) gets its error alone
            extra_lines = extra_lines or (extra and declared is not None and limit is None)
        rests = []
        for j, line in enumerate(lines):
            word, _, rest = line.partition(b" ")
            if not word:
                raise _fail(path, f"line {line_no + j}: empty word (blank or space-led line)")
            if _count_values(rest) != dim:
                raise _fail(
                    path,
                    f"line {line_no + j}: expected {dim} values after the word, "
                    f"found {_count_values(rest)}{_binary_hint(line)}",
                )
            word_parts.append(word)
            rests.append(rest)
        try:
            values = np.fromstring(b" ".join(rests), dtype=np.float32, sep=" ")
        except ValueError:
            values = None
        if values is None or values.size != len(lines) * dim:
            # Slow path, only to locate the offending line for the message.
            for j, rest in enumerate(rests):
                try:
                    np.array(rest.split(), dtype=np.float32)
                except ValueError:
                    raise _fail(
                        path, f"line {line_no + j}: cannot parse {rest.strip()[:60]!r} as numbers"
                    ) from None
            raise _fail(path, f"lines {line_no}-{line_no + len(lines) - 1}: unparsable values")
        vectors[done : done + len(lines)] = values.reshape(len(lines), dim)
        done += len(lines)
        line_no += len(lines)
    if extra_lines or (
        declared is not None and limit is None and np.any(buf[pos : pos + 4096] > 32)
    ):
        warnings.warn(
            f"{os.fspath(path)}: lines after the {n} vectors declared in the header were ignored",
            stacklevel=3,
        )
    words = _decode_word_list(path, b" ".join(word_parts), n, unicode_errors, "vector")
    return words, vectors[:n]


# --------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------


def load_word2vec_format(
    path: PathLike,
    binary: bool = False,
    limit: int | None = None,
    unicode_errors: str = "strict",
    no_header: bool = False,
) -> tuple[list[str], np.ndarray]:
    """Read vectors in the word2vec C format (text or binary; fastText ``.vec`` is text).

    Parameters
    ----------
    path : str or os.PathLike
        File to read.
    binary : bool, default False
        Binary format: after the ``"<count> <dim>\\n"`` header, each record is the word, a
        space and ``dim`` little-endian float32 values, optionally followed by ``"\\n"``
        (word2vec.c writes it, gensim does not; both are accepted).
    limit : int, optional
        Read at most this many vectors (the first ones, normally the most frequent).
    unicode_errors : str, default 'strict'
        Policy for words that are not valid UTF-8 (``'strict'`` raises FormatError,
        ``'replace'``, ``'ignore'``, ... as in :meth:`bytes.decode`). Truncated multi-byte
        characters are common in files written by word2vec.c.
    no_header : bool, default False
        Text only: the file has no header line (GloVe style); the number of vectors is the
        number of lines and the dimension is taken from the first line.

    Returns
    -------
    words : list of str
        Words in file order. Later duplicates of a word are dropped with a warning.
    vectors : numpy.ndarray
        ``float32`` array of shape ``(len(words), dim)``.

    Raises
    ------
    FormatError
        If the file is malformed: bad header, truncated data ("expected N vectors, found M"),
        a text line with the wrong number of values (its line number is given), unparsable
        numbers, invalid UTF-8 under ``'strict'``.
    """
    _check_limit(limit)
    if no_header and binary:
        raise ParameterError("no_header=True is only supported for text files (binary=False)")
    with _mapped(path) as buf:
        if binary:
            words, vectors = _read_binary(path, buf, limit, unicode_errors)
        else:
            words, vectors = _read_text(path, buf, limit, unicode_errors, no_header)
    return _drop_duplicates(path, words, vectors)


def _write_text_body(fh: IO[bytes], words: Sequence[str], vec32: np.ndarray) -> None:
    """Write ``word v1 ... vdim\n`` lines, each value as ``str(np.float32(v))`` (gensim's
    bytes: the shortest decimal that reads back as the same float32), a block at a time."""
    n, dim = vec32.shape
    blob, offsets = encode_words(words)
    rows = max(1, (1 << 18) // dim)
    slots = np.empty(rows * dim * SLOT, dtype=np.uint8)
    lens = np.empty(rows * dim, dtype=np.int64)
    for first in range(0, n, rows):
        last = min(n, first + rows)
        count = (last - first) * dim
        format_float32(vec32[first:last].reshape(-1), slots, lens)
        size = int(offsets[last] - offsets[first]) + int(lens[:count].sum()) + count + last - first
        out = np.empty(size, dtype=np.uint8)
        written = _pack_text(blob, offsets, first, last, dim, slots, lens, out)
        assert written == size
        fh.write(out.data)


def _check_writable_words(words: Sequence[str], n: int) -> None:
    if len(words) != n:
        raise ParameterError(f"got {len(words)} words for {n} vectors")
    for i, w in enumerate(words):
        # Other tools (word2vec.c, fastText) split on all ASCII whitespace and NUL.
        if not isinstance(w, str) or not w or any(c in w for c in " \n\r\t\v\f\0"):
            raise ParameterError(
                f"word {i} ({w!r}) cannot be stored in word2vec format: words must be "
                "non-empty strings without spaces, tabs, line breaks or NUL"
            )


def save_word2vec_format(
    path: PathLike,
    words: Sequence[str],
    vectors: np.ndarray,
    binary: bool = False,
    write_header: bool = True,
) -> None:
    """Write vectors in the word2vec C format, atomically.

    Parameters
    ----------
    path : str or os.PathLike
        Destination file (replaced atomically).
    words : sequence of str
        One word per row of `vectors`; no spaces or line breaks inside a word.
    vectors : numpy.ndarray
        2-D array; written as float32.
    binary : bool, default False
        Binary: ``"<count> <dim>\\n"`` then per word ``word + " " + dim little-endian float32
        + "\\n"``, byte for byte as word2vec.c writes it. Text: per word
        ``word v1 v2 ... vdim\\n`` with each value written as the shortest decimal that
        reads back as the same float32 (the same bytes gensim writes), so text files also
        round-trip exactly.
    write_header : bool, default True
        Text only: False omits the header line (GloVe style).
    """
    vectors = np.asarray(vectors)
    if vectors.ndim != 2:
        raise ParameterError(f"vectors must be a 2-D array, got shape {vectors.shape}")
    if not np.issubdtype(vectors.dtype, np.floating):
        raise ParameterError(f"vectors must be floating point, got dtype {vectors.dtype}")
    n, dim = vectors.shape
    _check_writable_words(words, n)
    if binary and not write_header:
        raise ParameterError("write_header=False is only supported for text files")
    vec32 = np.ascontiguousarray(vectors, dtype="<f4")
    with atomic_write(path) as fh:
        if write_header:
            fh.write(f"{n} {dim}\n".encode())
        if binary:
            blob, offsets = encode_words(words)
            vec_bytes = vec32.view(np.uint8).reshape(n, 4 * dim)
            rows = max(1, _CHUNK_BYTES // (4 * dim + 64))
            for first in range(0, n, rows):
                last = min(n, first + rows)
                size = int(offsets[last] - offsets[first]) + (last - first) * (4 * dim + 2)
                out = np.empty(size, dtype=np.uint8)
                _pack_binary(blob, offsets, vec_bytes, first, last, out)
                fh.write(out.data)
        else:
            _write_text_body(fh, words, vec32)
