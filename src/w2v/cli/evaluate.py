"""``w2v evaluate``: analogy accuracy and word-similarity correlations, as tables."""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

from w2v.bundled import ANALOGIES, WORD_PAIRS, bundled_file
from w2v.cli.common import (
    add_command,
    add_output_control,
    add_vector_input,
    positive_int,
    require_file,
)
from w2v.formats import load_vectors

logger = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "evaluate", run, "score vectors on analogy and word-similarity sets", """
        w2v evaluate vectors.txt                       # bundled Google analogies + WordSim-353
        w2v evaluate vectors.bin --analogies questions-words.txt --restrict-vocab 30000
        w2v evaluate vectors.txt --pairs simlex999.txt wordsim353.tsv
    """)  # fmt: skip
    p.add_argument("vectors", help="word vectors (text, binary or native; detected)")
    p.add_argument("--analogies", metavar="FILE", help="analogy questions (questions-words.txt "
                   "format); default: the bundled Google set when no --pairs is given")  # fmt: skip
    p.add_argument("--pairs", nargs="+", metavar="FILE", default=[],
                   help="word-pair files (word1 word2 score); default: bundled WordSim-353 "
                   "when no --analogies is given")  # fmt: skip
    p.add_argument("--restrict-vocab", type=positive_int, default=300000,
                   help="use the N most frequent words (word2vec.c's compute-accuracy is "
                   "usually run with 30000)")  # fmt: skip
    p.add_argument("--cosmul", action="store_true", help="3CosMul instead of 3CosAdd")
    p.add_argument("--case-sensitive", action="store_true", help="do not fold case")
    p.add_argument("--sections", action="store_true", help="print every analogy section")
    add_vector_input(p)
    add_output_control(p)


def run(args: argparse.Namespace) -> int:
    """``w2v evaluate``: analogy accuracy and word-similarity correlations as tables."""
    from w2v.evaluation import evaluate_word_analogies, evaluate_word_pairs

    analogies = args.analogies
    pairs = list(args.pairs)
    if not analogies and not pairs:
        analogies = bundled_file(ANALOGIES)
        pairs = [bundled_file(WORD_PAIRS)]
    for f in [analogies, *pairs]:
        if f:
            require_file(f)
    kv = load_vectors(args.vectors, args.from_format, args.limit, args.no_header)
    restrict = min(args.restrict_vocab, len(kv))
    if analogies:
        t0 = time.perf_counter()
        res = evaluate_word_analogies(
            kv, analogies, restrict_vocab=restrict, case_insensitive=not args.case_sensitive,
            method="3cosmul" if args.cosmul else "3cosadd",
        )  # fmt: skip
        logger.info("analogies evaluated in %.1fs", time.perf_counter() - t0)
        print(_analogy_table(res, Path(analogies).name, args.sections))
    for i, f in enumerate(pairs):
        res = evaluate_word_pairs(kv, f, restrict_vocab=restrict,
                                  case_insensitive=not args.case_sensitive)  # fmt: skip
        if i == 0:
            if analogies:
                print()
            print(f"Word similarity (cosine vs human scores, {restrict:,} most frequent words)")
            print(f"{'file':<28} {'pairs':>6} {'OOV':>5} {'Spearman':>9} {'Pearson':>8}")
        print(f"{Path(f).name:<28} {res.n_pairs:>6} {res.n_oov:>5} "
              f"{res.spearman:>9.4f} {res.pearson:>8.4f}")  # fmt: skip
    return 0


def _analogy_table(res, name: str, all_sections: bool) -> str:
    method = "3CosMul" if res.method == "3cosmul" else "3CosAdd"
    lines = [
        f"Word analogies: {name} ({method}, {res.restrict_vocab:,} most frequent words)",
        f"{'section':<28} {'accuracy':>8} {'correct':>8} {'seen':>6} {'skipped':>8}",
    ]
    rows = [*res.sections] if all_sections else []
    rows += [res.semantic, res.syntactic, res.total]
    for s in rows:
        label = {"Total accuracy": "total"}.get(s.name, s.name)
        lines.append(
            f"{label:<28} {100 * s.accuracy:7.2f}% {s.n_correct:>8} {s.n_seen:>6} {s.skipped:>8}"
        )
    return "\n".join(lines)
