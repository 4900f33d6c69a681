"""``w2v train``: build the vocabulary, train, save the vectors (and the model, vocabulary,
checkpoints), with a progress bar and a summary at the end."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from typing import Any

from w2v.checkpoint import read_state
from w2v.cli.common import (
    UsageError,
    add_command,
    add_normalize_option,
    add_output_control,
    check_writable,
    default_workers,
    positive_float,
    positive_int,
    require_file,
)
from w2v.cli.progress import ProgressBar, announce_compilation
from w2v.cli.train_continue import (
    RESUME_FIXED,
    check_init_options,
    check_resume_options,
    load_init_model,
)
from w2v.cli.train_outputs import print_saved, print_train_summary, save_outputs
from w2v.distributed.merge import MERGES
from w2v.errors import ParameterError
from w2v.formats import FORMATS, format_from_suffix

logger = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "train", run, "train word vectors on a text corpus", """
        w2v train corpus.txt -o vectors.txt
        w2v train corpus.txt.xz -o vectors.bin --sg --negative 10 --vector-size 300 --epochs 10
        w2v train corpus.txt -o vectors.txt --hs --negative 0 --save-vocab vocab.txt
        w2v train corpus.txt -o vectors.txt --model model.w2v   # also keep the full model
        w2v train more.txt --init model.w2v --update-vocab -o v.txt --model model2.w2v
        xzcat corpus.txt.xz | w2v train - -o vectors.txt       # the corpus from stdin
        w2v -train corpus.txt -output vectors.bin -binary 1    # word2vec.c's flags also work
    """)  # fmt: skip
    p.add_argument("corpus", help="text file (.gz/.bz2/.xz ok), one sentence per line, a "
                   "directory of such files, or - for standard input (read once, kept in a "
                   "temporary file for the later epochs)")  # fmt: skip
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
    g.add_argument("--vector-size", type=positive_int, default=100, help="dimensions")
    g.add_argument("--window", type=positive_int, default=5, help="max context distance")
    g.add_argument("--hs", action="store_true", help="hierarchical softmax output layer")
    g.add_argument("--negative", type=int, default=5, action=_RecordGiven,
                   help="negative samples (0: none); kept beside --hs or --softmax unless 0, "
                   "as in word2vec.c and gensim")  # fmt: skip
    g.add_argument("--ns-exponent", type=float, default=0.75,
                   help="negatives drawn from count ** EXPONENT")  # fmt: skip
    g.add_argument("--softmax", action="store_true", help="full softmax output (small vocab)")
    g.add_argument("--bias", action="store_true", help="add bias terms to hidden/output layers")
    g.add_argument("--cbow-sum", action="store_true", help="CBOW: sum context vectors, not mean")
    g = p.add_argument_group("vocabulary")
    g.add_argument("--min-count", type=positive_int, default=5, help="ignore rarer words")
    g.add_argument("--max-vocab-size", type=positive_int, help="prune while counting beyond this")
    g.add_argument("--max-final-vocab", type=positive_int, help="keep at most this many words")
    g.add_argument("--sample", type=float, default=1e-3,
                   help="subsampling threshold of frequent words (0: off)")  # fmt: skip
    g.add_argument("--unicode-errors", choices=("replace", "strict", "ignore"), default="replace",
                   help="what to do with invalid UTF-8")  # fmt: skip
    add_normalize_option(g)
    g = p.add_argument_group("training")
    g.add_argument("--epochs", type=positive_int, default=5, help="passes over the corpus")
    g.add_argument("--alpha", type=float, default=0.025, help="initial learning rate")
    g.add_argument("--min-alpha", type=float, default=0.0001, help="final learning rate")
    g.add_argument("--workers", type=positive_int, default=default_workers(), help="threads")
    g.add_argument("--seed", type=int, default=1, help="random seed")
    g.add_argument("--no-shrink-windows", action="store_true",
                   help="always use the full window (no random shrinking)")  # fmt: skip
    g.add_argument("--exact-pairs", action="store_true",
                   help="word2vec.c's updates: skip-gram pair by pair, CBOW centre by "
                        "centre (blocked=0); without it, w2v's faster blocked updates, also "
                        "in word2vec.c mode (-train)")  # fmt: skip
    g.add_argument("--max-sentence-length", type=positive_int, default=10000,
                   help="longer lines are cut into pieces of this many words")  # fmt: skip
    g.add_argument("--no-progress", action="store_true", help="no progress bar")
    g = p.add_argument_group("checkpoints")
    g.add_argument("--checkpoint", metavar="PATH",
                   help="save the training state here periodically and on Ctrl-C")  # fmt: skip
    g.add_argument("--checkpoint-every", metavar="SECONDS", type=positive_float, default=600.0,
                   help="seconds between checkpoints")  # fmt: skip
    g = p.add_argument_group("continuing a saved model")
    g.add_argument("--init", metavar="MODEL",
                   help="train this saved model (--model file) further on the corpus, with its "
                   "own options (--epochs, --alpha, --min-alpha, --workers apply)")  # fmt: skip
    g.add_argument("--update-vocab", action="store_true",
                   help="with --init: first add the corpus's words that occur min-count times "
                   "to the vocabulary (without it they are not trained)")  # fmt: skip
    g.add_argument("--resume", metavar="PATH",
                   help="continue the run saved in this checkpoint (same corpus; the model "
                   "options are the checkpoint's)")  # fmt: skip
    g = p.add_argument_group("distributed (Ray; pip install 'w2v[ray]'; docs/distributed.md)")
    g.add_argument("--ray", nargs="?", const="", metavar="ADDRESS",
                   help="train on a Ray cluster: HOST:PORT of its head or 'auto'; without an "
                   "address, on a local Ray instance started for the run")  # fmt: skip
    g.add_argument("--nodes", type=positive_int, default=2, help="replicas, one per shard")
    g.add_argument("--threads-per-node", type=positive_int, default=1,
                   help="training threads in each replica")  # fmt: skip
    g.add_argument("--sync-words", type=positive_int,
                   help="words each node trains between merges (default 100,000 / nodes: "
                   "quality depends on nodes x sync-words)")  # fmt: skip
    g.add_argument("--merge", choices=MERGES, default="capped",
                   help="how replicas' changes are combined: 'capped' adds them up, a row "
                   "moving at most twice as far as one node moved it; 'weighted'/'mean' "
                   "average them; 'sum' adds them up (docs/distributed.md)")  # fmt: skip
    add_output_control(p)
    # what --resume compares the options with, to refuse those it would not apply
    p.set_defaults(option_defaults={d: p.get_default(d) for d in (*RESUME_FIXED, "workers")})


class _RecordGiven(argparse.Action):
    """Store the value and note that the option was given (``DEST_given``)."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        setattr(namespace, self.dest, values)
        setattr(namespace, f"{self.dest}_given", True)


