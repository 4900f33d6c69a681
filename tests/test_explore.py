"""``w2v explore``: the queries (Explorer) and the JSON API through Starlette's test client.

Every endpoint is compared with the library call it stands for, and every error path is
exercised: 400 (bad argument), 404 (unknown word or path, no model), 405, 413, 414, 415; a
fuzzer checks that no request gets a 500.
"""

from __future__ import annotations

import dataclasses
import json
import lzma
import math
import re
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import subprocess_env
from w2v.errors import ParameterError
from w2v.explore import Explorer, Limits, Unavailable, UnknownWords
from w2v.explore import explorer as explorer_module
from w2v.explore.app import create_app
from w2v.explore.server import bind, is_loopback
from w2v.formats import save_vectors
from w2v.keyed_vectors import KeyedVectors
from w2v.plot import pca_2d
from w2v.word2vec import Word2Vec

with warnings.catch_warnings():
    # Starlette now prefers the httpx2 fork for its test client; httpx still works.
    warnings.filterwarnings("ignore", message="Using `httpx`")
    from starlette.testclient import TestClient


def structured_vectors() -> KeyedVectors:
    """Words with a planted analogy (king - man + woman = queen), case and accents, counts."""
    rng = np.random.default_rng(7)
    dim = 16
    royal, male, female, city = (rng.standard_normal(dim) for _ in range(4))
    named = {
        "the": rng.standard_normal(dim),
        "king": royal + male,
        "queen": royal + female,
        "man": male + 0.1 * rng.standard_normal(dim),
        "woman": female + 0.1 * rng.standard_normal(dim),
        "kingdom": royal + 0.3 * rng.standard_normal(dim),
        "paris": city + 0.2 * rng.standard_normal(dim),
        "Paris": city + 0.2 * rng.standard_normal(dim),
        "café": rng.standard_normal(dim),
        "Köln": city + 0.2 * rng.standard_normal(dim),
    }
    words = list(named) + [f"filler{i}" for i in range(190)]
    vectors = np.vstack([*named.values(), rng.standard_normal((190, dim))]).astype(np.float32)
    counts = np.arange(len(words), 0, -1, dtype=np.int64) * 10
    return KeyedVectors(words, vectors, counts)


@pytest.fixture(scope="module")
def kv() -> KeyedVectors:
    return structured_vectors()


@pytest.fixture(scope="module")
def explorer(kv) -> Explorer:
    return Explorer(kv, source="toy.txt", fmt="text")


@pytest.fixture(scope="module")
def client(explorer) -> TestClient:
    return TestClient(create_app(explorer), raise_server_exceptions=False)


@pytest.fixture(scope="module")
def model_path(tmp_path_factory, bundled_data) -> Path:
    """A small model trained on the bundled sample (fixed seed, one worker)."""
    with lzma.open(bundled_data / "sample.txt.xz", "rt", encoding="utf-8") as f:
        lines = [line.split() for _, line in zip(range(1500), f, strict=False)]
    model = Word2Vec(
        lines, vector_size=16, min_count=5, sg=1, hs=1, negative=3, epochs=2, workers=1, seed=3
    )
    path = tmp_path_factory.mktemp("model") / "model.w2v"
    model.save(path)
    return path


@pytest.fixture(scope="module")
def model_client(model_path) -> tuple[TestClient, Word2Vec]:
    explorer = Explorer.open(model_path)
    return TestClient(create_app(explorer), raise_server_exceptions=False), Word2Vec.load(
        model_path
    )


def ok(response) -> dict:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    return response.json()


def error(response, status: int) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert isinstance(body["error"], str) and body["error"]
    assert "Traceback" not in response.text
    return body["error"]


# ------------------------------------------------------------------------------ info


def test_info_describes_vectors(client, kv):
    info = ok(client.get("/api/info"))
    assert info["source"] == "toy.txt" and info["format"] == "text"
    assert info["kind"] == "vectors" and info["model"] is None
    assert info["vocab_size"] == len(kv) and info["vector_size"] == kv.vector_size
    assert info["has_counts"] is True
    assert info["limits"]["max_topn"] == Limits().max_topn


def test_info_describes_a_model(model_client):
    client, model = model_client
    info = ok(client.get("/api/info"))
    assert info["kind"] == "model" and info["format"] == "native"
    m = info["model"]
    assert m["params"]["vector_size"] == 16 and m["params"]["sg"] == 1
    assert m["layers"] == ["hs", "negative"]
    assert m["epochs_trained"] == 2
    assert m["loss_history"] == pytest.approx(model.loss_history)
    assert m["total_tokens"] == model.vocab.total_tokens


# ------------------------------------------------------------------------ vocabulary


