"""w2v.approximate_index: the HNSW index (faiss) behind ``most_similar(indexer=...)`` and
``w2v explore --index hnsw``: recall on trained vectors, exact-mode semantics, save and reload,
gensim's indexer protocol, and the errors."""

from __future__ import annotations

import json
import logging
import lzma
import warnings

import numpy as np
import pytest

from w2v.errors import ParameterError, W2VError
from w2v.explore import Explorer
from w2v.explore.app import create_app
from w2v.formats import save_vectors
from w2v.keyed_vectors import KeyedVectors
from w2v.word2vec import Word2Vec

pytest.importorskip("faiss")

from w2v import approximate_index  # noqa: E402
from w2v.approximate_index import HnswIndex, index_path  # noqa: E402

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx`")
    from starlette.testclient import TestClient


@pytest.fixture(scope="module")
def trained(bundled_data) -> KeyedVectors:
    """Vectors trained on the bundled sample (fixed seed, one worker); skip-gram, whose
    vectors spread out (a short CBOW run leaves them nearly parallel, a hard case for HNSW)."""
    with lzma.open(bundled_data / "sample.txt.xz", "rt", encoding="utf-8") as f:
        lines = [line.split() for _, line in zip(range(4000), f, strict=False)]
    model = Word2Vec(lines, vector_size=32, sg=1, min_count=5, epochs=3, workers=1, seed=5)
    return model.wv


@pytest.fixture(scope="module")
def index(trained) -> HnswIndex:
    return HnswIndex(trained, m=8, ef_construction=40, ef_search=32)


def test_recall_at_10_on_trained_vectors(trained, index):
    words = trained.index_to_key[:: max(1, len(trained) // 300)]
    hits = 0
    for word in words:
        exact = {w for w, _ in trained.most_similar(word, topn=10)}
        hits += len(exact & {w for w, _ in trained.most_similar(word, topn=10, indexer=index)})
    assert len(trained) > 1000
    assert hits / (10 * len(words)) >= 0.95


def test_searches_like_the_exact_mode(trained):
    # With a search as wide as the vocabulary, HNSW finds everything: the answers must then
    # be the exact answers, bit for bit, with the query words left out and the clips kept.
    wide = HnswIndex(trained, m=16, ef_construction=200, ef_search=len(trained))
    a, b, c = trained.index_to_key[40:43]
    for kwargs in (
        {"positive": [a]},
        {"positive": [b, c], "negative": [a]},
        {"positive": [a], "restrict_vocab": 60},
        {"positive": [a], "clip_start": 30, "clip_end": 200},
        {"positive": [trained[a] * 3]},  # a raw vector: nothing excluded
    ):
        got = trained.most_similar(topn=12, indexer=wide, **kwargs)
        assert got == trained.most_similar(topn=12, **kwargs)
    limited = trained.most_similar(a, topn=12, indexer=wide, restrict_vocab=60)
    assert all(trained.get_index(w) < 60 for w, _ in limited) and a not in dict(limited)
    frequent = trained.index_to_key[2]  # inside the range: excluded, 4 words left of 5
    assert len(trained.most_similar(frequent, topn=500, indexer=wide, restrict_vocab=5)) == 4
    assert trained.most_similar(a, topn=None, indexer=wide).shape == (len(trained),)


def test_gensim_indexer_protocol(trained, index):
    word = trained.index_to_key[50]
    pairs = index.most_similar(trained[word] * 2.5, 5)  # any length: normalised
    assert pairs[0] == (word, pytest.approx(1.0, abs=1e-6))  # nothing excluded, as gensim
    assert len(pairs) == 5 and all(isinstance(s, float) for _, s in pairs)
    # gensim's own most_similar takes it as it takes its AnnoyIndexer.
    from gensim.models import KeyedVectors as GensimKV

    g = GensimKV(trained.vector_size)
    g.add_vectors(trained.index_to_key, trained.vectors.copy())
    assert g.most_similar(word, topn=5, indexer=index) == index.most_similar(
        g.get_vector(word, norm=True), 5
    )


def test_save_then_load_gives_the_same_index(tmp_path, trained, index, monkeypatch):
    path = tmp_path / "v.w2v.hnsw"
    index.save(path)
    meta = json.loads((tmp_path / "v.w2v.hnsw.json").read_text())
    assert meta["words"] == len(trained) and meta["m"] == 8 and meta["bytes"] > 0
    monkeypatch.setattr(HnswIndex, "_build", lambda *a: pytest.fail("rebuilt"))
    loaded = HnswIndex.open(trained, path, m=8, ef_construction=40, ef_search=32)
    assert len(loaded) == len(trained) and loaded.path == path
    for word in trained.index_to_key[:30]:
        assert trained.most_similar(word, indexer=loaded) == trained.most_similar(
            word, indexer=index
        )
    assert loaded.info() == {**index.info(), "bytes": meta["bytes"]}


def test_open_builds_saves_and_rebuilds_what_does_not_match(tmp_path, trained, caplog):
    path = tmp_path / "v.hnsw"
    built = HnswIndex.open(trained, path, m=8, ef_construction=40, progress=True)
    assert path.is_file() and built.build_seconds is not None
    # Other parameters: rebuilt and overwritten, with a warning.
    with caplog.at_level(logging.WARNING, logger="w2v.approximate_index"):
        again = HnswIndex.open(trained, path, m=6, ef_construction=40)
    assert again.m == 6 and "other parameters" in caplog.text
    assert json.loads(path.with_name("v.hnsw.json").read_text())["m"] == 6
    assert HnswIndex.open(trained, path).m == 6  # no parameters given: the saved ones
    # Other vectors: refused by load, rebuilt by open.
    other = KeyedVectors(trained.index_to_key, trained.vectors[::-1].copy())
    with pytest.raises(W2VError, match="other vectors"):
        HnswIndex.load(other, path)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="w2v.approximate_index"):
        HnswIndex.open(other, path, m=6, ef_construction=40)
    assert "other vectors" in caplog.text


def test_damaged_or_missing_files_are_named(tmp_path, trained, index):
    path = tmp_path / "v.hnsw"
    with pytest.raises(W2VError, match=r"v\.hnsw\.json is missing"):
        HnswIndex.load(trained, path)
    index.save(path)
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(W2VError, match="interrupted save"):
        HnswIndex.load(trained, path)
    meta = path.with_name("v.hnsw.json")
    meta.write_text(json.dumps({**json.loads(meta.read_text()), "bytes": 100}))
    with pytest.raises(W2VError, match="not a readable faiss index"):
        HnswIndex.load(trained, path)
    meta.write_text("{")
    with pytest.raises(W2VError, match="cannot read the index description"):
        HnswIndex.load(trained, path)
    meta.write_text("[]")
    with pytest.raises(W2VError, match="not a w2v HNSW index description"):
        HnswIndex.load(trained, path)


def test_bad_parameters_and_a_foreign_index(trained, index):
    with pytest.raises(ParameterError, match="m must be"):
        HnswIndex(trained, m=1)
    with pytest.raises(ParameterError, match="ef_search"):
        index.ef_search = 0
    small = KeyedVectors(["a", "b", "c"], np.eye(3, dtype=np.float32))
    with pytest.raises(ParameterError, match="built on"):
        small.most_similar("a", indexer=index)


def test_without_faiss_the_error_says_what_to_install(trained, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_faiss(name, *args, **kwargs):
        if name == "faiss":
            raise ImportError("No module named 'faiss'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_faiss)
    with pytest.raises(W2VError, match=r"pip install 'w2v\[index\]'"):
        HnswIndex(trained)


def test_explore_with_the_index(tmp_path, trained):
    path = tmp_path / "vectors.w2v"
    save_vectors(trained, path, "native")
    explorer = Explorer.open(path, index="hnsw", ef_search=len(trained))
    assert index_path(path).is_file()  # saved beside the vectors for the next start
    client = TestClient(create_app(explorer), raise_server_exceptions=False)
    info = client.get("/api/info").json()["search"]
    assert info["mode"] == "approximate" and info["index"]["kind"] == "hnsw"
    assert info["index"]["ef_search"] == len(trained) and info["index"]["bytes"] > 0
    word = trained.index_to_key[7]
    body = client.get("/api/neighbours", params={"word": word, "topn": 5, "restrict_vocab": 90})
    want = trained.most_similar(word, topn=5, restrict_vocab=90)
    assert [n["word"] for n in body.json()["neighbours"]] == [w for w, _ in want]
    limited = Explorer.open(path, index="hnsw", limit=100)  # its own index, not the full one
    assert len(limited.index) == 100
    assert index_path(f"{path}.first100").is_file()
    with pytest.raises(ParameterError, match="index must be hnsw"):
        Explorer.open(path, index="annoy")
    with pytest.raises(ParameterError, match="other vectors"):
        Explorer(KeyedVectors(trained.index_to_key, trained.vectors), index=explorer.index)


def test_cli_explore_index_option(tmp_path, trained, monkeypatch, capsys):
    from w2v import cli
    from w2v.explore import server

    path = tmp_path / "v.w2v"
    save_vectors(trained, path, "native")
    calls = []
    monkeypatch.setattr(server, "serve", lambda explorer, **kw: calls.append(explorer))
    assert cli.main(["explore", str(path), "--index", "hnsw", "--ef-search", "77"]) == 0
    assert calls[0].index.ef_search == 77 and index_path(path).is_file()
    assert "HNSW index" in capsys.readouterr().err  # the progress bar while it builds
    assert cli.main(["explore", str(path), "--index", "hnsw", "--ef-search", "0"]) == 2
    assert approximate_index.index_path(path) == tmp_path / "v.w2v.hnsw"
