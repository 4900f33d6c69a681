"""Helpers shared by the tests (and by ``benchmarks/stress/fuzz_readers.py``).

- Project layout: :data:`ROOT`, :data:`SRC`; :func:`subprocess_env` runs this tree's code.
- :func:`call` / :func:`one_line_error`: the command line in this process, and its error line.
- :func:`step_loss_and_grads`: an independent float64 implementation of one word2vec step's
  loss and gradients, written from the equations, not from the kernels, so the tests can check
  the kernels against it (and it against finite differences).
- Reader fuzzing: :data:`READERS`, :func:`make_seeds`, :func:`generate`, :func:`run_one`
  (small valid files of every format, mutated; the contract each reader must keep).

Test data is found by the fixtures in ``conftest.py``, not here.
"""

from __future__ import annotations

import faulthandler
import json
import logging
import os
import random
import signal
import struct
import subprocess
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

from w2v.errors import W2VError
from w2v.formats import (
    NATIVE_MAGIC,
    encode_words,
    load_native,
    load_word2vec_format,
    save_native,
    save_word2vec_format,
)
from w2v.keyed_vectors import KeyedVectors
from w2v.params import Params
from w2v.vocabulary import Vocabulary
from w2v.word2vec import Word2Vec

#: The project root (the directory with pyproject.toml) and its source tree.
ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"


# ------------------------------------------------------------------------- subprocesses


def subprocess_env() -> dict[str, str]:
    """Environment for a child Python that imports this tree's ``w2v`` (first on the path)."""
    env = dict(os.environ)
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), *paths])
    env.pop("W2V_DEMO_QUICK", None)
    return env


def interrupt(proc: subprocess.Popen[str], timeout: float = 60) -> tuple[str, str]:
    """Send Ctrl-C (SIGINT) to ``proc`` and return its ``(stdout, stderr)``. A child still
    running after ``timeout`` seconds is killed before the test fails, so that it does not
    go on loading the machine under the tests that follow."""
    proc.send_signal(signal.SIGINT)
    try:
        return proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


# ------------------------------------------------------------------------- the command line


class InProcess:
    """Result of :func:`call`: the same fields as a CompletedProcess."""

    def __init__(self, returncode: int, stdout: str, stderr: str) -> None:
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def call(capsys, *args: object) -> InProcess:
    """``w2v.cli.main`` in this process: the same code path minus interpreter start-up, for
    the many error cases (each command also runs at least once as a real process)."""
    from w2v.cli import main

    capsys.readouterr()
    log = logging.getLogger("w2v")
    saved = (list(log.handlers), log.level, log.propagate)
    try:
        rc = main([str(a) for a in args])
    finally:  # leave logging as other tests expect it
        log.handlers[:], log.level, log.propagate = saved
    out = capsys.readouterr()
    return InProcess(rc, out.out, out.err)


def one_line_error(proc) -> str:
    """The error message: exactly one ``w2v: error:`` line, last on stderr, no traceback
    (informational log lines may come before it)."""
    lines = proc.stderr.strip().splitlines()
    errors = [line for line in lines if "error" in line.lower()]
    assert len(errors) == 1 and lines[-1] == errors[0], proc.stderr
    assert errors[0].startswith("w2v: error: "), proc.stderr
    assert "Traceback" not in proc.stderr
    return errors[0]


# ------------------------------------------------------------------------- reference gradients


