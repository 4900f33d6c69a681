"""``w2v plot`` and ``w2v plot-loss``: a 2-D map of words, and the loss curve of a model
(matplotlib, from the ``plot`` extra)."""

from __future__ import annotations

import argparse
import logging
import time

from w2v.cli.common import (
    Failure,
    UsageError,
    add_command,
    add_output_control,
    add_vector_input,
    check_writable,
    pixel_size,
    positive_int,
    require_file,
)
from w2v.errors import ParameterError
from w2v.formats import load_vectors

logger = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "plot", run_plot, "draw a 2-D map of words (PCA or t-SNE)", """
        w2v plot vectors.txt --words king queen man woman paris france -o map.png
        w2v plot vectors.txt --top 200 --method tsne -o top200.png --size 1600x1200
        w2v plot vectors.txt --words france music --neighbors 8 -o groups.png
    """)  # fmt: skip
    p.add_argument("vectors", help="word vectors (text, binary or native; detected)")
    p.add_argument("-o", "--output", required=True, help="image file (.png, .svg, .pdf)")
    p.add_argument("--words", nargs="+", default=[], help="words to place")
    p.add_argument("--top", type=positive_int, help="place the N most frequent words")
    p.add_argument("--neighbors", type=int, default=0, metavar="K",
                   help="also place the K nearest neighbours of each --words word")  # fmt: skip
    p.add_argument("--method", choices=("pca", "tsne"), default="pca", help="projection")
    p.add_argument("--perplexity", type=float, default=30.0, help="t-SNE perplexity")
    p.add_argument("--size", type=pixel_size, default=(1200, 900), metavar="WxH", help="pixels")
    p.add_argument("--title", help="figure title")
    add_vector_input(p)
    add_output_control(p)

    p = add_command(sub, "plot-loss", run_plot_loss, "plot the per-epoch loss of a saved model", """
        w2v train corpus.txt -o vectors.txt --model model.w2v
        w2v plot-loss model.w2v -o loss.png
    """)  # fmt: skip
    p.add_argument("model", help="a model saved with --model (or Word2Vec.save)")
    p.add_argument("-o", "--output", required=True, help="image file (.png, .svg, .pdf)")
    p.add_argument("--size", type=pixel_size, default=(900, 600), metavar="WxH", help="pixels")
    add_output_control(p)


def _check_can_plot(path: str, tsne: bool = False) -> None:
    """matplotlib (and scikit-learn for t-SNE) present and the suffix writable, before any
    vectors are read or projected."""
    from w2v.plot import check_can_plot

    try:
        check_can_plot(path, tsne)
    except ParameterError as exc:
        raise UsageError(str(exc)) from None


def run_plot(args: argparse.Namespace) -> int:
    """``w2v plot``: 2-D map of chosen words."""
    from w2v.plot import pca_2d, plot_words, tsne_2d

    if not args.words and not args.top:
        raise UsageError("choose the words: --words W1 W2 ... and/or --top N")
    if args.neighbors and not args.words:
        raise UsageError("--neighbors needs --words")
    check_writable(args.output, "image")
    _check_can_plot(args.output, tsne=args.method == "tsne")
    kv = load_vectors(args.vectors, args.from_format, args.limit, args.no_header)
    missing = [w for w in args.words if w not in kv]
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


def run_plot_loss(args: argparse.Namespace) -> int:
    """``w2v plot-loss``: per-epoch loss of a saved model."""
    from w2v.formats import detect_format
    from w2v.formats.native import load_native
    from w2v.plot import plot_loss
    from w2v.word2vec import Word2Vec

    require_file(args.model)
    check_writable(args.output, "image")
    _check_can_plot(args.output)
    fmt = detect_format(args.model)
    kind = load_native(args.model)[1].get("kind") if fmt == "native" else None
    if kind != "w2v.Word2Vec":
        what = f"word2vec {fmt} vectors" if fmt != "native" else "native word vectors"
        raise Failure(
            f"{args.model}: holds {what}, which keep no loss: plot-loss needs a whole model, "
            "saved with 'w2v train ... --model model.w2v' (or Word2Vec.save)"
        )
    model = Word2Vec.load(args.model)
    plot_loss(model.loss_history, args.output, size=args.size, title=f"{args.model}: loss")
    if not args.quiet:
        print(f"wrote {args.output} ({len(model.loss_history)} epochs)")
    return 0
