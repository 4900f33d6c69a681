"""The vocabulary pass (counting + encoding) at 1 and more threads, beside the one-thread pass
it replaces, word2vec.c's counting and gensim's build_vocab, on the same plain-text files.

Corpora: ``enwiki`` (enwiki2015-part1 in text8 format, decompressed once into the cache
directory: one 104 MB line, 17.5M tokens) and ``zipf`` (a synthetic corpus of
``benchmarks/zipf_corpus.py``: 60M tokens drawn from a Zipf law, exponent 1.0, over 20M types,
seed 1, written once into the cache directory). Every measurement runs in a fresh child
process, after a warm-up on a tiny file, and reports wall seconds, tokens/s and the peak RSS
of the measured stage (VmHWM reset just before it). Repeats are interleaved (repeat, corpus,
system).

Systems:

- ``today``: the one-thread pass before the parallel one (``Vocabulary.build`` recording ids
  into an ``IdSpool``, then ``EncodedCorpus.from_spool``), run from ``--baseline-src`` (the
  ``src/`` of that commit, e.g. ``git archive 28a6b8f src | tar -x -C /tmp/base``);
- ``sequential``: the same code path run from this tree (its word table included);
- ``w2v-N``: :func:`w2v.vocab_pass.count_corpus` on N threads, encoding included;
- ``word2vec.c``: ``word2vec -train FILE -min-count 5 -save-vocab V`` (no ``-output``: it
  counts, sorts and saves the vocabulary, then exits); peak RSS from ``wait4``;
- ``gensim``: ``Word2Vec(min_count=5, workers=1).build_vocab(corpus_file=FILE)`` (its scan is
  one thread whatever ``workers``; build_vocab also sorts the vocabulary and allocates the
  weights).

    PYTHONPATH=src python benchmarks/vocab_pass.py --word2vec-c /tmp/word2vec \\
        --baseline-src /tmp/base/src --repeats 1 --json /tmp/vocab-pass.json
"""

from __future__ import annotations

import argparse
import json
import lzma
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"  # beside the project root
ENWIKI = SHARED_DATA / "corpus" / "enwiki2015-part1.text8.txt.xz"
RESULT_MARK = "@@VOCAB_PASS@@ "
MIN_COUNT = 5
MAX_SENTENCE_LENGTH = 10_000