def log_sigmoid(x: np.ndarray) -> np.ndarray:
    return -np.logaddexp(0.0, -x)


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def output_loss_and_grads(h, target, layer, p, negs=None, path=None):
    """Loss of predicting ``target`` from hidden vector ``h`` and its gradients.

    ``p`` maps names to float64 arrays: ``W`` (output matrix) and ``b`` (output bias or None).
    Returns ``(loss, dL/dh, {name: dL/dname})``.
    """
    W, b = p["W"], p["b"]
    bias = b if b is not None else np.zeros(W.shape[0])
    gW = np.zeros_like(W)
    gb = np.zeros_like(bias)
    if layer == "softmax":
        u = W @ h + bias
        logz = np.logaddexp.reduce(u)
        prob = np.exp(u - logz)
        loss = logz - u[target]
        du = prob.copy()
        du[target] -= 1.0
        gW += np.outer(du, h)
        gb += du
        gh = W.T @ du
    else:
        if layer == "negative":
            rows = np.array([target, *negs])
            labels = np.array([1.0] + [0.0] * len(negs))
        else:  # hierarchical softmax: inner nodes on the path, branch label 1 - code
            rows, codes = path
            labels = 1.0 - codes
        s = W[rows] @ h + bias[rows]
        sign = 2.0 * labels - 1.0
        loss = -log_sigmoid(sign * s).sum()
        ds = sigmoid(s) - labels  # d(-log sigmoid(sign*s))/ds
        gh = W[rows].T @ ds
        np.add.at(gW, rows, np.outer(ds, h))
        np.add.at(gb, rows, ds)
    return float(loss), gh, {"W": gW, "b": gb if b is not None else None}


def step_loss_and_grads(arch, syn0, hbias, context, target, layer, p, cbow_mean=True, **kw):
    """Loss and gradients of one training step.

    CBOW: ``h = mean(syn0[context]) + hbias`` predicts ``target`` once. Skip-gram: each
    context word's ``syn0[c] + hbias`` predicts ``target`` (the block's summed loss).
    """
    g0 = np.zeros_like(syn0)
    ghb = np.zeros_like(hbias) if hbias is not None else None
    hb = hbias if hbias is not None else 0.0
    total = 0.0
    gout = {"W": np.zeros_like(p["W"]), "b": None if p["b"] is None else np.zeros_like(p["b"])}
    if arch == "cbow":
        inputs = [list(context)]
    else:
        inputs = [[c] for c in context]
    for rows in inputs:
        scale = 1.0 / len(rows) if cbow_mean else 1.0
        h = syn0[rows].sum(axis=0) * scale + hb
        loss, gh, go = output_loss_and_grads(h, target, layer, p, **kw)
        total += loss
        for r in rows:
            g0[r] += gh * scale
        if ghb is not None:
            ghb += gh
        gout["W"] += go["W"]
        if gout["b"] is not None:
            gout["b"] += go["b"]
    return total, g0, ghb, gout


# ------------------------------------------------------------------------- reader fuzzing

#: A reader that takes longer than this on a tiny input is considered hung.
HANG_SECONDS = 60
#: Inputs are small (< 10 kB); anything slower than this is reported as a slow input.
SLOW_SECONDS = 2.0

# readers and the seed files they start from


def _touch(arrays: dict[str, np.ndarray]) -> None:
    # Read every mapped byte: an offset past the end of the file would crash (SIGBUS) here.
    for a in arrays.values():
        np.ascontiguousarray(a).tobytes()


def _read_native(path: str) -> None:
    arrays, _ = load_native(path, mmap=True)
    _touch(arrays)


def _read_native_copy(path: str) -> None:
    arrays, _ = load_native(path, mmap=False)
    _touch(arrays)


def _read_model(path: str) -> None:
    model = Word2Vec.load(path, mmap=True)
    _touch({"syn0": model.wv.vectors})


#: name -> (reader, seed family)
READERS: dict[str, tuple[Callable[[str], object], str]] = {
    "text": (lambda p: load_word2vec_format(p), "text"),
    "text-noheader": (lambda p: load_word2vec_format(p, no_header=True), "noheader"),
    "binary": (lambda p: load_word2vec_format(p, binary=True), "binary"),
    "native": (_read_native, "native"),
    "native-copy": (_read_native_copy, "native"),
    "model": (_read_model, "model"),
    "vocab": (Vocabulary.load, "vocab"),
}


