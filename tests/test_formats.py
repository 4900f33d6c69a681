"""word2vec C format (text/binary) and native container: round trips, gensim interop, bad files."""

from __future__ import annotations

import json
import os
import re
import struct
import warnings

import numpy as np
import pytest
from gensim.models import KeyedVectors as GensimKV
from hypothesis import given, settings
from hypothesis import strategies as st

from w2v.errors import FormatError, ParameterError
from w2v.formats import (
    NATIVE_FORMAT_VERSION,
    NATIVE_MAGIC,
    decode_words,
    encode_words,
    load_native,
    load_word2vec_format,
    save_native,
    save_word2vec_format,
)

WORDS = ["the", "of", "</s>", "naïve", "東京", "x" * 60, "Ünïcödé", "a,b", "q'uote"]


@pytest.fixture
def vectors() -> np.ndarray:
    rng = np.random.default_rng(42)
    v = rng.standard_normal((len(WORDS), 13)).astype(np.float32)
    # Values whose shortest repr is awkward: tiny, huge, subnormal, negative zero, exact ints.
    v[0, :5] = [1e-8, 3.4e38, 1e-45, -0.0, 7.0]
    return v


def gensim_kv(words: list[str], vectors: np.ndarray) -> GensimKV:
    kv = GensimKV(vectors.shape[1])
    kv.add_vectors(words, vectors)
    return kv


def word2vec_c_binary(words: list[str], vectors: np.ndarray) -> bytes:
    """Bytes exactly as word2vec.c's final save loop writes them (binary = 1)."""
    out = [f"{len(words)} {vectors.shape[1]}\n".encode()]
    for w, row in zip(words, vectors, strict=True):
        out.append(w.encode() + b" " + row.astype("<f4").tobytes() + b"\n")
    return b"".join(out)


# ------------------------------------------------------------------ round trips


@pytest.mark.parametrize("binary", [False, True])
def test_round_trip_is_exact(tmp_path, vectors, binary):
    path = tmp_path / "v.bin"
    save_word2vec_format(path, WORDS, vectors, binary=binary)
    words, loaded = load_word2vec_format(path, binary=binary)
    assert words == WORDS
    assert loaded.dtype == np.float32
    np.testing.assert_array_equal(loaded.view(np.uint32), vectors.view(np.uint32))  # bitwise


def test_binary_bytes_match_word2vec_c(tmp_path, vectors):
    path = tmp_path / "v.bin"
    save_word2vec_format(path, WORDS, vectors, binary=True)
    assert path.read_bytes() == word2vec_c_binary(WORDS, vectors)


def test_binary_bytes_match_gensim_plus_word2vec_c_newlines(tmp_path, vectors):
    # gensim 4.4 writes word2vec.c's layout minus the "\n" after each vector; everything
    # else (header, words, float bytes) must be identical.
    ours, theirs = tmp_path / "ours.bin", tmp_path / "gensim.bin"
    save_word2vec_format(ours, WORDS, vectors, binary=True)
    gensim_kv(WORDS, vectors).save_word2vec_format(str(theirs), binary=True)
    expected = bytearray()
    data = theirs.read_bytes()
    header_end = data.index(b"\n") + 1
    expected += data[:header_end]
    pos = header_end
    for w in WORDS:
        n = len(w.encode()) + 1 + 4 * vectors.shape[1]
        expected += data[pos : pos + n] + b"\n"
        pos += n
    assert pos == len(data)
    assert ours.read_bytes() == bytes(expected)


def test_text_bytes_match_gensim(tmp_path, vectors):
    ours, theirs = tmp_path / "ours.txt", tmp_path / "gensim.txt"
    save_word2vec_format(ours, WORDS, vectors)
    gensim_kv(WORDS, vectors).save_word2vec_format(str(theirs), binary=False)
    assert ours.read_bytes() == theirs.read_bytes()
    first = ours.read_bytes().split(b"\n")[1]
    assert first.startswith(b"the 1e-08 3.4e+38 1e-45 -0.0 7.0 ")


@pytest.mark.parametrize("binary", [False, True])
def test_gensim_reads_ours(tmp_path, vectors, binary):
    path = tmp_path / "v"
    save_word2vec_format(path, WORDS, vectors, binary=binary)
    kv = GensimKV.load_word2vec_format(str(path), binary=binary)
    assert kv.index_to_key == WORDS
    np.testing.assert_array_equal(kv.vectors, vectors)


