"""Word vector files of any format: tell the format from the bytes or the name, load, save.

Three formats hold word vectors: word2vec C ``text`` and ``binary``
(:mod:`w2v.formats.word2vec_format`) and ``native`` (:mod:`w2v.formats.native`: a vectors
file, or a whole model whose vectors are taken). :func:`load_vectors` reads any of them,
detecting the format when not told; :func:`save_vectors` writes one, atomically.
"""

from __future__ import annotations

import errno
import logging
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

from w2v.errors import ParameterError
from w2v.formats.native import NATIVE_MAGIC, NATIVE_VECTORS_KIND, load_native
from w2v.formats.word2vec_format import save_word2vec_format

if TYPE_CHECKING:
    from w2v.keyed_vectors import KeyedVectors

__all__ = [
    "FORMATS",
    "NATIVE_VECTORS_KIND",
    "detect_format",
    "format_from_suffix",
    "load_vectors",
    "save_vectors",
]

logger = logging.getLogger(__name__)

#: The formats :func:`load_vectors` and :func:`save_vectors` know.
FORMATS = ("text", "binary", "native")
_SUFFIXES = {
    ".txt": "text", ".vec": "text", ".text": "text", ".bin": "binary",
    ".w2v": "native", ".native": "native", ".model": "native",
}  # fmt: skip


def detect_format(path: str | os.PathLike) -> str:
    """The format of a vector file, from its first bytes.

    Parameters
    ----------
    path : str or os.PathLike
        The file.

    Returns
    -------
    str
        ``"native"`` (magic bytes), ``"binary"`` (a ``count dim`` header not followed by a
        line of ``dim`` numbers) or ``"text"`` (anything else; the text reader explains
        what is wrong with a file that is not).

    Raises
    ------
    OSError
        If the file cannot be read.
    """
    try:
        with open(path, "rb") as f:
            head = f.read(1 << 16)
    except OSError as exc:
        raise OSError(exc.errno, f"cannot read: {exc.strerror or exc}", os.fspath(path)) from None
    if head.startswith(NATIVE_MAGIC):
        return "native"
    nl = head.find(b"\n")
    try:
        count, dim = (int(x) for x in head[:nl].split())
    except ValueError:
        return "text"  # no header: let the text reader explain (or read it with no_header)
    line_end = head.find(b"\n", nl + 1)
    first = head[nl + 1 : line_end if line_end >= 0 else len(head)]
    try:
        parts = first.decode("utf-8").split()
        [float(x) for x in parts[1:]]
        if len(parts) == dim + 1:
            return "text"
    except (UnicodeDecodeError, ValueError):
        pass
    return "binary" if count and dim else "text"


def format_from_suffix(path: str | os.PathLike, default: str | None = None) -> str | None:
    """The format a file name suggests (``.bin``, ``.txt``/``.vec``, ``.w2v``), else `default`.

    Compression suffixes are looked through: ``vectors.txt.gz`` is ``"text"``.
    """
    suffixes = [s.lower() for s in Path(path).suffixes]
    for s in reversed(suffixes):
        if s in _SUFFIXES:
            return _SUFFIXES[s]
    return default


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ParameterError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")


def load_vectors(
    path: str | os.PathLike,
    fmt: str | None = None,
    limit: int | None = None,
    no_header: bool = False,
) -> KeyedVectors:
    """Load word vectors from a text, binary or native file.

    Parameters
    ----------
    path : str or os.PathLike
        A word2vec text or binary file, a native vectors file, or a native model (then its
        ``wv``).
    fmt : {"text", "binary", "native"}, optional
        The format; detected from the file's bytes by default (:func:`detect_format`).
    limit : int, optional
        Keep only the first `limit` vectors (the most frequent words in files w2v writes).
    no_header : bool
        The file is word2vec text without its ``count dim`` first line (GloVe's format);
        implies ``fmt="text"``.

    Returns
    -------
    KeyedVectors
        Words that are not valid UTF-8 in word2vec files are read with replacement
        characters, as word2vec.c's truncated words often are not.

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    FormatError
        If the file is malformed (the message names the file and the line or record).
    """
    from w2v.keyed_vectors import KeyedVectors

    if not Path(path).is_file():
        raise FileNotFoundError(errno.ENOENT, "no such file", os.fspath(path))
    if fmt is not None:
        _check_format(fmt)
    if no_header and fmt not in (None, "text"):
        raise ParameterError(f"no_header applies to text files, not to format {fmt!r}")
    fmt = "text" if no_header else fmt or detect_format(path)
    t0 = time.perf_counter()
    if fmt == "native":
        kv = _load_native_vectors(path)
        if limit is not None and limit < len(kv):
            counts = kv.counts[:limit] if kv.counts is not None else None
            kv = KeyedVectors(kv.index_to_key[:limit], kv.vectors[:limit], counts)
    else:
        kv = KeyedVectors.load_word2vec_format(
            path, binary=fmt == "binary", limit=limit, unicode_errors="replace",
            no_header=no_header,
        )  # fmt: skip
    logger.info(
        "loaded %d vectors of %d dimensions from %s (%s) in %.1fs",
        len(kv), kv.vector_size, path, fmt, time.perf_counter() - t0,
    )  # fmt: skip
    return kv


def _load_native_vectors(path: str | os.PathLike) -> KeyedVectors:
    from w2v.keyed_vectors import KeyedVectors
    from w2v.word2vec import Word2Vec

    if load_native(path)[1].get("kind") == NATIVE_VECTORS_KIND:
        # memory-mapped read-only: a large file opens at once and processes share its pages
        return KeyedVectors.load(path, mmap="r")
    return Word2Vec.load(path).wv


def save_vectors(kv: KeyedVectors, path: str | os.PathLike, fmt: str) -> None:
    """Write word vectors as ``"text"``, ``"binary"`` (word2vec C formats) or ``"native"``.

    The write is atomic: a temporary file beside `path`, renamed onto it when complete. The
    native format keeps the word counts, which word2vec files cannot hold.
    """
    _check_format(fmt)
    if fmt == "native":
        kv.save(path)
    else:
        # index order, as the vectors are (KeyedVectors.save_word2vec_format sorts by count,
        # as gensim's does, which reorders a grown vocabulary)
        save_word2vec_format(path, kv.index_to_key, kv.vectors, binary=fmt == "binary")
