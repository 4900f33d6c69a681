"""Byte-level tokenization in compiled code: separator splitting, line ends, UTF-8 validation.

Tokens are maximal runs of non-separator bytes of UTF-8 text. Separators are what Python's
``str.split()`` splits on (ASCII and Unicode whitespace) plus every other ASCII control
character (NUL to U+001F and DEL), as text tools treat them. So a word can never hold a byte
that the word2vec formats (or the tools that read them) take as a boundary: what is counted
can always be saved. A sentence ends at each ``\\n``.
"""

from __future__ import annotations

import re

import numpy as np
from numba import njit

NEWLINE = 10

#: The ASCII separators (space and the control characters) as a regular expression over
#: ``str``: what no token holds and what the word2vec formats cannot store in a word. Used to
#: check words that did not come from the tokenizer (a vocabulary file, a caller's list).
ASCII_SEPARATOR = re.compile("[\x00-\x20\x7f]")


@njit(nogil=True, cache=True, inline="always")
def separator_length(buf: np.ndarray, i: int, n: int) -> int:
    """Byte length of the separator starting at ``buf[i]`` (whitespace or an ASCII control
    character), or 0 if it is not one."""
    b = buf[i]
    if b <= 32 or b == 127:
        return 1
    return _unicode_space_length(buf, i, n)


@njit(nogil=True, cache=True, inline="always")
def space_length(buf: np.ndarray, i: int, n: int) -> int:
    """Byte length of the whitespace character (as ``str.split()`` sees it) starting at
    ``buf[i]``, or 0 if it is not one."""
    b = buf[i]
    if b == 32 or (9 <= b <= 13) or (28 <= b <= 31):
        return 1
    return _unicode_space_length(buf, i, n)


@njit(nogil=True, cache=True, inline="always")
def _unicode_space_length(buf: np.ndarray, i: int, n: int) -> int:
    """Byte length of the non-ASCII whitespace character starting at ``buf[i]``, or 0."""
    b = buf[i]
    if b < 0xC2:
        return 0
    if b == 0xC2:
        if i + 1 < n and (buf[i + 1] == 0x85 or buf[i + 1] == 0xA0):
            return 2
        return 0
    if i + 2 >= n:
        return 0
    c = buf[i + 1]
    d = buf[i + 2]
    if b == 0xE1:
        return 3 if (c == 0x9A and d == 0x80) else 0  # U+1680
    if b == 0xE2:
        if c == 0x80 and (0x80 <= d <= 0x8A or d == 0xA8 or d == 0xA9 or d == 0xAF):
            return 3  # U+2000..U+200A, U+2028, U+2029, U+202F
        if c == 0x81 and d == 0x9F:
            return 3  # U+205F
        return 0
    if b == 0xE3:
        return 3 if (c == 0x80 and d == 0x80) else 0  # U+3000
    return 0


@njit(nogil=True, cache=True)
def next_token(buf: np.ndarray, pos: int, n: int) -> tuple[int, int, int]:
    """Find the next token at or after ``pos``.

    Returns ``(start, end, newlines)``: the token's byte range (``start == n`` when there is
    none) and how many newlines were skipped before it.
    """
    newlines = 0
    while pos < n:
        k = separator_length(buf, pos, n)
        if k == 0:
            break
        if buf[pos] == NEWLINE:
            newlines += 1
        pos += k
    start = pos
    while pos < n and separator_length(buf, pos, n) == 0:
        pos += 1
    return start, pos, newlines


@njit(nogil=True, cache=True)
def first_invalid_utf8(buf: np.ndarray, n: int) -> int:
    """Offset of the first byte that makes ``buf[:n]`` invalid UTF-8 (as CPython's strict decoder
    judges it: no overlong forms, no surrogates, nothing above U+10FFFF), or -1."""
    i = 0
    while i < n:
        b = buf[i]
        if b < 0x80:
            i += 1
            continue
        if 0xC2 <= b <= 0xDF:
            need = 1
            lo, hi = 0x80, 0xBF
        elif b == 0xE0:
            need = 2
            lo, hi = 0xA0, 0xBF
        elif 0xE1 <= b <= 0xEC or b == 0xEE or b == 0xEF:
            need = 2
            lo, hi = 0x80, 0xBF
        elif b == 0xED:
            need = 2
            lo, hi = 0x80, 0x9F
        elif b == 0xF0:
            need = 3
            lo, hi = 0x90, 0xBF
        elif 0xF1 <= b <= 0xF3:
            need = 3
            lo, hi = 0x80, 0xBF
        elif b == 0xF4:
            need = 3
            lo, hi = 0x80, 0x8F
        else:
            return i
        if i + need >= n:
            return i  # sequence cut off by the end of the data
        c = buf[i + 1]
        if c < lo or c > hi:
            return i
        for k in range(2, need + 1):
            c = buf[i + k]
            if c < 0x80 or c > 0xBF:
                return i
        i += need + 1
    return -1


@njit(nogil=True, cache=True)
def last_cut(buf: np.ndarray, n: int) -> int:
    """Index just past the last ASCII whitespace byte of ``buf[:n]`` (0 if there is none).

    Cutting a stream there never splits a token or a multi-byte character.
    """
    i = n - 1
    while i >= 0:
        b = buf[i]
        if b == 32 or (9 <= b <= 13):
            return i + 1
        i -= 1
    return 0


@njit(nogil=True, cache=True)
def count_space_split(buf: np.ndarray, n: int) -> int:
    """Number of items ``str.split()`` would give for ``buf[:n]`` (whitespace only: control
    characters stay inside them)."""
    pos = 0
    count = 0
    while True:
        while pos < n:
            k = space_length(buf, pos, n)
            if k == 0:
                break
            pos += k
        if pos >= n:
            return count
        count += 1
        while pos < n and space_length(buf, pos, n) == 0:
            pos += 1


@njit(nogil=True, cache=True)
def count_tokens(buf: np.ndarray, n: int) -> int:
    """Number of tokens in ``buf[:n]``."""
    pos = 0
    count = 0
    while True:
        s, e, _ = next_token(buf, pos, n)
        if s >= n:
            return count
        count += 1
        pos = e
