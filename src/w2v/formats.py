"""Reading and writing word vectors on disk.

Two families of files live here:

* the word2vec C format (text and binary), as written by Mikolov's ``word2vec.c`` and read
  by gensim, fastText (``.vec``) and most other tools;
* a generic *native container* used for full model state: one file holding a JSON header
  and 64-byte aligned raw arrays that can be memory-mapped.

Every reader validates the file and raises :class:`w2v.errors.FormatError` naming the file
and the problem; every writer is atomic (temporary file in the same directory, then
:func:`os.replace`), so a crash never leaves a half-written file under the final name.
"""

from __future__ import annotations

import contextlib
import json
import math
import mmap
import os
import struct
import warnings
from collections.abc import Iterator, Sequence
from typing import IO, Any

import numba
import numpy as np
from numba.core import cgutils, types
from numba.extending import intrinsic

from w2v.atomic import atomic_write
from w2v.errors import FormatError, ParameterError

__all__ = [
    "NATIVE_FORMAT_VERSION",
    "NATIVE_MAGIC",
    "atomic_write",
    "decode_words",
    "encode_words",
    "load_native",
    "load_word2vec_format",
    "save_native",
    "save_word2vec_format",
]

PathLike = str | os.PathLike[str]

# Bytes of output buffered before each write; large enough to amortise Python overhead,
# small enough not to double the memory of a multi-GB matrix.
_CHUNK_BYTES = 1 << 25


# --------------------------------------------------------------------------------------
# Word lists as a byte blob + offsets (memory-mappable)
# --------------------------------------------------------------------------------------


