"""The ``w2v`` command line: train, query, evaluate, convert and plot word vectors.

Every command exits with 0 on success, 2 on bad usage, 1 on failure and 130 when
interrupted, printing errors as one line ``w2v: error: ...`` on stderr (``--debug`` adds the
traceback). ``w2v -train ...`` with word2vec.c's own flags runs word2vec.c-compatible
training, so shell scripts written for ``word2vec`` work by changing the program name.

Each command is a module of this package with a ``register(subparsers)`` function that adds
its sub-parser (with ``func`` set to the function that runs it); :data:`COMMANDS` lists them.
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
import traceback
from collections.abc import Sequence

from w2v.cli import convert, demo, evaluate, explore, phrases, plot, query, train
from w2v.cli.common import PROG, ArgumentParser, Failure, UsageError
from w2v.cli.progress import terminal_logging
from w2v.cli.word2vec_c import parse_word2vec_c
from w2v.errors import W2VError
from w2v.version import __version__

__all__ = ["COMMANDS", "build_parser", "main", "parse_word2vec_c"]

#: The command modules, in the order ``w2v --help`` lists them.
COMMANDS = (train, query, evaluate, phrases, convert, plot, explore, demo)


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser of every subcommand (word2vec.c-style flags are parsed apart)."""
    parser = ArgumentParser(
        prog=PROG,
        description="Fast word2vec: train word vectors and explore them.",
        epilog=textwrap.dedent("""\
            start here:
              w2v demo                    train on a bundled sample and show what vectors do
              w2v train text.txt -o vectors.txt
              w2v similar vectors.txt king
            word2vec.c compatibility:
              w2v -train text.txt -output vectors.bin -cbow 0 -size 200 -binary 1
              (w2v's fast blocked updates; add -exact-pairs 1 for word2vec.c's per-pair
              rule; 'w2v -train x --help' lists the flags)
            'w2v COMMAND --help' explains each command."""),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"w2v {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=ArgumentParser)
    sub.required = True
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``w2v`` command line; returns the exit status.

    0 ok, 1 failure, 2 bad usage, 130 interrupted (Ctrl-C).
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        if "-train" in argv:
            args = parse_word2vec_c(argv)
        else:
            args = build_parser().parse_args(argv)
        debug = debug or args.debug
        with terminal_logging(quiet=args.quiet, debug=debug):
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
        _error(str(exc.args[0]) if exc.args else str(exc), debug)
        return 1
    except (W2VError, OSError, ValueError, MemoryError) as exc:
        _error(_exception_message(exc), debug)
        return 1
    except ImportError as exc:
        wanted = "matplotlib" in str(exc) and "pip install" not in str(exc)
        hint = " (pip install 'w2v[plot]')" if wanted else ""
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
