"""w2v: fast, exact word2vec."""

from w2v.callbacks import Callback, Progress
from w2v.errors import CorpusError, FormatError, ParameterError, TrainingError, W2VError
from w2v.keyed_vectors import KeyedVectors
from w2v.version import __version__
from w2v.vocabulary import Vocabulary
from w2v.word2vec import Word2Vec

__all__ = [
    "Callback",
    "CorpusError",
    "FormatError",
    "KeyedVectors",
    "ParameterError",
    "Progress",
    "TrainingError",
    "Vocabulary",
    "W2VError",
    "Word2Vec",
    "__version__",
]
