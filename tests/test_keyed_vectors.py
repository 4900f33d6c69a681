"""KeyedVectors: lookups, similarity queries (vs brute force and vs gensim), cache, files."""

from __future__ import annotations

import numpy as np
import pytest
from gensim.models import KeyedVectors as GensimKV

from w2v.errors import ParameterError, W2VError
from w2v.keyed_vectors import KeyedVectors
from w2v.topk import top_k_rows

V, DIM = 2000, 24


@pytest.fixture(scope="module")
def data() -> tuple[list[str], np.ndarray]:
    rng = np.random.default_rng(3)
    words = [f"w{i}" for i in range(V)]
    return words, rng.standard_normal((V, DIM)).astype(np.float32)


@pytest.fixture
def kv(data) -> KeyedVectors:
    words, vectors = data
    return KeyedVectors(words, vectors.copy(), np.arange(V, 0, -1, dtype=np.int64))


@pytest.fixture(scope="module")
def gkv(data) -> GensimKV:
    words, vectors = data
    g = GensimKV(DIM)
    g.add_vectors(words, vectors)
    return g


def brute_force(vectors, positive, negative, topn, restrict=None, exclude=()):
    """Reference 3CosAdd in float64, written independently of the implementation."""
    v = vectors.astype(np.float64)
    unit = v / np.linalg.norm(v, axis=1, keepdims=True)
    q = np.zeros(v.shape[1])
    for t in positive:
        q += unit[t] if isinstance(t, int) else t
    for t in negative:
        q -= unit[t] if isinstance(t, int) else t
    q /= np.linalg.norm(q)
    sims = unit[:restrict] @ q
    sims[[i for i in exclude if i < len(sims)]] = -np.inf
    order = np.argsort(-sims, kind="stable")[:topn]
    return order, sims[order]


# ------------------------------------------------------------------ construction and lookups


def test_lookups(kv, data):
    words, vectors = data
    assert len(kv) == V and kv.vector_size == DIM
    assert kv.index_to_key == words and kv.key_to_index["w7"] == 7
    assert "w5" in kv and "nope" not in kv and 5 not in kv
    np.testing.assert_array_equal(kv["w5"], vectors[5])
    np.testing.assert_array_equal(kv[["w5", "w1"]], vectors[[5, 1]])
    assert kv[[]].shape == (0, DIM)
    assert kv.get_index("w9") == 9 and kv.get_count("w0") == V and kv.get_count("w1") == V - 1
    assert kv.vectors.dtype == np.float32


def test_missing_word_keyerror_names_it(kv):
    for call in (
        lambda: kv["zebra"],
        lambda: kv[["w1", "zebra"]],
        lambda: kv.get_index("zebra"),
        lambda: kv.most_similar("zebra"),
        lambda: kv.similarity("w1", "zebra"),
    ):
        with pytest.raises(KeyError, match="word 'zebra' not in vocabulary"):
            call()


def test_vector_view_is_read_only(kv):
    with pytest.raises(ValueError, match="read-only"):
        kv["w1"][0] = 5.0


def test_no_counts():
    kv = KeyedVectors(["a"], np.ones((1, 2), np.float32))
    with pytest.raises(W2VError, match="no word counts"):
        kv.get_count("a")


def test_constructor_validation():
    with pytest.raises(ParameterError, match="'a' more than once"):
        KeyedVectors(["a", "b", "a"], np.zeros((3, 2)))
    with pytest.raises(ParameterError, match=r"shape \(2, dim\)"):
        KeyedVectors(["a", "b"], np.zeros((3, 2)))
    with pytest.raises(ParameterError, match="counts must be"):
        KeyedVectors(["a", "b"], np.zeros((2, 2)), counts=np.array([1.5, 2.0]))
    kv = KeyedVectors(["a", "b"], np.arange(4.0).reshape(2, 2))  # float64 is stored as float32
    assert kv.vectors.dtype == np.float32


def test_shares_memory_with_float32_input(data):
    words, vectors = data
    own = vectors.copy()
    kv = KeyedVectors(words, own)
    assert np.shares_memory(kv.vectors, own)


# ------------------------------------------------------------------ most_similar


