"""Bad corpus input and bad parameters: each fails early with a clear error, or is handled."""

from __future__ import annotations

import gzip
import lzma
import sys
from pathlib import Path

import numpy as np
import pytest

import w2v.corpus as corpus_module
from helpers import call, one_line_error
from w2v.corpus import Corpus, EncodedCorpus
from w2v.errors import CorpusError, ParameterError
from w2v.vocabulary import Vocabulary
from w2v.word2vec import Word2Vec

SMALL = dict(vector_size=8, min_count=1, epochs=1, workers=1)
LINE = "alpha beta gamma delta alpha beta gamma delta\n"


def tokens(path: Path, **kw) -> list[list[str]]:
    """Sentences as w2v reads them: every token, as the ids of an all-words vocabulary."""
    vocab = Vocabulary.build(Corpus(path, **kw).blocks(), min_count=1)
    with EncodedCorpus(Corpus(path, **kw), vocab) as enc:
        ids = np.concatenate([enc.read(c) for c in range(enc.n_chunks)]).tolist()
    out, cur = [], []
    for i in ids:
        if i < 0:
            out.append(cur)
            cur = []
        else:
            cur.append(vocab.words[i])
    return out


def test_empty_file_is_a_clear_error(tmp_path, capsys):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(CorpusError, match=r"empty\.txt.*the corpus is empty"):
        Word2Vec(empty, **SMALL)
    blank = tmp_path / "blank.txt"
    blank.write_text(" \n\t\n\u3000\n")  # whitespace only is empty too
    with pytest.raises(CorpusError, match="the corpus is empty"):
        Word2Vec(blank, **SMALL)
    proc = call(capsys, "train", empty, "-o", tmp_path / "v.txt")
    assert proc.returncode == 1 and "the corpus is empty" in one_line_error(proc)


def test_no_word_reaching_min_count_in_a_file_fails_before_training(tmp_path, capsys):
    path = tmp_path / "rare.txt"
    path.write_text("each word here occurs once\n")
    model = Word2Vec(**dict(SMALL, min_count=2))
    with pytest.raises(ParameterError, match="min_count=2: no word of .*rare.txt"):
        model.build_vocab(path)
    assert model.vocab is None  # nothing half-built
    proc = call(capsys, "train", path, "-o", tmp_path / "v.txt", "--min-count", 2)
    assert proc.returncode == 2 and "min_count=2: no word" in one_line_error(proc)


def test_invalid_utf8_replace_by_default_strict_names_file_and_offset(tmp_path, capsys):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"good words here\ncaf\xe9 ok\n")
    model = Word2Vec(path, **SMALL)  # replace (default): training works
    assert "caf\ufffd" in model.wv.key_to_index and "ok" in model.wv.key_to_index
    ignore = Word2Vec(path, **SMALL, unicode_errors="ignore")
    assert "caf" in ignore.wv.key_to_index
    with pytest.raises(CorpusError, match=r"bad\.txt: invalid UTF-8 at byte offset 19"):
        Word2Vec(path, **SMALL, unicode_errors="strict")
    proc = call(capsys, "train", path, "-o", tmp_path / "v.txt", "--unicode-errors", "strict",
                "--min-count", 1)  # fmt: skip
    assert proc.returncode == 1
    assert "bad.txt: invalid UTF-8 at byte offset 19" in one_line_error(proc)
    proc = call(capsys, "train", path, "-o", tmp_path / "v.txt", "--min-count", 1, "-q")
    assert proc.returncode == 0, proc.stderr


def test_windows_line_endings_end_sentences_without_leaking_cr(tmp_path):
    path = tmp_path / "crlf.txt"
    path.write_bytes(b"one two three\r\nfour five\r\n\r\nsix\r\n")
    assert tokens(path) == [["one", "two", "three"], ["four", "five"], ["six"]]


def test_unicode_whitespace_splits_like_str_split(tmp_path):
    spaces = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    assert {"\u00a0", "\u2003", "\u3000", "\x1c", "\x85"} <= set(spaces)
    # every whitespace character of str.split() between two words; newlines end lines
    text = "".join(f"w{i}{s}" for i, s in enumerate(spaces)) + "end\n"
    path = tmp_path / "spaces.txt"
    path.write_text(text, encoding="utf-8")
    expected = [line.split() for line in text.split("\n") if line.split()]
    assert tokens(path) == expected
    assert sum(map(len, expected)) == len(spaces) + 1
    # and look-alikes that are not whitespace stay inside words
    glued = tmp_path / "glued.txt"
    glued.write_text("a\u200bb c\u2060d e\ufeff\n", encoding="utf-8")
    assert tokens(glued) == [["a\u200bb", "c\u2060d", "e\ufeff"]]


def test_one_line_without_newline_is_streamed_in_bounded_blocks(tmp_path, monkeypatch):
    monkeypatch.setattr(corpus_module, "BLOCK_BYTES", 64)
    words = [f"word{i % 97}" for i in range(20_000)]
    path = tmp_path / "one-line.txt"
    path.write_text(" ".join(words))  # ~150 kB, no newline at all
    sizes = [b.shape[0] for b in Corpus(path).blocks()]
    assert len(sizes) > 1000 and max(sizes) <= 2 * 64 + 16  # never the whole line
    # cut into sentences of max_sentence_length (10,000) words, nothing lost
    assert tokens(path) == [words[:10_000], words[10_000:]]
    vocab = Vocabulary.build(Corpus(path).blocks(), min_count=1)
    with EncodedCorpus(Corpus(path), vocab, max_sentence_length=1000) as enc:
        assert enc.n_words == 20_000 and enc.n_ids == 20_000 + 20