def test_completion_is_case_insensitive_and_by_frequency(client, kv):
    body = ok(client.get("/api/vocabulary", params={"prefix": "PAR"}))
    assert [w["word"] for w in body["words"]] == ["paris", "Paris"]
    assert body["total"] == 2
    assert body["words"][0]["count"] == kv.get_count("paris")
    # "king" is the word typed: first, though "kingdom" also matches
    body = ok(client.get("/api/vocabulary", params={"prefix": "king"}))
    assert [w["word"] for w in body["words"]] == ["king", "kingdom"]
    body = ok(client.get("/api/vocabulary", params={"prefix": "kö"}))
    assert [w["word"] for w in body["words"]] == ["Köln"]


def test_completion_limit_and_empty_prefix(client, kv):
    body = ok(client.get("/api/vocabulary", params={"prefix": "filler1", "limit": 3}))
    assert body["total"] == 101  # filler1, filler10..19, filler100..189
    assert [w["word"] for w in body["words"]] == ["filler1", "filler10", "filler11"]
    body = ok(client.get("/api/vocabulary", params={"limit": 4}))
    assert [w["word"] for w in body["words"]] == kv.index_to_key[:4]
    assert ok(client.get("/api/vocabulary", params={"prefix": "zzz"}))["words"] == []


def test_exact_word_leads_even_when_rare(explorer):
    body = explorer.complete("filler1", limit=2)
    assert [w["word"] for w in body["words"]] == ["filler1", "filler10"]
    body = explorer.complete("filler18", limit=1)
    assert [w["word"] for w in body["words"]] == ["filler18"]


@pytest.mark.parametrize("limit", ["0", "51", "x", "1.5"])
def test_completion_limit_bounds(client, limit):
    assert "limit" in error(client.get("/api/vocabulary", params={"limit": limit}), 400)


# ------------------------------------------------------------------------ neighbours


def test_neighbours_equal_most_similar(client, kv):
    body = ok(client.get("/api/neighbours", params={"word": "king", "topn": 5}))
    expected = kv.most_similar("king", topn=5)
    assert [n["word"] for n in body["neighbours"]] == [w for w, _ in expected]
    for got, (_, score) in zip(body["neighbours"], expected, strict=True):
        assert np.float32(got["score"]) == np.float32(score)  # shortest repr, same float32
        assert got["index"] == kv.get_index(got["word"])
        assert got["count"] == kv.get_count(got["word"])


def test_neighbours_restrict_vocab(client, kv):
    body = ok(
        client.get("/api/neighbours", params={"word": "king", "topn": 3, "restrict_vocab": 6})
    )
    assert {n["word"] for n in body["neighbours"]} <= set(kv.index_to_key[:6])
    assert error(client.get("/api/neighbours", params={"word": "king", "restrict_vocab": 0}), 400)


def test_unknown_word_is_a_404_naming_it(client):
    response = client.get("/api/neighbours", params={"word": "kingg"})
    assert "'kingg'" in error(response, 404)
    assert response.json()["words"] == ["kingg"]


def test_the_page_starts_on_a_word_worth_mapping(client, explorer):
    assert ok(client.get("/api/info"))["start_word"] == "king"
    # without any of the usual words: a content word past the most frequent (stopwords)
    words = [
        f"st{chr(97 + i // 676)}{chr(97 + i // 26 % 26)}{chr(97 + i % 26)}" for i in range(1100)
    ]
    rng = np.random.default_rng(0)
    kv = KeyedVectors(words, rng.standard_normal((len(words), 4)).astype(np.float32))
    assert Explorer(kv).start_word() == words[100]
    small = KeyedVectors(words[:150], kv.vectors[:150])  # a small vocabulary skips a tenth
    assert Explorer(small).start_word() == words[15]
    digits = KeyedVectors(["1", "2", "3"], np.eye(3, dtype=np.float32))
    assert Explorer(digits).start_word() is None


def test_unknown_word_suggests_the_close_forms(client):
    # case first (the vocabulary has both "paris" and "Paris"), then one edit away
    body = client.get("/api/neighbours", params={"word": "PARIS"}).json()
    assert body["suggestions"] == {"PARIS": ["paris", "Paris"]}
    assert body["error"] == "word 'PARIS' not in the vocabulary (did you mean paris, Paris?)"
    body = client.get("/api/neighbours", params={"word": "King"}).json()
    assert body["suggestions"]["King"][0] == "king"
    body = client.get("/api/analogy", params={"a": "mann", "b": "king", "c": "womn"}).json()
    assert body["words"] == ["mann", "womn"]
    assert body["suggestions"] == {"mann": ["man"], "womn": ["woman"]}
    body = client.get("/api/neighbours", params={"word": "xyzzy"}).json()
    assert body["suggestions"] == {"xyzzy": []} and "did you mean" not in body["error"]


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({"word": "king", "topn": "0"}, "topn"),
        ({"word": "king", "topn": "101"}, "topn"),
        ({"word": "king", "topn": "ten"}, "topn"),
        ({}, "word"),
        ({"word": ""}, "empty"),
        ({"word": "k" * 201}, "200"),
        ({"word": "king", "topN": "3"}, "topN"),
        ({"word": ["king", "queen"]}, "once"),
    ],
)
def test_neighbours_bad_requests(client, params, needle):
    assert needle in error(client.get("/api/neighbours", params=params), 400)


