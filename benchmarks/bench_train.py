"""Train w2v and gensim side by side on the same corpus and print markdown tables.

Throughput (words/s, scaling from 1 to 2 workers, peak RSS) and, with ``--quality``, the
quality of the vectors (WS-353, SimLex-999, Google analogies) measured for every system by the
same evaluation code; with ``--word2vec-c PATH``, the original word2vec.c is measured too.
Every training runs in a fresh child process so that memory, numba's compiled code and
gensim's state cannot leak from one measurement into the next.

Run from the repository root (see benchmarks/README.md):

    PYTHONPATH=src python benchmarks/bench_train.py --max-words 1000000 --repeat 1
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib.metadata
import json
import lzma
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"  # beside the project root
DEFAULT_CORPUS = str(SHARED_DATA / "corpus" / "enwiki2015-part1.text8.txt.xz")
DEFAULT_EVAL_DIR = str(SHARED_DATA / "eval")
DEFAULT_WORKDIR = ROOT / "benchmarks" / "results"
LINE_WORDS = 1000  # words per line of the re-cut corpus
WARMUP_WORDS = 20_000  # words of the tiny corpus used to warm up each child
RESULT_MARK = "@@BENCH_RESULT@@ "

# Settings shared by every system (gensim's names; w2v uses the same ones).
COMMON = {
    "vector_size": 100,
    "window": 5,
    "min_count": 5,
    "sample": 1e-4,
    "alpha": 0.025,  # gensim's default, for skip-gram and CBOW alike
    "min_alpha": 0.0001,
    "ns_exponent": 0.75,
    "cbow_mean": 1,
    "shrink_windows": 1,
}

CONFIGS = {  # name -> (sg, hs, negative)
    "sg-ns": (1, 0, 5),
    "cbow-ns": (0, 0, 5),
    "sg-hs": (1, 1, 0),
    "cbow-hs": (0, 1, 0),
}

SYSTEMS = {
    "w2v": "w2v (blocked=1)",
    "w2v_exact": "w2v exact (blocked=0)",
    "word2vec_c": "word2vec.c",
    "gensim_file": "gensim corpus_file",
    "gensim_iter": "gensim iterator",
    "w2v_base": "w2v baseline (blocked=1)",
}
#: Measured unless --systems says otherwise; w2v_base needs --baseline-src.
DEFAULT_SYSTEMS = ("w2v", "w2v_exact", "gensim_file", "gensim_iter")


def log(msg: str) -> None:
    """Progress goes to stderr so that stdout holds only the report."""
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- preparation
def _read_text(path: Path):
    opener = lzma.open if path.suffix.lower() in (".xz", ".lzma") else open
    return opener(path, "rb")


def _iter_words(path: Path, block: int = 1 << 22):
    """Yield the whitespace-separated tokens of ``path`` (bytes), streaming in blocks."""
    carry = b""
    with _read_text(path) as f:
        while True:
            data = f.read(block)
            if not data:
                break
            buf = carry + data
            words = buf.split()
            if buf[-1:].isspace() or not words:
                carry = b""
            else:
                carry = words.pop()
            yield from words
    if carry:
        yield carry


def prepare_corpus(source: Path, max_words: int | None, workdir: Path) -> dict[str, Any]:
    """Decompress ``source`` once into ``workdir`` re-cut into lines of LINE_WORDS words.

    Returns the paths of the re-cut file and of a tiny warm-up file, and the token count.
    The result is cached (keyed by source name, size, mtime and max_words).
    """
    workdir.mkdir(parents=True, exist_ok=True)
    st = source.stat()
    stem = source.name.split(".")[0]
    tag = f"{stem}.w{LINE_WORDS}" + (f".n{max_words}" if max_words else ".all")
    out = workdir / f"{tag}.txt"
    meta_path = workdir / f"{tag}.meta.json"
    warm = workdir / f"{stem}.warmup{WARMUP_WORDS}.txt"
    key = {"source": str(source), "size": st.st_size, "mtime": int(st.st_mtime),
           "max_words": max_words, "line_words": LINE_WORDS}  # fmt: skip
    if out.exists() and warm.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("key") == key:
            log(f"corpus: cached {out} ({meta['words']:,} words)")
            return meta
    log(f"corpus: re-cutting {source} into lines of {LINE_WORDS} words -> {out}")
    t0 = time.perf_counter()
    n = 0
    lines = 0
    tmp = out.with_suffix(".tmp")
    warm_tmp = warm.with_suffix(".tmp")
    with open(tmp, "wb") as f, open(warm_tmp, "wb") as fw:
        line: list[bytes] = []
        for word in _iter_words(source):
            if n < WARMUP_WORDS:
                fw.write(word + (b"\n" if (n + 1) % LINE_WORDS == 0 else b" "))
            line.append(word)
            n += 1
            if len(line) == LINE_WORDS:
                f.write(b" ".join(line) + b"\n")
                lines += 1
                line = []
            if max_words and n >= max_words:
                break
        if line:
            f.write(b" ".join(line) + b"\n")
            lines += 1
        fw.write(b"\n")
    os.replace(tmp, out)
    os.replace(warm_tmp, warm)
    meta = {"key": key, "path": str(out), "warmup_path": str(warm), "words": n, "lines": lines,
            "bytes": out.stat().st_size}  # fmt: skip
    meta_path.write_text(json.dumps(meta, indent=1))
    log(f"corpus: {n:,} words in {lines:,} lines ({time.perf_counter() - t0:.1f}s)")
    return meta


# ------------------------------------------------------------------------------ child side
def _proc_status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _cpu_seconds() -> float:
    """User + system CPU time of this process (all threads)."""
    import resource

    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def _steal_seconds() -> float | None:
    """CPU time the hypervisor gave to other guests, summed over this machine's CPUs."""
    try:
        with open("/proc/stat") as f:
            fields = f.readline().split()
        return int(fields[8]) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


