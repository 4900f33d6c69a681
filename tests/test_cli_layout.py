"""How the command line is put together: command modules and their registration, logging
under the progress bar, and the first-run compilation notice."""

from __future__ import annotations

import importlib
import logging
import sys
import textwrap
from pathlib import Path

import pytest

import w2v.cli as cli
from w2v.cli.common import ArgumentParser
from w2v.cli.progress import announce_compilation

#: Modules of w2v/cli that are not commands.
INFRASTRUCTURE = {"__init__", "common", "progress", "word2vec_c", "train_continue", "train_outputs"}


def test_every_command_module_is_registered_and_has_help(capsys):
    files = {p.stem for p in Path(cli.__file__).parent.glob("*.py")} - INFRASTRUCTURE
    assert {m.__name__.rsplit(".", 1)[1] for m in cli.COMMANDS} == files
    top = cli.build_parser()
    for module in cli.COMMANDS:
        sub = ArgumentParser(prog="w2v").add_subparsers(parser_class=ArgumentParser)
        module.register(sub)
        assert sub.choices, f"{module.__name__} registered no command"
        for name, parser in sub.choices.items():
            run = parser.get_default("func")
            assert run.__module__ == module.__name__, (name, run)
            with pytest.raises(SystemExit) as exc:
                top.parse_args([name, "--help"])
            assert exc.value.code == 0
            assert f"usage: w2v {name} " in capsys.readouterr().out


def test_log_lines_reach_stderr_and_logging_is_left_as_found(tmp_path, capsys):
    src = tmp_path / "v.txt"
    src.write_text("2 3\nking 1 2 3\nqueen 1 2 4\n")
    log = logging.getLogger("w2v")
    before = (list(log.handlers), log.level, log.propagate)
    assert cli.main(["convert", str(src), str(tmp_path / "v.bin")]) == 0
    err = capsys.readouterr().err
    assert f"w2v: loaded 2 vectors of 3 dimensions from {src} (text)" in err
    assert (list(log.handlers), log.level, log.propagate) == before
    assert cli.main(["convert", str(src), str(tmp_path / "v2.bin"), "-q"]) == 0
    assert capsys.readouterr().err == ""


def test_compile_notice_only_while_the_cache_is_cold(tmp_path, monkeypatch, caplog):
    source = tmp_path / "w2v_notice_probe.py"
    source.write_text(
        textwrap.dedent("""
            from numba import njit

            @njit(cache=True)
            def twice(x):
                return 2 * x
        """)
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    name = source.stem
    caplog.set_level(logging.INFO, logger="w2v")

    assert announce_compilation((name,)) is True  # never compiled: no cache index
    assert "compiling the training kernels (one time" in caplog.text
    caplog.clear()
    assert importlib.import_module(name).twice(21) == 42  # compiles and fills the cache
    assert announce_compilation((name,)) is False
    assert caplog.text == ""
    # An edited source invalidates the cached code: the next run compiles again.
    source.write_text(source.read_text().replace("2 * x", "3 * x"))
    monkeypatch.delitem(sys.modules, name)
    assert announce_compilation((name,)) is True
    # A module that is not there (or has no cached functions) never triggers the notice.
    assert announce_compilation(("w2v_no_such_module",)) is False
