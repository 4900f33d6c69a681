"""The ``w2v`` command line: train, query, evaluate, convert and plot word vectors.

Every command exits with 0 on success, 2 on bad usage and 1 on failure, printing errors as one
line ``w2v: error: ...`` on stderr (``--debug`` adds the traceback). ``w2v -train ...`` with
word2vec.c's own flags runs word2vec.c-compatible training, so shell scripts written for
``word2vec`` work by changing the program name.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import textwrap
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from w2v import __version__
from w2v.errors import ParameterError, W2VError

logger = logging.getLogger("w2v")

PROG = "w2v"
FORMATS = ("text", "binary", "native")
_SUFFIXES = {
    ".txt": "text", ".vec": "text", ".text": "text", ".bin": "binary",
    ".w2v": "native", ".native": "native", ".model": "native",
}  # fmt: skip
#: ``meta["kind"]`` of a native file holding word vectors only (no model state).
NATIVE_VECTORS_KIND = "w2v.KeyedVectors"


class UsageError(Exception):
    """Bad command line: exit status 2."""


class Failure(Exception):
    """The command could not do its job for a reason already explained: exit status 1."""


class NotInVocabulary(Failure):
    """Query words the vectors do not have."""

    def __init__(self, words: Sequence[str]) -> None:
        super().__init__(f"not in the vocabulary: {', '.join(words)}")


# -------------------------------------------------------------------------------- parsing
class _Parser(argparse.ArgumentParser):
    """argparse that reports errors as one line (and lets main() choose the exit status)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see '{self.prog} --help')")


class _Formatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    pass


def _common(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("output control")
    g.add_argument("-q", "--quiet", action="store_true", help="print only results and errors")
    g.add_argument("--debug", action="store_true", help="debug logging; tracebacks on errors")


def _add(sub, name: str, func: Callable, help: str, examples: str, **kw) -> argparse.ArgumentParser:
    desc = help[0].upper() + help[1:] + "."
    epilog = "examples:\n" + textwrap.indent(textwrap.dedent(examples).strip(), "  ")
    p = sub.add_parser(
        name, help=help, description=desc, epilog=epilog, formatter_class=_Formatter, **kw
    )
    p.set_defaults(func=func)
    return p


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (value > 0 and value < float("inf")):
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}")
    return value


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT in pixels, got {text!r}") from None
    if not (100 <= w <= 10000 and 100 <= h <= 10000):
        raise argparse.ArgumentTypeError(f"each side must be 100..10000 pixels, got {text!r}")
    return w, h


