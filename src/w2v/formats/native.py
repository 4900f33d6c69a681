"""The native container: named arrays and JSON metadata in one memory-mappable file.

Models and checkpoints (and vectors converted to ``.w2v``) are stored this way: opening a
multi-GB file is instant because the arrays are memory-mapped, 64-byte aligned, in place.
Word lists travel as one UTF-8 byte blob plus offsets (:func:`encode_words`), so they can be
mapped too. The reader validates every header field and raises
:class:`w2v.errors.FormatError` naming the file; the writer is atomic.
"""

from __future__ import annotations

import json
import math
import os
import struct
from collections.abc import Sequence
from typing import IO, Any

import numpy as np

from w2v.atomic import atomic_write
from w2v.errors import FormatError, ParameterError

__all__ = [
    "NATIVE_FORMAT_VERSION",
    "NATIVE_MAGIC",
    "decode_words",
    "encode_words",
    "load_native",
    "save_native",
]

PathLike = str | os.PathLike[str]


def _fail(path: PathLike, message: str) -> FormatError:
    """The :class:`FormatError` for a bad file: its path, then what is wrong."""
    return FormatError(f"{os.fspath(path)}: {message}")


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
# The container
# --------------------------------------------------------------------------------------

#: First 8 bytes of a native file. The high byte and CR/LF/Ctrl-Z catch text-mode mangling.
NATIVE_MAGIC = b"\x89W2V\r\n\x1a\n"
#: Version written by :func:`save_native`; files with a higher version are refused.
NATIVE_FORMAT_VERSION = 1
#: ``meta["kind"]`` of a native file holding word vectors only (no model state).
NATIVE_VECTORS_KIND = "w2v.KeyedVectors"
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
