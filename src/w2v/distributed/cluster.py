"""Joining a Ray cluster (or starting a local one) and checking it can run the nodes."""

from __future__ import annotations

import socket
from typing import Any

from w2v.errors import W2VError

CONNECT_SECONDS = 5.0


class ClusterError(W2VError):
    """The Ray cluster cannot be reached or cannot run the requested nodes."""


def import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ClusterError("distributed training needs Ray: pip install 'w2v[ray]'") from None
    return ray


def _probe(address: str) -> None:
    """Fail fast on an address nothing listens at (ray.init would retry for a minute)."""
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit():
        raise ClusterError(f"address {address!r}: expected HOST:PORT of a Ray head node or 'auto'")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_SECONDS):
            pass
    except OSError as exc:
        raise ClusterError(
            f"cannot reach the Ray cluster at {address}: {exc.strerror or exc} (start one with "
            "'ray start --head', or leave the address out to start a local one)"
        ) from None


def connect(address: str | None) -> bool:
    """Connect this process to Ray: to the cluster at ``address`` ("auto": the one started on
    this machine with ``ray start``), or to a new local instance when None. Returns True if
    this call connected (so the caller disconnects), False if Ray was connected already."""
    ray = import_ray()
    if address is not None and address != "auto":
        _probe(address)
    if ray.is_initialized():
        return False
    try:
        ray.init(
            address=address,
            include_dashboard=False if address is None else None,
            logging_level="warning",
            log_to_driver=False,
            configure_logging=False,
        )
    except (ConnectionError, RuntimeError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ClusterError(
            f"cannot join the Ray cluster at {address or 'local'}: {first}"
        ) from None
    return True


def check_capacity(nodes: int, threads: int) -> None:
    """Refuse more nodes x threads than the cluster has CPUs (they would wait forever)."""
    ray = import_ray()
    cpus = int(ray.cluster_resources().get("CPU", 0))
    if nodes * threads > cpus:
        raise ClusterError(
            f"nodes={nodes} x threads_per_node={threads} needs {nodes * threads} CPUs, but the "
            f"Ray cluster has {cpus}; use fewer nodes or threads, or add machines"
        )
