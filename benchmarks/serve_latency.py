"""Latency, throughput and footprint of ``w2v explore``, exact and with the HNSW index.

Measures, for each search mode (``--modes exact hnsw``):

- start-up: from launching ``w2v explore`` to its first answer (native file, memory-mapped);
  with the index, the first start (which builds and saves it) and the next (which loads it),
  the index's build time and file size;
- ``GET /api/neighbours`` under 1, 8 and 32 concurrent keep-alive clients for a fixed time:
  requests/s, p50/p99 latency, errors (any status but 200), and how many queries the server
  answered per batch;
- the batch endpoint (32 words per request), the server's resident memory;
- the floor: the same queries through ``KeyedVectors.most_similar`` in this process;
- the page in headless Chromium (exact mode): time to the first drawn map, and a screenshot;
- with ``--recall FILE``: recall@10 of the index against exact answers on trained vectors.

The load comes from a minimal asyncio HTTP/1.1 client (one request at a time per connection):
it shares the cores with the server, and httpx would spend several times its CPU per request.

Run (a few minutes at 100k words; the server and the clients share the machine's cores):

    python benchmarks/serve_latency.py [--words 100000] [--dim 300] [--seconds 10]
        [--clients 1 8 32] [--modes exact hnsw] [--recall vectors.w2v] [--screenshot page.png]

The vectors are clustered random vectors (1,000 centres) saved in the native format in a
temporary directory. Everything talks to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import httpx
import numpy as np

from w2v.formats import save_vectors
from w2v.keyed_vectors import KeyedVectors

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


def make_vectors(n: int, dim: int, seed: int = 0) -> KeyedVectors:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((1000, dim)).astype(np.float32)
    vectors = centres[rng.integers(0, 1000, n)] + 0.7 * rng.standard_normal((n, dim), np.float32)
    words = [f"w{i:06d}" for i in range(n)]
    counts = (1e7 / np.arange(1, n + 1)).astype(np.int64) + 5  # Zipf-like frequencies
    return KeyedVectors(words, vectors, counts)


def save_native(kv: KeyedVectors, path: Path) -> None:
    save_vectors(kv, path, "native")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentiles(seconds: list[float]) -> tuple[float, float]:
    ms = np.asarray(seconds) * 1000
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 99))


def memory(pid: int) -> dict[str, int]:
    """Resident memory of `pid` in bytes: total, file-backed (mapped files) and anonymous."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "RssAnon", "RssFile"):
            fields[key] = int(value.split()[0]) * 1024
    return fields


def cpu_seconds(pid: int) -> float:
    """User + system CPU time used so far by process `pid`."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu() -> float:
    t = os.times()
    return t.user + t.system


def start_server(path: Path, port: int, mode: str) -> tuple[subprocess.Popen, float]:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    t0 = time.perf_counter()
    command = [sys.executable, "-m", "w2v", "explore", str(path), "--port", str(port), "-q"]
    command += ["--index", mode]
    proc = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/api/info"
    while True:
        if proc.poll() is not None:
            raise SystemExit("the server exited during start-up")
        try:
            if httpx.get(url, timeout=1, trust_env=False).status_code == 200:
                return proc, time.perf_counter() - t0
        except httpx.TransportError:
            time.sleep(0.02)
        if time.perf_counter() - t0 > 1800:
            proc.kill()
            raise SystemExit("the server did not answer within 30 minutes")


def sequential(base: str, words: list[str]) -> list[float]:
    latencies = []
    with httpx.Client(base_url=base, timeout=30, trust_env=False) as client:
        for word in words:
            t0 = time.perf_counter()
            r = client.get("/api/neighbours", params={"word": word, "topn": 10})
            latencies.append(time.perf_counter() - t0)
            r.raise_for_status()
    return latencies


_LENGTH = re.compile(rb"content-length: *(\d+)", re.IGNORECASE)


async def concurrent(port: int, words: list[str], clients: int, seconds: float):
    """`clients` keep-alive connections, each sending its next request when the last is
    answered, for `seconds`: latencies, status counts, elapsed time."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    requests = [
        f"GET /api/neighbours?word={quote(w)}&topn=10 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
        for w in words
    ]
    stop = time.perf_counter() + seconds

    async def worker(k: int) -> None:
        i = k
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            try:
                writer.write(requests[i % len(requests)])
                head = await reader.readuntil(b"\r\n\r\n")
                await reader.readexactly(int(_LENGTH.search(head).group(1)))
                status = int(head[9:12])
            except (OSError, asyncio.IncompleteReadError):  # closed: count it, reconnect
                status = 0
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            latencies.append(time.perf_counter() - t0)
            statuses[status] = statuses.get(status, 0) + 1
            i += clients
        writer.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker(k) for k in range(clients)))
    return latencies, statuses, time.perf_counter() - t0


def batched(base: str, words: list[str], size: int) -> tuple[list[float], int]:
    latencies = []
    with httpx.Client(base_url=base, timeout=60, trust_env=False) as client:
        for start in range(0, len(words) - size + 1, size):
            t0 = time.perf_counter()
            r = client.post(
                "/api/neighbours/batch", json={"queries": words[start : start + size], "topn": 10}
            )
            latencies.append(time.perf_counter() - t0)
            r.raise_for_status()
    return latencies, size


