"""What every command shares: its errors (and their exit statuses), argument types, option
groups and the way a command registers its sub-parser."""

from __future__ import annotations

import argparse
import os
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path

from w2v.formats import FORMATS

PROG = "w2v"


class UsageError(Exception):
    """Bad command line: exit status 2."""


class Failure(Exception):
    """The command could not do its job for a reason already explained: exit status 1."""


class NotInVocabulary(Failure):
    """Query words the vectors do not have, each with the close forms that they do have."""

    def __init__(self, words: Sequence[str], suggestions: Sequence[Sequence[str]] = ()) -> None:
        from w2v.suggest import did_you_mean

        close = list(suggestions) or [()] * len(words)
        named = [f"{w}{did_you_mean(c)}" for w, c in zip(words, close, strict=True)]
        super().__init__(f"not in the vocabulary: {', '.join(named)}")


class ArgumentParser(argparse.ArgumentParser):
    """argparse that reports errors as one line (and lets main() choose the exit status)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see '{self.prog} --help')")


class _Formatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    pass


def add_command(
    sub: argparse._SubParsersAction,
    name: str,
    run: Callable[[argparse.Namespace], int],
    help: str,
    examples: str,
) -> argparse.ArgumentParser:
    """Add command `name` to the sub-parsers `sub`: `help` is its one-line summary, `examples`
    the command lines shown under ``--help``, `run` what it does (returns the exit status)."""
    desc = help[0].upper() + help[1:] + "."
    epilog = "examples:\n" + textwrap.indent(textwrap.dedent(examples).strip(), "  ")
    p = sub.add_parser(name, help=help, description=desc, epilog=epilog, formatter_class=_Formatter)
    p.set_defaults(func=run)
    return p


def add_output_control(p: argparse.ArgumentParser) -> None:
    """``-q/--quiet`` and ``--debug``, which every command has."""
    g = p.add_argument_group("output control")
    g.add_argument("-q", "--quiet", action="store_true", help="print only results and errors")
    g.add_argument("--debug", action="store_true", help="debug logging; tracebacks on errors")


def add_vector_input(p: argparse.ArgumentParser) -> None:
    """``--limit``, ``--from`` and ``--no-header``, for commands that read a vector file."""
    p.add_argument("--limit", type=positive_int, help="read only the first N vectors")
    p.add_argument("--from", dest="from_format", choices=FORMATS, help="input format (detected)")
    p.add_argument("--no-header", action="store_true",
                   help="word2vec text without its 'count dimension' first line (GloVe's "
                   "format)")  # fmt: skip


def add_normalize_option(p: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """``--normalize MODE``, which ``train`` and ``phrases`` share so both see the same tokens."""
    p.add_argument("--normalize", choices=("split", "drop", "text8"), default=None,
                   help="normalise raw text first: lower-case, punctuation as tokens (split) "
                   "or removed (drop), digits removed; or text8's a-z recipe (default: "
                   "tokens as they are, split at whitespace)")  # fmt: skip


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {value}")
    return value


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (value > 0 and value < float("inf")):
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}")
    return value


def pixel_size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT in pixels, got {text!r}") from None
    if not (100 <= w <= 10000 and 100 <= h <= 10000):
        raise argparse.ArgumentTypeError(f"each side must be 100..10000 pixels, got {text!r}")
    return w, h


def default_workers() -> int:
    """Training threads when not told: the cores, at most 12 (word2vec.c's default)."""
    return max(1, min(12, os.cpu_count() or 1))


def check_writable(path: str | os.PathLike | None, what: str) -> None:
    """Fail before hours of work if an output cannot be written."""
    if path is None:
        return
    if Path(path).is_dir():
        raise Failure(f"{path}: cannot write the {what}: it is a directory")
    parent = Path(path).resolve().parent
    if not parent.is_dir():
        raise Failure(f"{path}: cannot write the {what}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise Failure(f"{path}: cannot write the {what}: directory {parent} is not writable")


def require_file(path: str | os.PathLike, what: str = "") -> None:
    """Fail with ``PATH: no such [WHAT ]file`` unless `path` is a file."""
    if not Path(path).is_file():
        raise Failure(f"{path}: no such {what + ' ' if what else ''}file")
