"""Word2Vec.score (gensim's sentence log-likelihood, Taddy's inversion) against gensim's own on
the same weights and Huffman paths, and against the exact output distribution for every layer;
estimate_memory, init_weights, reset_from, seeded_vector and init_sims as gensim's."""

from __future__ import annotations

import numpy as np
import pytest
from gensim.models import Word2Vec as GensimW2V
from gensim.models.keyedvectors import pseudorandom_weak_vector

from w2v.errors import ParameterError, TrainingError
from w2v.word2vec import Word2Vec

SENTENCES = [
    "the cat sat on the mat".split(),
    "the dog sat on the log".split(),
    "a cat and a dog met on a mat".split(),
    "the quick brown fox jumps over the lazy dog".split(),
] * 20
QUERIES = [
    "the cat sat on the log".split(),
    "a dog and a fox".split(),
    "zebra the mat".split(),  # an unknown word is dropped
    "cat".split(),
    [],
]


def trained(**kwargs) -> Word2Vec:
    kwargs = {"vector_size": 10, "window": 3, "min_count": 1, "epochs": 3, "workers": 1,
              "seed": 2, **kwargs}  # fmt: skip
    return Word2Vec(SENTENCES, **kwargs)


def gensim_twin(model: Word2Vec) -> GensimW2V:
    """A gensim model holding ``model``'s vectors, inner-node vectors and Huffman paths."""
    p = model.params
    g = GensimW2V(vector_size=p.vector_size, window=p.window, min_count=1, sg=p.sg, hs=1,
                  negative=0, cbow_mean=p.cbow_mean, workers=1)  # fmt: skip
    g.build_vocab(SENTENCES)
    tree = model.tree
    for word, g_index in g.wv.key_to_index.items():
        i = model.vocab.index[word]
        g.wv.vectors[g_index] = model.wv[word]
        n = tree.lengths[i]
        g.wv.expandos["code"][g_index] = tree.codes[i, :n].astype(np.uint8)
        g.wv.expandos["point"][g_index] = tree.points[i, :n].astype(np.uint32)
    g.syn1 = np.vstack([model.syn1, np.zeros((1, p.vector_size), np.float32)])
    return g


def n_terms(model: Word2Vec, sentence: list[str]) -> int:
    """Terms of a sentence's score: one per Huffman node of each prediction."""
    ids = [model.vocab.index[w] for w in sentence if w in model.vocab.index]
    window, total = model.params.window, 0
    for i, word in enumerate(ids):
        contexts = min(len(ids), i + window + 1) - max(0, i - window) - 1
        total += int(model.tree.lengths[word]) * (contexts if model.params.sg else 1)
    return total


@pytest.mark.parametrize("kwargs", [{"sg": 1}, {"sg": 0}, {"sg": 0, "cbow_mean": 0}])
def test_hierarchical_softmax_score_matches_gensim(kwargs):
    model = trained(hs=1, negative=0, **kwargs)
    ours = model.score(QUERIES)
    theirs = gensim_twin(model).score(QUERIES, total_sentences=len(QUERIES))
    assert ours.dtype == np.float32 and ours.shape == (len(QUERIES),)
    assert ours[-1] == theirs[-1] == 0.0 and np.all(ours[:3] < 0)
    # gensim reads each term log(sigmoid(x)) from a table over [-6, 6] in steps of 0.012,
    # at the grid point at or below x (a step or two down): so its score is lower than the
    # exact one by at most ~0.024 per term (the slope of log(sigmoid) is below 1)
    gap = ours.astype(np.float64) - theirs
    bound = np.array([0.024 * n_terms(model, s) for s in QUERIES]) + 1e-4
    assert np.all(gap >= -1e-4) and np.all(gap <= bound), (gap, bound)
    np.testing.assert_allclose(ours, theirs, rtol=0.03)


def exact_score(model: Word2Vec, sentence: list[str], layer: str) -> float:
    """The sum of log P(word | input) from the model's full output distribution."""
    words = [w for w in sentence if w in model.wv]
    total = 0.0
    window = model.params.window
    for i, word in enumerate(words):
        context = [words[j] for j in range(max(0, i - window), min(len(words), i + window + 1))
                   if j != i]  # fmt: skip
        target = model.vocab.index[word]
        inputs = [[c] for c in context] if model.params.sg else [context]
        for words_in in inputs:
            if words_in:
                h = model.hidden(words_in)
            else:  # CBOW without context: a zero hidden layer (plus its bias), as gensim
                h = model.hidden_bias.astype(np.float64) if model.params.bias else np.zeros(10)
            probs = model.output_probabilities(h, layer)
            total += float(np.log(probs[target]))
    return total


