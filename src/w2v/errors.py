"""The exceptions w2v raises on bad input; callers can catch :class:`W2VError` for all of them."""

from __future__ import annotations


class W2VError(Exception):
    """Base class of every error w2v raises on purpose."""


class ParameterError(W2VError, ValueError):
    """A parameter is outside its valid range; the message names the parameter."""


class CorpusError(W2VError):
    """The corpus cannot be read or tokenized; the message names the file and position."""


class FormatError(W2VError):
    """A vector or model file is malformed; the message names the file and what is wrong."""


class TrainingError(W2VError):
    """Training cannot go on (for example the weights diverged to NaN or infinity)."""
