"""Fuzzing every file reader (issue 6): hostile input may only raise w2v's own errors.

Readers: word2vec text (with and without header), word2vec binary, the native container
(memory-mapped and copied), the native model (``Word2Vec.load``) and word2vec.c's
vocabulary file (``Vocabulary.load``). Inputs are random bytes and mutations of valid files:
truncations, flipped/inserted/deleted bytes, forged headers (huge counts, wrong dimensions),
NaN/inf and junk numbers, invalid UTF-8, missing or CRLF newlines, forged JSON headers.

Contract checked for every input: the reader returns, or raises a
:class:`w2v.errors.W2VError` subclass (warnings are allowed); it never hangs (a watchdog
kills the process after ``HANG_SECONDS``) and never allocates memory the file could not
back (a forged header claiming 10^12 vectors is refused before allocating).

The generators here are shared with ``benchmarks/fuzz_readers.py`` (the nightly-style run
with 100,000+ inputs); this module runs a few hundred derandomized examples per reader.
"""

from __future__ import annotations

import faulthandler
import json
import os
import random
import struct
import tempfile
import time
import tracemalloc
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import w2v.formats.word2vec_format as formats
from w2v.errors import FormatError, W2VError
from w2v.formats import (
    NATIVE_MAGIC,
    encode_words,
    load_native,
    load_word2vec_format,
    save_native,
    save_word2vec_format,
)
from w2v.vocabulary import Vocabulary
from w2v.word2vec import Word2Vec

#: A reader that takes longer than this on a tiny input is considered hung.
HANG_SECONDS = 60
#: Inputs are small (< 10 kB); anything slower than this is reported as a slow input.
SLOW_SECONDS = 2.0

# ----------------------------------------------------------------------------- readers


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


# ----------------------------------------------------------------------------- mutations

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
    [10**12, 300], [-1], [2**62, 2**62], [1.5], [True], [[1]], float("nan"),
]  # fmt: skip
PARAM_KEYS = ["vector_size", "negative", "hs", "window", "seed", "softmax", "workers", "bogus"]


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
            key = rnd.choice(list(meta))
            if rnd.random() < 0.5:
                del meta[key]
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


# ----------------------------------------------------------------------------- tests


@pytest.fixture(scope="module")
def seeds(tmp_path_factory) -> dict[str, list[bytes]]:
    return make_seeds(str(tmp_path_factory.mktemp("seeds")))


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("fuzz"))


def test_seeds_are_valid(seeds, workdir):
    for name, (_, family) in READERS.items():
        for data in seeds[family]:
            assert run_one(name, data, workdir)[0] == "ok", (name, data[:60])


