"""CBOW-NS quality under gensim corpus_file's effective learning-rate schedule.

With 2 workers, gensim's ``corpus_file`` mode measures each worker's progress against the whole
corpus while the worker reads half of it, so the rate only decays from 0.025 to about 0.0125.
This trains w2v's CBOW-NS (5 epochs, 2 workers, the benchmark's settings) with ``min_alpha``
values given on the command line and prints the same quality metrics as ``bench_train.py``.
Run ``bench_train.py`` once first: it writes the re-cut corpus this reads.

    PYTHONPATH=src python benchmarks/cbow_schedule.py 0.0125 0.0001
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from bench_train import COMMON, DEFAULT_EVAL_DIR, DEFAULT_WORKDIR, evaluate_vectors
from w2v import Word2Vec

CORPUS = DEFAULT_WORKDIR / "enwiki2015-part1.w1000.all.txt"


def main() -> None:
    for min_alpha in [float(x) for x in sys.argv[1:]] or [0.0125]:
        params = dict(COMMON, sg=0, hs=0, negative=5, workers=2, seed=1, epochs=5)
        model = Word2Vec(**dict(params, min_alpha=min_alpha))
        model.build_vocab(CORPUS)
        t = time.perf_counter()
        model.train(CORPUS)
        took = time.perf_counter() - t
        q = evaluate_vectors(model.wv.index_to_key, model.wv.vectors, Path(DEFAULT_EVAL_DIR))
        a30, a300 = q["analogy_30000"]["accuracy"], q["analogy_300000"]["accuracy"]
        print(f"min_alpha={min_alpha}: train {took:.0f}s, WS-353 {q['ws353']['spearman']:.4f}, "
              f"SimLex-999 {q['simlex999']['spearman']:.4f}, analogy@30k {a30:.2%}, "
              f"@300k {a300:.2%}")  # fmt: skip


if __name__ == "__main__":
    main()
