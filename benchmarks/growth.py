"""Growing a model versus training it from scratch: is an update as good as a retrain?

For each configuration (skip-gram with negative sampling, CBOW with hierarchical softmax):

- grown: train on part 1, then ``build_vocab(part2, update=True)`` and train on part 2;
- scratch: train on part 1 + part 2 at once, for the same epochs (every token is seen as
  many times in both runs).

Reported: analogy accuracy over the 30,000 most frequent words, WordSim-353 Spearman, the
number of words the update added (and how many of them part 1 never had at all), and the
mean top-10 neighbour overlap of the added words between the grown and the scratch model.

Both parts are re-cut into lines of 1,000 words (as every comparison here feeds text).
Run from the repository root (see benchmarks/README.md):

    PYTHONPATH=src python benchmarks/growth.py --max-words 2000000
    PYTHONPATH=src python benchmarks/growth.py      # full parts, 17.5M words each
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import lzma
import platform
import sys
import time
from pathlib import Path

import numpy as np

from w2v import Vocabulary, Word2Vec
from w2v.corpus import Corpus

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
PARTS = [DATA / "corpus" / f"enwiki2015-part{i}.text8.txt.xz" for i in (1, 2)]
QUESTIONS = DATA / "eval" / "questions-words.txt"
WS353 = DATA / "eval" / "EN-WS-353-ALL.txt"
LINE_WORDS = 1000

COMMON = dict(vector_size=100, window=5, min_count=5, sample=1e-4, alpha=0.025,
              min_alpha=0.0001, seed=1)  # fmt: skip
CONFIGS = {"sg-ns": dict(sg=1, hs=0, negative=5), "cbow-hs": dict(sg=0, hs=1, negative=0)}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def recut(src: Path, dst: Path, max_words: int | None) -> int:
    """Write the words of ``src`` to ``dst`` as lines of LINE_WORDS words; returns the count."""
    done = 0
    carry = b""
    with lzma.open(src, "rb") as f, open(dst, "wb") as out:
        line: list[bytes] = []
        while max_words is None or done < max_words:
            block = f.read(1 << 22)
            words = (carry + block).split(b" ")
            carry = words.pop() if block else b""
            if not block and carry:
                words.append(carry)
            for w in words:
                if not w or (max_words is not None and done >= max_words):
                    continue
                line.append(w)
                done += 1
                if len(line) == LINE_WORDS:
                    out.write(b" ".join(line) + b"\n")
                    line = []
            if not block:
                break
        if line:
            out.write(b" ".join(line) + b"\n")
    return done


def evaluate(model: Word2Vec) -> dict:
    analogies = model.wv.evaluate_word_analogies(QUESTIONS, restrict_vocab=30_000)
    pairs = model.wv.evaluate_word_pairs(WS353)
    return {"analogy_30k": analogies.accuracy, "ws353": pairs.spearman}


def top10(model: Word2Vec, words: list[str]) -> list[set[str]]:
    found = model.wv.most_similar_batch([[w] for w in words], topn=10)
    return [{w for w, _ in row} for row in found]


def run(
    config: str, files: dict[str, Path], epochs: int, workers: int, update_alpha: float | None
) -> dict:
    params = dict(COMMON, **CONFIGS[config], epochs=epochs, workers=workers)
    t0 = time.perf_counter()
    grown = Word2Vec(**params)
    grown.build_vocab(str(files["part1"]))
    grown.train(str(files["part1"]), total_examples=grown.corpus_count, epochs=grown.epochs)
    before = set(grown.wv.index_to_key)
    grown.build_vocab(str(files["part2"]), update=True)
    grown.train(
        str(files["part2"]), total_examples=grown.corpus_count, epochs=grown.epochs,
        start_alpha=update_alpha,
    )  # fmt: skip
    t_grown = time.perf_counter() - t0
    log(f"{config}: grown in {t_grown:.0f}s")

    t0 = time.perf_counter()
    scratch = Word2Vec(**params)
    scratch.build_vocab(str(files["both"]))
    scratch.train(str(files["both"]), total_examples=scratch.corpus_count, epochs=scratch.epochs)
    t_scratch = time.perf_counter() - t0
    log(f"{config}: scratch in {t_scratch:.0f}s")

    added = [w for w in grown.wv.index_to_key if w not in before]
    part1_all = Vocabulary.build(Corpus(files["part1"]).blocks(), min_count=1)
    unseen = [w for w in added if w not in part1_all]
    common = [w for w in added if w in scratch.wv]
    overlaps = [
        len(a & b) / 10 for a, b in zip(top10(grown, common), top10(scratch, common), strict=True)
    ]
    return {
        "config": config,
        "grown": evaluate(grown),
        "scratch": evaluate(scratch),
        "vocab_grown": len(grown.wv),
        "vocab_scratch": len(scratch.wv),
        "added": len(added),
        "added_unseen_in_part1": len(unseen),
        "added_in_scratch": len(common),
        "top10_overlap_added": float(np.mean(overlaps)) if overlaps else float("nan"),
        "seconds": {"grown": t_grown, "scratch": t_scratch},
    }


def table(results: list[dict]) -> str:
    rows = [
        "| config | model | analogy@30k | WS-353 | vocabulary | added words (not in part 1 "
        "at all) | top-10 overlap of added words |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        for which in ("grown", "scratch"):
            q = r[which]
            extra = (
                f"{r['added']:,} ({r['added_unseen_in_part1']:,}) | "
                f"{r['top10_overlap_added']:.2f} over {r['added_in_scratch']:,} words"
                if which == "grown"
                else "| "
            )
            rows.append(
                f"| {r['config']} | {which} | {100 * q['analogy_30k']:.2f}% | "
                f"{q['ws353']:.3f} | {r[f'vocab_{which}']:,} | {extra} |"
            )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--max-words", type=int, help="words taken from each part (default all)")
    ap.add_argument("--epochs", type=int, default=5, help="epochs of each training (default 5)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument(
        "--update-alpha", type=float,
        help="learning rate the training on part 2 starts from (default: alpha, as gensim)",
    )  # fmt: skip
    ap.add_argument("--configs", default="sg-ns,cbow-hs")
    ap.add_argument("--workdir", type=Path, default=ROOT / "benchmarks" / "results")
    ap.add_argument("--json", type=Path, help="also write the raw results here")
    args = ap.parse_args(argv)
    for path in [*PARTS, QUESTIONS, WS353]:
        if not path.exists():
            ap.error(f"missing data file {path}")
    args.workdir.mkdir(parents=True, exist_ok=True)
    tag = f"{args.max_words}" if args.max_words else "all"
    files = {f"part{i}": args.workdir / f"growth-part{i}-{tag}.txt" for i in (1, 2)}
    files["both"] = args.workdir / f"growth-both-{tag}.txt"
    words = {}
    for i, src in enumerate(PARTS, 1):
        if not files[f"part{i}"].exists():
            log(f"re-cutting {src.name}")
            recut(src, files[f"part{i}"], args.max_words)
        words[f"part{i}"] = sum(len(line.split()) for line in open(files[f"part{i}"], "rb"))
    if not files["both"].exists():
        files["both"].write_bytes(files["part1"].read_bytes() + files["part2"].read_bytes())
    results = [
        run(c, files, args.epochs, args.workers, args.update_alpha) for c in args.configs.split(",")
    ]
    command = "PYTHONPATH=src python benchmarks/growth.py " + " ".join(argv or sys.argv[1:])
    print(f"Growth benchmark, {dt.date.today()}, {platform.processor() or platform.machine()}")
    print(
        f"`{command.strip()}`: part 1 {words['part1']:,} words, part 2 {words['part2']:,} "
        f"words, {args.epochs} epochs each, {args.workers} workers, part 2 trained from alpha "
        f"{args.update_alpha or COMMON['alpha']}\n"
    )
    print(table(results))
    if args.json:
        settings = vars(args) | {"workdir": str(args.workdir), "json": str(args.json)}
        report = {"args": settings, "words": words, "results": results}
        args.json.write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