def test_overlong_query_string_is_414(client):
    assert error(client.get("/api/neighbours?word=" + "k" * 9000), 414)


# ------------------------------------------------------------------------------ batch


def test_batch_equals_single_queries(client, kv):
    queries = ["king", {"positive": ["king", "woman"], "negative": ["man"]}, {"negative": ["the"]}]
    body = ok(client.post("/api/neighbours/batch", json={"queries": queries, "topn": 4}))
    assert len(body["results"]) == 3
    expected = [
        kv.most_similar(positive=["king"], topn=4),
        kv.most_similar(positive=["king", "woman"], negative=["man"], topn=4),
        kv.most_similar(negative=["the"], topn=4),
    ]
    for result, want in zip(body["results"], expected, strict=True):
        assert [n["word"] for n in result["neighbours"]] == [w for w, _ in want]
        got = [n["score"] for n in result["neighbours"]]
        np.testing.assert_allclose(got, [s for _, s in want], rtol=0, atol=1e-6)
    assert body["results"][1]["positive"] == ["king", "woman"]
    assert body["results"][1]["negative"] == ["man"]
    assert body["results"][1]["neighbours"][0]["word"] == "queen"  # the planted analogy


def test_batch_unknown_words_all_named(client):
    response = client.post(
        "/api/neighbours/batch", json={"queries": ["king", "nope1", {"positive": ["nope2"]}]}
    )
    message = error(response, 404)
    assert "'nope1'" in message and "'nope2'" in message
    assert response.json()["words"] == ["nope1", "nope2"]


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"queries": []}, "non-empty"),
        ({"queries": "king"}, "list"),
        ({}, "queries"),
        ({"queries": ["king"], "extra": 1}, "extra"),
        ({"queries": ["king"], "topn": 0}, "topn"),
        ({"queries": ["king"], "topn": "5"}, "topn"),
        ({"queries": ["king"], "topn": True}, "topn"),
        ({"queries": [3]}, "query 0"),
        ({"queries": [{"positive": "king", "other": 1}]}, "query 0"),
        ({"queries": [{"positive": []}]}, "no words"),
        ({"queries": [{"positive": [1]}]}, "string"),
        ({"queries": [{"positive": ["king"] * 21}]}, "at most"),
        ({"queries": ["king"] * 257}, "at most 256"),
        ({"queries": [{"positive": ["king"], "negative": ["king"]}]}, "zero"),
        (["king"], "object"),
    ],
)
def test_batch_bad_requests(client, body, needle):
    assert needle in error(client.post("/api/neighbours/batch", json=body), 400)


def test_batch_transport_errors(client):
    post = client.post
    assert "JSON" in error(
        post("/api/neighbours/batch", content=b"{", headers={"content-type": "application/json"}),
        400,
    )
    assert error(
        post(
            "/api/neighbours/batch",
            content=b'{"queries": ["king"]}',
            headers={"content-type": "text/plain"},
        ),
        415,
    )
    big = json.dumps({"queries": ["king"], "pad": "x" * 300_000}).encode()
    assert error(
        post("/api/neighbours/batch", content=big, headers={"content-type": "application/json"}),
        413,
    )
    assert error(
        post(
            "/api/neighbours/batch",
            content=b"[" * 100_000 + b"]" * 100_000,
            headers={"content-type": "application/json"},
        ),
        400,
    )
    assert error(client.get("/api/neighbours/batch"), 405)


# ------------------------------------------------------------- batching and overload


class GatedSearch:
    """Wraps an explorer's search: the first call waits until released, so that the
    requests sent meanwhile queue up and are answered together by the next call."""

    def __init__(self, explorer: Explorer) -> None:
        self.search = explorer._batcher._search
        self.entered = threading.Event()
        self.release = threading.Event()
        self.calls: list[int] = []
        explorer._batcher._search = self

    def __call__(self, queries, *args):
        self.calls.append(len(queries))
        if len(self.calls) == 1:
            self.entered.set()
            assert self.release.wait(30)
        return self.search(queries, *args)


