"""Word vectors with a vocabulary: lookups, similarity queries and analogy arithmetic.

:class:`KeyedVectors` is what a trained model exposes as ``model.wv`` and what
:meth:`KeyedVectors.load_word2vec_format` returns. Its query methods follow gensim 4's
semantics (same arguments, same results) so code and results carry over.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.linalg import blas

import w2v.formats.native as native
import w2v.formats.word2vec_format as word2vec_format
from w2v.errors import FormatError, ParameterError, W2VError
from w2v.exact_search import exact_top_k
from w2v.lifecycle import record_event
from w2v.topk import top_k_rows

if TYPE_CHECKING:
    from w2v.evaluation import AnalogyResult, WordPairsResult

__all__ = ["KeyedVectors"]

logger = logging.getLogger(__name__)

#: A query term: a word, a raw vector, or either paired with a weight.
Term = str | np.ndarray | tuple[str | np.ndarray, float]

# Largest score matrix (in float32 elements) built at once by batched queries (~64 MB); it is
# allocated once and reused, since page-faulting fresh big arrays costs more than the product.
_BATCH_ELEMENTS = 1 << 24

_MIGRATE = "See https://github.com/RaRe-Technologies/gensim/wiki/Migrating-from-Gensim-3.x-to-4"
_GENSIM3_VOCAB = (
    "The vocab attribute was removed from KeyedVector in Gensim 4.0.0.\n"
    "Use KeyedVector's .key_to_index dict, .index_to_key list, and methods "
    ".get_vecattr(key, attr) and .set_vecattr(key, attr, new_val) instead.\n" + _MIGRATE
)
_GENSIM3_INDEX = (
    "The {} attribute has been replaced by index_to_key since Gensim 4.0.0.\n" + _MIGRATE
)
_GENSIM3_NORM = (
    "The `.vectors_norm` attribute is computed dynamically since Gensim 4.0.0. "
    "Use `.get_normed_vectors()` instead.\n" + _MIGRATE
)


def _as_term_list(value: Any) -> list[Any]:
    """Accept one word / vector or a list of them, like gensim's ``_ensure_list``."""
    if value is None:
        return []
    if isinstance(value, str) or (isinstance(value, np.ndarray) and value.ndim == 1):
        return [value]
    if isinstance(value, np.ndarray) and value.ndim == 2:
        return list(value)
    return list(value)


def _check_restrict(restrict_vocab: int | None, size: int) -> int:
    if restrict_vocab is None:
        return size
    if isinstance(restrict_vocab, bool) or not isinstance(restrict_vocab, int | np.integer):
        raise ParameterError(f"restrict_vocab must be None or an int, got {restrict_vocab!r}")
    if restrict_vocab < 1:
        raise ParameterError(f"restrict_vocab must be >= 1, got {restrict_vocab}")
    return min(int(restrict_vocab), size)


def _is_own_index(indexer: Any, kv: KeyedVectors) -> bool:
    """Whether `indexer` is w2v's approximate index (of these vectors: else an error)."""
    from w2v.approximate_index import HnswIndex

    if not isinstance(indexer, HnswIndex):
        return False
    if len(indexer) != len(kv) or indexer.kv.vector_size != kv.vector_size:
        raise ParameterError(
            f"indexer was built on {len(indexer)} x {indexer.kv.vector_size} vectors, "
            f"these are {len(kv)} x {kv.vector_size}"
        )
    return True


def _check_topn(topn: int | None) -> None:
    if topn is not None and (isinstance(topn, bool) or not isinstance(topn, int | np.integer)):
        raise ParameterError(f"topn must be an int or None, got {topn!r}")


