"""Training kernels: compiled, GIL-free, updating shared float32 weights lock-free (Hogwild).

Reading order, from the corpus down to one weight update:

* :func:`train_chunk` walks a chunk of encoded corpus: it subsamples each sentence, sets the
  learning rate (:func:`learning_rate`), and for each centre word gathers its context (the words
  up to the window on either side), draws the negatives and calls a step.
* :func:`cbow_step` and :func:`sg_step` build the hidden vectors ``H`` of the two architectures
  (one row per input), call :func:`predict_and_update`, and hand ``dH`` back to the input
  vectors.
* :func:`predict_and_update` runs every enabled output layer. Two primitives serve them all:
  :func:`sigmoid_layer` scores ``H`` against chosen output rows with labels: negative sampling
  (the target labelled 1, the negatives 0) and hierarchical softmax (the inner nodes on the
  target's Huffman path, labelled ``1 - code``) are the same computation on different rows;
  :func:`softmax_layer` scores ``H`` against every output row (full softmax, cross-entropy).
  When the inputs of a block predict different targets (a CBOW batch),
  :func:`sparse_sigmoid_layer` scores them, each target row once with a label for every input
  that predicts it.

All scores of a block are computed before any weight moves, so each step applies exactly
``-lr`` times the gradient of the block's summed loss.

Skip-gram is trained in word2vec.c's orientation: each context word's input vector predicts the
centre word. Over a corpus the (centre, context) pairs are symmetric, so this is the same
objective as the centre predicting its contexts, and all contexts of a centre then share one
target: with ``blocked`` they form one block that shares the target's path (HS), one set of
negatives (NS, as in pWord2Vec) or one pass over the output matrix (softmax).

CBOW with ``blocked`` and negative sampling alone takes ``CBOW_BATCH`` centres of a sentence,
``2 * window + 1`` words apart so that their contexts never overlap, as one block: each
predicts its own target and they share one set of negatives (none of them any of the block's
targets), so the negatives' rows are loaded and updated once for the whole block.

The arrays travel in named groups: :class:`Weights` (what training changes), :class:`Tree`
(the Huffman paths), :class:`Sampler` (negative and subsampling tables), :class:`Scratch` (one
thread's buffers) and :class:`Schedule` (the learning-rate schedule), with the integer switches
in :class:`KernelConfig`.

Below :func:`train_chunk`, nothing allocates, and the loop, the steps and the layers are
compiled without numba's reference counting (``_nrt=False``): with it, every view of an array
and every array taken out of a named group costs an atomic update of the array's header, and
the weights' headers are shared by all threads. For the same reason they index rows of 2-d
buffers rather than take slices. The sigmoid has its own exp (:func:`_exp_neg`) so that a row
of scores runs in vector registers (a libm call per score does not vectorize).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

from w2v.rng import below, uniform
from w2v.sampler import draw_negative

CBOW_BATCH = 4  # CBOW centres per step with ``blocked``


class KernelConfig(NamedTuple):
    """Integer switches of a training run (see :class:`w2v.params.Params`)."""

    sg: int
    cbow_mean: int
    window: int
    shrink_windows: int
    negative: int
    hs: int
    softmax: int
    bias: int
    blocked: int
    cbow_exact_gradient: int = 0


class Weights(NamedTuple):
    """Every array training updates, float32. A layer (or bias) that is switched off has empty
    arrays, so that every model reaches the kernels with the same types."""

    syn0: np.ndarray  #: input word vectors, (V, d): the embeddings
    hidden_bias: np.ndarray  #: added to every hidden vector, (d,) or (0,)
    syn1: np.ndarray  #: hierarchical softmax: one vector per inner node, (V - 1, d) or (0, d)
    hs_bias: np.ndarray  #: its biases, (V - 1,) or (0,)
    syn1neg: np.ndarray  #: negative sampling: output word vectors, (V, d) or (0, d)
    neg_bias: np.ndarray  #: their biases, (V,) or (0,)
    syn1sm: np.ndarray  #: full softmax: output word vectors, (V, d) or (0, d)
    sm_bias: np.ndarray  #: their biases, (V,) or (0,)


class Tree(NamedTuple):
    """Each word's path from the root of the Huffman tree (:class:`w2v.huffman.HuffmanTree`)."""

    codes: np.ndarray  #: uint8 (V, depth): the branch (0 or 1) taken at each node of the path
    points: np.ndarray  #: int32 (V, depth): the nodes of the path, as rows of ``syn1``
    lengths: np.ndarray  #: int32 (V,): nodes on the path


