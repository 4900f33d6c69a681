"""Distributed training on a real local Ray cluster (``ray.cluster_utils.Cluster``).

One cluster serves the whole module: a head (no CPUs, so the driver's work never competes with
a node's) and two 1-CPU nodes with small object stores, token authentication on, usage stats
and dashboard off. Ray advertises the machine's address even when asked for 127.0.0.1, so the
module refuses to start a cluster outside a network namespace that has only loopback.
"""

from __future__ import annotations

import gzip
import lzma
import math
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from w2v import Callback, KeyedVectors, W2VError, Word2Vec, distributed
from w2v.cli import main
from w2v.corpus import Corpus
from w2v.distributed.counting import count_shard, merge_counts
from w2v.distributed.merge import merge_rows, owner_bounds, tier_rows
from w2v.distributed.node import Node
from w2v.distributed.shards import ShardCorpus, plan_shards
from w2v.errors import ParameterError, TrainingError
from w2v.vocabulary import Vocabulary

ray = pytest.importorskip("ray", reason="the distributed tests need the 'ray' extra")

RUN_HINT = "unshare -rn sh -c 'ip link set lo up && python -m pytest -q tests/test_distributed.py'"
NODES = 2
OBJECT_STORE = 80 * 2**20


def _loopback_only() -> bool:
    return [name for _, name in socket.if_nameindex()] == ["lo"]


def _reload_auth_settings() -> None:
    # Ray reads RAY_AUTH_* once per process and caches the token; this module sets them after
    # ray was imported, so make the driver process read them again.
    from ray._private.authentication_test_utils import reset_auth_token_state

    reset_auth_token_state()


