"""w2v: fast, exact word2vec."""

from w2v.errors import CorpusError, FormatError, ParameterError, TrainingError, W2VError

__all__ = ["CorpusError", "FormatError", "ParameterError", "TrainingError", "W2VError"]
__version__ = "0.1.0"