@pytest.mark.parametrize("binary", [False, True])
def test_we_read_gensim(tmp_path, vectors, binary):
    path = tmp_path / "v"
    gensim_kv(WORDS, vectors).save_word2vec_format(str(path), binary=binary)
    if binary:  # this is gensim's variant without "\n" after each vector
        assert path.read_bytes()[-1:] != b"\n" or vectors[-1].tobytes()[-1:] == b"\n"
    words, loaded = load_word2vec_format(path, binary=binary)
    assert words == WORDS
    np.testing.assert_array_equal(loaded, vectors)


def test_reads_word2vec_c_text_layout(tmp_path):
    # word2vec.c text output: "%lf " per value (trailing space), then "\n".
    path = tmp_path / "c.txt"
    path.write_bytes(b"2 3\nthe 0.100000 -0.200000 3.000000 \n</s> 1.5 2.5 -3.5 \n")
    words, v = load_word2vec_format(path)
    assert words == ["the", "</s>"]
    np.testing.assert_array_equal(v, np.array([[0.1, -0.2, 3.0], [1.5, 2.5, -3.5]], np.float32))


def test_fasttext_vec_round_trip(tmp_path):
    # fastText .vec: the text format, values with 4-6 significant digits and a trailing space.
    vec = tmp_path / "wiki.vec"
    vec.write_text("3 4\n, 0.1234 -0.5 1e-05 2 \nthe -0.0072 0.33 -1 0.5 \nnaïve 1 2 3 4 \n")
    words, v = load_word2vec_format(vec)
    assert words == [",", "the", "naïve"]
    again = tmp_path / "again.vec"
    save_word2vec_format(again, words, v)
    words2, v2 = load_word2vec_format(again)
    assert words2 == words
    np.testing.assert_array_equal(v2, v)
    kv = GensimKV.load_word2vec_format(str(again))
    np.testing.assert_array_equal(kv.vectors, v)


def test_no_header_and_limit(tmp_path, vectors):
    path = tmp_path / "glove.txt"
    save_word2vec_format(path, WORDS, vectors, write_header=False)
    assert not path.read_bytes().startswith(f"{len(WORDS)} ".encode())
    words, v = load_word2vec_format(path, no_header=True)
    assert words == WORDS
    np.testing.assert_array_equal(v, vectors)
    words, v = load_word2vec_format(path, no_header=True, limit=3)
    assert words == WORDS[:3] and v.shape == (3, 13)


@pytest.mark.parametrize("binary", [False, True])
def test_limit(tmp_path, vectors, binary):
    path = tmp_path / "v"
    save_word2vec_format(path, WORDS, vectors, binary=binary)
    words, v = load_word2vec_format(path, binary=binary, limit=4)
    assert words == WORDS[:4]
    np.testing.assert_array_equal(v, vectors[:4])
    words, v = load_word2vec_format(path, binary=binary, limit=0)
    assert words == [] and v.shape == (0, 13)
    with pytest.raises(ParameterError, match="limit"):
        load_word2vec_format(path, binary=binary, limit=-1)


def test_text_without_final_newline_and_crlf(tmp_path):
    path = tmp_path / "v.txt"
    path.write_bytes(b"2 2\r\na 1 2\r\nb 3 4")
    words, v = load_word2vec_format(path)
    assert words == ["a", "b"]
    np.testing.assert_array_equal(v, [[1, 2], [3, 4]])


def test_large_text_file_spans_chunks(tmp_path, monkeypatch):
    import w2v.formats.word2vec_format as formats

    monkeypatch.setattr(formats, "_CHUNK_BYTES", 1000)  # many chunks on a small file
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(500)]
    v = rng.standard_normal((500, 7)).astype(np.float32)
    path = tmp_path / "v.txt"
    save_word2vec_format(path, words, v)
    got_words, got = load_word2vec_format(path)
    assert got_words == words
    np.testing.assert_array_equal(got, v)


# ------------------------------------------------------------------ unicode and duplicates


def bad_utf8_binary(tmp_path) -> os.PathLike:
    # word2vec.c truncates long words at a byte limit, which can split a UTF-8 character.
    path = tmp_path / "bad.bin"
    v = np.arange(4, dtype="<f4").reshape(2, 2)
    path.write_bytes(b"2 2\ngood " + v[0].tobytes() + b"\nbad\xc3 " + v[1].tobytes() + b"\n")
    return path


