"""``w2v phrases``: join frequent word pairs into phrases, like word2vec.c's word2phrase."""

from __future__ import annotations

import argparse
import time

from w2v.cli.common import (
    UsageError,
    add_command,
    add_normalize_option,
    add_output_control,
    check_writable,
    positive_int,
)
from w2v.errors import ParameterError


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "phrases", run, "join frequent word pairs into phrases (word2phrase)", """
        w2v phrases corpus.txt -o corpus-phrases.txt
        w2v phrases corpus.txt -o out.txt --passes 2 --threshold 200 100
        w2v phrases corpus.txt -o out.txt --scoring npmi --threshold 0.5
        w2v train out.txt -o vectors.txt              # then train on the result
        w2v phrases raw.txt -o out.txt --normalize drop   # raw text: lower-cased, no punctuation
    """)  # fmt: skip
    p.add_argument("corpus", help="text file (.gz/.bz2/.xz ok) or directory")
    p.add_argument("-o", "--output", required=True, help="rewritten corpus (plain text)")
    p.add_argument("--min-count", type=positive_int, default=5,
                   help="words rarer than this never join")  # fmt: skip
    p.add_argument("--threshold", type=float, nargs="+", default=None,
                   help="score to exceed, one per pass (default 100; 0.5 with npmi)")  # fmt: skip
    p.add_argument("--scoring", choices=("default", "npmi"), default="default",
                   help="word2phrase's score or normalised PMI in [-1, 1]")  # fmt: skip
    p.add_argument("--passes", type=positive_int, default=1,
                   help="passes (each may join earlier phrases: up to 2**N words)")  # fmt: skip
    p.add_argument("--delimiter", default="_", help="joins the words of a phrase")
    p.add_argument("--max-vocab-size", type=positive_int, default=20_000_000,
                   help="words + bigrams held while counting (memory bound)")  # fmt: skip
    add_normalize_option(p)
    p.add_argument("--show", type=int, default=10, metavar="N",
                   help="print the N most frequent phrases found")  # fmt: skip
    add_output_control(p)


def run(args: argparse.Namespace) -> int:
    """``w2v phrases``: word2phrase."""
    from w2v.phrases import Phrases

    threshold = args.threshold or ([0.5] if args.scoring == "npmi" else [100.0])
    check_writable(args.output, "output")
    t0 = time.perf_counter()
    try:
        phrases = Phrases(
            args.corpus, min_count=args.min_count, threshold=threshold, scoring=args.scoring,
            passes=args.passes, delimiter=args.delimiter, max_vocab_size=args.max_vocab_size,
            normalize=args.normalize,
        )  # fmt: skip
    except ParameterError as exc:
        raise UsageError(str(exc)) from None
    tokens = phrases.save_corpus(args.output)
    found = phrases.export_phrases()
    dt = time.perf_counter() - t0
    if not args.quiet:
        train_words = phrases.stages[0].train_words
        print(f"{len(found):,} phrases found in {args.passes} pass(es); {train_words:,} tokens "
              f"in, {tokens:,} out; {dt:.1f}s ({args.passes * train_words / dt:,.0f} words/s "
              f"counted); written to {args.output}")  # fmt: skip
        if args.show > 0 and found:
            top = sorted(found.items(), key=lambda kv: (-kv[1][0], kv[0]))[: args.show]
            width = max(len(p) for p, _ in top)
            print(f"{'phrase':<{width}}  {'count':>8}  score")
            for phrase, (count, score) in top:
                print(f"{phrase:<{width}}  {count:>8}  {score:.4g}")
    return 0
