"""gensim 4.4's KeyedVectors methods on w2v, compared with gensim's on the same small vectors:
closer_than, distances, most_similar_to_given, get_mean_vector, add_vector(s),
unit_normalize_all, rank_by_centrality, relative_cosine_similarity, sort_by_descending_frequency,
fvocab in the word2vec files, intersect_word2vec_format with lockf, wmdistance, and the gensim 3
names' migration hints."""

from __future__ import annotations

import itertools
import logging
import warnings

import numpy as np
import pytest
from gensim.models import KeyedVectors as GensimKV

import helpers
from w2v.errors import FormatError, ParameterError
from w2v.keyed_vectors import KeyedVectors


def random_kv(n: int = 60, dim: int = 6, seed: int = 0) -> KeyedVectors:
    return helpers.random_kv(n, dim, seed)


def as_gensim(kv: KeyedVectors) -> GensimKV:
    g = GensimKV(kv.vector_size)
    g.add_vectors(kv.index_to_key, kv.vectors.copy())
    if kv.counts is not None:
        for w, c in zip(kv.index_to_key, kv.counts.tolist(), strict=True):
            g.set_vecattr(w, "count", c)
    return g


def assert_same_neighbours(ours: list, theirs: list) -> None:
    assert [w for w, _ in ours] == [w for w, _ in theirs]
    np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], rtol=1e-5)


@pytest.fixture
def pair():
    kv = random_kv()
    return kv, as_gensim(kv)


