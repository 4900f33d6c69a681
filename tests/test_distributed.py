"""Distributed training on a real local Ray cluster (``ray.cluster_utils.Cluster``).

One cluster serves the whole module: a head (no CPUs, so the driver's work never competes with
a node's) and two 1-CPU nodes with small object stores, token authentication on, usage stats
and dashboard off. Ray advertises the machine's address even when asked for 127.0.0.1, so the
module refuses to start a cluster outside a network namespace that has only loopback.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time

import pytest

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


def test_cluster_is_local_authenticated_and_has_the_nodes(cluster):
    host = cluster.address.rsplit(":", 1)[0]
    assert host == "127.0.0.1"
    assert ray.cluster_resources().get("CPU") == NODES
    assert len([n for n in ray.nodes() if n["Alive"]]) == NODES + 1
    assert os.environ["RAY_AUTH_MODE"] == "token"


def test_a_driver_without_the_token_is_refused(cluster):
    code = f"import ray; ray.init(address={cluster.address!r}); print('connected')"
    env = {**os.environ, "RAY_AUTH_TOKEN": secrets.token_hex(32)}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode != 0
    assert "connected" not in done.stdout
    assert "auth" in done.stderr.lower()