def _default_workers() -> int:
    return max(1, min(12, os.cpu_count() or 1))


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser of every subcommand (word2vec.c-style flags are parsed apart)."""
    parser = _Parser(
        prog=PROG,
        description="Fast word2vec: train word vectors and explore them.",
        epilog=textwrap.dedent("""\
            start here:
              w2v demo                    train on a bundled sample and show what vectors do
              w2v train text.txt -o vectors.txt
              w2v similar vectors.txt king
            word2vec.c compatibility:
              w2v -train text.txt -output vectors.bin -cbow 0 -size 200 -binary 1
            'w2v COMMAND --help' explains each command."""),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"w2v {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    _train_parser(sub)
    _query_parsers(sub)
    _evaluate_parser(sub)
    _phrases_parser(sub)
    _convert_parser(sub)
    _plot_parsers(sub)
    _demo_parser(sub)
    return parser


def _train_parser(sub) -> None:
    p = _add(sub, "train", cmd_train, "train word vectors on a text corpus", """
        w2v train corpus.txt -o vectors.txt
        w2v train corpus.txt.xz -o vectors.bin --sg --negative 10 --vector-size 300 --epochs 10
        w2v train corpus.txt -o vectors.txt --hs --negative 0 --save-vocab vocab.txt
        w2v train corpus.txt -o vectors.txt --model model.w2v   # also keep the full model
        w2v -train corpus.txt -output vectors.bin -binary 1    # word2vec.c's flags also work
    """)  # fmt: skip
    p.add_argument("corpus", help="text file (.gz/.bz2/.xz ok), one sentence per line, or a "
                   "directory of such files")  # fmt: skip
    p.add_argument("-o", "--output", help="where to write the word vectors")
    p.add_argument("--format", choices=FORMATS,
                   help="vector file format (default: from the suffix: .bin binary, .w2v "
                   "native, anything else text)")  # fmt: skip
    p.add_argument("--binary", action="store_true", help="same as --format binary")
    p.add_argument("--model", metavar="PATH", help="also save the full model (native format)")
    p.add_argument("--save-vocab", metavar="PATH", help="write the vocabulary (word count lines)")
    p.add_argument("--read-vocab", metavar="PATH", help="use this vocabulary instead of counting")
    g = p.add_argument_group("model")
    arch = g.add_mutually_exclusive_group()
    arch.add_argument("--sg", dest="sg", action="store_const", const=1, default=0,
                      help="skip-gram architecture")  # fmt: skip
    arch.add_argument("--cbow", dest="sg", action="store_const", const=0,
                      help="CBOW architecture (the default)")  # fmt: skip
    g.add_argument("--vector-size", type=_positive_int, default=100, help="dimensions")
    g.add_argument("--window", type=_positive_int, default=5, help="max context distance")
    g.add_argument("--hs", action="store_true", help="hierarchical softmax output layer")
    g.add_argument("--negative", type=int, default=5, help="negative samples (0: none)")
    g.add_argument("--ns-exponent", type=float, default=0.75,
                   help="negatives drawn from count ** EXPONENT")  # fmt: skip
    g.add_argument("--softmax", action="store_true", help="full softmax output (small vocab)")
    g.add_argument("--bias", action="store_true", help="add bias terms to hidden/output layers")
    g.add_argument("--cbow-sum", action="store_true", help="CBOW: sum context vectors, not mean")
    g = p.add_argument_group("vocabulary")
    g.add_argument("--min-count", type=_positive_int, default=5, help="ignore rarer words")
    g.add_argument("--max-vocab-size", type=_positive_int, help="prune while counting beyond this")
    g.add_argument("--max-final-vocab", type=_positive_int, help="keep at most this many words")
    g.add_argument("--sample", type=float, default=1e-3,
                   help="subsampling threshold of frequent words (0: off)")  # fmt: skip
    g.add_argument("--unicode-errors", choices=("replace", "strict", "ignore"), default="replace",
                   help="what to do with invalid UTF-8")  # fmt: skip
    g = p.add_argument_group("training")
    g.add_argument("--epochs", type=_positive_int, default=5, help="passes over the corpus")
    g.add_argument("--alpha", type=float, default=0.025, help="initial learning rate")
    g.add_argument("--min-alpha", type=float, default=0.0001, help="final learning rate")
    g.add_argument("--workers", type=_positive_int, default=_default_workers(), help="threads")
    g.add_argument("--seed", type=int, default=1, help="random seed")
    g.add_argument("--no-shrink-windows", action="store_true",
                   help="always use the full window (no random shrinking)")  # fmt: skip
    g.add_argument("--exact-pairs", action="store_true",
                   help="word2vec.c's updates: skip-gram pair by pair, CBOW centre by "
                        "centre (blocked=0)")  # fmt: skip
    g.add_argument("--max-sentence-length", type=_positive_int, default=10000,
                   help="longer lines are cut into pieces of this many words")  # fmt: skip
    g.add_argument("--no-progress", action="store_true", help="no progress bar")
    g = p.add_argument_group("checkpoints")
    g.add_argument("--checkpoint", metavar="PATH",
                   help="save the training state here periodically and on Ctrl-C")  # fmt: skip
    g.add_argument("--checkpoint-every", metavar="SECONDS", type=_positive_float, default=600.0,
                   help="seconds between checkpoints")  # fmt: skip
    g.add_argument("--resume", metavar="PATH",
                   help="continue the run saved in this checkpoint (same corpus; the model "
                   "options are the checkpoint's)")  # fmt: skip
    _common(p)


def _query_parsers(sub) -> None:
    p = _add(sub, "similar", cmd_similar, "print the words nearest to a word (or to a sum)", """
        w2v similar vectors.txt king
        w2v similar vectors.bin paris france -n 20     # nearest to paris + france
        w2v similar vectors.txt king --minus man       # king - man
        w2v similar vectors.txt                        # interactive, like word2vec.c's distance
    """)  # fmt: skip
    p.add_argument("vectors", help="word vectors (text, binary or native; detected)")
    p.add_argument("words", nargs="*", help="query words (their vectors are added)")
    p.add_argument("--minus", nargs="+", default=[], metavar="WORD", help="words to subtract")
    _query_options(p)

    p = _add(sub, "analogy", cmd_analogy, "answer analogies: A is to B as C is to ?", """
        w2v analogy vectors.txt man king woman         # man : king :: woman : ? (queen)
        w2v analogy vectors.txt france paris italy --cosmul
        w2v analogy vectors.txt                        # interactive, like word-analogy
    """)  # fmt: skip
    p.add_argument("vectors", help="word vectors (text, binary or native; detected)")
    p.add_argument("words", nargs="*", metavar="A B C", help="three words")
    p.add_argument("--cosmul", action="store_true", help="3CosMul instead of 3CosAdd")
    _query_options(p)


def _query_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("-n", "--topn", type=_positive_int, default=10, help="answers to print")
    p.add_argument("-i", "--interactive", action="store_true", help="read queries from stdin")
    p.add_argument("--restrict-vocab", type=_positive_int, help="search only the N most frequent")
    _vector_options(p)
    _common(p)


def _vector_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--limit", type=_positive_int, help="read only the first N vectors")
    p.add_argument("--from", dest="from_format", choices=FORMATS, help="input format (detected)")


def _evaluate_parser(sub) -> None:
    p = _add(sub, "evaluate", cmd_evaluate, "score vectors on analogy and word-similarity sets", """
        w2v evaluate vectors.txt                       # bundled Google analogies + WordSim-353
        w2v evaluate vectors.bin --analogies questions-words.txt --restrict-vocab 30000
        w2v evaluate vectors.txt --pairs simlex999.txt wordsim353.tsv
    """)  # fmt: skip
    p.add_argument("vectors", help="word vectors (text, binary or native; detected)")
    p.add_argument("--analogies", metavar="FILE", help="analogy questions (questions-words.txt "
                   "format); default: the bundled Google set when no --pairs is given")  # fmt: skip
    p.add_argument("--pairs", nargs="+", metavar="FILE", default=[],
                   help="word-pair files (word1 word2 score); default: bundled WordSim-353 "
                   "when no --analogies is given")  # fmt: skip
    p.add_argument("--restrict-vocab", type=_positive_int, default=300000,
                   help="use the N most frequent words (word2vec.c's compute-accuracy is "
                   "usually run with 30000)")  # fmt: skip
    p.add_argument("--cosmul", action="store_true", help="3CosMul instead of 3CosAdd")
    p.add_argument("--case-sensitive", action="store_true", help="do not fold case")
    p.add_argument("--sections", action="store_true", help="print every analogy section")
    _vector_options(p)
    _common(p)


def _phrases_parser(sub) -> None:
    p = _add(sub, "phrases", cmd_phrases, "join frequent word pairs into phrases (word2phrase)", """
        w2v phrases corpus.txt -o corpus-phrases.txt
        w2v phrases corpus.txt -o out.txt --passes 2 --threshold 200 100
        w2v phrases corpus.txt -o out.txt --scoring npmi --threshold 0.5
        w2v train out.txt -o vectors.txt              # then train on the result
    """)  # fmt: skip
    p.add_argument("corpus", help="text file (.gz/.bz2/.xz ok) or directory")
    p.add_argument("-o", "--output", required=True, help="rewritten corpus (plain text)")
    p.add_argument("--min-count", type=_positive_int, default=5,
                   help="words rarer than this never join")  # fmt: skip
    p.add_argument("--threshold", type=float, nargs="+", default=None,
                   help="score to exceed, one per pass (default 100; 0.5 with npmi)")  # fmt: skip
    p.add_argument("--scoring", choices=("default", "npmi"), default="default",
                   help="word2phrase's score or normalised PMI in [-1, 1]")  # fmt: skip
    p.add_argument("--passes", type=_positive_int, default=1,
                   help="passes (each may join earlier phrases: up to 2**N words)")  # fmt: skip
    p.add_argument("--delimiter", default="_", help="joins the words of a phrase")
    p.add_argument("--max-vocab-size", type=_positive_int, default=20_000_000,
                   help="words + bigrams held while counting (memory bound)")  # fmt: skip
    p.add_argument("--show", type=int, default=10, metavar="N",
                   help="print the N most frequent phrases found")  # fmt: skip
    _common(p)


def _convert_parser(sub) -> None:
    p = _add(sub, "convert", cmd_convert, "convert vectors between text, binary and native", """
        w2v convert vectors.bin vectors.txt
        w2v convert vectors.txt vectors.w2v            # native: memory-mapped, instant to open
        w2v convert model.w2v vectors.bin              # the vectors of a saved model
        w2v convert vectors.txt out.vectors --to binary
    """)  # fmt: skip
    p.add_argument("input", help="vectors or model (format detected)")
    p.add_argument("output", help="file to write")
    p.add_argument("--to", choices=FORMATS, help="output format (default: from the suffix)")
    _vector_options(p)
    _common(p)


def _plot_parsers(sub) -> None:
    p = _add(sub, "plot", cmd_plot, "draw a 2-D map of words (PCA or t-SNE)", """
        w2v plot vectors.txt --words king queen man woman paris france -o map.png
        w2v plot vectors.txt --top 200 --method tsne -o top200.png --size 1600x1200
        w2v plot vectors.txt --words france music --neighbors 8 -o groups.png
    """)  # fmt: skip
    p.add_argument("vectors", help="word vectors (text, binary or native; detected)")
    p.add_argument("-o", "--output", required=True, help="image file (.png, .svg, .pdf)")
    p.add_argument("--words", nargs="+", default=[], help="words to place")
    p.add_argument("--top", type=_positive_int, help="place the N most frequent words")
    p.add_argument("--neighbors", type=int, default=0, metavar="K",
                   help="also place the K nearest neighbours of each --words word")  # fmt: skip
    p.add_argument("--method", choices=("pca", "tsne"), default="pca", help="projection")
    p.add_argument("--perplexity", type=float, default=30.0, help="t-SNE perplexity")
    p.add_argument("--size", type=_size, default=(1200, 900), metavar="WxH", help="pixels")
    p.add_argument("--title", help="figure title")
    _vector_options(p)
    _common(p)

    p = _add(sub, "plot-loss", cmd_plot_loss, "plot the per-epoch loss of a saved model", """
        w2v train corpus.txt -o vectors.txt --model model.w2v
        w2v plot-loss model.w2v -o loss.png
    """)  # fmt: skip
    p.add_argument("model", help="a model saved with --model (or Word2Vec.save)")
    p.add_argument("-o", "--output", required=True, help="image file (.png, .svg, .pdf)")
    p.add_argument("--size", type=_size, default=(900, 600), metavar="WxH", help="pixels")
    _common(p)


def _demo_parser(sub) -> None:
    p = _add(sub, "demo", cmd_demo, "train on a bundled Wikipedia sample and show the results", """
        w2v demo
        w2v demo --quick                               # a few seconds, rougher vectors
        w2v demo -o demo-vectors.txt                   # keep the vectors
    """)  # fmt: skip
    p.add_argument("--quick", action="store_true",
                   help="a small slice and one epoch (also: W2V_DEMO_QUICK=1)")  # fmt: skip
    p.add_argument("-o", "--output", help="also save the vectors here")
    p.add_argument("--workers", type=_positive_int, default=_default_workers(), help="threads")
    p.add_argument("--epochs", type=_positive_int, help="passes over the sample")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    _common(p)


# ------------------------------------------------------------------- word2vec.c flags
W2V_C_FLAGS = {
    # flag: (type, default, meaning) -- defaults are word2vec.c's
    "-train": (str, None, "corpus"),
    "-output": (str, None, "vectors file"),
    "-size": (int, 100, "vector size"),
    "-window": (int, 5, "window"),
    "-sample": (float, 1e-3, "subsampling threshold"),
    "-hs": (int, 0, "hierarchical softmax"),
    "-negative": (int, 5, "negative samples"),
    "-threads": (int, None, "threads (default min(12, cores))"),
    "-iter": (int, 5, "epochs"),
    "-min-count": (int, 5, "min count"),
    "-alpha": (float, None, "learning rate (0.05 CBOW, 0.025 skip-gram)"),
    "-binary": (int, 0, "binary output"),
    "-cbow": (int, 1, "CBOW (1) or skip-gram (0)"),
    "-save-vocab": (str, None, "write vocabulary"),
    "-read-vocab": (str, None, "read vocabulary"),
    "-debug": (int, 2, "verbosity"),
    "-classes": (int, 0, "k-means classes (unsupported)"),
}


def parse_word2vec_c(argv: Sequence[str]) -> argparse.Namespace:
    """Parse word2vec.c's command line (``-train X -output Y -size 100 ...``)."""
    args = list(argv)
    if args and args[0] == "train":
        args = args[1:]
    p = _Parser(prog=f"{PROG} (word2vec.c mode)", allow_abbrev=False, add_help=False)
    for flag, (typ, default, meaning) in W2V_C_FLAGS.items():
        p.add_argument(flag, type=typ, default=default, help=meaning)
    ns, rest = p.parse_known_args(args)
    if rest:
        raise UsageError(
            f"word2vec.c mode (-train given): unsupported argument {rest[0]!r}; "
            f"known flags: {' '.join(W2V_C_FLAGS)}"
        )
    if ns.classes:
        raise UsageError("-classes (k-means word classes) is not supported by w2v")
    sg = 0 if ns.cbow else 1
    alpha = ns.alpha if ns.alpha is not None else (0.05 if ns.cbow else 0.025)
    params = {
        "vector_size": ns.size, "window": ns.window, "sample": ns.sample, "hs": ns.hs,
        "negative": ns.negative, "workers": ns.threads or _default_workers(), "epochs": ns.iter,
        "min_count": ns.min_count, "alpha": alpha, "min_alpha": alpha * 1e-4, "sg": sg,
        "blocked": 0,  # word2vec.c's updates: skip-gram pair by pair, CBOW centre by centre
    }  # fmt: skip
    return argparse.Namespace(
        func=cmd_train,
        command="train",
        corpus=ns.train,
        output=ns.output,
        format="binary" if ns.binary else "text",
        binary=bool(ns.binary),
        model=None,
        save_vocab=ns.save_vocab,
        read_vocab=ns.read_vocab,
        params=params,
        no_progress=ns.debug < 2,
        quiet=ns.debug == 0,
        debug=False,
        word2vec_c=True,
    )