class Sampler(NamedTuple):
    """Frequency-based sampling (:mod:`w2v.sampler`)."""

    threshold: np.ndarray  #: uint64 (V,): alias table, keep the drawn slot below this
    alias: np.ndarray  #: int32 (V,): alias table, the word taken otherwise
    keep: np.ndarray  #: float32 (V,): probability of keeping each occurrence (subsampling)
    #: float32 (V,): factor on each word's input-vector updates (gensim's ``vectors_lockf``:
    #: 0 freezes a vector); empty (0,) when every factor is 1
    lockf: np.ndarray


class Scratch(NamedTuple):
    """Buffers one thread writes as it trains (:func:`make_scratch`). ``n`` is the most inputs
    of a block, ``m`` the most output rows one layer scores."""

    H: np.ndarray  #: float32 (n, d): hidden vectors, one row per input
    dH: np.ndarray  #: float32 (n, d): ``-lr * dLoss/dH``
    outs: np.ndarray  #: int32 (m,): the output rows a layer scores
    labels: np.ndarray  #: float32 (n, m): their labels (1 target, 0 negative or code)
    G: np.ndarray  #: float32 (n, m): scores, then ``lr * (label - sigmoid(score))``
    P: np.ndarray  #: float32 (n, V) with a full softmax, else (0, 0): probabilities


class Schedule(NamedTuple):
    """The learning rate falls linearly from ``alpha`` to ``min_alpha`` over ``total_words``."""

    alpha: float
    min_alpha: float
    total_words: int


@njit(nogil=True, fastmath=True, error_model="numpy", cache=True, inline="always")
def learning_rate(alpha: float, min_alpha: float, fraction: float) -> float:
    """The learning rate after ``fraction`` (0 to 1) of the words of a run: linear from
    ``alpha`` to ``min_alpha`` (word2vec.c's and gensim's schedule)."""
    return max(alpha - (alpha - min_alpha) * fraction, min_alpha)


@intrinsic
def _float32_from_bits(typingctx, bits):  # pragma: no cover
    """The float32 whose IEEE-754 bit pattern is the int32 ``bits`` (an LLVM bitcast, which
    the loop vectorizer keeps in vector registers)."""
    sig = types.float32(types.int32)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.FloatType())

    return sig, codegen


@njit(nogil=True, fastmath=True, error_model="numpy", cache=True, inline="always")
def _exp_neg(a: np.float32) -> np.float32:
    """exp(-a) for float32 a >= 0, within 2 float32 ulps (Cody-Waite reduction and Cephes'
    polynomial for expf). Branch-free and call-free, so a loop of them runs eight lanes wide;
    libm's exp is a call per value. Below exp(-87) (no normal float32) it returns exp(-87)."""
    x = -min(a, np.float32(87.0))
    n = np.floor(x * np.float32(1.44269504088896341) + np.float32(0.5))
    r = x - n * np.float32(0.693359375) - n * np.float32(-2.12194440e-4)
    p = np.float32(1.9875691500e-4)
    p = p * r + np.float32(1.3981999507e-3)
    p = p * r + np.float32(8.3334519073e-3)
    p = p * r + np.float32(4.1665795894e-2)
    p = p * r + np.float32(1.6666665459e-1)
    p = p * r + np.float32(5.0000001201e-1)
    p = p * r * r + r + np.float32(1.0)
    return p * _float32_from_bits((np.int32(n) + np.int32(127)) << np.int32(23))


