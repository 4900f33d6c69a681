"""gensim tutorial code runs on w2v with only the imports changed.

The code below is what gensim's Word2Vec tutorial and callback examples do (a restartable
corpus class, build_vocab then train with total_examples, a CallbackAny2Vec subclass with
gensim's hooks, compute_loss, most_similar, evaluation, save/load, vocabulary update). It is
run twice, once with gensim's imports and once with w2v's, and the two runs are compared.
"""

from __future__ import annotations

import lzma
import math
from itertools import pairwise
from pathlib import Path

import pytest

import w2v

BUNDLED = Path(w2v.__file__).parent / "data"

GENSIM_IMPORTS = """
from gensim.models import KeyedVectors, Word2Vec
from gensim.models.callbacks import CallbackAny2Vec
"""
W2V_IMPORTS = """
from w2v import KeyedVectors, Word2Vec
from w2v.callbacks import CallbackAny2Vec
"""

TUTORIAL = """
class MyCorpus:
    \"\"\"An iterator that yields sentences (lists of str).\"\"\"

    def __init__(self, lines):
        self.lines = lines

    def __iter__(self):
        for line in self.lines:
            yield line.split()


class EpochLogger(CallbackAny2Vec):
    \"\"\"Callback to log information about training.\"\"\"

    def __init__(self):
        self.epoch = 0
        self.begun = []
        self.losses = []

    def on_epoch_begin(self, model):
        self.begun.append(self.epoch)

    def on_epoch_end(self, model):
        self.losses.append(model.get_latest_training_loss())
        self.epoch += 1


sentences = MyCorpus(first_lines)
epoch_logger = EpochLogger()
model = Word2Vec(vector_size=50, window=5, min_count=5, workers=1, seed=42)
model.build_vocab(sentences)
model.train(sentences, total_examples=model.corpus_count, epochs=model.epochs,
            compute_loss=True, callbacks=[epoch_logger])
training_loss = model.get_latest_training_loss()

vec_king = model.wv["king"]
top_words = [model.wv.index_to_key[index] for index in range(10)]
count_the = model.wv.get_vecattr("the", "count")
similar = model.wv.most_similar(positive=["king", "woman"], negative=["man"], topn=10)
neighbours = [word for word, _ in model.wv.most_similar("french", topn=10)]
similarity = model.wv.similarity("france", "germany")
odd_one = model.wv.doesnt_match(["france", "germany", "italy", "spain", "piano"])
analogy_score, sections = model.wv.evaluate_word_analogies(questions)
pearson, spearman, oov_ratio = model.wv.evaluate_word_pairs(pairs)

model.save(model_path)
new_model = Word2Vec.load(model_path)
reloaded_neighbours = [word for word, _ in new_model.wv.most_similar("french", topn=10)]
model.wv.save(vectors_path)
wv = KeyedVectors.load(vectors_path, mmap="r")

words_before = len(model.wv)
more_sentences = MyCorpus(more_lines)
model.build_vocab(more_sentences, update=True)
model.train(more_sentences, total_examples=model.corpus_count, epochs=model.epochs)
words_after = len(model.wv)
updated_neighbours = [word for word, _ in model.wv.most_similar("french", topn=10)]
attributes = (model.corpus_count, model.epochs, model.vector_size, model.window, model.sg,
              model.hs, model.negative, model.min_count)
"""


@pytest.fixture(scope="module")
def lines() -> tuple[list[str], list[str]]:
    """About 600,000 words of the bundled sample, then about 200,000 more."""
    with lzma.open(BUNDLED / "sample.txt.xz", "rt", encoding="utf-8") as f:
        text = [next(f) for _ in range(14_000)]
    return text[:10_000], text[10_000:]


def run(imports: str, lines, tmp_path: Path) -> dict:
    namespace = {
        "first_lines": lines[0],
        "more_lines": lines[1],
        "questions": str(BUNDLED / "questions-words.txt"),
        "pairs": str(BUNDLED / "wordsim353.tsv"),
        "model_path": str(tmp_path / "word2vec.model"),
        "vectors_path": str(tmp_path / "word2vec.wordvectors"),
    }
    exec(compile(imports + TUTORIAL, "tutorial", "exec"), namespace)
    return namespace


@pytest.fixture(scope="module")
def gensim_run(lines, tmp_path_factory) -> dict:
    return run(GENSIM_IMPORTS, lines, tmp_path_factory.mktemp("gensim"))


@pytest.fixture(scope="module")
def w2v_run(lines, tmp_path_factory) -> dict:
    return run(W2V_IMPORTS, lines, tmp_path_factory.mktemp("w2v"))


def overlap(a: list[str], b: list[str]) -> float:
    return len(set(a) & set(b)) / max(len(a), 1)


def test_vocabulary_counts_and_attributes_equal_gensim(w2v_run, gensim_run):
    ours, theirs = w2v_run, gensim_run
    assert ours["top_words"] == theirs["top_words"]
    assert ours["count_the"] == theirs["count_the"]
    assert ours["words_before"] == theirs["words_before"]
    # gensim's update rule: a new word needs min_count in the new text alone
    assert ours["words_after"] == theirs["words_after"] > ours["words_before"]
    assert ours["attributes"] == theirs["attributes"]
    assert ours["attributes"][:2] == (len(ours["more_lines"]), 5)
    assert ours["vec_king"].shape == (50,)


def test_callbacks_and_loss_follow_gensim_hooks(w2v_run, gensim_run):
    ours, theirs = w2v_run, gensim_run
    for run_ in (ours, theirs):
        logger = run_["epoch_logger"]
        assert logger.begun == [0, 1, 2, 3, 4] and len(logger.losses) == 5
        assert all(b > a > 0 for a, b in pairwise(logger.losses))  # cumulative
    losses = ours["epoch_logger"].losses
    assert ours["training_loss"] == losses[-1] and math.isfinite(losses[-1])
    per_epoch = [b - a for a, b in pairwise([0.0, *losses])]
    assert per_epoch[-1] < per_epoch[0]  # it learns


def test_quality_matches_gensim(w2v_run, gensim_run):
    ours, theirs = w2v_run, gensim_run
    assert ours["odd_one"] == theirs["odd_one"] == "piano"
    assert ours["spearman"][0] > theirs["spearman"][0] - 0.05
    assert ours["oov_ratio"] == pytest.approx(theirs["oov_ratio"])
    assert (
        ours["analogy_score"]
        # new_model: saved before the update, so the model the score was computed on
        == ours["new_model"].wv.evaluate_word_analogies(ours["questions"]).accuracy
    )
    assert [s["section"] for s in ours["sections"]] == [s["section"] for s in theirs["sections"]]


def test_save_load_and_update_keep_the_model(w2v_run, gensim_run):
    ours = w2v_run
    assert ours["reloaded_neighbours"] == ours["neighbours"]
    wv = ours["wv"]  # saved before the update
    assert len(wv) == ours["words_before"] and wv.index_to_key[:10] == ours["top_words"]
    assert not wv.vectors.flags.writeable
    assert (wv.vectors == ours["new_model"].wv.vectors).all()
    # an update moves the neighbours of a word it saw again no more than gensim's does
    stability = overlap(ours["updated_neighbours"], ours["neighbours"])
    assert stability >= overlap(gensim_run["updated_neighbours"], gensim_run["neighbours"]) - 0.1


def test_gensim_runs_the_same_code(gensim_run):
    assert gensim_run["words_after"] > gensim_run["words_before"]  # the reference itself works