def _slow_blocks(monkeypatch, action):
    """Make the corpus reader call ``action(path)`` after its first block of each file."""
    monkeypatch.setattr(corpus_module, "BLOCK_BYTES", 256)
    original = corpus_module.clean_utf8
    done = set()

    def clean(data, path, *rest):
        out = original(data, path, *rest)
        if path not in done:
            done.add(path)
            action(path)
        return out

    monkeypatch.setattr(corpus_module, "clean_utf8", clean)


@pytest.mark.parametrize("when", ["build_vocab", "train"])
@pytest.mark.parametrize("what", ["deleted", "truncated"])
def test_file_deleted_or_truncated_while_encoding_is_a_corpus_error(
    what, when, tmp_path, monkeypatch
):
    path = tmp_path / "corpus.txt"
    path.write_text(LINE * 200)
    model = Word2Vec(**SMALL)
    if when == "train":
        model.build_vocab(path)
        model.set_vocab(model.vocab)  # drop build_vocab's encoding: train() reads the file

    def spoil(p):
        if what == "deleted":
            p.unlink()
        else:
            with open(p, "r+b") as f:
                f.truncate(1000)

    _slow_blocks(monkeypatch, spoil)
    match = "was deleted while being read" if what == "deleted" else "changed while being read"
    with pytest.raises(CorpusError, match=rf"corpus\.txt: the corpus file {match}"):
        model.build_vocab(path) if when == "build_vocab" else model.train(path)
    assert model.epochs_trained == 0 and model.loss_history == []


def test_file_deleted_or_truncated_after_encoding_does_not_matter(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text(LINE * 200)

    class Spoil:
        def __getattr__(self, name):
            if name == "on_train_begin":  # the ids are in their own temporary file by now
                return lambda model: path.unlink()
            return lambda *a: None

    model = Word2Vec(**dict(SMALL, epochs=2))
    model.build_vocab(path)
    model.train(path, callbacks=[Spoil()])
    assert not path.exists()
    assert model.epochs_trained == 2 and model.epoch_history[-1].words == 2 * 1600


@pytest.mark.parametrize("suffix", [".gz", ".xz"])
@pytest.mark.parametrize("damage", ["truncated", "corrupt"])
def test_damaged_compressed_file_is_a_corpus_error_naming_it(suffix, damage, tmp_path, capsys):
    rng = np.random.default_rng(0)
    text = " ".join(f"w{i}" for i in rng.integers(0, 500, 20_000)) + "\n"
    data = (gzip.compress if suffix == ".gz" else lzma.compress)(text.encode())
    if damage == "truncated":
        data = data[: len(data) // 2]
    else:  # flip bytes in the middle of the compressed stream
        mid = len(data) // 2
        data = data[:mid] + bytes(b ^ 0x5A for b in data[mid : mid + 64]) + data[mid + 64 :]
    path = tmp_path / f"corpus.txt{suffix}"
    path.write_bytes(data)
    with pytest.raises(CorpusError, match=rf"corpus\.txt\{suffix}: cannot read corpus at byte"):
        Word2Vec(path, **SMALL)
    proc = call(capsys, "train", path, "-o", tmp_path / "v.txt")
    assert proc.returncode == 1 and f"corpus.txt{suffix}: cannot read" in one_line_error(proc)


# --------------------------------------------------------------------------- parameters
@pytest.mark.parametrize(
    ("kw", "name"),
    [
        ({"min_count": 0}, "min_count"),
        ({"max_sentence_length": 0}, "max_sentence_length"),
        ({"softmax_max_vocab": 0}, "softmax_max_vocab"),
        ({"seed": -1}, "seed"),
        ({"ns_exponent": float("inf")}, "ns_exponent"),
        ({"unicode_errors": "loose"}, "unicode_errors"),
        ({"max_final_vocab": 0}, "max_final_vocab"),
    ],
)
def test_more_invalid_parameters_name_the_parameter(kw, name):
    with pytest.raises(ParameterError, match=name):
        Word2Vec(**kw)


@pytest.mark.parametrize("alpha", [0.0, float("inf"), float("nan")])
def test_train_alpha_is_checked_before_any_work(alpha):
    model = Word2Vec(min_count=1)
    model.build_vocab([["a", "b"]] * 3)
    with pytest.raises(ParameterError, match="alpha"):
        model.train([["a", "b"]] * 3, alpha=alpha)
    assert model.epochs_trained == 0


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--window", "0"], "--window"),
        (["--vector-size", "0"], "--vector-size"),
        (["--negative", "-1"], "negative must be"),
        (["--negative", "0"], "no output layer"),
        (["--alpha", "0"], "alpha must be"),
        (["--alpha", "nan"], "alpha must be"),
        (["--workers", "0"], "--workers"),
        (["--sample", "-1"], "sample must be"),
        (["--checkpoint-every", "0"], "--checkpoint-every"),
    ],
)
def test_cli_parameter_errors_are_one_line_with_exit_2(args, needle, tmp_path, capsys):
    corpus = tmp_path / "c.txt"
    corpus.write_text(LINE)
    proc = call(capsys, "train", corpus, "-o", tmp_path / "v.txt", *args)
    assert proc.returncode == 2, proc.stderr
    assert needle in one_line_error(proc)
    assert not (tmp_path / "v.txt").exists()


def test_cli_softmax_on_a_too_large_vocabulary_says_what_it_needs(tmp_path, capsys):
    corpus = tmp_path / "wide.txt"
    corpus.write_text(" ".join(f"w{i}" for i in range(50_001)) + "\n")
    proc = call(capsys, "train", corpus, "-o", tmp_path / "v.txt", "--softmax", "--negative", 0,
                "--min-count", 1)  # fmt: skip
    assert proc.returncode == 2
    assert "a full softmax over 50001 words needs a 19 MiB" in one_line_error(proc)