def test_closer_than_distances_and_most_similar_to_given(pair):
    kv, g = pair
    for a, b in [("w0", "w1"), ("w5", "w40"), ("w7", "w7"), ("w59", "w0")]:
        assert kv.closer_than(a, b) == g.closer_than(a, b)
        with pytest.warns(DeprecationWarning):
            assert kv.words_closer_than(a, b) == g.closer_than(a, b)
    np.testing.assert_allclose(kv.distances("w3"), g.distances("w3"), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(kv.distances("w3", ["w1", "w9"]), g.distances("w3", ["w1", "w9"]),
                               rtol=1e-5, atol=1e-6)  # fmt: skip
    vec = kv["w4"] * 2
    np.testing.assert_allclose(kv.distances(vec), g.distances(vec), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(KeyedVectors.cosine_similarities(vec, kv.vectors[:5]),
                               GensimKV.cosine_similarities(vec, kv.vectors[:5]),
                               rtol=1e-5)  # fmt: skip
    candidates = ["w8", "w2", "w33", "w17"]
    assert kv.most_similar_to_given("w1", candidates) == g.most_similar_to_given("w1", candidates)
    with pytest.raises(KeyError, match="nope"):
        kv.closer_than("w1", "nope")
    with pytest.raises(ParameterError, match="candidate"):
        kv.most_similar_to_given("w1", [])


@pytest.mark.parametrize("pre, post", itertools.product([True, False], repeat=2))
def test_get_mean_vector_matches_gensim(pair, pre, post):
    kv, g = pair
    keys = ["w1", "w5", "nope", kv["w9"]]
    weights = [0.5, -2.0, 1.0, 1.5]
    ours = kv.get_mean_vector(keys, weights, pre_normalize=pre, post_normalize=post)
    theirs = g.get_mean_vector(keys, weights, pre_normalize=pre, post_normalize=post)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
    assert ours.dtype == np.float32
    with pytest.raises(KeyError, match="nope"):
        kv.get_mean_vector(keys, ignore_missing=False)
    with pytest.raises(ParameterError, match="no input"):
        kv.get_mean_vector([])
    with pytest.raises(ParameterError, match="same number"):
        kv.get_mean_vector(["w1"], [1.0, 2.0])


def test_add_vector_and_add_vectors_match_gensim(pair):
    kv, g = pair
    rng = np.random.default_rng(5)
    new = rng.standard_normal((3, kv.vector_size)).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # gensim warns that growing by one is costly
        assert kv.add_vector("fresh", new[0]) == g.add_vector("fresh", new[0]) == 60
    kv.add_vectors(["w2", "x", "y"], new, replace=False)
    g.add_vectors(["w2", "x", "y"], new, replace=False)
    assert kv.index_to_key == g.index_to_key and kv.key_to_index == g.key_to_index
    np.testing.assert_array_equal(kv.vectors, g.vectors)
    kv.add_vectors(["w2"], new[:1], replace=True)
    g.add_vectors(["w2"], new[:1], replace=True)
    np.testing.assert_array_equal(kv.vectors, g.vectors)
    assert_same_neighbours(kv.most_similar("x", topn=5), g.most_similar("x", topn=5))
    assert kv.get_count("x") == 0 and kv.get_count("w0") == 180
    kv.add_vectors(["z"], new[:1], extras={"count": np.array([7])})
    assert kv.get_count("z") == 7
    with pytest.raises(ParameterError, match="shape"):
        kv.add_vectors(["q"], new)
    with pytest.raises(ParameterError, match="only 'count'"):
        kv.add_vectors(["q"], new[:1], extras={"colour": np.array([1])})


def test_unit_normalize_all_and_sorting_match_gensim(pair):
    kv, g = pair
    kv.most_similar("w1")  # the norm cache must follow
    kv.unit_normalize_all()
    g.unit_normalize_all()
    np.testing.assert_allclose(kv.vectors, g.vectors, rtol=1e-6)
    np.testing.assert_allclose(kv.norms, 1.0, rtol=1e-6)
    assert_same_neighbours(kv.most_similar("w1", topn=5), g.most_similar("w1", topn=5))
    counts = np.array([5, 9, 5, 1, 9, 2] * 10, dtype=np.int64)
    kv.counts = counts.copy()
    for w, c in zip(g.index_to_key, counts.tolist(), strict=True):
        g.set_vecattr(w, "count", c)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g.sort_by_descending_frequency()
    kv.sort_by_descending_frequency()
    assert kv.index_to_key == g.index_to_key
    np.testing.assert_array_equal(kv.vectors, g.vectors)


def test_centrality_and_relative_cosine_similarity_match_gensim(pair):
    kv, g = pair
    words = ["w1", "w2", "w3", "w10", "nope"]
    ours, theirs = kv.rank_by_centrality(words), g.rank_by_centrality(words)
    assert [w for _, w in ours] == [w for _, w in theirs]
    assert [s for s, _ in ours] == pytest.approx([s for s, _ in theirs], abs=1e-6)
    for a, b, n in [("w1", "w2", 10), ("w5", "w50", 3)]:
        assert kv.relative_cosine_similarity(a, b, n) == pytest.approx(
            g.relative_cosine_similarity(a, b, n), rel=1e-5)  # fmt: skip
    assert_same_neighbours(kv.similar_by_key("w4", topn=3), g.similar_by_key("w4", topn=3))
    with pytest.raises(NotImplementedError, match="Doc2Vec"):
        kv.similarity_unseen_docs(["a"], ["b"])


@pytest.mark.parametrize("binary", [False, True])
def test_fvocab_round_trip_and_gensim_reads_it(tmp_path, binary):
    kv = random_kv()
    kv.counts[[3, 4]] = 1000  # out of order: written most frequent first, as gensim does
    g = as_gensim(kv)
    ours, theirs = tmp_path / "ours.vec", tmp_path / "theirs.vec"
    kv.save_word2vec_format(ours, fvocab=tmp_path / "ours.vocab", binary=binary)
    g.save_word2vec_format(str(theirs), fvocab=str(tmp_path / "theirs.vocab"), binary=binary)
    assert (tmp_path / "ours.vocab").read_text() == (tmp_path / "theirs.vocab").read_text()
    if not binary:  # w2v's binary records end with word2vec.c's newline, gensim's do not
        assert ours.read_bytes() == theirs.read_bytes()
    back = KeyedVectors.load_word2vec_format(ours, tmp_path / "ours.vocab", binary=binary)
    g_back = GensimKV.load_word2vec_format(str(ours), str(tmp_path / "ours.vocab"), binary=binary)
    assert back.index_to_key == g_back.index_to_key
    assert [back.get_vecattr(w, "count") for w in back.index_to_key] == [
        g_back.get_vecattr(w, "count") for w in g_back.index_to_key
    ]
    np.testing.assert_array_equal(back.vectors, g_back.vectors)
    kv.save_word2vec_format(tmp_path / "p.vec", prefix="pre_")
    assert KeyedVectors.load_word2vec_format(tmp_path / "p.vec").index_to_key[0] == "pre_w3"


def test_word2vec_file_arguments_that_cannot_apply_are_refused(tmp_path):
    kv = random_kv()
    with pytest.raises(ParameterError, match="append"):
        kv.save_word2vec_format(tmp_path / "a.vec", append=True)
    with pytest.raises(ParameterError, match="no counts"):
        KeyedVectors(["a"], np.ones((1, 2))).save_word2vec_format(tmp_path / "b", fvocab="v")
    kv.save_word2vec_format(tmp_path / "v.vec")
    with pytest.raises(ParameterError, match="float32"):
        KeyedVectors.load_word2vec_format(tmp_path / "v.vec", datatype=np.float16)
    with pytest.raises(ParameterError, match="UTF-8"):
        KeyedVectors.load_word2vec_format(tmp_path / "v.vec", encoding="latin-1")
    (tmp_path / "bad.vocab").write_text("w1 3\nw2\n")
    with pytest.raises(FormatError, match=r"bad\.vocab:2"):
        KeyedVectors.load_word2vec_format(tmp_path / "v.vec", fvocab=tmp_path / "bad.vocab")


def test_intersect_word2vec_format_replaces_shared_words_and_locks_them(tmp_path, caplog):
    kv = random_kv()
    other = KeyedVectors(["w3", "new", "w7"], np.full((3, kv.vector_size), 0.5, np.float32))
    other.vectors[2] = 2.0
    other.save_word2vec_format(tmp_path / "pre.vec")
    g = as_gensim(kv)
    # gensim 4.4's own fails: its lock array has one entry (IndexError), or none at all
    with pytest.raises((IndexError, AttributeError)):
        g.intersect_word2vec_format(str(tmp_path / "pre.vec"), lockf=0.0)
    before = kv.vectors.copy()
    kv.most_similar("w3")
    with caplog.at_level(logging.INFO, logger="w2v.keyed_vectors"):
        assert kv.intersect_word2vec_format(tmp_path / "pre.vec", lockf=0.25) == 2
    assert "merged 2 vectors" in caplog.text
    np.testing.assert_array_equal(kv["w3"], other["w3"])
    np.testing.assert_array_equal(kv["w7"], other["w7"])
    keep = [i for i in range(len(kv)) if i not in (3, 7)]
    np.testing.assert_array_equal(kv.vectors[keep], before[keep])
    assert kv.vectors_lockf[[3, 7]].tolist() == [0.25, 0.25]
    assert kv.vectors_lockf[keep].tolist() == [1.0] * len(keep)
    assert "new" not in kv
    assert kv.most_similar("w3", topn=1)[0][0] == "w7"  # the norm cache follows
    small = KeyedVectors(["a"], np.ones((1, 2), np.float32))
    with pytest.raises(ParameterError, match="incompatible vector size 6"):
        small.intersect_word2vec_format(tmp_path / "pre.vec")


def test_wmdistance_solves_the_transport_problem():
    rng = np.random.default_rng(2)
    kv = KeyedVectors([f"w{i}" for i in range(8)], rng.standard_normal((8, 5)).astype(np.float32))
    normed = kv.get_normed_vectors()
    # one word each: the distance between the two (normalised) vectors
    assert kv.wmdistance(["w0"], ["w1"]) == pytest.approx(
        float(np.linalg.norm(normed[0] - normed[1])), rel=1e-6)  # fmt: skip
    # equal sizes, distinct words, uniform weights: the best one-to-one matching (Birkhoff)
    doc1, doc2 = ["w0", "w1", "w2"], ["w3", "w4", "w5"]
    best = min(
        np.mean(
            [
                np.linalg.norm(normed[int(a[1])] - normed[int(b[1])])
                for a, b in zip(doc1, p, strict=True)
            ]
        )  # fmt: skip
        for p in itertools.permutations(doc2)
    )
    assert kv.wmdistance(doc1 + ["oov"], doc2) == pytest.approx(best, rel=1e-6)
    assert kv.wmdistance(doc1, doc2) == pytest.approx(kv.wmdistance(doc2, doc1), rel=1e-6)
    assert kv.wmdistance(["w0", "w0"], ["w0"]) == 0.0
    assert kv.wmdistance(["oov"], ["w0"]) == float("inf")
    unnormed = kv.wmdistance(["w0"], ["w1"], norm=False)
    assert unnormed == pytest.approx(float(np.linalg.norm(kv["w0"] - kv["w1"])), rel=1e-6)


def test_gensim3_names_give_gensim4_hints(pair):
    kv, g = pair
    for name in ("vocab", "index2word", "index2entity", "vectors_norm"):
        with pytest.raises(AttributeError) as ours:
            getattr(kv, name)
        with pytest.raises(AttributeError) as theirs:
            getattr(g, name)
        assert str(ours.value) == str(theirs.value)
    with pytest.warns(DeprecationWarning, match="fill_norms"):
        kv.init_sims()
    with pytest.warns(DeprecationWarning, match="get_vector"):
        np.testing.assert_array_equal(kv.word_vec("w1"), kv["w1"])
    with pytest.warns(DeprecationWarning):
        kv.init_sims(replace=True)
    np.testing.assert_allclose(np.linalg.norm(kv.vectors, axis=1), 1.0, rtol=1e-6)


def test_small_helpers_match_gensim(pair, caplog):
    kv, g = pair
    assert kv.get_index("nope", default=-1) == g.get_index("nope", default=-1) == -1
    assert kv.get_index(5) == g.get_index(5) == 5
    section = {"section": "capitals", "correct": [1, 2, 3], "incorrect": [4]}
    with caplog.at_level(logging.INFO, logger="w2v.keyed_vectors"):
        assert kv.log_accuracy(section) is g.log_accuracy(section) is None
        kv.log_evaluate_word_pairs((0.5, 0.1), (0.25, 0.2), 3.0, "pairs.tsv")
    assert "capitals: 75.0% (3/4)" in caplog.text and "pairs.tsv: 0.2500" in caplog.text
    bare = KeyedVectors(["a", "b"], np.eye(2, dtype=np.float32))
    bare.allocate_vecattrs()
    assert bare.counts.tolist() == [0, 0]
    with pytest.raises(KeyError, match="only 'count'"):
        bare.allocate_vecattrs(["colour"])
    kv.add_lifecycle_event("loaded", source="x")
    assert kv.lifecycle_events[-1]["event"] == "loaded"


LOCK_SENTENCES = [["a", "b", "c", "a", "d"], ["b", "c", "d", "e"], ["e", "a", "c", "b"]] * 30


@pytest.mark.parametrize("arch", [{"sg": 1}, {"sg": 1, "blocked": 0, "hs": 1}, {"sg": 0},
                                  {"sg": 0, "hs": 1, "negative": 0, "bias": 1}])  # fmt: skip
def test_training_honours_vectors_lockf(tmp_path, arch):
    from w2v.word2vec import Word2Vec

    kwargs = {"vector_size": 8, "min_count": 1, "epochs": 2, "workers": 1, "seed": 3, "sample": 0,
              **arch}  # fmt: skip
    model = Word2Vec(LOCK_SENTENCES, **kwargs)
    pre = KeyedVectors(["c", "zz"], np.full((2, 8), 0.1, np.float32))
    pre.save_word2vec_format(tmp_path / "pre.vec")
    assert model.wv.intersect_word2vec_format(tmp_path / "pre.vec", lockf=0.0) == 1
    before = model.wv.vectors.copy()
    model.train(LOCK_SENTENCES, epochs=1)
    c = model.wv.key_to_index["c"]
    np.testing.assert_array_equal(model.wv.vectors[c], before[c])  # frozen
    others = [i for i in range(len(model.wv)) if i != c]
    assert np.all(np.any(model.wv.vectors[others] != before[others], axis=1))
    # factors of 1 train exactly as no locks (one worker: bit for bit)
    a, b = Word2Vec(LOCK_SENTENCES, **kwargs), Word2Vec(LOCK_SENTENCES, **kwargs)
    b.wv.vectors_lockf = np.ones(len(b.wv), np.float32)
    a.train(LOCK_SENTENCES, epochs=1)
    b.train(LOCK_SENTENCES, epochs=1)
    np.testing.assert_array_equal(a.wv.vectors, b.wv.vectors)
    # a factor of 0.5 moves the vector, less than a full update does
    half = Word2Vec(LOCK_SENTENCES, **kwargs)
    start = half.wv.vectors.copy()
    lock = np.ones(len(half.wv), np.float32)
    lock[c] = 0.5
    half.wv.vectors_lockf = lock
    half.train(LOCK_SENTENCES, epochs=1)
    moved = np.linalg.norm(half.wv.vectors[c] - start[c])
    assert 0 < moved < np.linalg.norm(a.wv.vectors[c] - start[c])


class StubIndexer:
    """gensim's indexer protocol: ``most_similar(vector, topn)``."""

    def __init__(self):
        self.calls = []

    def most_similar(self, vector, topn):
        self.calls.append((vector, topn))
        return [("stub", 1.0)]


def test_most_similar_clip_and_indexer_match_gensim(pair):
    kv, g = pair
    for kwargs in ({"clip_start": 5}, {"clip_end": 30}, {"clip_start": 3, "clip_end": 20},
                   {"clip_start": 2, "restrict_vocab": 25}):  # fmt: skip
        assert_same_neighbours(kv.most_similar("w1", topn=5, **kwargs),
                               g.most_similar("w1", topn=5, **kwargs))  # fmt: skip
        every = kv.most_similar("w1", topn=None, **kwargs)
        np.testing.assert_allclose(every, g.most_similar("w1", topn=None, **kwargs), rtol=1e-5)
    with pytest.raises(ParameterError, match="clip_start"):
        kv.most_similar("w1", clip_start=40, clip_end=30)
    stub = StubIndexer()
    assert kv.most_similar("w1", topn=3, indexer=stub) == [("stub", 1.0)]
    np.testing.assert_allclose(stub.calls[0][0], kv.get_vector("w1", norm=True), rtol=1e-6)
    assert stub.calls[0][1] == 3


def test_vectors_lockf_is_saved_and_survives_growth(tmp_path):
    from w2v.word2vec import Word2Vec

    model = Word2Vec(LOCK_SENTENCES, vector_size=8, min_count=1, epochs=1, workers=1, seed=3)
    model.save(tmp_path / "plain.w2v")
    lock = np.ones(len(model.wv), np.float32)
    lock[model.wv.key_to_index["c"]] = 0.0
    model.wv.vectors_lockf = lock
    model.save(tmp_path / "locked.w2v")
    back = Word2Vec.load(tmp_path / "locked.w2v")
    np.testing.assert_array_equal(back.wv.vectors_lockf, lock)
    assert Word2Vec.load(tmp_path / "plain.w2v").wv.vectors_lockf.tolist() == [1.0] * len(lock)
    back.build_vocab([["new", "new", "words", "words", "c"]] * 3, update=True)
    assert back.wv.vectors_lockf.tolist() == lock.tolist() + [1.0, 1.0]
    frozen = back.wv["c"].copy()
    back.train([["new", "c", "words", "a"]] * 20, epochs=1)
    np.testing.assert_array_equal(back.wv["c"], frozen)