def wait_for(condition, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


REQUESTS = [
    ("/api/neighbours", {"word": "king", "topn": 5}),
    ("/api/neighbours", {"word": "paris", "topn": 3}),
    ("/api/neighbours", {"word": "king", "topn": 4, "restrict_vocab": 50}),
    ("/api/analogy", {"a": "man", "b": "king", "c": "woman"}),
    ("/api/map", {"word": "queen", "n": 5}),
]


def test_an_answer_shared_with_a_batch_equals_the_single_query_answer(kv):
    alone = Explorer(kv, source="toy.txt", fmt="text")
    client = TestClient(create_app(alone), raise_server_exceptions=False)
    single = [client.get(path, params=params).json() for path, params in REQUESTS]
    batch_body = {"queries": ["kingdom", {"positive": ["woman"], "negative": ["man"]}]}
    single_batch = client.post("/api/neighbours/batch", json=batch_body).json()

    shared = Explorer(kv, source="toy.txt", fmt="text")
    gate = GatedSearch(shared)
    client = TestClient(create_app(shared), raise_server_exceptions=False)
    with ThreadPoolExecutor(len(REQUESTS) + 2) as pool:
        first = pool.submit(client.get, "/api/neighbours", params={"word": "the"})
        assert gate.entered.wait(30)  # the worker is busy with "the": the rest queue
        later = [pool.submit(client.get, path, params=params) for path, params in REQUESTS]
        post = pool.submit(client.post, "/api/neighbours/batch", json=batch_body)
        wait_for(lambda: len(shared._batcher._queue) == len(REQUESTS) + 2)
        gate.release.set()
        got = [ok(f.result()) for f in later]
        assert ok(post.result()) == single_batch
        ok(first.result())
    # Same words, same order, same scores (bit for bit: the shortest float32 text).
    assert got == single
    # Everything queued meanwhile was answered together: one call per row range.
    assert sorted(gate.calls[1:]) == [1, len(REQUESTS) + 1]
    assert got[0]["neighbours"] == [
        {"word": w, "score": pytest.approx(s, abs=1e-6), "index": kv.get_index(w),
         "count": kv.get_count(w)}
        for w, s in kv.most_similar("king", topn=5)
    ]  # fmt: skip


def overloaded(explorer: Explorer, blocked: int):
    """Occupy the worker with one request and queue `blocked` more behind it."""
    gate = GatedSearch(explorer)
    client = TestClient(create_app(explorer), raise_server_exceptions=False)
    pool = ThreadPoolExecutor(blocked + 1)
    futures = [pool.submit(client.get, "/api/neighbours", params={"word": "the"})]
    assert gate.entered.wait(30)
    futures += [
        pool.submit(client.get, "/api/neighbours", params={"word": "king"}) for _ in range(blocked)
    ]
    wait_for(lambda: len(explorer._batcher._queue) == blocked)
    return client, gate, pool, futures


def test_a_full_queue_answers_503_at_once(kv):
    explorer = Explorer(kv, limits=Limits(max_batch=2, max_queue=2))
    client, gate, pool, futures = overloaded(explorer, 2)
    try:
        t0 = time.monotonic()
        response = client.get("/api/neighbours", params={"word": "queen"})
        assert "overloaded" in error(response, 503) and "at most 2" in response.json()["error"]
        assert response.headers["retry-after"] == "1"
        assert time.monotonic() - t0 < 5  # refused, not queued
        body = {"queries": ["king", "queen"]}
        assert "overloaded" in error(client.post("/api/neighbours/batch", json=body), 503)
        analogy = {"a": "man", "b": "king", "c": "woman"}
        assert "overloaded" in error(client.get("/api/analogy", params=analogy), 503)
        # What does not wait for the neighbours worker still answers.
        ok(client.get("/api/similarity", params={"a": "king", "b": "queen"}))
        ok(client.get("/api/analogy", params={**analogy, "method": "3cosmul"}))
    finally:
        gate.release.set()
        for future in futures:
            ok(future.result())
        pool.shutdown()
    ok(client.get("/api/neighbours", params={"word": "queen"}))  # and recovers


def test_a_query_that_waited_too_long_gets_503(kv):
    explorer = Explorer(kv, limits=Limits(max_queue_wait_ms=50))
    client, gate, pool, futures = overloaded(explorer, 2)
    time.sleep(0.2)
    gate.release.set()
    for future in futures[1:]:
        assert "waited" in error(future.result(), 503)
    ok(futures[0].result())
    pool.shutdown()
    ok(client.get("/api/neighbours", params={"word": "king"}))


def test_a_failing_search_fails_its_requests_not_the_worker(kv, monkeypatch):
    explorer = Explorer(kv)
    client = TestClient(create_app(explorer), raise_server_exceptions=False)
    real = explorer._batcher._search
    explorer._batcher._search = lambda *a: 1 / 0
    assert "ZeroDivisionError" in error(client.get("/api/neighbours", params={"word": "king"}), 500)
    explorer._batcher._search = real
    ok(client.get("/api/neighbours", params={"word": "king"}))


def test_every_limit_is_in_info_and_checked(client):
    info = ok(client.get("/api/info"))
    assert info["limits"] == dataclasses.asdict(Limits())
    for name in ("max_queue", "max_queue_wait_ms", "max_batch_rows", "max_connections"):
        assert info["limits"][name] > 0
    assert info["search"]["mode"] == "exact" and info["search"]["index"] is None
    searches, queries = info["search"]["batches"]["searches"], info["search"]["batches"]["queries"]
    ok(client.post("/api/neighbours/batch", json={"queries": ["king", "queen"]}))
    after = ok(client.get("/api/info"))["search"]["batches"]
    assert after == {"searches": searches + 1, "queries": queries + 2}
    with pytest.raises(ParameterError, match="max_queue"):
        Limits(max_batch=300, max_queue=200)


def test_the_server_takes_its_connection_limit_from_the_limits(kv):
    from w2v.explore.server import make_server

    server, sock, _ = make_server(Explorer(kv, limits=Limits(max_connections=7)), port=0)
    sock.close()
    assert server.config.limit_concurrency == 7


# ---------------------------------------------------------------- analogy, similarity


def test_analogy_3cosadd_and_3cosmul(client, kv):
    params = {"a": "man", "b": "king", "c": "woman", "topn": 3}
    add = ok(client.get("/api/analogy", params=params))
    assert add["method"] == "3cosadd" and add["results"][0]["word"] == "queen"
    want = kv.most_similar(positive=["king", "woman"], negative=["man"], topn=3)
    assert [r["word"] for r in add["results"]] == [w for w, _ in want]
    mul = ok(client.get("/api/analogy", params={**params, "method": "3cosmul"}))
    want = kv.most_similar_cosmul(positive=["king", "woman"], negative=["man"], topn=3)
    assert [r["word"] for r in mul["results"]] == [w for w, _ in want]
    assert [np.float32(r["score"]) for r in mul["results"]] == [np.float32(s) for _, s in want]


def test_analogy_errors(client):
    bad = client.get("/api/analogy", params={"a": "man", "b": "kingx", "c": "womanx"})
    assert "'kingx'" in error(bad, 404) and bad.json()["words"] == ["kingx", "womanx"]
    params = {"a": "man", "b": "king", "c": "woman", "method": "add"}
    assert "method" in error(client.get("/api/analogy", params=params), 400)
    assert "'c'" in error(client.get("/api/analogy", params={"a": "man", "b": "king"}), 400)


def test_similarity(client, kv):
    body = ok(client.get("/api/similarity", params={"a": "king", "b": "queen"}))
    assert np.float32(body["similarity"]) == np.float32(kv.similarity("king", "queen"))
    back = ok(client.get("/api/similarity", params={"a": "queen", "b": "king"}))
    assert back["similarity"] == pytest.approx(body["similarity"], abs=1e-7)
    assert error(client.get("/api/similarity", params={"a": "king", "b": "nope"}), 404)


def test_vector_round_trips_float32(client, kv):
    body = ok(client.get("/api/vector", params={"word": "café"}))
    np.testing.assert_array_equal(np.asarray(body["vector"], dtype=np.float32), kv["café"])
    assert np.float32(body["norm"]) == kv.norms[kv.get_index("café")]
    assert error(client.get("/api/vector", params={"word": "nope"}), 404)


def test_non_finite_values_stay_valid_json():
    vectors = np.ones((4, 3), dtype=np.float32)
    vectors[1, 0] = np.nan
    client = TestClient(create_app(Explorer(KeyedVectors(list("abcd"), vectors))))
    response = client.get("/api/vector", params={"word": "b"})

    def refuse(constant: str) -> None:
        raise AssertionError(f"invalid JSON constant {constant}")

    body = json.loads(response.text, parse_constant=refuse)
    assert response.status_code == 200 and body["vector"] == [None, 1.0, 1.0]


# ------------------------------------------------------------------------ predictions


def test_predictions_equal_the_model(model_client):
    client, model = model_client
    word = model.wv.index_to_key[50]
    body = ok(client.get("/api/predict/context", params={"word": word, "topn": 5}))
    want = model.predict_context(word, topn=5)
    assert [p["word"] for p in body["predictions"]] == [w for w, _ in want]
    np.testing.assert_allclose(
        [p["probability"] for p in body["predictions"]], [q for _, q in want], rtol=1e-6
    )
    assert body["layer"] == "hs"
    context = model.wv.index_to_key[10:14]
    body = ok(
        client.get(
            "/api/predict/center", params={"context": context, "topn": 5, "layer": "negative"}
        )
    )
    want = model.predict_center(context, topn=5, layer="negative")
    assert [p["word"] for p in body["predictions"]] == [w for w, _ in want]
    assert body["context"] == context and body["layer"] == "negative"
    probabilities = [p["probability"] for p in body["predictions"]]
    assert probabilities == sorted(probabilities, reverse=True) and sum(probabilities) <= 1


def test_prediction_errors(model_client, client):
    mclient, model = model_client
    word = model.wv.index_to_key[0]
    assert "layer" in error(
        mclient.get("/api/predict/context", params={"word": word, "layer": "softmax"}), 400
    )
    bad = mclient.get("/api/predict/center", params={"context": [word, "zzzq"]})
    assert error(bad, 404) and bad.json()["words"] == ["zzzq"]
    assert "context" in error(mclient.get("/api/predict/center"), 400)
    many = {"context": [word] * 21}
    assert "at most" in error(mclient.get("/api/predict/center", params=many), 400)
    # plain vectors have no output layer
    assert "full model" in error(client.get("/api/predict/context", params={"word": "king"}), 404)
    assert error(client.get("/api/predict/center", params={"context": "king"}), 404)


# -------------------------------------------------------------------------------- map


def test_map_of_a_neighbourhood_is_the_pca_of_its_unit_vectors(client, kv):
    body = ok(client.get("/api/map", params={"word": "king", "n": 6}))
    points = body["points"]
    assert body["method"] == "pca" and len(points) == 7
    assert points[0]["word"] == "king" and points[0]["score"] is None
    want = [w for w, _ in kv.most_similar("king", topn=6)]
    assert [p["word"] for p in points[1:]] == want
    expected = pca_2d(kv.get_normed_vectors()[[kv.get_index(p["word"]) for p in points]])
    got = np.array([[p["x"], p["y"]] for p in points])
    np.testing.assert_allclose(got, expected, atol=1e-5)


def test_map_of_frequent_words(client, kv):
    body = ok(client.get("/api/map", params={"top": 12}))
    assert [p["word"] for p in body["points"]] == kv.index_to_key[:12]
    body = ok(client.get("/api/map", params={"top": 20, "method": "tsne"}))
    coords = np.array([[p["x"], p["y"]] for p in body["points"]])
    assert coords.shape == (20, 2) and np.isfinite(coords).all()
    assert len(np.unique(coords, axis=0)) == 20


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({}, "either"),
        ({"word": "king", "top": "5"}, "either"),
        ({"top": "2"}, "top"),
        ({"top": "1001"}, "top"),
        ({"top": "501", "method": "tsne"}, "top"),
        ({"word": "king", "n": "1"}, "n"),
        ({"top": "10", "method": "umap"}, "method"),
    ],
)
def test_map_bad_requests(client, params, needle):
    assert needle in error(client.get("/api/map", params=params), 400)


