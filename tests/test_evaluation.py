"""Analogy and word-pair evaluation: equal to gensim 4.4 on the real evaluation sets."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from gensim.models import KeyedVectors as GensimKV
from gensim.models import Word2Vec

import w2v.evaluation as evaluation
from w2v.errors import FormatError, ParameterError, W2VError
from w2v.evaluation import evaluate_word_analogies, evaluate_word_pairs
from w2v.keyed_vectors import KeyedVectors


def to_gensim(kv: KeyedVectors, dtype: type = np.float32) -> GensimKV:
    g = GensimKV(kv.vector_size, dtype=dtype)
    g.add_vectors(kv.index_to_key, kv.vectors.astype(dtype))
    return g


@pytest.fixture(scope="module")
def questions(data_file) -> Path:
    """The Google analogy set (19,544 questions, bundled)."""
    return data_file("questions-words.txt")


@pytest.fixture(scope="module")
def random_kv(questions) -> KeyedVectors:
    """Random vectors over the analogy vocabulary, with mixed-case variants of each word."""
    words, seen = [], set()
    for line in questions.read_text().splitlines():
        if line.startswith(":"):
            continue
        for w in line.split():
            for variant in (w.lower(), w):
                if variant not in seen:
                    seen.add(variant)
                    words.append(variant)
    rng = np.random.default_rng(0)
    rng.shuffle(words)  # case variants in both frequency orders
    return KeyedVectors(words, rng.standard_normal((len(words), 16)).astype(np.float32))


@pytest.fixture(scope="module")
def trained(real_words) -> tuple[KeyedVectors, GensimKV]:
    """Vectors trained by gensim on the first ~1M words of the shared corpus (a few seconds)."""
    tokens = real_words(1_006_996)  # the whole words of its first 6 MB
    sentences = [tokens[i : i + 1000] for i in range(0, len(tokens), 1000)]
    model = Word2Vec(sentences, vector_size=32, min_count=5, workers=1, epochs=1, seed=1)
    g = model.wv
    counts = np.array([g.get_vecattr(w, "count") for w in g.index_to_key], dtype=np.int64)
    return KeyedVectors(list(g.index_to_key), g.vectors.copy(), counts), g


def assert_same_as_gensim(ours, gensim_result) -> None:
    score, sections = gensim_result
    mine = ours.to_gensim()
    assert mine[0] == pytest.approx(score, abs=1e-12)
    assert [s["section"] for s in mine[1]] == [s["section"] for s in sections]
    for a, b in zip(mine[1], sections, strict=True):
        assert sorted(a["correct"]) == sorted(b["correct"]), a["section"]
        assert sorted(a["incorrect"]) == sorted(b["incorrect"]), a["section"]


# ------------------------------------------------------------------ analogies vs gensim


@pytest.mark.parametrize(
    ("restrict", "case_insensitive"), [(300000, True), (300000, False), (600, True)]
)
def test_analogies_equal_gensim_random_vectors(random_kv, restrict, case_insensitive, questions):
    ours = evaluate_word_analogies(
        random_kv, questions, restrict_vocab=restrict, case_insensitive=case_insensitive
    )
    theirs = to_gensim(random_kv).evaluate_word_analogies(
        str(questions), restrict_vocab=restrict, case_insensitive=case_insensitive
    )
    assert_same_as_gensim(ours, theirs)
    assert ours.total.n_questions == 19544


def test_analogies_equal_gensim_trained_vectors(trained, questions):
    kv, g = trained
    ours = evaluate_word_analogies(kv, questions, restrict_vocab=4000)
    theirs = g.evaluate_word_analogies(str(questions), restrict_vocab=4000)
    assert_same_as_gensim(ours, theirs)
    assert ours.total.n_correct > 0  # real vectors solve some questions: the test has teeth
    assert ours.total.n_seen + ours.total.skipped == 19544


def test_analogies_dummy4unknown_equals_gensim(random_kv, questions):
    ours = evaluate_word_analogies(random_kv, questions, restrict_vocab=600, dummy4unknown=True)
    theirs = to_gensim(random_kv).evaluate_word_analogies(
        str(questions), restrict_vocab=600, dummy4unknown=True
    )
    assert_same_as_gensim(ours, theirs)
    assert ours.total.skipped == 0 and ours.total.n_seen == 19544


def test_analogy_sections_and_split(random_kv, questions):
    result = evaluate_word_analogies(random_kv, questions)
    assert len(result.sections) == 14
    assert result.sections[0].name == "capital-common-countries"
    assert result.semantic.n_questions == 8869 and result.syntactic.n_questions == 10675
    assert result.total.n_questions == 19544 and result.total.skipped == 0
    assert result.semantic.n_correct + result.syntactic.n_correct == result.total.n_correct
    assert result.oov_ratio == 0.0 and result.method == "3cosadd"
    assert "Total accuracy" in result.summary()


def test_blocking_and_ties_do_not_change_answers(random_kv, monkeypatch, questions):
    # Duplicate some vectors so exact ties occur; answers must not depend on the block size.
    vectors = random_kv.vectors.copy()
    vectors[1::50] = vectors[0::50][: len(vectors[1::50])]
    kv = KeyedVectors(random_kv.index_to_key, vectors)
    expected = evaluate_word_analogies(kv, questions, restrict_vocab=800)
    monkeypatch.setattr(evaluation, "_BLOCK_ELEMENTS", 800 * 37)  # 37 questions per block
    again = evaluate_word_analogies(kv, questions, restrict_vocab=800)
    assert again.to_gensim() == expected.to_gensim()


def reference_answers(kv: KeyedVectors, path: Path, restrict: int, method: str) -> list[bool]:
    """One most_similar(_cosmul) query per question, with gensim's candidate rule."""
    keys = kv.index_to_key[:restrict]
    vocab = {k.upper(): i for i, k in reversed(list(enumerate(keys)))}
    answers = []
    for line in path.read_text().splitlines():
        words = [w.upper() for w in line.split()]
        if line.startswith(":") or len(words) != 4 or any(w not in vocab for w in words):
            continue
        a, b, c, d = (keys[vocab[w]] for w in words)
        query = kv.most_similar if method == "3cosadd" else kv.most_similar_cosmul
        candidates = query([b, c], [a], topn=5, restrict_vocab=restrict)
        predicted = None
        for word, _ in candidates:
            predicted = word.upper()
            if predicted not in words[:3]:
                break
        answers.append(predicted == words[3])
    return answers