@njit(nogil=True, fastmath=True, error_model="numpy", cache=True, inline="always")
def _log1p_unit(e: np.float32) -> np.float32:
    """log(1 + e) for e in [0, 1], as 2 atanh(t) with t = e / (2 + e) <= 1/3: seven terms of the
    odd series leave a relative error below 1e-7, and it inlines (a libm call does not)."""
    t = e / (np.float32(2.0) + e)
    t2 = t * t
    poly = np.float32(1 / 13)
    for c in (1 / 11, 1 / 9, 1 / 7, 1 / 5, 1 / 3, 1.0):
        poly = poly * t2 + np.float32(c)
    return np.float32(2.0) * t * poly


@njit(nogil=True, fastmath=True, error_model="numpy", cache=True, inline="always")
def _log_sigmoid_and_gradient(s: np.float32, label: np.float32) -> tuple[np.float32, np.float32]:
    """For score ``s`` and label 1 or 0: ``(-log P(label), label - sigmoid(s))``."""
    e = _exp_neg(abs(s))
    inv = np.float32(1.0) / (np.float32(1.0) + e)
    z = -s if label > 0.5 else s  # the loss is log(1 + exp(z)), its gradient sigmoid(z)
    sigmoid_z = inv if z >= 0 else e * inv  # from e = exp(-|z|): no 1 - p cancellation
    return _log1p_unit(e) + max(z, np.float32(0.0)), -sigmoid_z if label < 0.5 else sigmoid_z


@njit(nogil=True, fastmath=True, error_model="numpy", cache=True, inline="always")
def _logistic_row(G, i, labels, m, lr):
    """Turns the scores ``G[i, :m]`` into ``lr * (labels[0, :m] - sigmoid(G[i, :m]))`` and
    returns the summed ``-log P(label)``. No branch in the body, so it runs as vector code."""
    loss = np.float32(0.0)
    for j in range(m):
        term, grad = _log_sigmoid_and_gradient(G[i, j], labels[0, j])
        loss += term
        G[i, j] = grad * lr
    return loss


@njit(nogil=True, fastmath=True, error_model="numpy", cache=True, _nrt=False)
def sigmoid_layer(H, n, outs, labels, m, W, bias, use_bias, lr, dH, G):
    """Binary logistic predictions of rows ``outs[:m]`` of ``W`` from ``H[:n]``.

    Adds ``-lr * dL/dH`` to ``dH[:n]``, updates ``W`` (and ``bias``) by ``-lr * dL/dW``, and
    returns the summed loss ``sum_i sum_j -log P(labels[0, j] | H[i])``. As plain loops::

        for i < n, j < m:    # every score before any update
            s = H[i] . W[outs[j]] + bias[outs[j]]
            loss += -log P(labels[0, j] | s)
            G[i, j] = lr * (labels[0, j] - sigmoid(s))
        for i < n, j < m:
            dH[i] += G[i, j] * W[outs[j]]
        for j < m, i < n:
            W[outs[j]] += G[i, j] * H[i];  bias[outs[j]] += G[i, j]

    Each of the three passes handles four rows (or four inputs) per sweep over a vector, so
    one load feeds four multiply-adds and an updated vector is stored once per four terms
    rather than once per term. For a skip-gram block this is 1.14-1.40x faster than one row
    at a time (``benchmarks/layer_blocking.py``).
    """
    d = H.shape[1]
    m4 = m - m % 4
    n4 = n - n % 4
    loss = 0.0
    for i in range(n):
        for j in range(0, m4, 4):
            r0, r1, r2, r3 = outs[j], outs[j + 1], outs[j + 2], outs[j + 3]
            s0 = s1 = s2 = s3 = np.float32(0.0)
            for k in range(d):
                h = H[i, k]
                s0 += h * W[r0, k]
                s1 += h * W[r1, k]
                s2 += h * W[r2, k]
                s3 += h * W[r3, k]
            G[i, j], G[i, j + 1], G[i, j + 2], G[i, j + 3] = s0, s1, s2, s3
        for j in range(m4, m):
            row = outs[j]
            s = np.float32(0.0)
            for k in range(d):
                s += H[i, k] * W[row, k]
            G[i, j] = s
        if use_bias:
            for j in range(m):
                G[i, j] += bias[outs[j]]
        loss += _logistic_row(G, i, labels, m, lr)
    for i in range(n):
        for j in range(0, m4, 4):
            r0, r1, r2, r3 = outs[j], outs[j + 1], outs[j + 2], outs[j + 3]
            g0, g1, g2, g3 = G[i, j], G[i, j + 1], G[i, j + 2], G[i, j + 3]
            for k in range(d):
                dH[i, k] += g0 * W[r0, k] + g1 * W[r1, k] + g2 * W[r2, k] + g3 * W[r3, k]
        for j in range(m4, m):
            row = outs[j]
            g = G[i, j]
            for k in range(d):
                dH[i, k] += g * W[row, k]
    for j in range(m):
        row = outs[j]
        gsum = np.float32(0.0)
        for i in range(0, n4, 4):
            g0, g1, g2, g3 = G[i, j], G[i + 1, j], G[i + 2, j], G[i + 3, j]
            gsum += g0 + g1 + g2 + g3
            for k in range(d):
                W[row, k] += g0 * H[i, k] + g1 * H[i + 1, k] + g2 * H[i + 2, k] + g3 * H[i + 3, k]
        for i in range(n4, n):
            g = G[i, j]
            gsum += g
            for k in range(d):
                W[row, k] += g * H[i, k]
        if use_bias:
            bias[row] += gsum
    return loss


