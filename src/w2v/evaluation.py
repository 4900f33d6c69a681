"""Intrinsic evaluation of word vectors: analogy questions and word-pair similarity.

Both functions reproduce gensim 4.4's ``KeyedVectors.evaluate_word_analogies`` /
``evaluate_word_pairs`` (same vocabulary restriction, case folding, OOV handling and
candidate selection), but answer analogy questions with blocked matrix products instead
of one query per question.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import stats

from w2v.errors import FormatError, ParameterError, W2VError
from w2v.topk import top_k_rows

if TYPE_CHECKING:
    from w2v.keyed_vectors import KeyedVectors

__all__ = [
    "AnalogyResult",
    "AnalogySection",
    "WordPairsResult",
    "evaluate_word_analogies",
    "evaluate_word_pairs",
]

Question = tuple[str, str, str, str]

# Score-matrix elements per block (float32): bounds memory at ~64 MB whatever the vocabulary.
# The buffers are allocated once and reused: fresh multi-MB arrays cost page faults that
# take longer than the matrix product itself.
_BLOCK_ELEMENTS = 1 << 24
# gensim looks at the 5 best candidates (query words excluded) for one outside the question.
_CANDIDATES = 5
# Scores closer than this may rank differently in a matrix product than in a single
# matrix-vector product (float32 rounding); such questions are re-scored one at a time with
# KeyedVectors' single-query arithmetic, so results do not depend on block size or BLAS.
_TIE_TOLERANCE = 1e-5


@dataclass(frozen=True)
class AnalogySection:
    """Results for one section of an analogy file (or an aggregate of sections).

    Attributes
    ----------
    name : str
        Section name (``"Total accuracy"``, ``"Semantic"``, ``"Syntactic"`` for aggregates).
    correct, incorrect : list of tuple of str
        Questions answered right / wrong, as ``(a, b, c, expected)`` (upper-cased when
        evaluating case-insensitively, as gensim reports them).
    skipped : int
        Questions not evaluated because a word is outside the (restricted) vocabulary.
    """

    name: str
    correct: list[Question] = field(default_factory=list)
    incorrect: list[Question] = field(default_factory=list)
    skipped: int = 0

    @property
    def n_correct(self) -> int:
        """Number of questions answered right."""
        return len(self.correct)

    @property
    def n_seen(self) -> int:
        """Number of questions evaluated (right or wrong)."""
        return len(self.correct) + len(self.incorrect)

    @property
    def n_questions(self) -> int:
        """All well-formed questions of the section, evaluated or skipped."""
        return self.n_seen + self.skipped

    @property
    def accuracy(self) -> float:
        """``n_correct / n_seen``, or 0.0 when nothing was evaluated (as gensim)."""
        return self.n_correct / self.n_seen if self.n_seen else 0.0


@dataclass(frozen=True)
class AnalogyResult:
    """Outcome of :func:`evaluate_word_analogies`.

    Unpacks like gensim's result, ``score, sections = result`` (see :meth:`to_gensim`).

    Attributes
    ----------
    sections : list of AnalogySection
        One per ``": name"`` section of the file, in file order.
    total, semantic, syntactic : AnalogySection
        All sections; the first five (semantic, in the Google set); the others (syntactic).
    method : str
        ``"3cosadd"`` or ``"3cosmul"``.
    restrict_vocab : int
        Number of most frequent words used (questions and candidates).
    invalid_lines : int
        Lines that are not four words (ignored, as gensim does).
    """

    sections: list[AnalogySection]
    total: AnalogySection
    semantic: AnalogySection
    syntactic: AnalogySection
    method: str
    restrict_vocab: int
    invalid_lines: int = 0

    @property
    def accuracy(self) -> float:
        """Overall accuracy over evaluated questions."""
        return self.total.accuracy

    @property
    def oov_ratio(self) -> float:
        """Fraction of questions skipped for out-of-vocabulary words."""
        n = self.total.n_questions
        return self.total.skipped / n if n else 0.0

    def to_gensim(self) -> tuple[float, list[dict[str, Any]]]:
        """The ``(score, sections)`` pair gensim's ``evaluate_word_analogies`` returns."""
        out = [
            {"section": s.name, "correct": list(s.correct), "incorrect": list(s.incorrect)}
            for s in [*self.sections, self.total]
        ]
        return self.accuracy, out

    # Unpacks like gensim's tuple (``score, sections = kv.evaluate_word_analogies(...)``)
    # while the named fields stay available.
    def __iter__(self) -> Iterator[Any]:
        return iter(self.to_gensim())

    def __getitem__(self, index: int) -> Any:
        return self.to_gensim()[index]

    def __len__(self) -> int:
        return 2

    def summary(self) -> str:
        """Human-readable table of per-section accuracies."""
        lines = [f"{'section':32s} {'accuracy':>8s} {'correct':>8s} {'seen':>6s} {'skipped':>7s}"]
        for s in [*self.sections, self.semantic, self.syntactic, self.total]:
            lines.append(
                f"{s.name:32s} {100 * s.accuracy:7.2f}% "
                f"{s.n_correct:8d} {s.n_seen:6d} {s.skipped:7d}"
            )
        return "\n".join(lines)


