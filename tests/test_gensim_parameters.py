"""gensim 4.4's Word2Vec constructor and vocabulary parameters on w2v, compared with gensim on the
same small corpus: trim_rule, sorted_vocab, build_vocab_from_freq, max_final_vocab's effective
min_count, batch_words, null_word, compute_loss, comment, hashfxn, and what train() and
build_vocab() leave in the model's attributes."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from gensim.models import Word2Vec as GensimW2V
from gensim.utils import RULE_DEFAULT as G_DEFAULT
from gensim.utils import RULE_DISCARD as G_DISCARD
from gensim.utils import RULE_KEEP as G_KEEP

from w2v.errors import ParameterError
from w2v.vocabulary import RULE_DEFAULT, RULE_DISCARD, RULE_KEEP
from w2v.word2vec import Word2Vec

# distinct counts (so the order by count is unique): z 1, y 2, ..., first appearances mixed
WORDS = "the of and to in is zebra yak xenon walrus".split()
COUNTS = dict(zip(WORDS, [40, 31, 25, 17, 12, 7, 1, 2, 3, 4], strict=True))


def corpus() -> list[list[str]]:
    rng = np.random.default_rng(0)
    tokens = [w for w, c in COUNTS.items() for _ in range(c)]
    tokens = [tokens[i] for i in rng.permutation(len(tokens))]
    return [tokens[i : i + 9] for i in range(0, len(tokens), 9)]


SENTENCES = corpus()
SMALL = {"vector_size": 8, "workers": 1, "seed": 1}


def ours(**kwargs) -> Word2Vec:
    return Word2Vec(**{**SMALL, **kwargs})


def theirs(**kwargs) -> GensimW2V:
    return GensimW2V(**{**SMALL, **kwargs})


def rule(word: str, count: int, min_count: int) -> int:
    if word == "the":
        return RULE_DISCARD
    if word == "zebra":
        return RULE_KEEP
    return RULE_DEFAULT


def test_rule_values_are_gensims():
    assert (RULE_DEFAULT, RULE_DISCARD, RULE_KEEP) == (G_DEFAULT, G_DISCARD, G_KEEP)


@pytest.mark.parametrize("min_count", [1, 3, 5])
def test_trim_rule_keeps_and_discards_as_gensim(min_count):
    seen: list[tuple[str, int, int]] = []

    def recording(word, count, mc):
        seen.append((word, count, mc))
        return rule(word, count, mc)

    model = ours(min_count=min_count)
    model.build_vocab(SENTENCES, trim_rule=recording)
    g = theirs(min_count=min_count)
    g.build_vocab(SENTENCES, trim_rule=rule)
    assert model.wv.index_to_key == g.wv.index_to_key
    assert "the" not in model.wv and "zebra" in model.wv
    assert sorted(seen) == sorted((w, c, min_count) for w, c in COUNTS.items())


def test_trim_rule_in_the_constructor_and_in_pruning():
    model = ours(sentences=SENTENCES, min_count=5, trim_rule=rule, epochs=1)
    g = theirs(sentences=SENTENCES, min_count=5, trim_rule=rule, epochs=1)
    assert model.wv.index_to_key == g.wv.index_to_key
    # max_vocab_size prunes while counting; a kept word survives it, a discarded one never counts
    pruned = ours(min_count=1, max_vocab_size=6)
    pruned.build_vocab(SENTENCES, trim_rule=rule)
    assert "zebra" in pruned.wv and "the" not in pruned.wv


def test_trim_rule_applies_to_words_added_by_an_update():
    model = ours(sentences=SENTENCES, min_count=3, epochs=1)
    known = len(model.wv)
    more = [["gnu", "gnu", "gnu", "emu", "emu", "emu", "ant"]] * 2
    model.build_vocab(more, update=True, trim_rule=lambda w, c, m: 2 if w == "ant" else 1)
    assert model.wv.index_to_key[known:] == ["ant"]


def test_trim_rule_must_be_callable():
    with pytest.raises(ParameterError, match="trim_rule"):
        ours().build_vocab(SENTENCES, trim_rule=3)


@pytest.mark.parametrize("sorted_vocab", [0, 1])
def test_sorted_vocab_orders_as_gensim(sorted_vocab):
    model = ours(min_count=2, sorted_vocab=sorted_vocab)
    model.build_vocab(SENTENCES)
    g = theirs(min_count=2, sorted_vocab=sorted_vocab)
    g.build_vocab(SENTENCES)
    assert model.wv.index_to_key == g.wv.index_to_key
    assert model.sorted_vocab == sorted_vocab
    counts = [COUNTS[w] for w in model.wv.index_to_key]
    assert (counts == sorted(counts, reverse=True)) == bool(sorted_vocab)
    model.train(SENTENCES, epochs=1)  # a Huffman tree and sampler over unsorted counts work


def test_unsorted_vocabulary_trains_hierarchical_softmax():
    model = ours(sentences=SENTENCES, min_count=1, sorted_vocab=0, hs=1, negative=0, epochs=2)
    assert np.isfinite(model.loss_history).all() and model.loss_history[-1] > 0


FREQ_CASES = [{}, {"min_count": 3}, {"max_final_vocab": 4}, {"trim_rule": rule, "min_count": 2},
              {"sorted_vocab": 0}]  # fmt: skip


@pytest.mark.parametrize("kwargs", FREQ_CASES)
def test_build_vocab_from_freq_matches_gensim(kwargs):
    trim = kwargs.pop("trim_rule", None)
    model = ours(**kwargs).build_vocab_from_freq(COUNTS, corpus_count=11, trim_rule=trim)
    g = theirs(**kwargs)
    g.build_vocab_from_freq(COUNTS, corpus_count=11, trim_rule=trim)
    assert model.wv.index_to_key == g.wv.index_to_key
    assert [model.wv.get_vecattr(w, "count") for w in model.wv.index_to_key] == [
        g.wv.get_vecattr(w, "count") for w in g.wv.index_to_key
    ]
    assert model.corpus_count == g.corpus_count == 11
    assert model.effective_min_count == g.effective_min_count
    model.train(SENTENCES, epochs=1)


def test_build_vocab_from_freq_update_and_bad_counts():
    model = ours(min_count=2).build_vocab_from_freq(COUNTS)
    model.train(SENTENCES, epochs=1)
    before = model.wv.vectors.copy()
    model.build_vocab_from_freq({"the": 5, "gnu": 4, "emu": 1}, update=True)
    assert model.wv.index_to_key[-1] == "gnu" and "emu" not in model.wv
    assert model.wv.get_vecattr("the", "count") == 45
    np.testing.assert_array_equal(model.wv.vectors[: len(before)], before)
    with pytest.raises(ParameterError, match="count of 'b'"):
        ours().build_vocab_from_freq({"a": 3, "b": -1})
    with pytest.raises(ParameterError, match="word"):
        ours(min_count=1).build_vocab_from_freq({"a b": 3, "c": 3})
    with pytest.raises(ParameterError, match="trained"):
        model.build_vocab_from_freq(COUNTS)


def test_effective_min_count_follows_max_final_vocab_as_gensim():
    model = ours(min_count=1, max_final_vocab=5)
    model.build_vocab(SENTENCES)
    g = theirs(min_count=1, max_final_vocab=5)
    g.build_vocab(SENTENCES)
    assert model.effective_min_count == g.effective_min_count == 8
    assert model.wv.index_to_key == g.wv.index_to_key


def test_train_keeps_the_epochs_and_learning_rate_it_was_given_as_gensim():
    model = ours(min_count=1)
    model.build_vocab(SENTENCES)
    g = theirs(min_count=1)
    g.build_vocab(SENTENCES)
    model.train(SENTENCES, total_examples=model.corpus_count, epochs=3, start_alpha=0.02,
                end_alpha=0.001, compute_loss=True)  # fmt: skip
    g.train(SENTENCES, total_examples=g.corpus_count, epochs=3, start_alpha=0.02,
            end_alpha=0.001, compute_loss=True)  # fmt: skip
    for name in ("epochs", "alpha", "min_alpha", "compute_loss", "corpus_count", "train_count"):
        assert getattr(model, name) == getattr(g, name), name
    assert model.corpus_total_words == g.corpus_total_words
    assert model.total_train_time > 0 and model.layer1_size == g.layer1_size == 8
    assert len(model.loss_history) == 3
    model.train(SENTENCES)  # the epochs given last time
    assert len(model.loss_history) == 6 and model.train_count == 2


def test_compute_loss_comment_hashfxn_and_batch_words(tmp_path):
    model = ours(sentences=SENTENCES, min_count=1, compute_loss=True, comment="run 7",
                 hashfxn=hash, batch_words=50, epochs=1)  # fmt: skip
    assert model.compute_loss is True and model.get_latest_training_loss() > 0
    assert model.running_training_loss == model.get_latest_training_loss()
    assert model.hashfxn is hash and model.batch_words == 50 and model._chunk_size() == 50
    model.save(tmp_path / "m.w2v")
    back = Word2Vec.load(tmp_path / "m.w2v")
    assert back.comment == "run 7" and back.batch_words == 50
    # chunks key the random streams: the chunk size changes the vectors, reproducibly
    again = ours(sentences=SENTENCES, min_count=1, batch_words=50, epochs=1)
    np.testing.assert_array_equal(again.wv.vectors, model.wv.vectors)
    default = ours(sentences=SENTENCES, min_count=1, epochs=1)
    assert default.batch_words is None and default._chunk_size() == 1 << 16


def test_train_accepts_gensims_word_count_and_queue_factor():
    model = ours(min_count=1)
    model.build_vocab(SENTENCES)
    model.train(SENTENCES, total_examples=model.corpus_count, epochs=1, word_count=0,
                queue_factor=4)  # fmt: skip
    assert model.epochs_trained == 1
    with pytest.raises(ParameterError, match="word_count"):
        model.train(SENTENCES, epochs=1, word_count=10)


def test_bad_new_parameters_are_refused_naming_them():
    with pytest.raises(ParameterError, match="null_word must be 0"):
        ours(null_word=1)
    ours(null_word=0)
    for name, value in [("batch_words", 0), ("comment", 3), ("sorted_vocab", 2),
                        ("compute_loss", "yes")]:  # fmt: skip
        with pytest.raises(ParameterError, match=name):
            ours(**{name: value})


def test_attributes_are_writable_as_in_gensim_and_validated():
    model = ours(sentences=SENTENCES, min_count=1, epochs=1)
    model.alpha, model.epochs, model.window, model.compute_loss = 0.01, 2, 3, True
    assert (model.params.alpha, model.params.epochs, model.params.window) == (0.01, 2, 3)
    model.train(SENTENCES)
    assert len(model.loss_history) == 3
    with pytest.raises(ParameterError, match="window"):
        model.window = 0
    assert model.window == 3
    with pytest.raises(ParameterError, match="vector_size cannot change"):
        model.vector_size = 4


def test_gensim3_model_names_say_where_they_went():
    model = ours()
    with pytest.raises(
        AttributeError, match=r"gensim 3 name; gensim 4 and w2v use model\.vector_size"
    ):
        model.size  # noqa: B018
    with pytest.raises(AttributeError, match=r"model\.wv\.most_similar"):
        model.most_similar("the")
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        model.nope  # noqa: B018
    assert not hasattr(model, "iter")


def test_lifecycle_events_are_recorded(caplog):
    model = ours()
    with caplog.at_level(logging.INFO, logger="w2v.lifecycle"):
        model.add_lifecycle_event("tagged", note="x")
    assert model.lifecycle_events[-1]["event"] == "tagged"
    assert model.lifecycle_events[-1]["note"] == "x" and "tagged" in caplog.text
