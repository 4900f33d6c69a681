"""``w2v explore``: a local web page and a JSON API over word vectors (docs/explore.md)."""

from __future__ import annotations

import argparse

from w2v.cli.common import (
    Failure,
    add_command,
    add_output_control,
    add_vector_input,
    positive_int,
    require_file,
)


def port_number(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port from 0 to 65535, got {value}")
    return value


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "explore", run, "explore vectors in a local web page and a JSON API", """
        w2v explore vectors.bin                        # then open http://127.0.0.1:8000/
        w2v explore model.w2v --open                   # a model adds its loss and predictions
        w2v explore vectors.w2v --port 8080
        w2v explore vectors.w2v --host 0.0.0.0         # other machines too (a warning says so)
        w2v explore vectors.w2v --index hnsw           # approximate index, saved beside the file
        curl 'http://127.0.0.1:8000/api/neighbours?word=king&topn=5'
    """)  # fmt: skip
    p.add_argument("vectors", help="vectors or model (text, binary or native; detected)")
    p.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (not loopback: a warning)"
    )
    p.add_argument("--port", type=port_number, default=8000, help="TCP port (0: any free port)")
    p.add_argument("--open", action="store_true", help="open the page in the web browser")
    p.add_argument(
        "--index",
        choices=["exact", "hnsw"],
        default="exact",
        help="how neighbours are found: exact (every vector) or hnsw, an approximate graph "
        "index (faiss; pip install 'w2v[index]') built once and saved beside the vectors",
    )
    p.add_argument(
        "--ef-search",
        type=positive_int,
        default=128,
        metavar="N",
        help="hnsw: candidates kept per search (more: better recall, slower)",
    )
    add_vector_input(p)
    add_output_control(p)


def run(args: argparse.Namespace) -> int:
    """``w2v explore``: serve the page and the API until Ctrl-C."""
    require_file(args.vectors)
    try:
        from w2v.explore.server import serve
    except ImportError as exc:
        raise Failure(f"w2v explore needs: pip install 'w2v[serve]' ({exc})") from None
    from w2v.explore import Explorer

    explorer = Explorer.open(
        args.vectors,
        args.from_format,
        args.limit,
        no_header=args.no_header,
        index=None if args.index == "exact" else args.index,
        ef_search=args.ef_search,
        progress=not args.quiet,
    )
    log_level = "info" if args.debug else "warning"
    serve(explorer, host=args.host, port=args.port, open_browser=args.open, log_level=log_level)
    return 0
