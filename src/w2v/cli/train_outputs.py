"""``w2v train``'s outputs: the files it writes (model first, then vectors; a failure names
what was and was not written) and the summary it prints."""

from __future__ import annotations

import argparse
from typing import Any

from w2v.cli.common import Failure
from w2v.errors import W2VError
from w2v.formats import save_vectors


def describe(params: dict[str, Any]) -> str:
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


def save_outputs(args: argparse.Namespace, model, fmt: str | None, saved: list[str]) -> None:
    """The full model first (it can always be converted later), then the vectors; a failure
    to write one does not stop the other, and the error names what was and was not written."""
    failed = []
    outputs = [(args.model, "model", lambda: model.save(args.model), f"model to {args.model}"),
               (args.output, "vectors", lambda: save_vectors(model.wv, args.output, fmt),
                f"vectors to {args.output} ({fmt})")]  # fmt: skip
    for path, what, save, done in outputs:
        if not path:
            continue
        try:
            save()
            saved.append(done)
        except (OSError, W2VError, ValueError) as exc:
            reason = f"{exc.strerror or exc}" if isinstance(exc, OSError) else str(exc)
            failed.append(f"the {what} {path} ({reason})")
    if failed:
        written = f"; written: {', '.join(saved)}" if saved else "; nothing was written"
        raise Failure(f"could not write {' and '.join(failed)}{written}")


def print_saved(args: argparse.Namespace, saved: list[str]) -> None:
    if not args.quiet and saved:
        print("saved " + ", ".join(saved))


def print_train_summary(model, params, words, epochs, train_time, total_time, saved) -> None:
    """The table printed after a run; ``words`` and ``epochs`` are those trained by this run
    (a resumed run does not count what the checkpoint had done)."""
    vocab = model.vocab
    update = model.vocabulary_update
    grown = f", {update.added:,} added by this run's text" if update is not None else ""
    losses = [h.loss for h in model.epoch_history]
    if words > 0:
        trained = (f"{words:,} words in {epochs} epoch(s), {train_time:.1f}s, "
                   f"{words / max(train_time, 1e-9):,.0f} words/s")  # fmt: skip
    else:
        trained = "nothing: the checkpointed run had already finished"
    rows = [
        ("vocabulary", f"{len(vocab):,} words ({_min_count(vocab, params)}) "
                       f"from {vocab.total_tokens:,} tokens{grown}"),
        ("model", describe(params)),
        ("trained", trained),
        *_oov_row(model),
        ("loss per epoch", "  ".join(f"{x:.4f}" for x in losses)),
        ("total time", f"{total_time:.1f}s"),
    ]  # fmt: skip
    rows += [("saved", s) for s in saved]
    width = max(len(k) for k, _ in rows)
    print("\n".join(f"{k:<{width}}  {v}" for k, v in rows))


def _min_count(vocab, params: dict[str, Any]) -> str:
    """The minimum count the words had to reach: the effective one when --max-final-vocab
    raised it."""
    asked = params["min_count"]
    effective = vocab.effective_min_count
    if effective is not None and effective > asked:
        return (f"min count {effective}, raised from {asked} to keep at most "
                f"{params.get('max_final_vocab'):,} words")  # fmt: skip
    return f"min count {asked}"


def _oov_row(model) -> list[tuple[str, str]]:
    """The summary row for the training text's tokens outside the vocabulary."""
    oov = model.out_of_vocabulary
    if oov is None:
        return []
    share = 100 * oov.tokens / max(oov.total, 1)
    return [("out of vocabulary", f"{oov.tokens:,} of {oov.total:,} tokens ({share:.2f}%), "
                                  f"{oov.words:,} distinct words, not trained")]  # fmt: skip