@contextlib.contextmanager
def _timing_training(out: dict[str, Any]):
    """Record wall, CPU and steal seconds of the training inside the ``with`` block."""
    t0, c0, s0 = time.perf_counter(), _cpu_seconds(), _steal_seconds()
    yield
    out["train_seconds"] = time.perf_counter() - t0
    out["train_cpu_seconds"] = _cpu_seconds() - c0
    s1 = _steal_seconds()
    out["train_steal_seconds"] = None if s0 is None or s1 is None else s1 - s0


def _reset_peak_rss() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0); False when not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def evaluate_vectors(words: list[str], vectors, eval_dir: Path) -> dict[str, Any]:
    """Quality metrics of ``vectors`` (rows for ``words``, most frequent first).

    Both systems go through this function: the vectors are copied into a fresh gensim
    KeyedVectors and evaluated with gensim's own evaluators, so no difference can come from
    the evaluation code.
    """
    import logging

    import numpy as np
    from gensim.models import KeyedVectors

    logging.getLogger("gensim").setLevel(logging.WARNING)
    kv = KeyedVectors(vectors.shape[1])
    kv.add_vectors(list(words), np.asarray(vectors, dtype=np.float32))
    res: dict[str, Any] = {}
    for name, fname in (("ws353", "wordsim353.tsv"), ("simlex999", "simlex999.txt")):
        pearson, spearman, oov = kv.evaluate_word_pairs(str(eval_dir / fname))
        res[name] = {"spearman": float(spearman[0]), "pearson": float(pearson[0]),
                     "oov_percent": float(oov)}  # fmt: skip
    for restrict in (30_000, 300_000):
        score, sections = kv.evaluate_word_analogies(
            str(eval_dir / "questions-words.txt"), restrict_vocab=restrict
        )
        total = sections[-1]
        sem = [s for s in sections[:-1] if not s["section"].startswith("gram")]
        syn = [s for s in sections[:-1] if s["section"].startswith("gram")]

        def acc(secs):
            c = sum(len(s["correct"]) for s in secs)
            n = c + sum(len(s["incorrect"]) for s in secs)
            return c / n if n else float("nan")

        res[f"analogy_{restrict}"] = {
            "accuracy": float(score),
            "questions": len(total["correct"]) + len(total["incorrect"]),
            "semantic": acc(sem),
            "syntactic": acc(syn),
        }
    return res


def child_main(spec: dict[str, Any]) -> dict[str, Any]:
    """One training in this (fresh) process; returns the measurements."""
    import logging

    logging.basicConfig(level=logging.WARNING)
    system = spec["system"]
    if system == "word2vec_c":
        return _rates_and_quality(spec, *child_word2vec_c(spec))
    sg, hs, negative = CONFIGS[spec["config"]]
    params = dict(COMMON, sg=sg, hs=hs, negative=negative, workers=spec["workers"],
                  seed=spec["seed"], epochs=spec["epochs"])  # fmt: skip
    path, warm = spec["path"], spec["warmup_path"]
    out: dict[str, Any] = {}
    if system in ("w2v", "w2v_exact", "w2v_base"):
        from w2v.word2vec import Word2Vec

        params["blocked"] = 0 if system == "w2v_exact" else 1
        t0 = time.perf_counter()
        wm = Word2Vec(**dict(params, epochs=1))
        wm.build_vocab(warm)
        wm.train(warm)
        out["warmup_seconds"] = time.perf_counter() - t0
        del wm
        model = Word2Vec(**params)
        t0 = time.perf_counter()
        model.build_vocab(path)
        out["vocab_seconds"] = time.perf_counter() - t0
        out["rss_before_train_mib"] = (_proc_status_kib("VmRSS") or 0) / 1024
        out["peak_rss_before_train_mib"] = (_proc_status_kib("VmHWM") or 0) / 1024
        out["peak_reset"] = _reset_peak_rss()
        with _timing_training(out):
            model.train(path, epochs=spec["epochs"])
        words, vectors = model.wv.index_to_key, model.wv.vectors
        out["vocab_size"] = len(words)
    else:
        from gensim.models import Word2Vec
        from gensim.models.word2vec import LineSentence

        logging.getLogger("gensim").setLevel(logging.WARNING)
        params["shrink_windows"] = bool(params["shrink_windows"])

        def fit(model, corpus_path, epochs, timed):
            t0 = time.perf_counter()
            if system == "gensim_file":
                model.build_vocab(corpus_file=corpus_path)
            else:
                model.build_vocab(LineSentence(corpus_path))
            if timed:
                out["vocab_seconds"] = time.perf_counter() - t0
                out["rss_before_train_mib"] = (_proc_status_kib("VmRSS") or 0) / 1024
                out["peak_rss_before_train_mib"] = (_proc_status_kib("VmHWM") or 0) / 1024
                out["peak_reset"] = _reset_peak_rss()
            with _timing_training(out if timed else {}):
                if system == "gensim_file":
                    model.train(corpus_file=corpus_path, total_words=model.corpus_total_words,
                                total_examples=model.corpus_count, epochs=epochs)  # fmt: skip
                else:
                    model.train(LineSentence(corpus_path), total_examples=model.corpus_count,
                                total_words=model.corpus_total_words, epochs=epochs)  # fmt: skip

        t0 = time.perf_counter()
        fit(Word2Vec(**dict(params, epochs=1)), warm, 1, timed=False)
        out["warmup_seconds"] = time.perf_counter() - t0
        model = Word2Vec(**params)
        fit(model, path, spec["epochs"], timed=True)
        words, vectors = model.wv.index_to_key, model.wv.vectors
        out["vocab_size"] = len(words)
    out["peak_rss_train_mib"] = (_proc_status_kib("VmHWM") or 0) / 1024
    out["peak_rss_process_mib"] = max(out["peak_rss_train_mib"], out["peak_rss_before_train_mib"])
    return _rates_and_quality(spec, out, words, vectors)


