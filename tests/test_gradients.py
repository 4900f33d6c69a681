"""One kernel step moves every touched weight by exactly -lr x the gradient of that step's loss."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from reference import step_loss_and_grads
from w2v.huffman import HuffmanTree
from w2v.kernels import KernelConfig, cbow_step, make_scratch, sg_step

V, D, LR = 12, 8, 0.05
CONTEXT = np.array([3, 5, 7, 3], dtype=np.int32)  # a repeated word must count twice
TARGET = 2
NEGS = np.array([1, 4, 9, 4], dtype=np.int32)  # a repeated negative too


def _setup(layer: str, bias: bool, seed: int = 0):
    rng = np.random.default_rng(seed)
    counts = np.sort(rng.integers(1, 100, V))[::-1]
    tree = HuffmanTree(counts)
    syn0 = rng.normal(0, 0.5, (V, D)).astype(np.float32)
    rows = V - 1 if layer == "hs" else V
    out = rng.normal(0, 0.5, (rows, D)).astype(np.float32)
    hbias = rng.normal(0, 0.5, D).astype(np.float32) if bias else np.zeros(0, np.float32)
    obias = rng.normal(0, 0.5, rows).astype(np.float32) if bias else np.zeros(0, np.float32)
    empty_m, empty = np.zeros((0, D), np.float32), np.zeros(0, np.float32)
    weights = [syn0, hbias, empty_m, empty, empty_m, empty, empty_m, empty]
    slot = {"hs": 2, "negative": 4, "softmax": 6}[layer]
    weights[slot], weights[slot + 1] = out, obias
    return tree, weights, slot


def _finite_difference(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        up = f()
        x[i] = old - eps
        down = f()
        x[i] = old
        g[i] = (up - down) / (2 * eps)
    return g


def _rel_err(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-30))


# (architecture, cbow_mean): the CBOW mean (exact-gradient mode) and sum, and skip-gram
ARCHS = [("cbow", True), ("cbow", False), ("sg", True)]
CASES = [
    (arch, mean, layer, bias)
    for (arch, mean), layer, bias in itertools.product(
        ARCHS, ["negative", "hs", "softmax"], [False, True]
    )
]


@pytest.mark.parametrize(("arch", "cbow_mean", "layer", "bias"), CASES)
def test_step_is_minus_lr_times_gradient(arch, cbow_mean, layer, bias):
    tree, weights, slot = _setup(layer, bias)
    cfg = KernelConfig(
        sg=int(arch == "sg"), cbow_mean=int(cbow_mean), window=2, shrink_windows=0,
        negative=len(NEGS) if layer == "negative" else 0, hs=int(layer == "hs"),
        softmax=int(layer == "softmax"), bias=int(bias), blocked=1, cbow_exact_gradient=1,
    )  # fmt: skip
    length = tree.lengths[TARGET]
    path = (tree.points[TARGET, :length], tree.codes[TARGET, :length].astype(np.float64))
    kw = {"negs": NEGS} if layer == "negative" else {"path": path} if layer == "hs" else {}

    # reference gradients in float64, themselves checked by finite differences
    syn0 = weights[0].astype(np.float64)
    hbias = weights[1].astype(np.float64) if bias else None
    p = {"W": weights[slot].astype(np.float64), "b": weights[slot + 1].astype(np.float64)}
    if not bias:
        p["b"] = None

    def loss():
        return step_loss_and_grads(arch, syn0, hbias, CONTEXT, TARGET, layer, p, cbow_mean, **kw)[0]

    _, g0, ghb, gout = step_loss_and_grads(
        arch, syn0, hbias, CONTEXT, TARGET, layer, p, cbow_mean, **kw
    )
    assert _rel_err(g0, _finite_difference(loss, syn0)) < 1e-5
    assert _rel_err(gout["W"], _finite_difference(loss, p["W"])) < 1e-5
    if bias:
        assert _rel_err(ghb, _finite_difference(loss, hbias)) < 1e-5
        assert _rel_err(gout["b"], _finite_difference(loss, p["b"])) < 1e-5

    # the kernel's step
    before = [w.copy() for w in weights]
    H, dH, scratch = make_scratch(cfg, D, tree.codes.shape[1], V)
    step = sg_step if arch == "sg" else cbow_step
    kernel_loss = step(
        cfg, CONTEXT, len(CONTEXT), TARGET, NEGS, tuple(weights),
        (tree.codes, tree.points, tree.lengths), np.float32(LR), H, dH, scratch,
    )  # fmt: skip
    assert kernel_loss == pytest.approx(loss(), rel=1e-5)
    expected = {0: g0, slot: gout["W"]}
    if bias:
        expected[1], expected[slot + 1] = ghb, gout["b"]
    for i, (old, new) in enumerate(zip(before, weights, strict=True)):
        delta = new.astype(np.float64) - old
        if i in expected:
            assert _rel_err(delta, -LR * expected[i]) < 1e-3, f"weight array {i}"
            touched = expected[i] != 0
            assert np.array_equal(delta != 0, touched), f"untouched weights moved in array {i}"
        else:
            assert not delta.any(), f"weight array {i} should not move"


@pytest.mark.parametrize("layer", ["negative", "hs", "softmax"])
def test_cbow_mean_default_moves_inputs_by_the_whole_hidden_error(layer):
    """word2vec.c's convention: context vectors move by cnt x their exact gradient; the output
    layer and the hidden bias still move by exactly -lr x their gradient."""
    words = np.unique(CONTEXT)
    runs = {}
    for exact in (0, 1):
        tree, weights, slot = _setup(layer, bias=True)
        cfg = KernelConfig(
            sg=0, cbow_mean=1, window=2, shrink_windows=0,
            negative=len(NEGS) if layer == "negative" else 0, hs=int(layer == "hs"),
            softmax=int(layer == "softmax"), bias=1, blocked=1, cbow_exact_gradient=exact,
        )  # fmt: skip
        before = [w.copy() for w in weights]
        H, dH, scratch = make_scratch(cfg, D, tree.codes.shape[1], V)
        tree_arrays = (tree.codes, tree.points, tree.lengths)
        cbow_step(cfg, CONTEXT, len(CONTEXT), TARGET, NEGS, tuple(weights), tree_arrays,
                  np.float32(LR), H, dH, scratch)  # fmt: skip
        runs[exact] = [n.astype(np.float64) - o for n, o in zip(weights, before, strict=True)]
    default, exact = runs[0], runs[1]
    np.testing.assert_allclose(default[0][words], len(CONTEXT) * exact[0][words], rtol=1e-4)
    for i in range(1, len(default)):
        np.testing.assert_array_equal(default[i], exact[i])