@dataclass(frozen=True)
class WordPairsResult:
    """Outcome of :func:`evaluate_word_pairs`.

    Unpacks like gensim's result, ``(pearson, p), (spearman, p), oov_percent = result`` (see
    :meth:`to_gensim`).

    Attributes
    ----------
    pearson, pearson_pvalue : float
        Pearson correlation between human scores and cosine similarities, and its p-value.
    spearman, spearman_pvalue : float
        Spearman rank correlation and its p-value (the usual headline number).
    n_pairs : int
        Pairs in the file.
    n_oov : int
        Pairs with a word outside the (restricted) vocabulary.
    oov_ratio : float
        ``n_oov / n_pairs`` as a fraction (gensim reports it as a percentage).
    """

    pearson: float
    pearson_pvalue: float
    spearman: float
    spearman_pvalue: float
    n_pairs: int
    n_oov: int
    oov_ratio: float

    def to_gensim(self) -> tuple[tuple[float, float], tuple[float, float], float]:
        """``((pearson, p), (spearman, p), oov_percent)`` as gensim returns them."""
        return (
            (self.pearson, self.pearson_pvalue),
            (self.spearman, self.spearman_pvalue),
            100.0 * self.oov_ratio,
        )

    # Unpacks like gensim's tuple (``pearson, spearman, oov = kv.evaluate_word_pairs(...)``)
    # while the named fields stay available.
    def __iter__(self) -> Iterator[Any]:
        return iter(self.to_gensim())

    def __getitem__(self, index: int) -> Any:
        return self.to_gensim()[index]

    def __len__(self) -> int:
        return 3


def _read_lines(path: str | os.PathLike[str]) -> list[str]:
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise FormatError(f"{os.fspath(path)}: cannot open: {exc.strerror}") from None
    try:
        return data.decode("utf-8").splitlines()
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise FormatError(f"{os.fspath(path)}: line {line} is not valid UTF-8") from None


def _vocabulary(
    kv: KeyedVectors, restrict_vocab: int, case_insensitive: bool
) -> tuple[dict[str, int], np.ndarray, int]:
    """gensim's ``ok_vocab``: first `restrict_vocab` words, folded; first occurrence wins.

    Also returns, for each of those words, the index its folded form maps to (so
    "is this candidate a case variant of a question word" is an integer comparison).
    """
    if isinstance(restrict_vocab, bool) or not isinstance(restrict_vocab, int | np.integer):
        raise ParameterError(f"restrict_vocab must be an int, got {restrict_vocab!r}")
    if restrict_vocab < 1:
        raise ParameterError(f"restrict_vocab must be >= 1, got {restrict_vocab}")
    size = min(int(restrict_vocab), len(kv))
    keys = kv.index_to_key[:size]
    folded = [k.upper() for k in keys] if case_insensitive else keys
    vocab: dict[str, int] = {}
    for i in range(size - 1, -1, -1):
        vocab[folded[i]] = i
    canonical = np.fromiter((vocab[f] for f in folded), dtype=np.int64, count=size)
    return vocab, canonical, size