def page_load(base: str, screenshot: Path | None, repeats: int = 5) -> list[float]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    profile = tempfile.mkdtemp(prefix="w2v-chromium-")
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--no-proxy-server",
        f"--user-data-dir={profile}",
        "--window-size=1400,1000",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    times = []
    try:
        for i in range(repeats):
            driver.get("about:blank")  # each load a new document, never a fragment change
            t0 = time.perf_counter()
            # the last load also looks a word up: its neighbours and their map
            driver.get(base + "/#word=w000042" if i == repeats - 1 else base + "/")
            WebDriverWait(driver, 60, poll_frequency=0.01).until(
                lambda d: d.execute_script("return document.body.dataset.ready")
            )
            times.append(time.perf_counter() - t0)
        if screenshot:
            time.sleep(0.3)
            driver.save_screenshot(str(screenshot))
    finally:
        driver.quit()
    return times


def server_batches(base: str) -> tuple[int, int]:
    info = httpx.get(base + "/api/info", trust_env=False).json()["search"]["batches"]
    return info["searches"], info["queries"]


def run_mode(mode: str, path: Path, words: list[str], args: argparse.Namespace) -> dict:
    """Start a server in `mode`, load it, stop it: the measurements."""
    out: dict = {"mode": mode}
    port = free_port()
    proc, out["startup"] = start_server(path, port, mode)
    if mode != "exact":  # the first start built and saved the index; the next one loads it
        meta = json.loads(path.with_name(path.name + ".hnsw.json").read_text())
        out["build"], out["index_bytes"] = meta["build_seconds"], meta["bytes"]
        out["ef_construction"] = meta["ef_construction"]
        if not args.prebuild:
            out["first_startup"] = out["startup"]
            proc.terminate()
            proc.wait(30)
            proc, out["startup"] = start_server(path, port, mode)
    base = f"http://127.0.0.1:{port}"
    try:
        out["mem_start"] = memory(proc.pid)
        sequential(base, words[:10])  # warm
        out["seq"] = sequential(base, words[: args.requests])
        out["loads"] = []
        for clients in args.clients:
            b0 = server_batches(base)
            c0 = cpu_seconds(proc.pid)
            lat, statuses, elapsed = asyncio.run(concurrent(port, words, clients, args.seconds))
            b1 = server_batches(base)
            out["loads"].append(
                {
                    "clients": clients,
                    "lat": lat,
                    "rate": len(lat) / elapsed,
                    "errors": sum(n for code, n in statuses.items() if code != 200),
                    "statuses": statuses,
                    "cpu_ms": 1000 * (cpu_seconds(proc.pid) - c0) / max(1, len(lat)),
                    "per_batch": (b1[1] - b0[1]) / max(1, b1[0] - b0[0]),
                }
            )
        out["batch"] = batched(base, words[: max(32, args.requests)], 32)
        out["mem_end"] = memory(proc.pid)
        if mode == "exact" and CHROMIUM.exists() and not args.no_page:
            out["pages"] = page_load(base, args.screenshot)
    finally:
        proc.terminate()
        proc.wait(30)
    return out