@njit(nogil=True, fastmath=True, error_model="numpy", cache=True, _nrt=False)
def sparse_sigmoid_layer(H, n, outs, L, m, W, bias, use_bias, lr, dH, G):
    """Binary logistic predictions of the distinct rows ``outs[:m]`` of ``W``: input ``i``
    predicts row ``j`` with label ``L[i, j]``, or not at all where ``L[i, j] < 0``.

    Same contract as :func:`sigmoid_layer`. This is the target layer of a CBOW batch, whose
    inputs predict different words (a word that is the target of two inputs is one row with
    two labels). As the rows are distinct, each row's updates use only its own scores, and
    no other prediction of the block reads it.
    """
    d = H.shape[1]
    loss = 0.0
    for j in range(m):
        row = outs[j]
        for i in range(n):
            if L[i, j] >= 0:
                s = np.float32(0.0)
                for k in range(d):
                    s += H[i, k] * W[row, k]
                G[i, j] = s
    for j in range(m):
        for i in range(n):
            if L[i, j] >= 0:
                s = G[i, j] + bias[outs[j]] if use_bias else G[i, j]
                term, g = _log_sigmoid_and_gradient(s, L[i, j])
                loss += term
                G[i, j] = g * lr
    for j in range(m):
        row = outs[j]
        gsum = np.float32(0.0)
        for i in range(n):
            if L[i, j] >= 0:
                g = G[i, j]
                gsum += g
                for k in range(d):
                    dH[i, k] += g * W[row, k]
        for i in range(n):
            if L[i, j] >= 0:
                g = G[i, j]
                for k in range(d):
                    W[row, k] += g * H[i, k]
        if use_bias:
            bias[row] += gsum
    return loss


