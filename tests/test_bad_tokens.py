"""No run lost to a bad token: control characters separate tokens, invalid UTF-8 is counted.

Every word the tokenizer can produce must be storable in word2vec format, so a NUL byte or a
binary file in a corpus directory is found when the vocabulary is counted, never at save time.
"""

from __future__ import annotations

import logging
import sys

import numpy as np
import pytest

import w2v.corpus as corpus_module
from w2v.corpus import Corpus, EncodedCorpus
from w2v.errors import CorpusError, FormatError, ParameterError
from w2v.keyed_vectors import KeyedVectors
from w2v.tokenizer import next_token
from w2v.vocabulary import Vocabulary
from w2v.word2vec import Word2Vec

SMALL = dict(vector_size=8, min_count=1, epochs=1, workers=1, seed=1)


def compiled_tokens(text: bytes) -> list[str]:
    """The tokens the compiled tokenizer cuts ``text`` into."""
    buf = np.frombuffer(text, dtype=np.uint8)
    out, pos = [], 0
    while True:
        s, e, _ = next_token(buf, pos, buf.shape[0])
        if s >= buf.shape[0]:
            return out
        out.append(buf[s:e].tobytes().decode("utf-8"))
        pos = e


def is_separator(c: str) -> bool:
    """The documented rule: str.split()'s whitespace and every ASCII control character."""
    return c.isspace() or ord(c) < 32 or ord(c) == 127


def test_separators_are_whitespace_and_ascii_controls_for_every_code_point():
    chars = [chr(i) for i in range(sys.maxunicode + 1) if not 0xD800 <= i <= 0xDFFF]
    text = " ".join(f"a{c}b" for c in chars).encode("utf-8")
    expected = [t for c in chars for t in (["a", "b"] if is_separator(c) else [f"a{c}b"])]
    assert compiled_tokens(text) == expected


def words_read(source, **kw) -> list[list[str]]:
    """Sentences of all words, as training reads them from ``source`` (read twice: a corpus
    warns about invalid text once)."""
    corpus = Corpus(source, **kw)
    vocab = Vocabulary.build(corpus.blocks(), min_count=1)
    with EncodedCorpus(corpus, vocab) as enc:
        ids = np.concatenate([enc.read(c) for c in range(enc.n_chunks)]).tolist()
    out, cur = [], []
    for i in ids:
        if i < 0:
            out.append(cur)
            cur = []
        else:
            cur.append(vocab.words[i])
    return out


def test_nul_and_control_characters_separate_tokens_in_files_and_sentences(tmp_path):
    path = tmp_path / "c.txt"
    path.write_bytes(b"foo\x00bar baz\x1b[0m\x7fend\nx\x00\x00\x00\n")
    expected = [["foo", "bar", "baz", "[0m", "end"], ["x"]]
    assert words_read(path) == expected
    given = [["foo\x00bar", "baz\x1b[0m\x7fend"], ["x\x00\x00\x00"]]
    assert words_read(given) == expected
    # a token made only of control characters is no token at all, as in a file
    assert words_read([["a", "\x00"], ["\x01\x02"]]) == [["a"]]


def test_nul_token_trains_and_saves_in_word2vec_format(tmp_path):
    model = Word2Vec([["foo\x00bar", "baz"], ["foo", "bar", "baz"]] * 20, **SMALL)
    assert sorted(model.wv.index_to_key) == ["bar", "baz", "foo"]
    for binary in (False, True):
        out = tmp_path / f"v{binary}.txt"
        model.wv.save_word2vec_format(out, binary=binary)
        back = KeyedVectors.load_word2vec_format(out, binary=binary)
        assert back.index_to_key == model.wv.index_to_key


