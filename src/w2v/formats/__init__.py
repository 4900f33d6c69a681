"""Reading and writing word vectors and models on disk.

* :mod:`~w2v.formats.word2vec_format`: the word2vec C text and binary formats, as written by
  Mikolov's ``word2vec.c`` and read by gensim, fastText (``.vec``) and most other tools;
* :mod:`~w2v.formats.native`: the native container for models, checkpoints and vectors (a
  JSON header and 64-byte aligned raw arrays that can be memory-mapped);
* :mod:`~w2v.formats.float_text`: the shortest round-trip text of float32 values;
* :mod:`~w2v.formats.vector_files`: vector files of any of these formats, detected;
* :mod:`~w2v.formats.projector`: export for TensorFlow's Embedding Projector (TSV + config).

Every reader validates the file and raises :class:`w2v.errors.FormatError` naming the file
and the problem; every writer is atomic (temporary file in the same directory, then
:func:`os.replace`), so a crash never leaves a half-written file under the final name.

Modules of the library import the format modules themselves, not this package: it also
re-exports :mod:`~w2v.formats.vector_files`, which builds on the model and the vectors.
"""

from w2v.formats.native import (
    NATIVE_FORMAT_VERSION,
    NATIVE_MAGIC,
    decode_words,
    encode_words,
    load_native,
    save_native,
)
from w2v.formats.vector_files import (
    FORMATS,
    detect_format,
    format_from_suffix,
    load_vectors,
    save_vectors,
)
from w2v.formats.word2vec_format import load_word2vec_format, save_word2vec_format

__all__ = [
    "FORMATS",
    "NATIVE_FORMAT_VERSION",
    "NATIVE_MAGIC",
    "decode_words",
    "detect_format",
    "encode_words",
    "format_from_suffix",
    "load_native",
    "load_vectors",
    "load_word2vec_format",
    "save_native",
    "save_vectors",
    "save_word2vec_format",
]