def _choose(
    best: np.ndarray, canonical: np.ndarray, questions: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """gensim's pick among the top candidates: the first that is not a question word.

    Returns the chosen vocabulary index per question (-1 if there was no candidate at all)
    and the position of the choice in `best` (the ranking it depends on).
    """
    top = best[:, :_CANDIDATES]
    valid = top >= 0
    canon = np.where(valid, canonical[np.maximum(top, 0)], -1)
    acceptable = valid & np.all(canon[:, :, None] != questions[:, None, :3], axis=2)
    has = acceptable.any(axis=1)
    first = np.argmax(acceptable, axis=1)
    # No acceptable candidate: gensim keeps the last one it looked at.
    last = np.maximum(valid.sum(axis=1) - 1, 0)
    pos = np.where(has, first, last)
    chosen = np.take_along_axis(top, pos[:, None], axis=1)[:, 0] if top.shape[1] else None
    if chosen is None:
        return np.full(len(best), -1, dtype=np.int64), np.zeros(len(best), dtype=np.int64)
    return chosen, pos


def _single_scores(kv: KeyedVectors, method: str, q: np.ndarray, size: int) -> np.ndarray:
    """Scores for one question with the single-query arithmetic of KeyedVectors."""
    a, b, c = (kv.index_to_key[i] for i in q[:3])
    if method == "3cosadd":
        query = kv._query_vector([(b, 1.0), (c, 1.0), (a, -1.0)])
        scores = kv._scores(query, size)
    else:
        scores = kv.most_similar_cosmul(
            positive=[b, c], negative=[a], topn=None, restrict_vocab=size
        )
    scores = np.array(scores, dtype=scores.dtype)
    scores[q[:3]] = -np.inf
    return scores


def _answer_block(
    kv: KeyedVectors,
    method: str,
    q: np.ndarray,
    size: int,
    canonical: np.ndarray,
    buffers: list[np.ndarray],
) -> np.ndarray:
    """Whether each question of the block ``q`` (rows a, b, c, d indices) is answered right.

    `buffers` are preallocated ``(block, size)`` float32 arrays (1 for 3CosAdd, 3 for 3CosMul).
    """
    normed = kv.get_normed_vectors()[:size]
    ua, ub, uc = normed[q[:, 0]], normed[q[:, 1]], normed[q[:, 2]]
    n = len(q)
    if method == "3cosadd":
        # Same float32 steps as KeyedVectors._query_vector ((b + c) - a, then / 3 and unit).
        mean = ((ub + uc) - ua).astype(np.float64) / 3.0
        length = np.linalg.norm(mean, axis=1, keepdims=True)
        query = (mean / np.where(length > 0, length, 1.0)).astype(np.float32)
        scores = np.matmul(query, normed.T, out=buffers[0][:n])
    else:
        # ((1 + cos_b) / 2) * ((1 + cos_c) / 2) / ((1 + cos_a) / 2 + 1e-6), in place.
        sims = []
        for u, buf in zip((ua, ub, uc), buffers, strict=True):
            s = np.matmul(u, normed.T, out=buf[:n])
            s += 1
            s /= 2
            sims.append(s)
        sa, scores, sc = sims
        scores *= sc
        sa += np.float32(1e-6)
        scores /= sa
    rows = np.repeat(np.arange(len(q)), 3)
    scores[rows, q[:, :3].ravel()] = -np.inf
    best, values = top_k_rows(scores, _CANDIDATES + 1)
    chosen, pos = _choose(best, canonical, q)
    # Near ties anywhere up to just below the chosen candidate could flip the answer.
    with np.errstate(invalid="ignore"):  # -inf - -inf (no more candidates): nan, not a tie
        gaps = values[:, :-1] - values[:, 1:]
    near = (gaps < _TIE_TOLERANCE) & (np.arange(_CANDIDATES)[None, :] <= pos[:, None])
    for r in np.flatnonzero(near.any(axis=1)):
        single = _single_scores(kv, method, q[r], size)
        b1, _ = top_k_rows(single[None, :], _CANDIDATES)
        chosen[r] = _choose(b1, canonical, q[r : r + 1])[0][0]
    ok = chosen >= 0
    return ok & (canonical[np.maximum(chosen, 0)] == q[:, 3])


def evaluate_word_analogies(
    kv: KeyedVectors,
    path: str | os.PathLike[str],
    restrict_vocab: int = 300000,
    case_insensitive: bool = True,
    method: str = "3cosadd",
    dummy4unknown: bool = False,
    n_semantic_sections: int = 5,
) -> AnalogyResult:
    """Accuracy on an analogy file in the Google ``questions-words.txt`` format.

    Each question ``a b c d`` asks for the word closest to ``b - a + c`` (3CosAdd) or best by
    3CosMul, searching the first `restrict_vocab` words and excluding ``a``, ``b``, ``c``
    and their case variants. Exactly gensim 4.4's procedure: among the 5 best candidates
    other than the question words' vocabulary entries, the first whose folded form is not a
    question word is the answer.

    Parameters
    ----------
    kv : KeyedVectors
        Vectors to evaluate (words in descending frequency order).
    path : str or os.PathLike
        Analogy file: ``": section"`` header lines, then ``a b c d`` lines.
    restrict_vocab : int, default 300000
        Only the first `restrict_vocab` words are used; questions with another word are
        skipped (gensim's default is 300000; word2vec's ``compute-accuracy`` is usually run
        with 30000).
    case_insensitive : bool, default True
        Fold case (upper-case both the vocabulary and the questions); with several case
        variants of a word, the most frequent one's vector is used.
    method : {'3cosadd', '3cosmul'}
        Analogy objective. gensim only implements 3CosAdd in its evaluation.
    dummy4unknown : bool, default False
        Count questions with an out-of-vocabulary word as wrong instead of skipping them.
    n_semantic_sections : int, default 5
        The first this many sections form the semantic aggregate, the rest the syntactic
        one (5 for the Google set).

    Returns
    -------
    AnalogyResult
        Per-section and aggregate results; ``to_gensim()`` gives gensim's return value.

    Raises
    ------
    FormatError
        If the file cannot be read or a question precedes the first section header.
    """
    if method not in ("3cosadd", "3cosmul"):
        raise ParameterError(f"method must be '3cosadd' or '3cosmul', got {method!r}")
    vocab, canonical, size = _vocabulary(kv, restrict_vocab, case_insensitive)
    parsed: list[tuple[str, list[Question], list[list[int]], list[Question]]] = []
    invalid = 0
    for line_no, line in enumerate(_read_lines(path), start=1):
        if line.startswith(": "):
            parsed.append((line.lstrip(": ").strip(), [], [], []))
            continue
        if not parsed:
            if not line.strip():
                continue
            raise FormatError(f"{os.fspath(path)}: line {line_no}: question before any ': section'")
        words = line.split()
        if len(words) != 4:
            invalid += 1  # gensim skips such lines (blank lines included)
            continue
        question = tuple(w.upper() for w in words) if case_insensitive else tuple(words)
        indices = [vocab.get(w, -1) for w in question]
        if min(indices) < 0:
            parsed[-1][3].append(question)  # type: ignore[arg-type]
        else:
            parsed[-1][1].append(question)  # type: ignore[arg-type]
            parsed[-1][2].append(indices)

    n_buffers = 3 if method == "3cosmul" else 1
    longest = max((len(p[1]) for p in parsed), default=0)
    block = max(1, min(longest, 4096, _BLOCK_ELEMENTS // (size * n_buffers)))
    buffers = [np.empty((block, size), dtype=np.float32) for _ in range(n_buffers)]
    sections = []
    for name, questions, indices, oov in parsed:
        right = np.zeros(len(questions), dtype=bool)
        q_all = np.asarray(indices, dtype=np.int64).reshape(-1, 4)
        for start in range(0, len(questions), block):
            q = q_all[start : start + block]
            right[start : start + len(q)] = _answer_block(kv, method, q, size, canonical, buffers)
        correct = [qq for qq, r in zip(questions, right, strict=True) if r]
        incorrect = [qq for qq, r in zip(questions, right, strict=True) if not r]
        if dummy4unknown:
            # gensim appends OOV questions to 'incorrect' in file order among the others;
            # only the counts are meaningful, so they go last here.
            incorrect += oov
            sections.append(AnalogySection(name, correct, incorrect, 0))
        else:
            sections.append(AnalogySection(name, correct, incorrect, len(oov)))

    def merge(name: str, parts: list[AnalogySection]) -> AnalogySection:
        return AnalogySection(
            name,
            [q for s in parts for q in s.correct],
            [q for s in parts for q in s.incorrect],
            sum(s.skipped for s in parts),
        )

    return AnalogyResult(
        sections=sections,
        total=merge("Total accuracy", sections),
        semantic=merge("Semantic", sections[:n_semantic_sections]),
        syntactic=merge("Syntactic", sections[n_semantic_sections:]),
        method=method,
        restrict_vocab=size,
        invalid_lines=invalid,
    )


def _cosines(vectors: np.ndarray, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Cosine similarity of rows ``left[i]`` and ``right[i]``, computed in float64.

    Float32 cosines carry rounding errors of ~1e-7, enough to tie or swap two pairs whose
    true similarities differ by less; Spearman's rank correlation then depends on whose
    float32 arithmetic (BLAS, summation order) produced them. In float64 the ranks are the
    true ones. A zero vector has similarity 0 with everything (as gensim).
    """
    a = vectors[left].astype(np.float64)
    b = vectors[right].astype(np.float64)
    lengths = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    return np.einsum("ij,ij->i", a, b) / np.where(lengths > 0, lengths, 1.0)


def evaluate_word_pairs(
    kv: KeyedVectors,
    path: str | os.PathLike[str],
    restrict_vocab: int = 300000,
    case_insensitive: bool = True,
    dummy4unknown: bool = False,
) -> WordPairsResult:
    """Correlation of cosine similarities with human judgements (WordSim-353, SimLex-999, ...).

    Parameters
    ----------
    kv : KeyedVectors
        Vectors to evaluate.
    path : str or os.PathLike
        One pair per line, ``word1 word2 score``, separated by tabs (if the line has a tab)
        or by spaces; blank lines and lines starting with ``#`` are ignored.
    restrict_vocab : int, default 300000
        Pairs with a word outside the first `restrict_vocab` words count as OOV.
    case_insensitive : bool, default True
        Fold case; with several case variants the most frequent word's vector is used.
    dummy4unknown : bool, default False
        Give OOV pairs similarity 0 and keep them in the correlation instead of skipping.

    Returns
    -------
    WordPairsResult
        Pearson and Spearman correlations (scipy.stats), their p-values and the OOV ratio.

    Raises
    ------
    FormatError
        If a line is not two words and a number (its line number is given).
    W2VError
        If no pair can be evaluated.
    """
    vocab, _, _ = _vocabulary(kv, restrict_vocab, case_insensitive)
    gold: list[float] = []
    left: list[int] = []
    right: list[int] = []
    n_pairs = n_oov = 0
    for line_no, line in enumerate(_read_lines(path), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t") if "\t" in line else line.split()
        parts = [p.strip() for p in parts]
        try:
            if len(parts) != 3:
                raise ValueError
            a, b, score = parts[0], parts[1], float(parts[2])
        except ValueError:
            raise FormatError(
                f"{os.fspath(path)}: line {line_no}: expected 'word1 word2 score', got {line!r}"
            ) from None
        if case_insensitive:
            a, b = a.upper(), b.upper()
        n_pairs += 1
        ia, ib = vocab.get(a, -1), vocab.get(b, -1)
        if ia < 0 or ib < 0:
            n_oov += 1
            if not dummy4unknown:
                continue
        gold.append(score)
        left.append(ia)
        right.append(ib)
    if len(gold) < 2:
        raise W2VError(
            f"{os.fspath(path)}: only {len(gold)} of {n_pairs} pairs have both words in the "
            "vocabulary; correlations need at least 2"
        )
    li, ri = np.asarray(left), np.asarray(right)
    sims = _cosines(kv.vectors, li, ri)
    sims[(li < 0) | (ri < 0)] = 0.0  # dummy4unknown pairs
    pearson = stats.pearsonr(gold, sims)
    spearman = stats.spearmanr(gold, sims)
    return WordPairsResult(
        pearson=float(pearson[0]),
        pearson_pvalue=float(pearson[1]),
        spearman=float(spearman[0]),
        spearman_pvalue=float(spearman[1]),
        n_pairs=n_pairs,
        n_oov=n_oov,
        oov_ratio=n_oov / n_pairs if n_pairs else 0.0,
    )
