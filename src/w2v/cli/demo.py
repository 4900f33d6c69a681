"""``w2v demo``: train on the Wikipedia sample bundled with the package and show what the
vectors do (nearest neighbours, analogies, evaluation scores), with no download."""

from __future__ import annotations

import argparse
import logging
import lzma
import os
import time

from w2v.bundled import ANALOGIES, SAMPLE_CORPUS, WORD_PAIRS, bundled_file
from w2v.cli.common import add_command, add_output_control, default_workers, positive_int
from w2v.cli.progress import ProgressBar, announce_compilation
from w2v.cli.query import print_neighbours
from w2v.formats import format_from_suffix, save_vectors

logger = logging.getLogger(__name__)

#: Full demo: skip-gram with negative sampling, tuned to train in well under a minute on
#: 2 cores. Aggressive subsampling (1e-4) both speeds training up and helps on a small corpus.
PARAMS = {
    "vector_size": 100, "window": 5, "min_count": 5, "sg": 1, "negative": 5,
    "sample": 1e-4, "alpha": 0.025, "epochs": 6, "seed": 1,
}  # fmt: skip
#: --quick: a slice of the sample, small vectors; for smoke tests, not for nice vectors.
QUICK_PARAMS = {**PARAMS, "vector_size": 50, "epochs": 2, "sample": 1e-3}
QUICK_LINES = 8000  # about 500k words

NEIGHBOUR_WORDS = ("king", "france", "computer", "music", "physics", "river")
ANALOGY_QUESTIONS = (
    ("man", "king", "woman"),
    ("france", "paris", "italy"),
    ("good", "better", "bad"),
    ("brother", "sister", "son"),
)


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "demo", run,
                    "train on a bundled Wikipedia sample and show the results", """
        w2v demo
        w2v demo --quick                               # a few seconds, rougher vectors
        w2v demo -o demo-vectors.txt                   # keep the vectors
    """)  # fmt: skip
    p.add_argument("--quick", action="store_true",
                   help="a small slice and two epochs (also: W2V_DEMO_QUICK=1)")  # fmt: skip
    p.add_argument("-o", "--output", help="also save the vectors here")
    p.add_argument("--workers", type=positive_int, default=default_workers(), help="threads")
    p.add_argument("--epochs", type=positive_int, help="passes over the sample")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_output_control(p)


def run(args: argparse.Namespace) -> int:
    """``w2v demo``: see :func:`run_demo`."""
    quick = args.quick or os.environ.get("W2V_DEMO_QUICK", "") not in ("", "0")
    return run_demo(
        quick=quick, workers=args.workers, epochs=args.epochs, output=args.output,
        progress=not (args.quiet or args.no_progress),
    )  # fmt: skip


def _quick_corpus() -> list[list[str]]:
    with lzma.open(bundled_file(SAMPLE_CORPUS), "rt", encoding="utf-8") as f:
        return [line.split() for _, line in zip(range(QUICK_LINES), f, strict=False)]


def run_demo(
    quick: bool = False,
    workers: int = 2,
    epochs: int | None = None,
    output: str | None = None,
    progress: bool = True,
) -> int:
    """Train, then print neighbours, analogies and evaluation scores; returns 0.

    Parameters
    ----------
    quick : bool
        Train on about 500k words for two epochs (seconds) instead of 3M words for six.
    workers : int
        Training threads.
    epochs : int, optional
        Override the number of epochs.
    output : str, optional
        Also save the vectors there (format from the suffix).
    progress : bool
        Show a progress bar on a terminal.
    """
    from w2v.evaluation import evaluate_word_analogies, evaluate_word_pairs
    from w2v.word2vec import Word2Vec

    params = dict(QUICK_PARAMS if quick else PARAMS, workers=workers)
    if epochs:
        params["epochs"] = epochs
    corpus = _quick_corpus() if quick else bundled_file(SAMPLE_CORPUS)
    size = f"{sum(map(len, corpus)):,} words" if quick else "3.0M words"
    print(
        f"w2v demo: skip-gram with negative sampling, {params['vector_size']} dimensions, "
        f"{params['epochs']} epoch(s), {workers} thread(s), on {size} of English Wikipedia "
        "(bundled; CC BY-SA 3.0, see w2v/data/SAMPLE-NOTICE.md)",
        flush=True,
    )
    announce_compilation()
    t0 = time.perf_counter()
    model = Word2Vec(**params)
    model.build_vocab(corpus)
    bar = ProgressBar(enabled=progress, desc="demo")
    model.train(corpus, callbacks=[bar.callback()])
    train_time = time.perf_counter() - t0
    kv = model.wv
    hist = model.epoch_history
    print(
        f"trained in {train_time:.1f}s: {len(kv):,} words in the vocabulary, "
        f"{_last_epoch_speed(hist):,.0f} words/s (last epoch), "
        f"loss per epoch {' '.join(f'{h.loss:.3f}' for h in hist)}\n"
    )
    for word in NEIGHBOUR_WORDS:
        if word in kv:
            print(f"nearest to {word!r}:")
            print_neighbours(kv.most_similar(word, topn=5))
            print()
    print("analogies (a is to b as c is to ?):")
    for a, b, c in ANALOGY_QUESTIONS:
        if all(w in kv for w in (a, b, c)):
            best = kv.most_similar(positive=[b, c], negative=[a], topn=3)
            answers = ", ".join(f"{w} ({s:.2f})" for w, s in best)
            print(f"  {a} : {b} :: {c} : ?   ->  {answers}")
    print()
    restrict = min(30000, len(kv))
    res = evaluate_word_analogies(kv, bundled_file(ANALOGIES), restrict_vocab=restrict)
    pairs = evaluate_word_pairs(kv, bundled_file(WORD_PAIRS))
    print(
        f"Google analogies: {100 * res.accuracy:.1f}% of {res.total.n_seen:,} questions "
        f"(semantic {100 * res.semantic.accuracy:.1f}%, syntactic "
        f"{100 * res.syntactic.accuracy:.1f}%; {res.total.skipped:,} skipped, "
        f"{restrict:,} most frequent words)"
    )
    print(
        f"WordSim-353: Spearman {pairs.spearman:.3f} "
        f"({pairs.n_pairs - pairs.n_oov} of {pairs.n_pairs} pairs in the vocabulary)"
    )
    if output:
        fmt = format_from_suffix(output, "text")
        save_vectors(kv, output, fmt)
        print(f"vectors saved to {output} ({fmt})")
    print(f"\ndone in {time.perf_counter() - t0:.1f}s. Next: w2v train YOUR_TEXT -o vectors.txt")
    logger.debug("demo parameters: %s", params)
    return 0


def _last_epoch_speed(history) -> float:
    """Words per second of the last epoch alone: the first one also pays for compilation."""
    last = history[-1]
    words, seconds = last.words, last.elapsed
    if len(history) > 1:
        words -= history[-2].words
        seconds -= history[-2].elapsed
    return words / max(seconds, 1e-9)