@njit(nogil=True, fastmath=True, error_model="numpy", cache=True, _nrt=False)
def softmax_layer(H, n, target, W, bias, use_bias, lr, dH, P):
    """Full softmax over all rows of ``W`` from ``H[:n]``, each predicting ``target``.

    ``P`` is scratch of shape (>= n, V). Same contract as :func:`sigmoid_layer`.
    """
    d = H.shape[1]
    v = W.shape[0]
    loss = 0.0
    for i in range(n):
        mx = -np.inf
        for r in range(v):
            s = np.float32(0.0)
            for k in range(d):
                s += H[i, k] * W[r, k]
            if use_bias:
                s += bias[r]
            P[i, r] = s
            mx = max(mx, s)
        z = 0.0
        for r in range(v):
            z += np.exp(P[i, r] - mx)
        loss += np.log(z) + mx - P[i, target]
        inv = 1.0 / z
        for r in range(v):
            P[i, r] = -lr * np.exp(P[i, r] - mx) * inv  # -lr * probability
        P[i, target] += lr
    for r in range(v):
        gsum = np.float32(0.0)
        for i in range(n):
            g = P[i, r]
            gsum += g
            for k in range(d):
                dH[i, k] += g * W[r, k]
        for i in range(n):
            g = P[i, r]
            for k in range(d):
                W[r, k] += g * H[i, k]
        if use_bias:
            bias[r] += gsum
    return loss


@njit(nogil=True, cache=True, _nrt=False)
def _merge_targets(targets, n, outs, L):
    """Rows and labels of ``n`` inputs each predicting its own target (label 1), a word that
    is the target of several inputs being one row. Returns the number of rows."""
    m = 0
    for i in range(n):
        slot = -1
        for j in range(m):
            if outs[j] == targets[i]:
                slot = j
                break
        if slot < 0:  # a new row, no input predicting it yet
            slot = m
            outs[m] = targets[i]
            for i2 in range(n):
                L[i2, m] = -1.0
            m += 1
        L[i, slot] = 1.0
    return m


@njit(nogil=True, fastmath=True, error_model="numpy", cache=True, _nrt=False)
def predict_and_update(cfg, n, targets, nt, negs, weights, tree, lr, scratch):
    """Every enabled output layer predicts from ``scratch.H[:n]``; returns the summed loss.

    Sets ``scratch.dH[:n]`` to ``-lr * dLoss/dH`` and updates the output layers in place.
    With ``nt == 1`` every input predicts ``targets[0]`` (a skip-gram block, or one CBOW
    centre); otherwise input ``i`` predicts ``targets[i]`` (a CBOW batch, which only negative
    sampling trains: there the inputs share the negatives, while hierarchical or full softmax
    would have nothing to share). ``negs`` holds ``cfg.negative`` negative word ids drawn by
    the caller, none of them a target.
    """
    H, dH, outs, labels, G = scratch.H, scratch.dH, scratch.outs, scratch.labels, scratch.G
    if nt > 1 and (cfg.hs or cfg.softmax):
        raise ValueError("a block with several targets takes negative sampling only")
    for i in range(n):
        for c in range(H.shape[1]):
            dH[i, c] = 0.0
    loss = 0.0
    # ------------------------------------------------------------ HIERARCHICAL SOFTMAX
    # one binary prediction per inner node on the target's path: the branch taken
    if cfg.hs:
        t = targets[0]
        m = tree.lengths[t]
        for j in range(m):
            outs[j] = tree.points[t, j]
            labels[0, j] = 1.0 - tree.codes[t, j]
        loss += sigmoid_layer(
            H, n, outs, labels, m, weights.syn1, weights.hs_bias, cfg.bias, lr, dH, G
        )
    # ------------------------------------------------------------ NEGATIVE SAMPLING
    # the target labelled 1, each negative 0
    if cfg.negative > 0:
        k = cfg.negative
        W, bias = weights.syn1neg, weights.neg_bias
        if nt == 1:
            outs[0] = targets[0]
            labels[0, 0] = 1.0
            for j in range(k):
                outs[j + 1] = negs[j]
                labels[0, j + 1] = 0.0
            loss += sigmoid_layer(H, n, outs, labels, k + 1, W, bias, cfg.bias, lr, dH, G)
        else:
            # Targets and negatives are disjoint rows and H does not move until the caller
            # applies dH, so two layers in turn still take one exact gradient step.
            m = _merge_targets(targets, n, outs, labels)
            loss += sparse_sigmoid_layer(H, n, outs, labels, m, W, bias, cfg.bias, lr, dH, G)
            for j in range(k):
                labels[0, j] = 0.0
            loss += sigmoid_layer(H, n, negs, labels, k, W, bias, cfg.bias, lr, dH, G)
    # ------------------------------------------------------------ FULL SOFTMAX
    # cross-entropy over every word of the vocabulary
    if cfg.softmax:
        loss += softmax_layer(
            H, n, targets[0], weights.syn1sm, weights.sm_bias, cfg.bias, lr, dH, scratch.P
        )
    return loss


