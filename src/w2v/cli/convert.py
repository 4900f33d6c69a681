"""``w2v convert``: word vectors from one format to another (text, binary, native), or into
a directory for TensorFlow's Embedding Projector."""

from __future__ import annotations

import argparse
from pathlib import Path

from w2v.cli.common import (
    UsageError,
    add_command,
    add_output_control,
    add_vector_input,
    check_writable,
)
from w2v.formats import FORMATS, format_from_suffix, load_vectors, save_vectors
from w2v.formats.projector import save_projector


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "convert", run, "convert vectors to another format", """
        w2v convert vectors.bin vectors.txt
        w2v convert vectors.txt vectors.w2v            # native: memory-mapped, instant to open
        w2v convert model.w2v vectors.bin              # the vectors of a saved model
        w2v convert vectors.txt out.vectors --to binary
        w2v convert vectors.bin projector/ --to projector --limit 20000
    """)  # fmt: skip
    p.add_argument("input", help="vectors or model (format detected)")
    p.add_argument("output", help="file to write (a directory for --to projector)")
    p.add_argument("--to", choices=(*FORMATS, "projector"),
                   help="output format (default: from the suffix); projector: TensorFlow "
                        "Embedding Projector's vectors.tsv, metadata.tsv and config")  # fmt: skip
    add_vector_input(p)
    add_output_control(p)


def run(args: argparse.Namespace) -> int:
    """``w2v convert``: between word2vec text, word2vec binary and native."""
    fmt = args.to or format_from_suffix(args.output)
    if fmt is None:
        raise UsageError(
            f"cannot tell the output format from the name {args.output!r}; "
            "add --to text|binary|native|projector (or use .txt, .bin or .w2v)"
        )
    check_writable(args.output, "output")
    kv = load_vectors(args.input, args.from_format, args.limit, args.no_header)
    if fmt == "projector":
        files = save_projector(kv, args.output, tensor_name=Path(args.input).name)
        if not args.quiet:
            names = ", ".join(f.name for f in files)
            print(f"wrote {len(kv):,} vectors of {kv.vector_size} dimensions to "
                  f"{args.output} ({names})")  # fmt: skip
        return 0
    save_vectors(kv, args.output, fmt)
    if not args.quiet:
        print(f"wrote {len(kv):,} vectors of {kv.vector_size} dimensions to {args.output} ({fmt})")
    return 0
