"""``w2v train`` continuing earlier work: ``--resume`` (a checkpointed run, exactly where it
stopped) and ``--init`` (a saved model trained further on new text, its vocabulary grown with
``--update-vocab``). Both keep the model's own options and refuse those they would not apply."""

from __future__ import annotations

import argparse
import logging

from w2v.cli.common import UsageError

logger = logging.getLogger(__name__)

#: Options a resumed run cannot apply: the checkpoint fixes the model and its schedule.
RESUME_FIXED = {
    "vector_size": "--vector-size", "window": "--window", "sg": "--sg/--cbow", "hs": "--hs",
    "negative": "--negative", "ns_exponent": "--ns-exponent", "softmax": "--softmax",
    "bias": "--bias", "cbow_sum": "--cbow-sum", "min_count": "--min-count",
    "max_vocab_size": "--max-vocab-size", "max_final_vocab": "--max-final-vocab",
    "sample": "--sample", "unicode_errors": "--unicode-errors",
    "normalize": "--normalize", "epochs": "--epochs",
    "alpha": "--alpha", "min_alpha": "--min-alpha", "seed": "--seed",
    "no_shrink_windows": "--no-shrink-windows", "exact_pairs": "--exact-pairs",
    "max_sentence_length": "--max-sentence-length",
}  # fmt: skip


def check_resume_options(args: argparse.Namespace) -> None:
    """Refuse model and schedule options given beside --resume (the checkpoint's are used);
    warn that --workers is not applied either."""
    defaults = getattr(args, "option_defaults", {})
    given = [flag for dest, flag in RESUME_FIXED.items()
             if dest in defaults and getattr(args, dest) != defaults[dest]]  # fmt: skip
    if given:
        raise UsageError(
            f"--resume continues the checkpoint's run with its own model and schedule; "
            f"drop {', '.join(given)} (or start a new run without --resume)"
        )
    if "workers" in defaults and args.workers != defaults["workers"]:
        logger.warning("--resume: --workers is not applied; the checkpoint's thread count is")


#: Options ``--init`` applies to the continued training (the rest are the model's).
INIT_APPLIED = ("epochs", "alpha", "min_alpha", "workers")


def check_init_options(args: argparse.Namespace) -> None:
    """Refuse options that ``--init`` cannot combine with or would not apply."""
    for flag, given in (("--resume", args.resume), ("--read-vocab", args.read_vocab),
                        ("--ray", args.ray is not None)):  # fmt: skip
        if given:
            raise UsageError(f"--init continues a saved model; drop {flag}")
    defaults = getattr(args, "option_defaults", {})
    given = [flag for dest, flag in RESUME_FIXED.items()
             if dest not in INIT_APPLIED and dest in defaults
             and getattr(args, dest) != defaults[dest]]  # fmt: skip
    if given:
        raise UsageError(
            f"--init trains the saved model with its own options; drop {', '.join(given)} "
            "(--epochs, --alpha, --min-alpha and --workers apply to the continued training)"
        )


def load_init_model(args: argparse.Namespace):
    """The model of ``--init``, with this run's --workers; its vocabulary grown by the corpus
    with ``--update-vocab``. Returns the model and the ``train`` keyword arguments for the
    options given (epochs and learning rates)."""
    from w2v.word2vec import Word2Vec

    model = Word2Vec.load(args.init, mmap=False)
    defaults = getattr(args, "option_defaults", {})
    if args.workers != defaults.get("workers"):
        model.params.workers = args.workers
    if args.update_vocab:
        model.build_vocab(args.corpus, update=True)
    given = {d: getattr(args, d) for d in ("epochs", "alpha", "min_alpha")
             if d in defaults and getattr(args, d) != defaults[d]}  # fmt: skip
    logger.info("continuing %s (%d epochs trained, %d words)", args.init, model.epochs_trained,
                len(model.vocab))  # fmt: skip
    return model, given
