"""Word2Vec models that grow (``build_vocab(corpus, update=True)``), the refusal to re-initialise
a trained model, out-of-vocabulary reports, and gensim's train() signature and attributes."""

from __future__ import annotations

import logging
import math

import numpy as np
import pytest

from w2v.callbacks import CallbackAny2Vec
from w2v.errors import ParameterError
from w2v.word2vec import Word2Vec

COMMON = dict(vector_size=24, window=4, min_count=5, epochs=2, workers=1, seed=5, sample=1e-3)
CONFIGS = {"sg-ns": dict(sg=1, hs=0, negative=5), "cbow-hs": dict(sg=0, hs=1, negative=0)}


@pytest.fixture(scope="module")
def parts(real_sentences) -> tuple[list[list[str]], list[list[str]]]:
    """Two halves of 200,000 real words; the second brings words the first lacks."""
    half = len(real_sentences) // 2
    return real_sentences[:half], real_sentences[half:]


def unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=1, keepdims=True)


@pytest.mark.parametrize("config", CONFIGS)
def test_a_model_survives_an_update(parts, config, tmp_path):
    first, second = parts
    model = Word2Vec(first, **COMMON, **CONFIGS[config])
    old_words = list(model.wv.index_to_key)
    old_vectors = model.wv.vectors.copy()
    old_count = model.wv.get_vecattr(old_words[0], "count")

    model.build_vocab(second, update=True)
    grown = model.wv.index_to_key
    assert grown[: len(old_words)] == old_words  # ids kept
    added = grown[len(old_words) :]
    assert len(added) > 100 and model.vocabulary_update.added == len(added)
    assert np.array_equal(model.wv.vectors[: len(old_words)], old_vectors)
    assert model.wv.get_vecattr(old_words[0], "count") > old_count  # counts grew
    # the sampling tables follow the grown vocabulary
    if model.params.hs:
        assert model.tree.codes.shape[0] == len(grown) and model.syn1.shape[0] == len(grown) - 1
    else:
        assert model.sampler.alias.shape[0] == len(grown)
    assert model.corpus_count == len(second)

    losses = model.train(second, total_examples=model.corpus_count, epochs=model.epochs)
    assert all(math.isfinite(x) for x in losses) and np.isfinite(model.wv.vectors).all()
    # Old words go on from where they were: the cosine of each frequent word's vector before
    # the update and after training measured 0.97-0.98, as much as two more epochs without an
    # update (0.93-0.98); a re-initialised model (another seed) gives -0.08 to 0.20. Neighbour
    # overlap would not tell them apart at this scale (24 dimensions, 100k words: noise).
    top = slice(0, 200)
    continuity = (unit(old_vectors[top]) * unit(model.wv.vectors[top])).sum(axis=1).mean()
    assert continuity >= 0.8, continuity
    # added words are learned, not left at their random start
    new_word = added[0]
    assert model.wv.similarity(new_word, model.wv.most_similar(new_word, topn=1)[0][0]) > 0.3

    model.save(tmp_path / "m.w2v")
    back = Word2Vec.load(tmp_path / "m.w2v")
    assert back.wv.index_to_key == grown
    assert np.array_equal(back.wv.vectors, model.wv.vectors)
    assert back.loss_history == model.loss_history
    more = back.train(first[:200], epochs=1)  # a loaded grown model trains on
    assert math.isfinite(more[0])


def test_plain_build_vocab_on_a_trained_model_is_refused(parts):
    first, second = parts
    model = Word2Vec(first[:300], **COMMON, **CONFIGS["sg-ns"])
    vectors = model.wv.vectors.copy()
    with pytest.raises(ParameterError, match="update=True"):
        model.build_vocab(second)
    assert np.array_equal(model.wv.vectors, vectors) and model.epochs_trained == 2


def test_train_reports_words_outside_the_vocabulary(parts, caplog):
    first, second = parts
    model = Word2Vec(**COMMON, **CONFIGS["sg-ns"])
    model.build_vocab(first)
    with caplog.at_level(logging.INFO, logger="w2v"):
        model.train(second, epochs=1)
    oov = model.out_of_vocabulary
    tokens = sum(len(s) for s in second)
    known = set(model.wv.index_to_key)
    assert oov.tokens == sum(w not in known for s in second for w in s)
    assert oov.words == len({w for s in second for w in s} - known)
    assert 0 < oov.tokens < tokens
    assert f"{oov.tokens} of {tokens} tokens" in caplog.text


def test_gensim_train_signature_is_checked(parts, caplog):
    first, _ = parts
    model = Word2Vec(vector_size=16, min_count=5, workers=1, seed=1, epochs=3)
    model.build_vocab(first)
    assert (model.corpus_count, model.corpus_total_words) == (
        len(first), sum(len(s) for s in first),
    )  # fmt: skip
    assert (model.epochs, model.vector_size, model.window, model.sg, model.hs) == (3, 16, 5, 0, 0)
    assert (model.negative, model.min_count, model.workers) == (5, 5, 1)
    assert (model.alpha, model.min_alpha, model.sample) == (0.025, 0.0001, 1e-3)

    class Hooks:  # a plain object with gensim's hooks, no base class
        def __init__(self):
            self.calls = []

        def on_train_begin(self, model):
            self.calls.append("train_begin")

        def on_epoch_begin(self, model):
            self.calls.append("epoch_begin")

        def on_epoch_end(self, model):
            self.calls.append(model.get_latest_training_loss())

        def on_train_end(self, model):
            self.calls.append("train_end")

    hooks = Hooks()
    with caplog.at_level(logging.WARNING, logger="w2v"):
        losses = model.train(first, total_examples=model.corpus_count, epochs=2,
                             start_alpha=0.02, end_alpha=0.001, compute_loss=True,
                             callbacks=[hooks])  # fmt: skip
    assert not caplog.records
    assert len(losses) == 2
    c = hooks.calls
    assert (
        c[:2] == ["train_begin", "epoch_begin"] and c[3] == "epoch_begin" and c[-1] == "train_end"
    )
    cumulative = [c[2], c[4]]
    assert 0 < cumulative[0] < cumulative[1] == model.get_latest_training_loss()
    assert model.epoch_history[-1].alpha == pytest.approx(0.001, rel=0.05)
    # the running float64 sum the epoch reports carry (not a float32 that saturates)
    assert cumulative == [h.loss_sum for h in model.epoch_history[-2:]]

    with caplog.at_level(logging.WARNING, logger="w2v"):
        model.train(first, total_examples=model.corpus_count + 7, epochs=1)
        model.train(first, total_words=123, epochs=1)
    assert "total_examples" in caplog.text and "total_words" in caplog.text
    model.train(first, compute_loss=False, epochs=1)  # the loss is always computed (exact)
    assert model.get_latest_training_loss() > 0
    assert isinstance(CallbackAny2Vec(), CallbackAny2Vec)
