"""word2vec.c's command line: ``w2v -train text.txt -output vec.bin -cbow 0 -size 200 ...``.

Shell scripts written for Mikolov's ``word2vec`` run unchanged with the program name
changed: the single-dash flags are translated into a ``w2v train`` run with word2vec.c's
defaults (including its learning rates). The updates are w2v's blocked ones, the fast path
(2.0-3.4x word2vec.c's per-pair rule for skip-gram with negative sampling, at equal or better
quality): a word2vec.c user switches for speed, and the vectors are equivalent, not identical,
either way. ``-exact-pairs 1`` keeps word2vec.c's per-pair rule.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from w2v.cli import train
from w2v.cli.common import PROG, ArgumentParser, UsageError, default_workers

W2V_C_FLAGS = {
    # flag: (type, default, meaning) -- defaults are word2vec.c's
    "-train": (str, None, "corpus"),
    "-output": (str, None, "vectors file"),
    "-size": (int, 100, "vector size"),
    "-window": (int, 5, "window"),
    "-sample": (float, 1e-3, "subsampling threshold"),
    "-hs": (int, 0, "hierarchical softmax"),
    "-negative": (int, 5, "negative samples"),
    "-threads": (int, None, "threads (default min(12, cores))"),
    "-iter": (int, 5, "epochs"),
    "-min-count": (int, 5, "min count"),
    "-alpha": (float, None, "learning rate (0.05 CBOW, 0.025 skip-gram)"),
    "-binary": (int, 0, "binary output"),
    "-cbow": (int, 1, "CBOW (1) or skip-gram (0)"),
    "-save-vocab": (str, None, "write vocabulary"),
    "-read-vocab": (str, None, "read vocabulary"),
    "-debug": (int, 2, "verbosity"),
    "-classes": (int, 0, "k-means classes (unsupported)"),
    "-exact-pairs": (int, 0, "1: word2vec.c's per-pair updates; 0: w2v's blocked ones"),
}

DESCRIPTION = """word2vec.c's command line, chosen whenever -train is given: its flags and
defaults (learning rate 0.05 for CBOW, 0.025 for skip-gram). The updates are w2v's fast
blocked ones unless -exact-pairs 1 (or --exact-pairs) asks for word2vec.c's per-pair rule;
the vectors are equivalent, not identical, either way."""


def parse_word2vec_c(argv: Sequence[str]) -> argparse.Namespace:
    """Parse word2vec.c's command line (``-train X -output Y -size 100 ...``)."""
    args = list(argv)
    if args and args[0] == "train":
        args = args[1:]
    p = ArgumentParser(
        prog=f"{PROG} -train FILE", allow_abbrev=False, description=DESCRIPTION,
        usage=f"{PROG} -train FILE -output FILE [-size N] [-cbow 0/1] ... (word2vec.c's flags)",
    )  # fmt: skip
    for flag, (typ, default, meaning) in W2V_C_FLAGS.items():
        if flag == "-exact-pairs":
            p.add_argument(flag, "--exact-pairs", type=typ, nargs="?", const=1, default=default,
                           metavar="0/1", help=meaning)  # fmt: skip
        else:
            p.add_argument(flag, type=typ, default=default, help=meaning)
    ns, rest = p.parse_known_args(args)  # -h/--help prints the flags and exits
    if rest:
        raise UsageError(
            f"word2vec.c mode (-train given): unsupported argument {rest[0]!r}; "
            f"known flags: {' '.join(W2V_C_FLAGS)}"
        )
    if ns.classes:
        raise UsageError("-classes (k-means word classes) is not supported by w2v")
    sg = 0 if ns.cbow else 1
    alpha = ns.alpha if ns.alpha is not None else (0.05 if ns.cbow else 0.025)
    params = {
        "vector_size": ns.size, "window": ns.window, "sample": ns.sample, "hs": ns.hs,
        "negative": ns.negative, "workers": ns.threads or default_workers(), "epochs": ns.iter,
        "min_count": ns.min_count, "alpha": alpha, "min_alpha": alpha * 1e-4, "sg": sg,
        "blocked": 0 if ns.exact_pairs else 1,
    }  # fmt: skip
    return argparse.Namespace(
        func=train.run,
        command="train",
        corpus=ns.train,
        output=ns.output,
        format="binary" if ns.binary else "text",
        binary=bool(ns.binary),
        model=None,
        save_vocab=ns.save_vocab,
        read_vocab=ns.read_vocab,
        params=params,
        no_progress=ns.debug < 2,
        quiet=ns.debug == 0,
        debug=False,
        word2vec_c=True,
    )
