"""Shortest round-trip text of float32 values, compiled: ``str(np.float32(v))``, ten times faster.

word2vec text files written by gensim hold each value as numpy prints it: the shortest decimal
that reads back as the same float32. Formatting millions of values through ``str()`` one at a
time dominates writing a text file, so :func:`format_float32` computes the same bytes in
compiled code and hands the rare values it cannot settle cheaply back to ``str()``.
"""

from __future__ import annotations

import math

import numba
import numpy as np

__all__ = ["SLOT", "format_float32"]

#: Bytes reserved per formatted value: float32 text is at most 15 bytes ("-0.00012345678",
#: "-1.2345678e-38"; positional output is only used below 1e6).
SLOT = 24
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
    """Write ``str(np.float32(v))`` of each value into its ``SLOT``-byte slot of `out`.

    ``lens[i]`` is the text length, or 0 where the caller must format the value itself
    (NaN, infinities and the rare values :func:`_shortest_digits` declines).
    """
    for i in numba.prange(bits.shape[0]):
        b = bits[i]
        o = i * SLOT
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


def format_float32(values: np.ndarray, slots: np.ndarray, lens: np.ndarray) -> None:
    """Write ``str(value)`` of each float32 in `values` into its own `SLOT`-byte slot.

    Parameters
    ----------
    values : numpy.ndarray
        1-D contiguous ``float32`` values.
    slots : numpy.ndarray
        ``uint8`` output of at least ``SLOT * len(values)`` bytes; value ``i`` is written
        from byte ``i * SLOT``.
    lens : numpy.ndarray
        ``int64`` output of at least ``len(values)`` entries: the length of each text.

    The bytes are exactly those of ``str(np.float32(v)).encode()``, including ``nan``,
    ``inf`` and the values the compiled path declines, which go through ``str()`` itself.
    """
    count = values.size
    _format_float32(values.view(np.uint32), slots, lens)
    for i in np.flatnonzero(lens[:count] == 0).tolist():
        text = str(values[i]).encode("ascii")
        slots[i * SLOT : i * SLOT + len(text)] = np.frombuffer(text, dtype=np.uint8)
        lens[i] = len(text)
