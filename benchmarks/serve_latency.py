"""Latency and footprint of ``w2v explore`` on 100k x 300 native vectors, on loopback only.

Measures, side by side in one run:

- start-up: from launching ``w2v explore`` to its first answer (native file, memory-mapped);
- the neighbours endpoint: p50/p99 of single sequential requests, then 32 concurrent clients
  for a fixed time (requests/s, p50/p99); the batched endpoint (32 words per request);
- the floor: the same queries through ``KeyedVectors.most_similar`` in this process;
- the server's resident memory against the file size (file-backed pages vs its own);
- the page in headless Chromium: time to the first drawn map, and a screenshot.

Run (about a minute; the server and the clients share the machine's cores):

    python benchmarks/serve_latency.py [--words 100000] [--dim 300] [--seconds 10]
        [--screenshot page.png]

The vectors are clustered random vectors (1,000 centres) saved in the native format in a
temporary directory. Everything talks to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


def start_server(path: Path, port: int) -> tuple[subprocess.Popen, float]:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    t0 = time.perf_counter()
    command = [sys.executable, "-m", "w2v", "explore", str(path), "--port", str(port), "-q"]
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
        if time.perf_counter() - t0 > 120:
            proc.kill()
            raise SystemExit("the server did not answer within 120 s")


def sequential(base: str, words: list[str]) -> list[float]:
    latencies = []
    with httpx.Client(base_url=base, timeout=30, trust_env=False) as client:
        for word in words:
            t0 = time.perf_counter()
            r = client.get("/api/neighbours", params={"word": word, "topn": 10})
            latencies.append(time.perf_counter() - t0)
            r.raise_for_status()
    return latencies


async def concurrent(base: str, words: list[str], clients: int, seconds: float):
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(
        base_url=base, timeout=30, limits=limits, trust_env=False
    ) as client:
        stop = time.perf_counter() + seconds

        async def worker(k: int) -> None:
            nonlocal errors
            i = k
            while time.perf_counter() < stop:
                t0 = time.perf_counter()
                r = await client.get(
                    "/api/neighbours", params={"word": words[i % len(words)], "topn": 10}
                )
                latencies.append(time.perf_counter() - t0)
                errors += r.status_code != 200
                i += clients

        t0 = time.perf_counter()
        await asyncio.gather(*(worker(k) for k in range(clients)))
        elapsed = time.perf_counter() - t0
    return latencies, errors, elapsed


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--words", type=int, default=100_000)
    ap.add_argument("--dim", type=int, default=300)
    ap.add_argument("--seconds", type=float, default=10.0, help="length of the concurrent run")
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--requests", type=int, default=500, help="sequential requests")
    ap.add_argument("--screenshot", type=Path, help="save the page here (PNG)")
    args = ap.parse_args()

    print(
        f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}, "
        f"{os.cpu_count()} CPUs"
    )
    rng = np.random.default_rng(1)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "vectors.w2v"
        kv = make_vectors(args.words, args.dim)
        save_native(kv, path)
        size = path.stat().st_size
        print(f"vectors: {args.words:,} x {args.dim} native, {size / 2**20:.0f} MiB")
        # Frequent words are asked more often, as in real use.
        ranks = np.minimum(rng.zipf(1.2, args.requests * 4), args.words) - 1
        words = [kv.index_to_key[i] for i in ranks]

        port = free_port()
        proc, startup = start_server(path, port)
        base = f"http://127.0.0.1:{port}"
        try:
            mem_start = memory(proc.pid)
            httpx.get(
                base + "/api/neighbours", params={"word": words[0]}, trust_env=False
            )  # warm connection
            cpu = {}

            def measured(name, fn, *a):
                s0, c0 = cpu_seconds(proc.pid), own_cpu()
                result = fn(*a)
                cpu[name] = (cpu_seconds(proc.pid) - s0, own_cpu() - c0)
                return result

            seq = measured("seq", sequential, base, words[: args.requests])
            lat, errors, elapsed = measured(
                "conc", lambda: asyncio.run(concurrent(base, words, args.clients, args.seconds))
            )
            bat, per = measured("batch", batched, base, words[: args.requests], 32)
            mem_end = memory(proc.pid)
            pages = page_load(base, args.screenshot) if CHROMIUM.exists() else []
        finally:
            proc.terminate()
            proc.wait(10)

        # The floor: the same queries in this process, no HTTP.
        kv = KeyedVectors(kv.index_to_key, kv.vectors, kv.counts)
        kv.most_similar(words[0], topn=10)
        floor = []
        c0 = own_cpu()
        for word in words[: args.requests]:
            t0 = time.perf_counter()
            kv.most_similar(word, topn=10)
            floor.append(time.perf_counter() - t0)
        cpu["floor"] = (own_cpu() - c0, None)
        c0 = own_cpu()
        t0 = time.perf_counter()
        kv.most_similar_batch([[w] for w in words[: args.requests]], topn=10)
        floor_batch = time.perf_counter() - t0
        cpu["floor_batch"] = (own_cpu() - c0, None)

    def row(name: str, lat: list[float], rate: float, key: str, n: int) -> None:
        p50, p99 = percentiles(lat)
        server, client = (f"{1000 * c / n:.2f}" if c is not None else "" for c in cpu[key])
        print(f"{name:<44} {p50:>8.2f} {p99:>8.2f} {rate:>9.0f} {server:>9} {client:>9}")

    print(f"\nstart-up (process launch to first answer): {startup:.2f} s")
    print(
        f"\n{'neighbours, topn=10':<44} {'p50 ms':>8} {'p99 ms':>8} {'words/s':>9} "
        f"{'server':>9} {'client':>9}"
    )
    print(f"{'':<73}{'CPU ms per word':>20}")
    row("in-process most_similar (floor)", floor, len(floor) / sum(floor), "floor", len(floor))
    row(
        "in-process most_similar_batch (all at once)",
        [floor_batch / len(floor)],
        len(floor) / floor_batch,
        "floor_batch",
        len(floor),
    )
    row("HTTP, one client, sequential", seq, len(seq) / sum(seq), "seq", len(seq))
    row(
        f"HTTP, {args.clients} clients, {args.seconds:.0f} s",
        lat,
        len(lat) / elapsed,
        "conc",
        len(lat),
    )
    row(
        "HTTP batch endpoint, 32 words per request",
        bat,
        per * len(bat) / sum(bat),
        "batch",
        per * len(bat),
    )
    print(
        f"({len(lat):,} concurrent requests, {errors} errors; in-process rows: this process's "
        "CPU in the server column)"
    )
    gib = 2**20
    print(
        f"\nserver memory after start-up: RSS {mem_start['VmRSS'] / gib:.0f} MiB "
        f"(file-backed {mem_start['RssFile'] / gib:.0f}, own {mem_start['RssAnon'] / gib:.0f})"
        f"; after the load: {mem_end['VmRSS'] / gib:.0f} MiB; file {size / gib:.0f} MiB"
    )
    if pages:
        print(
            f"page load to the first drawn map in headless Chromium: {pages[0]:.2f} s (first), "
            f"{statistics.median(pages[1:-1]):.2f} s (median of the next {len(pages) - 2}), "
            f"{pages[-1]:.2f} s (with a word looked up: neighbours and their map)"
        )
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