def test_unicode_errors_policy(tmp_path):
    path = bad_utf8_binary(tmp_path)
    with pytest.raises(FormatError, match=r"record 2: word b'bad\\xc3' is not valid UTF-8"):
        load_word2vec_format(path, binary=True)
    assert load_word2vec_format(path, binary=True, unicode_errors="replace")[0] == [
        "good",
        "bad\ufffd",
    ]
    assert load_word2vec_format(path, binary=True, unicode_errors="ignore")[0] == ["good", "bad"]
    # gensim decodes the same way
    kv = GensimKV.load_word2vec_format(str(path), binary=True, unicode_errors="replace")
    assert kv.index_to_key == ["good", "bad\ufffd"]


def test_unicode_errors_text(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"2 1\nok 1\nn\xe9e 2\n")
    with pytest.raises(FormatError, match=r"vector 2: word b'n\\xe9e' is not valid UTF-8"):
        load_word2vec_format(path)
    assert load_word2vec_format(path, unicode_errors="replace")[0] == ["ok", "n\ufffde"]


def test_duplicate_words_keep_first_with_warning(tmp_path):
    path = tmp_path / "dup.txt"
    path.write_text("3 1\na 1\nb 2\na 3\n")
    with pytest.warns(UserWarning, match="1 duplicate word.*'a'"):
        words, v = load_word2vec_format(path)
    assert words == ["a", "b"]
    np.testing.assert_array_equal(v[:, 0], [1, 2])


# ------------------------------------------------------------------ bad files


def test_truncated_binary(tmp_path, vectors):
    path = tmp_path / "v.bin"
    save_word2vec_format(path, WORDS, vectors, binary=True)
    data = path.read_bytes()
    path.write_bytes(data[:-30])  # cut inside the last vector
    with pytest.raises(FormatError, match=rf"v.bin: .*expected {len(WORDS)} vectors, found 8"):
        load_word2vec_format(path, binary=True)
    half = len(data) // 2
    path.write_bytes(data[:half])  # cut to half: caught before allocating
    ends = np.cumsum([len(w.encode()) + 2 + 4 * 13 for w in WORDS]) + data.index(b"\n") + 1
    complete = int(np.count_nonzero(ends - 1 <= half))  # the final "\n" is optional
    assert 0 < complete < len(WORDS)
    with pytest.raises(FormatError, match=rf"expected {len(WORDS)} vectors, found {complete}"):
        load_word2vec_format(path, binary=True)


def test_truncated_text(tmp_path, vectors):
    path = tmp_path / "v.txt"
    save_word2vec_format(path, WORDS, vectors)
    lines = path.read_bytes().split(b"\n")
    path.write_bytes(b"\n".join(lines[:-3]) + b"\n")  # drop the last two vectors
    with pytest.raises(FormatError, match=rf"expected {len(WORDS)} vectors, found"):
        load_word2vec_format(path)


def test_text_wrong_number_of_values_names_line(tmp_path):
    path = tmp_path / "v.txt"
    path.write_text("3 3\na 1 2 3\nb 1 2\nc 1 2 3\n")
    with pytest.raises(
        FormatError, match=r"v.txt: line 3: expected 3 values after the word, found 2"
    ):
        load_word2vec_format(path)
    path.write_text("a 1 2 3\nb 1 2 3 4\n")
    with pytest.raises(FormatError, match=r"line 2: expected 3 values.*found 4"):
        load_word2vec_format(path, no_header=True)


def test_text_unparsable_number_names_line(tmp_path):
    path = tmp_path / "v.txt"
    path.write_text("2 2\na 1 2\nb 1 x2\n")
    with pytest.raises(FormatError, match=r"line 3: cannot parse b'1 x2' as numbers"):
        load_word2vec_format(path)


def test_text_blank_line_is_an_error(tmp_path):
    path = tmp_path / "v.txt"
    path.write_text("3 2\na 1 2\n\nb 1 2\n")
    with pytest.raises(FormatError, match="line 3: empty word"):
        load_word2vec_format(path)


@pytest.mark.parametrize("binary", [False, True])
@pytest.mark.parametrize(
    "header", [b"", b"abc def\n", b"3\n", b"3 4 5\n", b"3 x\n", b"-1 4\n", b"3 0\n"]
)
def test_bad_header(tmp_path, binary, header):
    path = tmp_path / "v"
    path.write_bytes(header + b"a 1 2 3 4\n")
    with pytest.raises(FormatError, match=r"^.*v: header (must be two integers|declares)"):
        load_word2vec_format(path, binary=binary)