def test_tsne_without_scikit_learn_says_so(client, monkeypatch):
    monkeypatch.setattr(explorer_module, "tsne_available", lambda: False)
    message = error(client.get("/api/map", params={"top": 10, "method": "tsne"}), 400)
    assert "scikit-learn" in message
    assert ok(client.get("/api/info"))["tsne"] is False


# -------------------------------------------------------------------- HTTP and safety


def test_page_and_static_files_come_from_the_package(client):
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert 'src="static/vendor/d3.min.js"' in page.text
    d3 = client.get("/static/vendor/d3.min.js")
    assert d3.status_code == 200 and "d3js.org" in d3.text[:200]
    for path in (
        "/static/../app.py",
        "/static/%2e%2e/app.py",
        "/static/..%2fapp.py",
        "/static/vendor/../../explorer.py",
        "/nope",
    ):
        assert error(client.get(path), 404)


def test_security_headers_and_read_only(client):
    response = client.get("/api/info")
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    for method in ("put", "delete", "patch"):
        assert "not allowed" in error(getattr(client, method)("/api/info"), 405)
    assert error(client.post("/api/neighbours", json={"word": "king"}), 405)


def test_host_check_blocks_dns_rebinding(explorer):
    app = create_app(explorer, allowed_hosts=["127.0.0.1", "localhost"])
    local = TestClient(app, base_url="http://127.0.0.1:8000")
    assert local.get("/api/info").status_code == 200
    other = TestClient(app, base_url="http://attacker.example:8000")
    refused = other.get("/api/info")
    assert refused.status_code == 400  # JSON, as every other error
    assert refused.headers["content-type"] == "application/json"
    assert refused.json() == {
        "error": "Host header 'attacker.example:8000' refused: this server answers only as "
        "127.0.0.1, localhost (a DNS-rebinding guard)"
    }
    assert refused.headers["x-content-type-options"] == "nosniff"
    assert other.get("/").status_code == 400