def make_seeds(directory: str) -> dict[str, list[bytes]]:
    """Small valid files of every family (the starting points of the mutations)."""
    rng = np.random.default_rng(0)
    words = ["the", "of", "naïve", "東京", "a,b", "x" * 20]
    v = rng.standard_normal((len(words), 5)).astype(np.float32)
    v[0, :3] = [1e-45, -0.0, 3.4e38]
    d = Path(directory)
    seeds: dict[str, list[bytes]] = {k: [] for k in ("text", "noheader", "binary")}
    for n in (1, 2, len(words)):
        save_word2vec_format(d / "t", words[:n], v[:n])
        seeds["text"].append((d / "t").read_bytes())
        save_word2vec_format(d / "g", words[:n], v[:n], write_header=False)
        seeds["noheader"].append((d / "g").read_bytes())
        save_word2vec_format(d / "b", words[:n], v[:n], binary=True)
        data = (d / "b").read_bytes()
        seeds["binary"].append(data)
        gensim_style = b"".join(
            w.encode() + b" " + r.tobytes() for w, r in zip(words[:n], v[:n], strict=True)
        )
        seeds["binary"].append(f"{n} 5\n".encode() + gensim_style)  # no newline per vector
    seeds["text"].append(b"2 3\nthe 0.100000 -0.200000 3.000000 \n</s> 1.5 2.5 -3.5 \n")
    blob, offsets = encode_words(words)
    arrays = {"words_blob": blob, "words_offsets": offsets, "syn0": v, "flags": v[:, 0] > 0}
    save_native(d / "n", arrays, {"dim": 5, "name": "naïve", "loss": [1.5]})
    seeds["native"] = [(d / "n").read_bytes()]
    save_native(d / "e", {}, {})
    seeds["native"].append((d / "e").read_bytes())
    model = Word2Vec(vector_size=4, min_count=1, negative=2, hs=1, workers=1)
    model.build_vocab([["a", "b", "naïve", "a"], ["b", "c"]])
    model.save(d / "m")
    seeds["model"] = [(d / "m").read_bytes()]
    Vocabulary(["the", "naïve", "a\xa0b"], np.array([5, 3, 1])).save(d / "v")
    seeds["vocab"] = [(d / "v").read_bytes(), b"</s> 0\nthe 10\nof 7\n"]
    return seeds


# mutations

HUGE = [0, 1, 2, 3, 7, 10**12, 2**31, 2**32 + 1, 2**63 - 1, 2**63, 2**64 + 5, 10**30, -1]
JUNK_NUMBERS = [
    b"nan", b"-nan", b"inf", b"-inf", b"NaN", b"1e999", b"-1e999", b"1e-999", b"", b"x",
    b"0x1p3", b"1_000", "١".encode(), b"+", b"-", b".", b"1.5e38x", b"--1", b"1e", b"\x00",
    b"3.4028236e38", b"1" * 400,
]  # fmt: skip
JUNK_DTYPES = [
    "O", "V8", "<U4", "M8[s]", "(1000000000000,)f4", "f4,i4", "", 42, None, ">f8", "|b1",
    "S0", "float128", "<c16", "<f2", [["a", "<f4"]], "<i8", "(2,)<f4",
]  # fmt: skip
JUNK_VALUES = [
    None, True, -1, 0, 1, 63, 64, 2**63, 2**64 + 1, 10**12, -(2**70), 1.5, "3", "x", [], {},
    [10**12, 300], [-1], [2**62, 2**62], [1.5], [True], [[1]], float("nan"), float("inf"),
    -float("inf"), 1e308, "split", "replace",
]  # fmt: skip
#: Every model parameter (new ones included as they are added) and one that does not exist.
PARAM_KEYS = [*Params.names(), "bogus"]
#: Every field of a saved model's metadata besides ``params``.
MODEL_META_KEYS = ["kind", "total_tokens", "loss_history", "epochs_trained", "corpus_count",
                   "corpus_total_words"]  # fmt: skip


def _forge_header(data: bytes, rnd: random.Random) -> bytes:
    end = data.find(b"\n")
    rest = data[end:] if end >= 0 else b"\n" + data
    parts = data[: max(end, 0)].split()
    count = parts[0] if parts else b"1"
    dim = parts[1] if len(parts) > 1 else b"1"
    pick = rnd.randrange(4)
    if pick == 0:
        count = str(rnd.choice(HUGE)).encode()
    elif pick == 1:
        dim = str(rnd.choice(HUGE)).encode()
    elif pick == 2:
        try:
            count, dim = str(int(count) + rnd.choice([-1, 1])).encode(), dim
        except ValueError:
            pass
    else:
        count, dim = rnd.choice([(b" 3", b"4"), (b"3.0", b"4"), (b"0x10", b"4"), (b"1e3", b"4")])
    return count + b" " + dim + rest


