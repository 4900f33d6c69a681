"""Corpus readers on every input form give the same tokens as Python's str.split()."""

from __future__ import annotations

import bz2
import gzip
import lzma

import numpy as np
import pytest

import w2v.corpus as corpus_module
from w2v.corpus import SENTENCE_END, Corpus, EncodedCorpus, IdSpool
from w2v.errors import CorpusError, ParameterError
from w2v.vocabulary import Vocabulary

TEXT = (
    "the quick brown fox\n"
    "jumps over\tthe lazy dog\r\n"
    "\n"
    "  caf\u00e9 na\u00efve \u00a0 the\u2003end\u3000fox  \n"
    "last line without newline fox"
)


def sentences_of(text: str) -> list[list[str]]:
    return [line.split() for line in text.split("\n") if line.split()]


def decode(encoded: EncodedCorpus, vocab: Vocabulary) -> list[list[str]]:
    ids = np.concatenate([encoded.read(c) for c in range(encoded.n_chunks)])
    out, cur = [], []
    for i in ids.tolist():
        if i == SENTENCE_END:
            out.append(cur)
            cur = []
        else:
            cur.append(vocab.words[i])
    assert cur == []
    return out


def all_words(sentences: list[list[str]]) -> Vocabulary:
    words = sorted({w for s in sentences for w in s})
    return Vocabulary(words, np.ones(len(words), dtype=np.int64))