_GET = [
    "/api/info",
    "/api/vocabulary",
    "/api/neighbours",
    "/api/analogy",
    "/api/similarity",
    "/api/vector",
    "/api/predict/center",
    "/api/predict/context",
    "/api/map",
]
_NAMES = [
    "word",
    "topn",
    "prefix",
    "limit",
    "a",
    "b",
    "c",
    "method",
    "top",
    "n",
    "context",
    "layer",
    "restrict_vocab",
    "x",
]
_VALUES = st.one_of(
    st.sampled_from(["king", "queen", "man", "0", "-1", "5", "1e9", "3cosmul", "tsne", "hs", ""]),
    st.text(max_size=30),
    st.integers(-(10**20), 10**20).map(str),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    path=st.sampled_from(_GET),
    params=st.lists(st.tuples(st.sampled_from(_NAMES), _VALUES), max_size=5),
)
def test_no_request_gets_a_500(client, path, params):
    response = client.get(path, params=params)
    assert response.status_code in (200, 400, 404), (path, params, response.text)
    body = response.json()
    assert response.status_code == 200 or body["error"]


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=10)
    | st.sampled_from(["king", "queen", "nope"]),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["queries", "topn", "positive", "negative", "restrict_vocab"]),
            inner,
            max_size=3,
        )
    ),
    max_leaves=12,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=_JSON)