# -------------------------------------------------------------------------------- logging
class _TqdmHandler(logging.Handler):
    """Log lines that do not break a progress bar drawn on the same terminal."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            from tqdm import tqdm

            tqdm.write(self.format(record), file=sys.stderr)
        except Exception:  # never let logging kill the command
            self.handleError(record)


def setup_logging(quiet: bool = False, debug: bool = False) -> None:
    """INFO to stderr for the CLI (the library itself stays silent unless asked)."""
    log = logging.getLogger("w2v")
    for h in list(log.handlers):
        if isinstance(h, _TqdmHandler):
            log.removeHandler(h)
    handler = _TqdmHandler()
    handler.setFormatter(logging.Formatter("w2v: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.DEBUG if debug else logging.WARNING if quiet else logging.INFO)
    log.propagate = False


# --------------------------------------------------------------------------- vector files
def detect_format(path: str | os.PathLike) -> str:
    """``"native"``, ``"binary"`` or ``"text"``, from the file's first bytes."""
    from w2v.formats import NATIVE_MAGIC

    try:
        with open(path, "rb") as f:
            head = f.read(1 << 16)
    except OSError as exc:
        raise Failure(f"{path}: cannot read: {exc.strerror or exc}") from None
    if head.startswith(NATIVE_MAGIC):
        return "native"
    nl = head.find(b"\n")
    try:
        count, dim = (int(x) for x in head[:nl].split())
    except ValueError:
        return "text"  # no header: let the text reader explain (or read it with no_header)
    line_end = head.find(b"\n", nl + 1)
    first = head[nl + 1 : line_end if line_end >= 0 else len(head)]
    try:
        parts = first.decode("utf-8").split()
        [float(x) for x in parts[1:]]
        if len(parts) == dim + 1:
            return "text"
    except (UnicodeDecodeError, ValueError):
        pass
    return "binary" if count and dim else "text"


