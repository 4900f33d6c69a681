"""Phrase detection: exact counts, word2phrase's score and greedy joining, streaming."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest

from w2v.corpus import Corpus
from w2v.errors import ParameterError
from w2v.phrases import Phrases, count_ngrams


def brute_counts(lines: list[str]) -> tuple[Counter, Counter]:
    uni: Counter = Counter()
    bi: Counter = Counter()
    for line in lines:
        words = line.split()
        uni.update(words)
        bi.update(zip(words, words[1:], strict=False))
    return uni, bi


def random_lines(seed: int, n_lines: int, vocab_size: int, length: int) -> list[str]:
    rng = np.random.default_rng(seed)
    # Zipf-like frequencies so that some pairs repeat and some words are rare
    p = 1.0 / np.arange(1, vocab_size + 1)
    vocab = np.array([f"w{i}" for i in range(vocab_size)] + ["é", "日本"], dtype=object)
    p = np.concatenate([p, [p[-1], p[-1]]])
    return [" ".join(rng.choice(vocab, size=rng.integers(0, length), p=p / p.sum()))
            for _ in range(n_lines)]  # fmt: skip


def as_blocks(text: str, cuts: int) -> list[np.ndarray]:
    """UTF-8 blocks cut at spaces (never inside a token), some in the middle of a line."""
    data = text.encode()
    spaces = [i + 1 for i, b in enumerate(data) if b == 32]
    rng = np.random.default_rng(1)
    points = sorted(set(rng.choice(spaces, size=min(cuts, len(spaces)), replace=False)))
    pieces = np.split(np.frombuffer(data, np.uint8), points)
    return [p for p in pieces if p.size]


@pytest.mark.parametrize("cuts", [0, 7, 300])
def test_counts_match_brute_force(cuts):
    lines = random_lines(0, 300, 60, 25)
    text = "\n".join(lines) + "\n"
    counts = count_ngrams(as_blocks(text, cuts))
    uni, bi = brute_counts(lines)
    assert counts.word_counts() == dict(uni)
    assert counts.bigram_counts() == dict(bi)
    assert counts.train_words == sum(uni.values())


def test_counts_through_table_growth_and_pruning():
    lines = random_lines(2, 2000, 5000, 30)  # outgrows the initial tables several times
    text = "\n".join(lines) + "\n"
    uni, bi = brute_counts(lines)
    counts = count_ngrams(as_blocks(text, 0))
    assert counts.bigram_counts() == dict(bi)
    bounded = count_ngrams(as_blocks(text, 50), max_vocab_size=3000)
    assert bounded.words.n_words + bounded.n_pairs <= 3000  # memory stays bounded
    got = bounded.bigram_counts()
    assert got and all(c <= bi[k] for k, c in got.items())  # pruning only forgets
    top = [k for k, _ in bi.most_common(5)]
    assert all(k in got for k in top)  # frequent pairs survive


def planted_corpus(n: int = 800, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    vocab = [f"w{i}" for i in range(150)]
    lines = []
    for _ in range(n):
        words = list(rng.choice(vocab, size=12))
        words.insert(int(rng.integers(0, 12)), "new york")
        lines.append(" ".join(words))
    return lines


def test_planted_bigram_joined_random_ones_not(tmp_path):
    lines = planted_corpus()
    path = tmp_path / "c.txt"
    path.write_text("\n".join(lines) + "\n")
    ph = Phrases(path, min_count=5, threshold=10)
    assert set(ph.export_phrases()) == {"new_york"}
    uni, bi = brute_counts(lines)
    count, score = ph.export_phrases()["new_york"]
    n = sum(uni.values())
    assert count == bi[("new", "york")]
    assert score == pytest.approx((count - 5) / (uni["new"] * uni["york"]) * n)
    out = tmp_path / "out.txt"
    written = ph.save_corpus(out)
    result = out.read_text().splitlines()
    assert result == [line.replace("new york", "new_york") for line in lines]
    assert written == n - len(lines)


def test_npmi_scoring(tmp_path):
    lines = planted_corpus()
    ph = Phrases([line.split() for line in lines], scoring="npmi", threshold=0.5)
    phrases = ph.export_phrases()
    assert set(phrases) == {"new_york"}
    uni, bi = brute_counts(lines)
    n = sum(uni.values())
    pab, pa, pb = bi[("new", "york")] / n, uni["new"] / n, uni["york"] / n
    assert phrases["new_york"][1] == pytest.approx(math.log(pab / (pa * pb)) / -math.log(pab))
    with pytest.raises(ParameterError):
        Phrases(scoring="npmi", threshold=5)


def test_greedy_left_to_right_and_passes():
    # "a b" and "b c" both qualify; word2phrase joins the first and leaves c alone
    sentences = [["a", "b", "c"]] * 50 + [["x", "y", "z", "t"]] * 50 + [["q"]] * 500
    ph = Phrases(sentences, min_count=5, threshold=1)
    assert ph.transform(["a", "b", "c"]) == ["a_b", "c"]
    assert ph["x y z t".split()] == ["x_y", "z_t"]
    two = Phrases(sentences, min_count=5, threshold=[1, 1], passes=2)
    assert two.transform("x y z t".split()) == ["x_y_z_t"]
    assert two.transform(["unknown", "x", "y"]) == ["unknown", "x_y"]


def test_transformed_corpus_feeds_word2vec(tmp_path):
    from w2v.word2vec import Word2Vec

    lines = planted_corpus(300)
    ph = Phrases([line.split() for line in lines], threshold=10)
    sentences = ph.transform_corpus()
    first = next(iter(sentences))
    assert "new_york" in first and first == next(iter(sentences))  # restartable
    model = Word2Vec(sentences, vector_size=8, epochs=1, min_count=5, workers=1)
    assert "new_york" in model.vocab and "new" not in model.vocab


def test_streams_a_file_in_blocks(tmp_path, monkeypatch):
    import w2v.corpus

    monkeypatch.setattr(w2v.corpus, "BLOCK_BYTES", 64)  # many tiny blocks
    lines = planted_corpus(200)
    path = tmp_path / "c.txt"
    path.write_text("\n".join(lines) + "\n")
    assert len(list(Corpus(path).blocks())) > 100
    ph = Phrases(path, threshold=10)
    assert set(ph.export_phrases()) == {"new_york"}
    assert list(ph.transform_corpus()) == [
        line.replace("new york", "new_york").split() for line in lines
    ]


def test_bad_parameters():
    with pytest.raises(ParameterError):
        Phrases(min_count=0)
    with pytest.raises(ParameterError):
        Phrases(delimiter=" ")
    with pytest.raises(ParameterError):
        Phrases(passes=0)
    with pytest.raises(ParameterError):
        Phrases().transform(["a"])