def _rates_and_quality(spec: dict[str, Any], out: dict[str, Any], words, vectors) -> dict[str, Any]:
    """Add words/s and, if the spec asks for it, the quality of the vectors to ``out``."""
    out["words_per_sec"] = spec["corpus_words"] * spec["epochs"] / out["train_seconds"]
    if spec.get("evaluate"):
        t0 = time.perf_counter()
        out["quality"] = evaluate_vectors(words, vectors, Path(spec["eval_dir"]))
        out["eval_seconds"] = time.perf_counter() - t0
    return out


# ------------------------------------------------------------------------------ word2vec.c
def _kill_with_parent() -> None:
    """In the forked child before exec: SIGKILL it when its parent dies, so that a timed-out
    measurement (the parent kills this script's child process) cannot leave word2vec.c
    training on in the background."""
    import ctypes
    import signal

    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _run_word2vec_c(cmd: list[str], log_path: Path) -> dict[str, Any]:
    """Run one word2vec.c process to its end: wall, CPU and steal seconds, peak RSS."""
    with open(log_path, "wb") as log_file:
        t0, s0 = time.perf_counter(), _steal_seconds()
        proc = subprocess.Popen(cmd, stdout=log_file, stderr=subprocess.STDOUT,
                                preexec_fn=_kill_with_parent)  # fmt: skip
        # wait4 gives the resource usage of this one process (CPU of all its threads, peak RSS)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        s1 = _steal_seconds()
    proc.returncode = os.waitstatus_to_exitcode(status)
    output = log_path.read_text(errors="replace")
    if proc.returncode != 0:
        tail = output.strip().splitlines()[-3:]
        raise RuntimeError(f"word2vec.c exit status {proc.returncode}: {' | '.join(tail)}")
    return {"seconds": wall, "cpu_seconds": usage.ru_utime + usage.ru_stime,
            "steal_seconds": None if s0 is None or s1 is None else s1 - s0,
            "peak_rss_mib": usage.ru_maxrss / 1024, "output": output}  # fmt: skip


def word2vec_c_command(spec: dict[str, Any], vocab: str, output: str) -> list[str]:
    """The word2vec.c command line that trains like the other systems' ``spec``."""
    sg, hs, negative = CONFIGS[spec["config"]]
    c = COMMON
    return [spec["word2vec_c"], "-train", spec["path"], "-read-vocab", vocab, "-output", output,
            "-cbow", str(1 - sg), "-size", str(c["vector_size"]), "-window", str(c["window"]),
            "-min-count", str(c["min_count"]), "-sample", str(c["sample"]),
            "-negative", str(negative), "-hs", str(hs), "-alpha", str(c["alpha"]),
            "-iter", str(spec["epochs"]), "-threads", str(spec["workers"]),
            "-binary", "1", "-debug", "1"]  # fmt: skip


WORD2VEC_C_TIMING = (
    "word2vec.c cannot time its training apart, so its train time is the wall time of a whole "
    "process that reads the vocabulary a first run counted and saved (`-read-vocab`), then "
    "initialises the weights (and the unigram table for NS), trains and writes the binary "
    "vectors; the first run (read the corpus, count, sort, `-save-vocab`) is its build_vocab "
    "in the end-to-end table. Its peak RSS is that of the training process."
)


def word2vec_c_note(binary: str) -> str:
    """What the report says about the word2vec.c binary and how its settings differ."""
    import hashlib

    digest = hashlib.sha256(Path(binary).read_bytes()).hexdigest()[:16]
    example = word2vec_c_command(
        {"word2vec_c": binary, "path": "CORPUS", "config": "sg-ns", "epochs": 1, "workers": 2},
        "VOCAB", "VECTORS",
    )  # fmt: skip
    return (f"word2vec.c: `{binary}` (sha256 {digest}...), e.g. `{shlex.join(example)}` "
            "(`-cbow 1` for CBOW, `-negative 0 -hs 1` for HS). The same settings except what "
            "it has no option for: its learning rate decays to alpha x 1e-4 (not min_alpha), it "
            "has no seed (each thread seeds its generator with its index), and it writes a "
            "`</s>` vector (dropped before evaluation).")  # fmt: skip