@pytest.mark.parametrize("method", ["3cosadd", "3cosmul"])
def test_batched_equals_one_query_per_question(trained, method, questions):
    kv, _ = trained
    result = evaluate_word_analogies(kv, questions, restrict_vocab=1000, method=method)
    expected = reference_answers(kv, questions, 1000, method)
    assert result.total.n_seen == len(expected)
    assert result.total.n_correct == sum(expected)


def test_case_variant_of_a_question_word_is_not_an_answer(tmp_path):
    # "B" (a case variant of question word b) is the nearest candidate: gensim skips it.
    words = ["a", "b", "c", "d", "B", "x"]
    vectors = np.array(
        [[1, 0, 0], [0, 1, 0], [0, 0, 1], [0.1, 0.9, 0.9], [-1, 1, 1], [0, -1, 0]], np.float32
    )
    kv = KeyedVectors(words, vectors)
    path = tmp_path / "q.txt"
    path.write_text(": s\na b c d\n")
    assert kv.most_similar(["b", "c"], ["a"], topn=1)[0][0] == "B"
    result = evaluate_word_analogies(kv, path)
    assert result.total.n_correct == 1
    theirs = to_gensim(kv).evaluate_word_analogies(str(path))
    assert_same_as_gensim(result, theirs)


def test_analogy_file_errors(random_kv, tmp_path):
    path = tmp_path / "q.txt"
    path.write_text("athens greece baghdad iraq\n")
    with pytest.raises(FormatError, match=r"q.txt: line 1: question before any ': section'"):
        evaluate_word_analogies(random_kv, path)
    path.write_text(": s\nathens greece baghdad\n\nathens greece baghdad iraq\n")
    result = evaluate_word_analogies(random_kv, path)
    assert result.invalid_lines == 2 and result.total.n_questions == 1
    with pytest.raises(ParameterError, match="method"):
        evaluate_word_analogies(random_kv, path, method="3cosmax")
    with pytest.raises(ParameterError, match="restrict_vocab"):
        evaluate_word_analogies(random_kv, path, restrict_vocab=0)
    with pytest.raises(FormatError, match="cannot open"):
        evaluate_word_analogies(random_kv, tmp_path / "missing.txt")


# ------------------------------------------------------------------ word pairs


class _ExactKV(GensimKV):
    """gensim's KeyedVectors whose float64 ``similarity`` is summed exactly (math.fsum).

    numpy's float64 dot can differ in the last bit from one call to the next on the same two
    vectors (its SIMD path depends on where the copies land in memory; seen with numpy 2.4),
    so cos(a, b) and cos(b, a) need not be equal. A data set that lists a pair both ways
    (EN-MTurk-287: gasoline/stock, stock/gasoline) then ties or does not, at random. Exactly
    rounded sums make the cosine a function of the two vectors alone."""

    def similarity(self, w1, w2):
        a, b = self[w1].astype(np.float64), self[w2].astype(np.float64)
        norms = math.sqrt(math.fsum(a * a)) * math.sqrt(math.fsum(b * b))
        return math.fsum(a * b) / norms if norms else 0.0


@pytest.fixture(scope="module")
def trained_float64(trained) -> GensimKV:
    """gensim over float64 copies of the trained vectors: its cosines are then exact to ~1e-16.

    Spearman's rho is a function of ranks, and float32 cosines (gensim's, ~1e-7 off) can tie
    or swap pairs whose true similarities differ by less (EN-MTurk-771 has such a pair);
    ours are computed in float64, so the rank statistic is compared with gensim's procedure
    run in float64 on the same vectors (with exact sums: :class:`_ExactKV`).
    """
    kv = trained[0]
    g = _ExactKV(kv.vector_size, dtype=np.float64)
    g.add_vectors(kv.index_to_key, kv.vectors.astype(np.float64))
    return g


