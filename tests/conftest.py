"""Fixtures that find the test data, relative to the project root.

Files bundled with the package (``src/w2v/data/``) are used first. The large corpus and the
full evaluation sets live in ``../shared/data`` beside the project root (``corpus/`` and
``eval/``, each with a README). A missing file fails the tests that need it with the path it
was looked for at: tests never skip for lack of data.
"""

from __future__ import annotations

import lzma
import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from helpers import ROOT, SRC

# A test run started in the background of a non-interactive shell inherits SIGINT ignored, and
# every child it starts would too: then the Ctrl-C tests' children never see their Ctrl-C.
# A handler (unlike "ignored") is reset to the default in each child, which Python turns into
# KeyboardInterrupt as usual.
signal.signal(signal.SIGINT, signal.default_int_handler)

BUNDLED_DATA = SRC / "w2v" / "data"
SHARED_DATA = ROOT.parent / "shared" / "data"
#: text8 format (one line of lower-case words), the first of the corpus' four parts.
REAL_CORPUS = "enwiki2015-part1.text8.txt.xz"


def _require(path: Path, what: str) -> Path:
    if not path.exists():
        pytest.fail(f"{what} not found: {path}", pytrace=False)
    return path


@pytest.fixture(scope="session")
def bundled_data() -> Path:
    """``src/w2v/data``: the small corpus sample and evaluation sets shipped with w2v."""
    return _require(BUNDLED_DATA, "bundled data directory")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the project root: the large corpus and all evaluation sets."""
    return _require(SHARED_DATA, "shared data (../shared/data beside the project root)")


@pytest.fixture(scope="session")
def data_file(bundled_data: Path) -> Callable[[str], Path]:
    """``data_file(name)``: an evaluation file, bundled if it is, else from shared ``eval/``."""

    def find(name: str) -> Path:
        bundled = bundled_data / name
        if bundled.exists():
            return bundled
        return _require(SHARED_DATA / "eval" / name, f"{name} (not bundled either)")

    return find


@pytest.fixture(scope="session")
def real_corpus(shared_data: Path) -> Path:
    """The real English corpus (17.5M words of Wikipedia, text8 format, xz)."""
    return _require(shared_data / "corpus" / REAL_CORPUS, "real corpus")


@pytest.fixture(scope="session")
def real_words(real_corpus: Path) -> Callable[[int], list[str]]:
    """``real_words(n)``: the first ``n`` words of the real corpus."""

    def first(n: int) -> list[str]:
        with lzma.open(real_corpus, "rt", encoding="ascii") as f:
            words = f.read(n * 7).split()  # text8 words average under 6 letters plus a space
        if len(words) < n:
            pytest.fail(f"{real_corpus}: expected at least {n} words", pytrace=False)
        return words[:n]

    return first


@pytest.fixture(scope="session")
def real_sentences(real_words: Callable[[int], list[str]]) -> list[list[str]]:
    """200,000 real words cut into sentences of 100 words."""
    words = real_words(200_000)
    return [words[i : i + 100] for i in range(0, len(words), 100)]


def _word_pair_files() -> list[str]:
    # Every word-pair set in shared eval/ (the analogy file is the one that is not pairs).
    files = (SHARED_DATA / "eval").glob("*")
    names = [p.name for p in files if p.suffix in (".txt", ".tsv") and "questions" not in p.name]
    # None found: one parameter still runs, and fails naming the path (never zero tests).
    return sorted(names) or ["no-word-pair-files"]


@pytest.fixture
def pair_file(request: pytest.FixtureRequest, shared_data: Path) -> Path:
    """Each word-pair evaluation set of ``../shared/data/eval`` (tests using it run per file)."""
    folder = _require(shared_data / "eval", "evaluation sets")
    return _require(folder / request.param, "word-pair file")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "pair_file" in metafunc.fixturenames:
        metafunc.parametrize("pair_file", _word_pair_files(), indirect=True)
