"""Word2Vec's explicit signature agrees with Params, the single source of the defaults."""

from __future__ import annotations

import dataclasses
import inspect
import re

from w2v.params import Params
from w2v.word2vec import Word2Vec

CORPUS_ALIASES = ("corpus", "corpus_file", "sentences")
#: gensim's callables: passed on (trim_rule) or kept as an attribute, not saved parameters
NOT_SAVED = ("trim_rule", "hashfxn")


def test_the_signature_has_every_parameter_with_the_params_default():
    signature = inspect.signature(Word2Vec.__init__).parameters
    defaults = {f.name: f.default for f in dataclasses.fields(Params)}
    not_params = ("self", *CORPUS_ALIASES, *NOT_SAVED, "callbacks")
    named = {n: p for n, p in signature.items() if n not in not_params}
    assert list(named) == list(defaults)  # same names, same order
    for name, p in named.items():
        assert p.kind is inspect.Parameter.KEYWORD_ONLY, name
        assert p.default == defaults[name] and type(p.default) is type(defaults[name]), name
    assert Word2Vec().params == Params()


def test_the_docstring_documents_every_parameter():
    # numpydoc entries: "    name : type" or "    name1, name2 : type"
    entries = re.findall(r"^    (\w+(?:, \w+)*) :", Word2Vec.__doc__, flags=re.MULTILINE)
    documented = [name for entry in entries for name in entry.split(", ")]
    assert documented == [*CORPUS_ALIASES, *Params.names(), *NOT_SAVED, "callbacks"]


def test_repr_shows_the_architecture_what_differs_from_the_defaults_and_the_state():
    model = Word2Vec(sg=1, min_count=1, seed=4)
    assert repr(model) == (
        "Word2Vec(sg=1, hs=0, negative=5, vector_size=100, window=5, min_count=1, seed=4, "
        "vocab=None, epochs_trained=0)"
    )
    model = Word2Vec([["a", "b", "c"]] * 5, min_count=1, epochs=2, softmax=1, negative=0)
    assert repr(model) == (
        "Word2Vec(sg=0, hs=0, negative=0, softmax=1, vector_size=100, window=5, min_count=1, "
        "epochs=2, vocab=3 words, epochs_trained=2)"
    )
