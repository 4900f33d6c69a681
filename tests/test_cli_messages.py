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


def test_first_compilation_of_a_w2v_function_is_announced_once(capsys):
    from numba import njit

    from w2v.cli.progress import terminal_logging

    def compiled(module: str):
        namespace = {"__name__": module}
        exec("def probe(x):\n    return x + 1", namespace)
        return njit(namespace["probe"])  # not cached: compiles at its first call

    other, mine, more = compiled("elsewhere"), compiled("w2v.probe"), compiled("w2v.probe2")
    capsys.readouterr()
    with terminal_logging():
        assert other(1) == 2  # not w2v's: nothing said
        assert capsys.readouterr().err == ""
        assert mine(1) == 2 and mine(2) == 3 and more(1.5) == 2.5
    err = capsys.readouterr().err
    assert err.count("compiling") == 1, err
    assert err.startswith("w2v: compiling w2v.probe's machine code for its first use here")


def test_plot_checks_matplotlib_and_the_suffix_before_reading_vectors(
    tmp_path, capsys, monkeypatch
):
    import sys

    import w2v.cli.plot

    def never(*args, **kwargs):
        raise AssertionError("the vectors were read before the output was checked")

    monkeypatch.setattr(w2v.cli.plot, "load_vectors", never)
    path = _vectors(tmp_path)
    proc = call(capsys, "plot", path, "--words", "king", "queen", "-o", tmp_path / "map.xyz")
    assert proc.returncode == 2
    error = one_line_error(proc)
    assert "cannot write a .xyz image" in error and ".png" in error
    monkeypatch.setitem(sys.modules, "matplotlib.backends.backend_agg", None)  # not installed
    proc = call(capsys, "plot", path, "--words", "king", "queen", "-o", tmp_path / "map.png")
    assert proc.returncode == 1
    assert one_line_error(proc) == ("w2v: error: drawing needs matplotlib: pip install 'w2v[plot]'")
    assert not (tmp_path / "map.png").exists()


def test_plot_loss_of_vectors_says_it_needs_a_model(tmp_path, capsys):
    path = _vectors(tmp_path)
    proc = call(capsys, "plot-loss", path, "-o", tmp_path / "loss.png")
    assert proc.returncode == 1
    assert one_line_error(proc) == (
        f"w2v: error: {path}: holds word2vec binary vectors, which keep no loss: plot-loss "
        "needs a whole model, saved with 'w2v train ... --model model.w2v' (or Word2Vec.save)"
    )


def _zipf_corpus(tmp_path):
    """Word ``w{i}`` occurs 40 - i times, in lines of 10 words."""
    words = [f"w{i}" for i in range(30) for _ in range(40 - i)]
    np.random.default_rng(1).shuffle(words)
    path = tmp_path / "zipf.txt"
    path.write_text("".join(" ".join(words[i : i + 10]) + "\n" for i in range(0, len(words), 10)))
    return path


def test_summary_reports_the_min_count_max_final_vocab_raised(tmp_path, capsys):
    corpus = _zipf_corpus(tmp_path)
    proc = call(capsys, "train", corpus, "-o", tmp_path / "v.txt", "--min-count", 5,
                "--max-final-vocab", 12, "--epochs", 1, "--no-progress")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    # counts 40..11 for w0..w29: at most 12 words leaves those counted 29 or more
    row = next(line for line in proc.stdout.splitlines() if line.startswith("vocabulary"))
    assert "12 words (min count 29, raised from 5 to keep at most 12 words)" in row, row
    proc = call(capsys, "train", corpus, "-o", tmp_path / "v.txt", "--min-count", 5,
                "--epochs", 1, "--no-progress")  # fmt: skip
    assert "30 words (min count 5) from" in proc.stdout


def test_softmax_beside_default_negative_sampling_is_said(tmp_path, capsys):
    corpus = _zipf_corpus(tmp_path)
    base = ["train", corpus, "-o", tmp_path / "v.txt", "--epochs", 1, "--no-progress"]
    proc = call(capsys, *base, "--softmax")
    assert proc.returncode == 0, proc.stderr
    assert (
        "w2v: --softmax trains beside negative sampling (--negative 5, the default, kept as "
        "word2vec.c and gensim keep it with hs); give --negative 0 to train --softmax alone"
    ) in proc.stderr.splitlines()
    assert "negative sampling (5) + full softmax" in proc.stdout  # and the summary says so
    proc = call(capsys, *base, "--softmax", "--negative", 0)
    assert proc.returncode == 0, proc.stderr
    assert "trains beside" not in proc.stderr
    assert "CBOW, full softmax," in proc.stdout
    proc = call(capsys, *base, "--hs", "--negative", 5)  # both asked for: nothing to say
    assert "trains beside" not in proc.stderr


def test_ctrl_c_while_counting_lists_the_vocabulary_not_written(tmp_path, capsys, monkeypatch):
    from w2v.word2vec import Word2Vec

    def interrupted(self, corpus, update=False, **kw):  # (callbacks= from the CLI)
        raise KeyboardInterrupt

    monkeypatch.setattr(Word2Vec, "build_vocab", interrupted)
    corpus = _zipf_corpus(tmp_path)
    out, vocab = tmp_path / "big.bin", tmp_path / "big.vocab"
    proc = call(capsys, "train", corpus, "-o", out, "--save-vocab", vocab)
    assert proc.returncode == 130
    assert proc.stderr.splitlines()[-1] == (
        f"w2v: interrupted (counting the vocabulary); not written: {vocab}, {out}"
    )


def test_progress_bar_has_no_stray_space_before_its_postfix():
    from tqdm import tqdm

    from w2v.cli.progress import BAR_FORMAT

    line = tqdm.format_meter(50, 100, 2.0, ncols=100, prefix="training", bar_format=BAR_FORMAT,
                             postfix="epoch 1/2, 1.20M words/s")  # fmt: skip
    assert "00:02<00:02, epoch 1/2, 1.20M words/s" in line, line