def format_from_suffix(path: str | os.PathLike, default: str | None = None) -> str | None:
    """The format a file name suggests (``.bin``, ``.txt``/``.vec``, ``.w2v``), else default."""
    suffixes = [s.lower() for s in Path(path).suffixes]
    for s in reversed(suffixes):
        if s in _SUFFIXES:
            return _SUFFIXES[s]
    return default


def load_vectors(path: str | os.PathLike, fmt: str | None = None, limit: int | None = None):
    """Load word vectors from a text, binary or native file (a native model gives its ``wv``)."""
    from w2v.keyed_vectors import KeyedVectors

    if not Path(path).is_file():
        raise Failure(f"{path}: no such file")
    fmt = fmt or detect_format(path)
    t0 = time.perf_counter()
    if fmt == "native":
        kv = _load_native_vectors(path)
        if limit is not None and limit < len(kv):
            counts = kv.counts[:limit] if kv.counts is not None else None
            kv = KeyedVectors(kv.index_to_key[:limit], kv.vectors[:limit], counts)
    else:
        kv = KeyedVectors.load_word2vec_format(
            path, binary=fmt == "binary", limit=limit, unicode_errors="replace"
        )
    logger.info(
        "loaded %d vectors of %d dimensions from %s (%s) in %.1fs",
        len(kv), kv.vector_size, path, fmt, time.perf_counter() - t0,
    )  # fmt: skip
    return kv


def _load_native_vectors(path: str | os.PathLike):
    from w2v.formats import decode_words, load_native
    from w2v.keyed_vectors import KeyedVectors

    arrays, meta = load_native(path)
    if meta.get("kind") == NATIVE_VECTORS_KIND:
        words = decode_words(arrays["words_blob"], arrays["words_offsets"])
        return KeyedVectors(words, arrays["vectors"], arrays.get("counts"))
    del arrays
    return _load_model(path).wv


def _load_model(path: str | os.PathLike):
    from w2v.word2vec import Word2Vec

    if not hasattr(Word2Vec, "load"):
        raise Failure(
            f"{path}: is a native file but not a vectors file, and this build of w2v cannot "
            "load models yet (Word2Vec.load is missing)"
        )
    return Word2Vec.load(path)


