"""A small, fast, well-mixed random number generator (splitmix64) usable inside compiled kernels.

Each chunk of training gets its own stream seeded from (seed, epoch, chunk), so results do not
depend on which thread trains which chunk, and one worker reproduces a run bit for bit.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_INV_2_24 = np.float32(1.0 / (1 << 24))


@njit(nogil=True, cache=True, inline="always")
def next_u64(state: np.ndarray) -> np.uint64:
    """Advance ``state`` (a 1-element uint64 array) and return 64 random bits."""
    state[0] += _GAMMA
    z = state[0]
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


@njit(nogil=True, cache=True, inline="always")
def uniform(state: np.ndarray) -> np.float32:
    """A float32 uniform in [0, 1) with 24 random bits."""
    return np.float32(next_u64(state) >> np.uint64(40)) * _INV_2_24


@njit(nogil=True, cache=True, inline="always")
def below(state: np.ndarray, n: int) -> int:
    """A uniform integer in [0, n) for n < 2**32 (multiply-shift, no modulo bias worth noting)."""
    return np.int64(((next_u64(state) >> np.uint64(32)) * np.uint64(n)) >> np.uint64(32))


def stream_seed(seed: int, *keys: int) -> np.ndarray:
    """A fresh generator state derived from ``seed`` and ``keys`` (e.g. epoch and chunk)."""
    mixed = np.random.SeedSequence([seed & 0xFFFFFFFFFFFFFFFF, *keys]).generate_state(1, np.uint64)
    return mixed.astype(np.uint64)
