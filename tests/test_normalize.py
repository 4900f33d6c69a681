"""The built-in normalisation of raw text (``normalize=``, ``--normalize``): its rules, checked
against references written from the documented rules (and, for text8, against the script that
made the shared corpus), and that the vocabulary, training and phrases all see its tokens."""

from __future__ import annotations

import importlib.util
import lzma
import unicodedata

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import call, one_line_error
from w2v.corpus import Corpus
from w2v.errors import ParameterError
from w2v.normalize import NORMALIZE_MODES, normalize_block, normalize_text
from w2v.phrases import Phrases
from w2v.vocabulary import Vocabulary
from w2v.word2vec import Word2Vec

RAW = "Venice, 1945. For_example: don't (self-governed) ÉTIENNE «Straße» İstanbul x²\u00ady!\n"


def test_the_documented_examples():
    assert normalize_text(RAW, "split").split() == [
        "venice", ",", ".", "for_example", ":", "don", "'", "t", "(", "self", "-", "governed",
        ")", "étienne", "«", "straße", "»", "istanbul", "x", "y", "!",
    ]  # fmt: skip
    assert normalize_text(RAW, "drop").split() == [
        "venice", "for_example", "don", "t", "self", "governed", "étienne", "straße",
        "istanbul", "x", "y",
    ]  # fmt: skip
    assert normalize_text(RAW, "text8").split() == [
        "venice", "one", "nine", "four", "five", "for", "example", "don", "t", "self",
        "governed", "etienne", "stra", "e", "istanbul", "x", "two", "y",
    ]  # fmt: skip
    # line ends (sentences) are kept, as are the other separators
    assert normalize_text("A.\nB\tC\u3000D", "drop") == "a \nb\tc\u3000d"


def _reference(text: str, mode: str) -> str:
    """The rules as docs/cli.md states them, applied with Python's str and unicodedata."""
    out = []
    for ch in text:
        if ch.isspace() or ord(ch) < 33 or ch == "\x7f":
            out.append(ch)
            continue
        if mode == "text8":
            s = unicodedata.normalize("NFKD", ch)
            s = "".join(c for c in s if not unicodedata.combining(c)).lower()
            digits = "zero one two three four five six seven eight nine".split()
            out.append("".join(c if "a" <= c <= "z" else f" {digits[int(c)]} " if "0" <= c <=
                               "9" else " " for c in s))  # fmt: skip
            continue
        cat = unicodedata.category(ch)
        if cat.startswith("N"):
            out.append(" ")
        elif cat == "Cf":
            pass
        elif cat[0] in "LM" or cat in ("Pc", "Co", "Cn"):
            out.append(ch.lower()[0])
        else:
            out.append(f" {ch} " if mode == "split" else " ")
    return "".join(out)


_TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=60) | st.text(
    alphabet=st.sampled_from("Aa1,.'-_ \n\u00c9\u0130\u00ad\u00bd\u00b2\u212a")
)


@settings(max_examples=300, deadline=None)
@given(text=_TEXT, mode=st.sampled_from(NORMALIZE_MODES))
def test_compiled_table_follows_the_rules_for_any_character(text, mode):
    assert normalize_text(text, mode) == _reference(text, mode)
    # normalising twice gives the same tokens: a normalised corpus can be normalised again
    once = normalize_text(text, mode)
    assert normalize_text(once, mode).split() == once.split()


def test_text8_mode_is_the_shared_corpus_recipe(shared_data):
    """The text8 mode reproduces, word for word, the script that made the shared text8 corpus
    from its raw lines (Unicode letters, punctuation, digits and all)."""
    folder = shared_data / "corpus"
    spec = importlib.util.spec_from_file_location("build_corpus", folder / "build_corpus.py")
    build_corpus = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_corpus)
    with lzma.open(folder / "enwiki2015-part1.lines.txt.xz", "rt", encoding="utf-8") as f:
        lines = [next(f) for _ in range(4000)]
    expected = [build_corpus.text8_words(line) for line in lines]
    assert sum(any(ord(c) > 127 for c in line) for line in lines) > 100  # non-ASCII met
    got = normalize_text("".join(lines), "text8").split("\n")
    assert [g.split() for g in got[: len(lines)]] == expected