def encode_words(words: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Encode a list of words as one UTF-8 byte blob plus offsets, so it can be memory-mapped.

    Parameters
    ----------
    words : sequence of str
        The words, in order.

    Returns
    -------
    blob : numpy.ndarray
        ``uint8`` array with the UTF-8 bytes of all words concatenated.
    offsets : numpy.ndarray
        ``int64`` array of length ``len(words) + 1``; word ``i`` is
        ``blob[offsets[i]:offsets[i + 1]]``.

    Examples
    --------
    >>> blob, offsets = encode_words(["a", "bé"])
    >>> offsets.tolist()
    [0, 1, 4]
    """
    encoded = [w.encode("utf-8") for w in words]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    if encoded:
        np.cumsum([len(b) for b in encoded], out=offsets[1:])
    blob = np.frombuffer(b"".join(encoded), dtype=np.uint8).copy()
    return blob, offsets


def decode_words(blob: np.ndarray, offsets: np.ndarray) -> list[str]:
    """Inverse of :func:`encode_words`.

    Parameters
    ----------
    blob : numpy.ndarray
        ``uint8`` array of concatenated UTF-8 words (may be a memory map).
    offsets : numpy.ndarray
        ``int64`` array of ``len(words) + 1`` increasing byte offsets into `blob`.

    Returns
    -------
    list of str
        The decoded words.

    Raises
    ------
    FormatError
        If the offsets are inconsistent with the blob or a word is not valid UTF-8.
    """
    offsets = np.asarray(offsets, dtype=np.int64)
    raw = np.asarray(blob, dtype=np.uint8).tobytes()
    if offsets.ndim != 1 or offsets.size == 0:
        raise FormatError("word offsets must be a non-empty 1-D array")
    if offsets[0] != 0 or offsets[-1] != len(raw) or np.any(np.diff(offsets) < 0):
        raise FormatError(
            f"word offsets do not match the word blob ({len(raw)} bytes, "
            f"offsets from {offsets[0]} to {offsets[-1]})"
        )
    bounds = offsets.tolist()
    if raw.isascii():
        # Byte offsets are character offsets: decode once and slice the str (much faster).
        text = raw.decode("ascii")
        return [text[s:e] for s, e in zip(bounds[:-1], bounds[1:], strict=True)]
    try:
        return [raw[s:e].decode("utf-8") for s, e in zip(bounds[:-1], bounds[1:], strict=True)]
    except UnicodeDecodeError as exc:
        raise FormatError(f"word blob is not valid UTF-8: {exc}") from None


# --------------------------------------------------------------------------------------
# word2vec C format: helpers
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


def _parse_header(path: PathLike, buf: np.ndarray) -> tuple[int, int, int]:
    """Parse ``"<count> <dim>\\n"``; return (count, dim, offset of the first record)."""
    head = buf[:4096].tobytes()
    end = head.find(b"\n")
    line = head if end < 0 else head[:end]
    parts = line.split()
    bad = f"header must be two integers '<vocab size> <dimension>', got {line[:80]!r}"
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
# word2vec C format: binary
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


# --------------------------------------------------------------------------------------
# word2vec C format: text writing (shortest round-trip float32 text, compiled)
# --------------------------------------------------------------------------------------

# Bytes reserved per formatted value: float32 text is at most 15 bytes ("-0.00012345678",
# "-1.2345678e-38"; positional output is only used below 1e6).
_SLOT = 24
_POW10 = np.array([10.0**k for k in range(23)])  # exact in float64
_IPOW10 = np.array([10**k for k in range(10)], dtype=np.int64)


@numba.njit(cache=True, inline="always")
def _scale10(a, k):  # pragma: no cover - compiled
    """``a * 10**k`` in correctly rounded steps by exact powers (at most 3 for float32)."""
    while k > 22:
        a *= 1e22
        k -= 22
    while k < -22:
        a /= 1e22
        k += 22
    if k >= 0:
        return a * _POW10[k]
    return a / _POW10[-k]


@numba.njit(cache=True, inline="always")
def _shortest_digits(b):  # pragma: no cover - compiled
    """Shortest decimal ``digits * 10**(e10 - p + 1)`` that reads back as the float32 with
    bits `b` (positive, finite, non-zero); the nearest one if several have that length.

    This is what numpy's Dragon4 prints for ``str(np.float32)``, computed in float64: the
    float32 and its rounding interval are scaled to 9-digit integers (error < 1e-6 units) and
    every decision closer than 1e-5 units to a boundary or tie is declined (``digits == -1``)
    and left to the exact ``str()`` in the caller. That happens for ~1e-5 of ordinary values.
    Returns ``(digits, p, e10)``.
    """
    ef = (b >> 23) & 0xFF
    mf = b & 0x7FFFFF
    if ef == 0:  # subnormal: uniform spacing
        ulp_hi = 2.0**-149
        a = np.float64(mf) * ulp_hi
        ulp_lo = ulp_hi
    else:
        ulp_hi = 2.0 ** (np.int64(ef) - 150)
        a = np.float64(mf + 0x800000) * ulp_hi
        # at a power of two the gap below is half the gap above
        ulp_lo = ulp_hi * 0.5 if (mf == 0 and ef > 1) else ulp_hi
    # floor(log10(a)) is floor(e2 * log10(2)) or one more; scaling settles which
    e10 = (np.int64(math.frexp(a)[1] - 1) * 78913) >> 18
    sc = _scale10(a, 8 - e10)
    if sc >= 1e9:
        e10 += 1
        sc = _scale10(a, 8 - e10)
    elif sc < 1e8:
        e10 -= 1
        sc = _scale10(a, 8 - e10)
    if sc == 1e8:
        if not (0 <= e10 <= 22 and a == _POW10[e10]):
            return np.int64(-1), 0, e10
    elif sc - 1e8 < 1e-5 or 1e9 - sc < 1e-5:
        return np.int64(-1), 0, e10
    # the open interval of reals that round to this float32, in the same units
    hi = _scale10(a + 0.5 * ulp_hi, 8 - e10)
    lo = _scale10(a - 0.5 * ulp_lo, 8 - e10)
    base = np.int64(np.floor(sc))
    # If a p-digit decimal lies inside, so does a (p+1)-digit one: walk down from 9 digits
    # (always enough for float32) until none fits.
    digits = np.int64(-1)
    p_best = 0
    m = np.int64(1)
    for p in range(9, 0, -1):
        lower = base // m
        c_lo = np.float64(lower * m)
        c_hi = c_lo + np.float64(m)
        if min(abs(c_lo - lo), abs(c_lo - hi), abs(c_hi - lo), abs(c_hi - hi)) < 1e-5:
            return np.int64(-1), 0, e10
        in_lo = lo < c_lo < hi
        in_hi = lo < c_hi < hi
        if in_lo and in_hi:
            d_lo = sc - c_lo
            d_hi = c_hi - sc
            if abs(d_lo - d_hi) < 1e-5:
                return np.int64(-1), 0, e10
            digits = lower if d_lo < d_hi else lower + 1
        elif in_lo or in_hi:
            digits = lower if in_lo else lower + 1
        else:
            break
        p_best = p
        m *= 10
    if digits >= _IPOW10[p_best]:  # rounded up to a power of ten (9.96 -> 10)
        digits //= 10
        e10 += 1
    while p_best > 1 and digits % 10 == 0:
        digits //= 10
        p_best -= 1
    return digits, p_best, e10


@numba.njit(cache=True, inline="always")
def _positional(b):  # pragma: no cover - compiled
    """Whether numpy prints the positive float32 with bits `b` positionally."""
    ef = (b >> 23) & 0xFF
    mf = b & 0x7FFFFF
    if ef == 0:
        a = np.float64(mf) * 2.0**-149
    else:
        a = np.float64(mf + 0x800000) * 2.0 ** (np.int64(ef) - 150)
    return 1e-4 <= a < 1e6


@numba.njit(cache=True, nogil=True, parallel=True)
def _format_float32(bits, out, lens):  # pragma: no cover - compiled
    """Write ``str(np.float32(v))`` of each value into its ``_SLOT``-byte slot of `out`.

    ``lens[i]`` is the text length, or 0 where the caller must format the value itself
    (NaN, infinities and the rare values :func:`_shortest_digits` declines).
    """
    for i in numba.prange(bits.shape[0]):
        b = bits[i]
        o = i * _SLOT
        k = 0
        if (b >> 23) & 0xFF == 0xFF:
            lens[i] = 0
            continue
        if b >> 31:
            out[o] = 45  # '-'
            k = 1
        if b & 0x7FFFFFFF == 0:
            out[o + k] = 48
            out[o + k + 1] = 46
            out[o + k + 2] = 48
            lens[i] = k + 3
            continue
        digits, p, e10 = _shortest_digits(b & 0x7FFFFFFF)
        if digits < 0:
            lens[i] = 0
            continue
        # numpy prints float32 positionally for 1e-4 <= |v| < 1e6 (compared in float64)
        if _positional(b & 0x7FFFFFFF):
            if e10 < 0:  # 0.000ddd
                out[o + k] = 48
                out[o + k + 1] = 46
                k += 2
                for _ in range(-e10 - 1):
                    out[o + k] = 48
                    k += 1
                for j in range(p):
                    out[o + k] = 48 + (digits // _IPOW10[p - 1 - j]) % 10
                    k += 1
            else:
                for j in range(p):
                    out[o + k] = 48 + (digits // _IPOW10[p - 1 - j]) % 10
                    k += 1
                    if j == e10 and j < p - 1:
                        out[o + k] = 46
                        k += 1
                if e10 >= p - 1:  # ddd000.0
                    for _ in range(e10 - p + 1):
                        out[o + k] = 48
                        k += 1
                    out[o + k] = 46
                    out[o + k + 1] = 48
                    k += 2
        else:  # d.ddde+XX, at least two exponent digits
            out[o + k] = 48 + digits // _IPOW10[p - 1]
            k += 1
            if p > 1:
                out[o + k] = 46
                k += 1
                for j in range(1, p):
                    out[o + k] = 48 + (digits // _IPOW10[p - 1 - j]) % 10
                    k += 1
            out[o + k] = 101
            out[o + k + 1] = 45 if e10 < 0 else 43
            ex = abs(e10)
            out[o + k + 2] = 48 + ex // 10
            out[o + k + 3] = 48 + ex % 10
            k += 4
        lens[i] = k


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
            o = v * _SLOT
            for j in range(lens[v]):
                out[k] = slots[o + j]
                k += 1
            v += 1
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
# word2vec C format: text
# --------------------------------------------------------------------------------------


def _count_values(rest: bytes) -> int:
    """Number of whitespace-separated values in `rest`, without splitting in the common case."""
    r = rest.strip()
    if not r:
        return 0
    if b"  " in r or b"\t" in r or b"\r" in r or b"\x0b" in r or b"\x0c" in r:
        return len(r.split())
    return r.count(b" ") + 1


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
    warned = False
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
            if extra and declared is not None and limit is None:
                warned = True
                warnings.warn(
                    f"{os.fspath(path)}: lines after the {n} vectors declared in the header "
                    "were ignored",
                    stacklevel=3,
                )
        rests = []
        for j, line in enumerate(lines):
            word, _, rest = line.partition(b" ")
            if not word:
                raise _fail(path, f"line {line_no + j}: empty word (blank or space-led line)")
            if _count_values(rest) != dim:
                raise _fail(
                    path,
                    f"line {line_no + j}: expected {dim} values after the word, "
                    f"found {_count_values(rest)}",
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
    if not warned and declared is not None and limit is None and np.any(buf[pos : pos + 4096] > 32):
        warnings.warn(
            f"{os.fspath(path)}: lines after the {n} vectors declared in the header were ignored",
            stacklevel=3,
        )
    words = _decode_word_list(path, b" ".join(word_parts), n, unicode_errors, "vector")
    return words, vectors[:n]


# --------------------------------------------------------------------------------------
# word2vec C format: public API
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
    bytes: the shortest decimal that reads back as the same float32).

    Values are formatted by the compiled :func:`_format_float32` a block at a time; the few
    it declines (NaN, infinities, near-ties) go through ``str()`` itself, so the output is
    exactly what formatting one value at a time gives, about ten times faster.
    """
    n, dim = vec32.shape
    blob, offsets = encode_words(words)
    rows = max(1, (1 << 18) // dim)
    slots = np.empty(rows * dim * _SLOT, dtype=np.uint8)
    lens = np.empty(rows * dim, dtype=np.int64)
    for first in range(0, n, rows):
        last = min(n, first + rows)
        values = vec32[first:last].reshape(-1)
        count = values.size
        _format_float32(values.view(np.uint32), slots, lens)
        for i in np.flatnonzero(lens[:count] == 0).tolist():
            text = str(values[i]).encode("ascii")
            slots[i * _SLOT : i * _SLOT + len(text)] = np.frombuffer(text, dtype=np.uint8)
            lens[i] = len(text)
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


# --------------------------------------------------------------------------------------
# Native container
# --------------------------------------------------------------------------------------

#: First 8 bytes of a native file. The high byte and CR/LF/Ctrl-Z catch text-mode mangling.
NATIVE_MAGIC = b"\x89W2V\r\n\x1a\n"
#: Version written by :func:`save_native`; files with a higher version are refused.
NATIVE_FORMAT_VERSION = 1
_ALIGN = 64
_PREFIX = 8 + 4 + 8  # magic, uint32 version, uint64 header length


def _align(offset: int) -> int:
    return (offset + _ALIGN - 1) // _ALIGN * _ALIGN


def save_native(path: PathLike, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
    """Save named arrays and JSON metadata in one memory-mappable file, atomically.

    Layout: 8 magic bytes (:data:`NATIVE_MAGIC`), the format version (uint32 LE), the
    header length (uint64 LE), a UTF-8 JSON header ``{"meta": ..., "arrays": [{"name",
    "dtype", "shape", "offset", "nbytes"}, ...]}``, then each array's raw little-endian
    C-order bytes at a 64-byte aligned absolute offset.

    Parameters
    ----------
    path : str or os.PathLike
        Destination (replaced atomically).
    arrays : dict of str to numpy.ndarray
        Numeric or boolean arrays of any shape. Big-endian data are stored little-endian.
    meta : dict
        JSON-serialisable metadata (hyperparameters, loss history, ...). Tuples come back
        as lists.

    Examples
    --------
    >>> save_native("model.w2v", {"weights": w}, {"dim": 100})  # doctest: +SKIP
    >>> arrays, meta = load_native("model.w2v")  # doctest: +SKIP
    """
    entries = []
    prepared = []
    for name, arr in arrays.items():
        if not isinstance(name, str) or not name:
            raise ParameterError(f"array names must be non-empty strings, got {name!r}")
        a = np.asarray(arr)
        if a.dtype.kind not in "biufc":
            raise ParameterError(
                f"array {name!r}: unsupported dtype {a.dtype} (numeric or bool only)"
            )
        # (np.ascontiguousarray would turn a 0-d array into 1-d.)
        a = np.asarray(a, dtype=a.dtype.newbyteorder("<"), order="C")
        entries.append(
            {"name": name, "dtype": a.dtype.str, "shape": list(a.shape), "nbytes": a.nbytes}
        )
        prepared.append(a)
    try:
        json.dumps(meta, allow_nan=True)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"meta must be JSON-serialisable: {exc}") from None

    # The offsets depend on the header length, which depends on the offsets' digits:
    # iterate until stable (two rounds at most in practice).
    header_len = 0
    for _ in range(10):
        offset = _align(_PREFIX + header_len)
        for entry in entries:
            entry["offset"] = offset
            offset = _align(offset + entry["nbytes"])
        header = json.dumps({"meta": meta, "arrays": entries}, allow_nan=True).encode("utf-8")
        if len(header) == header_len:
            break
        header_len = len(header)
    with atomic_write(path) as fh:
        fh.write(NATIVE_MAGIC)
        fh.write(struct.pack("<IQ", NATIVE_FORMAT_VERSION, header_len))
        fh.write(header)
        pos = _PREFIX + header_len
        for entry, a in zip(entries, prepared, strict=True):
            fh.write(b"\0" * (entry["offset"] - pos))
            fh.write(memoryview(a.reshape(-1).view(np.uint8)))
            pos = entry["offset"] + entry["nbytes"]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _parse_entry(path: PathLike, entry: Any) -> tuple[str, np.dtype, tuple[int, ...], int, int]:
    """Validate one array entry of a native header: (name, dtype, shape, offset, nbytes)."""
    bad = f"corrupt native header entry {str(entry)[:200]}"
    if not isinstance(entry, dict) or not {"name", "dtype", "shape", "offset", "nbytes"} <= set(
        entry
    ):
        raise _fail(path, f"{bad}: needs name, dtype, shape, offset and nbytes")
    name, shape = entry["name"], entry["shape"]
    if not isinstance(name, str) or not name:
        raise _fail(path, f"{bad}: the name must be a non-empty string")
    if not isinstance(shape, list) or not all(_is_int(s) and s >= 0 for s in shape):
        raise _fail(path, f"{bad}: the shape must be a list of integers >= 0")
    if not (_is_int(entry["offset"]) and _is_int(entry["nbytes"]) and entry["nbytes"] >= 0):
        raise _fail(path, f"{bad}: offset and nbytes must be integers")
    try:
        if not isinstance(entry["dtype"], str):
            raise TypeError("not a string")
        dtype = np.dtype(entry["dtype"])
    except (TypeError, ValueError, SyntaxError) as exc:
        raise _fail(path, f"{bad}: bad dtype ({exc})") from None
    # Only what save_native writes: plain numbers and booleans (an object dtype would
    # turn file bytes into pointers; structured or sub-array dtypes change the shape).
    if dtype.kind not in "biufc" or dtype.fields is not None or dtype.subdtype is not None:
        raise _fail(path, f"array {name!r}: unsupported dtype {dtype.str}")
    return name, dtype, tuple(shape), entry["offset"], entry["nbytes"]


def _read_native_header(path: PathLike, fh: IO[bytes], size: int) -> dict[str, Any]:
    prefix = fh.read(_PREFIX)
    if len(prefix) < 8 or prefix[:8] != NATIVE_MAGIC:
        raise _fail(path, "not a w2v native file (wrong magic bytes)")
    if len(prefix) < _PREFIX:
        raise _fail(path, "truncated native file (incomplete prefix)")
    version, header_len = struct.unpack("<IQ", prefix[8:_PREFIX])
    if version > NATIVE_FORMAT_VERSION or version < 1:
        raise _fail(
            path,
            f"native format version {version} is not supported (this w2v reads versions "
            f"1 to {NATIVE_FORMAT_VERSION}); upgrade w2v to read it",
        )
    if _PREFIX + header_len > size:
        raise _fail(
            path,
            f"truncated native file: header of {header_len} bytes does not fit in {size} bytes",
        )
    try:
        header = json.loads(fh.read(header_len).decode("utf-8"))
        if not isinstance(header, dict):
            raise TypeError("the header must be a JSON object")
        meta, entries = header["meta"], header["arrays"]
        if not isinstance(entries, list) or not isinstance(meta, dict):
            raise TypeError("'arrays' must be a list and 'meta' an object")
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, RecursionError) as exc:
        # (ValueError covers JSONDecodeError; RecursionError comes from deeply nested JSON.)
        raise _fail(path, f"corrupt native header: {str(exc)[:200]}") from None
    names: set[str] = set()
    for entry in entries:
        name, dtype, shape, offset, nbytes = _parse_entry(path, entry)
        if name in names:
            raise _fail(path, f"array {name!r} appears twice in the header")
        names.add(name)
        if nbytes != dtype.itemsize * math.prod(shape):
            raise _fail(path, f"array {name!r}: shape {shape} does not match {nbytes} bytes")
        if offset % _ALIGN or offset < _PREFIX + header_len:
            raise _fail(path, f"array {name!r}: invalid offset {offset}")
        if offset + nbytes > size:
            raise _fail(
                path,
                f"truncated native file: array {name!r} needs bytes {offset}..{offset + nbytes} "
                f"but the file has {size} bytes",
            )
        entry["_parsed"] = (name, dtype, shape, offset)
    return header


def load_native(path: PathLike, mmap: bool = True) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Load a file written by :func:`save_native`.

    Parameters
    ----------
    path : str or os.PathLike
        File to open.
    mmap : bool, default True
        Memory-map the arrays copy-on-write (``np.memmap`` mode ``'c'``): opening is instant
        whatever the file size, pages are read on first touch, and writes to the arrays stay
        private to this process (the file is never modified). False reads everything into
        ordinary arrays.

    Returns
    -------
    arrays : dict of str to numpy.ndarray
        The arrays by name (``numpy.memmap`` instances when `mmap` is True).
    meta : dict
        The metadata as saved.

    Raises
    ------
    FormatError
        Wrong magic bytes, a newer (unknown) format version, a corrupt header, or arrays
        extending past the end of the file (truncation).
    """
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed by the with below
    except OSError as exc:
        raise _fail(path, f"cannot open: {exc.strerror}") from None
    with fh:
        size = os.fstat(fh.fileno()).st_size
        header = _read_native_header(path, fh, size)
        arrays: dict[str, np.ndarray] = {}
        for entry in header["arrays"]:
            name, dtype, shape, offset = entry.pop("_parsed")
            if math.prod(shape) == 0:
                arrays[name] = np.zeros(shape, dtype=dtype)  # mmap cannot map 0 bytes
            elif mmap:
                mapped = np.memmap(path, dtype=dtype, mode="c", offset=offset, shape=shape)
                arrays[name] = mapped.reshape(shape)  # memmap turns shape () into (1,)
            else:
                fh.seek(offset)
                count = math.prod(shape)
                arrays[name] = np.fromfile(fh, dtype=dtype, count=count).reshape(shape)
    return arrays, header["meta"]
