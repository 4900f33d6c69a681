"""Vocabulary.grow: gensim's update=True counting, with stable ids and a cap that never evicts."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from w2v.corpus import Corpus, EncodedCorpus, IdSpool
from w2v.errors import ParameterError
from w2v.vocabulary import Vocabulary


def build(sentences: list[list[str]], min_count: int, **kw) -> Vocabulary:
    return Vocabulary.build(Corpus(sentences).blocks(), min_count=min_count, **kw)


def expected_growth(old_text, new_text, min_count, max_final_vocab=None):
    """The documented rule, stated with Counters: (words, counts) of the grown vocabulary."""
    old_counts = Counter(w for s in old_text for w in s)
    new_counts = Counter(w for s in new_text for w in s)  # first-appearance order
    old = [w for w, c in sorted(old_counts.items(), key=lambda wc: -wc[1]) if c >= min_count]
    fresh = [(w, c) for w, c in new_counts.items() if w not in old]
    threshold = min_count
    if max_final_vocab is not None:
        room = max(0, max_final_vocab - len(old))
        ranked = sorted((c for _, c in fresh), reverse=True)
        if sum(c >= threshold for c in ranked) > room:
            threshold = max(threshold, ranked[room] + 1)
    added = sorted([(w, c) for w, c in fresh if c >= threshold], key=lambda wc: -wc[1])
    words = old + [w for w, _ in added]
    counts = [old_counts[w] + new_counts[w] for w in old] + [c for _, c in added]
    return words, counts


texts = st.lists(
    st.lists(st.sampled_from([f"w{i}" for i in range(30)]), min_size=1, max_size=12),
    min_size=1,
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(
    old_text=texts,
    new_text=texts,
    min_count=st.integers(1, 4),
    cap=st.one_of(st.none(), st.integers(1, 35)),
)
def test_grow_follows_the_rule(old_text, new_text, min_count, cap):
    old = build(old_text, min_count)
    if not len(old):
        return
    grown, old_ids = old.grow(build(new_text, 1), min_count=min_count, max_final_vocab=cap)
    words, counts = expected_growth(old_text, new_text, min_count, cap)
    assert grown.words == words
    assert grown.counts.tolist() == counts
    assert grown.words[: len(old)] == old.words  # known words keep their ids
    assert old_ids.tolist() == list(range(len(old)))
    assert grown.total_tokens == sum(map(len, old_text)) + sum(map(len, new_text))
    if cap is not None and len(grown) > len(old):
        assert len(grown) <= cap


def test_new_words_need_min_count_in_the_new_text_alone():
    old = build([["a", "a", "a", "b", "b", "c"]], min_count=2)  # c (count 1) was not kept
    grown, _ = old.grow(build([["c", "d", "d", "a"]], 1), min_count=2)
    assert grown.words == ["a", "b", "d"]
    assert grown.counts.tolist() == [4, 2, 2]


def test_the_cap_never_evicts_a_known_word():
    old = build([["a"] * 5 + ["b"] * 4 + ["c"] * 3], min_count=1)
    grown, old_ids = old.grow(build([["x"] * 9 + ["y"] * 9 + ["z"]], 1), 1, max_final_vocab=2)
    assert grown.words == ["a", "b", "c"]  # already over the cap: nothing added, nothing lost
    assert grown.counts.tolist() == [5, 4, 3] and old_ids.tolist() == [0, 1, 2]
    # one slot left and two words tied for it: neither is added (the rule build() applies)
    grown, _ = old.grow(build([["x"] * 9 + ["y"] * 9 + ["z"] * 8], 1), 1, max_final_vocab=4)
    assert grown.words == ["a", "b", "c"]
    grown, _ = old.grow(build([["x"] * 9 + ["y"] * 9 + ["z"] * 8], 1), 1, max_final_vocab=5)
    assert grown.words == ["a", "b", "c", "x", "y"]


def test_grown_vocabulary_encodes_the_new_text_from_its_counting_ids(tmp_path):
    old = build([["the", "cat", "sat", "the", "mat"]] * 3, min_count=2)
    path = tmp_path / "new.txt"
    path.write_text("the dog sat\na dog and a cat\nrare words here\n" * 2)
    spool = IdSpool(tmp_path)
    new = Vocabulary.build(Corpus(path).blocks(), min_count=1, ids_sink=spool)
    grown, _ = old.grow(new, min_count=2)
    assert grown.words == ["the", "cat", "sat", "mat", "dog", "a", "and", "rare", "words", "here"]
    with EncodedCorpus.from_spool(spool, grown) as fast, EncodedCorpus(Corpus(path), grown) as ref:
        for c in range(ref.n_chunks):
            np.testing.assert_array_equal(fast.read(c), ref.read(c))
        assert (fast.n_words, fast.n_raw_words) == (ref.n_words, ref.n_raw_words)
    spool.close()


def test_grow_checks_its_parameters():
    old = build([["a", "a"]], min_count=1)
    with pytest.raises(ParameterError, match="min_count"):
        old.grow(build([["b"]], 1), min_count=0)
    with pytest.raises(ParameterError, match="max_final_vocab"):
        old.grow(build([["b"]], 1), max_final_vocab=0)