def _forge_json(data: bytes, rnd: random.Random) -> bytes:
    """Change one field of a native file's JSON header, keeping the data where it was."""
    if len(data) < 20 or data[:8] != NATIVE_MAGIC:
        return data
    version, header_len = struct.unpack("<IQ", data[8:20])
    if 20 + header_len > len(data):
        return data
    try:
        header = json.loads(data[20 : 20 + header_len])
    except (ValueError, RecursionError):
        return data
    pick = rnd.randrange(9)
    entries = header.get("arrays") if isinstance(header, dict) else None
    if pick < 4 and isinstance(entries, list) and entries:
        entry = rnd.choice(entries)
        key = rnd.choice(["dtype", "shape", "offset", "nbytes", "name"])
        entry[key] = rnd.choice(JUNK_DTYPES if key == "dtype" else JUNK_VALUES)
        if rnd.random() < 0.3:
            del entry[rnd.choice(list(entry))]
    elif pick == 4 and isinstance(entries, list) and entries:
        entries.append(dict(rnd.choice(entries)))  # duplicate name
    elif pick == 5 and isinstance(header, dict) and isinstance(header.get("meta"), dict):
        meta = header["meta"]
        params = meta.get("params")
        if isinstance(params, dict) and rnd.random() < 0.7:
            params[rnd.choice(PARAM_KEYS)] = rnd.choice(JUNK_VALUES + [10**9, 3, 0])
        elif meta:
            key = rnd.choice(sorted(set(meta) | set(MODEL_META_KEYS)))
            if rnd.random() < 0.5:
                meta.pop(key, None)
            else:
                meta[key] = rnd.choice(JUNK_VALUES)
    elif pick == 6:
        header = rnd.choice([[], None, 3, {"meta": {}}, {"arrays": []}, {"meta": [], "arrays": {}}])
    elif pick == 7:
        nested = "[" * 100_000 + "]" * 100_000  # deep nesting: json recursion limit
        return data[:8] + struct.pack("<IQ", version, len(nested)) + nested.encode()
    else:
        version = rnd.choice([0, 2, 2**32 - 1])
    text = json.dumps(header).encode()
    if len(text) < header_len:
        text += b" " * (header_len - len(text))  # same length: offsets stay valid
    else:
        header_len = len(text) if rnd.random() < 0.5 else header_len
    out = data[:8] + struct.pack("<IQ", version, header_len) + text
    return out + data[20 + max(header_len, len(text)) :]


def _forge_prefix(data: bytes, rnd: random.Random) -> bytes:
    if len(data) < 20:
        return data
    return (
        data[:12]
        + struct.pack(
            "<Q", rnd.choice([h for h in HUGE if 0 <= h < 2**64] + [len(data), len(data) - 20])
        )
        + (data[20:])
    )


def _junk_number(data: bytes, rnd: random.Random) -> bytes:
    tokens = data.split(b" ")
    if len(tokens) < 2:
        return data
    i = rnd.randrange(1, len(tokens))
    tail = b"\n" if tokens[i].endswith(b"\n") else b""
    tokens[i] = rnd.choice(JUNK_NUMBERS) + tail
    return b" ".join(tokens)


def _vocab_line(data: bytes, rnd: random.Random) -> bytes:
    lines = data.split(b"\n")
    i = rnd.randrange(len(lines))
    choice = rnd.randrange(4)
    if choice == 0:
        lines[i] = b"w " + rnd.choice(JUNK_NUMBERS + [str(h).encode() for h in HUGE])
    elif choice == 1:
        lines.insert(i, lines[rnd.randrange(len(lines))])  # duplicate word
    elif choice == 2:
        lines.insert(i, "a\u2028b\xa0c 3".encode())
    else:
        lines.insert(i, b"\t \r")
    return b"\n".join(lines)