FUZZ = settings(
    max_examples=300,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.parametrize("name", [n for n in READERS if n != "model"])
@FUZZ
@given(st.integers(0, 2**64 - 1))
def test_fuzz_reader(name, seeds, workdir, seed):
    data = generate(READERS[name][1], seeds, random.Random(seed))
    _, elapsed = run_one(name, data, workdir)
    assert elapsed < SLOW_SECONDS * 5, f"{name}: {elapsed:.1f} s on {data[:80]!r}"


@FUZZ
@given(st.integers(0, 2**64 - 1))
def test_fuzz_model_reader(seeds, workdir, seed):
    # everything that goes through Word2Vec.load must end as a W2VError (run_one checks)
    data = generate("model", seeds, random.Random(seed))
    _, elapsed = run_one("model", data, workdir)
    assert elapsed < SLOW_SECONDS * 5


def _model_with_meta(seeds, tmp_path: Path, change: Callable[[dict], object]) -> Path:
    """The seed model file with its metadata changed by `change` (arrays unchanged)."""
    path = tmp_path / "m.w2v"
    path.write_bytes(seeds["model"][0])
    arrays, meta = load_native(path, mmap=False)
    change(meta)
    save_native(path, arrays, meta)
    return path


def test_model_header_missing_keys(seeds, tmp_path):
    path = _model_with_meta(seeds, tmp_path, lambda meta: meta.pop("total_tokens"))
    with pytest.raises(FormatError):
        Word2Vec.load(path)


def test_model_forged_vector_size_allocates_nothing_big(seeds, tmp_path):
    # 4 words x 2M dims: ~100 MB (kept small; 10**9 would really allocate 16 GB)
    path = _model_with_meta(seeds, tmp_path, lambda m: m["params"].update(vector_size=2_000_000))
    tracemalloc.start()
    try:
        with pytest.raises(FormatError):
            Word2Vec.load(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 << 20, f"peak {peak / 2**20:.0f} MiB"


@FUZZ
@given(st.binary(max_size=400))
def test_fuzz_random_bytes_all_readers(seeds, workdir, data):
    for name in READERS:
        run_one(name, data, workdir)


# ------------------------------------------------------------- regressions found by fuzzing


@pytest.mark.parametrize("binary", [False, True])
@pytest.mark.parametrize("header", [b"0 1000000000000000000000000000000\n", b"1 2147483648\n"])
def test_huge_dimension_is_refused(tmp_path, binary, header):
    # Was: OverflowError / "array is too big" / ENOMEM from numpy or numba.
    path = tmp_path / "v"
    path.write_bytes(header + b"a 1\n")
    with pytest.raises(FormatError, match="dimension .* at most 2147483647"):
        load_word2vec_format(path, binary=binary)


def test_text_lines_too_short_for_declared_dimension(tmp_path, big_allocations):
    # Enough lines for the count, far too few bytes for the dimension: refused before
    # allocating (was: a 4 GB map for one row).
    path = tmp_path / "v.txt"
    path.write_bytes(b"2 1000000000\na 1\nb 2\n")
    with pytest.raises(FormatError, match="cannot hold them"):
        load_word2vec_format(path)
    assert all(n < 1 << 20 for n in big_allocations)


def _native_with_header(path: Path, header: object, raw: bytes | None = None) -> None:
    text = raw if raw is not None else json.dumps(header).encode()
    path.write_bytes(NATIVE_MAGIC + struct.pack("<IQ", 1, len(text)) + text + b"\0" * 1024)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (None, "corrupt native header: the header must be a JSON object"),
        ([], "must be a JSON object"),
        ({"meta": {}, "arrays": [3]}, "needs name, dtype"),
        ({"meta": {}, "arrays": [{"name": ["x"], "dtype": "<f4", "shape": [1], "offset": 64,
                                  "nbytes": 4}]}, "name must be a non-empty string"),
        ({"meta": {}, "arrays": [{"name": "x", "dtype": "O", "shape": [1], "offset": 64,
                                  "nbytes": 8}]}, "unsupported dtype"),
        ({"meta": {}, "arrays": [{"name": "x", "dtype": "(1000000000000,)f4", "shape": [1],
                                  "offset": 64, "nbytes": 4}]}, "bad dtype|unsupported dtype"),
        ({"meta": {}, "arrays": [{"name": "x", "dtype": ["a"], "shape": [1], "offset": 64,
                                  "nbytes": 4}]}, "bad dtype"),
        ({"meta": {}, "arrays": [{"name": "x", "dtype": "<f4", "shape": [True], "offset": 64,
                                  "nbytes": 4}]}, "list of integers"),
        ({"meta": {}, "arrays": [{"name": "x", "dtype": "<f4", "shape": [2**62, 2**62],
                                  "offset": 64, "nbytes": 0}]}, "does not match"),
        ({"meta": {}, "arrays": [{"name": "x", "dtype": "<f4", "shape": [1], "offset": 1.5,
                                  "nbytes": 4}]}, "offset and nbytes must be integers"),
        ({"meta": {}, "arrays": [{"name": "x", "dtype": "<f4", "shape": [0], "offset": 512,
                                  "nbytes": 0}] * 2}, "appears twice"),
    ],
)  # fmt: skip
def test_native_forged_headers(tmp_path, header, message):
    # Found by fuzzing: TypeError (list as a name), object/sub-array dtypes, bools as sizes,
    # overflowing shape products, duplicate names.
    path = tmp_path / "m.w2v"
    _native_with_header(path, header)
    for mmap in (True, False):
        with pytest.raises(FormatError, match=message):
            load_native(path, mmap=mmap)


def test_native_deeply_nested_header(tmp_path):
    # Was: RecursionError from the JSON decoder.
    path = tmp_path / "m.w2v"
    _native_with_header(path, None, raw=b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(FormatError, match="corrupt native header"):
        load_native(path)


# ------------------------------------------------------------- forged headers: no allocation


@pytest.fixture
def big_allocations(monkeypatch) -> list[int]:
    """Record every _empty_large request (anonymous maps are invisible to tracemalloc)."""
    requests: list[int] = []
    real = formats._empty_large

    def spy(shape, dtype):
        requests.append(int(np.prod(shape, dtype=object)) * np.dtype(dtype).itemsize)
        return real(shape, dtype)

    monkeypatch.setattr(formats, "_empty_large", spy)
    return requests


FORGED = {
    "text": b"1000000000000 300\nthe " + b"0.5 " * 300 + b"\n",
    "binary": b"1000000000000 300\nthe " + b"\0" * 1200 + b"\n",
}


@pytest.mark.parametrize("name", ["text", "binary"])
def test_forged_header_claiming_1e12_vectors_allocates_nothing_big(name, tmp_path, big_allocations):
    path = tmp_path / "forged"
    path.write_bytes(FORGED[name])
    tracemalloc.start()
    try:
        with pytest.raises(FormatError, match="expected 1000000000000 vectors"):
            READERS[name][0](str(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20, f"peak {peak} bytes"
    assert all(n < 1 << 20 for n in big_allocations)


def test_forged_native_shape_allocates_nothing_big(tmp_path):
    path = tmp_path / "forged.w2v"
    save_native(path, {"syn0": np.zeros((2, 3), np.float32)}, {})
    data = path.read_bytes()
    header_len = struct.unpack("<Q", data[12:20])[0]
    header = json.loads(data[20 : 20 + header_len])
    header["arrays"][0].update(shape=[10**12, 300], nbytes=4 * 300 * 10**12)
    text = json.dumps(header).encode()
    forged = data[:12] + struct.pack("<Q", len(text)) + text + b"\0" * 64
    path.write_bytes(forged)
    for mmap in (True, False):
        tracemalloc.start()
        try:
            with pytest.raises(FormatError, match="truncated native file|invalid offset"):
                load_native(path, mmap=mmap)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak < 1 << 20
