"""grow_weights: known words keep their trained rows, added words start as in a new model."""

from __future__ import annotations

import numpy as np
import pytest

from w2v.growth import grow_weights

NAMES = ("syn0", "hidden_bias", "syn1", "hs_bias", "syn1neg", "neg_bias", "syn1sm", "sm_bias")


def trained(v: int, d: int, hs: bool, negative: bool) -> list[np.ndarray]:
    rng = np.random.default_rng(0)

    def arr(*shape):
        return rng.standard_normal(shape).astype(np.float32)

    return [
        arr(v, d), arr(d),
        arr(v - 1, d) if hs else np.zeros((0, d), np.float32),
        arr(v - 1) if hs else np.zeros(0, np.float32),
        arr(v, d) if negative else np.zeros((0, d), np.float32),
        arr(v) if negative else np.zeros(0, np.float32),
        np.zeros((0, d), np.float32), np.zeros(0, np.float32),
    ]  # fmt: skip


@pytest.mark.parametrize(("hs", "negative"), [(True, False), (False, True), (True, True)])
def test_known_rows_kept_added_rows_fresh_inner_nodes_relearned(hs, negative):
    v, d, n = 6, 4, 9
    old = trained(v, d, hs, negative)
    before = [w.copy() for w in old]
    old_ids = np.arange(v, dtype=np.int32)
    syn0, hidden_bias, syn1, hs_bias, syn1neg, neg_bias, syn1sm, sm_bias = grow_weights(
        NAMES, old, old_ids, n, seed=7
    )
    np.testing.assert_array_equal(syn0[:v], old[0])
    assert np.all(np.abs(syn0[v:]) <= 1 / d) and len(np.unique(syn0[v:])) == (n - v) * d
    np.testing.assert_array_equal(hidden_bias, old[1])
    assert syn1.shape == ((n - 1, d) if hs else (0, d)) and not syn1.any()
    assert hs_bias.shape == ((n - 1,) if hs else (0,)) and not hs_bias.any()
    if negative:
        np.testing.assert_array_equal(syn1neg[:v], old[4])
        assert not syn1neg[v:].any() and not neg_bias[v:].any()
        np.testing.assert_array_equal(neg_bias[:v], old[5])
    else:
        assert syn1neg.shape == (0, d) and neg_bias.shape == (0,)
    assert syn1sm.shape == (0, d) and sm_bias.shape == (0,)
    for a, b in zip(old, before, strict=True):
        np.testing.assert_array_equal(a, b)  # the old arrays are left alone


def test_growth_is_reproducible_and_draws_its_own_stream():
    old = trained(5, 3, True, True)
    ids = np.arange(5, dtype=np.int32)
    a = grow_weights(NAMES, old, ids, 8, seed=1)
    b = grow_weights(NAMES, old, ids, 8, seed=1)
    c = grow_weights(NAMES, old, ids, 8, seed=2)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a[0][5:], c[0][5:])


def test_rows_move_to_their_new_ids():
    old = trained(3, 2, False, True)
    ids = np.array([2, 0, 4], dtype=np.int32)
    syn0, *_, syn1neg, _, _, _ = grow_weights(NAMES, old, ids, 5, seed=0)
    np.testing.assert_array_equal(syn0[ids], old[0])
    np.testing.assert_array_equal(syn1neg[ids], old[4])
    assert not syn1neg[[1, 3]].any()
