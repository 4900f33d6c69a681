"""gensim's KeyedVectors idioms on w2v's vectors: save/load, vecattrs, rank, result tuples."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from gensim.models import KeyedVectors as GensimKV

import helpers
import w2v
from w2v.errors import FormatError, ParameterError
from w2v.keyed_vectors import KeyedVectors
from w2v.word2vec import Word2Vec

BUNDLED = Path(w2v.__file__).parent / "data"
QUESTIONS = BUNDLED / "questions-words.txt"
PAIRS = BUNDLED / "wordsim353.tsv"


def random_kv(n: int = 300, dim: int = 12, seed: int = 0) -> KeyedVectors:
    return helpers.random_kv(n, dim, seed)


def as_gensim(kv: KeyedVectors) -> GensimKV:
    g = GensimKV(kv.vector_size)
    g.add_vectors(kv.index_to_key, kv.vectors)
    return g


@pytest.mark.parametrize("mmap", [None, "r", "c"])
def test_save_and_load_round_trip_with_mmap(tmp_path, mmap):
    kv = random_kv()
    path = tmp_path / "vectors.kv"
    kv.save(path)
    back = KeyedVectors.load(path, mmap=mmap)
    assert back.index_to_key == kv.index_to_key and back.key_to_index == kv.key_to_index
    np.testing.assert_array_equal(back.vectors, kv.vectors)
    np.testing.assert_array_equal(back.counts, kv.counts)
    assert back.most_similar("w3", topn=5) == kv.most_similar("w3", topn=5)
    assert back.vectors.flags.writeable == (mmap != "r")
    if mmap == "c":
        back.vectors[0] = 0  # copy-on-write: memory only
        np.testing.assert_array_equal(KeyedVectors.load(path).vectors, kv.vectors)


def test_load_gives_the_word_vectors_of_a_saved_model(tmp_path):
    model = Word2Vec([["a", "b", "c", "a"], ["b", "c", "d"]] * 10, vector_size=8, min_count=1,
                     epochs=1, workers=1, seed=3)  # fmt: skip
    model.save(tmp_path / "m.w2v")
    wv = KeyedVectors.load(tmp_path / "m.w2v", mmap="r")
    assert wv.index_to_key == model.wv.index_to_key
    np.testing.assert_array_equal(wv.vectors, model.wv.vectors)
    np.testing.assert_array_equal(wv.counts, model.wv.counts)


def test_load_refuses_other_files(tmp_path):
    with pytest.raises(ParameterError, match="mmap"):
        KeyedVectors.load(tmp_path / "x", mmap="w+")
    path = tmp_path / "v.txt"
    random_kv().save_word2vec_format(path)
    with pytest.raises(FormatError, match=r"v\.txt"):
        KeyedVectors.load(path)


def test_vecattr_index_and_subset_helpers_match_gensim():
    kv = random_kv()
    g = as_gensim(kv)
    for i, w in enumerate(kv.index_to_key):
        g.set_vecattr(w, "count", int(kv.counts[i]))
    assert kv.get_vecattr("w7", "count") == g.get_vecattr("w7", "count") == kv.counts[7]
    kv.set_vecattr("w7", "count", 5)
    assert kv.get_vecattr("w7", "count") == 5 and kv.get_count("w7") == 5
    with pytest.raises(KeyError, match="only 'count'"):
        kv.get_vecattr("w7", "colour")
    with pytest.raises(KeyError, match="nope"):
        kv.get_vecattr("nope", "count")
    assert kv.has_index_for("w1") and g.has_index_for("w1")
    assert not kv.has_index_for("nope") and not g.has_index_for("nope")
    sub = kv.vectors_for_all(["w5", "nope", "w2", "w5"], copy_vecattrs=True)
    theirs = g.vectors_for_all(["w5", "nope", "w2", "w5"], allow_inference=False)
    assert sub.index_to_key == theirs.index_to_key == ["w5", "w2"]
    np.testing.assert_array_equal(sub.vectors, theirs.vectors)
    assert sub.counts.tolist() == [kv.counts[5], kv.counts[2]]
    for a, b in [("w0", "w1"), ("w10", "w299"), ("w3", "w3"), ("w250", "w0")]:
        assert kv.rank(a, b) == g.rank(a, b)


def test_set_vecattr_on_vectors_without_counts():
    kv = KeyedVectors(["a", "b"], np.eye(2, dtype=np.float32))
    kv.set_vecattr("b", "count", 4)
    assert kv.counts.tolist() == [0, 4]


def test_evaluation_results_unpack_like_gensim_and_keep_their_fields():
    words = {w.lower() for line in QUESTIONS.read_text().splitlines()[:3000]
             for w in line.split() if not line.startswith(":")}  # fmt: skip
    words |= {
        w.lower() for line in PAIRS.read_text().splitlines()[1:] for w in line.split("\t")[:2]
    }
    rng = np.random.default_rng(1)
    kv = KeyedVectors(sorted(words), rng.standard_normal((len(words), 16)).astype(np.float32))
    g = as_gensim(kv)

    result = kv.evaluate_word_analogies(QUESTIONS)
    score, sections = result
    g_score, g_sections = g.evaluate_word_analogies(str(QUESTIONS))
    assert score == pytest.approx(g_score) and score == result.accuracy == result[0]
    assert [s["section"] for s in sections] == [s["section"] for s in g_sections]
    assert [len(s["correct"]) for s in sections] == [len(s["correct"]) for s in g_sections]
    assert len(result) == 2 and result.total.n_seen > 0

    pairs = kv.evaluate_word_pairs(PAIRS)
    (pearson, p1), (spearman, p2), oov = pairs
    (g_pearson, g_p1), (g_spearman, g_p2), g_oov = g.evaluate_word_pairs(str(PAIRS))
    assert (pearson, spearman) == pytest.approx((g_pearson, g_spearman), abs=1e-6)
    assert oov == pytest.approx(g_oov) and oov == pytest.approx(100 * pairs.oov_ratio)
    assert pairs[1] == (pairs.spearman, pairs.spearman_pvalue) and len(pairs) == 3