def save_vectors(kv, path: str | os.PathLike, fmt: str) -> None:
    """Write ``kv`` as text, binary (word2vec.c formats) or native, atomically."""
    if fmt == "native":
        from w2v.formats import encode_words, save_native

        blob, offsets = encode_words(kv.index_to_key)
        arrays = {"vectors": kv.vectors, "words_blob": blob, "words_offsets": offsets}
        if getattr(kv, "counts", None) is not None:
            arrays["counts"] = kv.counts
        save_native(path, arrays, {"kind": NATIVE_VECTORS_KIND, "w2v_version": __version__})
    else:
        kv.save_word2vec_format(path, binary=fmt == "binary")


def _output_format(path: str, explicit: str | None) -> str:
    if explicit:
        return explicit
    fmt = format_from_suffix(path)
    if fmt is None:
        raise UsageError(
            f"cannot tell the output format from the name {path!r}; "
            "add --to text|binary|native (or use .txt, .bin or .w2v)"
        )
    return fmt


def _check_writable(path: str | os.PathLike | None, what: str) -> None:
    """Fail before hours of work if an output cannot be written."""
    if path is None:
        return
    parent = Path(path).resolve().parent
    if not parent.is_dir():
        raise Failure(f"{path}: cannot write the {what}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise Failure(f"{path}: cannot write the {what}: directory {parent} is not writable")


# -------------------------------------------------------------------------------- training
@dataclass
class _ProgressBar:
    """A tqdm bar driven by training callbacks (percent, words/s, learning rate, loss, ETA)."""

    enabled: bool
    desc: str = "training"
    bar: Any = None
    last: Any = None
    epoch_losses: list[float] = field(default_factory=list)

    def callback(self):
        from w2v.callbacks import Callback

        outer = self

        class _CB(Callback):
            def on_train_begin(self, model) -> None:
                from tqdm import tqdm

                outer.bar = tqdm(
                    total=100.0, desc=outer.desc, file=sys.stderr, dynamic_ncols=True,
                    disable=None if outer.enabled else True, leave=False,
                    bar_format="{desc} {percentage:3.0f}%|{bar}| {elapsed}<{remaining}"
                    " {postfix}",
                )  # fmt: skip

            def on_progress(self, model, progress) -> None:
                outer.update(progress)

            def on_epoch_end(self, model, progress) -> None:
                outer.epoch_losses.append(progress.loss)
                outer.update(progress)

            def on_train_end(self, model) -> None:
                if outer.bar is not None:
                    outer.bar.close()

        return _CB()

    def update(self, p) -> None:
        self.last = p
        if self.bar is None or self.bar.disable:
            return
        self.bar.n = min(100.0, 100.0 * p.fraction)
        self.bar.set_postfix_str(
            f"epoch {p.epoch + 1}/{p.epochs}, {_human(p.words_per_sec)} words/s, "
            f"lr {p.alpha:.5f}, loss {p.loss:.4f}",
            refresh=True,
        )


def _human(x: float) -> str:
    for unit, scale in (("M", 1e6), ("k", 1e3)):
        if x >= scale:
            return f"{x / scale:.2f}{unit}" if unit == "M" else f"{x / scale:.0f}{unit}"
    return f"{x:.0f}"


def _describe(params: dict[str, Any]) -> str:
    arch = "skip-gram" if params.get("sg") else "CBOW"
    layers = []
    if params.get("negative"):
        layers.append(f"negative sampling ({params['negative']})")
    if params.get("hs"):
        layers.append("hierarchical softmax")
    if params.get("softmax"):
        layers.append("full softmax")
    return (
        f"{arch}, {' + '.join(layers)}, {params.get('vector_size', 100)} dimensions, "
        f"window {params.get('window', 5)}"
    )


def _train_params(args: argparse.Namespace) -> dict[str, Any]:
    if getattr(args, "params", None) is not None:
        return dict(args.params)
    return {
        "vector_size": args.vector_size, "window": args.window, "min_count": args.min_count,
        "max_vocab_size": args.max_vocab_size, "max_final_vocab": args.max_final_vocab,
        "sample": args.sample, "alpha": args.alpha, "min_alpha": args.min_alpha,
        "epochs": args.epochs, "sg": args.sg, "hs": int(args.hs), "negative": args.negative,
        "ns_exponent": args.ns_exponent, "softmax": int(args.softmax),
        "cbow_mean": 0 if args.cbow_sum else 1, "bias": int(args.bias),
        "shrink_windows": 0 if args.no_shrink_windows else 1,
        "blocked": 0 if args.exact_pairs else 1, "workers": args.workers, "seed": args.seed,
        "max_sentence_length": args.max_sentence_length, "unicode_errors": args.unicode_errors,
    }  # fmt: skip


def cmd_train(args: argparse.Namespace) -> int:
    """``w2v train``: build the vocabulary, train, save; a summary at the end."""
    from w2v.vocabulary import Vocabulary
    from w2v.word2vec import Word2Vec

    params = _train_params(args)
    if not args.output and not args.model and not args.save_vocab:
        raise UsageError("nothing to write: give -o/--output (and/or --model, --save-vocab)")
    fmt = "binary" if args.binary else args.format
    if args.output:
        fmt = fmt or format_from_suffix(args.output, "text")
    if args.model and not hasattr(Word2Vec, "save"):
        raise Failure("--model: this build of w2v cannot save models yet (Word2Vec.save missing)")
    checkpoint = getattr(args, "checkpoint", None)
    resume = getattr(args, "resume", None)
    if resume:
        if args.read_vocab:
            raise UsageError("--resume: the vocabulary is the checkpoint's; drop --read-vocab")
        if not os.path.isfile(resume):
            raise Failure(f"{resume}: no such checkpoint file")
        checkpoint = checkpoint or resume  # keep checkpointing where the run came from
    for path, what in ((args.output, "vectors"), (args.model, "model"),
                       (args.save_vocab, "vocabulary"), (checkpoint, "checkpoint")):  # fmt: skip
        _check_writable(path, what)
    try:
        model = Word2Vec(**params)
    except ParameterError as exc:
        raise UsageError(str(exc)) from None
    ckpt_kw = {"checkpoint": checkpoint, "checkpoint_every": getattr(args, "checkpoint_every", 600)}
    bar = _ProgressBar(enabled=not (args.quiet or args.no_progress))
    saved: list[str] = []
    stage = "counting the vocabulary"
    t0 = time.perf_counter()
    try:
        if resume:
            stage = "resuming"
            t_train = time.perf_counter()
            model = Word2Vec.resume(resume, args.corpus, callbacks=[bar.callback()], **ckpt_kw)
            train_time = time.perf_counter() - t_train
            params = {k: v for k, v in vars(model.params).items() if k != "extra"}
        elif args.read_vocab:
            vocab = Vocabulary.load(args.read_vocab)
            keep = [i for i, c in enumerate(vocab.counts.tolist()) if c >= params["min_count"]]
            vocab = Vocabulary([vocab.words[i] for i in keep], vocab.counts[keep])
            logger.info("vocabulary: %d words read from %s", len(vocab), args.read_vocab)
            model.set_vocab(vocab)
        else:
            try:
                model.build_vocab(args.corpus)
            except ParameterError as exc:  # min_count too high, softmax vocabulary too large
                raise UsageError(str(exc)) from None
        if args.save_vocab:
            model.vocab.save(args.save_vocab)
            saved.append(f"vocabulary to {args.save_vocab}")
        if not args.output and not args.model:
            _print_saved(args, saved)
            return 0  # word2vec.c does this too: -save-vocab without -output only counts
        if not resume:
            stage = "training"
            t_train = time.perf_counter()
            model.train(args.corpus, callbacks=[bar.callback()], **ckpt_kw)
            train_time = time.perf_counter() - t_train
        stage = "saving"
        if args.output:
            save_vectors(model.wv, args.output, fmt)
            saved.append(f"vectors to {args.output} ({fmt})")
        if args.model:
            model.save(args.model)
            saved.append(f"model to {args.model}")
    except KeyboardInterrupt:
        where = stage
        if stage in ("training", "resuming") and bar.last is not None:
            p = bar.last
            where = f"training, epoch {p.epoch + 1}/{p.epochs}, {100 * p.fraction:.0f}% done"
        if checkpoint and stage in ("training", "resuming") and os.path.exists(checkpoint):
            saved.append(f"checkpoint {checkpoint} (continue with --resume {checkpoint})")
        kept = "; saved: " + ", ".join(saved) if saved else ""
        lost = [x for x in (args.output, args.model) if x and not any(x in s for s in saved)]
        print(
            f"w2v: interrupted ({where}); not written: {', '.join(lost) or 'nothing pending'}"
            f"{kept}",
            file=sys.stderr,
        )
        return 130
    if not args.quiet:
        _print_train_summary(model, params, bar, train_time, time.perf_counter() - t0, saved)
    return 0


def _print_saved(args: argparse.Namespace, saved: list[str]) -> None:
    if not args.quiet and saved:
        print("saved " + ", ".join(saved))


def _print_train_summary(model, params, bar, train_time, total_time, saved) -> None:
    vocab = model.vocab
    history = model.epoch_history
    words = history[-1].words if history else 0
    losses = [h.loss for h in history]
    rows = [
        ("vocabulary", f"{len(vocab):,} words (min count {params['min_count']}) "
                       f"from {vocab.total_tokens:,} tokens"),
        ("model", _describe(params)),
        ("trained", f"{words:,} words in {len(history)} epoch(s), {train_time:.1f}s, "
                    f"{words / max(train_time, 1e-9):,.0f} words/s"),
        ("loss per epoch", "  ".join(f"{x:.4f}" for x in losses)),
        ("total time", f"{total_time:.1f}s"),
    ]  # fmt: skip
    rows += [("saved", s) for s in saved]
    width = max(len(k) for k, _ in rows)
    print("\n".join(f"{k:<{width}}  {v}" for k, v in rows))


# --------------------------------------------------------------------------------- queries
def _print_neighbours(results: list[tuple[str, float]], out=None) -> None:
    out = out or sys.stdout
    width = max([len(w) for w, _ in results] + [4])
    print(f"{'':>4}  {'word':<{width}}  cosine", file=out)
    for rank, (word, sim) in enumerate(results, 1):
        print(f"{rank:>4}  {word:<{width}}  {sim:.4f}", file=out)


def _missing(kv, words: Sequence[str]) -> list[str]:
    return [w for w in words if w not in kv]


def _similar(kv, plus: Sequence[str], minus: Sequence[str], args) -> list[tuple[str, float]]:
    missing = _missing(kv, [*plus, *minus])
    if missing:
        raise NotInVocabulary(missing)
    return kv.most_similar(
        positive=list(plus), negative=list(minus), topn=args.topn,
        restrict_vocab=args.restrict_vocab,
    )  # fmt: skip


def _analogy(kv, a: str, b: str, c: str, args) -> list[tuple[str, float]]:
    missing = _missing(kv, [a, b, c])
    if missing:
        raise NotInVocabulary(missing)
    fn = kv.most_similar_cosmul if args.cosmul else kv.most_similar
    return fn(positive=[b, c], negative=[a], topn=args.topn, restrict_vocab=args.restrict_vocab)


def _interactive(prompt: str, handle: Callable[[list[str]], None]) -> int:
    """word2vec.c's ``distance`` loop: prompt, read a line, answer; blank line, EXIT or EOF
    ends. Prompts are shown only on a terminal so piped output stays clean."""
    tty = sys.stdin.isatty()
    while True:
        if tty:
            print(prompt, end="", flush=True)
        line = sys.stdin.readline()
        words = line.split()
        if not words or words == ["EXIT"]:
            if tty and not line:
                print()
            return 0
        try:
            handle(words)
        except NotInVocabulary as exc:
            print(f"{exc} (out of dictionary)", flush=True)
        except W2VError as exc:
            print(f"error: {exc}", flush=True)
        print(flush=True)


def cmd_similar(args: argparse.Namespace) -> int:
    """``w2v similar``: nearest neighbours of a word or of a sum of words."""
    kv = load_vectors(args.vectors, args.from_format, args.limit)
    if args.interactive or not args.words:

        def answer(words: list[str]) -> None:
            _print_neighbours(_similar(kv, words, [], args))

        return _interactive("Enter word or sentence (EXIT to break): ", answer)
    _print_neighbours(_similar(kv, args.words, args.minus, args))
    return 0


def cmd_analogy(args: argparse.Namespace) -> int:
    """``w2v analogy``: A is to B as C is to ?  (B - A + C)."""
    if args.words and len(args.words) != 3 and not args.interactive:
        raise UsageError(f"analogy takes three words A B C, got {len(args.words)}")
    kv = load_vectors(args.vectors, args.from_format, args.limit)
    if args.interactive or not args.words:

        def answer(words: list[str]) -> None:
            if len(words) != 3:
                print("Only three words are allowed: A B C (A is to B as C is to ?)")
                return
            _print_neighbours(_analogy(kv, *words, args))

        return _interactive("Enter three words (EXIT to break): ", answer)
    _print_neighbours(_analogy(kv, *args.words, args))
    return 0


# ------------------------------------------------------------------------------ evaluation
def bundled(name: str) -> Path:
    """Path of a data file shipped inside the package (``w2v/data/NAME``)."""
    path = Path(str(resources.files("w2v") / "data" / name))
    if not path.is_file():
        raise Failure(f"bundled file {name} is missing from this installation of w2v")
    return path


def cmd_evaluate(args: argparse.Namespace) -> int:
    """``w2v evaluate``: analogy accuracy and word-similarity correlations as tables."""
    from w2v.evaluation import evaluate_word_analogies, evaluate_word_pairs

    analogies = args.analogies
    pairs = list(args.pairs)
    if not analogies and not pairs:
        analogies = bundled("questions-words.txt")
        pairs = [bundled("wordsim353.tsv")]
    for f in [analogies, *pairs]:
        if f and not Path(f).is_file():
            raise Failure(f"{f}: no such file")
    kv = load_vectors(args.vectors, args.from_format, args.limit)
    restrict = min(args.restrict_vocab, len(kv))
    if analogies:
        t0 = time.perf_counter()
        res = evaluate_word_analogies(
            kv, analogies, restrict_vocab=restrict, case_insensitive=not args.case_sensitive,
            method="3cosmul" if args.cosmul else "3cosadd",
        )  # fmt: skip
        logger.info("analogies evaluated in %.1fs", time.perf_counter() - t0)
        print(_analogy_table(res, Path(analogies).name, args.sections))
    for i, f in enumerate(pairs):
        res = evaluate_word_pairs(kv, f, restrict_vocab=restrict,
                                  case_insensitive=not args.case_sensitive)  # fmt: skip
        if i == 0:
            if analogies:
                print()
            print(f"Word similarity (cosine vs human scores, {restrict:,} most frequent words)")
            print(f"{'file':<28} {'pairs':>6} {'OOV':>5} {'Spearman':>9} {'Pearson':>8}")
        print(f"{Path(f).name:<28} {res.n_pairs:>6} {res.n_oov:>5} "
              f"{res.spearman:>9.4f} {res.pearson:>8.4f}")  # fmt: skip
    return 0


def _analogy_table(res, name: str, all_sections: bool) -> str:
    method = "3CosMul" if res.method == "3cosmul" else "3CosAdd"
    lines = [
        f"Word analogies: {name} ({method}, {res.restrict_vocab:,} most frequent words)",
        f"{'section':<28} {'accuracy':>8} {'correct':>8} {'seen':>6} {'skipped':>8}",
    ]
    rows = [*res.sections] if all_sections else []
    rows += [res.semantic, res.syntactic, res.total]
    for s in rows:
        label = {"Total accuracy": "total"}.get(s.name, s.name)
        lines.append(
            f"{label:<28} {100 * s.accuracy:7.2f}% {s.n_correct:>8} {s.n_seen:>6} {s.skipped:>8}"
        )
    return "\n".join(lines)


# -------------------------------------------------------------------------- other commands
def cmd_phrases(args: argparse.Namespace) -> int:
    """``w2v phrases``: word2phrase."""
    from w2v.phrases import Phrases

    threshold = args.threshold or ([0.5] if args.scoring == "npmi" else [100.0])
    _check_writable(args.output, "output")
    t0 = time.perf_counter()
    try:
        phrases = Phrases(
            args.corpus, min_count=args.min_count, threshold=threshold, scoring=args.scoring,
            passes=args.passes, delimiter=args.delimiter, max_vocab_size=args.max_vocab_size,
        )  # fmt: skip
    except ParameterError as exc:
        raise UsageError(str(exc)) from None
    tokens = phrases.save_corpus(args.output)
    found = phrases.export_phrases()
    dt = time.perf_counter() - t0
    if not args.quiet:
        train_words = phrases.stages[0].train_words
        print(f"{len(found):,} phrases found in {args.passes} pass(es); {train_words:,} tokens "
              f"in, {tokens:,} out; {dt:.1f}s ({args.passes * train_words / dt:,.0f} words/s "
              f"counted); written to {args.output}")  # fmt: skip
        if args.show > 0 and found:
            top = sorted(found.items(), key=lambda kv: (-kv[1][0], kv[0]))[: args.show]
            width = max(len(p) for p, _ in top)
            print(f"{'phrase':<{width}}  {'count':>8}  score")
            for phrase, (count, score) in top:
                print(f"{phrase:<{width}}  {count:>8}  {score:.4g}")
    return 0


def cmd_convert(args: argparse.Namespace) -> int:
    """``w2v convert``: between word2vec text, word2vec binary and native."""
    fmt = _output_format(args.output, args.to)
    _check_writable(args.output, "output")
    kv = load_vectors(args.input, args.from_format, args.limit)
    save_vectors(kv, args.output, fmt)
    if not args.quiet:
        print(f"wrote {len(kv):,} vectors of {kv.vector_size} dimensions to {args.output} ({fmt})")
    return 0


def cmd_plot(args: argparse.Namespace) -> int:
    """``w2v plot``: 2-D map of chosen words."""
    from w2v.plot import pca_2d, plot_words, tsne_2d

    if not args.words and not args.top:
        raise UsageError("choose the words: --words W1 W2 ... and/or --top N")
    if args.neighbors and not args.words:
        raise UsageError("--neighbors needs --words")
    _check_writable(args.output, "image")
    kv = load_vectors(args.vectors, args.from_format, args.limit)
    missing = _missing(kv, args.words)
    if missing:
        logger.warning("not in the vocabulary, left out: %s", ", ".join(missing))
    words: list[str] = []
    groups: list[int] = []

    def place(word: str, group: int) -> None:
        if word not in words:
            words.append(word)
            groups.append(group)

    for g, w in enumerate(x for x in args.words if x in kv):
        place(w, g)
        if args.neighbors > 0:
            for n, _ in kv.most_similar(w, topn=args.neighbors):
                place(n, g)
    for w in kv.index_to_key[: args.top or 0]:
        place(w, len(args.words))
    if len(words) < 2:
        raise Failure("fewer than 2 words to plot (see the vocabulary warnings above)")
    if args.method == "tsne" and len(words) < 3:
        raise Failure("t-SNE needs at least 3 words")
    if len(words) > 2000:
        raise UsageError(f"{len(words)} words are too many to label; plot at most 2000")
    vectors = kv[words]
    t0 = time.perf_counter()
    coords = tsne_2d(vectors, args.perplexity) if args.method == "tsne" else pca_2d(vectors)
    logger.info("%s of %d words in %.1fs", args.method, len(words), time.perf_counter() - t0)
    colour = groups if (args.neighbors > 0 or (args.words and args.top)) else None
    plot_words(words, coords, args.output, size=args.size, title=args.title, groups=colour)
    if not args.quiet:
        print(f"wrote {args.output} ({args.size[0]}x{args.size[1]}, {len(words)} words, "
              f"{args.method})")  # fmt: skip
    return 0


def cmd_plot_loss(args: argparse.Namespace) -> int:
    """``w2v plot-loss``: per-epoch loss of a saved model."""
    from w2v.plot import plot_loss

    if not Path(args.model).is_file():
        raise Failure(f"{args.model}: no such file")
    _check_writable(args.output, "image")
    model = _load_model(args.model)
    plot_loss(model.loss_history, args.output, size=args.size, title=f"{args.model}: loss")
    if not args.quiet:
        print(f"wrote {args.output} ({len(model.loss_history)} epochs)")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """``w2v demo``: see :mod:`w2v.demo`."""
    from w2v.demo import run_demo

    quick = args.quick or os.environ.get("W2V_DEMO_QUICK", "") not in ("", "0")
    return run_demo(
        quick=quick, workers=args.workers, epochs=args.epochs, output=args.output,
        progress=not (args.quiet or args.no_progress),
    )  # fmt: skip


# ------------------------------------------------------------------------------------ main
def _key_message(exc: KeyError) -> str:
    return str(exc.args[0]) if exc.args else str(exc)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``w2v`` command line; returns the exit status (0 ok, 1 failure, 2 usage)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        if "-train" in argv:
            args = parse_word2vec_c(argv)
        else:
            args = build_parser().parse_args(argv)
        debug = debug or args.debug
        setup_logging(quiet=args.quiet, debug=debug)
        return int(args.func(args) or 0)
    except UsageError as exc:
        _error(str(exc), debug)
        return 2
    except KeyboardInterrupt:
        print("w2v: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `w2v similar ... | head`
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keep Python's exit flush quiet
        except OSError:
            pass
        return 1
    except Failure as exc:
        _error(str(exc), debug)
        return 1
    except KeyError as exc:
        _error(_key_message(exc), debug)
        return 1
    except (W2VError, OSError, ValueError, MemoryError) as exc:
        _error(_exception_message(exc), debug)
        return 1
    except ImportError as exc:
        hint = " (pip install 'w2v[plot]')" if "matplotlib" in str(exc) else ""
        _error(f"{exc}{hint}", debug)
        return 1
    except Exception as exc:  # a bug: still one line, with the way to get details
        msg = f"internal error: {type(exc).__name__}: {exc}"
        _error(msg if debug else f"{msg} (rerun with --debug for the traceback)", debug)
        return 1


def _exception_message(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.filename:
        return f"{exc.filename}: {exc.strerror or exc}"
    if isinstance(exc, MemoryError):
        return "out of memory"
    return str(exc) or type(exc).__name__


def _error(message: str, debug: bool) -> None:
    if debug:
        traceback.print_exc()
    first = " ".join(message.split())  # always one line
    print(f"{PROG}: error: {first}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
