"""Shared fixtures: slices of the real English corpus in ../shared/data/corpus/."""

from __future__ import annotations

import lzma
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
TEXT8_PART1 = DATA / "corpus" / "enwiki2015-part1.text8.txt.xz"


def real_words(n: int) -> list[str]:
    """The first ``n`` words of the real corpus (text8 format)."""
    if not TEXT8_PART1.exists():
        pytest.fail(f"real corpus missing: {TEXT8_PART1} (see DEVELOPERS.md: shared/data)")
    with lzma.open(TEXT8_PART1, "rt", encoding="ascii") as f:
        words = f.read(n * 7).split()
    if len(words) < n:
        pytest.fail(f"{TEXT8_PART1}: expected at least {n} words")
    return words[:n]


@pytest.fixture(scope="session")
def real_sentences() -> list[list[str]]:
    """200,000 real words cut into sentences of 100 words."""
    words = real_words(200_000)
    return [words[i : i + 100] for i in range(0, len(words), 100)]