def test_most_similar_matches_brute_force(kv, data):
    _, vectors = data
    rng = np.random.default_rng(0)
    for _ in range(20):
        pos = [int(i) for i in rng.choice(V, size=rng.integers(1, 4), replace=False)]
        neg = [int(i) for i in rng.choice(V, size=rng.integers(0, 3), replace=False)]
        restrict = [None, 500][rng.integers(2)]
        got = kv.most_similar(
            [f"w{i}" for i in pos], [f"w{i}" for i in neg], topn=15, restrict_vocab=restrict
        )
        order, sims = brute_force(vectors, pos, neg, 15, restrict, exclude=pos + neg)
        assert [w for w, _ in got] == [f"w{i}" for i in order]
        np.testing.assert_allclose([s for _, s in got], sims, atol=1e-5)
        if restrict:
            assert all(int(w[1:]) < restrict for w, _ in got)


def test_most_similar_with_raw_vectors_and_weights(kv, data):
    _, vectors = data
    probe = np.random.default_rng(1).standard_normal(DIM).astype(np.float32)
    got = kv.most_similar(positive=["w3", probe], negative=["w4"], topn=5)
    order, _ = brute_force(vectors, [3, probe.astype(np.float64)], [4], 5, exclude=[3, 4])
    assert [w for w, _ in got] == [f"w{i}" for i in order]
    # similar_by_vector excludes nothing: the word itself comes first with similarity 1
    best = kv.similar_by_vector(vectors[10], topn=3)
    assert best[0][0] == "w10" and best[0][1] == pytest.approx(1.0, abs=1e-6)
    assert kv.similar_by_word("w10", topn=3)[0][0] != "w10"
    # a weight of 2 on one positive word equals listing it twice
    a = kv.most_similar(positive=[("w1", 2.0), "w2"], topn=5)
    b = kv.most_similar(positive=["w1", "w1", "w2"], topn=5)
    assert [w for w, _ in a] == [w for w, _ in b]


@pytest.mark.parametrize(
    ("positive", "negative"),
    [(["w1", "w2"], ["w3"]), ("w5", None), ([], ["w7"]), (["w1", "w2", "w3"], ["w4", "w5"])],
)
def test_most_similar_equals_gensim(kv, gkv, positive, negative):
    for restrict in (None, 300):
        ours = kv.most_similar(positive, negative, topn=10, restrict_vocab=restrict)
        theirs = gkv.most_similar(positive, negative, topn=10, restrict_vocab=restrict)
        assert [w for w, _ in ours] == [w for w, _ in theirs]
        np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], atol=1e-6)
    full = kv.most_similar(positive, negative, topn=None)
    np.testing.assert_allclose(full, gkv.most_similar(positive, negative, topn=None), atol=1e-6)


def test_most_similar_cosmul_equals_gensim_and_formula(kv, gkv, data):
    _, vectors = data
    ours = kv.most_similar_cosmul(["w1", "w2"], ["w3"], topn=10)
    theirs = gkv.most_similar_cosmul(["w1", "w2"], ["w3"], topn=10)
    assert [w for w, _ in ours] == [w for w, _ in theirs]
    np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], rtol=1e-5)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    cos = unit @ unit[[1, 2, 3]].T
    score = ((1 + cos[:, 0]) / 2) * ((1 + cos[:, 1]) / 2) / ((1 + cos[:, 2]) / 2 + 1e-6)
    score[[1, 2, 3]] = -np.inf
    assert [w for w, _ in ours] == [f"w{i}" for i in np.argsort(-score)[:10]]
    restricted = kv.most_similar_cosmul(["w1", "w2"], ["w3"], topn=5, restrict_vocab=100)
    assert all(int(w[1:]) < 100 for w, _ in restricted)
    with pytest.raises(ParameterError, match="at least one positive"):
        kv.most_similar_cosmul([], ["w3"])


def test_same_word_positive_and_negative(kv, gkv):
    # Allowed as in gensim: the two contributions cancel, the word stays excluded.
    ours = kv.most_similar(["w1", "w2"], ["w1"], topn=5)
    theirs = gkv.most_similar(["w1", "w2"], ["w1"], topn=5)
    assert [w for w, _ in ours] == [w for w, _ in theirs]
    assert "w1" not in [w for w, _ in ours]
    assert [w for w, _ in ours] == [w for w, _ in kv.most_similar(["w2"], topn=6) if w != "w1"][:5]
    with pytest.raises(ParameterError, match="query vector is zero"):
        kv.most_similar(["w1"], ["w1"])


