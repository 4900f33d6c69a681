"""Export word vectors for TensorFlow's Embedding Projector (projector.tensorflow.org, or
TensorBoard's projector plugin).

The projector's layout, as its loaders read it:

- ``vectors.tsv``: one vector per line, values separated by tabs, no header and no label
  (a first field that is not a number would be taken as a label);
- ``metadata.tsv``: one line per vector, in the same order. A single column has no header;
  with several columns the first line names them. Blank lines are skipped by the loader, so
  a blank label would shift every later one; tabs and line breaks cannot be escaped;
- ``projector_config.pbtxt``: a ``ProjectorConfig`` message in protobuf text format whose
  ``embeddings`` entry names the tensor and gives ``tensor_path``, ``metadata_path`` and
  ``tensor_shape``; TensorBoard resolves relative paths against the config's directory, so
  ``tensorboard --logdir DIR`` shows the export.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from w2v.atomic import atomic_write
from w2v.errors import ParameterError

if TYPE_CHECKING:
    from w2v.keyed_vectors import KeyedVectors

__all__ = ["CONFIG_FILE", "METADATA_FILE", "VECTORS_FILE", "save_projector"]

VECTORS_FILE = "vectors.tsv"
METADATA_FILE = "metadata.tsv"
CONFIG_FILE = "projector_config.pbtxt"

# Rows formatted per block: bounded memory whatever the vocabulary size.
_BLOCK_ROWS = 4096


def _check_label(index: int, word: str) -> None:
    if any(c in word for c in "\t\n\r") or not word.strip():
        raise ParameterError(
            f"word {index} ({word!r}) cannot be a projector label: labels must not be blank "
            "or contain tabs or line breaks"
        )


def _proto_string(text: str) -> str:
    """`text` as a protobuf text-format string literal (UTF-8 bytes, C escapes)."""
    out = []
    for byte in text.encode("utf-8"):
        char = chr(byte)
        if char in '"\\':
            out.append("\\" + char)
        elif 0x20 <= byte < 0x7F:
            out.append(char)
        else:
            out.append(f"\\{byte:03o}")
    return '"' + "".join(out) + '"'


def save_projector(
    vectors: KeyedVectors,
    directory: str | os.PathLike[str],
    limit: int | None = None,
    tensor_name: str = "w2v",
) -> list[Path]:
    """Write ``vectors.tsv``, ``metadata.tsv`` and ``projector_config.pbtxt`` into `directory`.

    Parameters
    ----------
    vectors : KeyedVectors
        Words and vectors (the first `limit` rows are written: the most frequent words in a
        frequency-sorted file).
    directory : str or os.PathLike
        Created if missing (its parent must exist). Each file is written atomically.
    limit : int, optional
        Export only the first `limit` words (the projector handles tens of thousands well).
    tensor_name : str
        Name the projector shows for the embedding.

    Returns
    -------
    list of Path
        The three files written.

    Notes
    -----
    Values are written with 9 significant digits, enough to read back the same float32.
    With word counts, ``metadata.tsv`` has two columns (``word``, ``count``) and a header,
    so the projector can colour points by frequency; otherwise it is one column of words.
    """
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ParameterError(f"limit must be None or an integer >= 1, got {limit!r}")
    n = len(vectors) if limit is None else min(limit, len(vectors))
    if n == 0:
        raise ParameterError("no vectors to export (the vocabulary is empty)")
    words = vectors.index_to_key[:n]
    for i, word in enumerate(words):
        _check_label(i, word)
    if vectors.vector_size < 2:
        raise ParameterError("the projector needs vectors of at least 2 dimensions")
    directory = Path(directory)
    if not directory.parent.is_dir():
        raise ParameterError(
            f"cannot write {directory}: directory {directory.parent} does not exist"
        )
    directory.mkdir(exist_ok=True)
    matrix = vectors.vectors[:n]
    paths = [directory / VECTORS_FILE, directory / METADATA_FILE, directory / CONFIG_FILE]

    with atomic_write(paths[0]) as fh:
        for start in range(0, n, _BLOCK_ROWS):
            np.savetxt(fh, matrix[start : start + _BLOCK_ROWS], fmt="%.9g", delimiter="\t")

    counts = vectors.counts
    with atomic_write(paths[1], "w", encoding="utf-8", newline="\n") as fh:
        if counts is None:
            fh.writelines(f"{w}\n" for w in words)
        else:
            fh.write("word\tcount\n")
            fh.writelines(f"{w}\t{int(c)}\n" for w, c in zip(words, counts[:n], strict=True))

    config = (
        "embeddings {\n"
        f"  tensor_name: {_proto_string(tensor_name)}\n"
        f"  tensor_path: {_proto_string(VECTORS_FILE)}\n"
        f"  metadata_path: {_proto_string(METADATA_FILE)}\n"
        f"  tensor_shape: {n}\n"
        f"  tensor_shape: {vectors.vector_size}\n"
        "}\n"
    )
    with atomic_write(paths[2], "w", encoding="utf-8", newline="\n") as fh:
        fh.write(config)
    return paths
