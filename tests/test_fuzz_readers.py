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

The generators are in ``helpers.py``, shared with ``benchmarks/stress/fuzz_readers.py`` (the
long run with 100,000+ inputs); this module runs a few hundred derandomized examples per reader.
"""

from __future__ import annotations

import json
import random
import struct
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import w2v.formats.word2vec_format as formats
from helpers import (
    JUNK_VALUES,
    MODEL_META_KEYS,
    PARAM_KEYS,
    READERS,
    SLOW_SECONDS,
    generate,
    make_seeds,
    run_one,
)
from w2v.errors import FormatError
from w2v.formats import (
    NATIVE_MAGIC,
    load_native,
    load_word2vec_format,
    save_native,
)
from w2v.word2vec import Word2Vec

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


@pytest.mark.parametrize("field", [*MODEL_META_KEYS, *(f"params.{k}" for k in PARAM_KEYS)])
def test_model_header_every_field_edited(seeds, workdir, field):
    """Each field of a saved model's header, set to every junk value or removed: the model
    loads, or Word2Vec.load raises FormatError (run_one fails on anything else)."""
    arrays, meta = load_native_bytes(seeds["model"][0], workdir)
    for value in [*JUNK_VALUES, "remove"]:
        edited = json.loads(json.dumps(meta))
        target, key = (edited["params"], field[7:]) if field.startswith("params.") else (
            edited, field)  # fmt: skip
        if value == "remove":
            target.pop(key, None)
        else:
            target[key] = value
        path = Path(workdir) / "edited.w2v"
        save_native(path, arrays, edited)
        outcome, _ = run_one("model", path.read_bytes(), workdir)
        assert outcome in ("ok", "FormatError"), (field, value, outcome)


def load_native_bytes(data: bytes, workdir: str) -> tuple[dict, dict]:
    path = Path(workdir) / "seed.w2v"
    path.write_bytes(data)
    arrays, meta = load_native(path, mmap=False)
    return {k: np.array(v) for k, v in arrays.items()}, meta


def test_model_header_infinite_count_is_a_format_error(seeds, tmp_path):
    # Was: OverflowError (cannot convert float infinity to integer) from Word2Vec.load.
    path = tmp_path / "m.w2v"
    path.write_bytes(seeds["model"][0])
    arrays, meta = load_native(path, mmap=False)
    arrays = {k: np.array(v) for k, v in arrays.items()}
    meta["corpus_total_words"] = 12345
    save_native(path, arrays, meta)
    data = path.read_bytes()
    assert data.count(b"12345") == 1
    path.write_bytes(data.replace(b"12345", b"1e309"))  # same length: offsets unchanged
    with pytest.raises(FormatError, match="corpus_total_words must be an integer >= 0, got inf"):
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