@njit(nogil=True, fastmath=True, error_model="numpy", cache=True, _nrt=False)
def cbow_step(cfg, contexts, cnts, targets, nb, negs, weights, tree, lr, scratch, lockf):
    """CBOW on ``nb`` centres at once: for each ``b``, the mean (or sum) of the context
    vectors ``contexts[b, :cnts[b]]``, plus the hidden bias, predicts ``targets[b]``. All
    predictions are scored before any weight moves and they share the negatives. As plain
    loops::

        for b < nb:
            H[b] = mean(syn0[contexts[b, c]] for c < cnts[b]) + hidden_bias  # or the sum
        dH = predict_and_update(...)  # -lr * dLoss/dH; output layers updated
        for b < nb:
            for c < cnts[b]:
                syn0[contexts[b, c]] += dH[b]  # / cnts[b] with cbow_exact_gradient
            hidden_bias += dH[b]

    A non-empty ``lockf`` scales each context word's update by its factor.

    With the mean, word2vec.c and gensim move every context vector by the whole hidden-layer
    error (``cnt`` times its gradient), and their learning rates are tuned for that, so that
    is the default; ``cfg.cbow_exact_gradient`` applies the exact gradient instead.
    """
    syn0, hidden_bias = weights.syn0, weights.hidden_bias
    H, dH = scratch.H, scratch.dH
    d = syn0.shape[1]
    for b in range(nb):
        for k in range(d):
            H[b, k] = 0.0
        for c in range(cnts[b]):
            w = contexts[b, c]
            for k in range(d):
                H[b, k] += syn0[w, k]
        scale = np.float32(1.0 / cnts[b]) if cfg.cbow_mean else np.float32(1.0)
        for k in range(d):
            H[b, k] *= scale
            if cfg.bias:
                H[b, k] += hidden_bias[k]
    loss = predict_and_update(cfg, nb, targets, nb, negs, weights, tree, lr, scratch)
    exact = cfg.cbow_mean and cfg.cbow_exact_gradient
    for b in range(nb):
        in_scale = np.float32(1.0 / cnts[b]) if exact else np.float32(1.0)
        for c in range(cnts[b]):
            w = contexts[b, c]
            scale = in_scale * lockf[w] if lockf.shape[0] > 0 else in_scale
            for k in range(d):
                syn0[w, k] += dH[b, k] * scale
        if cfg.bias:
            for k in range(d):
                hidden_bias[k] += dH[b, k]
    return loss


@njit(nogil=True, fastmath=True, error_model="numpy", cache=True, _nrt=False)
def sg_step(cfg, contexts, first, cnt, target, negs, weights, tree, lr, scratch, lockf):
    """Skip-gram block: each of the ``cnt`` context words ``context = contexts[0, first:]``,
    its vector plus the hidden bias, predicts ``target[0]``, all scored before any update.
    As plain loops::

        for i < cnt:
            H[i] = syn0[context[i]] + hidden_bias
        dH = predict_and_update(...)  # -lr * dLoss/dH; output layers updated
        for i < cnt:
            syn0[context[i]] += dH[i]
            hidden_bias += dH[i]

    A non-empty ``lockf`` scales each context word's update by its factor.
    """
    syn0, hidden_bias = weights.syn0, weights.hidden_bias
    H, dH = scratch.H, scratch.dH
    d = syn0.shape[1]
    for i in range(cnt):
        w = contexts[0, first + i]
        for k in range(d):
            H[i, k] = syn0[w, k] + hidden_bias[k] if cfg.bias else syn0[w, k]
    loss = predict_and_update(cfg, cnt, target, 1, negs, weights, tree, lr, scratch)
    for i in range(cnt):
        w = contexts[0, first + i]
        if lockf.shape[0] > 0:
            f = lockf[w]
            for k in range(d):
                syn0[w, k] += dH[i, k] * f
        else:
            for k in range(d):
                syn0[w, k] += dH[i, k]
        if cfg.bias:
            for k in range(d):
                hidden_bias[k] += dH[i, k]
    return loss


