"""What a trained output layer predicts: the probability of every word as the target of a
hidden vector, and the most probable centre or context words (a mixin of
:class:`w2v.Word2Vec`)."""

from __future__ import annotations

from collections.abc import Sequence

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

    predict_output_word = predict_center  # gensim's name

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
