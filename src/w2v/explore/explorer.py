"""The queries behind ``w2v explore``, independent of the web framework.

:class:`Explorer` holds word vectors (and, for a full model file, the model) and answers what
the page and the JSON API ask: completion, neighbours, analogies, similarity, vectors, model
predictions and 2-D maps. Every argument is checked against :class:`Limits` before any work:
an unknown word raises :class:`UnknownWords` (HTTP 404), anything else out of range
:class:`~w2v.errors.ParameterError` (HTTP 400), a feature this file cannot offer
:class:`Unavailable` (HTTP 404). Results are plain dicts ready for JSON.
"""

from __future__ import annotations

import bisect
import dataclasses
import errno
import importlib.util
import logging
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from w2v.errors import ParameterError, W2VError
from w2v.exact_search import exact_top_k
from w2v.explore.batcher import Batcher, Job, Overloaded
from w2v.formats.native import load_native
from w2v.formats.vector_files import detect_format, load_vectors
from w2v.suggest import Suggester, did_you_mean

if TYPE_CHECKING:
    from w2v.approximate_index import HnswIndex
    from w2v.keyed_vectors import KeyedVectors
    from w2v.word2vec import Word2Vec

__all__ = ["Explorer", "Limits", "Overloaded", "Unavailable", "UnknownWords", "open_vectors"]

logger = logging.getLogger(__name__)

# Sorts after every character a word can hold: the end of a prefix range in sorted words.
_MAX_CHAR = "\U0010ffff"
_MODEL_KIND = "w2v.Word2Vec"
_LAYERS = ("softmax", "hs", "negative")
_METHODS = ("3cosadd", "3cosmul")
_PROJECTIONS = ("pca", "tsne")
#: Words the page maps first when the vocabulary has them (see Explorer.start_word).
_START_WORDS = ("king", "paris", "music", "science", "water")


@dataclass(frozen=True)
class Limits:
    """Bounds on every request, so that no query can tie the server up or flood a client."""

    max_topn: int = 100
    max_word_chars: int = 200
    max_batch: int = 256
    max_terms: int = 20
    max_completions: int = 50
    max_map_points: int = 1000
    max_tsne_points: int = 500
    max_body_bytes: int = 256 * 1024
    max_query_chars: int = 8192
    #: Neighbour queries waiting to be answered, across all requests; beyond it: HTTP 503.
    max_queue: int = 1024
    #: Longest wait in that queue (milliseconds) before a query is refused with 503.
    max_queue_wait_ms: int = 2000
    #: Most queued queries answered by one matrix product (or one batched index search).
    max_batch_rows: int = 256
    #: Open connections at once (uvicorn answers 503 beyond it).
    max_connections: int = 256

    def __post_init__(self) -> None:
        if self.max_queue < self.max_batch:
            raise ParameterError(
                f"max_queue ({self.max_queue}) must hold a whole batch request "
                f"(max_batch {self.max_batch})"
            )


class UnknownWords(W2VError):
    """Words not in the vocabulary; ``words`` lists them and ``suggestions`` maps each to the
    close forms the vocabulary has (the message names both)."""

    def __init__(
        self,
        words: Sequence[str],
        where: str = "",
        suggestions: dict[str, list[str]] | None = None,
    ) -> None:
        self.words = list(dict.fromkeys(words))
        self.suggestions = {w: list((suggestions or {}).get(w, [])) for w in self.words}
        names = ", ".join(repr(w) for w in self.words)
        noun = "word" if len(self.words) == 1 else "words"
        close = list(dict.fromkeys(c for w in self.words for c in self.suggestions[w]))
        super().__init__(f"{noun} {names} not in the vocabulary{where}{did_you_mean(close)}")


class Unavailable(W2VError):
    """What was asked needs something this file does not have (e.g. a model for predictions)."""


