"""Atomic file output: write beside the target, then rename, so a crash never leaves half a file."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from w2v.errors import ParameterError


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb", **open_kwargs: Any) -> Iterator[IO]:
    """Open a temporary file next to ``path``; on success it is fsynced and renamed onto it.

    Parameters
    ----------
    path : str or os.PathLike
        Final destination; its directory must exist.
    mode : str
        ``"wb"`` or a text mode such as ``"w"`` (then ``open_kwargs`` such as ``encoding``).

    If the ``with`` block raises, the temporary file is removed and ``path`` is left untouched.
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise ParameterError(f"cannot save to {path}: directory {directory} does not exist")
    tmp = directory / f".{path.name}.{secrets.token_hex(6)}.tmp"
    # mode 0o666 lets the umask decide the permissions, as for a plain open()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, mode, **open_kwargs) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
