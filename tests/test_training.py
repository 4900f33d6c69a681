"""Training behaviour: loss goes down, structure is learned, runs reproduce, training continues."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from w2v.callbacks import Callback
from w2v.corpus import Corpus, EncodedCorpus
from w2v.errors import ParameterError, TrainingError
from w2v.kernels import Schedule, make_scratch, thread_private, train_chunk
from w2v.rng import stream_seed
from w2v.word2vec import Word2Vec

LAYERS = {
    "negative": {"negative": 5},
    "hs": {"hs": 1, "negative": 0},
    "softmax": {"softmax": 1, "negative": 0},
}


@pytest.mark.slow
@pytest.mark.parametrize(("sg", "layer"), list(itertools.product([0, 1], LAYERS)))
def test_loss_falls_every_epoch_on_real_text(real_sentences, sg, layer):
    # A constant learning rate: under a decaying one the online loss of the last epochs
    # plateaus on a small corpus (it does in gensim too), because a smaller rate adapts less
    # to recently seen text; at a constant rate every epoch must fit the corpus better.
    # Exact softmax costs V x dim per prediction, so it gets a smaller slice.
    n_sentences = 200 if layer == "softmax" else 1000
    model = Word2Vec(
        real_sentences[:n_sentences], sg=sg, vector_size=48, min_count=3, epochs=4, workers=1,
        sample=0, alpha=0.01, min_alpha=0.01, seed=5, **LAYERS[layer],
    )  # fmt: skip
    losses = model.loss_history
    assert len(losses) == 4 and all(np.isfinite(losses))
    assert all(b < a for a, b in itertools.pairwise(losses)), losses


def planted_corpus(n_groups=6, group_size=8, n_sentences=1500, seed=0):
    rng = np.random.default_rng(seed)
    groups = [[f"g{g}w{i}" for i in range(group_size)] for g in range(n_groups)]
    sentences = [list(rng.choice(groups[rng.integers(n_groups)], 12)) for _ in range(n_sentences)]
    return groups, sentences


@pytest.mark.parametrize("sg", [0, 1])
def test_planted_groups_are_recovered(sg):
    groups, sentences = planted_corpus()
    model = Word2Vec(sentences, sg=sg, vector_size=24, window=3, min_count=1, epochs=5,
                     sample=0, workers=1, seed=2)  # fmt: skip
    for group in groups:
        for word in group:
            neighbours = [w for w, _ in model.wv.most_similar(word, topn=len(group) - 1)]
            assert set(neighbours) == set(group) - {word}, (word, neighbours)


@pytest.mark.parametrize(
    "kw",
    [
        dict(sg=1, negative=5, hs=1),
        dict(sg=0, negative=5, hs=0),  # CBOW batches sharing negatives
    ],
)
def test_one_worker_runs_are_bit_identical(real_sentences, kw):
    kw = dict(kw, vector_size=20, min_count=5, epochs=2, workers=1)
    a = Word2Vec(real_sentences[:300], seed=11, **kw)
    b = Word2Vec(real_sentences[:300], seed=11, **kw)
    c = Word2Vec(real_sentences[:300], seed=12, **kw)
    assert np.array_equal(a.wv.vectors, b.wv.vectors)
    assert np.array_equal(a.syn1neg, b.syn1neg)
    if kw["hs"]:
        assert np.array_equal(a.syn1, b.syn1)
    assert a.loss_history == b.loss_history
    assert not np.array_equal(a.wv.vectors, c.wv.vectors)


@pytest.mark.parametrize("blocked", [0, 1])
def test_cbow_predicts_every_centre_once(blocked):
    """Batched CBOW visits centres out of order (a window span apart); each centre with any
    context is still predicted exactly once, within its own sentence."""
    lengths = [1, 2, 3, 11, 12, 23, 44, 45, 97, 5]
    words = [f"w{i}" for i in range(30)]
    rng = np.random.default_rng(0)
    sentences = [list(rng.choice(words, n)) for n in lengths]
    model = Word2Vec(vector_size=8, window=5, min_count=1, sample=0, shrink_windows=0,
                     negative=5, blocked=blocked, workers=1)  # fmt: skip
    model.build_vocab(sentences)
    ids = np.concatenate([[model.wv.key_to_index[w] for w in s] + [-1] for s in sentences])
    cfg = model.params.kernel_config()
    scratch = make_scratch(cfg, 8, 1, len(model.vocab))
    _, predictions, words_read = train_chunk(
        ids.astype(np.int32), cfg, model._weights(), model._tree_arrays(),
        model._sampler_arrays(), Schedule(0.025, 0.025, sum(lengths)), 0, stream_seed(1, 0, 0),
        scratch,
    )  # fmt: skip
    assert words_read == sum(lengths)
    assert predictions == sum(n for n in lengths if n > 1)


@pytest.mark.parametrize(
    ("shape", "dtype"), [(1, np.uint64), ((3, 5), np.float32), ((0, 0), np.float32)]
)
def test_thread_private_buffers_own_their_cache_blocks(shape, dtype):
    """A worker's scratch and generator state share no 128-byte block with other memory, so
    another thread's writes cannot pull their lines away."""
    arrays = [thread_private(shape, dtype) for _ in range(4)]
    for a in arrays:
        assert a.shape == np.empty(shape).shape and a.dtype == dtype and a.flags.c_contiguous
        if a.size == 0:  # nothing to own (the softmax scratch of a run without softmax)
            continue
        root = a
        while root.base is not None:
            root = root.base
        end = a.ctypes.data + -(-a.nbytes // 128) * 128
        assert a.ctypes.data % 128 == 0
        assert root.ctypes.data <= a.ctypes.data and end <= root.ctypes.data + root.nbytes
        assert a.flags.writeable and not a.any()


def test_continued_training_moves_on_from_current_weights(real_sentences):
    corpus = real_sentences[:300]
    model = Word2Vec(corpus, vector_size=20, min_count=5, epochs=2, workers=1, seed=1)
    before = model.wv.vectors.copy()
    model.train(corpus, epochs=2)
    assert model.epochs_trained == 4 and len(model.loss_history) == 4
    assert not np.array_equal(before, model.wv.vectors)
    # continuing beats a fresh model that trained for only the first two epochs
    fresh = Word2Vec(corpus, vector_size=20, min_count=5, epochs=2, workers=1, seed=1)
    assert np.array_equal(fresh.wv.vectors, before)
    assert model.loss_history[-1] < fresh.loss_history[-1]


def test_loss_does_not_depend_on_worker_count(real_sentences):
    kw = dict(sg=1, vector_size=20, min_count=5, epochs=2, negative=5, seed=4)
    one = Word2Vec(real_sentences, workers=1, **kw).loss_history
    two = Word2Vec(real_sentences, workers=2, **kw).loss_history
    np.testing.assert_allclose(one, two, rtol=0.02)


def test_callbacks_report_every_epoch():
    class Recorder(Callback):
        def __init__(self):
            self.events = []

        def on_train_begin(self, model):
            self.events.append("begin")

        def on_epoch_end(self, model, progress):
            self.events.append((progress.epoch, progress.alpha, progress.loss))
            assert progress.words_per_sec > 0

        def on_train_end(self, model):
            self.events.append("end")

    _, sentences = planted_corpus(n_sentences=200)
    rec = Recorder()
    model = Word2Vec(sentences, min_count=1, epochs=3, callbacks=[rec], workers=2)
    assert rec.events[0] == "begin" and rec.events[-1] == "end"
    epochs = rec.events[1:-1]
    assert [e[0] for e in epochs] == [0, 1, 2]
    assert [e[2] for e in epochs] == model.loss_history
    assert epochs[0][1] > epochs[1][1] > epochs[2][1] >= model.params.min_alpha


@pytest.mark.parametrize("layer", list(LAYERS))
def test_prediction_is_a_distribution_with_the_right_argmax(layer):
    # each centre word has one fixed context: "aN bN cN" sentences
    sentences = [[f"a{i}", f"b{i}", f"c{i}"] for i in range(8)] * 60
    model = Word2Vec(sentences, sg=0, min_count=1, vector_size=16, window=1, epochs=30,
                     sample=0, alpha=0.05, seed=1, workers=1, **LAYERS[layer])  # fmt: skip
    for i in range(8):
        probs = model.output_probabilities(model.hidden([f"a{i}", f"c{i}"]))
        assert abs(probs.sum() - 1) < 1e-6
        top = model.predict_center([f"a{i}", f"c{i}"], topn=3)
        assert top[0][0] == f"b{i}"
        assert top[0][1] >= top[1][1] >= top[2][1]
    with pytest.raises(KeyError, match="nope"):
        model.predict_center(["nope"])


def test_skipgram_predicts_context_words():
    sentences = [[f"a{i}", f"b{i}", f"c{i}"] for i in range(8)] * 60
    model = Word2Vec(sentences, sg=1, min_count=1, vector_size=16, window=1, epochs=30,
                     sample=0, alpha=0.05, seed=1, workers=1, hs=1, negative=0)  # fmt: skip
    for i in range(8):
        top = {w for w, _ in model.predict_context(f"b{i}", topn=2)}
        assert top == {f"a{i}", f"c{i}"}


@pytest.mark.parametrize(
    ("kw", "name"),
    [
        ({"window": 0}, "window"),
        ({"vector_size": 0}, "vector_size"),
        ({"negative": -1}, "negative"),
        ({"alpha": 0}, "alpha"),
        ({"alpha": float("nan")}, "alpha"),
        ({"workers": 0}, "workers"),
        ({"epochs": 0}, "epochs"),
        ({"sample": -1.0}, "sample"),
        ({"min_alpha": 1.0}, "min_alpha"),
        ({"negative": 0, "hs": 0}, "no output layer"),
        ({"sg": 2}, "sg"),
    ],
)
def test_invalid_parameters_name_the_parameter(kw, name):
    with pytest.raises(ParameterError, match=name):
        Word2Vec(**kw)


def test_an_unknown_parameter_is_named():
    # the signature is explicit, so a misspelt name fails as for any Python function
    with pytest.raises(TypeError, match="unexpected keyword argument 'vectorsize'"):
        Word2Vec(vectorsize=10)


def test_softmax_on_a_large_vocabulary_is_refused_with_its_cost():
    sentences = [[f"w{i}" for i in range(60)]] * 2
    model = Word2Vec(softmax=1, negative=0, min_count=1, softmax_max_vocab=50)
    with pytest.raises(ParameterError, match=r"softmax: a full softmax over 60 words needs"):
        model.build_vocab(sentences)


def test_no_word_reaching_min_count_fails_before_training():
    with pytest.raises(ParameterError, match="min_count=5: no word"):
        Word2Vec([["rare", "words", "only"]], min_count=5)


def test_divergence_is_detected():
    _, sentences = planted_corpus(n_sentences=300)
    with pytest.raises(TrainingError, match="diverged"):
        Word2Vec(sentences, min_count=1, alpha=1e6, min_alpha=1e6, softmax=1, negative=0,
                 epochs=2, workers=1)  # fmt: skip


def test_native_save_load_continue_equals_uninterrupted(real_sentences, tmp_path):
    corpus = real_sentences[:300]
    kw = dict(sg=1, hs=1, negative=5, bias=1, vector_size=20, min_count=5, epochs=1,
              workers=1, seed=9)  # fmt: skip
    straight = Word2Vec(corpus, **kw)
    straight.train(corpus)

    first = Word2Vec(corpus, **kw)
    first.save(tmp_path / "model.w2v")
    resumed = Word2Vec.load(tmp_path / "model.w2v", mmap=True)
    assert isinstance(resumed.syn1neg, np.memmap)  # opened without reading the weights
    assert resumed.vocab.words == first.vocab.words
    assert resumed.loss_history == first.loss_history and resumed.epochs_trained == 1
    on_disk = (tmp_path / "model.w2v").read_bytes()
    resumed.train(corpus)
    assert (tmp_path / "model.w2v").read_bytes() == on_disk  # copy-on-write: file untouched
    for a, b in zip(straight._weights(), resumed._weights(), strict=True):
        assert np.array_equal(a, b)
    assert resumed.loss_history == straight.loss_history


def _write(path, sentences) -> None:
    path.write_text("\n".join(" ".join(s) for s in sentences) + "\n")


def test_train_reuses_the_encoding_of_the_counting_pass(real_sentences, tmp_path, monkeypatch):
    path = tmp_path / "corpus.txt"
    _write(path, real_sentences[:300])
    kw = {"vector_size": 16, "min_count": 2, "epochs": 2, "workers": 1, "seed": 5}
    # reference: a vocabulary given from outside, so train() has to encode the text itself
    plain = Word2Vec(**kw)
    plain.build_vocab(path)
    plain.set_vocab(plain.vocab)  # drops what build_vocab encoded
    plain.train(path)
    cached = Word2Vec(**kw)
    cached.build_vocab(path)

    def refuse(*args, **kwargs):
        raise AssertionError("train() read the corpus text again")

    monkeypatch.setattr("w2v.word2vec.EncodedCorpus.__init__", refuse)
    cached.train(path)
    np.testing.assert_array_equal(cached.wv.vectors, plain.wv.vectors)
    assert cached.loss_history == plain.loss_history
    with pytest.raises(AssertionError, match="read the corpus text again"):
        cached.train(path)  # used once: a second train() encodes afresh


def test_a_corpus_changed_after_build_vocab_is_encoded_again(real_sentences, tmp_path):
    path = tmp_path / "corpus.txt"
    _write(path, real_sentences[:300])
    model = Word2Vec(vector_size=16, min_count=2, epochs=1, workers=1)
    model.build_vocab(path)
    _write(path, real_sentences[:150])  # half the text, same words mostly
    model.train(path)
    n_words = model.epoch_history[-1].total_words
    with EncodedCorpus(Corpus(path), model.vocab) as enc:
        assert n_words == enc.n_words < model.vocab.counts.sum()


def test_the_vocabulary_pass_on_two_threads_trains_the_same_bits(real_sentences, tmp_path,
                                                                  monkeypatch):  # fmt: skip
    import w2v.ranges
    import w2v.vocab_pass

    path = tmp_path / "corpus.txt"
    _write(path, real_sentences[:300])
    monkeypatch.setattr(w2v.ranges, "_PREFER_NEWLINE", 64)  # a cut inside a line
    count = w2v.vocab_pass.count_corpus
    models, threads_used = [], []
    for threads in (1, 2):

        def counting(corpus, workers, *args, threads=threads, **kw):
            threads_used.append(threads)
            return count(corpus, threads, *args, **kw)

        monkeypatch.setattr("w2v.word2vec.count_corpus", counting)
        model = Word2Vec(vector_size=16, min_count=2, epochs=2, workers=1, seed=3)
        model.build_vocab(path)
        assert model._encoded is not None  # the pass encoded the corpus
        model.train(path)
        models.append(model)
    assert threads_used == [1, 2]
    a, b = models
    assert a.vocab.words == b.vocab.words
    np.testing.assert_array_equal(a.wv.vectors, b.wv.vectors)
    np.testing.assert_array_equal(a.syn1neg, b.syn1neg)
    assert a.loss_history == b.loss_history


def test_build_vocab_reports_the_passs_bytes_and_tokens(real_sentences, tmp_path):
    path = tmp_path / "corpus.txt"
    _write(path, real_sentences[:300])
    seen = []

    class Listen(Callback):
        def on_vocab_progress(self, model, progress) -> None:
            seen.append(progress)

    model = Word2Vec(vector_size=16, min_count=2, workers=2)
    model.build_vocab(path, callbacks=[Listen()])
    last = seen[-1]
    assert last.final and last.total_bytes == path.stat().st_size
    assert last.bytes == last.total_bytes + 1  # and the newline that ends each file's text
    assert last.tokens == model.corpus_total_words
    assert last.tokens_per_sec > 0 and last.bytes_per_sec > 0