def open_vectors(
    path: str | os.PathLike[str],
    fmt: str | None = None,
    limit: int | None = None,
    no_header: bool = False,
) -> tuple[KeyedVectors, Word2Vec | None, str]:
    """Load vectors from any word2vec or native file; a native model also gives the model.

    Native files are memory-mapped (copy-on-write), so even large ones open in about a second.

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    fmt : {"text", "binary", "native"}, optional
        Its format (detected when None).
    limit : int, optional
        Read only the first `limit` vectors of a vector file (not of a model).
    no_header : bool
        A word2vec text file without its ``count dim`` line (GloVe's format).

    Returns
    -------
    vectors : KeyedVectors
    model : Word2Vec or None
        The model when `path` is a native model file (``Word2Vec.save`` / ``w2v train --model``).
    fmt : str
        ``"native"``, ``"binary"`` or ``"text"``.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(errno.ENOENT, "no such file", os.fspath(path))
    fmt = "text" if no_header and fmt is None else fmt or detect_format(path)
    if fmt == "native" and _native_kind(path) == _MODEL_KIND:
        if limit is not None:
            raise ParameterError(f"{path} is a full model: it is explored whole (drop the limit)")
        from w2v.word2vec import Word2Vec

        model = Word2Vec.load(path)
        return model.wv, model, fmt
    return load_vectors(path, fmt, limit, no_header), None, fmt


def _native_kind(path: Path) -> Any:
    _, meta = load_native(path, mmap=True)  # maps the arrays without reading them
    return meta.get("kind")


def tsne_available() -> bool:
    """Whether t-SNE maps can be drawn (they use scikit-learn, an optional dependency)."""
    return importlib.util.find_spec("sklearn") is not None


def _short_floats(values: Any) -> list[float]:
    """float32 values as the shortest decimals that read back as the same float32.

    JSON then shows ``0.7123457``, not the float64 expansion ``0.7123456835746765``.
    """
    return [float(s) for s in np.asarray(values, dtype=np.float32).astype(str).tolist()]


def _json_value(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


class Explorer:
    """Bounded, read-only queries over word vectors, answered as JSON-ready dicts.

    Parameters
    ----------
    vectors : KeyedVectors
        The vectors; their order is taken as frequency order (as in word2vec files).
    model : Word2Vec, optional
        The full model, for its parameters, loss curve and predictions.
    source : str
        Name of the file shown on the page.
    fmt : str
        Format of that file.
    limits : Limits, optional
        Request bounds.
    """

    def __init__(
        self,
        vectors: KeyedVectors,
        model: Word2Vec | None = None,
        source: str = "",
        fmt: str = "",
        limits: Limits | None = None,
        index: HnswIndex | None = None,
    ) -> None:
        if len(vectors) == 0:
            raise ParameterError("no word vectors to explore (the vocabulary is empty)")
        if index is not None and index.kv is not vectors:
            raise ParameterError("the index was built on other vectors than those explored")
        self.kv = vectors
        self.model = model
        self.source = source
        self.format = fmt
        self.limits = limits or Limits()
        self.index = index
        if index is not None:
            index.threads = 1  # one core searches, the other serves HTTP (measured)
        t0 = time.perf_counter()
        # Unit vectors now rather than on the first request (and never twice from racing
        # request threads); then one query each way, which loads the compiled code.
        vectors.fill_norms()
        self._unit = vectors.get_normed_vectors()
        vectors.most_similar(positive=[vectors.index_to_key[0]], topn=1)
        self._search(self._unit[:1], 1, [[0]], 0, len(vectors))
        lim = self.limits
        self._batcher = Batcher(
            self._search,
            max_queue=lim.max_queue,
            max_rows=lim.max_batch_rows,
            max_wait=lim.max_queue_wait_ms / 1000,
            exact_k=index is None,
        )
        words = vectors.index_to_key
        # Completion is case-insensitive: the case-folded words, sorted, with their rows.
        folded = [w.casefold() for w in words]
        order = sorted(range(len(words)), key=folded.__getitem__)
        self._folded = [folded[i] for i in order]
        self._rows = np.asarray(order, dtype=np.int64)
        self._suggester: Suggester | None = None  # built at the first unknown word
        self._suggester_lock = threading.Lock()
        logger.info("explorer ready in %.2fs", time.perf_counter() - t0)

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        fmt: str | None = None,
        limit: int | None = None,
        limits: Limits | None = None,
        no_header: bool = False,
        index: str | None = None,
        ef_search: int = 128,
        progress: bool = False,
    ) -> Explorer:
        """An explorer over the vectors (or model) in `path`; see :func:`open_vectors`.

        With ``index="hnsw"`` neighbours come from an approximate index
        (:class:`w2v.approximate_index.HnswIndex`), loaded from beside `path`, or built (with
        a progress bar when `progress`) and saved there for the next start.
        """
        if index not in (None, "hnsw"):
            raise ParameterError(f"index must be hnsw (or none for exact search), got {index!r}")
        vectors, model, fmt = open_vectors(path, fmt, limit, no_header)
        hnsw = None
        if index == "hnsw":
            from w2v.approximate_index import HnswIndex, index_path

            saved = index_path(path) if limit is None else index_path(f"{path}.first{limit}")
            hnsw = HnswIndex.open(vectors, saved, ef_search=ef_search, progress=progress)
        return cls(vectors, model, source=Path(path).name, fmt=fmt, limits=limits, index=hnsw)

    def close(self) -> None:
        """Stop the thread answering queued queries."""
        self._batcher.close()

    # ------------------------------------------------------------------ the search path

    def _search(
        self, queries: np.ndarray, k: int, exclude: list[Sequence[int]], lo: int, hi: int
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """One batched search: exact (matrix product) or through the approximate index."""
        if self.index is not None:
            return self.index.search(queries, k, exclude, lo, hi)
        return exact_top_k(self._unit[:hi], queries, k, exclude)

    def _job(self, positive: list[str], negative: list[str], topn: int, clip: int) -> Job:
        terms = self.kv._terms(positive, negative)
        query = self.kv._query_vector(terms)  # ParameterError when it is zero
        rows = {self.kv.key_to_index[w] for w in positive + negative}
        return Job(query, topn, sorted(r for r in rows if r < clip), 0, clip)

    def _nearest(self, jobs: list[Job]) -> list[list[tuple[str, float]]]:
        """Answers of `jobs` as (word, score) lists, through the shared batched path."""
        words = self.kv.index_to_key
        return [
            list(zip([words[i] for i in idx.tolist()], val.tolist(), strict=True))
            for idx, val in self._batcher.run(jobs)
        ]

    # ------------------------------------------------------------------ argument checks

    def _bounded(self, name: str, value: Any, low: int, high: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise ParameterError(f"{name} must be an integer from {low} to {high}, got {value!r}")
        if not low <= value <= high:
            raise ParameterError(f"{name} must be from {low} to {high}, got {value}")
        return int(value)

    def _text(self, name: str, value: Any, allow_empty: bool = False) -> str:
        if not isinstance(value, str):
            raise ParameterError(f"{name} must be a string, got {type(value).__name__}")
        if not value and not allow_empty:
            raise ParameterError(f"{name} is empty: give a word")
        if len(value) > self.limits.max_word_chars:
            raise ParameterError(
                f"{name} is {len(value)} characters long; at most "
                f"{self.limits.max_word_chars} are accepted"
            )
        return value

    def _known(self, named: Sequence[tuple[str, Any]], where: str = "") -> list[str]:
        """Check the (name, word) pairs; raise one error naming every unknown word."""
        words = [self._text(name, word) for name, word in named]
        missing = [w for w in words if w not in self.kv]
        if missing:
            raise self._unknown(missing, where)
        return words

    def _unknown(self, missing: Sequence[str], where: str = "") -> UnknownWords:
        """The error for ``missing`` words, with the close forms the vocabulary has."""
        with self._suggester_lock:
            if self._suggester is None:
                self._suggester = Suggester(self.kv.index_to_key)
        suggest = self._suggester.suggest
        return UnknownWords(missing, where, {w: suggest(w) for w in dict.fromkeys(missing)})

    def _word_list(self, name: str, value: Any) -> list[str]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise ParameterError(f"{name} must be a word or a list of words")
        if len(value) > self.limits.max_terms:
            raise ParameterError(
                f"{name} has {len(value)} words; at most {self.limits.max_terms} are accepted"
            )
        return [self._text(name, w) for w in value]

    def _topn(self, topn: Any) -> int:
        return self._bounded("topn", topn, 1, self.limits.max_topn)

    def _restrict(self, restrict_vocab: Any) -> int | None:
        if restrict_vocab is None:
            return None
        return self._bounded("restrict_vocab", restrict_vocab, 1, len(self.kv))

    def _layer(self, layer: Any) -> str | None:
        if layer is None:
            return None
        have = self._model_layers()
        if layer not in have:
            raise ParameterError(
                f"layer must be one of this model's output layers ({', '.join(have)}), "
                f"got {layer!r}"
            )
        return str(layer)

    def _need_model(self) -> Word2Vec:
        if self.model is None:
            raise Unavailable(
                f"{self.source or 'this file'} holds word vectors only: predictions need a "
                "full model (a .w2v file saved with `w2v train --model` or Word2Vec.save)"
            )
        return self.model

    def _model_layers(self) -> list[str]:
        p = self._need_model().params
        return [name for name, on in zip(_LAYERS, (p.softmax, p.hs, p.negative), strict=True) if on]

    # ------------------------------------------------------------------ results

    def _entries(self, pairs: Sequence[tuple[str, float]], key: str = "score") -> list[dict]:
        scores = _short_floats([s for _, s in pairs])
        counts = self.kv.counts
        out = []
        for (word, _), score in zip(pairs, scores, strict=True):
            index = self.kv.key_to_index[word]
            entry = {"word": word, key: score, "index": index}
            if counts is not None:
                entry["count"] = int(counts[index])
            out.append(entry)
        return out

    # ------------------------------------------------------------------ queries

    def info(self) -> dict[str, Any]:
        """What is loaded: sizes, format, limits and, for a model, its parameters and loss."""
        model = None
        if self.model is not None:
            p = self.model.params
            params = {
                f.name: _json_value(getattr(p, f.name))
                for f in dataclasses.fields(p)
                if f.name != "extra"
            }
            vocab = self.model.vocab
            model = {
                "params": params,
                "layers": self._model_layers(),
                "epochs_trained": int(self.model.epochs_trained),
                "total_tokens": int(vocab.total_tokens) if vocab is not None else None,
                "loss_history": [float(x) for x in self.model.loss_history],
            }
        return {
            "source": self.source,
            "format": self.format,
            "kind": "model" if self.model is not None else "vectors",
            "vocab_size": len(self.kv),
            "vector_size": self.kv.vector_size,
            "has_counts": self.kv.counts is not None,
            "tsne": tsne_available(),
            "start_word": self.start_word(),
            "limits": dataclasses.asdict(self.limits),
            "search": self.search_info(),
            "model": model,
        }

    def search_info(self) -> dict[str, Any]:
        """How neighbours are found (exact, or the approximate index and its parameters), and
        how many batched searches answered how many queries so far."""
        batches = {"searches": self._batcher.searches, "queries": self._batcher.queries}
        if self.index is None:
            return {"mode": "exact", "index": None, "batches": batches}
        return {"mode": "approximate", "index": self.index.info(), "batches": batches}

    def start_word(self) -> str | None:
        """The word whose neighbourhood the page maps first: one of a few words whose
        neighbours read well in English vectors, else the most frequent alphabetic word of
        four letters or more past the 100 most frequent (which are stopwords in any
        language); None when there is none (the page then maps the most frequent words)."""
        for word in _START_WORDS:
            if word in self.kv:
                return word
        words = self.kv.index_to_key
        return next(
            (w for w in words[min(100, len(words) // 10) :] if len(w) >= 4 and w.isalpha()),
            None,
        )

    def complete(self, prefix: str, limit: int = 10) -> dict[str, Any]:
        """The most frequent words starting with `prefix` (case-insensitive), exact match first.

        Parameters
        ----------
        prefix : str
            May be empty: then the most frequent words.
        limit : int
            How many words to return.
        """
        prefix = self._text("prefix", prefix, allow_empty=True)
        limit = self._bounded("limit", limit, 1, self.limits.max_completions)
        key = prefix.casefold()
        lo = bisect.bisect_left(self._folded, key)
        hi = bisect.bisect_left(self._folded, key + _MAX_CHAR, lo)
        rows = self._rows[lo:hi]
        if rows.size > limit:
            rows = np.partition(rows, limit - 1)[:limit]
        best = sorted(rows.tolist())
        exact = self.kv.key_to_index.get(prefix)
        if exact is not None:  # the word as typed leads, even when rarer than the others
            best = [i for i in best if i != exact][: limit - 1]
            best.insert(0, exact)
        words = self.kv.index_to_key
        counts = self.kv.counts
        out = []
        for i in best:
            entry = {"word": words[i], "index": i}
            if counts is not None:
                entry["count"] = int(counts[i])
            out.append(entry)
        return {"prefix": prefix, "total": int(hi - lo), "words": out}

    def neighbours(
        self, word: str, topn: int = 10, restrict_vocab: int | None = None
    ) -> dict[str, Any]:
        """Nearest words to `word` by cosine similarity."""
        (word,) = self._known([("word", word)])
        topn = self._topn(topn)
        clip = self._restrict(restrict_vocab) or len(self.kv)
        (pairs,) = self._nearest([self._job([word], [], topn, clip)])
        return {"word": word, "topn": topn, "neighbours": self._entries(pairs)}

    def neighbours_batch(
        self, queries: Any, topn: int = 10, restrict_vocab: int | None = None
    ) -> dict[str, Any]:
        """Many neighbour queries at once, through the batched (matrix-product) top-k.

        Parameters
        ----------
        queries : list
            Each a word, or ``{"positive": [...], "negative": [...]}`` (3CosAdd terms).
        """
        if not isinstance(queries, list) or not queries:
            raise ParameterError("queries must be a non-empty list")
        if len(queries) > self.limits.max_batch:
            raise ParameterError(
                f"{len(queries)} queries; at most {self.limits.max_batch} per request"
            )
        topn = self._topn(topn)
        clip = self._restrict(restrict_vocab) or len(self.kv)
        positive, negative, missing = [], [], []
        for q, query in enumerate(queries):
            if isinstance(query, str):
                query = {"positive": [query]}
            if not isinstance(query, dict) or set(query) - {"positive", "negative"}:
                raise ParameterError(
                    f"query {q} must be a word or an object with 'positive' and/or 'negative'"
                )
            pos = self._word_list(f"query {q} positive", query.get("positive", []))
            neg = self._word_list(f"query {q} negative", query.get("negative", []))
            if not pos and not neg:
                raise ParameterError(f"query {q} has no words")
            if len(pos) + len(neg) > self.limits.max_terms:
                raise ParameterError(
                    f"query {q} has {len(pos) + len(neg)} words; at most "
                    f"{self.limits.max_terms} are accepted"
                )
            missing += [w for w in pos + neg if w not in self.kv]
            positive.append(pos)
            negative.append(neg)
        if missing:
            raise self._unknown(missing)
        jobs = []
        for q, (pos, neg) in enumerate(zip(positive, negative, strict=True)):
            try:
                jobs.append(self._job(pos, neg, topn, clip))
            except ParameterError as exc:
                raise ParameterError(f"query {q}: {exc}") from None
        results = self._nearest(jobs)
        return {
            "topn": topn,
            "results": [
                {"positive": p, "negative": n, "neighbours": self._entries(r)}
                for p, n, r in zip(positive, negative, results, strict=True)
            ],
        }

    def analogy(
        self, a: str, b: str, c: str, method: str = "3cosadd", topn: int = 10
    ) -> dict[str, Any]:
        """``a : b :: c : ?``, the words closest to ``b - a + c`` (3CosAdd) or by 3CosMul."""
        a, b, c = self._known([("a", a), ("b", b), ("c", c)])
        if method not in _METHODS:
            raise ParameterError(f"method must be one of {', '.join(_METHODS)}, got {method!r}")
        topn = self._topn(topn)
        if method == "3cosadd":  # a nearest-neighbour query: the batched path
            (pairs,) = self._nearest([self._job([b, c], [a], topn, len(self.kv))])
        else:  # 3CosMul scores each word against every term: not one product, done here
            pairs = self.kv.most_similar_cosmul(positive=[b, c], negative=[a], topn=topn)
        return {"a": a, "b": b, "c": c, "method": method, "results": self._entries(pairs)}

    def similarity(self, a: str, b: str) -> dict[str, Any]:
        """Cosine similarity of two words."""
        a, b = self._known([("a", a), ("b", b)])
        return {"a": a, "b": b, "similarity": _short_floats([self.kv.similarity(a, b)])[0]}

    def vector(self, word: str) -> dict[str, Any]:
        """The vector of `word` and its length."""
        (word,) = self._known([("word", word)])
        vec = self.kv.get_vector(word)
        return {
            "word": word,
            "norm": _short_floats([self.kv.norms[self.kv.key_to_index[word]]])[0],
            "vector": _short_floats(vec),
        }

    def predict_center(
        self, context: Any, topn: int = 10, layer: str | None = None
    ) -> dict[str, Any]:
        """The model's most probable centre words for the `context` words."""
        model = self._need_model()
        words = self._word_list("context", context)
        if not words:
            raise ParameterError("context is empty: give one or more words")
        self._known([("context", w) for w in words])
        topn, layer = self._topn(topn), self._layer(layer)
        pairs = model.predict_center(words, topn=topn, layer=layer)
        return {
            "context": words,
            "layer": layer or self._model_layers()[0],
            "predictions": self._entries(pairs, "probability"),
        }

    def predict_context(
        self, word: str, topn: int = 10, layer: str | None = None
    ) -> dict[str, Any]:
        """The model's most probable context words around `word`."""
        model = self._need_model()
        (word,) = self._known([("word", word)])
        topn, layer = self._topn(topn), self._layer(layer)
        pairs = model.predict_context(word, topn=topn, layer=layer)
        return {
            "word": word,
            "layer": layer or self._model_layers()[0],
            "predictions": self._entries(pairs, "probability"),
        }

    def map(
        self,
        word: str | None = None,
        top: int | None = None,
        n: int = 30,
        method: str = "pca",
    ) -> dict[str, Any]:
        """2-D coordinates of `word` and its `n` neighbours, or of the `top` most frequent words.

        The unit vectors are projected (cosine is the geometry the neighbours use): PCA, or
        t-SNE (scikit-learn) for local structure.
        """
        if (word is None) == (top is None):
            raise ParameterError("give either word (its neighbourhood) or top (frequent words)")
        if method not in _PROJECTIONS:
            raise ParameterError(f"method must be pca or tsne, got {method!r}")
        cap = self.limits.max_tsne_points if method == "tsne" else self.limits.max_map_points
        if method == "tsne" and not tsne_available():
            raise ParameterError(
                "t-SNE needs scikit-learn, which is not installed "
                "(pip install scikit-learn, or 'w2v[plot]'); use method=pca"
            )
        scores: list[float | None]
        if word is not None:
            (word,) = self._known([("word", word)])
            n = self._bounded("n", n, 2, cap - 1)
            (pairs,) = self._nearest([self._job([word], [], n, len(self.kv))])
            rows = [self.kv.key_to_index[word]] + [self.kv.key_to_index[w] for w, _ in pairs]
            scores = [None, *_short_floats([s for _, s in pairs])]
        else:
            top = self._bounded("top", top, 3, cap)
            rows = list(range(min(top, len(self.kv))))
            scores = [None] * len(rows)
        if len(rows) < 3:
            raise ParameterError(f"a map needs at least 3 words; the vocabulary has {len(self.kv)}")
        from w2v.plot import pca_2d, tsne_2d

        unit = self.kv.get_normed_vectors()[np.asarray(rows)]
        try:
            coords = pca_2d(unit) if method == "pca" else tsne_2d(unit)
        except ImportError as exc:  # scikit-learn half-installed: still a message, not a 500
            raise ParameterError(f"{exc}; use method=pca") from None
        xs, ys = _short_floats(coords[:, 0]), _short_floats(coords[:, 1])
        words = self.kv.index_to_key
        points = [
            {"word": words[r], "index": r, "x": x, "y": y, "score": s}
            for r, x, y, s in zip(rows, xs, ys, scores, strict=True)
        ]
        return {"method": method, "word": word, "top": top, "points": points}