def test_every_byte_grows_within_the_allocated_bound():
    # the longest replacements: digits in text8, punctuation in split
    assert normalize_text("7" * 1000, "text8").split() == ["seven"] * 1000
    assert normalize_text("," * 1000, "split").split() == [","] * 1000
    block = np.frombuffer(b"", dtype=np.uint8)
    assert normalize_block(block, "drop").shape == (0,)


def test_vocabulary_file_and_iterable_see_the_same_tokens(tmp_path):
    path = tmp_path / "raw.txt"
    path.write_text(RAW * 3, encoding="utf-8")
    from_file = Vocabulary.build(Corpus(path, normalize="drop").blocks(), min_count=1)
    given = [RAW.split()] * 3  # tokens as a caller splits them: normalised all the same
    from_list = Vocabulary.build(Corpus(given, normalize="drop").blocks(), min_count=1)
    assert from_file.words == from_list.words
    assert sorted(from_file.words) == sorted(set(normalize_text(RAW, "drop").split()))
    assert dict(zip(from_file.words, from_file.counts.tolist(), strict=True))["venice"] == 3


def test_word2vec_trains_on_normalised_tokens_and_keeps_the_mode(tmp_path):
    sentence = "The King, the Queen; the king. THE QUEEN! a Man, a Woman.\n"
    path = tmp_path / "raw.txt"
    path.write_text(sentence * 40, encoding="utf-8")
    model = Word2Vec(path, normalize="split", min_count=1, vector_size=8, epochs=1, workers=1)
    assert set(model.wv.index_to_key) == {"the", "king", "queen", "a", "man", "woman", ",",
                                           ";", ".", "!"}  # fmt: skip
    raw = Word2Vec(path, min_count=1, vector_size=8, epochs=1, workers=1)
    assert "King," in raw.wv.index_to_key  # off by default: whitespace only
    model.save(tmp_path / "m.w2v")
    loaded = Word2Vec.load(tmp_path / "m.w2v")
    assert loaded.params.normalize == "split"
    loaded.train(path, epochs=1)  # continued training reads the text the same way
    assert loaded.out_of_vocabulary.tokens == 0
    with pytest.raises(ParameterError, match="normalize must be None or one of"):
        Word2Vec(normalize="lower")


def test_phrases_learn_on_the_tokens_training_sees(tmp_path):
    raw = tmp_path / "raw.txt"
    raw.write_text("I moved to New York, then NEW YORK. He left New-York!\n" * 30 + "a b\n")
    phrases = Phrases(raw, min_count=2, threshold=1.0, normalize="drop")
    out = tmp_path / "phrased.txt"
    phrases.save_corpus(out)
    assert "new_york" in out.read_text().split()
    assert phrases.transform(["In", "New", "York,"]) == ["in", "new_york"]
    # the phrased text normalised again by training keeps the phrase
    model = Word2Vec(out, normalize="drop", min_count=1, vector_size=8, epochs=1, workers=1)
    assert "new_york" in model.wv.index_to_key and "york," not in model.wv.index_to_key


def test_command_line_option(tmp_path, capsys):
    raw = tmp_path / "raw.txt"
    raw.write_text("Paris, France. Rome, Italy.\n" * 10, encoding="utf-8")
    vocab = tmp_path / "v.txt"
    proc = call(capsys, "train", raw, "--save-vocab", vocab, "--min-count", 1, "--normalize",
                "drop")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert sorted(line.split()[0] for line in vocab.read_text().splitlines()) == [
        "france", "italy", "paris", "rome"]  # fmt: skip
    out = tmp_path / "p.txt"
    proc = call(capsys, "phrases", raw, "-o", out, "--normalize", "split", "--min-count", 1)
    assert proc.returncode == 0, proc.stderr
    assert out.read_text().split()[:4] == ["paris", ",", "france", "."]
    model = tmp_path / "m.w2v"
    proc = call(capsys, "train", raw, "--model", model, "--min-count", 1, "--epochs", 1,
                "--normalize", "drop", "--no-progress")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    # --init keeps the model's own normalisation: giving another is refused
    proc = call(capsys, "train", raw, "--init", model, "--model", tmp_path / "x.w2v",
                "--normalize", "split")  # fmt: skip
    assert proc.returncode == 2 and "drop --normalize" in one_line_error(proc)
