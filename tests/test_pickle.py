"""Word2Vec and KeyedVectors pickle: copy.deepcopy, multiprocessing and a loaded (memory-mapped)
model; the thread state is rebuilt, so a copy trains and stops on its own."""

from __future__ import annotations

import copy
import multiprocessing
import pickle
import threading

import numpy as np
import pytest

from w2v.keyed_vectors import KeyedVectors
from w2v.word2vec import Word2Vec

SENTENCES = [["a", "b", "c", "a", "d"], ["b", "c", "d", "e"], ["e", "a", "c", "b"]] * 30


def small_model(**kwargs) -> Word2Vec:
    kwargs = {"vector_size": 8, "min_count": 1, "epochs": 2, "workers": 1, "seed": 3, **kwargs}
    return Word2Vec(SENTENCES, **kwargs)


def assert_same_model(a: Word2Vec, b: Word2Vec) -> None:
    assert a.wv.index_to_key == b.wv.index_to_key and a.params == b.params
    for x, y in zip(a._weights(), b._weights(), strict=True):
        np.testing.assert_array_equal(x, y)
    assert a.loss_history == b.loss_history and a.epochs_trained == b.epochs_trained
    assert a.wv.most_similar("a", topn=3) == b.wv.most_similar("a", topn=3)


@pytest.mark.parametrize("layers", [{"hs": 1, "negative": 0}, {"negative": 5}])
def test_model_pickles_and_the_copy_trains_like_the_original(layers):
    model = small_model(**layers)
    model.wv.most_similar("a")  # fills the norm cache
    back = pickle.loads(pickle.dumps(model))
    assert_same_model(model, back)
    assert isinstance(back.stop_requested, threading.Event)
    assert back.stop_requested is not model.stop_requested and not back.stop_requested.is_set()
    # one worker, one seed: continuing either gives the same weights
    model.train(SENTENCES, epochs=1)
    back.train(SENTENCES, epochs=1)
    assert_same_model(model, back)


def test_deepcopy_is_independent():
    model = small_model()
    clone = copy.deepcopy(model)
    assert_same_model(model, clone)
    clone.wv.vectors[0] += 1.0
    assert not np.array_equal(clone.wv.vectors[0], model.wv.vectors[0])
    kv = copy.deepcopy(model.wv)
    np.testing.assert_array_equal(kv.vectors, model.wv.vectors)
    assert kv.most_similar("b") == model.wv.most_similar("b")


def test_a_model_between_build_vocab_and_train_pickles(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(" ".join(s) for s in SENTENCES) + "\n")
    model = Word2Vec(vector_size=8, min_count=1, epochs=1, workers=1, seed=3)
    model.build_vocab(path)  # keeps the encoded corpus (a spool file) for train()
    assert model._encoded is not None
    back = pickle.loads(pickle.dumps(model))
    assert back._encoded is None
    model.train(path)
    back.train(path)
    assert_same_model(model, back)


def test_memory_mapped_model_and_vectors_pickle(tmp_path):
    small_model().save(tmp_path / "m.w2v")
    loaded = Word2Vec.load(tmp_path / "m.w2v", mmap=True)
    back = pickle.loads(pickle.dumps(loaded))
    assert_same_model(loaded, back)
    kv = KeyedVectors.load(tmp_path / "m.w2v", mmap="r")
    kv_back = pickle.loads(pickle.dumps(kv))
    assert type(kv_back.vectors) is np.ndarray
    np.testing.assert_array_equal(kv_back.vectors, kv.vectors)
    assert kv_back.counts.tolist() == kv.counts.tolist()


def _neighbours(model: Word2Vec) -> list[tuple[str, float]]:
    return model.wv.most_similar("a", topn=3)


def _train_more(model: Word2Vec) -> Word2Vec:
    model.train(SENTENCES, epochs=1)
    return model


def test_multiprocessing_sends_models_both_ways():
    model = small_model()
    with multiprocessing.get_context("fork").Pool(1) as pool:
        assert pool.apply(_neighbours, (model,)) == _neighbours(model)
        trained = pool.apply(_train_more, (model,))
    assert trained.epochs_trained == model.epochs_trained + 1
    assert_same_model(trained, _train_more(model))


def test_joblib_dumps_and_loads_a_model(tmp_path):
    import joblib

    model = small_model()
    joblib.dump(model, tmp_path / "model.joblib")
    assert_same_model(model, joblib.load(tmp_path / "model.joblib"))
