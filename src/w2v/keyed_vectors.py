"""Word vectors with a vocabulary: lookups, similarity queries and analogy arithmetic.

:class:`KeyedVectors` is what a trained model exposes as ``model.wv`` and what
:meth:`KeyedVectors.load_word2vec_format` returns. Its query methods follow gensim 4's
semantics (same arguments, same results) so code and results carry over.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.linalg import blas

import w2v.formats.native as native
import w2v.formats.word2vec_format as word2vec_format
from w2v.errors import FormatError, ParameterError, W2VError
from w2v.topk import top_k_rows

if TYPE_CHECKING:
    from w2v.evaluation import AnalogyResult, WordPairsResult

__all__ = ["KeyedVectors"]

#: A query term: a word, a raw vector, or either paired with a weight.
Term = str | np.ndarray | tuple[str | np.ndarray, float]

# Largest score matrix (in float32 elements) built at once by batched queries (~64 MB); it is
# allocated once and reused, since page-faulting fresh big arrays costs more than the product.
_BATCH_ELEMENTS = 1 << 24


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

    def get_index(self, word: str) -> int:
        """Row of `word` in ``vectors``.

        Raises
        ------
        KeyError
            If `word` is not in the vocabulary (the message names it).
        """
        try:
            return self.key_to_index[word]
        except (KeyError, TypeError):
            raise KeyError(f"word {word!r} not in vocabulary") from None

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

    def get_vector(self, word: str, norm: bool = False) -> np.ndarray:
        """Vector of `word` (a read-only view), unit-normalised if `norm`."""
        index = self.get_index(word)
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
        restrict_vocab: int | None = None,
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
        restrict_vocab : int, optional
            Search only the first `restrict_vocab` words (the most frequent ones).

        Returns
        -------
        list of (str, float) or numpy.ndarray
            ``(word, cosine similarity)`` best first, query words excluded; equal scores are
            ordered by vocabulary index.

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
        clip = _check_restrict(restrict_vocab, len(self))
        scores = self._scores(self._query_vector(terms), clip)
        if topn is None:
            return scores
        exclude = {self.key_to_index[k] for k, _ in terms if isinstance(k, str)}
        return self._ranked(scores, int(topn), exclude)

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
            Per query, as :meth:`most_similar` would return it. Scores come from a matrix
            product and may differ from the one-query path in the last float32 bit.

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
        normed = self.get_normed_vectors()[:clip]
        block = max(1, min(len(all_terms), _BATCH_ELEMENTS // max(clip, 1)))
        buffer = np.empty((block, clip), dtype=np.float32)
        words = self.index_to_key
        results: list[list[tuple[str, float]]] = []
        for start in range(0, len(all_terms), block):
            stop = min(start + block, len(all_terms))
            # float32 x float32 -> float32 sgemm straight into the reused buffer.
            scores = np.matmul(queries[start:stop], normed.T, out=buffer[: stop - start])
            best, values = top_k_rows(scores, int(topn), excluded[start:stop])
            # tolist() once per block: Python floats and ints without per-element numpy calls.
            for row_idx, row_val in zip(best.tolist(), values.tolist(), strict=True):
                results.append(
                    [(words[i], v) for i, v in zip(row_idx, row_val, strict=True) if i >= 0]
                )
        return results

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
        self, path: str | os.PathLike[str], binary: bool = False, write_header: bool = True
    ) -> None:
        """Write the vectors in word2vec C format; see :func:`w2v.formats.save_word2vec_format`."""
        word2vec_format.save_word2vec_format(
            path, self.index_to_key, self._vectors, binary=binary, write_header=write_header
        )

    @classmethod
    def load_word2vec_format(
        cls,
        path: str | os.PathLike[str],
        binary: bool = False,
        limit: int | None = None,
        unicode_errors: str = "strict",
        no_header: bool = False,
    ) -> KeyedVectors:
        """Read word2vec C format vectors; see :func:`w2v.formats.load_word2vec_format`.

        The result has no counts (the format does not store them).
        """
        words, vectors = word2vec_format.load_word2vec_format(
            path, binary=binary, limit=limit, unicode_errors=unicode_errors, no_header=no_header
        )
        return cls(words, vectors)

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
    def load(cls, path: str | os.PathLike[str], mmap: str | None = None) -> KeyedVectors:
        """Read vectors written by :meth:`save`, or the word vectors of a saved model.

        Parameters
        ----------
        path : str or os.PathLike
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
        arrays, meta = native.load_native(path, mmap=mmap is not None)
        kind = meta.get("kind")
        # a model file stores its input vectors as "syn0" beside the same word arrays
        name = {cls.NATIVE_KIND: "vectors", "w2v.Word2Vec": "syn0"}.get(kind)
        if name is None:
            raise FormatError(f"{path}: not a w2v vectors or model file (kind {kind!r})")
        missing = [n for n in (name, "words_blob", "words_offsets") if n not in arrays]
        if missing:
            raise FormatError(f"{path}: lacks array(s) {', '.join(missing)}")
        vectors = arrays[name]
        if mmap == "r":
            vectors.setflags(write=False)
        words = native.decode_words(arrays["words_blob"], arrays["words_offsets"])
        try:
            return cls(words, vectors, arrays.get("counts"))
        except ParameterError as exc:
            raise FormatError(f"{path}: {exc}") from None

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

    def set_vecattr(self, key: str, attr: str, value: int) -> None:
        """Set a per-word attribute (``"count"`` only); vectors without counts get counts of
        0 for every other word."""
        if attr != "count":
            raise KeyError(f"unknown vector attribute {attr!r}: only 'count' is kept")
        index = self.get_index(key)
        if self.counts is None:
            self.counts = np.zeros(len(self), dtype=np.int64)
        self.counts[index] = int(value)

    def vectors_for_all(self, keys: Iterable[str], copy_vecattrs: bool = False) -> KeyedVectors:
        """New vectors for the `keys` that are in the vocabulary (first occurrence order,
        duplicates dropped; unknown keys left out, as gensim does without inference).

        Parameters
        ----------
        keys : iterable of str
            Words wanted.
        copy_vecattrs : bool, default False
            Carry the counts over.
        """
        found = [k for k in dict.fromkeys(keys) if k in self]
        rows = np.fromiter((self.key_to_index[k] for k in found), dtype=np.int64, count=len(found))
        counts = self.counts[rows] if copy_vecattrs and self.counts is not None else None
        return KeyedVectors(found, self._vectors[rows], counts)

    def rank(self, key1: str, key2: str) -> int:
        """Rank of `key2` among the words nearest to `key1` by cosine: 1 + the number of other
        words strictly more similar to `key1` (gensim's rule)."""
        normed = self.get_normed_vectors()
        i1, i2 = self.get_index(key1), self.get_index(key2)
        scores = normed @ normed[i1]
        closer = scores > scores[i2]
        closer[i1] = False
        return int(np.count_nonzero(closer)) + 1
