"""``w2v similar`` and ``w2v analogy``: nearest neighbours and analogies, once or interactively
(like word2vec.c's ``distance`` and ``word-analogy``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import TextIO

from w2v.cli.common import (
    NotInVocabulary,
    UsageError,
    add_command,
    add_output_control,
    add_vector_input,
    positive_int,
)
from w2v.errors import W2VError
from w2v.formats import load_vectors


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "similar", run_similar,
                    "print the words nearest to a word (or to a sum)", """
        w2v similar vectors.txt king
        w2v similar vectors.bin paris france -n 20     # nearest to paris + france
        w2v similar vectors.txt king --minus man       # king - man
        w2v similar vectors.txt                        # interactive, like word2vec.c's distance
    """)  # fmt: skip
    p.add_argument("vectors", help="word vectors (text, binary or native; detected)")
    p.add_argument("words", nargs="*", help="query words (their vectors are added)")
    p.add_argument("--minus", nargs="+", default=[], metavar="WORD", help="words to subtract")
    p.add_argument("--cosmul", action="store_true",
                   help="rank by 3CosMul (products of shifted cosines) instead of the cosine "
                   "of the summed vectors")  # fmt: skip
    _query_options(p)

    p = add_command(sub, "analogy", run_analogy, "answer analogies: A is to B as C is to ?", """
        w2v analogy vectors.txt man king woman         # man : king :: woman : ? (queen)
        w2v analogy vectors.txt france paris italy --cosmul
        w2v analogy vectors.txt                        # interactive, like word-analogy
    """)  # fmt: skip
    p.add_argument("vectors", help="word vectors (text, binary or native; detected)")
    p.add_argument("words", nargs="*", metavar="A B C", help="three words")
    p.add_argument("--cosmul", action="store_true", help="3CosMul instead of 3CosAdd")
    _query_options(p)


def _query_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("-n", "--topn", type=positive_int, default=10, help="answers to print")
    p.add_argument("-i", "--interactive", action="store_true", help="read queries from stdin")
    p.add_argument("--restrict-vocab", type=positive_int, help="search only the N most frequent")
    add_vector_input(p)
    add_output_control(p)


def print_neighbours(
    results: list[tuple[str, float]], out: TextIO | None = None, score: str = "cosine"
) -> None:
    """The ranked ``rank word score`` table; ``score`` names the score column (``cosine``,
    or ``cosmul`` for 3CosMul's product of shifted cosines, which is not a cosine)."""
    out = out or sys.stdout
    width = max([len(w) for w, _ in results] + [4])
    print(f"{'':>4}  {'word':<{width}}  {score}", file=out)
    for rank, (word, sim) in enumerate(results, 1):
        print(f"{rank:>4}  {word:<{width}}  {sim:.4f}", file=out)


#: The suggester of the vectors being queried (built at the first unknown word, then kept for
#: the interactive session): ``(vectors, suggester)``.
_suggester: list = []


def _check_known(kv, words: Sequence[str]) -> None:
    missing = [w for w in words if w not in kv]
    if missing:
        from w2v.suggest import Suggester

        if not _suggester or _suggester[0] is not kv:
            _suggester[:] = [kv, Suggester(kv.index_to_key)]
        raise NotInVocabulary(missing, [_suggester[1].suggest(w) for w in missing])


def _similar(kv, plus: Sequence[str], minus: Sequence[str], args) -> list[tuple[str, float]]:
    _check_known(kv, [*plus, *minus])
    fn = kv.most_similar_cosmul if args.cosmul else kv.most_similar
    return fn(
        positive=list(plus), negative=list(minus), topn=args.topn,
        restrict_vocab=args.restrict_vocab,
    )  # fmt: skip


def _analogy(kv, a: str, b: str, c: str, args) -> list[tuple[str, float]]:
    _check_known(kv, [a, b, c])
    fn = kv.most_similar_cosmul if args.cosmul else kv.most_similar
    return fn(positive=[b, c], negative=[a], topn=args.topn, restrict_vocab=args.restrict_vocab)


def _score(args: argparse.Namespace) -> str:
    return "cosmul" if args.cosmul else "cosine"


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


def run_similar(args: argparse.Namespace) -> int:
    """``w2v similar``: nearest neighbours of a word or of a sum of words."""
    kv = load_vectors(args.vectors, args.from_format, args.limit, args.no_header)
    if args.interactive or not args.words:

        def answer(words: list[str]) -> None:
            print_neighbours(_similar(kv, words, [], args), score=_score(args))

        return _interactive("Enter word or sentence (EXIT to break): ", answer)
    print_neighbours(_similar(kv, args.words, args.minus, args), score=_score(args))
    return 0


def run_analogy(args: argparse.Namespace) -> int:
    """``w2v analogy``: A is to B as C is to ?  (B - A + C)."""
    if args.words and len(args.words) != 3 and not args.interactive:
        raise UsageError(f"analogy takes three words A B C, got {len(args.words)}")
    kv = load_vectors(args.vectors, args.from_format, args.limit, args.no_header)
    if args.interactive or not args.words:

        def answer(words: list[str]) -> None:
            if len(words) != 3:
                print("Only three words are allowed: A B C (A is to B as C is to ?)")
                return
            print_neighbours(_analogy(kv, *words, args), score=_score(args))

        return _interactive("Enter three words (EXIT to break): ", answer)
    print_neighbours(_analogy(kv, *args.words, args), score=_score(args))
    return 0
