"""The ``w2v`` command line, run as a separate process on small real data."""

from __future__ import annotations

import lzma
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from helpers import SRC, call, interrupt, one_line_error, subprocess_env
from w2v.cli import parse_word2vec_c


@pytest.fixture(scope="session")
def w2v() -> list[str]:
    """The ``w2v`` executable when it is this tree's install, else ``python -m w2v``."""
    exe = shutil.which("w2v")
    if exe:
        with open(exe, "rb") as f:
            shebang = f.readline().decode(errors="replace")
        python = shebang[2:].strip() if shebang.startswith("#!") else ""
        if python and os.path.exists(python):
            where = subprocess.run(
                [python, "-c", "import w2v, os; print(os.path.realpath(w2v.__file__))"],
                capture_output=True, text=True, env=subprocess_env(),
            )  # fmt: skip
            if where.returncode == 0 and where.stdout.strip().startswith(str(SRC.resolve())):
                return [exe]
    return [sys.executable, "-m", "w2v"]


def run(w2v: list[str], *args: object, stdin: str | None = None, cwd: Path | None = None):
    return subprocess.run(
        [*w2v, *map(str, args)], capture_output=True, text=True, input=stdin, env=subprocess_env(),
        cwd=cwd, timeout=300,
    )  # fmt: skip


@pytest.fixture(scope="session")
def corpus(tmp_path_factory, bundled_data) -> Path:
    """About 100k words of the bundled Wikipedia sample, one paragraph per line."""
    path = tmp_path_factory.mktemp("corpus") / "wiki100k.txt"
    sample = bundled_data / "sample.txt.xz"
    n = 0
    with lzma.open(sample, "rt", encoding="utf-8") as f, open(path, "w") as out:
        for line in f:
            out.write(line)
            n += len(line.split())
            if n >= 100_000:
                break
    return path


