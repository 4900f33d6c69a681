"""Data files shipped inside the package (``w2v/data``): a Wikipedia sample to train on and the
Google analogy and WordSim-353 evaluation sets, so a fresh install can train and evaluate with
no download. Their sources and licences are in ``w2v/data/*-NOTICE.md``."""

from __future__ import annotations

import errno
from importlib import resources
from pathlib import Path

__all__ = ["ANALOGIES", "SAMPLE_CORPUS", "WORD_PAIRS", "bundled_file"]

#: About 3M words of English Wikipedia, one paragraph per line (xz-compressed).
SAMPLE_CORPUS = "sample.txt.xz"
#: Google's analogy questions (``questions-words.txt`` format).
ANALOGIES = "questions-words.txt"
#: WordSim-353 word pairs with human relatedness scores.
WORD_PAIRS = "wordsim353.tsv"


def bundled_file(name: str) -> Path:
    """Path of the bundled data file `name`, for example ``bundled_file(ANALOGIES)``.

    Raises
    ------
    FileNotFoundError
        If this installation of w2v lacks the file.
    """
    path = Path(str(resources.files("w2v") / "data" / name))
    if not path.is_file():
        raise FileNotFoundError(
            errno.ENOENT, "bundled file missing from this installation of w2v", str(path)
        )
    return path