def recall_table(path: Path, n_queries: int, efs: list[int]) -> None:
    """recall@10 of the HNSW index (default graph) against exact answers, on `path`'s vectors."""
    from w2v.approximate_index import HnswIndex
    from w2v.formats import load_vectors

    kv = load_vectors(path)
    rng = np.random.default_rng(2)
    # Half the queries as users ask (frequent words more often), half uniform over the words.
    ranks = np.minimum(rng.zipf(1.2, n_queries // 2), len(kv)) - 1
    rows = np.concatenate([ranks, rng.integers(0, len(kv), n_queries - len(ranks))])
    queries = [kv.index_to_key[i] for i in rows]
    exact = [{w for w, _ in kv.most_similar(q, topn=10)} for q in queries]
    t0 = time.perf_counter()
    index = HnswIndex(kv)
    build = time.perf_counter() - t0
    print(
        f"\nrecall@10 on {path.name} ({len(kv):,} x {kv.vector_size}), {len(queries)} queries, "
        f"graph m={index.m}, ef_construction={index.ef_construction}, built in {build:.1f} s"
    )
    print(f"{'ef_search':>9} {'recall@10':>10} {'ms/query':>9}")
    for ef in efs:
        index.ef_search = ef
        t0 = time.perf_counter()
        found = [{w for w, _ in kv.most_similar(q, topn=10, indexer=index)} for q in queries]
        ms = 1000 * (time.perf_counter() - t0) / len(queries)
        hits = sum(len(a & b) for a, b in zip(found, exact, strict=True))
        print(f"{ef:>9} {hits / (10 * len(queries)):>10.4f} {ms:>9.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--words", type=int, default=100_000)
    ap.add_argument("--dim", type=int, default=300)
    ap.add_argument("--seconds", type=float, default=10.0, help="length of each concurrent run")
    ap.add_argument("--clients", type=int, nargs="+", default=[1, 8, 32])
    ap.add_argument("--modes", nargs="*", choices=["exact", "hnsw"], default=["exact", "hnsw"])
    ap.add_argument("--requests", type=int, default=300, help="sequential requests")
    ap.add_argument("--recall", type=Path, help="trained vectors: recall@10 of the index")
    ap.add_argument("--recall-queries", type=int, default=1000)
    ap.add_argument("--ef", type=int, nargs="+", default=[64, 128, 256], help="for --recall")
    ap.add_argument("--no-page", action="store_true", help="skip the Chromium page load")
    ap.add_argument(
        "--prebuild",
        type=int,
        metavar="EF_CONSTRUCTION",
        help="build the index in this process with this ef_construction (else the server "
        "builds it with its default at its first start)",
    )
    ap.add_argument("--no-floor", action="store_true", help="skip the in-process floor")
    ap.add_argument("--screenshot", type=Path, help="save the page here (PNG)")
    args = ap.parse_args()

    print(
        f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}, "
        f"{os.cpu_count()} CPUs"
    )
    rng = np.random.default_rng(1)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "vectors.w2v"
        kv = make_vectors(args.words, args.dim)
        save_native(kv, path)
        size = path.stat().st_size
        print(f"vectors: {args.words:,} x {args.dim} native, {size / 2**20:.0f} MiB")
        # Frequent words are asked more often, as in real use.
        ranks = np.minimum(rng.zipf(1.2, args.requests * 4), args.words) - 1
        words = [kv.index_to_key[i] for i in ranks]
        if args.prebuild and "hnsw" in args.modes:
            # Build here (faster graph for speed runs on big random vectors); the server loads it.
            from w2v.approximate_index import HnswIndex, index_path

            HnswIndex(kv, ef_construction=args.prebuild).save(index_path(path))
        for mode in args.modes:
            results.append(run_mode(mode, path, words, args))

        if not args.no_floor:  # the same queries in this process, no HTTP
            kv = KeyedVectors(kv.index_to_key, kv.vectors, kv.counts)
            kv.most_similar(words[0], topn=10)
            floor = []
            for word in words[: args.requests]:
                t0 = time.perf_counter()
                kv.most_similar(word, topn=10)
                floor.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            kv.most_similar_batch([[w] for w in words[: args.requests]], topn=10)
            floor_batch = (time.perf_counter() - t0) / args.requests
        del kv

    gib = 2**20
    for r in results:
        print(f"\n== {r['mode']} ==")
        if "build" in r:
            print(
                f"index (ef_construction {r['ef_construction']}): built in {r['build']:.1f} s, "
                f"{r['index_bytes'] / gib:.0f} MiB on disk"
                + (
                    f"; first start-up (with the build) {r['first_startup']:.1f} s"
                    if "first_startup" in r
                    else " (built in this process, then loaded)"
                )
            )
        print(f"start-up (process launch to first answer): {r['startup']:.2f} s")
        p50, p99 = percentiles(r["seq"])
        print(f"one client, sequential (httpx): p50 {p50:.2f} ms, p99 {p99:.2f} ms")
        print(
            "| clients | requests/s | p50 ms | p99 ms | errors | server CPU ms/request "
            "| queries per batch |"
        )
        print("|---:|---:|---:|---:|---:|---:|---:|")
        for load in r["loads"]:
            p50, p99 = percentiles(load["lat"])
            print(
                f"| {load['clients']} | {load['rate']:,.0f} | {p50:.2f} | {p99:.2f} | "
                f"{load['errors']} | {load['cpu_ms']:.2f} | {load['per_batch']:.1f} |"
            )
            if load["errors"]:
                print(f"  statuses: {load['statuses']}")
        bat, per = r["batch"]
        p50, p99 = percentiles(bat)
        print(
            f"batch endpoint, 32 words per request: p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
            f"{per * len(bat) / sum(bat):,.0f} words/s"
        )
        m0, m1 = r["mem_start"], r["mem_end"]
        print(
            f"server memory after start-up: RSS {m0['VmRSS'] / gib:.0f} MiB (file-backed "
            f"{m0['RssFile'] / gib:.0f}, own {m0['RssAnon'] / gib:.0f}); after the load: "
            f"{m1['VmRSS'] / gib:.0f} MiB; vectors file {size / gib:.0f} MiB"
        )
        pages = r.get("pages")
        if pages:
            print(
                f"page load to the first drawn map in headless Chromium: {pages[0]:.2f} s "
                f"(first), {statistics.median(pages[1:-1]):.2f} s (median of the next "
                f"{len(pages) - 2}), {pages[-1]:.2f} s (with a word looked up)"
            )
    if not args.no_floor:
        p50, p99 = percentiles(floor)
        print(
            f"\nin-process most_similar: p50 {p50:.2f} ms, p99 {p99:.2f} ms; "
            f"most_similar_batch: {1000 * floor_batch:.2f} ms per query"
        )
    if args.recall:
        recall_table(args.recall, args.recall_queries, args.ef)
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