@pytest.mark.parametrize("binary", [False, True])
def test_forged_header_fails_before_allocating(tmp_path, binary):
    # 10^12 x 10^6 floats would be 4 exabytes: must be refused from the file size alone.
    path = tmp_path / "v"
    path.write_bytes(b"1000000000000 1000000\n" + b"a " + b"\0" * 64)
    expected = "found 0" if binary else "only 1 lines follow the header"
    with pytest.raises(FormatError, match=f"expected 1000000000000 vectors, .*{expected}"):
        load_word2vec_format(path, binary=binary)


def test_binary_empty_word(tmp_path):
    path = tmp_path / "v.bin"
    path.write_bytes(b"1 1\n " + struct.pack("<f", 1.0) + b"\n")
    with pytest.raises(FormatError, match="record 1 has an empty word"):
        load_word2vec_format(path, binary=True)


def test_missing_file(tmp_path):
    with pytest.raises(FormatError, match="nope.bin: cannot open"):
        load_word2vec_format(tmp_path / "nope.bin")


def test_extra_data_after_declared_vectors_warns(tmp_path):
    path = tmp_path / "v.txt"
    path.write_text("1 1\na 1\nb 2\n")
    with pytest.warns(UserWarning, match="ignored"):
        words, _ = load_word2vec_format(path)
    assert words == ["a"]


def test_writer_rejects_unstorable_words(tmp_path):
    path = tmp_path / "v.txt"
    v = np.zeros((2, 2), np.float32)
    for bad in (["ok", "two words"], ["ok", ""], ["ok", "new\nline"], ["tab\t", "ok"]):
        with pytest.raises(ParameterError, match="cannot be stored in word2vec format"):
            save_word2vec_format(path, bad, v)
    with pytest.raises(ParameterError, match="got 1 words for 2 vectors"):
        save_word2vec_format(path, ["a"], v)
    assert not path.exists()