@pytest.fixture(scope="module")
def cluster():
    """A started local Ray cluster of NODES 1-CPU nodes; the driver is connected to it."""
    if not _loopback_only():
        pytest.fail(
            "the Ray tests must run in a network namespace with only loopback (Ray would "
            f"advertise this machine's address); run: {RUN_HINT}"
        )
    from ray.cluster_utils import Cluster

    env = {
        "RAY_USAGE_STATS_ENABLED": "0",
        "RAY_AUTH_MODE": "token",  # every RPC and the object transfers carry this secret
        "RAY_AUTH_TOKEN": secrets.token_hex(32),
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    _reload_auth_settings()
    t0 = time.perf_counter()
    c = Cluster(
        initialize_head=True,
        head_node_args={
            "num_cpus": 0,
            "object_store_memory": OBJECT_STORE,
            "include_dashboard": False,
        },
    )
    try:
        for _ in range(NODES):
            c.add_node(num_cpus=1, object_store_memory=OBJECT_STORE)
        c.wait_for_nodes()
        ray.init(address=c.address, logging_level="warning", log_to_driver=False)
        c.startup_seconds = time.perf_counter() - t0
        yield c
    finally:
        ray.shutdown()
        c.shutdown()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        _reload_auth_settings()


@pytest.mark.slow
def test_cluster_is_local_authenticated_and_has_the_nodes(cluster):
    host = cluster.address.rsplit(":", 1)[0]
    assert host == "127.0.0.1"
    assert ray.cluster_resources().get("CPU") == NODES
    assert len([n for n in ray.nodes() if n["Alive"]]) == NODES + 1
    assert os.environ["RAY_AUTH_MODE"] == "token"


@pytest.mark.slow
def test_a_driver_without_the_token_is_refused(cluster):
    code = f"import ray; ray.init(address={cluster.address!r}); print('connected')"
    env = {**os.environ, "RAY_AUTH_TOKEN": secrets.token_hex(32)}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode != 0
    assert "connected" not in done.stdout
    assert "auth" in done.stderr.lower()


# ------------------------------------------------------------------ data (no cluster needed)
SLICE_WORDS = 400_000


@pytest.fixture(scope="module")
def real_slice(tmp_path_factory, real_corpus) -> Path:
    """The first SLICE_WORDS words of the real corpus as one text8-style line."""
    with lzma.open(real_corpus, "rt", encoding="ascii") as f:
        words = f.read(SLICE_WORDS * 8).split()[:SLICE_WORDS]
    path = tmp_path_factory.mktemp("slice") / "slice.txt"
    path.write_text(" ".join(words) + "\n", encoding="ascii")
    return path


@pytest.fixture(scope="module")
def mixed_dir(tmp_path_factory, real_slice) -> Path:
    """A directory of plain and compressed files with lines, long lines and odd bytes."""
    d = tmp_path_factory.mktemp("mixed")
    text = real_slice.read_text(encoding="ascii").split()
    lines = [" ".join(text[i : i + 37]) for i in range(0, 60_000, 37)]
    (d / "a.txt").write_text("\n".join(lines[:800]) + "\n", encoding="utf-8")
    with gzip.open(d / "b.txt.gz", "wt", encoding="utf-8") as f:
        f.write("\n".join(lines[800:1200]))  # no final newline
    (d / "c.txt").write_text(" ".join(text[60_000:120_000]), encoding="utf-8")  # one line
    (d / "d.txt").write_bytes("caf\u00e9 na\u00efve \xff\xfe x\n\n  \t".encode("latin-1") * 50)
    return d


def single_process_vocab(source, **kw) -> Vocabulary:
    return Vocabulary.build(Corpus(source).blocks(), **kw)


@pytest.mark.parametrize("nodes", [1, 2, 3, 5, 8])
@pytest.mark.parametrize("kw", [{"min_count": 1}, {"min_count": 5, "max_final_vocab": 700}])
def test_shards_counted_and_merged_give_the_single_process_vocabulary(mixed_dir, nodes, kw):
    shards = plan_shards(mixed_dir, nodes)
    assert len(shards) == nodes
    parts = [count_shard(ShardCorpus(s)) for s in shards]
    merged = merge_counts(parts, **kw)
    expected = single_process_vocab(mixed_dir, **kw)
    assert merged.words == expected.words
    assert merged.counts.tolist() == expected.counts.tolist()
    assert merged.total_tokens == expected.total_tokens


def test_a_one_line_file_is_cut_between_tokens(real_slice):
    shards = plan_shards(real_slice, 4)
    tokens = [count_shard(ShardCorpus(s)).total_tokens for s in shards]
    assert sum(tokens) == SLICE_WORDS
    assert max(tokens) - min(tokens) < SLICE_WORDS // 100  # about equal shares
    data = real_slice.read_bytes()
    for s in shards[1:]:
        assert data[s.pieces[0].start - 1 : s.pieces[0].start] == b" "


def test_a_compressed_file_is_never_split(tmp_path):
    with gzip.open(tmp_path / "only.txt.gz", "wt") as f:
        f.write("a b c\n" * 1000)
    with pytest.raises(ParameterError, match="cannot be cut into 2 non-empty shards"):
        plan_shards(tmp_path / "only.txt.gz", 2)


# ------------------------------------------------------------------ merge arithmetic
def test_tiers_merge_the_frequent_rows_often_and_all_rows_periodically():
    k = [tier_rows(s, 10_000, tier_rows=1024) for s in range(1, 17)]
    assert k[:8] == [1024, 2048, 1024, 4096, 1024, 2048, 1024, 8192]
    assert k[15] == 10_000  # sync 16: the first tier that covers every row
    assert owner_bounds(10, 3) == [(0, 3), (3, 6), (6, 10)]


def test_weighted_merge_keeps_a_row_trained_on_one_node_whole():
    base = np.zeros((3, 2), np.float32)
    d1 = np.array([[1, 1], [2, 2], [0, 0]], np.float32)
    d2 = np.array([[3, 3], [0, 0], [0, 0]], np.float32)
    c1 = np.array([1, 5, 0], np.float32)
    c2 = np.array([3, 0, 0], np.float32)
    weighted = merge_rows(base, [d1, d2], [c1, c2])
    mean = merge_rows(base, [d1, d2])
    summed = merge_rows(base, [d1, d2], total=True)
    assert weighted[0].tolist() == [2.5, 2.5]  # (1*1 + 3*3) / 4
    assert weighted[1].tolist() == [2.0, 2.0]  # only node 1 trained it: not halved
    assert weighted[2].tolist() == [0.0, 0.0]
    assert mean.tolist() == [[2, 2], [1, 1], [0, 0]]
    assert summed.tolist() == [[4, 4], [2, 2], [0, 0]]
    bias = merge_rows(np.ones(3, np.float32), [d1[:, 0], d2[:, 0]], [c1, c2])
    assert bias.tolist() == [3.5, 3.0, 1.0]


def test_capped_merge_sums_unless_every_node_moved_a_row_the_same_way():
    # rows: one node only; opposite directions; all four the same way; nobody; a 1-d bias
    base = np.ones((4, 2), np.float32)
    one = np.array([[3, 4], [1, 0], [3, 4], [0, 0]], np.float32)
    other = np.array([[0, 0], [-1, 0], [3, 4], [0, 0]], np.float32)
    merged = merge_rows(base, [one, other, other, other], cap=2.0)
    assert merged[0].tolist() == [4, 5]  # one node trained it: its whole delta
    assert merged[1].tolist() == [-1, 1]  # the sum (-2, 0) is no longer than 2 x 1
    # the same step from all four: twice one node's step, not four times
    np.testing.assert_allclose(merged[2], [7, 9], rtol=1e-6)
    assert merged[3].tolist() == [1, 1]  # no node moved it: no division by zero
    two = merge_rows(base, [one, other], cap=2.0)
    assert two.tolist() == merge_rows(base, [one, other], total=True).tolist()  # 2 nodes: sum
    bias = merge_rows(np.zeros(3, np.float32), [np.ones(3, np.float32)] * 4, cap=2.0)
    assert bias.tolist() == [2, 2, 2]


# ------------------------------------------------------------------ merging one round behind
def _node_with(base: np.ndarray, value: np.ndarray, sent: np.ndarray) -> Node:
    """A bare node whose one merged array holds ``value``, merged last at ``base``, having
    sent ``sent`` since (no replica: only the merge arithmetic is exercised)."""
    node = Node.__new__(Node)
    node.base, node.sent, node.trained = {"syn0": base.copy()}, {"syn0": sent}, 5
    node.arrays = {"syn0": value.copy()}
    return node


def test_a_merge_applied_a_round_late_keeps_the_updates_made_since():
    base = np.zeros((3, 2), np.float32)
    sent = np.array([[1, 0], [0, 2], [0, 0]], np.float32)  # this node's delta, sent
    later = np.array([[0.5, 0], [0, 0], [0, 1]], np.float32)  # trained after sending
    node = _node_with(base, base + sent + later, sent)
    merged = {"syn0": np.array([[3, 0], [0, 2], [0, 0]], np.float32)}  # what the owner made
    node._apply(node.arrays, 3, [merged])
    # merged values plus what this node did after sending; the base is the merged value
    np.testing.assert_array_equal(node.arrays["syn0"], merged["syn0"] + later)
    np.testing.assert_array_equal(node.base["syn0"], merged["syn0"])
    assert node.applied == 4  # the merge of the round before the one just trained
    # at an epoch's end nothing was trained since the send: the rows take the merged values
    node = _node_with(base, base + sent, sent)
    node._apply(node.arrays, 3, [merged], exact=True)
    np.testing.assert_array_equal(node.arrays["syn0"], merged["syn0"])


def test_a_merge_of_other_rows_than_were_sent_is_refused():
    node = _node_with(np.zeros((3, 2), np.float32), np.zeros((3, 2), np.float32),
                      np.zeros((2, 2), np.float32))  # fmt: skip
    with pytest.raises(TrainingError, match="merge of syn0: 3 rows expected"):
        node._apply(node.arrays, 3, [{"syn0": np.zeros((3, 2), np.float32)}])


# ------------------------------------------------------------------ training on the cluster
SMALL = {"vector_size": 50, "min_count": 5, "epochs": 3, "sg": 0, "seed": 1}


@pytest.fixture(scope="module")
def single(real_slice) -> Word2Vec:
    return Word2Vec(str(real_slice), workers=1, **SMALL)


def test_one_virtual_node_trains_as_single_process_does(real_slice, single):
    model = distributed.train(str(real_slice), nodes=1, virtual=True, progress=False, **SMALL)
    assert model.distributed.virtual
    assert model.loss_history == pytest.approx(single.loss_history, rel=1e-6)
    assert np.abs(model.wv.vectors - single.wv.vectors).max() < 1e-4


def test_virtual_nodes_are_reproducible_and_do_not_need_ray(real_slice, monkeypatch):
    monkeypatch.setattr(distributed.driver, "import_ray", None)  # any use of Ray would fail
    kw = {"nodes": 3, "sync_words": 20_000, "progress": False, "virtual": True, **SMALL}
    a = distributed.train(str(real_slice), **kw)
    b = distributed.train(str(real_slice), **kw)
    assert a.loss_history == b.loss_history
    assert np.array_equal(a.wv.vectors, b.wv.vectors)
    assert len(a.distributed.merge_seconds) == SMALL["epochs"] * a.distributed.rounds_per_epoch


@pytest.mark.slow
@pytest.mark.parametrize("kw", [{"min_count": 3}, {"min_count": 2, "max_final_vocab": 3000}])
def test_vocabulary_counted_on_the_nodes_equals_single_process(cluster, real_slice, kw):
    model = distributed.train(str(real_slice), nodes=2, progress=False,
                              **{**SMALL, "epochs": 1, "vector_size": 8, **kw})  # fmt: skip
    expected = single_process_vocab(real_slice, **kw)
    assert model.vocab.words == expected.words
    assert model.vocab.counts.tolist() == expected.counts.tolist()
    assert model.vocab.total_tokens == expected.total_tokens == SLICE_WORDS
    # by default the cluster as a whole merges every SYNC_TOTAL words
    assert model.distributed.sync_words == distributed.SYNC_TOTAL // 2
    assert model.distributed.rounds_per_epoch == math.ceil(
        max(model.distributed.node_words) / (distributed.SYNC_TOTAL // 2)
    )


@pytest.mark.slow
def test_one_node_trains_as_single_process_does(cluster, real_slice, single):
    # same chunks, random streams and learning rates; a merge of one node adds the node's
    # delta back onto the base, which can round the last bit of a weight
    model = distributed.train(str(real_slice), nodes=1, progress=False, **SMALL)
    assert model.loss_history == pytest.approx(single.loss_history, rel=1e-6)
    assert np.abs(model.wv.vectors - single.wv.vectors).max() < 1e-4


@pytest.fixture(scope="module")
def two_nodes(cluster, real_slice):
    """Train on two nodes with a merge rule (once per rule in this module)."""
    runs = {}

    def run(merge: str) -> Word2Vec:
        if merge not in runs:
            runs[merge] = distributed.train(str(real_slice), nodes=2, sync_words=10_000,
                                            merge=merge, progress=False, **SMALL)  # fmt: skip
        return runs[merge]

    return run


NUMBERS = {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "zero"}


@pytest.mark.parametrize(
    ("merge", "bound"),
    [
        # Adding the deltas up keeps every update, only 10k words stale: measured 0.002 above
        # single-process.
        ("sum", 0.02),
        # With two nodes the cap never binds: the same as the sum.
        ("capped", 0.02),
        # Averaging gives a row that both nodes train half of each node's step, so at equal
        # epochs training is behind: measured 0.09 above single-process on this slice.
        ("weighted", 0.15),
        ("mean", 0.15),
    ],
)
@pytest.mark.slow
def test_two_nodes_converge_close_to_single_process(
    cluster, real_slice, single, two_nodes, merge, bound
):
    model = two_nodes(merge)
    losses = model.loss_history
    assert len(losses) == SMALL["epochs"] and losses == sorted(losses, reverse=True)
    assert losses[-1] - single.loss_history[-1] < bound
    neighbours = {w for w, _ in model.wv.most_similar("three", topn=10)}
    assert len(neighbours & NUMBERS) >= 5, neighbours
    report = model.distributed
    assert report.nodes == 2 and not report.retrained
    assert report.rounds_per_epoch == math.ceil(max(report.node_words) / 10_000)
    assert len(report.merge_seconds) == SMALL["epochs"] * report.rounds_per_epoch
    assert all(b > 0 for b in report.bytes_sent)


@pytest.mark.slow
def test_the_cluster_trains_bit_for_bit_as_virtual_nodes_do(cluster, real_slice, two_nodes):
    # the nodes exchange with each other while they train, yet where each merge is applied
    # is fixed, so the run equals the nodes stepped one after another in one process
    on_ray = two_nodes("capped")
    virtual = distributed.train(str(real_slice), nodes=2, sync_words=10_000, merge="capped",
                                progress=False, virtual=True, **SMALL)  # fmt: skip
    assert on_ray.loss_history == virtual.loss_history
    assert np.array_equal(on_ray.wv.vectors, virtual.wv.vectors)


# ------------------------------------------------------------------ faults and bad input
class KillNode(Callback):
    """Kills node 1's process once, at the first report past ``after`` words."""

    def __init__(self, after: int) -> None:
        self.after = after
        self.killed: int | None = None

    def on_progress(self, model, progress) -> None:
        if self.killed is None and progress.words >= self.after:
            self.killed = model.distributed.node_pids[1]
            os.kill(self.killed, signal.SIGKILL)


@pytest.mark.slow
def test_a_node_killed_mid_epoch_is_restarted_and_the_run_completes(cluster, real_slice, single):
    killer = KillNode(after=150_000)
    model = distributed.train(str(real_slice), nodes=2, sync_words=10_000, merge="sum",
                              progress=False, report_delay=0.1, callbacks=[killer],
                              **SMALL)  # fmt: skip
    report = model.distributed
    assert killer.killed is not None
    assert report.node_pids[1] != killer.killed  # a new process took over
    # killed while training, it trains its round again (words > 0); killed in a merge the
    # others had already taken, it just starts from the merged weights (words == 0)
    assert [(r["node"], r["epoch"]) for r in report.retrained] == [(1, 0)]
    assert report.retrained[0]["words"] <= max(report.node_words)
    assert len(model.loss_history) == SMALL["epochs"]
    # the killed node's updates of rows no merge had taken yet are lost: a little above the
    # 0.02 of an undisturbed run
    assert model.loss_history[-1] - single.loss_history[-1] < 0.05
    assert np.isfinite(model.wv.vectors).all()


@pytest.mark.slow
def test_bad_cluster_input_fails_fast_with_one_line_and_writes_nothing(
    cluster, real_slice, tmp_path, monkeypatch
):
    import w2v.version

    cases = [
        ({"address": "127.0.0.1:9"}, "cannot reach the Ray cluster at 127.0.0.1:9"),
        ({"nodes": 3}, "needs 3 CPUs, but the Ray cluster has 2"),
        ({"corpus": str(tmp_path / "missing.txt")}, "no such corpus file or directory"),
        ({"merge": "median"}, "merge must be one of"),
        # the nodes' processes import the installed w2v; only this driver claims another one
        ({"version": "0.0.1"}, r"node 0 \(.*\) runs w2v .*, this driver 0\.0\.1; install the same"),
    ]
    for kw, message in cases:
        kw = {"corpus": str(real_slice), "nodes": 2, **kw}
        with monkeypatch.context() as m:
            if "version" in kw:
                m.setattr(w2v.version, "__version__", kw.pop("version"))
            t0 = time.perf_counter()
            with pytest.raises(W2VError, match=message) as info:
                distributed.train(progress=False, **kw, **SMALL)
        assert time.perf_counter() - t0 < 30  # seconds, not a minute of retries
        assert "\n" not in str(info.value)
    assert list(tmp_path.iterdir()) == []
    assert ray.is_initialized()  # the test's connection is left as it was


class StopAfterEpoch(Callback):
    def __init__(self, epoch: int) -> None:
        self.epoch = epoch

    def on_epoch_end(self, model, progress) -> None:
        if progress.epoch + 1 == self.epoch:
            raise KeyboardInterrupt


@pytest.mark.slow
def test_a_stopped_run_resumed_from_its_checkpoint_equals_an_uninterrupted_one(
    cluster, real_slice, tmp_path
):
    path = tmp_path / "run.w2v"
    common = {"nodes": 2, "sync_words": 10_000, "merge": "sum", "progress": False}
    with pytest.raises(KeyboardInterrupt):
        distributed.train(str(real_slice), checkpoint=path, callbacks=[StopAfterEpoch(2)],
                          **common, **SMALL)  # fmt: skip
    assert Word2Vec.load(path).epochs_trained == 1  # saved after epoch 1; epoch 2 was stopped
    resumed = distributed.train(str(real_slice), resume=path, checkpoint=path, **common)
    # checkpointing merges every row at every epoch's end (without it only at the end of
    # training), so the uninterrupted run checkpoints too
    whole = distributed.train(str(real_slice), checkpoint=tmp_path / "whole.w2v", **common,
                              **SMALL)  # fmt: skip
    assert resumed.loss_history == whole.loss_history
    assert np.array_equal(resumed.wv.vectors, whole.wv.vectors)
    assert Word2Vec.load(path).epochs_trained == SMALL["epochs"]


# ------------------------------------------------------------------ command line
@pytest.mark.slow
def test_cli_trains_on_the_cluster_and_writes_vectors(cluster, real_slice, tmp_path, capsys):
    out = tmp_path / "vectors.txt"
    args = ["train", str(real_slice), "-o", str(out), "--ray", "--nodes", "2", "--epochs", "1",
            "--vector-size", "20", "--sync-words", "50000", "--merge", "sum"]  # fmt: skip
    assert main(args) == 0
    kv = KeyedVectors.load_word2vec_format(out)
    assert len(kv) == len(single_process_vocab(real_slice, min_count=5))
    assert "vocabulary" in capsys.readouterr().out


def test_cli_unreachable_cluster_is_one_line_and_writes_nothing(real_slice, tmp_path, capsys):
    out = tmp_path / "vectors.txt"
    assert main(["train", str(real_slice), "-o", str(out), "--ray", "127.0.0.1:9"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("w2v: error:") and "cannot reach the Ray cluster" in err
    assert "\n" not in err
    assert list(tmp_path.iterdir()) == []
