"""What a trained output layer predicts: the probability of every word as the target of a
hidden vector, and the most probable centre or context words (a mixin of
:class:`w2v.Word2Vec`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from w2v.errors import ParameterError


class Predictions:
    """Prediction methods of :class:`w2v.Word2Vec` (they read its parameters, vocabulary and
    output weights)."""

    def output_probabilities(self, h: np.ndarray, layer: str | None = None) -> np.ndarray:
        """Probability of every word as the target of hidden vector ``h`` (float64, sums to 1).

        ``layer`` is ``"softmax"``, ``"hs"`` or ``"negative"``; by default the most exact
        layer the model has. For negative sampling it is the softmax of the output scores.
        """
        p = self.params
        h = np.asarray(h, dtype=np.float64)
        layer = layer or ("softmax" if p.softmax else "hs" if p.hs else "negative")
        if layer == "softmax" and p.softmax:
            scores = self.syn1sm @ h + (self.sm_bias if p.bias else 0.0)
        elif layer == "negative" and p.negative:
            scores = self.syn1neg @ h + (self.neg_bias if p.bias else 0.0)
        elif layer == "hs" and p.hs:
            return np.exp(_hs_log_probabilities(self, h))
        else:
            raise ParameterError(f"layer must be an output layer this model has, got {layer!r}")
        scores = scores - scores.max()
        e = np.exp(scores)
        return e / e.sum()

    def hidden(self, words: Sequence[str]) -> np.ndarray:
        """The hidden vector for input ``words``: their mean (or sum) plus the hidden bias."""
        ids = [self.vocab.index[w] for w in _known(self, words)]
        h = self.syn0[ids].astype(np.float64)
        h = h.mean(axis=0) if self.params.cbow_mean else h.sum(axis=0)
        return h + self.hidden_bias if self.params.bias else h

    def predict_center(
        self, context: Sequence[str], topn: int = 10, layer: str | None = None
    ) -> list[tuple[str, float]]:
        """The ``topn`` most probable centre words for ``context``, with their probabilities."""
        return self._top(self.output_probabilities(self.hidden(context), layer), topn)

    def predict_context(
        self, word: str, topn: int = 10, layer: str | None = None
    ) -> list[tuple[str, float]]:
        """The ``topn`` most probable context words of ``word``, with their probabilities.

        Training pairs are symmetric, so the output layer's distribution given one input word
        is the distribution of the words around it.
        """
        return self._top(self.output_probabilities(self.hidden([word]), layer), topn)

    def predict_output_word(
        self, context_words_list: Sequence[str], topn: int = 10
    ) -> list[tuple[str, float]] | None:
        """gensim's :meth:`predict_center`: unknown context words are ignored, and None (with
        a warning) when none is known, as gensim does. The layer is negative sampling when the
        model has it (gensim's only one), else the most exact it has."""
        import warnings

        known = [w for w in context_words_list if w in self.vocab.index]
        if not known:
            warnings.warn("All the input context words are out-of-vocabulary for the current "
                          "model.", stacklevel=2)  # fmt: skip
            return None
        return self.predict_center(known, topn, "negative" if self.params.negative else None)

    def score(
        self,
        sentences: Iterable[Sequence[str]],
        total_sentences: int = int(1e6),
        chunksize: int = 100,
        queue_factor: int = 2,
        report_delay: float = 1,
        layer: str | None = None,
    ) -> np.ndarray:
        """Log-likelihood of each sentence under the model (gensim's ``score``, Taddy's
        document classification by inversion).

        As gensim: the words outside the vocabulary are dropped, no word is subsampled, and
        every word within ``window`` counts (no shrinking). Skip-gram sums
        ``log P(word | context word)`` over every (word, context word) pair; CBOW sums
        ``log P(word | mean or sum of its context)`` over the words. Unlike gensim, whose
        tables approximate each term and leave out the terms whose score is beyond +-6, every
        term is exact (float64), with the biases if the model has them; and besides
        hierarchical softmax (``layer="hs"``, gensim's only one) it scores with a full
        softmax layer or, for negative sampling, with the softmax of its output scores (exact
        but O(vocabulary) per prediction).

        Parameters
        ----------
        sentences : iterable of list of str
            The sentences to score.
        total_sentences : int
            Score at most this many sentences (gensim's bound).
        chunksize, queue_factor, report_delay :
            gensim's threading knobs; accepted and ignored (the scoring runs in the calling
            thread).
        layer : {"hs", "softmax", "negative"}, optional
            Output layer to score with; by default the most exact the model has.

        Returns
        -------
        numpy.ndarray
            float32, one log-probability per sentence scored.

        Raises
        ------
        TrainingError
            Before ``build_vocab``.
        ParameterError
            For a layer the model does not have.
        """
        from w2v.errors import TrainingError

        if self.vocab is None:
            raise TrainingError("you must first build vocabulary before scoring new data")
        p = self.params
        layer = layer or ("softmax" if p.softmax else "hs" if p.hs else "negative")
        if not {"softmax": p.softmax, "hs": p.hs, "negative": p.negative}.get(layer, 0):
            raise ParameterError(f"layer must be an output layer this model has, got {layer!r}")
        index = self.vocab.index
        scores: list[float] = []
        for n, sentence in enumerate(sentences):
            if n >= total_sentences:
                break
            ids = np.array([index[w] for w in sentence if w in index], dtype=np.int64)
            total = 0.0
            for start in range(0, len(ids), p.max_sentence_length):
                total += _score_ids(self, ids[start : start + p.max_sentence_length], layer)
            scores.append(total)
        return np.array(scores, dtype=np.float32)

    def _top(self, probs: np.ndarray, topn: int) -> list[tuple[str, float]]:
        if topn < 1:
            raise ParameterError(f"topn must be >= 1, got {topn}")
        topn = min(topn, probs.shape[0])
        best = np.argpartition(-probs, topn - 1)[:topn]
        best = best[np.argsort(-probs[best], kind="stable")]
        return [(self.vocab.words[i], float(probs[i])) for i in best]


def _known(model: Predictions, words: Sequence[str]) -> list[str]:
    if isinstance(words, str):
        words = [words]
    if not words:
        raise ParameterError("at least one input word is required")
    missing = [w for w in words if w not in model.vocab.index]
    if missing:
        raise KeyError(f"word(s) not in vocabulary: {', '.join(map(repr, missing))}")
    return list(words)


def _hs_log_probabilities(model: Predictions, h: np.ndarray) -> np.ndarray:
    """log P(w | h) of every word under the hierarchical softmax (sums to 1 in probability)."""
    tree = model.tree
    scores = model.syn1 @ h + (model.hs_bias if model.params.bias else 0.0)
    s = scores[tree.points]
    signed = np.where(tree.codes == 0, s, -s)
    mask = np.arange(tree.codes.shape[1])[None, :] < tree.lengths[:, None]
    return np.where(mask, -np.logaddexp(0.0, -signed), 0.0).sum(axis=1)


#: Predictions scored at once by :func:`_score_ids` (bounds the (block, depth, d) array).
_SCORE_BLOCK = 256


def _score_ids(model: Predictions, ids: np.ndarray, layer: str) -> float:
    """Summed log-probability of one sentence of word ids (see ``Predictions.score``)."""
    p = model.params
    n = len(ids)
    if n == 0:
        return 0.0
    syn0 = model.syn0
    positions = np.arange(n)
    offsets = [o for o in range(-p.window, p.window + 1) if o != 0]
    if p.sg:  # every (word, context word) pair, one offset at a time
        valid = [positions[(positions + o >= 0) & (positions + o < n)] for o in offsets]
        targets_arr = np.concatenate([ids[v] for v in valid])
        inputs = [ids[v + o] for v, o in zip(valid, offsets, strict=True)]
        hidden_arr = syn0[np.concatenate(inputs)].astype(np.float64)
    else:  # each word predicted from the sum (or mean) of its context
        targets_arr = ids
        hidden_arr = np.zeros((n, syn0.shape[1]), np.float64)
        count = np.zeros(n, np.float64)
        for o in offsets:
            v = positions[(positions + o >= 0) & (positions + o < n)]
            hidden_arr[v] += syn0[ids[v + o]]
            count[v] += 1
        if p.cbow_mean:
            hidden_arr /= np.maximum(count, 1)[:, None]
    if len(targets_arr) == 0:
        return 0.0
    if p.bias:
        hidden_arr = hidden_arr + model.hidden_bias
    total = 0.0
    for s in range(0, len(targets_arr), _SCORE_BLOCK):
        t, h = targets_arr[s : s + _SCORE_BLOCK], hidden_arr[s : s + _SCORE_BLOCK]
        if layer == "hs":
            tree = model.tree
            points, codes, lengths = tree.points[t], tree.codes[t], tree.lengths[t]
            x = np.einsum("bd,bld->bl", h, model.syn1[points].astype(np.float64))
            if p.bias:
                x = x + model.hs_bias[points]
            signed = np.where(codes == 0, x, -x)
            mask = np.arange(codes.shape[1])[None, :] < lengths[:, None]
            total += float(np.where(mask, -np.logaddexp(0.0, -signed), 0.0).sum())
        else:
            out, bias = ((model.syn1sm, model.sm_bias) if layer == "softmax"
                         else (model.syn1neg, model.neg_bias))  # fmt: skip
            x = h @ out.T.astype(np.float64)
            if p.bias:
                x = x + bias
            top = x.max(axis=1)
            log_z = top + np.log(np.exp(x - top[:, None]).sum(axis=1))
            total += float((x[np.arange(len(t)), t] - log_z).sum())
    return total
