"""The training engine (w2v.training.train_chunks) on its own, without a TrainingRun."""

from __future__ import annotations

import numpy as np
import pytest

from w2v.kernels import Schedule, make_scratch, train_chunk
from w2v.rng import stream_seed
from w2v.training import ChunkStats, Diverged, Job, sequential_jobs, train_chunks
from w2v.word2vec import Word2Vec

WORDS = [f"w{i}" for i in range(40)]


def _model_and_chunks(seed: int = 0, **kw) -> tuple[Word2Vec, list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    sentences = [list(rng.choice(WORDS, rng.integers(1, 30))) for _ in range(300)]
    model = Word2Vec(vector_size=12, window=3, min_count=1, workers=1, seed=3, **kw)
    model.build_vocab(sentences)
    ids = [[model.wv.key_to_index[w] for w in s] + [-1] for s in sentences]
    chunks = [np.array(sum(ids[i : i + 40], []), np.int32) for i in range(0, len(ids), 40)]
    return model, chunks


def _inputs(model: Word2Vec):
    return (model.params.kernel_config(), model._weights(), model._tree_arrays(),
            model._sampler_arrays())  # fmt: skip


@pytest.mark.parametrize("kw", [{"sg": 1}, {"sg": 0, "hs": 1, "negative": 0}])
def test_one_worker_trains_each_job_once_in_order_with_its_own_stream(kw):
    """One thread is the kernel applied to the jobs in turn, each with the random stream
    ``stream_seed(seed, *job.stream)`` and the learning rate of its place on the schedule."""
    engine, chunks = _model_and_chunks(**kw)
    by_hand, _ = _model_and_chunks(**kw)
    words = [int((c >= 0).sum()) for c in chunks]
    jobs = sequential_jobs(words, epoch=2, words_before=100, stream=9)
    schedule = Schedule(0.05, 0.01, 100 + sum(words))
    done = []
    stats = train_chunks(jobs, chunks.__getitem__, *_inputs(engine), schedule, seed=4,
                         workers=1, on_done=lambda job, s: done.append((job, s)))  # fmt: skip
    assert [job for job, _ in done] == jobs
    assert [job.words_before for job in jobs] == list(100 + np.cumsum([0, *words[:-1]]))
    assert all(job.epoch == 2 and job.stream == (9, job.chunk) for job in jobs)

    cfg, weights, tree, sampler = _inputs(by_hand)
    scratch = make_scratch(cfg, 12, tree.codes.shape[1], len(by_hand.vocab))
    total = [0.0, 0, 0]
    for job, (_, s) in zip(jobs, done, strict=True):
        rng = stream_seed(4, *job.stream)
        got = train_chunk(chunks[job.chunk], cfg, weights, tree, sampler, schedule,
                          job.words_before, rng, scratch)  # fmt: skip
        assert ChunkStats(*got) == s
        total = [a + b for a, b in zip(total, got, strict=True)]
    assert stats.words == sum(words) and stats.predictions == total[1]
    assert stats.loss == pytest.approx(total[0], rel=1e-12)
    for a, b in zip(engine._weights(), by_hand._weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_two_workers_train_every_job():
    model, chunks = _model_and_chunks()
    before = model.wv.vectors.copy()
    words = [int((c >= 0).sum()) for c in chunks]
    jobs = sequential_jobs(words * 3)  # three passes over the same chunks
    jobs = [Job(j.chunk % len(chunks), j.epoch, j.words_before, j.stream) for j in jobs]
    seen = []
    stats = train_chunks(jobs, chunks.__getitem__, *_inputs(model),
                         Schedule(0.025, 0.0001, 3 * sum(words)), seed=1, workers=2,
                         on_done=lambda job, s: seen.append(job))  # fmt: skip
    assert sorted(seen) == sorted(jobs) and stats.words == 3 * sum(words)
    assert np.isfinite(model.wv.vectors).all() and not np.array_equal(before, model.wv.vectors)


def test_a_diverging_chunk_stops_the_workers():
    model, chunks = _model_and_chunks()
    words = [int((c >= 0).sum()) for c in chunks]
    seen = []
    with pytest.raises(Diverged, match="diverged"):
        train_chunks(sequential_jobs(words * 50), lambda i: chunks[i % len(chunks)],
                     *_inputs(model), Schedule(1e6, 1e6, 50 * sum(words)), seed=1, workers=2,
                     on_done=lambda job, s: seen.append(job))  # fmt: skip
    assert len(seen) < 50 * len(chunks)


def test_every_configuration_runs_one_compiled_kernel():
    """The NamedTuples give train_chunk the same argument types whatever the model's layers,
    so a new configuration neither compiles nor loads another specialisation."""
    for kw in ({"sg": 1}, {"sg": 0, "hs": 1, "negative": 0, "bias": 1}, {"softmax": 1}):
        model, chunks = _model_and_chunks(**kw)
        model.train([[w] * 3 for w in WORDS], epochs=1)
        if kw == {"sg": 1}:
            compiled = len(train_chunk.signatures)
    assert len(train_chunk.signatures) == compiled
