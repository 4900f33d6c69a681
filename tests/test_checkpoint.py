"""Checkpoints, resume after SIGKILL, Ctrl-C (SIGINT) and divergence, through real processes."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from helpers import call, interrupt, one_line_error, subprocess_env
from w2v.callbacks import Callback
from w2v.checkpoint import RunState, read_state
from w2v.errors import CorpusError, FormatError, ParameterError, TrainingError
from w2v.formats import load_native
from w2v.params import chunk_ids
from w2v.word2vec import Word2Vec

# 1 worker: the run is reproducible bit for bit, so a resumed run must equal a straight one
EXACT = dict(sg=1, hs=1, negative=3, vector_size=16, min_count=5, epochs=3, workers=1,
             seed=7, sample=1e-3)  # fmt: skip


@pytest.fixture(scope="module")
def corpus_file(tmp_path_factory, real_words) -> Path:
    """150k real words, 100 per line: 3 chunks per epoch."""
    words = real_words(150_000)
    path = tmp_path_factory.mktemp("ckpt") / "corpus.txt"
    path.write_text("\n".join(" ".join(words[i : i + 100]) for i in range(0, len(words), 100)))
    return path


@pytest.fixture(scope="module")
def straight(corpus_file) -> Word2Vec:
    """The uninterrupted run every resumed run is compared with."""
    return Word2Vec(corpus_file, **EXACT)


def _script(tmp_path: Path, body: str) -> subprocess.Popen:
    """Run ``body`` in a fresh Python with a ``Hook`` callback class that prints events."""
    head = textwrap.dedent("""\
        import json, sys, time
        from w2v.word2vec import Word2Vec
        from w2v.callbacks import Callback

        class Hook(Callback):
            def __init__(self, sleep_at=None):
                self.n, self.sleep_at, self.words = 0, sleep_at, 0
            def on_progress(self, model, progress):
                self.words = progress.words
                print("PROGRESS", flush=True)
            def on_checkpoint(self, model, path):
                self.n += 1
                print("CHECKPOINT", self.n, flush=True)
                if self.n == self.sleep_at:
                    time.sleep(120)  # killed here, right after a checkpoint
        """)
    path = tmp_path / "job.py"
    path.write_text(head + textwrap.dedent(body))
    return subprocess.Popen([sys.executable, str(path)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=subprocess_env())  # fmt: skip


def _wait_for(proc: subprocess.Popen, prefix: str, count: int = 1, timeout: float = 120) -> None:
    deadline = time.time() + timeout
    seen = 0
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        if line.startswith(prefix):
            seen += 1
            if seen == count:
                return
    proc.kill()
    pytest.fail(f"never saw {count} x {prefix!r}; stderr: {proc.stderr.read()[-2000:]}")


def _assert_same_model(a: Word2Vec, b: Word2Vec) -> None:
    for x, y in zip(a._weights(), b._weights(), strict=True):
        assert np.array_equal(x, y)
    assert a.loss_history == b.loss_history
    assert a.epochs_trained == b.epochs_trained
    assert [h.words for h in a.epoch_history] == [h.words for h in b.epoch_history]


@pytest.mark.slow
def test_sigkill_right_after_a_checkpoint_then_resume_is_exact(corpus_file, straight, tmp_path):
    ckpt = tmp_path / "ckpt.w2v"
    proc = _script(
        tmp_path,
        f"""
        model = Word2Vec(**{EXACT!r})
        model.build_vocab({str(corpus_file)!r})
        model.train({str(corpus_file)!r}, checkpoint={str(ckpt)!r}, checkpoint_every_chunks=4,
                    callbacks=[Hook(sleep_at=1)])
    """,
    )
    _wait_for(proc, "CHECKPOINT")
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    state = RunState.from_meta(load_native(ckpt)[1]["checkpoint"], ckpt)
    assert 0 < state.next_job < 9 and sum(state.chunks_done) == state.next_job
    resumed = Word2Vec.resume(ckpt, corpus_file)
    _assert_same_model(resumed, straight)
    assert resumed.epoch_history[-1].words == straight.epoch_history[-1].words
    # the finished run left a complete checkpoint: resuming it again trains nothing
    again = Word2Vec.resume(ckpt, corpus_file)
    _assert_same_model(again, straight)


@pytest.mark.slow
def test_sigkill_while_two_workers_train_then_resume_trains_every_word(corpus_file, tmp_path):
    kw = dict(EXACT, workers=2, epochs=6)
    ckpt = tmp_path / "ckpt.w2v"
    proc = _script(
        tmp_path,
        f"""
        model = Word2Vec(**{kw!r})
        model.build_vocab({str(corpus_file)!r})
        model.train({str(corpus_file)!r}, checkpoint={str(ckpt)!r}, checkpoint_every_chunks=2,
                    callbacks=[Hook()])
        print("FINISHED", flush=True)
    """,
    )
    _wait_for(proc, "CHECKPOINT", count=2)
    assert proc.poll() is None, "the run ended before it could be killed"
    proc.send_signal(signal.SIGKILL)  # workers are mid-chunk now
    proc.wait(timeout=30)
    state = RunState.from_meta(load_native(ckpt)[1]["checkpoint"], ckpt)
    assert 0 < state.next_job < 18
    resumed = Word2Vec.resume(ckpt, corpus_file)
    straight = Word2Vec(corpus_file, **kw)
    assert resumed.epochs_trained == straight.epochs_trained == 6
    assert [h.words for h in resumed.epoch_history] == [h.words for h in straight.epoch_history]
    assert resumed.epoch_history[-1].words == 6 * (resumed.epoch_history[0].words)
    np.testing.assert_allclose(resumed.loss_history, straight.loss_history, rtol=0.02)


def test_stop_writes_a_final_checkpoint_that_resumes_exactly(corpus_file, straight, tmp_path):
    class StopAfterFirstEpoch(Callback):
        def on_epoch_end(self, model, progress):
            model.stop()

    ckpt = tmp_path / "ckpt.w2v"
    model = Word2Vec(**EXACT)
    model.build_vocab(corpus_file)
    model.train(corpus_file, checkpoint=ckpt, callbacks=[StopAfterFirstEpoch()])
    # the stopped model is consistent: every reported epoch counted, weights usable
    assert 1 <= model.epochs_trained < 3 and len(model.loss_history) == model.epochs_trained
    assert model.wv.most_similar("the", topn=3)
    meta = load_native(ckpt)[1]
    assert meta["epochs_trained"] == model.epochs_trained
    assert Word2Vec.load(ckpt).epochs_trained == model.epochs_trained  # also a model file
    _assert_same_model(Word2Vec.resume(ckpt, corpus_file), straight)


def test_resume_refuses_a_different_corpus(corpus_file, tmp_path):
    ckpt = tmp_path / "ckpt.w2v"
    model = Word2Vec(**dict(EXACT, epochs=1))
    model.build_vocab(corpus_file)

    class Stop:
        def __getattr__(self, name):
            return lambda *a: model.stop() if name == "on_progress" else None

    model.train(corpus_file, checkpoint=ckpt, callbacks=[Stop()], report_delay=0)
    text = corpus_file.read_text()
    shorter = tmp_path / "shorter.txt"
    shorter.write_text(text[: len(text) // 2])
    with pytest.raises(CorpusError, match="different corpus.*1 file"):
        Word2Vec.resume(ckpt, shorter)
    # same size, one word changed: only the encoded content tells them apart
    edited = tmp_path / "edited.txt"
    edited.write_text(text.replace(" the ", " and ", 1))
    assert edited.stat().st_size == corpus_file.stat().st_size
    with pytest.raises(CorpusError, match="different corpus.*crc32"):
        Word2Vec.resume(ckpt, edited)
    Word2Vec.save(model, tmp_path / "plain.w2v")
    with pytest.raises(FormatError, match="not a checkpoint"):
        Word2Vec.resume(tmp_path / "plain.w2v", corpus_file)


@pytest.mark.slow
def test_ctrl_c_stops_workers_after_their_chunk_and_checkpoints(corpus_file, tmp_path):
    ckpt = tmp_path / "ckpt.w2v"
    proc = _script(
        tmp_path,
        f"""
        import signal
        import numpy as np
        hook, at_signal = Hook(), []

        def interrupted(signum, frame):  # note how far training was, then the usual Ctrl-C
            at_signal.append(hook.words)
            signal.default_int_handler(signum, frame)

        signal.signal(signal.SIGINT, interrupted)
        model = Word2Vec(**{dict(EXACT, epochs=500, workers=2)!r})
        model.build_vocab({str(corpus_file)!r})
        try:
            model.train({str(corpus_file)!r}, checkpoint={str(ckpt)!r}, report_delay=0.1,
                        callbacks=[hook])
        except KeyboardInterrupt:
            ok = all(np.isfinite(w).all() for w in model._weights())
            near = model.wv.most_similar("king", topn=3)
            print(json.dumps({{"at_signal": at_signal[0], "finite": bool(ok),
                              "near": len(near), "epochs": model.epochs_trained,
                              "history": len(model.loss_history)}}), flush=True)
    """,
    )
    _wait_for(proc, "PROGRESS", count=3)
    out, err = interrupt(proc)
    report = json.loads(out.strip().splitlines()[-1])
    assert report["finite"] and report["near"] == 3
    assert report["epochs"] == report["history"]
    state = RunState.from_meta(load_native(ckpt)[1]["checkpoint"], ckpt)
    # Workers stop after the chunk under way: after the last progress report before the
    # signal, at most 2 chunks under way and 2 finished since that report (chunks of at most
    # 65,536 ids) train, of 500 epochs x 150k words. Counted in words, not seconds: wall time
    # on a shared machine proves nothing.
    assert 0 < sum(state.words) - report["at_signal"] <= 4 * 65_536, report
    assert 0 < state.next_job < len(state.loss) * 3
    assert sum(state.chunks_done) == state.next_job  # no chunk half-applied or lost


def test_chunks_stay_short_for_expensive_layers():
    from w2v.params import Params

    assert chunk_ids(Params(), 100_000) == 1 << 16  # defaults unchanged
    assert chunk_ids(Params(sg=1, hs=1, negative=0), 1_000_000) > 30_000
    small = chunk_ids(Params(softmax=1, negative=0), 50_000)
    assert 64 <= small < 1000


def test_a_softmax_run_is_cut_into_small_chunks():
    # The costliest layer at a vocabulary large enough to matter: chunks are sized from the
    # layer's cost (chunk_ids), so that stopping and checkpoints never wait long for one.
    # Checked by the words each chunk trains; its seconds are a benchmark's business.
    words = [f"w{i}" for i in range(2000)]
    rng = np.random.default_rng(0)
    sentences = [list(rng.choice(words, 100)) for _ in range(40)]
    chunk_words = []
    import w2v.training as module

    original = module.train_chunk

    def counted(*args):
        out = original(*args)
        chunk_words.append(out[2])  # (loss, predictions, words read)
        return out

    model = Word2Vec(sg=1, softmax=1, negative=0, min_count=1, epochs=1, workers=1)
    model.build_vocab(sentences)
    module.train_chunk, saved = counted, module.train_chunk
    try:
        model.train(sentences)
    finally:
        module.train_chunk = saved
    assert sum(chunk_words) == 4000
    assert len(chunk_words) > 3 and max(chunk_words) <= 4000 / 4, chunk_words


@pytest.mark.parametrize(
    ("kw", "name"),
    [
        ({"checkpoint_every": 0}, "checkpoint_every"),
        ({"checkpoint_every": float("nan")}, "checkpoint_every"),
        ({"checkpoint_every_chunks": 0}, "checkpoint_every_chunks"),
        ({"checkpoint": "/no/such/dir/ckpt.w2v"}, "does not exist"),
    ],
)
def test_bad_checkpoint_arguments_fail_before_training(kw, name):
    model = Word2Vec(min_count=1)
    model.build_vocab([["a", "b", "c"]] * 3)
    with pytest.raises(ParameterError, match=name):
        model.train([["a", "b", "c"]] * 3, **kw)


@pytest.mark.parametrize("alpha", [1.0, 1e6])
@pytest.mark.parametrize("layer", [{"negative": 5}, {"hs": 1, "negative": 0}])
def test_divergence_leaves_finite_weights_and_history(alpha, layer, tmp_path):
    rng = np.random.default_rng(1)
    sentences = [list(rng.choice([f"w{i}" for i in range(30)], 20)) for _ in range(400)]
    model = Word2Vec(sentences[:50], min_count=1, epochs=1, workers=2, seed=3, **layer)
    before = [w.copy() for w in model._weights()]
    history = list(model.loss_history)
    ckpt = tmp_path / "ckpt.w2v"
    # detect and restore: the run is refused, the model is exactly as before it
    with pytest.raises(TrainingError, match="diverged.*restored to their values before"):
        model.train(sentences, alpha=alpha, min_alpha=alpha, epochs=3, checkpoint=ckpt,
                    checkpoint_every_chunks=1)  # fmt: skip
    for a, b in zip(before, model._weights(), strict=True):
        assert np.array_equal(a, b)
    assert model.loss_history == history and model.epochs_trained == 1
    assert model.wv.most_similar("w1", topn=2)
    assert all(np.isfinite(w).all() for w in model._weights())
    assert all(np.isfinite(model.loss_history))
    if ckpt.exists():  # only finite states are ever checkpointed
        arrays, _ = load_native(ckpt)
        assert all(np.isfinite(a).all() for a in arrays.values() if a.dtype.kind == "f")


# ------------------------------------------------------------------------ command line
@pytest.mark.slow
def test_cli_ctrl_c_writes_a_checkpoint_and_says_how_to_resume(corpus_file, tmp_path):
    ckpt, out = tmp_path / "ckpt.w2v", tmp_path / "v.txt"
    proc = subprocess.Popen(
        [sys.executable, "-m", "w2v", "train", corpus_file, "-o", out, "--epochs", "2000",
         "--workers", "2", "--checkpoint", ckpt, "--save-vocab", tmp_path / "vocab.txt"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=subprocess_env(),
    )  # fmt: skip
    deadline = time.time() + 60
    while not (tmp_path / "vocab.txt").exists() and time.time() < deadline:
        time.sleep(0.1)
    time.sleep(1.0)  # into training
    sent = time.time()
    _, err = interrupt(proc)
    assert time.time() - sent < 5  # interpreter exit included
    assert proc.returncode == 130, err
    assert f"checkpoint {ckpt} (continue with --resume {ckpt})" in err
    assert not out.exists()
    state = RunState.from_meta(load_native(ckpt)[1]["checkpoint"], ckpt)
    assert 0 < state.next_job < 2000 and sum(state.chunks_done) == state.next_job


def test_cli_resume_finishes_the_run_exactly(corpus_file, straight, tmp_path, capsys):
    from w2v.formats import load_word2vec_format

    ckpt = tmp_path / "ckpt.w2v"
    model = Word2Vec(**EXACT)
    model.build_vocab(corpus_file)

    class StopAtFirstEpoch:
        def __getattr__(self, name):
            return (lambda m, p: m.stop()) if name == "on_epoch_end" else (lambda *a: None)

    model.train(corpus_file, checkpoint=ckpt, callbacks=[StopAtFirstEpoch()])
    assert model.epochs_trained < 3
    done_before = sum(read_state(ckpt).words)
    assert done_before > 0
    # options the checkpoint fixes are refused, not silently ignored
    proc = call(capsys, "train", corpus_file, "--resume", ckpt, "-o", tmp_path / "v.bin",
                "--vector-size", 50, "--epochs", 9)  # fmt: skip
    assert proc.returncode == 2
    assert "--vector-size, --epochs" in one_line_error(proc)
    assert not (tmp_path / "v.bin").exists()
    proc = call(capsys, "train", corpus_file, "--resume", ckpt, "-o", tmp_path / "v.bin")
    assert proc.returncode == 0, proc.stderr
    words, vectors = load_word2vec_format(tmp_path / "v.bin", binary=True)
    assert words == straight.vocab.words
    assert np.array_equal(vectors, straight.wv.vectors)
    # the summary counts only the words this run trained
    trained = re.search(r"^trained +([\d,]+) words in (\d) epoch", proc.stdout, flags=re.M)
    assert trained, proc.stdout
    now = int(trained.group(1).replace(",", ""))
    assert now == straight.epoch_history[-1].words - done_before
    assert int(trained.group(2)) == 3 - model.epochs_trained
    # a finished checkpoint trains nothing and says so (no words/s)
    proc = call(capsys, "train", corpus_file, "--resume", ckpt, "-o", tmp_path / "v.bin")
    assert proc.returncode == 0, proc.stderr
    assert "already finished" in proc.stdout and "words/s" not in proc.stdout

    other = tmp_path / "other.txt"
    other.write_text("just a few other words\n" * 50)
    proc = call(capsys, "train", other, "--resume", ckpt, "-o", tmp_path / "v2.bin")
    assert proc.returncode == 1 and "different corpus" in one_line_error(proc)
    proc = call(capsys, "train", other, "--resume", tmp_path / "nope.w2v", "-o", tmp_path / "x")
    assert proc.returncode == 1 and "no such checkpoint" in one_line_error(proc)