def child_word2vec_c(spec: dict[str, Any]) -> tuple[dict[str, Any], list[str], Any]:
    """Count the vocabulary with word2vec.c (timed as its build_vocab), then train from it.

    The first run reads the corpus, counts the words and saves the vocabulary (it stops
    there: no ``-output``); the second reads that vocabulary with ``-read-vocab``, so its
    wall time, the one measured as training, holds no pass counting the corpus, as for the
    other systems. Returns the measurements and the vectors, without word2vec.c's ``</s>``.
    """
    import tempfile

    from w2v.formats import load_word2vec_format

    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-word2vec-c-") as tmp:
        vocab, vectors_file = Path(tmp) / "vocab.txt", Path(tmp) / "vectors.bin"
        count = _run_word2vec_c(
            [spec["word2vec_c"], "-train", spec["path"], "-min-count", str(COMMON["min_count"]),
             "-save-vocab", str(vocab), "-debug", "1"], Path(tmp) / "vocab.log",
        )  # fmt: skip
        out["vocab_seconds"] = count["seconds"]
        cmd = word2vec_c_command(spec, str(vocab), str(vectors_file))
        train = _run_word2vec_c(cmd, Path(tmp) / "train.log")
        out["train_seconds"] = train["seconds"]
        out["train_cpu_seconds"] = train["cpu_seconds"]
        out["train_steal_seconds"] = train["steal_seconds"]
        # the training is a process of its own: its whole size is what training holds
        out["rss_before_train_mib"] = out["peak_rss_before_train_mib"] = 0.0
        out["peak_rss_train_mib"] = train["peak_rss_mib"]
        out["peak_rss_process_mib"] = max(train["peak_rss_mib"], count["peak_rss_mib"])
        out["vocab_peak_rss_mib"] = count["peak_rss_mib"]
        out["command"] = shlex.join(cmd)
        words, vectors = load_word2vec_format(vectors_file, binary=True, unicode_errors="replace")
    keep = [i for i, w in enumerate(words) if w != "</s>"]  # its sentence-end token
    words, vectors = [words[i] for i in keep], vectors[keep]
    out["vocab_size"] = len(words)
    return out, words, vectors


