"""One kernel step moves every touched weight by exactly -lr x the gradient of that step's loss."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from numba import njit

from helpers import step_loss_and_grads
from w2v.huffman import HuffmanTree
from w2v.kernels import (
    CBOW_BATCH,
    KernelConfig,
    Tree,
    Weights,
    _log_sigmoid_and_gradient,
    cbow_step,
    make_scratch,
    sg_step,
)

V, D, LR = 12, 8, 0.05
CONTEXT = np.array([3, 5, 7, 3], dtype=np.int32)  # a repeated word must count twice
TARGET = 2
NEGS = np.array([1, 4, 9, 4], dtype=np.int32)  # a repeated negative too
NO_LOCKS = np.zeros(0, dtype=np.float32)  # no vectors_lockf: every update in full


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


def _cbow_one_centre(cfg, weights, tree_arrays, scratch) -> float:
    """One CBOW step predicting TARGET from CONTEXT."""
    contexts, cnts = CONTEXT[None, :], np.array([len(CONTEXT)], np.int32)
    return cbow_step(cfg, contexts, cnts, np.array([TARGET], np.int32), 1, NEGS, Weights(*weights),
                     tree_arrays, np.float32(LR), scratch, NO_LOCKS)  # fmt: skip


# (architecture, cbow_mean): the CBOW mean (exact-gradient mode) and sum, and skip-gram
ARCHS = [("cbow", True), ("cbow", False), ("sg", True)]
CASES = [
    (arch, mean, layer, bias)
    for (arch, mean), layer, bias in itertools.product(
        ARCHS, ["negative", "hs", "softmax"], [False, True]
    )
]


def _check_step(arch, cbow_mean, layer, bias, centres, negs=NEGS):
    """Run one kernel step over ``centres`` ((context, target) pairs; one for skip-gram, up to
    a CBOW batch for CBOW) and check that it moves every weight by -lr x the gradient of the
    centres' summed loss, and moves nothing else."""
    tree, weights, slot = _setup(layer, bias)
    cfg = KernelConfig(
        sg=int(arch == "sg"), cbow_mean=int(cbow_mean), window=2, shrink_windows=0,
        negative=len(negs) if layer == "negative" else 0, hs=int(layer == "hs"),
        softmax=int(layer == "softmax"), bias=int(bias), blocked=1, cbow_exact_gradient=1,
    )  # fmt: skip

    def layer_kw(target):
        if layer == "negative":
            return {"negs": negs}
        if layer == "hs":
            n = tree.lengths[target]
            return {"path": (tree.points[target, :n], tree.codes[target, :n].astype(np.float64))}
        return {}

    # reference gradients in float64, themselves checked by finite differences
    syn0 = weights[0].astype(np.float64)
    hbias = weights[1].astype(np.float64) if bias else None
    p = {"W": weights[slot].astype(np.float64), "b": weights[slot + 1].astype(np.float64)}
    if not bias:
        p["b"] = None

    def loss_and_grads():
        parts = [
            step_loss_and_grads(arch, syn0, hbias, ctx, t, layer, p, cbow_mean, **layer_kw(t))
            for ctx, t in centres
        ]
        total = sum(part[0] for part in parts)
        g0 = sum(part[1] for part in parts)
        ghb = sum(part[2] for part in parts) if bias else None
        gW = sum(part[3]["W"] for part in parts)
        gb = sum(part[3]["b"] for part in parts) if bias else None
        return total, g0, ghb, {"W": gW, "b": gb}

    def loss():
        return loss_and_grads()[0]

    _, g0, ghb, gout = loss_and_grads()
    assert _rel_err(g0, _finite_difference(loss, syn0)) < 1e-5
    assert _rel_err(gout["W"], _finite_difference(loss, p["W"])) < 1e-5
    if bias:
        assert _rel_err(ghb, _finite_difference(loss, hbias)) < 1e-5
        assert _rel_err(gout["b"], _finite_difference(loss, p["b"])) < 1e-5

    # the kernel's step
    before = [w.copy() for w in weights]
    scratch = make_scratch(cfg, D, tree.codes.shape[1], V)
    args = (negs, Weights(*weights), Tree(tree.codes, tree.points, tree.lengths), np.float32(LR))
    targets = np.array([t for _, t in centres], np.int32)
    if arch == "sg":
        ((context, _),) = centres
        row = np.asarray(context, np.int32)[None, :]
        kernel_loss = sg_step(cfg, row, 0, len(context), targets, *args, scratch, NO_LOCKS)
    else:
        contexts = np.zeros((len(centres), 2 * cfg.window), np.int32)
        for b, (ctx, _) in enumerate(centres):
            contexts[b, : len(ctx)] = ctx
        cnts = np.array([len(ctx) for ctx, _ in centres], np.int32)
        kernel_loss = cbow_step(cfg, contexts, cnts, targets, len(centres), *args, scratch,
                                NO_LOCKS)  # fmt: skip
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


