"""Vocabulary counting, filtering, ordering and word2vec.c vocabulary files."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from w2v.corpus import Corpus
from w2v.errors import FormatError, ParameterError
from w2v.vocabulary import LINE_END, Vocabulary, WordTable


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


def test_recorded_ids_survive_the_table_growing_after_a_newline():
    # every word is new and follows a newline, so each growth stops counting right there
    table = WordTable(capacity=16, byte_capacity=16)
    n = 300
    data = np.frombuffer(("\n".join(f"w{i}" for i in range(n)) + "\n").encode(), np.uint8)
    ids = np.empty(data.shape[0] + 1, np.int32)
    tokens, k = table.count_with_ids(data, ids)
    expected = np.full(2 * n, LINE_END, np.int32)
    expected[0::2] = np.arange(n)
    assert tokens == n
    np.testing.assert_array_equal(ids[:k], expected)
    assert [table.word(int(i)) for i in ids[:6:2]] == [b"w0", b"w1", b"w2"]


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


def test_load_word2vec_c_vocab_round_trips_unicode_spaces(tmp_path):
    # word2vec.c splits on ASCII whitespace only; "a\xa0b" (NBSP) and "x\u2028y" are words.
    vocab = Vocabulary(["a\xa0b", "x\u2028y", "naïve"], np.array([9, 5, 2]))
    path = tmp_path / "vocab.txt"
    vocab.save(path)
    loaded = Vocabulary.load(path)
    assert loaded.words == vocab.words and loaded.counts.tolist() == [9, 5, 2]
    path.write_bytes(b"b 1\r\n\r\na 3\r\n")  # CRLF and blank lines; sorted by count
    assert Vocabulary.load(path).words == ["a", "b"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"the 5\nof\n", r"vocab.txt:2: expected 'word count', got b'of'"),
        (b"the 5 6\n", "expected 'word count'"),
        (b"the -5\n", "expected 'word count'"),
        (b"the \xc2\xb2\n", "expected 'word count'"),  # '²'.isdigit() is True: not a count
        (b"the 99999999999999999999\n", "count 99999999999999999999 does not fit in int64"),
        (b"ok 1\nbad\xff 2\n", r"vocab.txt:2: word b'bad\\xff' is not valid UTF-8"),
        (b"a 2\nb 1\na 1\n", "vocab.txt:3: word 'a' already given on line 1"),
    ],
)
def test_load_bad_vocab_file_raises_format_error(tmp_path, content, message):
    path = tmp_path / "vocab.txt"
    path.write_bytes(content)
    with pytest.raises(FormatError, match=message):
        Vocabulary.load(path)


def test_load_missing_vocab_file(tmp_path):
    with pytest.raises(FormatError, match="nope.txt: cannot open"):
        Vocabulary.load(tmp_path / "nope.txt")


# ------------------------------------------------------------ the pass on every thread
def _count(path, threads, **kw):
    from w2v.vocab_pass import count_corpus

    return count_corpus(Corpus(path), threads, **kw)[0]


def test_ties_keep_first_appearance_across_ranges(tmp_path):
    # 600 words, each seen exactly 3 times: the order is the order of first appearance,
    # which for most words is in a later range than their other occurrences' ranges
    words = [f"t{(i * 7919) % 600}" for i in range(600)]
    lines = [" ".join(words[i : i + 6]) for i in range(0, 600, 6)]
    path = tmp_path / "ties.txt"
    path.write_text("\n".join(lines + lines[::-1] + lines[::2] + lines[1::2]) + "\n")
    for threads in (1, 2, 3, 4, 7):
        vocab = _count(path, threads, min_count=1)
        assert vocab.words == words
        assert set(vocab.counts.tolist()) == {3}


@pytest.mark.parametrize("threads", [2, 3, 4])
def test_max_vocab_size_on_several_threads_bounds_the_table_and_keeps_frequent_words(
    tmp_path, threads
):
    # 5 words on every line, 20,000 distinct rare ones
    rare = iter(range(10**6))
    lines = [" ".join(["a", "b", "c", "d", "e"] + [f"r{next(rare)}" for _ in range(50)])
             for _ in range(400)]  # fmt: skip
    path = tmp_path / "c.txt"
    path.write_text("\n".join(lines) + "\n")
    one = Vocabulary.build(Corpus(path).blocks(), min_count=1, max_vocab_size=100)
    assert _count(path, 1, min_count=1, max_vocab_size=100).words == one.words
    vocab = _count(path, threads, min_count=1, max_vocab_size=100)
    assert len(vocab) <= 100
    assert vocab.words[:5] == ["a", "b", "c", "d", "e"]
    assert vocab.counts[:5].tolist() == [400] * 5
    assert vocab.total_tokens == 400 * 55


def test_merging_tables_adds_counts_and_appends_new_words_in_order():
    a, b = WordTable(), WordTable()
    a.count(np.frombuffer(b"x y x z\n", dtype=np.uint8))
    b.count(np.frombuffer(b"q y q q w x\n", dtype=np.uint8))
    ids = a.add_table(b)
    assert [a.word(i) for i in range(a.n_words)] == [b"x", b"y", b"z", b"q", b"w"]
    assert a.counts[: a.n_words].tolist() == [3, 2, 1, 3, 1]
    assert ids.tolist() == [3, 1, 4, 0]  # b's words q, y, w, x