def test_no_batch_body_gets_a_500(client, body):
    response = client.post(
        "/api/neighbours/batch",
        content=json.dumps(body),
        headers={"content-type": "application/json"},
    )
    assert response.status_code in (200, 400, 404), (body, response.text)


def test_model_fuzz_no_500(model_client):
    client, model = model_client
    word = model.wv.index_to_key[3]
    for params in (
        {"word": word, "layer": "hs", "topn": 100},
        {"context": [word, word]},
        {"word": word, "topn": "-5"},
        {"context": ""},
    ):
        for path in ("/api/predict/context", "/api/predict/center"):
            assert client.get(path, params=params).status_code in (200, 400, 404)


# --------------------------------------------------------------------- the Explorer API


def test_explorer_raises_typed_errors(explorer):
    with pytest.raises(UnknownWords, match="'nope'") as info:
        explorer.neighbours("nope")
    assert info.value.words == ["nope"]
    with pytest.raises(ParameterError, match="topn"):
        explorer.neighbours("king", topn=0)
    with pytest.raises(Unavailable, match="full model"):
        explorer.predict_context("king")


def test_explorer_rejects_an_empty_vocabulary():
    with pytest.raises(ParameterError, match="empty"):
        Explorer(KeyedVectors([], np.zeros((0, 3), dtype=np.float32)))


@pytest.mark.parametrize("fmt", ["text", "binary", "native"])
def test_open_any_vector_format(tmp_path, kv, fmt):
    path = tmp_path / f"vectors.{fmt}"
    save_vectors(kv, path, fmt)
    explorer = Explorer.open(path)
    info = explorer.info()
    assert info["format"] == fmt and info["kind"] == "vectors" and info["source"] == path.name
    assert info["vocab_size"] == len(kv)
    want = kv.most_similar("king", topn=3)
    assert [n["word"] for n in explorer.neighbours("king", topn=3)["neighbours"]] == [
        w for w, _ in want
    ]


def test_native_vectors_are_memory_mapped(tmp_path, kv):
    path = tmp_path / "v.w2v"
    save_vectors(kv, path, "native")
    explorer = Explorer.open(path)
    assert isinstance(explorer.kv.vectors.base, np.memmap) or isinstance(
        explorer.kv.vectors, np.memmap
    )


def test_open_with_a_limit(tmp_path, kv, model_path):
    path = tmp_path / "v.bin"
    save_vectors(kv, path, "binary")
    explorer = Explorer.open(path, fmt="binary", limit=5)
    assert explorer.kv.index_to_key == kv.index_to_key[:5]
    with pytest.raises(ParameterError, match="full model"):
        Explorer.open(model_path, limit=5)


def test_open_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        Explorer.open(tmp_path / "missing.bin")


# ----------------------------------------------------------------------------- server


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.5", False),
        ("example.org", False),
    ],
)
def test_is_loopback(host, loopback):
    assert is_loopback(host) is loopback


def test_bind_reports_a_taken_port():
    first = bind("127.0.0.1", 0)
    try:
        port = first.getsockname()[1]
        with pytest.raises(OSError, match=f"127.0.0.1:{port}.*another --port"):
            bind("127.0.0.1", port)
    finally:
        first.close()


def test_serve_warns_off_loopback(explorer, monkeypatch, capsys):
    import uvicorn

    from w2v.explore import server

    ran = []
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets=None: ran.append(sockets))
    server.serve(explorer, host="0.0.0.0", port=0)
    err = capsys.readouterr().err
    assert "not loopback" in err and "toy.txt" in err and ran
    server.serve(explorer, host="127.0.0.1", port=0)
    err = capsys.readouterr().err
    assert "warning" not in err and "http://127.0.0.1:" in err


