"""Every public name of gensim 4.4's Word2Vec and KeyedVectors, name by name: its constructor
parameters, methods (and their parameters) and attributes either exist in w2v or are listed in
docs/gensim.md's table as not supported. The table must list every name, and a name it calls
"same" or "differs" must exist in w2v."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
from gensim.models import KeyedVectors as GensimKV
from gensim.models import Word2Vec as GensimW2V

from w2v.keyed_vectors import KeyedVectors
from w2v.word2vec import Word2Vec

DOC = Path(__file__).resolve().parent.parent / "docs" / "gensim.md"
SENTENCES = [["a", "b", "c", "a", "d"], ["b", "c", "d", "e"]] * 10
ROW = re.compile(r"^\| `([^`]+)` \| (same|differs|not supported) \|", re.MULTILINE)


def public(names) -> set[str]:
    return {n for n in names if not n.startswith("_")}


def table() -> dict[str, str]:
    """docs/gensim.md's name-by-name table: ``name -> same / differs / not supported``."""
    rows = ROW.findall(DOC.read_text())
    entries = dict(rows)
    assert len(entries) == len(rows), "a name is listed twice in docs/gensim.md"
    return entries


@pytest.fixture(scope="module")
def models():
    gensim_model = GensimW2V(SENTENCES, vector_size=4, min_count=1, hs=1, negative=5, epochs=1,
                             workers=1)  # fmt: skip
    ours = Word2Vec(SENTENCES, vector_size=4, min_count=1, hs=1, negative=5, epochs=1, workers=1)
    return gensim_model, ours


def gensim_names(gensim_model: GensimW2V) -> dict[str, set[str]]:
    """Names as the table spells them: ``Word2Vec(param=)``, ``Word2Vec.name``,
    ``KeyedVectors.name``."""
    params = [n for n in inspect.signature(GensimW2V.__init__).parameters if n != "self"]
    return {
        "Word2Vec": public(dir(GensimW2V)) | public(vars(gensim_model)),
        "KeyedVectors": public(dir(GensimKV)) | public(vars(gensim_model.wv)),
        "params": set(params),
    }


def our_names(model: Word2Vec) -> dict[str, set[str]]:
    # dir() holds the gensim 3 names whose access raises gensim 4's hint (as gensim's own)
    return {
        "Word2Vec": set(dir(Word2Vec)) | set(dir(model)),
        "KeyedVectors": set(dir(KeyedVectors)) | set(dir(model.wv)),
        "params": set(inspect.signature(Word2Vec.__init__).parameters),
    }


def method_parameters(gensim_cls: type, ours_cls: type, name: str) -> set[str]:
    """gensim's named parameters of ``name`` that w2v's method of that name lacks."""
    theirs = inspect.signature(getattr(gensim_cls, name)).parameters
    mine = inspect.signature(getattr(ours_cls, name)).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in mine.values()):
        return set()
    named = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return {n for n, p in theirs.items() if p.kind in named and n != "self"} - set(mine)


def all_rows(models) -> dict[str, bool]:
    """Every name the table must list, and whether w2v has it."""
    gensim_model, ours = models
    theirs, mine = gensim_names(gensim_model), our_names(ours)
    rows = {f"Word2Vec({n}=)": n in mine["params"] for n in theirs["params"]}
    for cls in ("Word2Vec", "KeyedVectors"):
        rows.update({f"{cls}.{n}": n in mine[cls] for n in theirs[cls]})
    for gensim_cls, ours_cls in ((GensimW2V, Word2Vec), (GensimKV, KeyedVectors)):
        label = ours_cls.__name__
        for name in public(dir(gensim_cls)):
            if callable(getattr(gensim_cls, name)) and callable(getattr(ours_cls, name, None)):
                for param in method_parameters(gensim_cls, ours_cls, name):
                    rows[f"{label}.{name}({param}=)"] = False
    return rows


def test_every_gensim_name_is_in_w2v_or_listed_as_not_supported(models):
    listed = table()
    rows = all_rows(models)
    missing = sorted(n for n, has in rows.items() if not has and listed.get(n) != "not supported")
    assert not missing, f"in gensim 4.4, not in w2v nor listed as not supported: {missing}"


def test_the_table_lists_every_name_and_says_true_things(models):
    listed = table()
    rows = all_rows(models)
    unlisted = sorted(set(rows) - set(listed))
    assert not unlisted, f"gensim 4.4 names missing from docs/gensim.md's table: {unlisted}"
    stale = sorted(set(listed) - set(rows))
    assert not stale, f"docs/gensim.md lists names gensim 4.4 does not have: {stale}"
    wrong = sorted(n for n, status in listed.items() if status != "not supported" and not rows[n])
    assert not wrong, f"listed as same/differs but missing in w2v: {wrong}"
    supported_but_listed = sorted(n for n, s in listed.items() if s == "not supported" and rows[n])
    assert not supported_but_listed, f"listed as not supported but present: {supported_but_listed}"