@pytest.mark.parametrize("suffix", ["", ".gz", ".bz2", ".xz"])
def test_files_plain_and_compressed(tmp_path, suffix):
    path = tmp_path / f"corpus.txt{suffix}"
    opener = {"": open, ".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}[suffix]
    with opener(path, "wb") as f:
        f.write(TEXT.encode("utf-8"))
    vocab = all_words(sentences_of(TEXT))
    with EncodedCorpus(Corpus(path), vocab) as enc:
        assert decode(enc, vocab) == sentences_of(TEXT)
        assert enc.n_words == enc.n_raw_words == sum(map(len, sentences_of(TEXT)))


def test_directory_and_iterable_agree_with_file(tmp_path):
    d = tmp_path / "dir"
    d.mkdir()
    (d / "a.txt").write_text("one two three")  # no newline: still a sentence of its own
    (d / "b.txt").write_text("four five\nsix\n")
    (d / ".hidden").write_text("never read")
    expected = [["one", "two", "three"], ["four", "five"], ["six"]]
    vocab = all_words(expected)
    with EncodedCorpus(Corpus(d), vocab) as enc:
        assert decode(enc, vocab) == expected
    with EncodedCorpus(Corpus(expected), vocab) as enc:
        assert decode(enc, vocab) == expected


def test_text8_style_stream_in_small_blocks(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(50)]
    tokens = list(rng.choice(words, 5000))
    path = tmp_path / "text8"
    path.write_text(" ".join(tokens))  # one line, no newline at all
    monkeypatch.setattr(corpus_module, "BLOCK_BYTES", 64)  # many cuts, some inside words
    blocks = list(Corpus(path).blocks())
    assert len(blocks) > 100
    assert max(b.shape[0] for b in blocks) <= 4 * 64 + 1
    vocab = all_words([tokens])
    with EncodedCorpus(Corpus(path), vocab, max_sentence_length=10**6) as enc:
        assert decode(enc, vocab) == [tokens]


def test_long_line_is_cut_into_consecutive_pieces(tmp_path):
    tokens = [f"t{i % 997}" for i in range(25_003)]
    path = tmp_path / "long.txt"
    path.write_text(" ".join(tokens) + "\nshort line\n")
    vocab = all_words([tokens, ["short", "line"]])
    with EncodedCorpus(Corpus(path), vocab, chunk_size=4096) as enc:
        sentences = decode(enc, vocab)
        assert [len(s) for s in sentences] == [10_000, 10_000, 5_003, 2]
        assert sum(sentences[:3], []) == tokens  # nothing truncated, order kept
        assert enc.n_chunks > 1
        assert enc.chunk_words[-1] == enc.n_words == 25_005


def test_unknown_words_are_dropped_and_counted_as_raw(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("a x b\ny y\nb a\n")
    vocab = Vocabulary(["a", "b"], np.array([2, 2]))
    with EncodedCorpus(Corpus(path), vocab) as enc:
        assert decode(enc, vocab) == [["a", "b"], ["b", "a"]]
        assert (enc.n_words, enc.n_raw_words) == (4, 7)


def test_invalid_utf8_policies(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"good words\nbad \xff\xfe byte\n")
    tokens = [w for b in Corpus(path).blocks() for w in b.tobytes().decode().split()]
    assert tokens == ["good", "words", "bad", "\ufffd\ufffd", "byte"]
    with pytest.raises(CorpusError, match=r"bad\.txt: invalid UTF-8 at byte offset 15"):
        list(Corpus(path, unicode_errors="strict").blocks())
    tokens = [
        w
        for b in Corpus(path, unicode_errors="ignore").blocks()
        for w in b.tobytes().decode().split()
    ]
    assert tokens == ["good", "words", "bad", "byte"]


def test_bad_sources_give_clear_errors(tmp_path):
    with pytest.raises(CorpusError, match="no such corpus file"):
        Corpus(tmp_path / "missing.txt")
    (tmp_path / "empty_dir").mkdir()
    with pytest.raises(CorpusError, match="holds no files"):
        Corpus(tmp_path / "empty_dir")
    with pytest.raises(CorpusError, match="one-shot iterator"):
        Corpus(iter([["a"]]))
    with pytest.raises(CorpusError, match="not a list of tokens"):
        list(Corpus(["a sentence as a string"]).blocks())
    with pytest.raises(CorpusError, match="contains whitespace"):
        list(Corpus([["new york", "city"]]).blocks())


@pytest.mark.parametrize("max_len", [3, 10_000])
def test_encoding_from_the_counting_pass_equals_encoding_the_text(tmp_path, monkeypatch, max_len):
    # blank lines, CRLF, Unicode spaces, rare words dropped by min_count, a line cut by
    # max_len, tiny blocks (cuts inside lines) and a table that grows mid-block many times
    rng = np.random.default_rng(1)
    lines = [" ".join(f"w{int(x)}" for x in rng.zipf(1.3, int(n)) % 5000) for n in
             rng.integers(0, 40, 300)]  # fmt: skip
    path = tmp_path / "c.txt"
    path.write_text(TEXT + "\n" + "\r\n".join(lines) + "\n\n" + "\u2003".join(lines[:20]))
    monkeypatch.setattr(corpus_module, "BLOCK_BYTES", 256)
    spool = IdSpool()
    vocab = Vocabulary.build(Corpus(path).blocks(), min_count=2, ids_sink=spool)
    assert vocab.counting_ids is not None
    with (
        EncodedCorpus(Corpus(path), vocab, max_len, chunk_size=64) as text,
        EncodedCorpus.from_spool(spool, vocab, max_len, chunk_size=64) as spooled,
    ):
        assert text.n_chunks > 10
        _assert_same_encoding(text, spooled)
    spool.close()


def test_pruning_while_counting_leaves_no_id_map(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text(" ".join(f"w{i}" for i in range(100)) + "\n" + "w1 w2 " * 50)
    spool = IdSpool()
    vocab = Vocabulary.build(Corpus(path).blocks(), min_count=1, max_vocab_size=10,
                             ids_sink=spool)  # fmt: skip
    assert vocab.counting_ids is None  # the recorded ids were renumbered by pruning
    with pytest.raises(ParameterError, match="not built with this spool"):
        EncodedCorpus.from_spool(spool, vocab)
    spool.close()


def test_sentence_count_is_the_non_empty_lines(tmp_path, monkeypatch):
    lines = ["a b", "", "c", "   ", "d e f", "", ""]
    path = tmp_path / "c.txt"
    path.write_text("\n".join(lines))  # no newline at the end
    monkeypatch.setattr(corpus_module, "BLOCK_BYTES", 3)  # lines cut across blocks
    for source in (path, [line.split() for line in lines]):
        corpus = Corpus(source)
        assert corpus.sentence_count is None
        list(corpus.blocks())
        # whitespace-only lines count in a file (it has a line there), not as token lists
        assert corpus.sentence_count == (4 if source is path else 3)


def test_stdin_is_spooled_once_and_removed(tmp_path):
    import io

    from w2v.corpus import spooled_stdin

    stream = io.BytesIO(b"one two\nthree\n" * 1000)
    with spooled_stdin(stream, tmpdir=tmp_path) as path:
        corpus = Corpus(path)
        first = b"".join(b.tobytes() for b in corpus.blocks())
        second = b"".join(b.tobytes() for b in corpus.blocks())
        assert first == second and first.strip() == stream.getvalue().strip()
        assert corpus.sentence_count == 2000
    assert not path.exists() and not list(tmp_path.iterdir())


# ------------------------------------------------------------ the pass on every thread
def _mixed_corpus(d):
    """Plain lines (CRLF, blank lines, Unicode spaces, no final newline), .gz and .bz2 files,
    a one-line text8-style file and invalid UTF-8: every layout the pass cuts or not."""
    rng = np.random.default_rng(7)
    words = [f"w{i}" for i in range(3000)] + ["caf\u00e9", "\u65e5\u672c", "Apple,", "APPLE"]
    p = 1.0 / np.arange(1, len(words) + 1)
    draw = lambda n: " ".join(rng.choice(words, n, p=p / p.sum()))  # noqa: E731
    d.mkdir()
    lines = [draw(int(n)) for n in rng.integers(0, 30, 400)]
    (d / "a.txt").write_text(TEXT + "\n" + "\r\n".join(lines[:200]) + "\n\n", encoding="utf-8")
    with gzip.open(d / "b.txt.gz", "wt", encoding="utf-8") as f:
        f.write("\n".join(lines[200:300]))
    with bz2.open(d / "c.txt.bz2", "wt", encoding="utf-8") as f:
        f.write("\n".join(lines[300:]) + "\n")
    (d / "d.txt").write_text(draw(6000), encoding="utf-8")  # one line, no newline
    (d / "e.txt").write_bytes(b"ok \xff\xfe bad\n\n  \t" * 40 + draw(500).encode() + b"\n")
    return d


def _pass(path, threads, kw, max_len, chunk_size=64, **build):
    from w2v.vocab_pass import count_corpus

    corpus = Corpus(path, **kw)
    vocab, enc = count_corpus(corpus, threads, encode=lambda v: (max_len, chunk_size), **build)
    return vocab, enc, corpus.sentence_count


def _assert_same_encoding(a, b):
    ids = [np.concatenate([e.read(c) for c in range(e.n_chunks)]) for e in (a, b)]
    np.testing.assert_array_equal(ids[0], ids[1])
    for name in ("chunk_starts", "chunk_words"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    for name in ("n_ids", "n_words", "n_raw_words", "n_unknown_words", "crc32"):
        assert getattr(a, name) == getattr(b, name), name


@pytest.mark.parametrize("layout", ["dir", "text8"])
@pytest.mark.parametrize(
    "kw", [{}, {"normalize": "split"}, {"unicode_errors": "ignore"}], ids=["raw", "split", "ign"]
)
@pytest.mark.parametrize("max_len", [7, 10_000])
def test_the_pass_on_any_thread_count_gives_one_readings_vocabulary_and_ids(
    tmp_path, monkeypatch, layout, kw, max_len
):
    import w2v.ranges

    d = _mixed_corpus(tmp_path / "c")
    path = d if layout == "dir" else d / "d.txt"
    monkeypatch.setattr(corpus_module, "BLOCK_BYTES", 512)  # many blocks per range
    monkeypatch.setattr(w2v.ranges, "_PREFER_NEWLINE", 64)  # cuts inside lines too
    reference = Corpus(path, **kw)
    vocab = Vocabulary.build(reference.blocks(), min_count=2)
    with EncodedCorpus(Corpus(path, **kw), vocab, max_len, chunk_size=64) as text:
        assert text.n_chunks > (5 if max_len == 7 or layout == "dir" else 0)
        for threads in (1, 2, 3, 5, 8):
            got, enc, sentences = _pass(path, threads, kw, max_len, min_count=2)
            assert got.words == vocab.words, threads
            assert got.counts.tolist() == vocab.counts.tolist()
            assert got.total_tokens == vocab.total_tokens
            assert sentences == reference.sentence_count
            with enc:
                _assert_same_encoding(enc, text)


def test_ranges_cut_a_one_line_file_between_tokens(tmp_path):
    from w2v.ranges import plan_ranges

    path = tmp_path / "t8.txt"
    path.write_text(" ".join(f"w{i % 977}" for i in range(200_000)))
    ranges = plan_ranges([path], 4)
    data = path.read_bytes()
    assert [len(r) for r in ranges] == [1, 1, 1, 1]
    for r in ranges[1:]:
        assert data[r[0].start - 1 : r[0].start] == b" "  # just past a space, inside the line
    assert [r[0].stop for r in ranges[:-1]] == [r[0].start for r in ranges[1:]]


def test_a_compressed_file_is_read_whole_by_one_thread(tmp_path):
    from w2v.ranges import plan_ranges

    with gzip.open(tmp_path / "only.txt.gz", "wt") as f:
        f.write("a b c\n" * 1000)
    ranges = plan_ranges([tmp_path / "only.txt.gz"], 3)
    assert sum(1 for r in ranges if r) == 1
    vocab, enc, _ = _pass(tmp_path / "only.txt.gz", 3, {}, 10_000, min_count=1)
    assert vocab.counts.tolist() == [1000, 1000, 1000]
    enc.close()


def test_invalid_utf8_in_a_later_range_is_reported_with_its_offset(tmp_path):
    path = tmp_path / "c.txt"
    good = b"alpha beta gamma\n" * 20_000
    path.write_bytes(good + b"delta \xff epsilon\n" + good)
    with pytest.raises(CorpusError, match=f"invalid UTF-8 at byte offset {len(good) + 6}"):
        _pass(path, 3, {"unicode_errors": "strict"}, 10_000, min_count=1)


def test_crc32_combine_equals_the_crc_of_the_joined_bytes():
    import zlib

    from w2v.vocab_pass import crc32_combine

    rng = np.random.default_rng(3)
    for n1, n2 in [(0, 5), (5, 0), (1, 1), (1000, 12345), (4096, 1 << 20)]:
        a, b = rng.bytes(n1), rng.bytes(n2)
        assert crc32_combine(zlib.crc32(a), zlib.crc32(b), n2) == zlib.crc32(a + b)
