"""Distributed training on a Ray cluster: one full replica per node, merged every few words.

``train(corpus, nodes=N, threads_per_node=T, address=None, sync_words=S, merge="capped",
**params)`` returns an ordinary :class:`w2v.Word2Vec`. Needs the ``ray`` extra
(``pip install "w2v[ray]"``); importing this package does not import Ray. See
docs/distributed.md.
"""

from w2v.distributed.cluster import ClusterError
from w2v.distributed.driver import SYNC_TOTAL, ClusterReport, train

__all__ = ["SYNC_TOTAL", "ClusterError", "ClusterReport", "train"]