@pytest.fixture(scope="session")
def trained(w2v, corpus, tmp_path_factory):
    """Vectors trained once by ``w2v train`` (binary) with the vocabulary saved."""
    d = tmp_path_factory.mktemp("trained")
    proc = run(
        w2v, "train", corpus, "-o", d / "vectors.bin", "--sg", "--epochs", 1,
        "--vector-size", 32, "--min-count", 3, "--workers", 2, "--save-vocab", d / "vocab.txt",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return d, proc


def vocab_words(path: Path) -> list[str]:
    return [line.split()[0] for line in path.read_text().splitlines()]


def table_words(stdout: str) -> list[str]:
    """Words of the ranked ``rank word cosine`` rows printed by similar/analogy/demo."""
    return re.findall(r"^\s+\d+\s+(\S+)\s+-?\d\.\d{4}$", stdout, flags=re.M)


# ----------------------------------------------------------------------------- train
@pytest.mark.slow
def test_train_writes_binary_that_gensim_reads(trained):
    from gensim.models import KeyedVectors as GensimKV

    d, proc = trained
    kv = GensimKV.load_word2vec_format(str(d / "vectors.bin"), binary=True)
    words = vocab_words(d / "vocab.txt")
    assert kv.index_to_key == words  # same words, same (frequency) order
    assert kv.vector_size == 32
    assert np.isfinite(kv.vectors).all() and np.abs(kv.vectors).max() > 0
    # the end-of-run summary
    for key in ("vocabulary", "trained", "loss per epoch", "saved"):
        assert key in proc.stdout
    assert f"{len(words):,} words" in proc.stdout
    assert not list(d.glob(".*.tmp"))  # atomic writes leave no temporary file


@pytest.mark.slow
def test_word2vec_c_script_runs_unchanged(w2v, corpus, tmp_path):
    from gensim.models import KeyedVectors as GensimKV

    out = tmp_path / "vec.bin"
    script = (f"-train {corpus} -output {out} -cbow 0 -size 50 -window 5 -negative 5 -hs 0 "
              "-sample 1e-4 -threads 2 -binary 1 -iter 1")  # fmt: skip
    proc = run(w2v, *script.split())
    assert proc.returncode == 0, proc.stderr
    kv = GensimKV.load_word2vec_format(str(out), binary=True)
    assert kv.vector_size == 50 and len(kv) > 1000
    assert "the" in kv


def test_word2vec_c_defaults():
    ns = parse_word2vec_c(["-train", "x.txt", "-output", "y.txt"])
    p = ns.params
    assert (p["sg"], p["alpha"], p["vector_size"], p["window"], p["sample"]) == (
        0, 0.05, 100, 5, 1e-3,
    )  # fmt: skip
    assert (p["hs"], p["negative"], p["epochs"], p["min_count"]) == (0, 5, 5, 5)
    assert p["workers"] == min(12, os.cpu_count() or 1)
    assert p["min_alpha"] == pytest.approx(0.05 * 1e-4)
    assert ns.format == "text" and ns.corpus == "x.txt" and ns.output == "y.txt"
    sg = parse_word2vec_c(["train", "-train", "x", "-output", "y", "-cbow", "0", "-binary", "1"])
    assert sg.params["sg"] == 1 and sg.params["alpha"] == 0.025 and sg.format == "binary"
    # the fast blocked updates by default; word2vec.c's per-pair rule when asked
    assert p["blocked"] == 1
    for flag in (["-exact-pairs", "1"], ["--exact-pairs"]):
        assert parse_word2vec_c(["-train", "x", "-output", "y", *flag]).params["blocked"] == 0
    assert parse_word2vec_c(["-train", "x", "-exact-pairs", "0"]).params["blocked"] == 1


def test_word2vec_c_mode_help_lists_its_flags(w2v):
    proc = run(w2v, "-train", "x.txt", "--help")
    assert proc.returncode == 0, proc.stderr
    assert "-exact-pairs" in proc.stdout and "-negative" in proc.stdout
    assert "per-pair" in proc.stdout and "blocked" in proc.stdout
    assert "-exact-pairs 1" in run(w2v, "--help").stdout


def test_train_usage_and_failure_exits(w2v, corpus, tmp_path, capsys):
    proc = call(capsys, "train", corpus)  # no output
    assert proc.returncode == 2
    assert "nothing to write" in one_line_error(proc)
    proc = call(capsys, "train", corpus, "-o", tmp_path / "v.txt", "--negative", "0")
    assert proc.returncode == 2
    assert "output layer" in one_line_error(proc)
    proc = call(capsys, "train", corpus, "-o", tmp_path / "v.txt", "--vector-size", "zero")
    assert proc.returncode == 2
    one_line_error(proc)
    proc = call(capsys, "train", tmp_path / "missing.txt", "-o", tmp_path / "v.txt")
    assert proc.returncode == 1
    assert "missing.txt" in one_line_error(proc)
    assert not (tmp_path / "v.txt").exists()
    proc = call(capsys, "-train", corpus, "-output", tmp_path / "v.txt", "-classes", "10")
    assert proc.returncode == 2
    proc = call(capsys, "train", corpus, "-o", tmp_path / "no" / "dir" / "v.txt")
    assert proc.returncode == 1 and "does not exist" in one_line_error(proc)
    proc = run(w2v, "train", tmp_path / "missing.txt", "-o", tmp_path / "v.txt", "--debug")
    assert proc.returncode == 1 and "Traceback" in proc.stderr
    proc = call(capsys, "train", corpus, "-o", tmp_path)  # a directory: refused before training
    assert proc.returncode == 1 and "is a directory" in one_line_error(proc)


SMALL = ("--epochs", 1, "--vector-size", 16, "--min-count", 3, "--workers", 1, "--no-progress")


def test_stdin_corpus_trains_as_the_file_does(w2v, corpus, tmp_path, capsys):
    """``-`` is read once and spooled: two epochs on stdin equal two epochs on the file."""
    from w2v.formats import load_word2vec_format

    args = (*SMALL[2:], "--epochs", 2)
    proc = call(capsys, "train", corpus, "-o", tmp_path / "file.txt", *args)
    assert proc.returncode == 0, proc.stderr
    proc = run(w2v, "train", "-", "-o", tmp_path / "stdin.txt", *args, stdin=corpus.read_text())
    assert proc.returncode == 0, proc.stderr
    assert "read from standard input" in proc.stderr
    words, vectors = load_word2vec_format(tmp_path / "stdin.txt")
    words_file, vectors_file = load_word2vec_format(tmp_path / "file.txt")
    assert words == words_file and len(words) > 1000
    assert np.array_equal(vectors, vectors_file)
    assert not list(tmp_path.glob("w2v-stdin-*"))
    proc = run(w2v, "train", "/dev/stdin", "-o", tmp_path / "e.txt", *args, stdin="")
    assert proc.returncode == 1 and "empty" in one_line_error(proc)


def test_a_failed_vectors_file_keeps_the_model(corpus, tmp_path, capsys, monkeypatch):
    """The model is saved first; a vectors file that cannot be written is named, and so is
    what was written."""
    from w2v.cli import train_outputs as train_command
    from w2v.word2vec import Word2Vec

    out, model = tmp_path / "v.txt", tmp_path / "m.w2v"

    def unwritable(kv, path, fmt):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(train_command, "save_vectors", unwritable)
    proc = call(capsys, "train", corpus, "-o", out, "--model", model, *SMALL)
    assert proc.returncode == 1
    error = one_line_error(proc)
    assert f"could not write the vectors {out} (Permission denied)" in error
    assert f"written: model to {model}" in error
    assert not out.exists() and len(Word2Vec.load(model).wv) > 1000


def test_init_continues_a_saved_model_and_grows_it(corpus, tmp_path, capsys):
    from w2v.word2vec import Word2Vec

    lines = corpus.read_text().splitlines()
    first, more = tmp_path / "first.txt", tmp_path / "more.txt"
    first.write_text("\n".join(lines[: len(lines) // 2]) + "\n")
    more.write_text("\n".join(lines[len(lines) // 2 :]) + "\n")
    m1, m2, m3 = tmp_path / "m1.w2v", tmp_path / "m2.w2v", tmp_path / "m3.w2v"
    assert call(capsys, "train", first, "--model", m1, *SMALL).returncode == 0
    old = Word2Vec.load(m1)
    # without --update-vocab: same words, trained further, the new text's other words counted
    proc = call(capsys, "train", more, "--init", m1, "--model", m2, "-o", tmp_path / "v.txt",
                "--epochs", 2, "--no-progress")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    kept = Word2Vec.load(m2)
    assert kept.wv.index_to_key == old.wv.index_to_key and kept.epochs_trained == 3
    assert not np.array_equal(kept.wv.vectors, old.wv.vectors)
    oov = re.search(r"out of vocabulary\s+([\d,]+) of", proc.stdout)  # the summary row
    assert oov and int(oov.group(1).replace(",", "")) > 0, proc.stdout
    # with it: the vocabulary grows, known words keep their ids
    proc = call(capsys, "train", more, "--init", m1, "--update-vocab", "--model", m3,
                "--no-progress")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    grown = Word2Vec.load(m3)
    assert grown.wv.index_to_key[: len(old.wv)] == old.wv.index_to_key
    assert len(grown.wv) > len(old.wv) and "added by this run's text" in proc.stdout
    # options the saved model fixes are refused, before anything is written
    proc = call(capsys, "train", more, "--init", m1, "--model", tmp_path / "x.w2v", "--sg")
    assert proc.returncode == 2 and "drop --sg/--cbow" in one_line_error(proc)
    proc = call(capsys, "train", more, "--update-vocab", "--model", tmp_path / "x.w2v")
    assert proc.returncode == 2 and "--init" in one_line_error(proc)
    assert not (tmp_path / "x.w2v").exists()


def test_divergence_is_reported_once(tmp_path, capsys):
    text = tmp_path / "small.txt"
    text.write_text("".join(f"w{i % 7} w{i % 11} w{i % 13} w{i % 5}\n" for i in range(300)))
    proc = call(capsys, "train", text, "-o", tmp_path / "v.txt", "--alpha", "1e6", "--min-alpha",
                "1e6", "--softmax", "--negative", 0, "--min-count", 1, *SMALL[-3:])  # fmt: skip
    assert proc.returncode == 1
    assert "diverged" in one_line_error(proc) and proc.stderr.count("diverged") == 1
    assert not (tmp_path / "v.txt").exists()


@pytest.mark.slow
def test_ctrl_c_stops_training_cleanly(w2v, corpus, tmp_path):
    out = tmp_path / "v.txt"
    proc = subprocess.Popen(
        [*w2v, "train", corpus, "-o", out, "--epochs", "2000", "--workers", "1",
         "--save-vocab", tmp_path / "vocab.txt"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=subprocess_env(),
    )  # fmt: skip
    deadline = time.time() + 60
    while not (tmp_path / "vocab.txt").exists() and time.time() < deadline:
        time.sleep(0.1)
    time.sleep(1.0)  # well into training
    _, err = interrupt(proc)
    assert proc.returncode == 130, err
    assert "interrupted (training" in err and f"not written: {out}" in err
    assert "saved: vocabulary" in err
    assert not out.exists()


# ------------------------------------------------------------------------- queries
@pytest.mark.slow
def test_similar_prints_vocabulary_words(w2v, trained, capsys):
    d, _ = trained
    words = set(vocab_words(d / "vocab.txt"))
    proc = run(w2v, "similar", d / "vectors.bin", "king", "-n", 7, "-q")
    assert proc.returncode == 0, proc.stderr
    found = table_words(proc.stdout)
    assert len(found) == 7 and set(found) <= words and "king" not in found
    proc = call(capsys, "similar", d / "vectors.bin", "notaword123")
    assert proc.returncode == 1
    assert "notaword123" in one_line_error(proc)


@pytest.mark.slow
def test_analogy_and_interactive_modes(w2v, trained, capsys):
    d, _ = trained
    words = set(vocab_words(d / "vocab.txt"))
    proc = run(w2v, "analogy", d / "vectors.bin", "man", "king", "woman", "-n", 3, "-q")
    assert proc.returncode == 0, proc.stderr
    found = table_words(proc.stdout)
    assert len(found) == 3 and set(found) <= words - {"man", "king", "woman"}
    proc = call(capsys, "analogy", d / "vectors.bin", "man", "king")
    assert proc.returncode == 2
    one_line_error(proc)
    # like word2vec.c's distance: one answer per line read; unknown words do not stop it
    proc = run(w2v, "similar", d / "vectors.bin", "-n", 2, "-q",
               stdin="king\nzzzunknown\nwar peace\n\nmusic\n")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert len(table_words(proc.stdout)) == 4  # the blank line ended the session
    assert "zzzunknown" in proc.stdout
    proc = run(w2v, "analogy", d / "vectors.bin", "-n", 1, "-q",
               stdin="man king woman\nonly two\n")  # fmt: skip
    assert proc.returncode == 0
    assert len(table_words(proc.stdout)) == 1 and "three words" in proc.stdout


def test_score_column_is_named_for_the_score(tmp_path, capsys):
    vectors = tmp_path / "v.txt"
    rows = {"a": "1 0 0", "b": "0.9 0.1 0", "c": "0 1 0", "d": "0.5 0.5 0.1", "e": "0 0 1"}
    vectors.write_text(f"{len(rows)} 3\n" + "".join(f"{w} {v}\n" for w, v in rows.items()))
    for command, words in (("similar", ["a"]), ("analogy", ["a", "b", "c"])):
        cosine = call(capsys, command, vectors, *words, "-n", 2)
        cosmul = call(capsys, command, vectors, *words, "-n", 2, "--cosmul")
        assert cosine.returncode == cosmul.returncode == 0, cosine.stderr + cosmul.stderr
        assert cosine.stdout.splitlines()[0].split()[-1] == "cosine"
        assert cosmul.stdout.splitlines()[0].split()[-1] == "cosmul"
        assert len(table_words(cosmul.stdout)) == 2


# --------------------------------------------------------------- convert / evaluate
@pytest.mark.slow
def test_convert_round_trip(w2v, trained, tmp_path, capsys):
    from gensim.models import KeyedVectors as GensimKV

    d, _ = trained
    src = d / "vectors.bin"
    proc = run(w2v, "convert", src, tmp_path / "v.txt", "-q")
    assert proc.returncode == 0, proc.stderr
    for a, b in ((tmp_path / "v.txt", tmp_path / "v.w2v"),
                 (tmp_path / "v.w2v", tmp_path / "back.bin")):  # fmt: skip
        proc = call(capsys, "convert", a, b, "-q")
        assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "back.bin").read_bytes() == src.read_bytes()
    kv = GensimKV.load_word2vec_format(str(tmp_path / "v.txt"))
    assert kv.index_to_key == vocab_words(d / "vocab.txt")
    proc = call(capsys, "convert", src, tmp_path / "v.unknown")
    assert proc.returncode == 2 and "--to" in one_line_error(proc)
    proc = call(capsys, "convert", src, tmp_path / "v.unknown", "--to", "text", "-q")
    assert proc.returncode == 0 and (tmp_path / "v.unknown").read_text().startswith(
        f"{len(kv)} 32\n"
    )  # fmt: skip
    bad = tmp_path / "bad.txt"
    bad.write_text("3 2\na 1 2\nb 1\n")
    proc = call(capsys, "convert", bad, tmp_path / "x.bin")
    assert proc.returncode == 1
    assert "bad.txt" in one_line_error(proc)


@pytest.mark.slow
def test_evaluate_bundled_and_given_files(w2v, trained, bundled_data, capsys):
    d, _ = trained
    proc = run(w2v, "evaluate", d / "vectors.bin", "-q")
    assert proc.returncode == 0, proc.stderr
    assert "questions-words.txt" in proc.stdout and "wordsim353.tsv" in proc.stdout
    total = re.search(r"^total\s+(\d+\.\d+)%\s+(\d+)\s+(\d+)\s+(\d+)$", proc.stdout, re.M)
    assert total and int(total.group(3)) + int(total.group(4)) == 19544
    ws = re.search(r"^wordsim353.tsv\s+353\s+(\d+)\s+(-?\d\.\d+)", proc.stdout, re.M)
    assert ws and -1 <= float(ws.group(2)) <= 1
    pairs = bundled_data / "wordsim353.tsv"
    proc = call(capsys, "evaluate", d / "vectors.bin", "--pairs", pairs, "-q")
    assert proc.returncode == 0 and "questions-words" not in proc.stdout
    proc = call(capsys, "evaluate", d / "vectors.bin", "--analogies", d / "nope.txt")
    assert proc.returncode == 1
    one_line_error(proc)


# -------------------------------------------------------------- phrases / plot / demo
@pytest.mark.slow
def test_phrases_command_joins_planted_bigram(w2v, tmp_path):
    rng = np.random.default_rng(0)
    vocab = [f"w{i}" for i in range(150)]
    lines = []
    for _ in range(600):
        words = list(rng.choice(vocab, size=12))
        words.insert(int(rng.integers(0, 12)), "new york")
        lines.append(" ".join(words))
    src = tmp_path / "text.txt"
    src.write_text("\n".join(lines) + "\n")
    proc = run(w2v, "phrases", src, "-o", tmp_path / "out.txt", "--threshold", 10)
    assert proc.returncode == 0, proc.stderr
    out = (tmp_path / "out.txt").read_text().splitlines()
    assert len(out) == len(lines)
    tokens = " ".join(out).split()
    assert tokens.count("new_york") == 600
    assert [t for t in tokens if "_" in t and t != "new_york"] == []
    assert "new_york" in proc.stdout


@pytest.mark.slow
def test_plot_png_has_requested_size(w2v, trained, tmp_path, capsys):
    import matplotlib.image as mpimg

    d, _ = trained
    png = tmp_path / "map.png"
    proc = run(w2v, "plot", d / "vectors.bin", "--words", "king", "war", "music", "france",
               "--neighbors", 3, "--top", 20, "-o", png, "--size", "640x480")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    img = mpimg.imread(png)
    assert img.shape[:2] == (480, 640)
    assert img[..., :3].std() > 0.02  # not a blank canvas
    proc = call(capsys, "plot", d / "vectors.bin", "-o", png)
    assert proc.returncode == 2 and "--words" in one_line_error(proc)
    proc = call(capsys, "plot", d / "vectors.bin", "--top", 5, "-o", png, "--size", "5x5")
    assert proc.returncode == 2


@pytest.mark.slow
def test_demo_quick_prints_real_neighbours(w2v, tmp_path):
    out = tmp_path / "demo.txt"
    proc = run(w2v, "demo", "--quick", "-o", out, "--workers", 2)
    assert proc.returncode == 0, proc.stderr
    with open(out) as f:
        f.readline()
        words = {line.split(" ", 1)[0] for line in f}
    shown = table_words(proc.stdout)
    assert len(shown) >= 20 and set(shown) <= words
    assert "Google analogies" in proc.stdout and "WordSim-353" in proc.stdout


@pytest.mark.slow
def test_model_save_and_plot_loss(w2v, corpus, tmp_path):
    model = tmp_path / "model.w2v"
    args = ["train", corpus, "-o", tmp_path / "v.txt", "--model", model, "--epochs", 2,
            "--vector-size", 16, "-q"]  # fmt: skip
    proc = run(w2v, *args)
    assert proc.returncode == 0, proc.stderr
    png = tmp_path / "loss.png"
    proc = run(w2v, "plot-loss", model, "-o", png, "--size", "300x200", "-q")
    assert proc.returncode == 0, proc.stderr
    import matplotlib.image as mpimg

    assert mpimg.imread(png).shape[:2] == (200, 300)


def test_help_for_every_command(w2v, capsys):
    proc = run(w2v, "--help")
    assert proc.returncode == 0
    commands = ["train", "similar", "analogy", "evaluate", "phrases", "convert", "plot",
                "plot-loss", "demo"]  # fmt: skip
    for c in commands:
        assert c in proc.stdout
    for c in commands:
        from w2v.cli import build_parser

        with pytest.raises(SystemExit) as exc:
            build_parser().parse_args([c, "--help"])
        assert exc.value.code == 0
    proc = call(capsys, "frobnicate")
    assert proc.returncode == 2
    one_line_error(proc)