def test_most_similar_edge_cases(kv):
    with pytest.raises(ParameterError, match="both empty"):
        kv.most_similar()
    with pytest.raises(ParameterError, match="both empty"):
        kv.most_similar([], [])
    assert kv.most_similar("w1", topn=0) == []
    with pytest.raises(ParameterError, match="restrict_vocab must be >= 1"):
        kv.most_similar("w1", restrict_vocab=0)
    with pytest.raises(ParameterError, match="shape"):
        kv.most_similar([np.zeros(3)])
    assert len(kv.most_similar("w1", topn=5000)) == V - 1  # more than there is: everything else


def test_ties_are_ordered_by_index():
    vectors = np.array([[1, 0], [0, 1], [0, 1], [0, 1], [1, 1]], np.float32)
    kv = KeyedVectors(list("abcde"), vectors)
    assert [w for w, _ in kv.most_similar("a", topn=4)] == ["e", "b", "c", "d"]
    idx, vals = top_k_rows(np.array([[1.0, 3.0, 3.0, -np.inf, 3.0]]), 4)
    assert idx.tolist() == [[1, 2, 4, 0]] and vals.tolist() == [[3.0, 3.0, 3.0, 1.0]]
    idx, vals = top_k_rows(np.array([[-np.inf, 2.0]]), 3)
    assert idx.tolist() == [[1, -1, -1]]


def test_zero_vector_has_zero_similarity():
    kv = KeyedVectors(["a", "zero", "b"], np.array([[1, 0], [0, 0], [1, 1]], np.float32))
    assert kv.similarity("a", "zero") == 0.0
    assert [w for w, _ in kv.most_similar("a")] == ["b", "zero"]


def test_batch_equals_single_queries(kv):
    rng = np.random.default_rng(5)
    positive = [[f"w{i}" for i in rng.choice(V, 2, replace=False)] for _ in range(50)]
    negative = [[f"w{rng.integers(V)}"] if q % 3 else [] for q in range(50)]
    positive[0] = ["w1", np.ones(DIM, np.float32)]  # vectors are accepted too
    batch = kv.most_similar_batch(positive, negative, topn=7, restrict_vocab=1500)
    for p, n, got in zip(positive, negative, batch, strict=True):
        single = kv.most_similar(p, n, topn=7, restrict_vocab=1500)
        assert [w for w, _ in got] == [w for w, _ in single]
        np.testing.assert_allclose([s for _, s in got], [s for _, s in single], atol=1e-6)
    with pytest.raises(ParameterError, match="one entry per query"):
        kv.most_similar_batch([["w1"]], [[], []])
    with pytest.raises(ParameterError, match="both empty"):
        kv.most_similar_batch([[]])


def test_batch_is_blocked(kv, monkeypatch):
    import w2v.keyed_vectors as module

    queries = [[f"w{i}"] for i in range(30)]
    expected = kv.most_similar_batch(queries, topn=4)
    monkeypatch.setattr(module, "_BATCH_ELEMENTS", 3 * V)  # three queries per block
    blocked = kv.most_similar_batch(queries, topn=4)
    # Same answers; scores may differ in the last float32 bit (BLAS blocking).
    assert [[w for w, _ in r] for r in blocked] == [[w for w, _ in r] for r in expected]
    np.testing.assert_allclose(
        [[s for _, s in r] for r in blocked], [[s for _, s in r] for r in expected], atol=1e-6
    )


# ------------------------------------------------------------------ pairwise similarities