def _span(data: bytes, rnd: random.Random) -> tuple[int, int]:
    i = rnd.randrange(len(data) + 1)
    return i, min(len(data), i + rnd.choice([1, 2, 4, 16, 100]))


GENERIC: list[Callable[[bytes, random.Random], bytes]] = [
    lambda d, r: d[: r.randrange(len(d) + 1)],  # truncate
    lambda d, r: bytes(b ^ (1 << r.randrange(8)) if r.random() < 0.05 else b for b in d),
    lambda d, r: (lambda i, j: d[:i] + bytes(r.randrange(256) for _ in range(j - i + 1)) + d[i:])(
        *_span(d, r)
    ),  # insert random bytes
    lambda d, r: (lambda i, j: d[:i] + d[j:])(*_span(d, r)),  # delete a range
    lambda d, r: (lambda i, j: d[:j] + d[i:j] + d[j:])(*_span(d, r)),  # duplicate a range
    lambda d, r: d.replace(b"\n", b"", r.randrange(1, 4)),  # missing newlines
    lambda d, r: d.replace(b"\n", b"\r\n"),
    lambda d, r: (
        lambda i: d[:i] + r.choice([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf8\x88"]) + d[i:]
    )(r.randrange(len(d) + 1)),  # invalid UTF-8
    lambda d, r: (lambda i, j: d[:i] + b"\0" * (j - i) + d[j:])(*_span(d, r)),
    lambda d, r: d + bytes(r.randrange(256) for _ in range(r.randrange(1, 40))),
]
SPECIFIC: dict[str, list[Callable[[bytes, random.Random], bytes]]] = {
    "text": [_forge_header, _junk_number, _junk_number],
    "noheader": [_junk_number, _junk_number],
    "binary": [_forge_header, _forge_header],
    "native": [_forge_json, _forge_json, _forge_json, _forge_prefix],
    "model": [_forge_json, _forge_json, _forge_json, _forge_prefix],
    "vocab": [_vocab_line, _vocab_line],
}


def mutate(data: bytes, family: str, rnd: random.Random) -> bytes:
    """Apply one to three random mutations (format-aware ones half of the time)."""
    for _ in range(rnd.randrange(1, 4)):
        ops = SPECIFIC[family] if rnd.random() < 0.5 else GENERIC
        data = rnd.choice(ops)(data, rnd)
    return data


def generate(family: str, seeds: dict[str, list[bytes]], rnd: random.Random) -> bytes:
    """One fuzz input: 10% random bytes, 90% a mutated valid file."""
    if rnd.random() < 0.1:
        return bytes(rnd.randrange(256) for _ in range(rnd.randrange(0, 200)))
    return mutate(rnd.choice(seeds[family]), family, rnd)


def run_one(name: str, data: bytes, directory: str) -> tuple[str, float]:
    """Feed `data` to reader `name`; returns (outcome, seconds).

    Outcome is ``"ok"`` or the W2VError subclass name; any other exception propagates.
    Each input gets a fresh file name, since a memory map of the previous input may still
    be alive (overwriting a mapped file in place would make it crash on access).
    """
    reader, _ = READERS[name]
    fd, path = tempfile.mkstemp(dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        faulthandler.dump_traceback_later(HANG_SECONDS, exit=True)
        start = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                reader(path)
            outcome = "ok"
        except W2VError as exc:
            outcome = type(exc).__name__
        finally:
            elapsed = time.perf_counter() - start
            faulthandler.cancel_dump_traceback_later()
        return outcome, elapsed
    finally:
        os.remove(path)


def random_kv(n: int, dim: int, seed: int = 0) -> KeyedVectors:
    """``n`` random vectors named w0, w1, ... with counts falling in vocabulary order."""
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(n)]
    counts = np.arange(n, 0, -1, dtype=np.int64) * 3
    return KeyedVectors(words, rng.standard_normal((n, dim)).astype(np.float32), counts)
