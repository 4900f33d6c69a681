"""Built-in text normalisation: raw text to word2vec-ready tokens, in compiled code.

Off by default (the corpus is split at whitespace only, as word2vec.c and gensim's
``corpus_file`` do). A mode is a rule applied to each character on its own, so it is a table
from code point to replacement bytes, built once per process from Python's Unicode database;
the compiled kernel decodes UTF-8 and copies each character's replacement. Line ends and
every other separator (:mod:`w2v.tokenizer`) are kept, so sentences stay as they were.

Modes (docs/cli.md, "Raw text", states the same rules):

``"split"``
    Lower-case (Unicode simple case mapping, character by character); punctuation and
    symbols (Unicode categories P and S other than connector punctuation such as ``_``)
    become tokens of their own, one per character (``Venice,`` -> ``venice ,``); numbers
    (category N: digits of any script, ``²``, ``½``) are removed, leaving a word boundary,
    as word2vec.c's ``demo-train-big-model`` script (``tr 0-9 " "``) does; invisible format
    characters (category Cf: soft hyphen, zero-width joiner, byte-order mark) are deleted.
``"drop"``
    The same, but punctuation and symbols are removed (a word boundary), as gensim's
    ``simple_preprocess`` does: ``Venice,`` -> ``venice``, ``don't`` -> ``don t``.
``"text8"``
    Matt Mahoney's text8 recipe (fastText's ``wikifil.pl``), as the bundled sample was
    made: Unicode NFKD with combining marks dropped, lower-case, each digit spelled out as
    a word (``1945`` -> ``one nine four five``), everything else outside ``a-z`` a word
    boundary.

Letters, combining marks, connector punctuation (``_``, so phrases such as ``new_york``
survive), private-use and unassigned code points are word characters in ``split`` and
``drop``.
"""

from __future__ import annotations

import functools
import unicodedata

import numpy as np
from numba import njit

from w2v.errors import ParameterError

#: The accepted values of the ``normalize`` parameter (None: no normalisation).
NORMALIZE_MODES = ("split", "drop", "text8")

_MAX_CODE_POINT = 0x110000
#: ``lens`` value of a character that is copied unchanged.
_COPY = -1
_DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_ASCII_SEPARATORS = {chr(c) for c in range(33)} | {"\x7f"}


def check_mode(normalize: str | None, name: str = "normalize") -> str | None:
    """``normalize`` if it is None or one of :data:`NORMALIZE_MODES`, else ParameterError."""
    if normalize is None or normalize in NORMALIZE_MODES:
        return normalize
    modes = ", ".join(repr(m) for m in NORMALIZE_MODES)
    raise ParameterError(f"{name} must be None or one of {modes}, got {normalize!r}")


def _is_separator(ch: str) -> bool:
    """What :mod:`w2v.tokenizer` splits at: whitespace and the ASCII control characters."""
    return ch in _ASCII_SEPARATORS or ch.isspace()


def _split_or_drop(ch: str, split: bool) -> str | None:
    """The replacement of one character in ``split``/``drop`` mode (None: unchanged)."""
    category = unicodedata.category(ch)
    major = category[0]
    if major == "N":
        return " "
    if category == "Cf":
        return ""
    if major in "LM" or category in ("Pc", "Co", "Cn"):
        lower = ch.lower()
        # simple case mapping: U+0130 (İ) lowers to "i" + U+0307; its simple mapping is "i"
        lower = lower[0] if len(lower) > 1 else lower
        return None if lower == ch else lower
    return f" {ch} " if split else " "


def _text8(ch: str) -> str:
    """The replacement of one character by the text8 recipe."""
    s = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    out = []
    for c in s.lower():
        if "a" <= c <= "z":
            out.append(c)
        elif "0" <= c <= "9":
            out.append(f" {_DIGIT_WORDS[ord(c) - 48]} ")
        else:
            out.append(" ")
    return "".join(out)


