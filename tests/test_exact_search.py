"""w2v.exact_search: batched exact neighbours whose answers do not depend on the batch."""

from __future__ import annotations

import numpy as np
import pytest

from w2v.exact_search import exact_top_k, score_bound
from w2v.keyed_vectors import KeyedVectors


def unit_rows(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    x = rng.standard_normal((n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def brute_force(unit: np.ndarray, query: np.ndarray, k: int, exclude=()) -> list[int]:
    """The exact ranking in float64: score descending, then lower index."""
    scores = unit.astype(np.float64) @ query.astype(np.float64)
    order = [i for i in np.lexsort((np.arange(len(unit)), -scores)) if i not in set(exclude)]
    return order[:k]


def test_answers_are_the_exact_ranking():
    rng = np.random.default_rng(0)
    unit, queries = unit_rows(rng, 3000, 48), unit_rows(rng, 40, 48)
    exclude = [sorted(rng.choice(3000, 3, replace=False).tolist()) for _ in range(40)]
    for q, (idx, val) in enumerate(exact_top_k(unit, queries, 10, exclude)):
        assert idx.tolist() == brute_force(unit, queries[q], 10, exclude[q])
        want = (unit[idx].astype(np.float64) @ queries[q].astype(np.float64)).astype(np.float32)
        assert np.array_equal(val, want)  # one rounding of the float64 sum
        assert idx.dtype == np.int64 and val.dtype == np.float32


def test_an_answer_is_bit_identical_whatever_its_batch():
    rng = np.random.default_rng(1)
    unit, queries = unit_rows(rng, 5000, 300), unit_rows(rng, 64, 300)
    alone = [exact_top_k(unit, queries[q : q + 1], 10)[0] for q in range(64)]
    # In one batch, in small blocks (another BLAS shape), and among other companions.
    together = exact_top_k(unit, queries, 10)
    blocked = exact_top_k(unit, queries, 10, block_elements=3 * len(unit))
    shuffled = exact_top_k(unit, np.vstack([unit_rows(rng, 7, 300), queries[::-1]]), 10)[7:][::-1]
    for answers in (together, blocked, shuffled):
        for (idx, val), (idx1, val1) in zip(answers, alone, strict=True):
            assert np.array_equal(idx, idx1) and np.array_equal(val, val1)


def test_equal_scores_rank_by_lower_index_and_more_than_the_margin_tie():
    rng = np.random.default_rng(2)
    base = unit_rows(rng, 1, 16)
    # 40 identical vectors tie at the cut: more than the margin, so the row is rescored whole.
    unit = np.vstack([unit_rows(rng, 100, 16), np.repeat(base, 40, axis=0), unit_rows(rng, 60, 16)])
    ((idx, val),) = exact_top_k(unit, base, 30, margin=2)
    assert idx.tolist() == list(range(100, 130))
    assert np.all(val == val[0])
    ((idx2, val2),) = exact_top_k(unit, base, 30)
    assert np.array_equal(idx, idx2) and np.array_equal(val, val2)


def test_a_candidate_misjudged_by_the_product_is_still_found(monkeypatch):
    # Two words closer than the product's rounding bound at the cut; the product (made wrong
    # by less than the bound) swaps them: the answer must still be the exact one.
    import w2v.exact_search as module

    cosines = np.array([0.9, 0.8, 0.7, 0.6, 0.5 + 2e-6, 0.5, 0.1, 0.0])
    unit = np.zeros((len(cosines), 32), np.float32)
    unit[:, 0], unit[:, 1] = cosines, np.sqrt(1 - cosines**2)
    query = np.zeros((1, 32), np.float32)
    query[0, 0] = 1
    assert exact_top_k(unit, query, 5, margin=0)[0][0].tolist() == [0, 1, 2, 3, 4]
    real_matmul = np.matmul

    def misjudged(a, b, out):
        real_matmul(a, b, out=out)
        out[:, 4] -= np.float32(0.9 * score_bound(32))
        return out

    monkeypatch.setattr(module.np, "matmul", misjudged)
    assert exact_top_k(unit, query, 5, margin=0)[0][0].tolist() == [0, 1, 2, 3, 4]


def test_fewer_words_than_asked_and_zero_vectors():
    unit = np.array([[1, 0], [0, 0], [0.6, 0.8]], np.float32)
    ((idx, val),) = exact_top_k(unit, np.array([[1, 0]], np.float32), 10, [[0]])
    assert idx.tolist() == [2, 1] and val.tolist() == [pytest.approx(0.6), 0.0]
    assert [len(i) for i, _ in exact_top_k(np.zeros((0, 2), np.float32), unit[:2], 3)] == [0, 0]


def test_most_similar_and_batch_agree_bit_for_bit():
    rng = np.random.default_rng(4)
    kv = KeyedVectors([f"w{i}" for i in range(2000)], rng.standard_normal((2000, 50), np.float32))
    positive = [[f"w{i}", f"w{i + 1}"] for i in range(0, 60, 2)]
    negative = [[f"w{i + 100}"] for i in range(30)]
    batch = kv.most_similar_batch(positive, negative, topn=8, restrict_vocab=1500)
    for p, n, got in zip(positive, negative, batch, strict=True):
        assert got == kv.most_similar(p, n, topn=8, restrict_vocab=1500)
    assert (
        kv.most_similar("w5", topn=4, clip_start=10)
        == [(w, s) for w, s in kv.most_similar("w5", topn=2000) if kv.get_index(w) >= 10][:4]
    )