def prepare(corpus: str, cache: Path) -> Path:
    """The plain-text file of ``corpus``, written into ``cache`` the first time."""
    cache.mkdir(parents=True, exist_ok=True)
    if corpus == "enwiki":
        path = cache / "enwiki2015-part1.text8.txt"
        if not path.exists():
            with lzma.open(ENWIKI) as src, open(path.with_suffix(".part"), "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 22)
            os.replace(path.with_suffix(".part"), path)
        return path
    path = cache / "zipf-60M-20M-1.0-seed1.txt"
    if not path.exists():
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from zipf_corpus import write_corpus

        write_corpus(path, 60_000_000, 20_000_000, 1.0, 1000, 1)
    return path


# ------------------------------------------------------------------------------ children
def _vmhwm() -> int:
    """Peak RSS of this process since the last :func:`_reset` (VmHWM), in bytes."""
    with open("/proc/self/status", encoding="ascii") as f:
        return next(int(ln.split()[1]) * 1024 for ln in f if ln.startswith("VmHWM:"))


def _reset() -> None:
    with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
        f.write("5")


def child(spec: dict) -> dict:
    """One measurement, in this (fresh) process."""
    system, path = spec["system"], Path(spec["path"])
    if system == "gensim":
        import logging

        from gensim.models import Word2Vec as GensimW2V

        logging.getLogger("gensim").setLevel(logging.WARNING)
        _reset()
        t0 = time.perf_counter()
        model = GensimW2V(min_count=MIN_COUNT, workers=spec["threads"])
        model.build_vocab(corpus_file=str(path))
        seconds = time.perf_counter() - t0
        return {"seconds": seconds, "tokens": model.corpus_total_words,
                "words": len(model.wv), "peak_rss": _vmhwm()}  # fmt: skip

    from w2v.corpus import Corpus, EncodedCorpus, IdSpool
    from w2v.vocabulary import Vocabulary

    def run(p: Path) -> tuple:
        if system in ("today", "sequential"):
            spool = IdSpool()
            vocab = Vocabulary.build(Corpus(p).blocks(), MIN_COUNT, ids_sink=spool)
            enc = EncodedCorpus.from_spool(spool, vocab, MAX_SENTENCE_LENGTH, 1 << 16)
            spool.close()
        else:
            from w2v.vocab_pass import count_corpus

            vocab, enc = count_corpus(
                Corpus(p), spec["threads"], MIN_COUNT,
                encode=lambda v: (MAX_SENTENCE_LENGTH, 1 << 16),
            )  # fmt: skip
        return vocab, enc

    with tempfile.TemporaryDirectory() as tmp:  # warm-up: load the compiled kernels
        warm = Path(tmp) / "warm.txt"
        warm.write_text(" ".join(f"w{i % 5000}" for i in range(50_000)) + "\n" * 3)
        run(warm)[1].close()
    _reset()
    t0 = time.perf_counter()
    vocab, enc = run(path)
    seconds = time.perf_counter() - t0
    peak = _vmhwm()
    out = {"seconds": seconds, "tokens": vocab.total_tokens, "words": len(vocab),
           "peak_rss": peak, "n_ids": enc.n_ids, "crc32": enc.crc32,
           "chunks": enc.n_chunks}  # fmt: skip
    enc.close()
    return out


def run_word2vec_c(binary: str, path: Path) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        vocab = Path(tmp) / "vocab.txt"
        cmd = [binary, "-train", str(path), "-min-count", str(MIN_COUNT), "-save-vocab",
               str(vocab), "-debug", "0"]  # fmt: skip
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            return {"error": f"exit status {proc.returncode}"}
        lines = vocab.read_text(encoding="utf-8", errors="replace").splitlines()
        counts = [int(ln.rsplit(" ", 1)[1]) for ln in lines[1:]]  # without </s>
    return {"seconds": seconds, "tokens": None, "words": len(counts),
            "peak_rss": usage.ru_maxrss * 1024}  # fmt: skip


def measure(spec: dict, word2vec_c: str | None) -> dict:
    if spec["system"] == "word2vec.c":
        return run_word2vec_c(word2vec_c, Path(spec["path"]))
    env = dict(os.environ)
    src = spec["baseline_src"] if spec["system"] == "today" else str(ROOT / "src")
    env["PYTHONPATH"] = os.pathsep.join([src, *filter(None, [env.get("PYTHONPATH")])])
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(spec)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
    for line in proc.stdout.splitlines():
        if line.startswith(RESULT_MARK):
            return json.loads(line[len(RESULT_MARK) :])
    return {"error": (proc.stderr.strip().splitlines() or ["no output"])[-1]}


# ------------------------------------------------------------------------------ report
def table(results: list[dict]) -> str:
    """Markdown: per corpus and system, median seconds, tokens/s, speed-up over today's
    one-thread pass, peak RSS (the largest of the runs) and its ratio to today's."""
    rows = ["| corpus | system | runs | seconds (median) | tokens/s | speed vs today | "
            "peak RSS MiB | RSS vs today |", "|---|---|---|---|---|---|---|---|"]  # fmt: skip
    corpora = list(dict.fromkeys(r["corpus"] for r in results))
    systems = list(dict.fromkeys(r["label"] for r in results))
    for corpus in corpora:
        tokens = next((r["tokens"] for r in results if r["corpus"] == corpus and r.get("tokens")),
                      None)  # fmt: skip
        med = {}
        for label in systems:
            got = [r for r in results if r["corpus"] == corpus and r["label"] == label
                   and "error" not in r]  # fmt: skip
            if got:
                med[label] = (statistics.median(r["seconds"] for r in got),
                              max(r["peak_rss"] for r in got), len(got))  # fmt: skip
        base = med.get("today") or med.get("sequential")
        for label, (sec, rss, n) in med.items():
            speed = f"{base[0] / sec:.2f}x" if base else ""
            rss_ratio = f"{rss / base[1]:.2f}x" if base else ""
            rate = f"{tokens / sec / 1e6:.2f}M" if tokens else ""
            rows.append(f"| {corpus} | {label} | {n} | {sec:.2f} | {rate} | {speed} | "
                        f"{rss / 2**20:.0f} | {rss_ratio} |")  # fmt: skip
    return "\n".join(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--corpora", default="enwiki,zipf")
    ap.add_argument("--threads", default="1,2", help="thread counts of the parallel pass")
    ap.add_argument("--systems", default="today,w2v,word2vec.c,gensim")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--word2vec-c", help="a word2vec.c binary (else word2vec.c is skipped)")
    ap.add_argument("--baseline-src", help="the src/ of the commit before the parallel pass, "
                    "measured as system 'today' (its one-thread pass)")  # fmt: skip
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "w2v-bench-cache")
    ap.add_argument("--json", type=Path, help="append the raw results to this JSON file")
    args = ap.parse_args()
    if args.child:
        print(RESULT_MARK + json.dumps(child(json.loads(args.child))), flush=True)
        return
    paths = {c: prepare(c, args.cache) for c in args.corpora.split(",")}
    threads = [int(t) for t in args.threads.split(",")]
    specs = []
    for system in args.systems.split(","):
        if system == "word2vec.c" and not args.word2vec_c:
            print("word2vec.c skipped: no --word2vec-c binary", file=sys.stderr)
            continue
        if system == "today" and not args.baseline_src:
            print("today skipped: no --baseline-src", file=sys.stderr)
            continue
        for t in threads if system == "w2v" else [1]:  # gensim counts on one thread anyway
            label = f"{system}-{t}" if system == "w2v" else system
            specs.append({"system": system, "threads": t, "label": label,
                          "baseline_src": args.baseline_src})  # fmt: skip
    results = json.loads(args.json.read_text()) if args.json and args.json.exists() else []
    for repeat in range(args.repeats):
        for corpus, path in paths.items():
            for spec in specs:
                spec = dict(spec, corpus=corpus, path=str(path))
                res = dict(spec, **measure(spec, args.word2vec_c), repeat=repeat,
                           load=os.getloadavg()[0], when=time.strftime("%H:%M:%S"))  # fmt: skip
                print(json.dumps(res), flush=True)
                results.append(res)
                if args.json:
                    args.json.write_text(json.dumps(results, indent=1))
    print(table(results))


if __name__ == "__main__":
    main()
