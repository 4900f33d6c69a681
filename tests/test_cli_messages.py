"""What the command line says when something is off: hints for unknown words, one clean line
per warning, the real error alone, the options named in errors. In-process (fast) where the
code path is the same as a real run's."""

from __future__ import annotations

import numpy as np

from helpers import call, one_line_error
from w2v.keyed_vectors import KeyedVectors


def _vectors(tmp_path, words=("the", "king", "kings", "queen", "paris", "France")):
    rng = np.random.default_rng(3)
    kv = KeyedVectors(list(words), rng.standard_normal((len(words), 4)).astype(np.float32))
    path = tmp_path / "v.bin"
    kv.save_word2vec_format(path, binary=True)
    return path


def test_unknown_word_suggests_close_forms(tmp_path, capsys):
    path = _vectors(tmp_path)
    proc = call(capsys, "similar", path, "King")
    assert proc.returncode == 1
    assert one_line_error(proc) == (
        "w2v: error: not in the vocabulary: King (did you mean king, kings?)"
    )
    proc = call(capsys, "analogy", path, "france", "Pariss", "queen")
    assert one_line_error(proc) == (
        "w2v: error: not in the vocabulary: france (did you mean France?), Pariss (did you "
        "mean paris?)"
    )
    proc = call(capsys, "similar", path, "zzzz")
    assert one_line_error(proc) == "w2v: error: not in the vocabulary: zzzz"


def test_python_warnings_are_one_clean_line(tmp_path, capsys):
    dup = tmp_path / "dup.txt"
    dup.write_text("3 2\nking 1 0\nqueen 0 1\nking 1 1\n")
    proc = call(capsys, "similar", dup, "queen")
    assert proc.returncode == 0, proc.stderr
    warning = [line for line in proc.stderr.splitlines() if "duplicate" in line]
    assert warning == [
        f"w2v: warning: {dup}: 1 duplicate word(s) (first: 'king'); kept the first vector of each"
    ]
    assert ".py:" not in proc.stderr and "UserWarning" not in proc.stderr


def test_binary_read_as_text_shows_only_the_real_error(tmp_path, capsys):
    rng = np.random.default_rng(0)
    kv = KeyedVectors([f"w{i}" for i in range(300)], rng.standard_normal((300, 20)).astype("f4"))
    path = tmp_path / "v.bin"
    kv.save_word2vec_format(path, binary=True)
    proc = call(capsys, "similar", path, "w1", "--from", "text")
    assert proc.returncode == 1
    error = one_line_error(proc)
    assert "expected 20 values after the word" in error and "binary" in error
    assert "ignored" not in proc.stderr  # no warning about lines after the vectors


def test_header_less_text_is_read_with_no_header(tmp_path, capsys):
    glove = tmp_path / "glove.txt"
    glove.write_text("king 1 0\nqueen 0.9 0.1\nman 0 1\n")
    proc = call(capsys, "similar", glove, "king")
    assert proc.returncode == 1 and "--no-header" in one_line_error(proc)
    proc = call(capsys, "similar", glove, "king", "--no-header", "-q")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[3] == "queen"
    proc = call(capsys, "convert", glove, tmp_path / "out.bin", "--no-header")
    assert proc.returncode == 0, proc.stderr
    assert KeyedVectors.load_word2vec_format(tmp_path / "out.bin", binary=True).index_to_key == [
        "king", "queen", "man"]  # fmt: skip
    proc = call(capsys, "similar", glove, "king", "--no-header", "--from", "binary")
    assert proc.returncode == 1 and "no_header applies to text files" in one_line_error(proc)