#: Bytes of memory that one core's write can take from the others: a 64-byte line, or two,
#: as Intel's spatial prefetcher fetches lines in aligned pairs.
_CACHE_BLOCK = 128


def thread_private(shape: int | tuple[int, ...], dtype: Any) -> np.ndarray:
    """A zeroed C-contiguous array whose cache blocks hold nothing else.

    A small buffer from numpy's allocator can sit in the same cache line as another thread's
    (numpy recycles small blocks across threads). Then the two cores pass that line back and
    forth on every write, e.g. on every random draw for an 8-byte generator state, although
    no data is shared. Aligning the array to a cache block and padding it to a whole number
    of blocks rules that out.

    Parameters
    ----------
    shape : int or tuple of int
        Shape of the array.
    dtype : numpy dtype or type
        Its element type.

    Returns
    -------
    numpy.ndarray
        Zeros, starting at a 128-byte boundary, inside a buffer that ends at or after the
        next boundary past its last byte.
    """
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    padded = -(-max(nbytes, 1) // _CACHE_BLOCK) * _CACHE_BLOCK
    raw = np.zeros(padded + _CACHE_BLOCK, dtype=np.uint8)
    start = -raw.ctypes.data % _CACHE_BLOCK
    return raw[start : start + nbytes].view(dtype).reshape(shape)


def make_scratch(cfg: KernelConfig, dim: int, max_path: int, vocab_size: int) -> Scratch:
    """The buffers one thread writes as it trains, each alone in its cache lines
    (:func:`thread_private`).

    Parameters
    ----------
    cfg : KernelConfig
        The run's switches (window, negatives, softmax).
    dim : int
        Vector size.
    max_path : int
        Longest Huffman path (1 without hierarchical softmax).
    vocab_size : int
        Words in the vocabulary (the full softmax scores them all).
    """
    n_max = max(2 * cfg.window, CBOW_BATCH)
    m_max = max(cfg.negative + CBOW_BATCH, max_path, 1)
    return Scratch(
        H=thread_private((n_max, dim), np.float32),
        dH=thread_private((n_max, dim), np.float32),
        outs=thread_private(m_max, np.int32),
        labels=thread_private((n_max, m_max), np.float32),
        G=thread_private((n_max, m_max), np.float32),
        P=thread_private((n_max, vocab_size) if cfg.softmax else (0, 0), np.float32),
    )


@njit(nogil=True, fastmath=True, error_model="numpy", cache=True)
def train_chunk(ids, cfg, weights, tree, sampler, schedule, words_before, rng, scratch):
    """Train on one chunk of encoded corpus.

    Parameters
    ----------
    ids : numpy.ndarray
        int32 word ids, each sentence ended by -1.
    cfg : KernelConfig
    weights : Weights
        Updated in place.
    tree : Tree
    sampler : Sampler
    schedule : Schedule
        The learning rate of a sentence is :func:`learning_rate` at its end word's position
        on the schedule, ``words_before`` plus the words of the chunk read so far, so it does
        not depend on which thread trains which chunk.
    words_before : int
        Words of the schedule before this chunk.
    rng : numpy.ndarray
        The chunk's random stream (a 1-element uint64 state, :mod:`w2v.rng`).
    scratch : Scratch

    Returns
    -------
    tuple
        ``(loss sum, predictions, words read)``.
    """
    sent = np.empty(ids.shape[0], dtype=np.int32)
    contexts = np.empty((CBOW_BATCH, 2 * cfg.window), dtype=np.int32)
    cnts = np.empty(CBOW_BATCH, dtype=np.int32)
    targets = np.empty(CBOW_BATCH, dtype=np.int32)
    negs = np.empty(max(cfg.negative, 1), dtype=np.int32)
    return _train_sentences(
        ids, cfg, weights, tree, sampler, schedule, words_before, rng, scratch,
        sent, contexts, cnts, targets, negs,
    )  # fmt: skip


# Without the runtime's reference counting (``_nrt=False``, as the steps it calls): every
# array they touch was allocated by the caller, and otherwise each view or unpacked tuple
# field costs an atomic update of a header that all threads share.
@njit(nogil=True, fastmath=True, error_model="numpy", cache=True, _nrt=False)
def _train_sentences(
    ids, cfg, weights, tree, sampler, schedule, words_before, rng, scratch,
    sent, contexts, cnts, targets, negs,
):  # fmt: skip
    """The loop of :func:`train_chunk`, over buffers it allocated."""
    alpha, min_alpha = np.float32(schedule.alpha), np.float32(schedule.min_alpha)
    threshold, alias, keep = sampler.threshold, sampler.alias, sampler.keep
    n = ids.shape[0]
    window = cfg.window
    ns_only = cfg.negative > 0 and not cfg.hs and not cfg.softmax
    batch = CBOW_BATCH if cfg.blocked and not cfg.sg and ns_only else 1
    stride = 2 * window + 1 if batch > 1 else 1  # centres of a CBOW batch: contexts disjoint
    loss = 0.0
    predictions = 0
    words = 0
    pos = 0
    while pos < n:
        # the next sentence, each occurrence of word w kept with probability keep[w]
        length = 0
        while pos < n and ids[pos] >= 0:
            w = ids[pos]
            pos += 1
            words += 1
            if keep[w] < 1.0 and keep[w] <= uniform(rng):
                continue
            sent[length] = w
            length += 1
        pos += 1  # past the sentence end
        lr = np.float32(
            learning_rate(alpha, min_alpha, (words_before + words) / schedule.total_words)
        )
        # For each centre, its context. The centres are taken `batch` at a time, `stride`
        # apart (base + offset, + stride, + 2 stride, ...), each group being one step: without
        # a CBOW batch (batch 1, stride 1) simply one centre after the other.
        for base in range(0, length, batch * stride):
            for offset in range(stride):
                nb = 0
                for q in range(batch):
                    centre = base + offset + q * stride
                    if centre >= length:
                        break
                    # its context: the words up to `reach` positions before and after it
                    reach = window - below(rng, window) if cfg.shrink_windows else window
                    cnt = 0
                    for j in range(max(0, centre - reach), min(length, centre + reach + 1)):
                        if j != centre:
                            contexts[nb, cnt] = sent[j]
                            cnt += 1
                    if cnt > 0:
                        targets[nb] = sent[centre]
                        cnts[nb] = cnt
                        nb += 1
                if nb == 0:
                    continue
                for k in range(cfg.negative):
                    negs[k] = draw_negative(threshold, alias, rng, targets, nb)
                if not cfg.sg:  # CBOW: each context predicts its centre
                    loss += cbow_step(
                        cfg, contexts, cnts, targets, nb, negs, weights, tree, lr, scratch,
                        sampler.lockf,
                    )  # fmt: skip
                    predictions += nb
                elif cfg.blocked:  # skip-gram, the centre's whole context in one block
                    loss += sg_step(
                        cfg, contexts, 0, cnts[0], targets, negs, weights, tree, lr, scratch,
                        sampler.lockf,
                    )  # fmt: skip
                    predictions += cnts[0]
                else:  # skip-gram as word2vec.c: each pair its own step with its own negatives
                    for c in range(cnts[0]):
                        if c > 0:
                            for k in range(cfg.negative):
                                negs[k] = draw_negative(threshold, alias, rng, targets, 1)
                        loss += sg_step(
                            cfg, contexts, c, 1, targets, negs, weights, tree, lr,
                            scratch, sampler.lockf,
                        )  # fmt: skip
                    predictions += cnts[0]
    return loss, predictions, words