class KeyedVectors:
    """A vocabulary of words and one vector per word.

    Parameters
    ----------
    index_to_key : list of str
        The words, normally in descending frequency order (the order ``restrict_vocab``
        relies on). Must be unique.
    vectors : numpy.ndarray
        Shape ``(len(index_to_key), dim)``; stored as float32 (kept without copying when it
        already is C-contiguous float32, so it can share memory with a training engine).
    counts : numpy.ndarray, optional
        ``int64`` corpus counts aligned with `index_to_key`.

    Notes
    -----
    Unit-normalised vectors (and the norms) are computed on first use and cached. Assigning
    ``kv.vectors = ...`` drops the cache; after modifying ``kv.vectors`` *in place* (for
    example when training continues on shared memory) call ``kv.fill_norms(force=True)``.
    The cache holds a second ``(V, dim)`` float32 matrix. Zero vectors have similarity 0
    with everything (gensim would give NaN).

    Examples
    --------
    >>> import numpy as np
    >>> kv = KeyedVectors(["king", "queen", "man"], np.eye(3, dtype=np.float32))
    >>> kv["queen"].tolist()
    [0.0, 1.0, 0.0]
    >>> "man" in kv, len(kv), kv.vector_size
    (True, 3, 3)
    """

    def __init__(
        self,
        index_to_key: list[str],
        vectors: np.ndarray,
        counts: np.ndarray | None = None,
    ) -> None:
        self.index_to_key: list[str] = list(index_to_key)
        self.key_to_index: dict[str, int] = {w: i for i, w in enumerate(self.index_to_key)}
        if len(self.key_to_index) != len(self.index_to_key):
            seen: set[str] = set()
            dup = next(w for w in self.index_to_key if w in seen or seen.add(w))
            raise ParameterError(f"index_to_key contains the word {dup!r} more than once")
        self._vectors = self._validated(vectors)
        if counts is not None:
            counts = np.asarray(counts)
            if counts.shape != (len(self.index_to_key),) or counts.dtype.kind not in "iu":
                raise ParameterError(
                    f"counts must be an integer array of shape ({len(self.index_to_key)},), "
                    f"got {counts.dtype} {counts.shape}"
                )
            counts = counts.astype(np.int64, copy=False)
        self.counts: np.ndarray | None = counts
        self._lockf: np.ndarray | None = None
        self._norms: np.ndarray | None = None
        self._normed: np.ndarray | None = None

    # ------------------------------------------------------------------ storage

    def __getstate__(self) -> dict[str, Any]:
        """Pickle (and ``copy.deepcopy``) the words, vectors and counts; the norm cache is
        left out and recomputed on first use."""
        state = self.__dict__.copy()
        for name in ("_norms", "_safe_norms", "_normed"):
            state.pop(name, None)
        state["_vectors"] = np.ascontiguousarray(self._vectors)  # a memory map as a plain array
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._norms = self._normed = None

    # gensim 3 names: gensim 4's own migration hint
    @property
    def vocab(self) -> Any:
        """Removed in gensim 4 (raises its hint)."""
        raise AttributeError(_GENSIM3_VOCAB)

    @property
    def index2word(self) -> Any:
        """Removed in gensim 4 (raises its hint)."""
        raise AttributeError(_GENSIM3_INDEX.format("index2word"))

    @property
    def index2entity(self) -> Any:
        """Removed in gensim 4 (raises its hint)."""
        raise AttributeError(_GENSIM3_INDEX.format("index2entity"))

    @property
    def vectors_norm(self) -> Any:
        """Removed in gensim 4 (raises its hint)."""
        raise AttributeError(_GENSIM3_NORM)

    def init_sims(self, replace: bool = False) -> None:
        """Deprecated in gensim 4 (warns as gensim does): :meth:`fill_norms`, or with
        ``replace=True`` :meth:`unit_normalize_all`."""
        warnings.warn(f"Call to deprecated `init_sims` (Use fill_norms() instead. {_MIGRATE}).",
                      DeprecationWarning, stacklevel=2)  # fmt: skip
        if replace:
            self.unit_normalize_all()
        else:
            self.fill_norms()

    def word_vec(self, *args: Any, **kwargs: Any) -> np.ndarray:
        """Deprecated in gensim 4 (warns as gensim does): :meth:`get_vector`."""
        warnings.warn("Call to deprecated `word_vec` (Use get_vector instead).",
                      DeprecationWarning, stacklevel=2)  # fmt: skip
        return self.get_vector(*args, **kwargs)

    def words_closer_than(self, word1: str, word2: str) -> list[str]:
        """Deprecated in gensim 4 (warns as gensim does): :meth:`closer_than`."""
        warnings.warn("Call to deprecated `words_closer_than` (Use closer_than instead).",
                      DeprecationWarning, stacklevel=2)  # fmt: skip
        return self.closer_than(word1, word2)

    def add_lifecycle_event(self, event_name: str, log_level: int = logging.INFO, **event: Any
                            ) -> None:  # fmt: skip
        """Record an event in ``lifecycle_events`` (and log it), as gensim's objects do."""
        record_event(self, event_name, log_level, event)

    def _validated(self, vectors: np.ndarray) -> np.ndarray:
        vectors = np.asarray(vectors)
        if vectors.ndim != 2 or vectors.shape[0] != len(self.index_to_key):
            raise ParameterError(
                f"vectors must have shape ({len(self.index_to_key)}, dim), got {vectors.shape}"
            )
        if vectors.dtype.kind not in "fiu":
            raise ParameterError(f"vectors must be numeric, got dtype {vectors.dtype}")
        return np.ascontiguousarray(vectors, dtype=np.float32)

    @property
    def vectors(self) -> np.ndarray:
        """The ``(V, dim)`` float32 matrix; assigning a new one invalidates cached norms."""
        return self._vectors

    @vectors.setter
    def vectors(self, value: np.ndarray) -> None:
        self._vectors = self._validated(value)
        self._norms = None
        self._normed = None

    @property
    def vector_size(self) -> int:
        """Dimensionality of the vectors."""
        return int(self._vectors.shape[1])

    def fill_norms(self, force: bool = False) -> None:
        """Compute (or recompute with ``force=True``) the cached norms and unit vectors.

        Parameters
        ----------
        force : bool, default False
            Recompute even if cached: needed after modifying ``vectors`` in place.
        """
        if self._norms is None or force:
            # Same arithmetic as gensim (float32 norms, row / norm) so scores agree bitwise.
            norms = np.linalg.norm(self._vectors, axis=1)
            safe = np.where(norms > 0, norms, np.float32(1.0)).astype(np.float32)
            normed = self._vectors / safe[:, None]
            normed.setflags(write=False)
            self._norms, self._safe_norms, self._normed = norms, safe, normed

    @property
    def norms(self) -> np.ndarray:
        """L2 norm of each vector (float32, cached)."""
        self.fill_norms()
        assert self._norms is not None
        return self._norms

    def get_normed_vectors(self) -> np.ndarray:
        """Unit-length copy of ``vectors`` (cached, read-only; zero vectors stay zero)."""
        self.fill_norms()
        assert self._normed is not None
        return self._normed

    # ------------------------------------------------------------------ lookups

    def __len__(self) -> int:
        return len(self.index_to_key)

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and word in self.key_to_index

    def __repr__(self) -> str:
        return f"KeyedVectors({len(self)} words x {self.vector_size} dims)"

    def get_index(self, key: str, default: int | None = None) -> int:
        """Row of word `key` in ``vectors``; an int `key` in ``range(len(self))`` is returned
        as is (gensim's rule); `default`, if given, for an unknown word.

        Raises
        ------
        KeyError
            If `key` is not in the vocabulary and no `default` is given (the message names it).
        """
        try:
            return self.key_to_index[key]
        except (KeyError, TypeError):
            if isinstance(key, int | np.integer) and not isinstance(key, bool):
                if 0 <= key < len(self):
                    return int(key)
            if default is not None:
                return default
            raise KeyError(f"word {key!r} not in vocabulary") from None

    def get_count(self, word: str) -> int:
        """Corpus count of `word`.

        Raises
        ------
        KeyError
            If `word` is not in the vocabulary.
        W2VError
            If these vectors carry no counts (e.g. loaded from a word2vec file).
        """
        index = self.get_index(word)
        if self.counts is None:
            raise W2VError("these vectors have no word counts (word2vec files do not store them)")
        return int(self.counts[index])

    def get_vector(self, key: str, norm: bool = False) -> np.ndarray:
        """Vector of word `key` (a read-only view), unit-normalised if `norm`."""
        index = self.get_index(key)
        result = self.get_normed_vectors()[index] if norm else self._vectors[index]
        result = result.view()
        result.setflags(write=False)  # writing through it would silently stale the norms
        return result

    def __getitem__(self, word_or_words: str | Iterable[str]) -> np.ndarray:
        """``kv["word"]`` is a 1-D vector; ``kv[["a", "b"]]`` a 2-D array of rows."""
        if isinstance(word_or_words, str):
            return self.get_vector(word_or_words)
        indices = [self.get_index(w) for w in word_or_words]
        return self._vectors[np.asarray(indices, dtype=np.int64)].reshape(-1, self.vector_size)

    # ------------------------------------------------------------------ query vectors

    def _terms(self, positive: Any, negative: Any) -> list[tuple[str | np.ndarray, float]]:
        terms: list[tuple[str | np.ndarray, float]] = []
        for items, default in ((_as_term_list(positive), 1.0), (_as_term_list(negative), -1.0)):
            for item in items:
                if isinstance(item, tuple):
                    if len(item) != 2:
                        raise ParameterError(
                            f"weighted terms are (word, weight) pairs, got {item!r}"
                        )
                    key, weight = item[0], item[1]
                    if isinstance(weight, bool) or not isinstance(
                        weight, int | float | np.integer | np.floating
                    ):
                        raise ParameterError(f"term weights must be numbers, got {weight!r}")
                    weight = float(weight)
                    if not np.isfinite(weight):
                        raise ParameterError(f"term weights must be finite, got {weight!r}")
                else:
                    key, weight = item, default
                if isinstance(key, np.ndarray):
                    if key.shape != (self.vector_size,):
                        raise ParameterError(
                            f"query vectors must have shape ({self.vector_size},), got {key.shape}"
                        )
                    if key.dtype.kind not in "fiu" or not np.all(np.isfinite(key)):
                        raise ParameterError(
                            "query vectors must be finite numbers (NaN or inf given)"
                        )
                elif isinstance(key, str):
                    self.get_index(key)  # KeyError naming the word
                else:
                    raise ParameterError(f"query terms must be words or vectors, got {key!r}")
                terms.append((key, weight))
        if not terms:
            raise ParameterError("positive and negative are both empty: nothing to query")
        return terms

    def _query_vector(self, terms: Sequence[tuple[str | np.ndarray, float]]) -> np.ndarray:
        """Unit-length weighted mean of the terms (words unit-normalised, vectors as given).

        The float32/float64 steps mirror gensim's ``get_mean_vector`` so that rankings agree
        with gensim even on near ties.
        """
        normed = self.get_normed_vectors()
        mean = np.zeros(self.vector_size, dtype=np.float32)
        total = 0.0
        for key, weight in terms:
            vec = key if isinstance(key, np.ndarray) else normed[self.key_to_index[key]]
            mean += np.float64(weight) * vec
            total += abs(weight)
        mean64 = mean / np.float64(total) if total > 0 else mean.astype(np.float64)
        length = blas.dnrm2(mean64)
        if not length > 0:
            raise ParameterError(
                "the query vector is zero (e.g. the same word given as positive and negative "
                "with nothing else): similarities are undefined"
            )
        return (mean64 * (1.0 / length)).astype(np.float32)

    def _scores(self, query: np.ndarray, clip: int) -> np.ndarray:
        """Cosine similarity of every word in ``[:clip]`` with the unit vector `query`."""
        self.fill_norms()
        return np.dot(self._vectors[:clip], query) / self._safe_norms[:clip]

    def _ranked(
        self, scores: np.ndarray, topn: int, exclude: Iterable[int]
    ) -> list[tuple[str, float]]:
        scores = scores.copy()
        exclude = [i for i in exclude if i < scores.size]
        scores[exclude] = -np.inf
        best, values = top_k_rows(scores[None, :], topn)
        return [
            (self.index_to_key[i], float(v))
            for i, v in zip(best[0], values[0], strict=True)
            if i >= 0
        ]

    # ------------------------------------------------------------------ similarity queries

    def most_similar(
        self,
        positive: Any = None,
        negative: Any = None,
        topn: int | None = 10,
        clip_start: int = 0,
        clip_end: int | None = None,
        restrict_vocab: int | None = None,
        indexer: Any = None,
    ) -> list[tuple[str, float]] | np.ndarray:
        """Words closest (by cosine) to the mean of `positive` minus `negative` (3CosAdd).

        Parameters
        ----------
        positive, negative : word, vector, or list of words / vectors / (item, weight)
            Terms added (weight +1) or subtracted (weight -1). Words are unit-normalised
            first; raw vectors are used as given; then the weighted mean is normalised.
            A word may appear in both lists: its contributions cancel (as in gensim) and it is
            still excluded from the results.
        topn : int or None, default 10
            Number of results; None returns the similarity of every word (query words
            included) as an array.
        clip_start, clip_end : int, optional
            Search only the words ``clip_start:clip_end`` (gensim's; `restrict_vocab`, when
            given, replaces them by ``0:restrict_vocab``, as in gensim).
        restrict_vocab : int, optional
            Search only the first `restrict_vocab` words (the most frequent ones).
        indexer : object, optional
            An approximate index, used when `topn` is an int. w2v's own
            (:class:`w2v.approximate_index.HnswIndex` built on these vectors) searches as the
            exact path does: query words excluded, `restrict_vocab` and the clips honoured,
            exact cosine scores. Any other object with gensim's indexer protocol (such as
            gensim's ``AnnoyIndexer``) answers ``indexer.most_similar(query_vector, topn)``,
            returned as is, as in gensim (query words included, clips ignored).

        Returns
        -------
        list of (str, float) or numpy.ndarray
            ``(word, cosine similarity)`` best first, query words excluded; equal scores are
            ordered by vocabulary index. Each score is the dot product of the unit vectors
            summed in float64 and rounded once to float32 (:mod:`w2v.exact_search`), so this
            answer is bit-identical to the same query's in :meth:`most_similar_batch`. With
            ``topn=None``, the scores of the words searched (float32 products, as gensim).

        Raises
        ------
        ParameterError
            If both lists are empty or the query vector is zero.
        KeyError
            If a word is not in the vocabulary.

        Examples
        --------
        >>> kv.most_similar(positive=["king", "woman"], negative=["man"], topn=1)  # doctest: +SKIP
        [('queen', 0.71)]
        """
        _check_topn(topn)
        if topn is not None and topn < 1:
            return []
        terms = self._terms(positive, negative)
        query = self._query_vector(terms)
        own_index = _is_own_index(indexer, self)
        if indexer is not None and topn is not None and not own_index:
            return indexer.most_similar(query, int(topn))
        if restrict_vocab is not None:  # gensim: restrict_vocab overrides both clips
            clip_start, clip_end = 0, restrict_vocab
        clip = _check_restrict(clip_end, len(self))
        if (
            isinstance(clip_start, bool)
            or not isinstance(clip_start, int | np.integer)
            or not (clip_start == 0 or 0 < clip_start < clip)
        ):
            raise ParameterError(f"clip_start must be an int in [0, {clip}), got {clip_start!r}")
        if own_index and topn is not None:
            # w2v's index searches like the exact path: query words out, the clip honoured.
            excluded = sorted({self.key_to_index[k] for k, _ in terms if isinstance(k, str)})
            ((idx, val),) = indexer.search(query[None, :], int(topn), [excluded], clip_start, clip)
            words = self.index_to_key
            return list(zip([words[i] for i in idx.tolist()], val.tolist(), strict=True))
        if topn is None:
            return self._scores(query, clip)[clip_start:]
        # The batched path with a batch of one: the same answer, bit for bit, as the same
        # query among others in most_similar_batch or w2v explore (w2v.exact_search).
        lo = int(clip_start)
        rows = {self.key_to_index[k] for k, _ in terms if isinstance(k, str)}
        excluded = sorted(i - lo for i in rows if lo <= i < clip)
        ((idx, val),) = exact_top_k(
            self.get_normed_vectors()[lo:clip], query[None, :], int(topn), [excluded]
        )
        words = self.index_to_key
        return list(zip([words[i + lo] for i in idx.tolist()], val.tolist(), strict=True))

    def most_similar_cosmul(
        self,
        positive: Any = None,
        negative: Any = None,
        topn: int | None = 10,
        restrict_vocab: int | None = None,
    ) -> list[tuple[str, float]] | np.ndarray:
        """Most similar words by the multiplicative objective 3CosMul (Levy & Goldberg 2014).

        Each candidate scores ``prod((1 + cos(w, p)) / 2) / (prod((1 + cos(w, n)) / 2) + 1e-6)``
        over positive terms ``p`` and negative terms ``n`` (the shift to [0, 1] and epsilon are
        gensim's). Unlike gensim, `restrict_vocab` is honoured.

        Parameters
        ----------
        positive, negative : word, vector, or list of words / vectors
            At least one positive term is required. Words are unit-normalised, vectors used
            as given.
        topn : int or None, default 10
            Number of results; None returns all scores.
        restrict_vocab : int, optional
            Search only the first `restrict_vocab` words.

        Returns
        -------
        list of (str, float) or numpy.ndarray
            Best first, query words excluded.
        """
        _check_topn(topn)
        if topn is not None and topn < 1:
            return []
        terms = self._terms(positive, negative)
        if any(isinstance(k, tuple) for k in _as_term_list(positive) + _as_term_list(negative)):
            raise ParameterError("most_similar_cosmul does not take weighted (item, weight) terms")
        if not any(w > 0 for _, w in terms):
            raise ParameterError("most_similar_cosmul needs at least one positive term")
        clip = _check_restrict(restrict_vocab, len(self))
        normed = self.get_normed_vectors()
        num = np.ones(clip, dtype=np.float32)
        den = np.ones(clip, dtype=np.float32)
        for key, weight in terms:
            vec = key if isinstance(key, np.ndarray) else normed[self.key_to_index[key]]
            sim = (1 + self._scores(np.asarray(vec, dtype=np.float32), clip)) / 2
            if weight > 0:
                num *= sim
            else:
                den *= sim
        # gensim divides even without negative terms (by 1 + 1e-6); keep its scores.
        scores = num / (den + np.float32(1e-6))
        if topn is None:
            return scores
        exclude = {self.key_to_index[k] for k, _ in terms if isinstance(k, str)}
        return self._ranked(scores, int(topn), exclude)

    def most_similar_batch(
        self,
        positive: Sequence[Any],
        negative: Sequence[Any] | None = None,
        topn: int = 10,
        restrict_vocab: int | None = None,
    ) -> list[list[tuple[str, float]]]:
        """Answer many :meth:`most_similar` queries with blocked matrix products.

        Parameters
        ----------
        positive : sequence
            One entry per query, each what :meth:`most_similar` accepts as `positive`.
        negative : sequence, optional
            Same length as `positive` (entries may be None or empty).
        topn : int, default 10
            Results per query.
        restrict_vocab : int, optional
            Search only the first `restrict_vocab` words.

        Returns
        -------
        list of list of (str, float)
            Per query, as :meth:`most_similar` would return it. Each answer is bit-identical
            whatever the other queries in the batch (:mod:`w2v.exact_search`); its scores are
            float64 sums rounded once to float32, so they may differ from
            :meth:`most_similar`'s float32 products in the last bits (and two words whose
            scores are that close may swap).

        Examples
        --------
        >>> kv.most_similar_batch([["king", "woman"], ["paris"]], [["man"], []], topn=3)
        ... # doctest: +SKIP
        """
        _check_topn(topn)
        if topn is None or topn < 1:
            raise ParameterError(f"topn must be >= 1 for batched queries, got {topn!r}")
        positive = list(positive)
        negative = [None] * len(positive) if negative is None else list(negative)
        if len(negative) != len(positive):
            raise ParameterError(
                f"positive and negative must have one entry per query "
                f"({len(positive)} != {len(negative)})"
            )
        clip = _check_restrict(restrict_vocab, len(self))
        all_terms = []
        for q, (p, n) in enumerate(zip(positive, negative, strict=True)):
            try:
                all_terms.append(self._terms(p, n))
            except KeyError as exc:  # say which query, among thousands, has the unknown word
                raise KeyError(f"query {q}: {exc.args[0]}") from None
            except ParameterError as exc:
                raise ParameterError(f"query {q}: {exc}") from None
        queries = np.empty((len(all_terms), self.vector_size), dtype=np.float32)
        for q, terms in enumerate(all_terms):
            try:
                queries[q] = self._query_vector(terms)
            except ParameterError as exc:
                raise ParameterError(f"query {q}: {exc}") from None
        excluded = [
            sorted(
                {i for k, _ in terms if isinstance(k, str) and (i := self.key_to_index[k]) < clip}
            )
            for terms in all_terms
        ]
        words = self.index_to_key
        answers = exact_top_k(
            self.get_normed_vectors()[:clip], queries, int(topn), excluded, _BATCH_ELEMENTS
        )
        # tolist(): Python floats and ints without per-element numpy calls.
        return [
            list(zip([words[i] for i in idx.tolist()], val.tolist(), strict=True))
            for idx, val in answers
        ]

    def similar_by_word(
        self, word: str, topn: int | None = 10, restrict_vocab: int | None = None
    ) -> list[tuple[str, float]] | np.ndarray:
        """Words most similar to `word` (`word` itself excluded)."""
        return self.most_similar(positive=[word], topn=topn, restrict_vocab=restrict_vocab)

    def similar_by_vector(
        self, vector: np.ndarray, topn: int | None = 10, restrict_vocab: int | None = None
    ) -> list[tuple[str, float]] | np.ndarray:
        """Words most similar to a raw `vector` (nothing excluded)."""
        vector = np.asarray(vector, dtype=np.float32)
        return self.most_similar(positive=[vector], topn=topn, restrict_vocab=restrict_vocab)

    def similarity(self, w1: str, w2: str) -> float:
        """Cosine similarity of two words."""
        normed = self.get_normed_vectors()
        return float(np.dot(normed[self.get_index(w1)], normed[self.get_index(w2)]))

    def distance(self, w1: str, w2: str) -> float:
        """Cosine distance ``1 - similarity(w1, w2)``."""
        return 1.0 - self.similarity(w1, w2)

    def n_similarity(self, ws1: Sequence[str], ws2: Sequence[str]) -> float:
        """Cosine similarity of the means of two word sets (raw vectors averaged, as gensim).

        Raises
        ------
        ParameterError
            If either set is empty.
        """
        if not len(ws1) or not len(ws2):
            raise ParameterError("n_similarity needs two non-empty word lists")
        m1 = self[list(ws1)].mean(axis=0, dtype=np.float64)
        m2 = self[list(ws2)].mean(axis=0, dtype=np.float64)
        n1, n2 = np.linalg.norm(m1), np.linalg.norm(m2)
        if n1 == 0 or n2 == 0:
            return 0.0
        return float(np.dot(m1, m2) / (n1 * n2))

    def doesnt_match(self, words: Sequence[str]) -> str:
        """The word of `words` farthest (by cosine) from the normalised mean of all of them.

        Raises
        ------
        ParameterError
            If `words` is empty.
        KeyError
            If a word is not in the vocabulary (gensim silently ignores it instead).
        """
        words = list(words)
        if not words:
            raise ParameterError("doesnt_match needs at least one word")
        unit = self.get_normed_vectors()[[self.get_index(w) for w in words]]
        mean = unit.mean(axis=0, dtype=np.float64)
        return words[int(np.argmin(unit @ mean))]

    # ------------------------------------------------------------------ evaluation

    def evaluate_word_analogies(self, path: str | os.PathLike[str], **kwargs: Any) -> AnalogyResult:
        """See :func:`w2v.evaluation.evaluate_word_analogies`."""
        from w2v.evaluation import evaluate_word_analogies

        return evaluate_word_analogies(self, path, **kwargs)

    def evaluate_word_pairs(self, path: str | os.PathLike[str], **kwargs: Any) -> WordPairsResult:
        """See :func:`w2v.evaluation.evaluate_word_pairs`."""
        from w2v.evaluation import evaluate_word_pairs

        return evaluate_word_pairs(self, path, **kwargs)

    # ------------------------------------------------------------------ files

    def save_word2vec_format(
        self,
        fname: str | os.PathLike[str],
        fvocab: str | os.PathLike[str] | None = None,
        binary: bool = False,
        total_vec: int | None = None,
        write_header: bool = True,
        prefix: str = "",
        append: bool = False,
        sort_attr: str = "count",
    ) -> None:
        """Write the vectors in word2vec C format (atomically; see
        :func:`w2v.formats.save_word2vec_format`), with gensim's arguments.

        Parameters
        ----------
        fname : str or os.PathLike
            The vectors file.
        fvocab : str or os.PathLike, optional
            Also write ``word count`` lines (word2vec.c's ``-save-vocab`` format) here.
        binary, write_header : bool
            Binary format; text without its header line.
        prefix : str
            Written before every word (in both files).
        sort_attr : str, default "count"
            With counts, the words are written most frequent first (ties in index order), as
            gensim does; without counts, in index order.
        total_vec, append :
            gensim's way of appending to an existing file; only ``total_vec=len(self)`` (or
            None) and ``append=False`` are accepted: w2v never writes into an existing file
            (a failure would leave it half-written).

        Raises
        ------
        ParameterError
            For ``append=True``, another ``total_vec``, another ``sort_attr``, or ``fvocab``
            on vectors without counts (gensim's ValueError).
        """
        from w2v.atomic import atomic_write

        if append or total_vec not in (None, len(self)):
            raise ParameterError("save_word2vec_format: append and total_vec (appending to "
                                 "a file) are not supported; w2v writes whole files "
                                 "atomically")  # fmt: skip
        if sort_attr != "count":
            raise KeyError(f"unknown vector attribute {sort_attr!r}: only 'count' is kept")
        if self.counts is not None:
            order = np.argsort(-self.counts, kind="stable")
        else:
            if fvocab is not None:
                raise ParameterError(f"cannot store vocabulary with {sort_attr!r} because these "
                                     "vectors have no counts")  # fmt: skip
            order = np.arange(len(self))
        words = [prefix + self.index_to_key[i] for i in order.tolist()]
        in_order = np.array_equal(order, np.arange(len(self)))
        vectors = self._vectors if in_order else self._vectors[order]
        if fvocab is not None:
            with atomic_write(fvocab, "w", encoding="utf-8", newline="\n") as f:
                for word, count in zip(words, self.counts[order].tolist(), strict=True):
                    f.write(f"{word} {count}\n")
        word2vec_format.save_word2vec_format(
            fname, words, vectors, binary=binary, write_header=write_header
        )

    @classmethod
    def load_word2vec_format(
        cls,
        fname: str | os.PathLike[str],
        fvocab: str | os.PathLike[str] | None = None,
        binary: bool = False,
        encoding: str = "utf8",
        unicode_errors: str = "strict",
        limit: int | None = None,
        datatype: Any = np.float32,
        no_header: bool = False,
    ) -> KeyedVectors:
        """Read word2vec C format vectors (see :func:`w2v.formats.load_word2vec_format`), with
        gensim's arguments.

        Parameters
        ----------
        fname : str or os.PathLike
            The vectors file.
        fvocab : str or os.PathLike, optional
            A ``word count`` file (as :meth:`save_word2vec_format` or word2vec.c's
            ``-save-vocab`` write): the counts are kept (0, with a warning, for a word it
            lacks). Without it the vectors have no counts (gensim makes up descending ones).
        encoding : str
            Only UTF-8 (the format's encoding) is accepted.
        datatype :
            Only float32 is kept (w2v's queries and training use float32; gensim may
            store float16 or float64).

        Raises
        ------
        FormatError
            If a file is malformed (naming it and the line).
        ParameterError
            For another encoding or datatype.
        """
        from w2v.vocabulary import Vocabulary

        if encoding.lower().replace("-", "") != "utf8":
            raise ParameterError(f"encoding: only UTF-8 is supported, got {encoding!r}")
        if np.dtype(datatype) != np.float32:
            raise ParameterError(f"datatype: only float32 is supported, got {datatype!r}")
        words, vectors = word2vec_format.load_word2vec_format(
            fname, binary=binary, limit=limit, unicode_errors=unicode_errors, no_header=no_header
        )
        counts = None
        if fvocab is not None:
            known = Vocabulary.load(fvocab)
            missing = [w for w in words if w not in known.index]
            if missing:
                logger.warning("vocabulary file %s is incomplete: %d words missing (%r...); "
                               "their counts are 0", fvocab, len(missing), missing[0])  # fmt: skip
            counts = np.array([known.counts[known.index[w]] if w in known.index else 0
                               for w in words], dtype=np.int64)  # fmt: skip
        return cls(words, vectors, counts)

    @property
    def vectors_lockf(self) -> np.ndarray:
        """Per-word factor on training updates of the input vectors (gensim's): 1.0 trains a
        vector, 0.0 freezes it; a model's ``train`` applies the factors of its ``wv``.
        :meth:`intersect_word2vec_format` sets it; assign an array of ``len(self)`` float32
        values to set it yourself. A model's ``save`` keeps it; :meth:`save` does not."""
        lockf = self.__dict__.get("_lockf")
        if lockf is None or lockf.shape[0] != len(self):
            lockf = np.ones(len(self), np.float32)
            self._lockf = lockf
        return lockf

    @vectors_lockf.setter
    def vectors_lockf(self, value: np.ndarray) -> None:
        value = np.ascontiguousarray(value, dtype=np.float32)
        if value.shape != (len(self),) or not np.all(np.isfinite(value)):
            raise ParameterError(f"vectors_lockf must be {len(self)} finite numbers, got shape "
                                 f"{value.shape}")  # fmt: skip
        self._lockf = value

    def intersect_word2vec_format(
        self,
        fname: str | os.PathLike[str],
        lockf: float = 0.0,
        binary: bool = False,
        encoding: str = "utf8",
        unicode_errors: str = "strict",
    ) -> int:
        """Replace the vectors of the words also in word2vec file `fname` by the file's, and
        set their :attr:`vectors_lockf` to `lockf` (0.0, the default, keeps them fixed while a
        model trains the other words). Words not in the vocabulary are ignored. Returns the
        number of words replaced. (gensim 4.4's method of this name fails with an IndexError:
        its lock array has one entry.)

        Raises
        ------
        ParameterError
            If the file's vectors have another dimension (gensim's ValueError), or another
            encoding is given.
        FormatError
            If the file is malformed.
        """
        if encoding.lower().replace("-", "") != "utf8":
            raise ParameterError(f"encoding: only UTF-8 is supported, got {encoding!r}")
        if not np.isfinite(lockf):
            raise ParameterError(f"lockf must be a finite number, got {lockf!r}")
        words, vectors = word2vec_format.load_word2vec_format(
            fname, binary=binary, unicode_errors=unicode_errors
        )
        if vectors.shape[1] != self.vector_size:
            raise ParameterError(f"incompatible vector size {vectors.shape[1]} in file {fname} "
                                 f"(these vectors have {self.vector_size})")  # fmt: skip
        rows = [(self.key_to_index[w], i) for i, w in enumerate(words) if w in self.key_to_index]
        lock = self.vectors_lockf
        if rows:
            mine, theirs = (np.array(x, dtype=np.int64) for x in zip(*rows, strict=True))
            self._vectors[mine] = vectors[theirs]
            lock[mine] = lockf
            self.fill_norms(force=True)
        logger.info("merged %d vectors into %s matrix from %s", len(rows), self._vectors.shape,
                    fname)  # fmt: skip
        return len(rows)

    # ------------------------------------------------------------------ gensim idioms

    #: ``meta["kind"]`` of a native file holding word vectors only (no model state).
    NATIVE_KIND = native.NATIVE_VECTORS_KIND

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write words, vectors and counts in the native format, atomically (gensim's
        ``wv.save``; the file is not a pickle). Read it back with :meth:`load`."""
        from w2v.version import __version__

        blob, offsets = native.encode_words(self.index_to_key)
        arrays = {"vectors": self._vectors, "words_blob": blob, "words_offsets": offsets}
        if self.counts is not None:
            arrays["counts"] = self.counts
        native.save_native(path, arrays, {"kind": self.NATIVE_KIND, "w2v_version": __version__})

    @classmethod
    def load(cls, fname: str | os.PathLike[str], mmap: str | None = None) -> KeyedVectors:
        """Read vectors written by :meth:`save`, or the word vectors of a saved model.

        Parameters
        ----------
        fname : str or os.PathLike
            A native file: vectors (:meth:`save`, ``w2v convert ... .w2v``) or a model
            (``Word2Vec.save``), whose input vectors are returned.
        mmap : {None, "r", "c"}
            As gensim's: None reads the vectors into memory; ``"r"`` memory-maps them
            read-only (opening is instant and processes share the pages); ``"c"`` maps them
            copy-on-write (writable in memory, the file never changes).

        Raises
        ------
        FormatError
            If the file is not a native vectors or model file, or is damaged.
        """
        if mmap not in (None, "r", "c"):
            raise ParameterError(f"mmap must be None, 'r' or 'c', got {mmap!r}")
        arrays, meta = native.load_native(fname, mmap=mmap is not None)
        kind = meta.get("kind")
        # a model file stores its input vectors as "syn0" beside the same word arrays
        name = {cls.NATIVE_KIND: "vectors", "w2v.Word2Vec": "syn0"}.get(kind)
        if name is None:
            raise FormatError(f"{fname}: not a w2v vectors or model file (kind {kind!r})")
        missing = [n for n in (name, "words_blob", "words_offsets") if n not in arrays]
        if missing:
            raise FormatError(f"{fname}: lacks array(s) {', '.join(missing)}")
        vectors = arrays[name]
        if mmap == "r":
            vectors.setflags(write=False)
        words = native.decode_words(arrays["words_blob"], arrays["words_offsets"])
        try:
            return cls(words, vectors, arrays.get("counts"))
        except ParameterError as exc:
            raise FormatError(f"{fname}: {exc}") from None

    def has_index_for(self, key: object) -> bool:
        """Whether `key` has a row in ``vectors`` (the same as ``key in kv`` here: no
        vectors are inferred for unknown words)."""
        return key in self

    def get_vecattr(self, key: str, attr: str) -> int:
        """Per-word attribute, as gensim's; ``"count"`` (the corpus count) is the one kept.

        Raises
        ------
        KeyError
            If `key` is not in the vocabulary or `attr` is not ``"count"``.
        W2VError
            If these vectors carry no counts (e.g. read from a word2vec file).
        """
        if attr != "count":
            raise KeyError(f"unknown vector attribute {attr!r}: only 'count' is kept")
        return self.get_count(key)

    def set_vecattr(self, key: str, attr: str, val: int) -> None:
        """Set a per-word attribute (``"count"`` only); vectors without counts get counts of
        0 for every other word."""
        if attr != "count":
            raise KeyError(f"unknown vector attribute {attr!r}: only 'count' is kept")
        index = self.get_index(key)
        if self.counts is None:
            self.counts = np.zeros(len(self), dtype=np.int64)
        self.counts[index] = int(val)

    def vectors_for_all(
        self, keys: Iterable[str], allow_inference: bool = True, copy_vecattrs: bool = False
    ) -> KeyedVectors:
        """New vectors for the `keys` that are in the vocabulary (first occurrence order,
        duplicates dropped; unknown keys left out, as gensim does without inference).

        Parameters
        ----------
        keys : iterable of str
            Words wanted.
        allow_inference : bool
            gensim's; no vectors are inferred for word vectors (only FastText's are), so it
            changes nothing, as in gensim.
        copy_vecattrs : bool, default False
            Carry the counts over.
        """
        found = [k for k in dict.fromkeys(keys) if k in self]
        rows = np.fromiter((self.key_to_index[k] for k in found), dtype=np.int64, count=len(found))
        counts = self.counts[rows] if copy_vecattrs and self.counts is not None else None
        return KeyedVectors(found, self._vectors[rows], counts)

    # ------------------------------------------------------------------ more of gensim's API

    @staticmethod
    def cosine_similarities(vector_1: np.ndarray, vectors_all: np.ndarray) -> np.ndarray:
        """Cosine similarity of `vector_1` with each row of `vectors_all` (0 where either is
        the zero vector; gensim gives NaN there)."""
        vector_1 = np.asarray(vector_1)
        vectors_all = np.asarray(vectors_all)
        norm = np.linalg.norm(vector_1)
        all_norms = np.linalg.norm(vectors_all, axis=1)
        denominator = norm * all_norms
        dots = vectors_all @ vector_1
        safe = np.where(denominator > 0, denominator, 1)
        return np.where(denominator > 0, dots / safe, 0).astype(dots.dtype, copy=False)

    def distances(
        self, word_or_vector: str | np.ndarray, other_words: Sequence[str] = ()
    ) -> np.ndarray:
        """Cosine distances (``1 - similarity``) from a word or vector to `other_words` (all
        words, in index order, if empty).

        Raises
        ------
        KeyError
            If a word is not in the vocabulary.
        """
        if isinstance(word_or_vector, str):
            vector = self.get_vector(word_or_vector)
        else:
            vector = np.asarray(word_or_vector)
        if len(other_words) == 0:
            others = self._vectors
        else:
            others = self._vectors[[self.get_index(w) for w in other_words]]
        return 1 - self.cosine_similarities(vector, others)

    def closer_than(self, key1: str, key2: str) -> list[str]:
        """Words closer to `key1` than `key2` is (by cosine), in index order, `key1` left out.

        Raises
        ------
        KeyError
            If either word is not in the vocabulary.
        """
        i1, i2 = self.get_index(key1), self.get_index(key2)
        all_distances = self.distances(key1)
        closer = np.flatnonzero(all_distances < all_distances[i2])
        return [self.index_to_key[i] for i in closer.tolist() if i != i1]

    def most_similar_to_given(self, key1: str, keys_list: Sequence[str]) -> str:
        """The word of `keys_list` most similar to `key1` (the first, on ties).

        Raises
        ------
        KeyError
            If a word is not in the vocabulary.
        ParameterError
            If `keys_list` is empty.
        """
        if len(keys_list) == 0:
            raise ParameterError("most_similar_to_given needs at least one candidate key")
        return keys_list[int(np.argmax([self.similarity(key1, k) for k in keys_list]))]

    def get_mean_vector(
        self,
        keys: Sequence[str | np.ndarray] | np.ndarray,
        weights: Sequence[float] | np.ndarray | None = None,
        pre_normalize: bool = True,
        post_normalize: bool = False,
        ignore_missing: bool = True,
    ) -> np.ndarray:
        """Weighted mean of the vectors of `keys` (words, or raw vectors used as given), as
        gensim's: words unit-normalised first if `pre_normalize`, divided by the sum of the
        absolute weights of the terms used, unit-normalised after if `post_normalize`.

        Raises
        ------
        ParameterError
            If `keys` is empty or `weights` has another length (gensim's ValueError).
        KeyError
            If a word is unknown and not `ignore_missing`.
        """
        if len(keys) == 0:
            raise ParameterError("cannot compute mean with no input")
        weights = np.ones(len(keys)) if weights is None else np.asarray(weights)
        if weights.shape[0] != len(keys):
            raise ParameterError("keys and weights array must have same number of elements")
        mean = np.zeros(self.vector_size, np.float32)
        total = 0.0
        for key, weight in zip(keys, weights, strict=True):
            if isinstance(key, np.ndarray):
                mean += weight * key
            elif key in self:
                mean += weight * self.get_vector(key, norm=pre_normalize)
            elif not ignore_missing:
                raise KeyError(f"word {key!r} not in vocabulary")
            else:
                continue
            total += abs(weight)
        if total > 0:
            mean = mean / total
        if post_normalize:
            length = np.linalg.norm(mean)
            if length > 0:
                mean = mean / length
        return np.asarray(mean, dtype=np.float32)

    def rank_by_centrality(self, words: Sequence[str], use_norm: bool = True
                           ) -> list[tuple[float, str]]:  # fmt: skip
        """``(cosine with the normalised mean, word)`` for the known `words`, most central
        first (unknown words are ignored with a warning, as in gensim).

        Raises
        ------
        ParameterError
            If no word is known.
        """
        used = [w for w in words if w in self]
        if len(used) != len(words):
            logger.warning("vectors for words %s are not present, ignoring them",
                           set(words) - set(used))  # fmt: skip
        if not used:
            raise ParameterError("cannot select a word from an empty list")
        vectors = np.vstack([self.get_vector(w, norm=use_norm) for w in used])
        mean = self.get_mean_vector(vectors, post_normalize=True)
        return sorted(zip((vectors @ mean).tolist(), used, strict=True), reverse=True)

    def relative_cosine_similarity(self, wa: str, wb: str, topn: int = 10) -> float:
        """Similarity of `wa` and `wb` divided by the summed similarities of `wa`'s `topn`
        nearest words (Leeuwenberg et al., as gensim).

        Raises
        ------
        ParameterError
            If `wa` has no neighbours.
        """
        sims = self.similar_by_word(wa, topn)
        if not sims:
            raise ParameterError("relative_cosine_similarity needs at least one similar word")
        return float(self.similarity(wa, wb)) / sum(s for _, s in sims)

    def similar_by_key(
        self, key: str, topn: int | None = 10, restrict_vocab: int | None = None
    ) -> list[tuple[str, float]] | np.ndarray:
        """gensim 4's name of :meth:`similar_by_word`."""
        return self.similar_by_word(key, topn=topn, restrict_vocab=restrict_vocab)

    def similarity_unseen_docs(self, *args: Any, **kwargs: Any) -> float:
        """Not defined for word vectors (gensim raises the same)."""
        raise NotImplementedError("Call similarity_unseen_docs on a Doc2Vec model instead.")

    def wmdistance(
        self, document1: Sequence[str], document2: Sequence[str], norm: bool = True
    ) -> float:
        """Word Mover's Distance between two token lists (Kusner et al.), as gensim computes it
        (unknown words dropped; ``inf`` if a document has no known word; word vectors
        unit-normalised if `norm`), with the transport problem solved exactly by scipy's
        linear programming (HiGHS) instead of gensim's optional POT dependency."""
        from scipy.optimize import linprog
        from scipy.spatial.distance import cdist

        doc1 = [w for w in document1 if w in self]
        doc2 = [w for w in document2 if w in self]
        if not doc1 or not doc2:
            logger.warning("at least one of the documents had no words in the vocabulary")
            return float("inf")
        words1, words2 = list(dict.fromkeys(doc1)), list(dict.fromkeys(doc2))
        if len(set(words1) | set(words2)) == 1:
            return 0.0
        v1 = np.array([self.get_vector(w, norm=norm) for w in words1])
        v2 = np.array([self.get_vector(w, norm=norm) for w in words2])
        cost = cdist(v1, v2)
        if abs(cost.sum()) < 1e-8:
            return float("inf")  # gensim's answer when every distance is zero
        d1 = np.array([doc1.count(w) for w in words1], dtype=np.float64) / len(doc1)
        d2 = np.array([doc2.count(w) for w in words2], dtype=np.float64) / len(doc2)
        n1, n2 = len(words1), len(words2)
        # flow[i, j] >= 0 with row sums d1 and column sums d2
        rows = np.kron(np.eye(n1), np.ones(n2))
        cols = np.kron(np.ones(n1), np.eye(n2))
        constraints = np.vstack([rows, cols])
        result = linprog(cost.ravel(), A_eq=constraints, b_eq=np.concatenate([d1, d2]),
                         bounds=(0, None), method="highs")  # fmt: skip
        if not result.success:  # pragma: no cover - a balanced transport problem is feasible
            raise W2VError(f"wmdistance: the transport problem failed: {result.message}")
        return float(result.fun)

    def add_vectors(
        self,
        keys: str | Sequence[str],
        weights: np.ndarray | Sequence[Any],
        extras: dict[str, np.ndarray] | None = None,
        replace: bool = False,
    ) -> None:
        """Append new words with their vectors (gensim's method); known words keep their
        vectors unless `replace`. `extras` may give ``{"count": counts}``; new words' counts
        are 0 otherwise (when these vectors carry counts).

        Do not call it on a model's ``wv`` to grow the model: its output weights would not
        follow; use ``build_vocab(..., update=True)``.

        Raises
        ------
        ParameterError
            If the shapes disagree, or `extras` names another attribute than ``"count"``.
        """
        if isinstance(keys, str):
            keys = [keys]
            weights = np.asarray(weights).reshape(1, -1)
        keys = list(keys)
        weights = np.asarray(weights)
        if weights.ndim != 2 or weights.shape != (len(keys), self.vector_size):
            raise ParameterError(f"weights must have shape ({len(keys)}, {self.vector_size}), "
                                 f"got {weights.shape}")  # fmt: skip
        extras = dict(extras or {})
        if set(extras) - {"count"}:
            raise ParameterError(f"extras: only 'count' is kept, got {sorted(extras)}")
        extra_counts = None if "count" not in extras else np.asarray(extras["count"], np.int64)
        bad = next((k for k in keys if not isinstance(k, str)), None)
        if bad is not None:
            raise ParameterError(f"keys must be str, got {bad!r}")
        lockf = self.__dict__.get("_lockf")
        new_rows, new_keys = [], []
        for row, key in enumerate(keys):
            if key in self.key_to_index:
                if replace:
                    self._vectors[self.key_to_index[key]] = weights[row]
                    if extra_counts is not None and self.counts is not None:
                        self.counts[self.key_to_index[key]] = extra_counts[row]
                continue
            self.key_to_index[key] = len(self.index_to_key)
            self.index_to_key.append(key)
            new_rows.append(row)
            new_keys.append(key)
        if new_rows:
            added = weights[new_rows]
            self.vectors = np.vstack([self._vectors, added.astype(np.float32)])
            if self.counts is not None or extra_counts is not None:
                old = self.counts if self.counts is not None else np.zeros(
                    len(self) - len(new_rows), np.int64)  # fmt: skip
                fresh = (extra_counts[new_rows] if extra_counts is not None
                         else np.zeros(len(new_rows), np.int64))  # fmt: skip
                self.counts = np.concatenate([old, fresh])
            if lockf is not None and lockf.shape[0] == len(self) - len(new_rows):
                self._lockf = np.concatenate([lockf, np.ones(len(new_rows), np.float32)])
        elif replace:
            self.fill_norms(force=True)

    def add_vector(self, key: str, vector: np.ndarray) -> int:
        """Append one word and its vector (a known word keeps its vector, as in gensim);
        returns its index."""
        self.add_vectors([key], np.asarray(vector).reshape(1, -1))
        return self.key_to_index[key]

    def allocate_vecattrs(self, attrs: Sequence[str] | None = None, types: Any = None) -> None:
        """gensim's: make room for per-word attributes. ``"count"`` is the one kept here: its
        array is created (zeros) if these vectors have none.

        Raises
        ------
        KeyError
            For another attribute.
        """
        attrs = ["count"] if attrs is None else list(attrs)
        if set(attrs) - {"count"}:
            raise KeyError(f"unknown vector attribute(s) {sorted(set(attrs) - {'count'})}: "
                           "only 'count' is kept")  # fmt: skip
        if self.counts is None:
            self.counts = np.zeros(len(self), np.int64)

    def unit_normalize_all(self) -> None:
        """Scale every vector to unit length, in place (gensim's; zero vectors stay zero). On a
        model's ``wv`` this changes the model's input weights too, as in gensim."""
        self.fill_norms()
        self._vectors /= self._safe_norms[:, None]
        self.fill_norms(force=True)

    def sort_by_descending_frequency(self) -> None:
        """Reorder the words (and vectors, counts) by count, descending; ties as gensim orders
        them (later index first).

        Raises
        ------
        W2VError
            If these vectors carry no counts.
        """
        if not len(self):
            return
        if self.counts is None:
            raise W2VError("these vectors have no word counts to sort by")
        order = np.lexsort((-np.arange(len(self)), -self.counts))
        self.index_to_key = [self.index_to_key[i] for i in order.tolist()]
        self.key_to_index = {w: i for i, w in enumerate(self.index_to_key)}
        self.counts = self.counts[order]
        self.vectors = self._vectors[order]

    @staticmethod
    def log_accuracy(section: dict[str, Any]) -> None:
        """Log a section's analogy accuracy as gensim does (nothing for an empty section)."""
        correct, incorrect = len(section["correct"]), len(section["incorrect"])
        if correct + incorrect > 0:
            logger.info("%s: %.1f%% (%i/%i)", section["section"],
                        100.0 * correct / (correct + incorrect), correct,
                        correct + incorrect)  # fmt: skip

    @staticmethod
    def log_evaluate_word_pairs(pearson: Any, spearman: Any, oov: float, pairs: Any) -> None:
        """Log word-pair correlations as gensim does."""
        logger.info("Pearson correlation coefficient against %s: %.4f", pairs, pearson[0])
        logger.info("Spearman rank-order correlation coefficient against %s: %.4f", pairs,
                    spearman[0])  # fmt: skip
        logger.info("Pairs with unknown words ratio: %.1f%%", oov)

    def rank(self, key1: str, key2: str) -> int:
        """Rank of `key2` among the words nearest to `key1` by cosine: 1 + the number of other
        words strictly more similar to `key1` (gensim's rule)."""
        normed = self.get_normed_vectors()
        i1, i2 = self.get_index(key1), self.get_index(key2)
        scores = normed @ normed[i1]
        closer = scores > scores[i2]
        closer[i1] = False
        return int(np.count_nonzero(closer)) + 1