@pytest.mark.parametrize("kwargs, layer", [
    ({"sg": 1, "hs": 1, "negative": 0}, "hs"),
    ({"sg": 0, "hs": 1, "negative": 0, "bias": 1}, "hs"),
    ({"sg": 1, "softmax": 1, "negative": 0, "bias": 1}, "softmax"),
    ({"sg": 0, "negative": 5}, "negative"),
    ({"sg": 1, "hs": 1, "negative": 5}, "negative"),
])  # fmt: skip
def test_score_is_exact_for_every_layer(kwargs, layer):
    model = trained(**kwargs)
    scores = model.score(QUERIES[:4], layer=layer)
    expected = [exact_score(model, s, layer) for s in QUERIES[:4]]
    np.testing.assert_allclose(scores, expected, rtol=1e-5)


def test_score_bounds_and_errors():
    model = trained(hs=1, negative=0, sg=1)
    assert model.score(QUERIES, total_sentences=2).shape == (2,)
    with pytest.raises(ParameterError, match="layer"):
        model.score(QUERIES, layer="softmax")
    with pytest.raises(TrainingError, match="build vocabulary"):
        Word2Vec().score(QUERIES)


def test_estimate_memory_counts_the_weight_arrays():
    model = trained(hs=1, negative=5)
    report = model.estimate_memory()
    g = GensimW2V(vector_size=10, hs=1, negative=5, min_count=1)
    g.build_vocab(SENTENCES)
    theirs = g.estimate_memory()
    v = len(model.wv)
    assert report["vectors"] == theirs["vectors"] == v * 10 * 4
    assert report["syn1neg"] == theirs["syn1neg"]
    assert report["syn1"] == (v - 1) * 10 * 4 == model.syn1.nbytes
    assert report["total"] == sum(x for k, x in report.items() if k != "total")
    big = Word2Vec(vector_size=300, softmax=1, negative=0, bias=1).estimate_memory(10_000)
    assert big["syn1sm"] == 10_000 * 300 * 4 and big["biases"] == (300 + 10_000) * 4
    with pytest.raises(ParameterError, match="vocab_size"):
        Word2Vec().estimate_memory()


def test_init_weights_reset_from_and_seeded_vector():
    model = trained()
    first = model.wv.vectors.copy()
    model.init_weights()
    assert not np.array_equal(model.wv.vectors, first)
    fresh = Word2Vec(vector_size=10, min_count=1, workers=1, seed=2)
    fresh.reset_from(model)
    assert fresh.wv.index_to_key == model.wv.index_to_key
    assert fresh.corpus_count == model.corpus_count and fresh.epochs_trained == 0
    np.testing.assert_array_equal(fresh.wv.vectors, model.wv.vectors)  # same seed, same start
    np.testing.assert_array_equal(
        model.seeded_vector("king1", 10), pseudorandom_weak_vector(10, seed_string="king1")
    )
    with pytest.warns(DeprecationWarning, match="init_sims"):
        model.init_sims(replace=True)
    np.testing.assert_allclose(np.linalg.norm(model.wv.vectors, axis=1), 1.0, rtol=1e-6)


def test_predict_output_word_matches_gensim():
    model = trained(negative=5, hs=1)
    g = GensimW2V(vector_size=10, window=3, min_count=1, negative=5, workers=1)
    g.build_vocab(SENTENCES)
    for word, g_index in g.wv.key_to_index.items():
        g.wv.vectors[g_index] = model.wv[word]
        g.syn1neg[g_index] = model.syn1neg[model.vocab.index[word]]
    for context in (["the", "cat"], ["a", "zebra", "mat"], ["fox"]):
        ours = model.predict_output_word(context, topn=4)
        theirs = g.predict_output_word(context, topn=4)
        assert [w for w, _ in ours] == [w for w, _ in theirs]
        np.testing.assert_allclose([p for _, p in ours], [p for _, p in theirs], rtol=1e-4)
    with pytest.warns(UserWarning, match="out-of-vocabulary"):
        assert model.predict_output_word(["zebra"]) is None