def test_word_pairs_equal_gensim(trained, trained_float64, pair_file):
    path = pair_file
    kv, g = trained
    ours = evaluate_word_pairs(kv, path)
    (pearson, pearson_p), _, oov = g.evaluate_word_pairs(str(path))
    _, (spearman, spearman_p), _ = trained_float64.evaluate_word_pairs(str(path))
    assert ours.pearson == pytest.approx(pearson, abs=1e-6)
    assert ours.spearman == pytest.approx(spearman, abs=1e-6)
    assert ours.pearson_pvalue == pytest.approx(pearson_p, rel=1e-4, abs=1e-12)
    assert 100 * ours.oov_ratio == pytest.approx(oov, abs=1e-9)
    assert ours.n_pairs == len(
        [line for line in path.read_text().splitlines() if line and not line.startswith("#")]
    )
    assert ours.to_gensim()[2] == pytest.approx(oov)


def test_word_pairs_dummy4unknown_and_restrict_equal_gensim(trained, trained_float64, data_file):
    kv, g = trained
    path = data_file("wordsim353.tsv")
    for kwargs in ({"dummy4unknown": True}, {"restrict_vocab": 3000}, {"case_insensitive": False}):
        ours = evaluate_word_pairs(kv, path, **kwargs)
        theirs = g.evaluate_word_pairs(str(path), **kwargs)
        ranks = trained_float64.evaluate_word_pairs(str(path), **kwargs)  # see trained_float64
        assert ours.spearman == pytest.approx(ranks[1][0], abs=1e-6), kwargs
        assert ours.pearson == pytest.approx(theirs[0][0], abs=1e-6), kwargs
        assert 100 * ours.oov_ratio == pytest.approx(theirs[2]), kwargs


def test_word_pair_ranks_are_exact_where_float32_ties(tmp_path):
    # Vectors within 1e-3 of one direction: their cosines differ from 1 by ~1e-7, where float32
    # has only a few distinct values, so float32 cosines tie many pairs. With the human scores
    # set to the exact cosines, the exact ranks give rho = 1; ties or swaps give less.
    rng = np.random.default_rng(3)
    base = rng.standard_normal(32)
    vectors = (base + 1e-3 * rng.standard_normal((60, 32))).astype(np.float32)
    kv = KeyedVectors([f"w{i}" for i in range(60)], vectors)
    pairs = rng.choice(60, size=(200, 2))
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    v = vectors.astype(np.float64)
    unit = v / np.sqrt((v * v).sum(axis=1, keepdims=True))
    exact = (unit[pairs[:, 0]] * unit[pairs[:, 1]]).sum(axis=1)
    f32 = (kv.get_normed_vectors()[pairs[:, 0]] * kv.get_normed_vectors()[pairs[:, 1]]).sum(1)
    assert len(np.unique(f32)) < len(np.unique(exact))  # float32 does tie distinct pairs here
    path = tmp_path / "pairs.txt"
    lines = [f"w{a}\tw{b}\t{float(s)!r}\n" for (a, b), s in zip(pairs, exact, strict=True)]
    path.write_text("".join(lines))
    result = evaluate_word_pairs(kv, path)
    assert result.spearman == pytest.approx(1.0, abs=1e-12)
    assert result.pearson == pytest.approx(1.0, abs=1e-9)


def test_word_pairs_formats_and_errors(tmp_path):
    kv = KeyedVectors(
        ["cat", "dog", "car", "Tiger"],
        np.array([[1, 0.1], [1, 0.3], [0, 1], [1, 0]], np.float32),
    )
    path = tmp_path / "pairs.txt"
    path.write_text("# comment\ncat dog 9\n\ncat  car 1\nTIGER\tcat\t9.5\nzebra cat 3\n")
    result = kv.evaluate_word_pairs(path)
    assert result.n_pairs == 4 and result.n_oov == 1 and result.oov_ratio == 0.25
    assert result.spearman == pytest.approx(1.0)  # perfectly ordered
    with pytest.raises(W2VError, match="only 1 of 4 pairs"):
        kv.evaluate_word_pairs(path, restrict_vocab=2)
    path.write_text("cat dog 9\ncat dog\n")
    with pytest.raises(FormatError, match=r"pairs.txt: line 2: expected 'word1 word2 score'"):
        evaluate_word_pairs(kv, path)
    path.write_text("cat dog high\n")
    with pytest.raises(FormatError, match="line 1"):
        evaluate_word_pairs(kv, path)


def test_kv_methods_delegate(random_kv, questions):
    result = random_kv.evaluate_word_analogies(questions, restrict_vocab=600)
    assert (
        result.to_gensim()
        == evaluate_word_analogies(random_kv, questions, restrict_vocab=600).to_gensim()
    )