@functools.cache
def _table(mode: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """``(starts, lens, pool, growth)``: code point ``c`` becomes ``pool[starts[c]:][:lens[c]]``
    (copied unchanged where ``lens[c]`` is -1); ``growth`` bounds output bytes per input
    byte. Built once per mode and process (a fraction of a second)."""
    starts = np.zeros(_MAX_CODE_POINT, dtype=np.int32)
    lens = np.full(_MAX_CODE_POINT, _COPY, dtype=np.int32)
    pool = bytearray()
    where: dict[bytes, int] = {}
    growth = 1
    default, changed = _changed(mode)
    if default is not None:
        lens[:] = len(default)  # starts 0: the pool begins with the default
        pool += default.encode("utf-8")
        where[bytes(pool)] = 0
        growth = len(pool)
    for ch, rep in changed:
        if rep is None:
            lens[ord(ch)] = _COPY
            continue
        data = rep.encode("utf-8")
        if data not in where:
            where[data] = len(pool)
            pool += data
        cp = ord(ch)
        starts[cp] = where[data]
        lens[cp] = len(data)
        growth = max(growth, -(-len(data) // len(ch.encode("utf-8"))))
    return starts, lens, np.frombuffer(bytes(pool) or b"\0", dtype=np.uint8), growth


def _changed(mode: str) -> tuple[str | None, list[tuple[str, str | None]]]:
    """``(default, changes)``: the replacement of most code points (None: unchanged), and
    ``(character, replacement)`` for every other one (replacement None: unchanged).

    The rule of most code points (unassigned ones, CJK, other caseless letters) follows from
    their category and the whole-range maps below; the per-character rules run on the rest.
    """
    chars = [chr(c) for c in range(_MAX_CODE_POINT) if not 0xD800 <= c <= 0xDFFF]
    categories = list(map(unicodedata.category, chars))
    lowers = list(map(str.lower, chars))
    changed = []
    if mode == "text8":
        nfkd = list(map(functools.partial(unicodedata.normalize, "NFKD"), chars))
        for ch, cat, low, dec in zip(chars, categories, lowers, nfkd, strict=True):
            if (cat[0] == "Z" or cat == "Cc") and _is_separator(ch):
                changed.append((ch, None))
            elif dec != ch or cat[0] == "M" or low.isascii() or ch.isascii():
                rep = _text8(ch)
                if rep != " ":
                    changed.append((ch, None if rep == ch else rep))
            # else: stays itself, outside a-z: a word boundary, the default
        return " ", changed
    for ch, cat, low in zip(chars, categories, lowers, strict=True):
        if (cat[0] in "LM" or cat in ("Pc", "Co", "Cn")) and low == ch:
            continue  # a word character without case
        if (cat[0] == "Z" or cat == "Cc") and _is_separator(ch):
            continue
        rep = _split_or_drop(ch, mode == "split")
        if rep is not None:
            changed.append((ch, rep))
    return None, changed


@njit(nogil=True, cache=True)
def _apply_table(buf, n, starts, lens, pool, out):
    """Write ``buf[:n]`` (valid UTF-8) with each character replaced per the table to ``out``;
    returns the bytes written."""
    i = 0
    k = 0
    while i < n:
        b = buf[i]
        if b < 0x80:
            cp = np.int64(b)
            m = 1
        elif b < 0xE0:
            cp = ((np.int64(b) & 0x1F) << 6) | (buf[i + 1] & 0x3F)
            m = 2
        elif b < 0xF0:
            cp = ((np.int64(b) & 0x0F) << 12) | ((np.int64(buf[i + 1]) & 0x3F) << 6)
            cp |= buf[i + 2] & 0x3F
            m = 3
        else:
            cp = ((np.int64(b) & 0x07) << 18) | ((np.int64(buf[i + 1]) & 0x3F) << 12)
            cp |= ((np.int64(buf[i + 2]) & 0x3F) << 6) | (buf[i + 3] & 0x3F)
            m = 4
        length = lens[cp]
        if length < 0:
            for j in range(m):
                out[k + j] = buf[i + j]
            k += m
        else:
            s = starts[cp]
            for j in range(length):
                out[k + j] = pool[s + j]
            k += length
        i += m
    return k


def normalize_block(block: np.ndarray, mode: str) -> np.ndarray:
    """``block`` (uint8, valid UTF-8) normalised by ``mode`` (one of :data:`NORMALIZE_MODES`).

    Each character is replaced on its own, so a block cut anywhere between characters
    normalises to the same bytes as the whole.
    """
    starts, lens, pool, growth = _table(mode)
    out = np.empty(block.shape[0] * growth, dtype=np.uint8)
    k = _apply_table(block, block.shape[0], starts, lens, pool, out)
    return out[:k]


def normalize_text(text: str, mode: str) -> str:
    """``text`` normalised by ``mode``: what training on it sees (whitespace kept as given)."""
    block = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    return normalize_block(block, mode).tobytes().decode("utf-8")