# ----------------------------------------------------------------------------- parent side
def run_child(spec: dict[str, Any], timeout: float) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter; failures come back as ``{"error": ...}``."""
    env = dict(os.environ)
    # w2v_base imports w2v from another source tree (e.g. a worktree of an older commit)
    src = spec["baseline_src"] if spec["system"] == "w2v_base" else str(ROOT / "src")
    env["PYTHONPATH"] = os.pathsep.join([src, *filter(None, [env.get("PYTHONPATH")])])
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(spec)]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:g}s"}
    wall = time.perf_counter() - t0
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_MARK):
            res = json.loads(line[len(RESULT_MARK) :])
            res["child_wall_seconds"] = wall
            if proc.returncode != 0 and "error" not in res:
                res["error"] = f"exit status {proc.returncode}"
            return res
    tail = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
    why = tail[-1] if tail else f"exit status {proc.returncode}, no output"
    return {"error": why[:300], "stderr_tail": tail[-20:]}


def loadavg() -> list[float] | None:
    try:
        return list(os.getloadavg())
    except OSError:
        return None


def machine_info() -> dict[str, Any]:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    try:
        mem = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
        mem_gib = int(mem) / 2**20
    except (OSError, IndexError, ValueError):
        mem_gib = None
    return {"nproc": usable, "cpu_count": os.cpu_count(), "cpu_model": cpu,
            "memory_gib": mem_gib, "platform": platform.platform(),
            "python": platform.python_version(), "loadavg_start": loadavg()}  # fmt: skip


def _git_commit(directory: Path) -> str | None:
    try:
        return subprocess.run(
            ["git", "-C", str(directory), "describe", "--always", "--dirty"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return None


def versions(baseline_src: str | None = None) -> dict[str, Any]:
    v: dict[str, Any] = {}
    for pkg in ("numpy", "numba", "scipy", "gensim"):
        try:
            v[pkg] = importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            v[pkg] = None
    try:
        sys.path.insert(0, str(ROOT / "src"))
        import w2v

        v["w2v"] = w2v.__version__
    except Exception as exc:  # noqa: BLE001 - reported, not fatal
        v["w2v"] = f"import failed: {exc}"
    v["w2v_commit"] = _git_commit(ROOT)
    if baseline_src:
        v["w2v_base_commit"] = _git_commit(Path(baseline_src))
    try:
        from gensim.models.word2vec_inner import FAST_VERSION

        v["gensim_fast_version"] = FAST_VERSION
    except ImportError:
        v["gensim_fast_version"] = None
    return v


def _fmt_wps(x: float | None) -> str:
    return "FAIL" if x is None else f"{x:,.0f}"


def _fmt_ratio(a: float | None, b: float | None) -> str:
    return "-" if a is None or b is None or b == 0 else f"{a / b:.2f}x"


def _median(runs: list[dict[str, Any]], key: str) -> float | None:
    vals = [r[key] for r in runs if "error" not in r and r.get(key) is not None]
    return statistics.median(vals) if vals else None


def throughput(args, corpus: dict[str, Any], report: dict[str, Any]) -> None:
    configs, workers_list, systems = args.configs, args.workers, args.systems
    results: dict[str, dict[str, dict[str, list]]] = {}
    total = len(configs) * len(workers_list) * args.repeat * len(systems)
    done = 0
    for config in configs:
        for rep in range(args.repeat):
            # interleave: every worker count and system of one configuration back to back, the
            # order reversed on every other repeat, so that neither the scaling (1 vs 2
            # workers) nor the ratio (w2v vs gensim) compares runs far apart in time
            flip = rep % 2 == 1
            for workers in reversed(workers_list) if flip else workers_list:
                cell = results.setdefault(config, {}).setdefault(str(workers), {})
                for system in reversed(systems) if flip else systems:
                    spec = {"system": system, "config": config, "workers": workers,
                            "word2vec_c": args.word2vec_c,
                            "epochs": args.epochs, "seed": args.seed, "path": corpus["path"],
                            "warmup_path": corpus["warmup_path"],
                            "corpus_words": corpus["words"],
                            "baseline_src": args.baseline_src}  # fmt: skip
                    res = run_child(spec, args.timeout)
                    res.update(repeat=rep, loadavg=loadavg())
                    cell.setdefault(system, []).append(res)
                    done += 1
                    if "error" in res:
                        log(f"[{done}/{total}] {config} workers={workers} {system}: "
                            f"FAILED: {res['error']}")  # fmt: skip
                    else:
                        log(f"[{done}/{total}] {config} workers={workers} {system}: "
                            f"{res['words_per_sec']:,.0f} words/s (train "
                            f"{res['train_seconds']:.2f}s, vocab {res['vocab_seconds']:.2f}s, "
                            f"peak RSS {res['peak_rss_train_mib']:.0f} MiB)")  # fmt: skip
    report["throughput"] = results
    print_throughput(args, corpus, results)


def print_throughput(args, corpus, results) -> None:
    systems = args.systems
    med = {
        (c, w, s): _median(results[c][w].get(s, []), "words_per_sec")
        for c in results
        for w in results[c]
        for s in systems
    }
    print(f"\n## Throughput ({args.epochs} epoch{'s' * (args.epochs > 1)}, "
          f"median of {args.repeat} run{'s' * (args.repeat > 1)})\n")  # fmt: skip
    print(f"words/s = corpus words ({corpus['words']:,} raw tokens of the re-cut file) x "
          "epochs / wall time of the train call (vocabulary building excluded; w2v encodes "
          "the corpus to word ids while it counts the vocabulary, so that pass is in "
          "build_vocab: see the end-to-end table below).\n")  # fmt: skip
    if "word2vec_c" in systems:
        print(WORD2VEC_C_TIMING + "\n")
    cols = ["config", "workers"] + [f"{SYSTEMS[s]} words/s" for s in systems]
    ratios = [
        ("w2v", "word2vec_c"),
        ("w2v", "gensim_file"),
        ("w2v", "gensim_iter"),
        ("w2v", "w2v_base"),
    ]
    ratios = [r for r in ratios if r[0] in systems and r[1] in systems]
    cols += [f"ratio {a}/{b}" for a, b in ratios]
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for c in results:
        for w in results[c]:
            row = [c, w] + [_fmt_wps(med[c, w, s]) for s in systems]
            row += [_fmt_ratio(med[c, w, a], med[c, w, b]) for a, b in ratios]
            print("| " + " | ".join(row) + " |")

    def end_to_end(runs):
        ok = [r for r in runs if "error" not in r]
        if not ok:
            return None
        return statistics.median(
            corpus["words"] * args.epochs / (r["vocab_seconds"] + r["train_seconds"]) for r in ok
        )

    print("\nEnd to end: words/s over build_vocab + train (the same runs).\n")
    cols = ["config", "workers"] + [f"{SYSTEMS[s]} words/s" for s in systems]
    cols += [f"ratio {a}/{b}" for a, b in ratios]
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for c in results:
        for w in results[c]:
            e2e = {s: end_to_end(results[c][w].get(s, [])) for s in systems}
            row = [c, w] + [_fmt_wps(e2e[s]) for s in systems]
            row += [_fmt_ratio(e2e[a], e2e[b]) for a, b in ratios]
            print("| " + " | ".join(row) + " |")

    spreads = []
    for c in results:
        for w in results[c]:
            for s in systems:
                vals = [r["words_per_sec"] for r in results[c][w].get(s, []) if "error" not in r]
                if len(vals) > 1 and min(vals) > 0:
                    spreads.append((max(vals) / min(vals), c, w, s))
    if spreads:
        worst = max(spreads)
        print(f"\nSpread across repeats (max/min words/s of one cell): median "
              f"{statistics.median(x[0] for x in spreads):.2f}x, worst {worst[0]:.2f}x "
              f"({worst[1]}, workers={worst[2]}, {SYSTEMS[worst[3]]}). A large spread means "
              "the machine was busy; the load average of every run is in the JSON.")  # fmt: skip

    wl = [str(w) for w in args.workers]
    if len(wl) > 1:
        base = wl[0]
        print(f"\n## Scaling (speedup over {base} worker{'s' * (base != '1')})\n")
        cols = ["config"] + [f"{SYSTEMS[s]} {w}w/{base}w" for w in wl[1:] for s in systems]
        print("| " + " | ".join(cols) + " |")
        print("|" + "---|" * len(cols))
        for c in results:
            row = [c] + [_fmt_ratio(med[c, w, s], med[c, base, s]) for w in wl[1:] for s in systems]
            print("| " + " | ".join(row) + " |")

    _print_cpu(args, corpus, results)

    print("\n## Peak RSS during training (MiB, median; whole child process, in brackets the "
          "growth over its RSS just before the train call)\n")  # fmt: skip
    cols = ["config", "workers"] + [SYSTEMS[s] for s in systems]
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for c in results:
        for w in results[c]:
            row = [c, w]
            for s in systems:
                runs = results[c][w].get(s, [])
                v = _median(runs, "peak_rss_train_mib")
                b = _median(runs, "rss_before_train_mib")
                row.append("FAIL" if v is None else f"{v:,.0f} (+{v - b:,.0f})")
            print("| " + " | ".join(row) + " |")

    vocab = {}
    for c in results:
        for w in results[c]:
            for s in systems:
                for r in results[c][w].get(s, []):
                    if "vocab_size" in r:
                        vocab.setdefault(s, set()).add(r["vocab_size"])
    sizes = ", ".join(
        f"{SYSTEMS[s]} {'/'.join(f'{v:,}' for v in sorted(vs))}" for s, vs in vocab.items()
    )
    print(f"\nVocabulary sizes (min_count 5): {sizes or 'none (every run failed)'}")
    _print_failures(results)


def _print_cpu(args, corpus, results) -> None:
    """Training CPU time per word, so that a scaling shortfall can be told apart: more CPU
    per word at 2 workers is work the threads add (or neighbours slowing the cores), the same
    CPU per word over a longer wall time is idle or stolen time."""
    systems = args.systems
    print("\n## CPU per word (training CPU ns per corpus word, median; in brackets the CPU "
          "time the hypervisor gave other guests during those runs, as % of the wall time of "
          "all CPUs)\n")  # fmt: skip
    cols = ["config", "workers"] + [SYSTEMS[s] for s in systems]
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    ncpu = os.cpu_count() or 1
    for c in results:
        for w in results[c]:
            row = [c, w]
            for s in systems:
                ok = [r for r in results[c][w].get(s, []) if "error" not in r]
                if not ok:
                    row.append("FAIL")
                    continue
                words = corpus["words"] * args.epochs
                cpu = statistics.median(r["train_cpu_seconds"] / words * 1e9 for r in ok)
                steal = [r["train_steal_seconds"] / (r["train_seconds"] * ncpu) * 100
                         for r in ok if r.get("train_steal_seconds") is not None]  # fmt: skip
                row.append(f"{cpu:.0f}" + (f" ({statistics.median(steal):.1f}%)" if steal else ""))
            print("| " + " | ".join(row) + " |")


def _print_failures(results) -> None:
    fails = []
    for c in results:
        for w in results[c]:
            for s, runs in results[c][w].items():
                for r in runs:
                    if "error" in r:
                        fails.append(f"- {c}, workers={w}, {SYSTEMS.get(s, s)}: {r['error']}")
    if fails:
        print("\nFailures:\n")
        print("\n".join(fails))


QUALITY_METRICS = [
    ("WS-353 ρ", lambda q: q["ws353"]["spearman"], "{:.4f}"),
    ("SimLex-999 ρ", lambda q: q["simlex999"]["spearman"], "{:.4f}"),
    ("analogy @30k", lambda q: q["analogy_30000"]["accuracy"], "{:.2%}"),
    ("analogy @300k", lambda q: q["analogy_300000"]["accuracy"], "{:.2%}"),
]


def quality(args, corpus: dict[str, Any], report: dict[str, Any]) -> None:
    configs = ["sg-ns", "cbow-ns"] + (["sg-hs", "cbow-hs"] if args.quality_all else [])
    results: dict[str, dict[str, dict[str, Any]]] = {}
    for config in configs:
        # blocked=0 differs from blocked=1 except for CBOW-HS, which is never batched
        systems = ["w2v"] + (["w2v_exact"] if config != "cbow-hs" else [])
        systems += ["word2vec_c", "gensim_file", "gensim_iter"]
        for system in [s for s in systems if s in args.systems]:
            spec = {"system": system, "config": config, "workers": args.quality_workers,
                    "word2vec_c": args.word2vec_c,
                    "epochs": args.quality_epochs, "seed": args.seed, "path": corpus["path"],
                    "warmup_path": corpus["warmup_path"], "corpus_words": corpus["words"],
                    "evaluate": True, "eval_dir": str(args.eval_dir)}  # fmt: skip
            res = run_child(spec, args.timeout)
            res["loadavg"] = loadavg()
            results.setdefault(config, {})[system] = res
            if "error" in res:
                log(f"quality {config} {system}: FAILED: {res['error']}")
            else:
                q = res["quality"]
                scores = ", ".join(f"{n} {f.format(g(q))}" for n, g, f in QUALITY_METRICS)
                log(f"quality {config} {system}: {scores}")
    report["quality"] = results

    print(f"\n## Quality ({args.quality_epochs} epochs, {args.quality_workers} workers, "
          f"{corpus['words']:,} words)\n")  # fmt: skip
    print("Same evaluation code for every system: the vectors are loaded into a gensim "
          "KeyedVectors and scored with `evaluate_word_pairs` (Spearman ρ, OOV pairs skipped) "
          "and `evaluate_word_analogies` (restrict_vocab 30,000 as word2vec.c's "
          "compute-accuracy is usually run, and 300,000 as gensim's default).\n")  # fmt: skip
    cols = ["config", "system"] + [m[0] for m in QUALITY_METRICS]
    cols += ["questions @30k/@300k", "train s", "words/s"]
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for c, by_system in results.items():
        for s, r in by_system.items():
            if "error" in r:
                print("| " + " | ".join([c, SYSTEMS[s]] + ["FAIL"] * (len(cols) - 2)) + " |")
                continue
            q = r["quality"]
            row = [c, SYSTEMS[s]] + [f.format(g(q)) for _, g, f in QUALITY_METRICS]
            row.append(f"{q['analogy_30000']['questions']:,}/{q['analogy_300000']['questions']:,}")
            row += [f"{r['train_seconds']:.1f}", f"{r['words_per_sec']:,.0f}"]
            print("| " + " | ".join(row) + " |")

    if "gensim_file" in args.systems:
        print(
            "\nNote: gensim's corpus_file mode gives each worker its share of the file but "
            "measures its learning-rate progress against the whole corpus, so with 2 workers its "
            "rate only decays halfway through each epoch: it trains at a higher rate than asked. "
            "Its iterator mode (and w2v) decay the rate as specified.\n"
        )
    for ref_name in ("word2vec_c", "gensim_file", "gensim_iter"):
        measured = {s for by_system in results.values() for s in by_system}
        if ref_name not in measured or not any(s.startswith("w2v") for s in measured):
            continue
        print(f"\n### Differences (w2v - {SYSTEMS[ref_name]})\n")
        cols = ["config", "system"] + [m[0] for m in QUALITY_METRICS]
        print("| " + " | ".join(cols) + " |")
        print("|" + "---|" * len(cols))
        for c, by_system in results.items():
            ref = by_system.get(ref_name, {})
            for s, r in by_system.items():
                if not s.startswith("w2v"):  # rows for w2v, columns against the reference
                    continue
                row = [c, SYSTEMS[s]]
                for name, g, _ in QUALITY_METRICS:
                    if "error" in r or "error" in ref or not ref:
                        row.append("-")
                        continue
                    d = g(r["quality"]) - g(ref["quality"])
                    row.append(f"{d * 100:+.2f} pp" if name.startswith("analogy") else f"{d:+.4f}")
                print("| " + " | ".join(row) + " |")
    fails = [f"- {c}, {SYSTEMS[s]}: {r['error']}" for c, bs in results.items()
             for s, r in bs.items() if "error" in r]  # fmt: skip
    if fails:
        print("\nFailures:\n")
        print("\n".join(fails))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=DEFAULT_CORPUS,
                    help="text corpus (.xz ok); default: %(default)s")  # fmt: skip
    ap.add_argument("--max-words", type=int, default=None,
                    help="use only the first N words (quick runs)")  # fmt: skip
    ap.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR,
                    help="cache for the re-cut corpus (default: benchmarks/results/)")  # fmt: skip
    ap.add_argument("--repeat", type=int, default=3, help="runs per cell; the median is shown")
    ap.add_argument("--epochs", type=int, default=1, help="epochs of each throughput run")
    ap.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    ap.add_argument("--configs", default=",".join(CONFIGS),
                    help="comma-separated subset of %(default)s")  # fmt: skip
    ap.add_argument("--systems", default=",".join(DEFAULT_SYSTEMS),
                    help=f"comma-separated subset of {','.join(SYSTEMS)} (default "
                         "%(default)s)")  # fmt: skip
    ap.add_argument("--baseline-src", default=None,
                    help="the src/ directory of another w2v source tree (e.g. a git worktree "
                         "of an older commit), measured as system w2v_base")  # fmt: skip
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=3600.0, help="seconds per training run")
    ap.add_argument("--quality", action="store_true",
                    help="also train 5 epochs and evaluate (skip-gram NS, CBOW NS)")  # fmt: skip
    ap.add_argument("--quality-all", action="store_true",
                    help="quality for the HS configurations too (implies --quality)")  # fmt: skip
    ap.add_argument("--quality-only", action="store_true", help="skip the throughput part")
    ap.add_argument("--quality-epochs", type=int, default=5)
    ap.add_argument("--quality-workers", type=int, default=2)
    ap.add_argument("--eval-dir", type=Path, default=Path(DEFAULT_EVAL_DIR))
    ap.add_argument("--word2vec-c", default=None, metavar="PATH",
                    help="a word2vec.c binary (built from Mikolov's word2vec.c), measured as "
                         "system word2vec_c; without it that system is skipped")  # fmt: skip
    ap.add_argument("--json", type=Path, default=None, help="write all raw numbers here")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child is not None:
        return args
    args.workers = [int(w) for w in args.workers.split(",") if w.strip()]
    args.configs = [c.strip() for c in args.configs.split(",") if c.strip()]
    args.systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    for c in args.configs:
        if c not in CONFIGS:
            ap.error(f"unknown config {c!r}; choose from {', '.join(CONFIGS)}")
    for s in args.systems:
        if s not in SYSTEMS:
            ap.error(f"unknown system {s!r}; choose from {', '.join(SYSTEMS)}")
    if "w2v_base" in args.systems:
        if not args.baseline_src or not (Path(args.baseline_src) / "w2v").is_dir():
            ap.error("system w2v_base needs --baseline-src DIR, a directory holding w2v/")
        args.baseline_src = str(Path(args.baseline_src).resolve())
    if args.repeat < 1 or args.epochs < 1 or not args.workers or min(args.workers) < 1:
        ap.error("--repeat, --epochs and --workers must be >= 1")
    args.quality = args.quality or args.quality_all or args.quality_only
    if args.word2vec_c is not None and "word2vec_c" not in args.systems:
        log("--word2vec-c given but word2vec_c is not in --systems: it is not measured")
    if "word2vec_c" in args.systems:
        if args.word2vec_c is None:
            log("system word2vec_c skipped: give a word2vec.c binary with --word2vec-c PATH")
            args.systems.remove("word2vec_c")
        elif not os.access(args.word2vec_c, os.X_OK) or not Path(args.word2vec_c).is_file():
            ap.error(f"--word2vec-c {args.word2vec_c}: not an executable file")
        else:
            args.word2vec_c = str(Path(args.word2vec_c).resolve())
    if not args.systems:
        ap.error("no system left to measure")
    return args


def shown(path: Path) -> str:
    """``path`` for a report that may be committed: relative to the repository root when
    inside it, else only its name (a machine's directories say nothing to a reader)."""
    path = path.resolve()
    if path == ROOT:
        return "the repository root"
    if path.is_relative_to(ROOT):
        return str(path.relative_to(ROOT))
    if path.is_relative_to(ROOT.parent):  # ../shared/data beside the repository
        return str(Path("..") / path.relative_to(ROOT.parent))
    return f".../{path.name}"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child is not None:
        try:
            res = child_main(json.loads(args.child))
            code = 0
        except BaseException as exc:  # noqa: BLE001 - reported to the parent as data
            traceback.print_exc()
            res = {"error": f"{type(exc).__name__}: {exc}"[:300]}
            code = 1
        print(RESULT_MARK + json.dumps(res), flush=True)
        return code

    started = dt.datetime.now().astimezone()
    command = "PYTHONPATH=src python " + shlex.join(sys.argv)
    machine, vers = machine_info(), versions(args.baseline_src)
    print("# w2v vs gensim training benchmark\n")
    print(f"Command: `{command}` (in `{shown(Path.cwd())}`), started "
          f"{started:%Y-%m-%d %H:%M:%S %Z}\n")  # fmt: skip
    print(f"Machine: {machine['nproc']} usable CPUs ({machine['cpu_count']} online), "
          f"{machine['cpu_model']}, {machine['memory_gib'] or 0:.0f} GiB RAM, "
          f"load average at start {machine['loadavg_start']}\n")  # fmt: skip
    print("Versions: " + ", ".join(f"{k} {v}" for k, v in vers.items()) + "\n")
    settings = ", ".join(f"{k}={v}" for k, v in COMMON.items())
    print(f"Settings for both systems: {settings}, seed={args.seed}; NS configs negative=5, "
          "HS configs hs=1 negative=0.\n")  # fmt: skip

    corpus = prepare_corpus(Path(args.corpus), args.max_words, args.workdir)
    first = f", first {args.max_words:,} words" if args.max_words else ""
    print(f"Corpus: `{shown(Path(args.corpus))}`{first}: {corpus['words']:,} words re-cut "
          f"into {corpus['lines']:,} lines of "
          f"{LINE_WORDS} words (`{shown(Path(corpus['path']))}`). Both systems read this same "
          "file: gensim's corpus_file mode mishandles lines longer than its 10,000-word batch "
          "(on the one-line text8 file it trains on only about 20,000 words per worker and "
          "epoch), so the line is cut for both.\n")  # fmt: skip
    if "word2vec_c" in args.systems:
        print(word2vec_c_note(args.word2vec_c) + "\n")
    report: dict[str, Any] = {"command": command, "cwd": shown(Path.cwd()),
                              "started": started.isoformat(), "machine": machine,
                              "versions": vers, "settings": COMMON, "seed": args.seed,
                              "corpus": corpus, "args": {k: str(v) for k, v in
                                                         vars(args).items()}}  # fmt: skip

    # fill numba's on-disk cache before any timing (later children only load it)
    log("warming up numba's cache ...")
    for system in ("w2v", "w2v_base") if "w2v_base" in args.systems else ("w2v",):
        warm = run_child({"system": system, "config": "sg-ns", "workers": 1, "epochs": 1,
                          "seed": args.seed, "path": corpus["warmup_path"],
                          "warmup_path": corpus["warmup_path"], "corpus_words": WARMUP_WORDS,
                          "baseline_src": args.baseline_src}, args.timeout)  # fmt: skip
        report.setdefault("numba_warmup", {})[system] = warm
        if "error" in warm:
            log(f"{system} warm-up failed: {warm['error']}")
        else:
            log(f"{system}: numba cache ready (child wall {warm['child_wall_seconds']:.1f}s)")

    try:
        if not args.quality_only:
            throughput(args, corpus, report)
        if args.quality:
            quality(args, corpus, report)
    finally:
        report["finished"] = dt.datetime.now().astimezone().isoformat()
        report["machine"]["loadavg_end"] = loadavg()
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(report, indent=1))
            log(f"raw numbers written to {args.json}")
    print(f"\nLoad average at end: {report['machine']['loadavg_end']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