@pytest.mark.parametrize(("arch", "cbow_mean", "layer", "bias"), CASES)
def test_step_is_minus_lr_times_gradient(arch, cbow_mean, layer, bias):
    _check_step(arch, cbow_mean, layer, bias, [(CONTEXT, TARGET)])


# A CBOW batch: the second centre repeats the first's target, so that word is one row with two
# positive labels; contexts of different lengths share words.
BATCH = [
    (CONTEXT, TARGET),
    (np.array([5, 0], np.int32), TARGET),
    (np.array([7, 3, 11], np.int32), 6),
    (np.array([8], np.int32), 10),
]


@pytest.mark.parametrize(
    ("cbow_mean", "bias"), list(itertools.product([True, False], [False, True]))
)
def test_cbow_batch_step_is_minus_lr_times_gradient_of_its_summed_loss(cbow_mean, bias):
    """With ``blocked``, CBOW centres share one step and one set of negatives; the step must
    be the exact gradient step of the batch's summed loss, however the targets repeat."""
    assert len(BATCH) == CBOW_BATCH
    assert not set(NEGS) & {t for _, t in BATCH}  # shared negatives are never a batch's target
    _check_step("cbow", cbow_mean, "negative", bias, BATCH)


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
        scratch = make_scratch(cfg, D, tree.codes.shape[1], V)
        _cbow_one_centre(cfg, weights, Tree(tree.codes, tree.points, tree.lengths), scratch)
        runs[exact] = [n.astype(np.float64) - o for n, o in zip(weights, before, strict=True)]
    default, exact = runs[0], runs[1]
    np.testing.assert_allclose(default[0][words], len(CONTEXT) * exact[0][words], rtol=1e-4)
    for i in range(1, len(default)):
        np.testing.assert_array_equal(default[i], exact[i])


def test_logistic_loss_and_gradient_within_float32_rounding():
    """The compiled sigmoid (its own exp, no libm call, so loops of it vectorize) gives
    -log P(label) and label - sigmoid(s) to a few float32 ulps of the float64 values, over
    the whole range of scores, including both tails where 1 - p would cancel."""

    @njit
    def evaluate(scores, label):
        loss, grad = np.empty_like(scores), np.empty_like(scores)
        for i in range(scores.shape[0]):
            loss[i], grad[i] = _log_sigmoid_and_gradient(scores[i], label)
        return loss, grad

    scores = np.concatenate([np.linspace(-80, 80, 200_001), [0.0, -1e-30, 1e-30]])
    scores = scores.astype(np.float32)
    s = scores.astype(np.float64)
    for label in (0.0, 1.0):
        loss, grad = evaluate(scores, np.float32(label))
        want_loss = np.logaddexp(0.0, -s if label else s)
        want_grad = 1.0 / (1.0 + np.exp(s)) if label else -1.0 / (1.0 + np.exp(-s))
        assert np.max(np.abs(loss - want_loss) / want_loss) < 4e-7
        assert np.max(np.abs(grad - want_grad) / np.abs(want_grad)) < 4e-7