def test_similarity_functions_equal_gensim(kv, gkv):
    assert kv.similarity("w1", "w2") == pytest.approx(float(gkv.similarity("w1", "w2")), abs=1e-6)
    assert kv.similarity("w3", "w3") == pytest.approx(1.0, abs=1e-6)
    assert kv.distance("w1", "w2") == pytest.approx(float(gkv.distance("w1", "w2")), abs=1e-6)
    assert kv.n_similarity(["w1", "w3"], ["w2"]) == pytest.approx(
        float(gkv.n_similarity(["w1", "w3"], ["w2"])), abs=1e-6
    )
    for words in (["w1", "w2", "w3", "w4"], [f"w{i}" for i in range(10, 30)]):
        assert kv.doesnt_match(words) == gkv.doesnt_match(words)
    with pytest.raises(ParameterError, match="non-empty"):
        kv.n_similarity([], ["w1"])
    with pytest.raises(ParameterError, match="at least one word"):
        kv.doesnt_match([])


def test_doesnt_match_finds_the_outlier():
    rng = np.random.default_rng(0)
    base = rng.standard_normal(8)
    vectors = np.array([base + 0.1 * rng.standard_normal(8) for _ in range(4)] + [-base])
    kv = KeyedVectors(["a", "b", "c", "d", "odd"], vectors)
    assert kv.doesnt_match(["a", "odd", "b", "c", "d"]) == "odd"


# ------------------------------------------------------------------ normalisation cache


def test_norm_cache_invalidated_by_setter(kv, data):
    _, vectors = data
    before = kv.most_similar("w1", topn=3)
    normed = kv.get_normed_vectors()
    np.testing.assert_allclose(np.linalg.norm(normed, axis=1), 1.0, atol=1e-6)
    assert kv.get_normed_vectors() is normed  # cached
    kv.vectors = vectors[::-1].copy()  # reversed rows: w1 now holds w(V-2)'s vector
    assert kv.get_normed_vectors() is not normed
    after = kv.most_similar("w1", topn=3)
    assert after != before
    np.testing.assert_allclose(kv.norms, np.linalg.norm(vectors[::-1], axis=1), rtol=1e-6)
    with pytest.raises(ParameterError, match="shape"):
        kv.vectors = vectors[:10]


def test_fill_norms_force_after_in_place_change(kv):
    kv.fill_norms()
    kv.vectors[2] = kv.vectors[1] * 3  # in place: the cache cannot notice
    assert kv.similarity("w1", "w2") != pytest.approx(1.0)  # stale, as documented
    kv.fill_norms(force=True)
    assert kv.similarity("w1", "w2") == pytest.approx(1.0, abs=1e-6)
    assert kv.most_similar("w1", topn=1)[0][0] == "w2"


# ------------------------------------------------------------------ files


@pytest.mark.parametrize("binary", [False, True])
def test_save_load_wrappers(kv, tmp_path, binary):
    path = tmp_path / "vectors"
    kv.save_word2vec_format(path, binary=binary)
    loaded = KeyedVectors.load_word2vec_format(path, binary=binary)
    assert loaded.index_to_key == kv.index_to_key and loaded.counts is None
    np.testing.assert_array_equal(loaded.vectors, kv.vectors)
    limited = KeyedVectors.load_word2vec_format(path, binary=binary, limit=10)
    assert len(limited) == 10
    theirs = GensimKV.load_word2vec_format(str(path), binary=binary)
    np.testing.assert_array_equal(theirs.vectors, kv.vectors)


# ------------------------------------------------------------------ query edge cases (issue 6)


def test_unknown_word_in_every_query_method(kv):
    # A clear KeyError naming the word, from every entry point, before any work is done.
    for call in (
        lambda: kv.most_similar(["w1"], ["zebra"]),
        lambda: kv.most_similar([("zebra", 2.0)]),
        lambda: kv.most_similar_cosmul(["w1", "zebra"]),
        lambda: kv.similar_by_word("zebra"),
        lambda: kv.distance("zebra", "w1"),
        lambda: kv.n_similarity(["w1"], ["zebra"]),
        lambda: kv.doesnt_match(["w1", "w2", "zebra"]),
    ):
        with pytest.raises(KeyError, match="word 'zebra' not in vocabulary"):
            call()
    # Batched: the message also says which query.
    with pytest.raises(KeyError, match="query 2: word 'zebra' not in vocabulary"):
        kv.most_similar_batch([["w1"], ["w2"], ["w3", "zebra"]])
    with pytest.raises(KeyError, match="query 1: word 'zebra'"):
        kv.most_similar_batch([["w1"], ["w2"]], [[], ["zebra"]])


