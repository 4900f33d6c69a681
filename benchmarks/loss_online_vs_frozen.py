"""The online loss of each epoch against the loss of the same text with the weights frozen.

``loss_history`` is online: each prediction's loss is taken just before its own update. On
text read in order (articles, then the next), a learning rate well above zero lets the model
follow the article it is reading, which lowers the online loss below what the weights
score on the whole text; the last epoch, with the rate falling to ``min_alpha``, loses that
help. This script trains one model epoch by epoch on the global linear schedule and, after
each epoch, scores the whole corpus with frozen weights (a ``train`` pass at a learning rate
of 1e-12 on a copy); then repeats both on the same text with its 1,000-word sentences
shuffled (no locality). docs/design.md ("The loss of the last epoch") gives the results.

    PYTHONPATH=src python benchmarks/loss_online_vs_frozen.py --words 2000000
"""

from __future__ import annotations

import argparse
import lzma
import os
import random
import tempfile
import time
from pathlib import Path

from w2v.word2vec import Word2Vec

CORPUS = Path(__file__).resolve().parents[2] / "shared/data/corpus/enwiki2015-part1.text8.txt.xz"
ALPHA, MIN_ALPHA = 0.025, 0.0001


def frozen_loss(model: Word2Vec, corpus: str, tmp: str) -> float:
    """Mean loss of ``corpus`` under ``model``'s weights, unchanged (a copy, rate 1e-12)."""
    path = os.path.join(tmp, "copy.w2v")
    model.save(path)
    copy = Word2Vec.load(path, mmap=False)
    copy.train(corpus, epochs=1, alpha=1e-12, min_alpha=1e-12)
    return copy.loss_history[-1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--words", type=int, default=2_000_000)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--cbow", action="store_true", help="CBOW instead of skip-gram")
    args = ap.parse_args()
    with lzma.open(CORPUS, "rt", encoding="ascii") as f:
        words = f.read(args.words * 7).split()[: args.words]
    sentences = [words[i : i + 1000] for i in range(0, len(words), 1000)]
    shuffled = sentences[:]
    random.Random(0).shuffle(shuffled)
    with tempfile.TemporaryDirectory() as tmp:
        for name, order in (("ordered", sentences), ("shuffled", shuffled)):
            corpus = os.path.join(tmp, f"{name}.txt")
            with open(corpus, "w") as f:
                f.writelines(" ".join(s) + "\n" for s in order)
            t0 = time.perf_counter()
            model = Word2Vec(sg=0 if args.cbow else 1, workers=1, seed=1, epochs=args.epochs)
            model.build_vocab(corpus)
            online, frozen = [], []
            for k in range(args.epochs):
                step = (ALPHA - MIN_ALPHA) / args.epochs
                model.train(corpus, epochs=1, alpha=ALPHA - step * k,
                            min_alpha=ALPHA - step * (k + 1))  # fmt: skip
                online.append(model.loss_history[-1])
                frozen.append(frozen_loss(model, corpus, tmp))
            print(f"{name}: online {' '.join(f'{x:.4f}' for x in online)} | frozen "
                  f"{' '.join(f'{x:.4f}' for x in frozen)} ({time.perf_counter() - t0:.0f} s, "
                  f"load {os.getloadavg()[0]:.2f})", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
