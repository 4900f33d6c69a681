"""Distributed training on a local Ray cluster against single-process training.

1. Quality vs nodes at equal epochs: N = 1 (single process, one thread) and N = 2, 4, ...
   one-thread nodes, for each merge rule; analogy accuracy (questions-words, restrict_vocab
   30,000) and WordSim-353 Spearman. ``--virtual`` steps the nodes in one process
   (``distributed.train(virtual=True)``, the same merge code) for node counts this machine
   cannot host.
2. Engine overhead: 2 nodes x 1 thread against one process with 2 threads, same corpus and
   settings, side by side, ``--repeat`` interleaved pairs: words/s ratio, stall between rounds
   and exchange latency p50/p99, bytes sent per word per node, the CPU the run spent beyond
   what the same words cost in one process (per byte sent), start-up time, peak RSS per node.
3. ``--project``: words/s of N nodes on paper from those measurements.

Ray must run in a network namespace with only loopback. From the repository root:

    unshare -rn sh -c 'ip link set lo up && PYTHONPATH=src python benchmarks/distributed.py'

The issue's full setting (35M words of part1 + part2, 5 epochs, up to 8 nodes):

    unshare -rn sh -c 'ip link set lo up && PYTHONPATH=src python benchmarks/distributed.py \\
        --parts 1,2 --words 0 --epochs 5 --nodes 1,2,4,8 --merges capped --skip-overhead'
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import lzma
import math
import multiprocessing
import os
import platform
import secrets
import socket
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
RESULTS = ROOT / "benchmarks" / "results"
LINE_WORDS = 1000
COMMON = {"vector_size": 100, "window": 5, "min_count": 5, "sample": 1e-4, "negative": 5}
CONFIGS = {"sg-ns": {"sg": 1}, "cbow-ns": {"sg": 0}}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def prepare(parts: list[str], words: int) -> Path:
    """The first ``words`` words (0: all) of the given parts, re-cut into 1,000-word lines."""
    name = f"corpus-parts{'_'.join(parts)}-{words or 'all'}.txt"
    out = RESULTS / name
    if out.exists():
        return out
    RESULTS.mkdir(parents=True, exist_ok=True)
    left = words or None
    tmp = out.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        for part in parts:
            path = DATA / "corpus" / f"enwiki2015-part{part}.text8.txt.xz"
            with lzma.open(path, "rt", encoding="utf-8") as src:
                toks = src.read().split()
            if left is not None:
                toks = toks[:left]
                left -= len(toks)
            for i in range(0, len(toks), LINE_WORDS):
                f.write(" ".join(toks[i : i + LINE_WORDS]) + "\n")
            if left == 0:
                break
    tmp.rename(out)
    return out


def evaluate(model) -> dict[str, float]:
    ev = DATA / "eval"
    analogy = model.wv.evaluate_word_analogies(ev / "questions-words.txt", restrict_vocab=30_000)
    pairs = model.wv.evaluate_word_pairs(ev / "wordsim353.tsv")
    return {"analogy30k": 100 * analogy.accuracy, "ws353": pairs.spearman}


def _single(spec: dict[str, Any], queue) -> None:
    from w2v import Word2Vec
    from w2v.distributed.node import peak_rss

    model = Word2Vec(**spec["params"])
    model.build_vocab(spec["corpus"])
    t0 = time.perf_counter()
    model.train(spec["corpus"])
    seconds = time.perf_counter() - t0
    words = sum(p.words for p in model.epoch_history[-1:])
    queue.put({
        "words_per_sec": words / seconds, "loss": model.loss_history,
        "peak_rss": peak_rss(),
        **(evaluate(model) if spec["quality"] else {}),
    })  # fmt: skip


def busy_cpu_seconds() -> float:
    """CPU time every process of this machine has used, from /proc/stat (user + system)."""
    with open("/proc/stat", encoding="ascii") as f:
        fields = f.readline().split()[1:]
    return (int(fields[0]) + int(fields[1]) + int(fields[2])) / os.sysconf("SC_CLK_TCK")


def single(corpus: Path, params: dict[str, Any], quality: bool) -> dict[str, Any]:
    """Single-process training in a fresh child process (its own memory and compiled code)."""
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    spec = {"corpus": str(corpus), "params": params, "quality": quality}
    proc = ctx.Process(target=_single, args=(spec, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def distributed(corpus: Path, nodes: int, params: dict[str, Any], **kw) -> dict[str, Any]:
    from w2v import distributed as dist

    cpu0 = busy_cpu_seconds()
    model = dist.train(str(corpus), nodes=nodes, progress=False, **kw, **params)
    r = model.distributed
    stalls = sorted(r.merge_seconds)
    latency = sorted(r.exchange_seconds) or [float("nan")]
    words = sum(r.node_words) * params["epochs"]
    return {
        "words_per_sec": words / r.train_seconds, "loss": model.loss_history,
        "startup_seconds": r.startup_seconds, "train_seconds": r.train_seconds,
        "stall_p50": _pct(stalls, 0.5), "stall_p99": _pct(stalls, 0.99),
        "latency_p50": _pct(latency, 0.5), "latency_p99": _pct(latency, 0.99),
        "merges": len(stalls), "peak_rss": r.peak_rss, "bytes_sent": sum(r.bytes_sent),
        "bytes_per_word_per_node": sum(r.bytes_sent) / words,
        "busy_cpu_seconds": busy_cpu_seconds() - cpu0, "virtual": r.virtual,
        **evaluate(model),
    }  # fmt: skip


def _pct(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))]


def start_cluster(nodes: int, store_mb: int):
    if [n for _, n in socket.if_nameindex()] != ["lo"]:
        sys.exit("run inside a loopback-only network namespace: see this script's docstring")
    os.environ.update(RAY_USAGE_STATS_ENABLED="0", RAY_AUTH_MODE="token",
                      RAY_AUTH_TOKEN=secrets.token_hex(32))  # fmt: skip
    import ray
    from ray.cluster_utils import Cluster

    t0 = time.perf_counter()
    head = {"num_cpus": 0, "object_store_memory": store_mb << 20, "include_dashboard": False}
    c = Cluster(initialize_head=True, head_node_args=head)
    for _ in range(nodes):
        c.add_node(num_cpus=1, object_store_memory=store_mb << 20)
    c.wait_for_nodes()
    ray.init(address=c.address, logging_level="warning", log_to_driver=False)
    log(f"cluster of {nodes} nodes up in {time.perf_counter() - t0:.1f}s")
    return c


def _trailing_zeros(s: int) -> int:
    return (s & -s).bit_length() - 1


TARGETS = {8: 0.8, 32: 0.7, 128: 0.5}  # the efficiency each node count should reach


def project(report: dict[str, Any], vocab: int = 1_000_000, dim: int = 300, threads: int = 16,
            per_peer: float = 0.001) -> None:  # fmt: skip
    """Words/s of N nodes on paper, from this run's measurements (docs/distributed.md).

    A node trains S words per round at R = threads * r * 100 / dim words/s (r: one thread at
    dim 100, half the 2-thread single process measured beside; cost proportional to dim;
    threads taken as scaling linearly: optimistic). Merges overlap training, so a round costs

        T(N) = S / R + c * B(N) / threads + a * B(N)

    c the CPU the exchange costs per byte a node sends (measured: the CPU the Ray run used
    beyond what its words cost in one process, per byte sent), spread over the node's
    threads; a the node's own time per byte to apply a merge and cut the next (measured:
    the stall between rounds, p50, per byte). B(N) = (N-1)/N * k * 2 * (8 * dim + 4) bytes a
    node sends per merge of k rows of syn0 and the output layer (k averaged over the tiers).
    A merge that takes longer than a round stalls it: the exchange's latency
    L(N) = l0 + per_peer * N + B(N) / bandwidth (l0 the 2-node latency measured, per_peer an
    assumed cost per peer). words/s(N) = N * S / max(T(N), L(N)); efficiency = S / R / that.
    """
    levels = math.ceil(math.log2(vocab / 1024))
    k = sum(min(vocab, 1024 << _trailing_zeros(s)) for s in range(1, 2**levels + 1)) / 2**levels
    print(f"\n## Projection: V={vocab:,}, dim={dim}, {threads} threads per node, tier rows per "
          f"merge {k:,.0f} on average, {1000 * per_peer:.0f} ms per peer (assumed)")  # fmt: skip
    print("\n| config | r (1 thread) | c (ns/byte) | a (ns/byte) | l0 (ms) |")
    print("|---|---|---|---|---|")
    rows = []
    runs: dict[str, list[dict[str, Any]]] = {}
    for o in report["overhead"]:
        runs.setdefault(o["config"], []).append(o)
    for config_runs in runs.values():  # the run of median ratio stands for its config
        o = sorted(config_runs, key=lambda x: x["ratio"])[len(config_runs) // 2]
        one, ray_ = o["single_2_threads"], o["ray_2x1"]
        r1 = one["words_per_sec"] / 2
        words = ray_["words_per_sec"] * ray_["train_seconds"]
        c = (
            max(0.0, ray_["busy_cpu_seconds"] - words * 2 / one["words_per_sec"])
            / ray_["bytes_sent"]
        )
        per_round = ray_["bytes_sent"] / ray_["merges"] / 2  # one node's bytes per merge
        a = ray_["stall_p50"] / per_round
        print(f"| {o['config']} | {r1:,.0f} | {1e9 * c:.1f} | {1e9 * a:.2f} | "
              f"{1000 * ray_['latency_p50']:.1f} |")  # fmt: skip
        rows.append((o["config"], r1, c, a, ray_["latency_p50"]))
    print("\n| config | N | MB per merge per node | S for the target (eff.) | 10 GbE words/s "
          "| S = 1,000,000 (eff.) |\n|---|---|---|---|---|---|")  # fmt: skip
    for config, r1, c, a, l0 in rows:
        rate = threads * r1 * 100 / dim
        for n, target in TARGETS.items():
            b = (n - 1) / n * k * 2 * (8 * dim + 4)

            costs = (rate, c / threads + a, l0 + per_peer * n + b / 1.25e9, b)
            sync = 1000
            while _efficiency(sync, *costs) < target and sync < 10**9:
                sync = int(sync * 1.1)
            e, e_1m = _efficiency(sync, *costs), _efficiency(1_000_000, *costs)
            print(f"| {config} | {n} | {b / 1e6:.1f} | {sync:,} ({e:.0%}) | "
                  f"{n * rate * e / 1e6:.0f}M | {e_1m:.0%} |")  # fmt: skip


def _efficiency(sync: float, rate: float, per_byte: float, latency: float, b: float) -> float:
    """A node's training time over its round's time (see :func:`project`)."""
    t = sync / rate + per_byte * b
    return sync / rate / max(t, latency)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--parts", default="1", help="corpus parts, e.g. 1,2")
    ap.add_argument("--words", type=int, default=4_000_000, help="words to use (0: all)")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--nodes", default="1,2,4")
    ap.add_argument("--configs", default="sg-ns,cbow-ns")
    ap.add_argument("--merges", default="weighted,mean,sum")
    ap.add_argument(
        "--sync-words", type=int, help="words per node per merge (overrides --sync-total)"
    )
    ap.add_argument(
        "--sync-total", type=int, default=100_000,
        help="words the whole cluster trains per merge: sync_words = SYNC_TOTAL / nodes "
        "(default 100,000, the library's default)",
    )  # fmt: skip
    ap.add_argument("--overhead-merge", default="capped", help="merge rule of the overhead run")
    ap.add_argument("--repeat", type=int, default=1, help="interleaved overhead pairs")
    ap.add_argument("--virtual", action="store_true",
                    help="quality runs step the nodes in one process (no cluster)")  # fmt: skip
    ap.add_argument("--skip-quality", action="store_true")
    ap.add_argument("--skip-overhead", action="store_true")
    ap.add_argument("--store-mb", type=int, default=200)
    ap.add_argument("--json", type=Path, help="raw results (default results/distributed-DATE.json)")
    ap.add_argument("--project", metavar="RESULTS_JSON", help="only print the projection")
    args = ap.parse_args()
    if args.project:
        project(json.loads(Path(args.project).read_text()))
        return
    corpus = prepare(args.parts.split(","), args.words)
    node_counts = [int(n) for n in args.nodes.split(",")]
    need = 2 if args.virtual or args.skip_quality else max(max(node_counts), 2)
    cluster = None if args.virtual and args.skip_overhead else start_cluster(need, args.store_mb)
    import ray

    report: dict[str, Any] = {
        "date": dt.datetime.now().isoformat(timespec="seconds"), "argv": sys.argv,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs", "corpus": corpus.name,
        "ray": ray.__version__, "quality": [], "overhead": [],
        "sync_words": {n: sync_words(args, n) for n in node_counts},
    }  # fmt: skip
    try:
        for config in args.configs.split(","):
            params = {**COMMON, **CONFIGS[config], "epochs": args.epochs}
            if not args.skip_quality:
                for n in node_counts:
                    for merge in args.merges.split(",") if n > 1 else ["-"]:
                        t0 = time.perf_counter()
                        if n == 1:
                            res = single(corpus, {**params, "workers": 1}, True)
                        else:
                            res = distributed(corpus, n, params, merge=merge,
                                              sync_words=sync_words(args, n),
                                              virtual=args.virtual)  # fmt: skip
                        res.update(config=config, nodes=n, merge=merge,
                                   sync_words=sync_words(args, n) if n > 1 else None,
                                   seconds=time.perf_counter() - t0)  # fmt: skip
                        report["quality"].append(res)
                        log(json.dumps(res))
            for _ in range(0 if args.skip_overhead else args.repeat):
                one = single(corpus, {**params, "workers": 2}, False)
                two = distributed(corpus, 2, params, merge=args.overhead_merge,
                                  sync_words=sync_words(args, 2))  # fmt: skip
                res = {"config": config, "single_2_threads": one, "ray_2x1": two,
                       "ratio": two["words_per_sec"] / one["words_per_sec"]}  # fmt: skip
                report["overhead"].append(res)
                log(json.dumps(res))
    finally:
        if cluster is not None:
            ray.shutdown()
            cluster.shutdown()
    out = args.json or RESULTS / f"distributed-{dt.date.today().isoformat()}.json"
    out.write_text(json.dumps(report, indent=1))
    print_tables(report)
    if report["overhead"]:
        project(report)
    log(f"raw results: {out}")


def sync_words(args: argparse.Namespace, nodes: int) -> int:
    return args.sync_words or args.sync_total // nodes


def print_tables(report: dict[str, Any]) -> None:
    print(f"# distributed.py, {report['date']}, {report['machine']}, corpus {report['corpus']}")
    if report["quality"]:
        print("\n| config | nodes | merge | sync_words | analogy@30k | WS-353 | last-epoch loss "
              "| seconds |\n|---|---|---|---|---|---|---|---|")  # fmt: skip
        for r in report["quality"]:
            print(f"| {r['config']} | {r['nodes']} | {r['merge']} | {r.get('sync_words') or '-'} "
                  f"| {r['analogy30k']:.2f} | "
                  f"{r['ws353']:.3f} | {r['loss'][-1]:.4f} | {r['seconds']:.0f} |")  # fmt: skip
    if report["overhead"]:
        print("\n| config | 1 process x 2 threads | Ray 2 nodes x 1 thread | ratio | stall p50 / "
              "p99 | exchange latency p50 / p99 | bytes sent per word per node | start-up | peak "
              "RSS per node (single) |\n|---|---|---|---|---|---|---|---|---|")  # fmt: skip
    for r in report["overhead"]:
        one, two = r["single_2_threads"], r["ray_2x1"]
        print(f"| {r['config']} | {one['words_per_sec']:,.0f} | {two['words_per_sec']:,.0f} | "
              f"{r['ratio']:.2f} | {1000 * two['stall_p50']:.1f} / {1000 * two['stall_p99']:.0f} ms"
              f" | {1000 * two['latency_p50']:.1f} / {1000 * two['latency_p99']:.0f} ms | "
              f"{two['bytes_per_word_per_node']:.1f} | {two['startup_seconds']:.1f} s | "
              f"{', '.join(f'{b / 2**20:.0f}' for b in two['peak_rss'])} MiB "
              f"({one['peak_rss'] / 2**20:.0f} MiB) |")  # fmt: skip
    by_config: dict[str, list[float]] = {}
    for r in report["overhead"]:
        by_config.setdefault(r["config"], []).append(r["ratio"])
    for config, ratios in by_config.items():
        print(
            f"\n{config}: median ratio {statistics.median(ratios):.2f} over {len(ratios)} "
            f"interleaved pair(s) ({', '.join(f'{x:.2f}' for x in ratios)})"
        )


if __name__ == "__main__":
    main()