def test_save_is_atomic(tmp_path, vectors, monkeypatch):
    import w2v.formats.word2vec_format as formats

    path = tmp_path / "v.bin"
    save_word2vec_format(path, WORDS, vectors, binary=True)
    before = path.read_bytes()

    def explode(*args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(formats, "_pack_binary", explode)
    with pytest.raises(RuntimeError, match="disk full"):
        save_word2vec_format(path, WORDS, vectors[::-1], binary=True)
    assert path.read_bytes() == before  # old file intact
    assert sorted(os.listdir(tmp_path)) == ["v.bin"]  # temporary file removed


# ------------------------------------------------------------------ native container


@pytest.fixture
def native_arrays() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    blob, offsets = encode_words(WORDS)
    return {
        "words_blob": blob,
        "words_offsets": offsets,
        "counts": np.arange(len(WORDS), 0, -1, dtype=np.int64),
        "syn0": rng.standard_normal((len(WORDS), 5)).astype(np.float32),
        "syn1neg": rng.standard_normal((len(WORDS), 5)),
        "flags": np.array([True, False, True]),
        "empty": np.zeros((0, 5), dtype=np.float32),
        "scalar": np.array(3.5),
        "big_endian": np.arange(4, dtype=">i4"),
    }


META = {"dim": 5, "alpha": 0.025, "sg": True, "loss_history": [1.5, 1.25], "name": "naïve"}


@pytest.mark.parametrize("mmap", [True, False])
def test_native_round_trip(tmp_path, native_arrays, mmap):
    path = tmp_path / "model.w2v"
    save_native(path, native_arrays, META)
    arrays, meta = load_native(path, mmap=mmap)
    assert meta == META
    assert list(arrays) == list(native_arrays)
    for name, original in native_arrays.items():
        assert arrays[name].shape == original.shape
        np.testing.assert_array_equal(arrays[name], original)
        assert arrays[name].dtype == original.dtype.newbyteorder("<")
        if mmap and original.size:
            assert isinstance(arrays[name], np.memmap)
    assert decode_words(arrays["words_blob"], arrays["words_offsets"]) == WORDS


def test_native_layout_is_aligned(tmp_path, native_arrays):
    path = tmp_path / "model.w2v"
    save_native(path, native_arrays, META)
    data = path.read_bytes()
    assert data[:8] == NATIVE_MAGIC
    version, header_len = struct.unpack("<IQ", data[8:20])
    assert version == NATIVE_FORMAT_VERSION
    header = json.loads(data[20 : 20 + header_len])
    assert header["meta"] == META
    for entry in header["arrays"]:
        assert entry["offset"] % 64 == 0
        raw = data[entry["offset"] : entry["offset"] + entry["nbytes"]]
        expected = native_arrays[entry["name"]]
        np.testing.assert_array_equal(
            np.frombuffer(raw, dtype=entry["dtype"]).reshape(entry["shape"]), expected
        )


def test_native_mmap_is_copy_on_write(tmp_path, native_arrays):
    path = tmp_path / "model.w2v"
    save_native(path, native_arrays, META)
    before = path.read_bytes()
    arrays, _ = load_native(path)
    arrays["syn0"][0, 0] = 123.0  # training continues on the mapped weights...
    arrays["syn0"].flush()
    assert arrays["syn0"][0, 0] == 123.0
    assert path.read_bytes() == before  # ...without touching the file
    again, _ = load_native(path)
    assert again["syn0"][0, 0] == native_arrays["syn0"][0, 0]


def test_native_overwrite_while_mapped(tmp_path, native_arrays):
    # Atomic replace: an open memory map keeps seeing the old file.
    path = tmp_path / "model.w2v"
    save_native(path, native_arrays, META)
    arrays, _ = load_native(path)
    save_native(path, {"syn0": native_arrays["syn0"] * 2}, {"v": 2})
    np.testing.assert_array_equal(arrays["syn0"], native_arrays["syn0"])
    new, meta = load_native(path)
    assert meta == {"v": 2}
    np.testing.assert_array_equal(new["syn0"], native_arrays["syn0"] * 2)


def test_native_newer_version_refused(tmp_path, native_arrays):
    path = tmp_path / "model.w2v"
    save_native(path, native_arrays, META)
    data = bytearray(path.read_bytes())
    data[8:12] = struct.pack("<I", NATIVE_FORMAT_VERSION + 1)
    path.write_bytes(bytes(data))
    with pytest.raises(FormatError, match=r"model.w2v: native format version 2 is not supported"):
        load_native(path)


def test_native_wrong_magic(tmp_path, vectors):
    path = tmp_path / "v.bin"
    save_word2vec_format(path, WORDS, vectors, binary=True)
    with pytest.raises(FormatError, match=r"v.bin: not a w2v native file \(wrong magic bytes\)"):
        load_native(path)
    (tmp_path / "empty").write_bytes(b"")
    with pytest.raises(FormatError, match="wrong magic"):
        load_native(tmp_path / "empty")


@pytest.mark.parametrize("mmap", [True, False])
def test_native_truncated(tmp_path, native_arrays, mmap):
    path = tmp_path / "model.w2v"
    save_native(path, native_arrays, META)
    data = path.read_bytes()
    path.write_bytes(data[:-8])
    with pytest.raises(FormatError, match=r"truncated native file: array 'big_endian' needs bytes"):
        load_native(path, mmap=mmap)
    path.write_bytes(data[:30])
    with pytest.raises(FormatError, match=r"truncated native file: header of \d+ bytes"):
        load_native(path, mmap=mmap)
    path.write_bytes(data[:12])
    with pytest.raises(FormatError, match="truncated native file"):
        load_native(path, mmap=mmap)


def test_native_corrupt_header(tmp_path):
    path = tmp_path / "model.w2v"
    header = b"{not json"
    path.write_bytes(NATIVE_MAGIC + struct.pack("<IQ", 1, len(header)) + header)
    with pytest.raises(FormatError, match="corrupt native header"):
        load_native(path)


def test_native_rejects_bad_input(tmp_path):
    path = tmp_path / "model.w2v"
    with pytest.raises(ParameterError, match="JSON-serialisable"):
        save_native(path, {}, {"f": object()})
    with pytest.raises(ParameterError, match="unsupported dtype object"):
        save_native(path, {"o": np.array([object()])}, {})
    assert not path.exists()


def test_words_blob_ascii_and_errors():
    blob, offsets = encode_words([])
    assert decode_words(blob, offsets) == []
    blob, offsets = encode_words(["ab", "", "c"])
    assert blob.tobytes() == b"abc" and offsets.tolist() == [0, 2, 2, 3]
    assert decode_words(blob, offsets) == ["ab", "", "c"]
    with pytest.raises(FormatError, match="offsets do not match"):
        decode_words(blob, np.array([0, 2, 9]))
    with pytest.raises(FormatError, match="not valid UTF-8"):
        decode_words(np.frombuffer(b"\xff", np.uint8), np.array([0, 1]))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=12), max_size=30))