def _say_output_layers(args: argparse.Namespace, params: dict[str, Any]) -> None:
    """Say when --hs or --softmax trains beside the default negative sampling: word2vec.c
    and gensim keep it (``-hs 1``, ``hs=1``), and so does w2v, but not silently."""
    if getattr(args, "params", None) is not None or getattr(args, "negative_given", False):
        return
    chosen = [flag for flag, on in (("--hs", params["hs"]), ("--softmax", params["softmax"])) if on]
    if chosen and params["negative"]:
        logger.info(
            "%s trains beside negative sampling (--negative %d, the default, kept as word2vec.c "
            "and gensim keep it with hs); give --negative 0 to train %s alone",
            " and ".join(chosen), params["negative"], " and ".join(chosen),
        )  # fmt: skip


def _train_distributed(args, params, bar, checkpoint, resume):
    """Train on Ray (checkpoints after every epoch); returns the model."""
    from w2v import distributed

    if args.read_vocab:
        raise UsageError("--ray: the vocabulary is counted on the nodes; drop --read-vocab")
    kw = {} if resume else {k: v for k, v in params.items() if k != "workers"}
    return distributed.train(
        args.corpus, nodes=args.nodes, threads_per_node=args.threads_per_node,
        address=args.ray or None, sync_words=args.sync_words, merge=args.merge,
        callbacks=[bar.callback()], progress=False, checkpoint=checkpoint, resume=resume, **kw,
    )  # fmt: skip


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
        "normalize": args.normalize,
    }  # fmt: skip


def run(args: argparse.Namespace) -> int:
    """``w2v train``: build the vocabulary, train, save; a summary at the end."""
    from w2v.corpus import STDIN_NAMES, spooled_stdin

    if str(args.corpus) in STDIN_NAMES:
        with spooled_stdin() as path:
            args.corpus = str(path)
            return _run(args)
    return _run(args)


