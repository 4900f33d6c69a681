"""Training checkpoints: what a run must remember to continue exactly where it stopped.

A checkpoint is a native model file (:meth:`w2v.Word2Vec.save`'s format, so ``Word2Vec.load``
and ``w2v convert`` read it as a model) whose metadata also holds ``"checkpoint"``: the
position of the interrupted ``train`` call (see :class:`RunState`) and a fingerprint of the
corpus it was training on. Checkpoints are taken while every worker is paused between two
chunks, so no chunk is ever half-applied, and written atomically (temporary file, fsync,
rename): a crash during a save leaves the previous checkpoint intact.
"""

from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from w2v.errors import CorpusError, ParameterError

if TYPE_CHECKING:
    from w2v.corpus import Corpus, EncodedCorpus

#: Version of the ``"checkpoint"`` metadata; newer ones are refused.
CHECKPOINT_VERSION = 1


@dataclass
class RunState:
    """The position of one ``train`` call, enough to finish it as if never interrupted.

    Attributes
    ----------
    epochs, alpha, min_alpha :
        The run's schedule (the learning rate of a chunk depends on its position in it).
    chunk_size : int
        Ids per chunk when the corpus was encoded (chunks, and so random streams, must match).
    epochs_trained_at_start : int
        ``model.epochs_trained`` when the run began: random streams are keyed by it.
    next_job : int
        Jobs are ``(epoch, chunk)`` in order; all before this index are finished, none after.
    reported : int
        Epochs of this run already appended to ``loss_history``.
    loss, predictions, words, chunks_done : list
        Per-epoch accumulators (float64 loss sum, predictions, words read, chunks finished).
    elapsed : float
        Seconds of training before the checkpoint (for words/s after a resume).
    epoch_history : list of dict
        The :class:`~w2v.callbacks.Progress` of every reported epoch of the model.
    fingerprint : dict
        :func:`corpus_fingerprint` of the corpus.
    """

    epochs: int
    alpha: float
    min_alpha: float
    chunk_size: int
    epochs_trained_at_start: int
    next_job: int
    reported: int
    loss: list[float]
    predictions: list[int]
    words: list[int]
    chunks_done: list[int]
    elapsed: float
    epoch_history: list[dict[str, Any]] = field(default_factory=list)
    fingerprint: dict[str, Any] = field(default_factory=dict)
    version: int = CHECKPOINT_VERSION

    def to_meta(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_meta(cls, meta: dict[str, Any], path: object) -> RunState:
        from w2v.errors import FormatError

        version = meta.get("version")
        if not isinstance(version, int) or version > CHECKPOINT_VERSION:
            raise FormatError(
                f"{path}: checkpoint version {version!r} is not supported (this w2v reads up "
                f"to {CHECKPOINT_VERSION})"
            )
        try:
            return cls(**meta)
        except TypeError as exc:
            raise FormatError(f"{path}: corrupt checkpoint metadata: {exc}") from None

    @property
    def complete(self) -> bool:
        return self.reported >= self.epochs


def read_state(path: object) -> RunState:
    """The :class:`RunState` saved in checkpoint ``path`` (its arrays are not read)."""
    from w2v.errors import FormatError
    from w2v.formats.native import load_native

    _, meta = load_native(path, mmap=True)
    if "checkpoint" not in meta:
        raise FormatError(f"{path}: not a checkpoint (a model saved without training state)")
    return RunState.from_meta(meta["checkpoint"], path)


def check_arguments(checkpoint: str | os.PathLike | None, every: float,
                    every_chunks: int | None) -> None:  # fmt: skip
    """Refuse bad checkpoint arguments of ``train`` or ``resume`` before any work starts."""
    if not (isinstance(every, (int, float)) and math.isfinite(every) and every > 0):
        raise ParameterError(f"checkpoint_every must be a number of seconds > 0, got {every!r}")
    if every_chunks is not None and not (isinstance(every_chunks, int) and every_chunks >= 1):
        raise ParameterError(
            f"checkpoint_every_chunks must be None or an integer >= 1, got {every_chunks!r}"
        )
    if checkpoint is not None:
        directory = os.path.dirname(os.path.abspath(checkpoint))
        if not os.path.isdir(directory):
            raise ParameterError(f"checkpoint: directory {directory} does not exist")


def corpus_fingerprint(corpus: Corpus, encoded: EncodedCorpus) -> dict[str, Any]:
    """What identifies a corpus for resuming: its files (path, size, mtime) and the encoded
    ids (count, words, chunks, CRC-32)."""
    files = []
    for path in corpus.files:
        st = path.stat()
        files.append({"path": str(path.resolve()), "size": st.st_size, "mtime_ns": st.st_mtime_ns})
    return {
        "files": files,
        "iterable": corpus.sentences is not None,
        "n_ids": encoded.n_ids,
        "n_words": encoded.n_words,
        "n_chunks": encoded.n_chunks,
        "crc32": encoded.crc32,
    }


def check_files(saved: dict[str, Any], corpus: Corpus, checkpoint: object) -> list[str]:
    """Refuse, before the corpus is encoded, a corpus whose files cannot be the saved ones.

    Returns warnings (a file moved or touched, same size) to log; the encoded content is the
    real test (:func:`check_encoded`).
    """
    old = saved.get("files", [])
    sizes = [f["size"] for f in old]
    now = [p.stat().st_size for p in corpus.files]
    if len(old) != len(corpus.files) or sizes != now:
        raise CorpusError(
            f"{checkpoint}: the checkpoint was made on a different corpus: "
            f"{_describe(old)}; now {len(now)} file(s) of {sum(now)} bytes"
        )
    warnings = []
    for f, p in zip(old, corpus.files, strict=True):
        st = p.stat()
        if f["path"] != str(p.resolve()) or f["mtime_ns"] != st.st_mtime_ns:
            warnings.append(f"{p}: moved or modified since the checkpoint (same size)")
    return warnings


def check_encoded(saved: dict[str, Any], encoded: EncodedCorpus, checkpoint: object) -> None:
    """Refuse training data that differ from the checkpoint's (a different or edited corpus)."""
    fields = ("n_ids", "n_words", "n_chunks", "crc32")
    now = {"n_ids": encoded.n_ids, "n_words": encoded.n_words, "n_chunks": encoded.n_chunks,
           "crc32": encoded.crc32}  # fmt: skip
    diff = [f"{k} {saved.get(k)} -> {now[k]}" for k in fields if saved.get(k) != now[k]]
    if diff:
        raise CorpusError(
            f"{checkpoint}: the checkpoint was made on a different corpus (encoded with the "
            f"checkpoint's vocabulary: {', '.join(diff)}); resume on the same corpus"
        )


def _describe(files: list[dict[str, Any]]) -> str:
    if not files:
        return "a Python iterable"
    names = ", ".join(f["path"] for f in files[:3]) + (", ..." if len(files) > 3 else "")
    return f"{len(files)} file(s) of {sum(f['size'] for f in files)} bytes ({names})"