def test_empty_inputs(kv):
    assert kv.most_similar_batch([]) == []  # no queries: no answers
    assert kv.most_similar_batch([], []) == []
    with pytest.raises(ParameterError, match="query 1: positive and negative are both empty"):
        kv.most_similar_batch([["w1"], []], [[], None])
    with pytest.raises(ParameterError, match="both empty"):
        kv.most_similar_cosmul([], [])
    with pytest.raises(ParameterError, match="both empty"):
        kv.most_similar(None, None)
    with pytest.raises(ParameterError, match="non-empty"):
        kv.n_similarity([], [])
    with pytest.raises(ParameterError, match="topn must be >= 1"):
        kv.most_similar_batch([["w1"]], topn=0)
    assert kv.most_similar("w1", topn=-3) == []
    empty = KeyedVectors([], np.zeros((0, 4), np.float32))
    assert empty.most_similar([np.ones(4, np.float32)]) == []  # nothing to rank
    assert empty.most_similar_batch([[np.ones(4, np.float32)]]) == [[]]


def test_word_both_positive_and_negative_everywhere(kv, gkv):
    # Documented: contributions cancel, the word stays excluded; nothing left -> ParameterError.
    batch = kv.most_similar_batch([["w1", "w2"]], [["w1"]], topn=5)[0]
    single = kv.most_similar(["w1", "w2"], ["w1"], topn=5)
    assert [w for w, _ in batch] == [w for w, _ in single]
    assert "w1" not in [w for w, _ in batch]
    with pytest.raises(ParameterError, match="query 0: the query vector is zero"):
        kv.most_similar_batch([["w1"]], [["w1"]])
    # 3CosMul: the word divides its own similarity; gensim gives the same ranking.
    ours = kv.most_similar_cosmul(["w1", "w2"], ["w1"], topn=5)
    theirs = gkv.most_similar_cosmul(["w1", "w2"], ["w1"], topn=5)
    assert [w for w, _ in ours] == [w for w, _ in theirs]
    assert "w1" not in [w for w, _ in ours]
    # Repeating a word counts it twice, as in gensim.
    ours = kv.most_similar(["w1", "w1", "w2"], topn=5)
    theirs = gkv.most_similar(["w1", "w1", "w2"], topn=5)
    assert [w for w, _ in ours] == [w for w, _ in theirs]


def test_bad_terms_raise_parameter_error(kv):
    nan = np.full(DIM, np.nan, np.float32)
    for call, message in (
        (lambda: kv.most_similar([nan]), "finite"),
        (lambda: kv.most_similar([np.full(DIM, np.inf, np.float32)]), "finite"),
        (lambda: kv.most_similar([("w1", "heavy")]), "weights must be numbers"),
        (lambda: kv.most_similar([("w1", float("nan"))]), "weights must be finite"),
        (lambda: kv.most_similar([("w1", 1.0, 2.0)]), "pairs"),
        (lambda: kv.most_similar([17]), "words or vectors"),
        (lambda: kv.most_similar([np.array(["a"] * DIM)]), "finite numbers"),
        (lambda: kv.most_similar_batch([[nan]]), "query 0: query vectors must be finite"),
    ):
        with pytest.raises(ParameterError, match=message):
            call()


def test_top_k_rows_exclude():
    scores = np.array([[5.0, 4.0, 3.0, 2.0], [1.0, 2.0, 3.0, 4.0]], np.float32)
    idx, vals = top_k_rows(scores.copy(), 2, [[0], [3, 2]])
    assert idx.tolist() == [[1, 2], [1, 0]] and vals.tolist() == [[4.0, 3.0], [2.0, 1.0]]
    idx, _ = top_k_rows(scores.copy(), 100, [[0, 1, 2, 3], []])  # sorting path
    assert idx[0, :1].tolist() == [-1] and idx[1, :4].tolist() == [3, 2, 1, 0]
    with pytest.raises(ParameterError, match="outside"):
        top_k_rows(scores.copy(), 2, [[4], []])
    with pytest.raises(ParameterError, match="one entry per row"):
        top_k_rows(scores.copy(), 2, [[0]])
