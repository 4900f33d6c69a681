"""``w2v demo``: train on the Wikipedia sample bundled with the package and show what the
vectors do (nearest neighbours, analogies, evaluation scores), with no download."""

from __future__ import annotations

import lzma
import time

from w2v.cli import _print_neighbours, _ProgressBar, bundled, logger

SAMPLE = "sample.txt.xz"
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
ANALOGIES = (
    ("man", "king", "woman"),
    ("france", "paris", "italy"),
    ("good", "better", "bad"),
    ("brother", "sister", "son"),
)


def _quick_corpus() -> list[list[str]]:
    with lzma.open(bundled(SAMPLE), "rt", encoding="utf-8") as f:
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
    from w2v.cli import format_from_suffix, save_vectors
    from w2v.evaluation import evaluate_word_analogies, evaluate_word_pairs
    from w2v.word2vec import Word2Vec

    params = dict(QUICK_PARAMS if quick else PARAMS, workers=workers)
    if epochs:
        params["epochs"] = epochs
    corpus = _quick_corpus() if quick else bundled(SAMPLE)
    size = f"{sum(map(len, corpus)):,} words" if quick else "3.0M words"
    print(
        f"w2v demo: skip-gram with negative sampling, {params['vector_size']} dimensions, "
        f"{params['epochs']} epoch(s), {workers} thread(s), on {size} of English Wikipedia "
        "(bundled; CC BY-SA 3.0, see w2v/data/SAMPLE-NOTICE.md)",
        flush=True,
    )
    t0 = time.perf_counter()
    model = Word2Vec(**params)
    model.build_vocab(corpus)
    bar = _ProgressBar(enabled=progress, desc="demo")
    model.train(corpus, callbacks=[bar.callback()])
    train_time = time.perf_counter() - t0
    kv = model.wv
    hist = model.epoch_history
    print(
        f"trained in {train_time:.1f}s: {len(kv):,} words in the vocabulary, "
        f"{hist[-1].words / max(hist[-1].elapsed, 1e-9):,.0f} words/s, "
        f"loss per epoch {' '.join(f'{h.loss:.3f}' for h in hist)}\n"
    )
    for word in NEIGHBOUR_WORDS:
        if word in kv:
            print(f"nearest to {word!r}:")
            _print_neighbours(kv.most_similar(word, topn=5))
            print()
    print("analogies (a is to b as c is to ?):")
    for a, b, c in ANALOGIES:
        if all(w in kv for w in (a, b, c)):
            best = kv.most_similar(positive=[b, c], negative=[a], topn=3)
            answers = ", ".join(f"{w} ({s:.2f})" for w, s in best)
            print(f"  {a} : {b} :: {c} : ?   ->  {answers}")
    print()
    restrict = min(30000, len(kv))
    res = evaluate_word_analogies(kv, bundled("questions-words.txt"), restrict_vocab=restrict)
    pairs = evaluate_word_pairs(kv, bundled("wordsim353.tsv"))
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