def _run(args: argparse.Namespace) -> int:
    from w2v.vocabulary import Vocabulary
    from w2v.word2vec import Word2Vec

    params = _train_params(args)
    if not args.output and not args.model and not args.save_vocab:
        raise UsageError("nothing to write: give -o/--output (and/or --model, --save-vocab)")
    fmt = "binary" if args.binary else args.format
    if args.output:
        fmt = fmt or format_from_suffix(args.output, "text")
    checkpoint = getattr(args, "checkpoint", None)
    resume = getattr(args, "resume", None)
    if resume:
        if args.read_vocab:
            raise UsageError("--resume: the vocabulary is the checkpoint's; drop --read-vocab")
        require_file(resume, "checkpoint")
        check_resume_options(args)
        checkpoint = checkpoint or resume  # keep checkpointing where the run came from
    init = getattr(args, "init", None)
    if getattr(args, "update_vocab", False) and not init:
        raise UsageError("--update-vocab grows the model of --init; give --init MODEL")
    if init:
        require_file(init, "model")
        check_init_options(args)
    for path, what in ((args.output, "vectors"), (args.model, "model"),
                       (args.save_vocab, "vocabulary"), (checkpoint, "checkpoint")):  # fmt: skip
        check_writable(path, what)
    try:
        model = Word2Vec(**params)
    except ParameterError as exc:
        raise UsageError(str(exc)) from None
    if not resume and not init:
        _say_output_layers(args, params)
    ckpt_kw = {"checkpoint": checkpoint, "checkpoint_every": getattr(args, "checkpoint_every", 600)}
    bar = ProgressBar(enabled=not (args.quiet or args.no_progress))
    saved: list[str] = []
    stage = "counting the vocabulary"
    announce_compilation()
    t0 = time.perf_counter()
    words_before = epochs_before = 0
    train_kw: dict[str, Any] = {}
    try:
        if getattr(args, "ray", None) is not None:
            stage = "training"
            t_train = time.perf_counter()
            model = _train_distributed(args, params, bar, checkpoint, resume)
            train_time = time.perf_counter() - t_train
            params = {k: v for k, v in vars(model.params).items() if k != "extra"}
        elif resume:
            stage = "resuming"
            before = read_state(resume)  # what the run had done: not trained now
            words_before = sum(before.words)
            epochs_before = len(before.epoch_history)
            t_train = time.perf_counter()
            model = Word2Vec.resume(resume, args.corpus, callbacks=[bar.callback()], **ckpt_kw)
            train_time = time.perf_counter() - t_train
            params = {k: v for k, v in vars(model.params).items() if k != "extra"}
        elif init:
            stage = "growing the vocabulary" if args.update_vocab else "loading the model"
            model, train_kw = load_init_model(args)
            params = {k: v for k, v in vars(model.params).items() if k != "extra"}
        elif args.read_vocab:
            vocab = Vocabulary.load(args.read_vocab)
            keep = [i for i, c in enumerate(vocab.counts.tolist()) if c >= params["min_count"]]
            vocab = Vocabulary([vocab.words[i] for i in keep], vocab.counts[keep])
            logger.info("vocabulary: %d words read from %s", len(vocab), args.read_vocab)
            model.set_vocab(vocab)
        else:
            try:
                model.build_vocab(args.corpus, callbacks=[bar.vocab_callback()])
            except ParameterError as exc:  # min_count too high, softmax vocabulary too large
                raise UsageError(str(exc)) from None
        if args.save_vocab:
            model.vocab.save(args.save_vocab)
            saved.append(f"vocabulary to {args.save_vocab}")
        if not args.output and not args.model:
            print_saved(args, saved)
            return 0  # word2vec.c does this too: -save-vocab without -output only counts
        if not resume and getattr(args, "ray", None) is None:
            stage = "training"
            t_train = time.perf_counter()
            model.train(args.corpus, callbacks=[bar.callback()], **ckpt_kw, **train_kw)
            train_time = time.perf_counter() - t_train
        stage = "saving"
        save_outputs(args, model, fmt, saved)
    except KeyboardInterrupt:
        where = stage
        if stage in ("training", "resuming") and bar.last is not None:
            p = bar.last
            where = f"training, epoch {p.epoch + 1}/{p.epochs}, {100 * p.fraction:.0f}% done"
        if checkpoint and stage in ("training", "resuming") and os.path.exists(checkpoint):
            saved.append(f"checkpoint {checkpoint} (continue with --resume {checkpoint})")
        kept = "; saved: " + ", ".join(saved) if saved else ""
        outputs = (args.save_vocab, args.output, args.model)
        lost = [x for x in outputs if x and not any(x in s for s in saved)]
        print(
            f"w2v: interrupted ({where}); not written: {', '.join(lost) or 'nothing pending'}"
            f"{kept}",
            file=sys.stderr,
        )
        return 130
    if not args.quiet:
        history = model.epoch_history
        words = (history[-1].words if history else 0) - words_before
        run_epochs = len(history) - epochs_before
        total_time = time.perf_counter() - t0
        print_train_summary(model, params, words, run_epochs, train_time, total_time, saved)
    return 0