def test_score_is_the_shortest_float32_text(explorer):
    # JSON shows e.g. 0.7123457, which reads back as the same float32
    for value in (0.1, 1 / 3, 2.5e-8, -0.7123456835746765):
        (short,) = explorer_module._short_floats([value])
        assert np.float32(short) == np.float32(value)
        assert len(repr(short)) <= len(repr(float(np.float32(value))))
        assert not math.isnan(short)


def test_every_file_the_page_uses_ships_in_the_package():
    from w2v.explore.app import STATIC

    page = (STATIC / "index.html").read_text(encoding="utf-8")
    used = re.findall(r'(?:src|href)="static/([^"]+)"', page)
    assert {"vendor/d3.min.js", "explore.js", "explore.css"} <= set(used)
    for name in used:
        assert (STATIC / name).is_file(), name
    assert (STATIC / "vendor" / "d3.LICENSE").is_file()
    assert not re.search(r'(?:src|href)="(?:https?:)?//', page)  # nothing from elsewhere


def test_real_server_on_loopback_checks_the_host_header(explorer):
    import threading

    import httpx

    from w2v.explore.server import make_server

    server, sock, url = make_server(explorer, "127.0.0.1", 0)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        for _ in range(600):
            if server.started:
                break
            time.sleep(0.05)
        assert url.startswith("http://127.0.0.1:")
        assert (
            httpx.get(url + "api/info", timeout=10, trust_env=False).json()["source"] == "toy.txt"
        )
        port = url.rsplit(":", 1)[1].strip("/")
        local = httpx.get(
            url + "api/info", headers={"host": f"localhost:{port}"}, timeout=10, trust_env=False
        )
        assert local.status_code == 200
        # a page on another domain resolved to 127.0.0.1 (DNS rebinding) is refused
        rebound = httpx.get(
            url + "api/info", headers={"host": "evil.example"}, timeout=10, trust_env=False
        )
        assert rebound.status_code == 400
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


# ------------------------------------------------------------------------ the command


def test_cli_explore_passes_its_options(tmp_path, kv, monkeypatch):
    from w2v import cli
    from w2v.explore import server

    path = tmp_path / "v.txt"
    save_vectors(kv, path, "text")
    calls = []
    monkeypatch.setattr(server, "serve", lambda explorer, **kw: calls.append((explorer, kw)))
    argv = ["explore", str(path), "--host", "::1", "--port", "0", "--open", "--limit", "7"]
    assert cli.main(argv) == 0
    explorer, options = calls[0]
    assert options == {"host": "::1", "port": 0, "open_browser": True, "log_level": "warning"}
    assert len(explorer.kv) == 7 and explorer.source == "v.txt"


def test_cli_explore_errors(tmp_path, model_path, capsys):
    from w2v import cli

    assert cli.main(["explore", str(tmp_path / "missing.bin")]) == 1
    assert "no such file" in capsys.readouterr().err
    assert cli.main(["explore", str(model_path), "--port", "70000"]) == 2
    assert "65535" in capsys.readouterr().err
    assert cli.main(["explore", str(model_path), "--limit", "5"]) == 1
    assert "full model" in capsys.readouterr().err


def test_cli_explore_serves_until_interrupted(model_path):
    import signal
    import subprocess
    import sys

    import httpx

    proc = subprocess.Popen(
        [sys.executable, "-m", "w2v", "explore", str(model_path), "--port", "0"],
        stderr=subprocess.PIPE,
        text=True,
        env=subprocess_env(),
    )
    try:
        line = ""
        deadline = time.monotonic() + 120
        while "http://" not in line and time.monotonic() < deadline:
            line = proc.stderr.readline()
            assert line or proc.poll() is None, "w2v explore exited early"
        url = re.search(r"http://127\.0\.0\.1:\d+/", line).group(0)
        assert "model.w2v" in line and "Ctrl-C" in line
        info = None
        while info is None and time.monotonic() < deadline:
            try:
                info = httpx.get(url + "api/info", timeout=10, trust_env=False).json()
            except httpx.TransportError:
                time.sleep(0.1)
        assert info["kind"] == "model"
        proc.send_signal(signal.SIGINT)
        rest = proc.communicate(timeout=30)[1]
        assert proc.returncode in (0, 130) and "Traceback" not in rest
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_cli_explore_without_the_serve_extra_says_what_to_install(model_path, monkeypatch, capsys):
    import sys

    from w2v import cli

    for name in ("w2v.explore.server", "w2v.explore.app"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # as if not installed
    monkeypatch.setitem(sys.modules, "starlette", None)
    assert cli.main(["explore", str(model_path)]) == 1
    assert "pip install 'w2v[serve]'" in capsys.readouterr().err
