"""The model's hyperparameters: their defaults, their validation, and what follows from them
(the kernels' switches, the shapes of the weight arrays, the size of a training chunk)."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np

from w2v.errors import ParameterError
from w2v.kernels import KernelConfig, Weights
from w2v.normalize import check_mode

#: Full softmax costs vocabulary x dimensions per prediction; past this it is impractical.
SOFTMAX_MAX_VOCAB = 50_000

#: The switches that take 0/1 (or a bool).
_FLAGS = ("sg", "hs", "softmax", "cbow_mean", "cbow_exact_gradient", "bias", "shrink_windows",
          "blocked", "sorted_vocab", "compute_loss")  # fmt: skip


@dataclass
class Params:
    """Hyperparameters (gensim's names where the meaning is the same); the single source of
    their defaults. :class:`w2v.Word2Vec` documents each one."""

    vector_size: int = 100
    window: int = 5
    min_count: int = 5
    max_vocab_size: int | None = None
    max_final_vocab: int | None = None
    sample: float = 1e-3
    alpha: float = 0.025
    min_alpha: float = 0.0001
    epochs: int = 5
    sg: int = 0
    hs: int = 0
    negative: int = 5
    ns_exponent: float = 0.75
    softmax: int = 0
    cbow_mean: int = 1
    cbow_exact_gradient: int = 0
    bias: int = 0
    shrink_windows: int = 1
    blocked: int = 1
    workers: int = 3
    seed: int = 1
    max_sentence_length: int = 10000
    unicode_errors: str = "replace"
    normalize: str | None = None
    softmax_max_vocab: int = SOFTMAX_MAX_VOCAB
    sorted_vocab: int = 1
    null_word: int = 0
    batch_words: int | None = None
    compute_loss: bool = False
    comment: str | None = None

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """Every parameter's name, in declaration order."""
        return tuple(f.name for f in fields(cls))

    def validate(self) -> None:
        """Raise :class:`ParameterError` naming the first parameter out of range."""

        def need(ok: bool, name: str, rule: str) -> None:
            if not ok:
                raise ParameterError(f"{name} must be {rule}, got {getattr(self, name)!r}")

        def is_int(name: str) -> bool:
            v = getattr(self, name)
            return isinstance(v, (int, np.integer)) and not isinstance(v, bool)

        for name in ("vector_size", "window", "min_count", "epochs", "workers"):
            need(is_int(name) and getattr(self, name) >= 1, name, "an integer >= 1")
        need(is_int("negative") and self.negative >= 0, "negative", "an integer >= 0")
        need(is_int("max_sentence_length") and self.max_sentence_length >= 1,
             "max_sentence_length", "an integer >= 1")  # fmt: skip
        need(is_int("softmax_max_vocab") and self.softmax_max_vocab >= 1, "softmax_max_vocab",
             "an integer >= 1")  # fmt: skip
        for name in ("max_vocab_size", "max_final_vocab"):
            need(getattr(self, name) is None or (is_int(name) and getattr(self, name) >= 1),
                 name, "None or an integer >= 1")  # fmt: skip
        for name in _FLAGS:
            need(getattr(self, name) in (0, 1, True, False), name, "0/1 or a bool")
        need(isinstance(self.seed, (int, np.integer)) and self.seed >= 0, "seed", "an integer >= 0")
        need(math.isfinite(self.alpha) and self.alpha > 0, "alpha", "a number > 0")
        need(math.isfinite(self.min_alpha) and 0 <= self.min_alpha <= self.alpha, "min_alpha",
             "a number in [0, alpha]")  # fmt: skip
        need(math.isfinite(self.sample) and self.sample >= 0, "sample", "a number >= 0")
        need(math.isfinite(self.ns_exponent), "ns_exponent", "a finite number")
        if not (self.hs or self.negative > 0 or self.softmax):
            raise ParameterError(
                "no output layer selected: set negative > 0 (negative sampling), hs=1 "
                "(hierarchical softmax) or softmax=1 (full softmax)"
            )
        need(self.unicode_errors in ("replace", "strict", "ignore"), "unicode_errors",
             "'replace', 'strict' or 'ignore'")  # fmt: skip
        need(self.batch_words is None or (is_int("batch_words") and self.batch_words >= 1),
             "batch_words", "None or an integer >= 1")  # fmt: skip
        need(self.comment is None or isinstance(self.comment, str), "comment", "None or a str")
        if self.null_word not in (0, False):
            # gensim's null word is "\0", an input-only padding word for Doc2Vec's concatenated
            # contexts; w2v's words cannot hold control characters (they separate tokens)
            raise ParameterError(
                f"null_word must be 0, got {self.null_word!r}: gensim's null word '\\0' pads "
                "concatenated contexts (Doc2Vec's dm_concat), which word2vec does not use, and "
                "a w2v word cannot hold a control character"
            )
        check_mode(self.normalize)

    def kernel_config(self) -> KernelConfig:
        """The integer switches the kernels read."""
        return KernelConfig(
            sg=int(self.sg), cbow_mean=int(self.cbow_mean), window=int(self.window),
            shrink_windows=int(self.shrink_windows), negative=int(self.negative),
            hs=int(self.hs), softmax=int(self.softmax), bias=int(self.bias),
            blocked=int(self.blocked), cbow_exact_gradient=int(self.cbow_exact_gradient),
        )  # fmt: skip


#: Names of the weight arrays, in :class:`w2v.kernels.Weights` order (also their names in a
#: saved model).
WEIGHT_NAMES = Weights._fields


def weight_shapes(p: Params, v: int) -> list[tuple[int, ...]]:
    """Shapes of the weight arrays (in :data:`WEIGHT_NAMES` order) for ``v`` words; layers and
    biases that are switched off get empty arrays so the kernels see one signature."""
    d = p.vector_size
    return [
        (v, d),
        (d,) if p.bias else (0,),
        (v - 1, d) if p.hs else (0, d),
        (v - 1,) if p.hs and p.bias else (0,),
        (v, d) if p.negative else (0, d),
        (v,) if p.negative and p.bias else (0,),
        (v, d) if p.softmax else (0, d),
        (v,) if p.softmax and p.bias else (0,),
    ]


#: Rough speed of a kernel, in units of :func:`chunk_ids`' cost per word (multiply-adds of
#: vector arithmetic), measured at 2-4e9/s on one core; chunks are sized from it.
_KERNEL_RATE = 2e9
#: Target seconds per chunk: stopping (Ctrl-C) and checkpoints wait for chunks under way.
_CHUNK_SECONDS = 0.25
_DEFAULT_CHUNK = 1 << 16


def chunk_ids(p: Params, vocab_size: int) -> int:
    """Ids per chunk: 65,536, or fewer when a chunk would take well over a quarter second.

    Cheap layers (negative sampling, hierarchical softmax) keep the default; a full softmax
    over thousands of words gets chunks of a few thousand ids or fewer. Deterministic (not
    measured), since chunks key the random streams and a run must reproduce. ``batch_words``,
    when set, is the size (gensim's words per job); a chunk ends at the first sentence end
    past it.
    """
    if p.batch_words is not None:
        return int(p.batch_words)
    contexts = 2 * ((p.window + 1) / 2 if p.shrink_windows else p.window)
    per_prediction = (
        (p.negative + 1 if p.negative else 0)
        + (math.log2(max(vocab_size, 2)) if p.hs else 0)
        + (vocab_size if p.softmax else 0)
    )
    cost = contexts * per_prediction * p.vector_size * (1 + p.bias)
    fit = int(_CHUNK_SECONDS * _KERNEL_RATE / max(cost, 1.0))
    return max(64, min(_DEFAULT_CHUNK, fit))


def run_schedule(
    p: Params,
    epochs: int | None,
    *,
    start_alpha: float | None,
    alpha: float | None,
    end_alpha: float | None,
    min_alpha: float | None,
) -> tuple[int, float, float]:
    """The epochs and learning rates of one ``train`` call: those given (gensim's
    ``start_alpha``/``end_alpha`` or w2v's ``alpha``/``min_alpha``, not two different values),
    else the model's; checked."""

    def one_of(name: str, value, alias: str, alias_value, default: float) -> float:
        if value is not None and alias_value is not None and value != alias_value:
            raise ParameterError(f"give {name} or {alias}, not both")
        return next((v for v in (value, alias_value) if v is not None), default)

    alpha = one_of("start_alpha", start_alpha, "alpha", alpha, p.alpha)
    min_alpha = one_of("end_alpha", end_alpha, "min_alpha", min_alpha, p.min_alpha)
    epochs = p.epochs if epochs is None else epochs
    if not (isinstance(epochs, (int, np.integer)) and not isinstance(epochs, bool) and epochs >= 1):
        raise ParameterError(f"epochs must be an integer >= 1, got {epochs!r}")
    if not (math.isfinite(alpha) and alpha > 0 and 0 <= min_alpha <= alpha):
        raise ParameterError(f"alpha must be a finite number > 0 and min_alpha in [0, alpha], "
                             f"got alpha={alpha!r}, min_alpha={min_alpha!r}")  # fmt: skip
    return int(epochs), float(alpha), float(min_alpha)
