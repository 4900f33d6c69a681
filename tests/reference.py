"""Independent float64 numpy implementation of one word2vec step's loss and gradients.

Written from the equations, not from the kernels, so the tests can check the kernels against it
(and check it against finite differences).
"""

from __future__ import annotations

import numpy as np


def log_sigmoid(x: np.ndarray) -> np.ndarray:
    return -np.logaddexp(0.0, -x)


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def output_loss_and_grads(h, target, layer, p, negs=None, path=None):
    """Loss of predicting ``target`` from hidden vector ``h`` and its gradients.

    ``p`` maps names to float64 arrays: ``W`` (output matrix) and ``b`` (output bias or None).
    Returns ``(loss, dL/dh, {name: dL/dname})``.
    """
    W, b = p["W"], p["b"]
    bias = b if b is not None else np.zeros(W.shape[0])
    gW = np.zeros_like(W)
    gb = np.zeros_like(bias)
    if layer == "softmax":
        u = W @ h + bias
        logz = np.logaddexp.reduce(u)
        prob = np.exp(u - logz)
        loss = logz - u[target]
        du = prob.copy()
        du[target] -= 1.0
        gW += np.outer(du, h)
        gb += du
        gh = W.T @ du
    else:
        if layer == "negative":
            rows = np.array([target, *negs])
            labels = np.array([1.0] + [0.0] * len(negs))
        else:  # hierarchical softmax: inner nodes on the path, branch label 1 - code
            rows, codes = path
            labels = 1.0 - codes
        s = W[rows] @ h + bias[rows]
        sign = 2.0 * labels - 1.0
        loss = -log_sigmoid(sign * s).sum()
        ds = sigmoid(s) - labels  # d(-log sigmoid(sign*s))/ds
        gh = W[rows].T @ ds
        np.add.at(gW, rows, np.outer(ds, h))
        np.add.at(gb, rows, ds)
    return float(loss), gh, {"W": gW, "b": gb if b is not None else None}


def step_loss_and_grads(arch, syn0, hbias, context, target, layer, p, cbow_mean=True, **kw):
    """Loss and gradients of one training step.

    CBOW: ``h = mean(syn0[context]) + hbias`` predicts ``target`` once. Skip-gram: each
    context word's ``syn0[c] + hbias`` predicts ``target`` (the block's summed loss).
    """
    g0 = np.zeros_like(syn0)
    ghb = np.zeros_like(hbias) if hbias is not None else None
    hb = hbias if hbias is not None else 0.0
    total = 0.0
    gout = {"W": np.zeros_like(p["W"]), "b": None if p["b"] is None else np.zeros_like(p["b"])}
    if arch == "cbow":
        inputs = [list(context)]
    else:
        inputs = [[c] for c in context]
    for rows in inputs:
        scale = 1.0 / len(rows) if cbow_mean else 1.0
        h = syn0[rows].sum(axis=0) * scale + hb
        loss, gh, go = output_loss_and_grads(h, target, layer, p, **kw)
        total += loss
        for r in rows:
            g0[r] += gh * scale
        if ghb is not None:
            ghb += gh
        gout["W"] += go["W"]
        if gout["b"] is not None:
            gout["b"] += go["b"]
    return total, g0, ghb, gout
