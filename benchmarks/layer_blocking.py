"""What blocking the sigmoid layer by four rows buys: ns per call, shipped vs one row at a time.

``w2v.kernels.sigmoid_layer`` sweeps each vector once per four output rows (scores and input
gradients) or four inputs (output updates). This times it against the straightforward
one-row-at-a-time loops it replaced, on the shapes training produces: one input (CBOW) or a
skip-gram block of 6 contexts, against 6 rows (negative sampling, 5 negatives) or 15 rows (a
Huffman path), rows drawn Zipf-like from a 70,000 x 100 matrix as in a real vocabulary.

    PYTHONPATH=src python benchmarks/layer_blocking.py
"""

from __future__ import annotations

import time

import numpy as np
from numba import njit

from w2v.kernels import _log_sigmoid_and_gradient, sigmoid_layer


@njit(nogil=True, fastmath=True, error_model="numpy")
def one_row_at_a_time(H, n, outs, labels, m, W, bias, use_bias, lr, dH, G):
    """The layer before blocking: same contract as ``sigmoid_layer``."""
    d = H.shape[1]
    loss = 0.0
    for i in range(n):
        for j in range(m):
            row = outs[j]
            s = np.float32(0.0)
            for k in range(d):
                s += H[i, k] * W[row, k]
            if use_bias:
                s += bias[row]
            term, g = _log_sigmoid_and_gradient(s, labels[j])
            loss += term
            G[i, j] = g * lr
    for j in range(m):
        row = outs[j]
        for i in range(n):
            g = G[i, j]
            for k in range(d):
                dH[i, k] += g * W[row, k]
    for j in range(m):
        row = outs[j]
        gsum = np.float32(0.0)
        for i in range(n):
            g = G[i, j]
            gsum += g
            for k in range(d):
                W[row, k] += g * H[i, k]
        if use_bias:
            bias[row] += gsum
    return loss


@njit(nogil=True)
def drive(layer, reps, W, syn0, rows, ctx, n, m, H, dH, G, labels, bias):
    """``reps`` calls as training makes them: gather inputs, run the layer, update inputs."""
    total = 0.0
    outs = np.empty(m, np.int32)
    for r in range(reps):
        base = (r * 7) % (rows.shape[0] - m)
        for j in range(m):
            outs[j] = rows[base + j]
        for i in range(n):
            w = ctx[(r * 11 + i) % ctx.shape[0]]
            H[i, :] = syn0[w, :]
            dH[i, :] = 0.0
        total += layer(H, n, outs, labels, m, W, bias, 0, np.float32(0.001), dH, G)
        for i in range(n):
            w = ctx[(r * 11 + i) % ctx.shape[0]]
            syn0[w, :] += dH[i, :]
    return total


def main() -> None:
    v, d, reps = 70_000, 100, 200_000
    rng = np.random.default_rng(0)
    W = ((rng.random((v, d), dtype=np.float32) - 0.5) / d).astype(np.float32)
    syn0 = ((rng.random((v, d), dtype=np.float32) - 0.5) / d).astype(np.float32)
    p = 1 / np.arange(1, v + 1) ** 0.9
    p /= p.sum()
    rows = rng.choice(v, 1_000_000, p=p).astype(np.int32)
    ctx = rng.choice(v, 1_000_000, p=p).astype(np.int32)
    bias = np.zeros(v, np.float32)
    labels = (rng.random(40) < 0.5).astype(np.float32)
    print("| inputs | rows | one row at a time | blocked by 4 | speed-up |")
    print("|---|---|---|---|---|")
    for n, m in [(1, 6), (6, 6), (1, 15), (6, 15)]:
        H, dH = np.zeros((10, d), np.float32), np.zeros((10, d), np.float32)
        G = np.zeros((10, 40), np.float32)
        ns = {}
        for name, layer in [("old", one_row_at_a_time), ("new", sigmoid_layer)]:
            drive(layer, 10, W, syn0, rows, ctx, n, m, H, dH, G, labels, bias)  # compile
            best = float("inf")
            for _ in range(5):
                t = time.perf_counter()
                drive(layer, reps, W, syn0, rows, ctx, n, m, H, dH, G, labels, bias)
                best = min(best, time.perf_counter() - t)
            ns[name] = best / reps * 1e9
        print(f"| {n} | {m} | {ns['old']:.0f} ns | {ns['new']:.0f} ns | "
              f"{ns['old'] / ns['new']:.2f}x |")  # fmt: skip


if __name__ == "__main__":
    main()
