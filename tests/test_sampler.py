"""Negative sampling draws follow count**alpha and never return the positive word."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import chisquare

from w2v.rng import stream_seed
from w2v.sampler import AliasTable, keep_probabilities

COUNTS = np.array([5000, 2000, 900, 400, 400, 120, 60, 25, 9, 5, 3, 1], dtype=np.int64)


@pytest.mark.parametrize("exponent", [0.75, 1.0, 0.0])
def test_draws_match_count_power(exponent):
    table = AliasTable(COUNTS, exponent)
    draws = table.draw(10**6, stream_seed(7, 0))
    observed = np.bincount(draws, minlength=len(COUNTS))
    expected = COUNTS.astype(float) ** exponent
    expected = expected / expected.sum() * draws.shape[0]
    assert chisquare(observed, expected).pvalue > 1e-3
    # and a clearly wrong exponent is rejected by the same test
    wrong = COUNTS.astype(float) ** (exponent + 0.25)
    assert chisquare(observed, wrong / wrong.sum() * draws.shape[0]).pvalue < 1e-6


def test_draws_never_return_the_positive():
    table = AliasTable(COUNTS, 0.75)
    positive = 0  # the most frequent word, the likeliest to be hit
    draws = table.draw(10**6, stream_seed(8, 0), avoid=positive)
    assert not np.any(draws == positive)
    # redrawing (not skipping) leaves the others in their count**0.75 proportions
    observed = np.bincount(draws, minlength=len(COUNTS))[1:]
    expected = COUNTS[1:].astype(float) ** 0.75
    assert chisquare(observed, expected / expected.sum() * draws.shape[0]).pvalue > 1e-3


def test_draws_avoid_every_positive_of_a_batch():
    """A CBOW batch shares its negatives, so none may be any of the batch's centre words."""
    table = AliasTable(COUNTS, 0.75)
    positives = [0, 2, 3]
    draws = table.draw(10**6, stream_seed(9, 0), avoid=positives)
    assert not np.isin(draws, positives).any()
    others = np.setdiff1d(np.arange(len(COUNTS)), positives)
    observed = np.bincount(draws, minlength=len(COUNTS))[others]
    expected = COUNTS[others].astype(float) ** 0.75
    assert chisquare(observed, expected / expected.sum() * draws.shape[0]).pvalue > 1e-3


def test_keep_probabilities_follow_word2vec_formula():
    keep = keep_probabilities(COUNTS, 1e-2)
    t = 1e-2 * COUNTS.sum()
    expected = np.minimum((np.sqrt(COUNTS / t) + 1) * t / COUNTS, 1.0)
    np.testing.assert_allclose(keep, expected, rtol=1e-6)
    assert keep[0] < 1.0 and keep[-1] == 1.0
    assert np.all(keep_probabilities(COUNTS, 0) == 1.0)