def test_words_blob_round_trip(words):
    blob, offsets = encode_words(words)
    assert blob.dtype == np.uint8 and offsets.dtype == np.int64
    assert decode_words(blob, offsets) == words


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.text(
            alphabet=st.characters(
                blacklist_categories=("Cs",), blacklist_characters=" \t\r\n\v\f\0"
            ),
            min_size=1,
            max_size=8,
        ),
        min_size=1,
        max_size=8,
        unique=True,
    ),
    st.integers(1, 5),
    st.booleans(),
)
def test_word2vec_round_trip_property(tmp_path_factory, words, dim, binary):
    # Any float32 bit pattern that is a finite number must survive both formats exactly.
    rng = np.random.default_rng(len(words) * 31 + dim)
    bits = rng.integers(0, 2**32, size=(len(words), dim), dtype=np.uint64).astype(np.uint32)
    v = bits.view(np.float32)
    v[~np.isfinite(v)] = 1.0
    path = tmp_path_factory.mktemp("prop") / "v"
    save_word2vec_format(path, words, v, binary=binary)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no duplicate / trailing-data warnings expected
        got_words, got = load_word2vec_format(path, binary=binary)
    assert got_words == words
    np.testing.assert_array_equal(got.view(np.uint32), v.view(np.uint32))


def test_error_messages_name_the_file(tmp_path):
    path = tmp_path / "some-vectors.txt"
    path.write_text("nonsense\n")
    with pytest.raises(FormatError) as info:
        load_word2vec_format(path)
    assert re.search(r"some-vectors\.txt", str(info.value))


def _text_reference(words: list[str], v: np.ndarray) -> bytes:
    """The text format written one value at a time with ``str(np.float32)`` (gensim's bytes)."""
    lines = [f"{len(words)} {v.shape[1]}\n"]
    lines += [f"{w} {' '.join(str(x) for x in row)}\n" for w, row in zip(words, v, strict=True)]
    return "".join(lines).encode()


def test_bulk_text_writer_matches_str_on_every_kind_of_float32(tmp_path):
    # The compiled formatter must give exactly str(np.float32(v)) for any bit pattern: random
    # bits (NaN and infinities included), neighbours of powers of 2 and 10 (unequal gaps,
    # digit-count changes), subnormals, the positional/scientific switch at 1e-4 and 1e6.
    rng = np.random.default_rng(2024)
    edges = [10.0**k for k in range(-45, 39)] + [2.0**k for k in range(-149, 128)]
    edges += [1e-4, 1e6, 3.4028235e38, 0.1, 0.5, 7.0]
    near = np.concatenate(
        [np.arange(-40, 40) + int(np.float32(x).view(np.uint32)) for x in edges]
    ).clip(0, 0x7F800000)
    bits = np.concatenate(
        [
            rng.integers(0, 2**32, 100_000, dtype=np.uint64),
            near,
            near | (1 << 31),
            np.arange(0, 2000),
            [0, 1 << 31, 0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00001],
        ]
    ).astype(np.uint32)
    bits = np.concatenate([bits, np.zeros(-bits.size % 64, np.uint32)])
    v = bits.view(np.float32).reshape(-1, 64)
    words = [f"w{i}" for i in range(v.shape[0])]
    path = tmp_path / "v.txt"
    save_word2vec_format(path, words, v)
    assert path.read_bytes() == _text_reference(words, v)


def test_bulk_text_writer_blocks_and_float64_input(tmp_path):
    # Many blocks (rows per block depends on dim) and float64 input cast to float32 first.
    rng = np.random.default_rng(5)
    v64 = rng.standard_normal((3000, 300)) * 10.0 ** rng.integers(-8, 8, (3000, 1))
    words = [f"w{i}" for i in range(3000)]
    path = tmp_path / "v.txt"
    save_word2vec_format(path, words, v64)
    assert path.read_bytes() == _text_reference(words, v64.astype(np.float32))
    got_words, got = load_word2vec_format(path)
    assert got_words == words
    np.testing.assert_array_equal(got, v64.astype(np.float32))
