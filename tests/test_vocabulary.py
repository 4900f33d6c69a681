"""Vocabulary counting, filtering, ordering and word2vec.c vocabulary files."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from w2v.corpus import Corpus
from w2v.errors import ParameterError
from w2v.vocabulary import Vocabulary, WordTable


def build(sentences, **kw) -> Vocabulary:
    return Vocabulary.build(Corpus(sentences).blocks(), **kw)


def zipf_corpus(n_sentences=300, seed=0):
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(2000)] + ["caf\u00e9", "\u65e5\u672c"]
    p = 1.0 / np.arange(1, len(words) + 1)
    return [list(rng.choice(words, 40, p=p / p.sum())) for _ in range(n_sentences)]


def test_counts_equal_counter_sorted_with_stable_ties():
    sentences = zipf_corpus()
    vocab = build(sentences, min_count=3)
    counter = Counter(w for s in sentences for w in s)
    first_seen = {w: i for i, w in reversed(list(enumerate(w for s in sentences for w in s)))}
    expected = sorted(
        (w for w, c in counter.items() if c >= 3), key=lambda w: (-counter[w], first_seen[w])
    )
    assert vocab.words == expected
    assert vocab.counts.tolist() == [counter[w] for w in expected]
    assert vocab.total_tokens == sum(counter.values())


def test_max_final_vocab_raises_min_count_like_gensim():
    sentences = zipf_corpus()
    full = build(sentences, min_count=1)
    capped = build(sentences, min_count=1, max_final_vocab=100)
    assert len(capped) <= 100
    # all words above the cut kept, and the cut does not split a tie
    cut = capped.counts.min()
    assert capped.words == [w for w, c in zip(full.words, full.counts, strict=True) if c >= cut]


def test_max_vocab_size_bounds_the_table_and_keeps_frequent_words():
    sentences = zipf_corpus(600)
    pruned = build(sentences, min_count=1, max_vocab_size=300)
    full = build(sentences, min_count=1)
    assert len(pruned) <= 300 + 40 * 600  # at most one block of new words past the bound
    top = full.words[:20]
    assert pruned.words[:20] == top


def test_word_table_grows_and_prunes():
    table = WordTable(capacity=16)
    data = " ".join(f"word{i}" for i in range(5000) for _ in range(1 + i % 3)).encode()
    assert table.count(np.frombuffer(data, np.uint8)) == sum(1 + i % 3 for i in range(5000))
    assert table.n_words == 5000
    table.prune(1)
    assert table.n_words == sum(1 for i in range(5000) if 1 + i % 3 > 1)
    assert table.word(0) == b"word1"
    # lookups still work after pruning: counting again finds the same ids
    table.count(np.frombuffer(b"word1 word2", np.uint8))
    assert table.n_words == sum(1 for i in range(5000) if 1 + i % 3 > 1)


def test_save_and_load_word2vec_c_vocab(tmp_path):
    vocab = build(zipf_corpus(), min_count=2)
    path = tmp_path / "vocab.txt"
    vocab.save(path)
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first == f"{vocab.words[0]} {vocab.counts[0]}"
    loaded = Vocabulary.load(path)
    assert loaded.words == vocab.words and np.array_equal(loaded.counts, vocab.counts)
    # word2vec.c writes a </s> entry first; it is not a word of ours
    path.write_text("</s> 0\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    assert Vocabulary.load(path).words == vocab.words


def test_bad_parameters():
    with pytest.raises(ParameterError, match="min_count"):
        build([["a"]], min_count=0)
    with pytest.raises(ParameterError, match="max_vocab_size"):
        build([["a"]], max_vocab_size=0)