def test_corpus_directory_with_a_binary_file_trains_and_saves(tmp_path, caplog):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("the cat sat on the mat\n" * 50)
    rng = np.random.default_rng(0)
    (corpus / "b.bin").write_bytes(rng.integers(0, 256, 20_000, dtype=np.uint8).tobytes())
    with caplog.at_level(logging.WARNING, logger="w2v"):
        model = Word2Vec(corpus, **SMALL)
    assert "cat" in model.wv and len(model.wv) > 100  # the binary file gave junk words
    warnings = [r.getMessage() for r in caplog.records if "invalid UTF-8" in r.getMessage()]
    assert len(warnings) == 1 and "b.bin at byte offset" in warnings[0]
    for word in model.wv.index_to_key:
        assert not any(ord(c) < 33 or ord(c) == 127 or c.isspace() for c in word), repr(word)
    for binary in (False, True):
        out = tmp_path / f"v{binary}.bin"
        model.wv.save_word2vec_format(out, binary=binary)
        back = KeyedVectors.load_word2vec_format(out, binary=binary)
        assert back.index_to_key == model.wv.index_to_key
        np.testing.assert_array_equal(back.vectors, model.wv.vectors)


def invalid_utf8_warnings(caplog) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING and "invalid UTF-8" in r.getMessage()
    ]


def test_invalid_utf8_is_replaced_with_one_warning_giving_count_and_first_place(
    tmp_path, monkeypatch, caplog
):
    monkeypatch.setattr(corpus_module, "BLOCK_BYTES", 16)  # the bad bytes span many blocks
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "1.txt").write_bytes(b"all good here\n")
    # \xff and \xfe: one sequence each; \xe9 (a 3-byte lead) cut short by a space: one; an
    # encoded U+FFFD is valid text, not counted
    (corpus / "2.txt").write_bytes(b"ok \xff\xfe caf\xe9 \xef\xbf\xbd\nmore words\n" * 3)
    with caplog.at_level(logging.WARNING, logger="w2v"):
        sentences = words_read(corpus)
    assert sentences[1] == ["ok", "\ufffd\ufffd", "caf\ufffd", "\ufffd"]
    assert invalid_utf8_warnings(caplog) == [
        f"corpus: 9 invalid UTF-8 sequences replaced by U+FFFD, the first in "
        f"{corpus / '2.txt'} at byte offset 3; pass unicode_errors='strict' to stop at them"
    ]
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="w2v"):
        assert words_read(corpus, unicode_errors="ignore")[1] == ["ok", "caf", "\ufffd"]
    [warning] = invalid_utf8_warnings(caplog)
    assert warning.startswith("corpus: 9 invalid UTF-8 sequences dropped, the first in ")
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="w2v"):
        assert words_read(corpus / "1.txt") == [["all", "good", "here"]]
    assert invalid_utf8_warnings(caplog) == []


def test_lone_surrogates_in_given_tokens_follow_the_same_policy(caplog):
    sentences = [["fine"], ["caf\udce9", "\udcff\udcfe"], ["ok"]]
    with caplog.at_level(logging.WARNING, logger="w2v"):
        assert words_read(sentences)[1] == ["caf\ufffd", "\ufffd\ufffd"]
    assert invalid_utf8_warnings(caplog) == [
        "corpus: 3 invalid UTF-8 sequences replaced by U+FFFD, the first in sentence 1; "
        "pass unicode_errors='strict' to stop at them"
    ]
    assert words_read(sentences, unicode_errors="ignore")[1] == ["caf"]
    with pytest.raises(CorpusError, match="sentence 1: a lone surrogate"):
        words_read(sentences, unicode_errors="strict")


@pytest.mark.parametrize("word", ["a\x00b", "tab\there", "", "del\x7f", "esc\x1b"])
def test_a_vocabulary_word_that_cannot_be_saved_is_refused_at_once(tmp_path, word):
    with pytest.raises(ParameterError, match=r"vocabulary word 1 \(.*\) cannot be a word"):
        Vocabulary(["ok", word], np.array([2, 1]))
    if word.strip() and "\t" not in word:
        path = tmp_path / "vocab.txt"
        path.write_bytes(f"ok 2\n{word} 1\n".encode())
        with pytest.raises(FormatError, match=r"vocab.txt:2: word .* ASCII control character"):
            Vocabulary.load(path)
