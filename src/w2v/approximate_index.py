"""An approximate nearest-neighbour index over word vectors: an HNSW graph from faiss.

For large vocabularies a query need not look at every vector: an HNSW graph (Malkov &
Yashunin 2016) finds almost all of the nearest ones by walking a few hundred. faiss (the
``index`` extra; docs/design.md says why faiss) builds and searches the graph over the unit
vectors by inner product, i.e. cosine.

:class:`HnswIndex` speaks two protocols:

- gensim's indexer protocol, ``most_similar(vector, num_neighbors) -> [(word, cosine)]``, so it
  can be passed as ``indexer=`` to w2v's or gensim's ``most_similar``;
- :meth:`HnswIndex.search`, used by :meth:`w2v.keyed_vectors.KeyedVectors.most_similar` and
  ``w2v explore``, which behaves like the exact search: the query's own words excluded,
  ``restrict_vocab`` honoured (a range filter inside the graph walk), and every score the
  exact cosine of :mod:`w2v.exact_search` (only the choice of words is approximate).

The index is saved beside the vectors (``vectors.w2v`` -> ``vectors.w2v.hnsw``, with a small
``.hnsw.json`` holding its parameters and a fingerprint of the vectors) and loaded on the next
start when the fingerprint still matches.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from w2v.atomic import atomic_write
from w2v.errors import ParameterError, W2VError
from w2v.exact_search import rescore_and_rank

if TYPE_CHECKING:
    from w2v.keyed_vectors import KeyedVectors

__all__ = ["HnswIndex", "index_path"]

logger = logging.getLogger(__name__)

_SUFFIX = ".hnsw"
_FORMAT = "w2v-faiss-hnsw-1"
# Vectors added per faiss call while building: small enough for a live progress bar, large
# enough for faiss to spread each call over the cores.
_BUILD_CHUNK = 10_000


def _faiss() -> Any:
    try:
        import faiss
    except ImportError as exc:
        raise W2VError(
            f"the approximate index needs faiss: pip install 'w2v[index]' ({exc})"
        ) from None
    return faiss


def index_path(vectors_path: str | os.PathLike[str]) -> Path:
    """Where the index of the vectors in `vectors_path` is saved (beside them)."""
    path = Path(vectors_path)
    return path.with_name(path.name + _SUFFIX)


def fingerprint(kv: KeyedVectors) -> str:
    """A digest of the words and of every 97th vector (cheap on millions of words): the index
    saved for other vectors is not reused."""
    h = hashlib.sha256()
    h.update(f"{len(kv)} {kv.vector_size}\n".encode())
    h.update("\n".join(kv.index_to_key).encode("utf-8", "surrogatepass"))
    h.update(np.ascontiguousarray(kv.vectors[::97], dtype=np.float32).tobytes())
    return h.hexdigest()


class HnswIndex:
    """An HNSW graph over the unit vectors of `kv` (faiss ``IndexHNSWFlat``, inner product).

    Parameters
    ----------
    kv : KeyedVectors
        The vectors; the index refers to words by their row.
    m : int, default 16
        Graph degree (faiss's ``M``): more links, better recall, more memory (``8 * m`` bytes a
        word beside its vector) and a slower build.
    ef_construction : int, default 100
        Candidates kept while linking each new word: better graph, slower build.
    ef_search : int, default 128
        Candidates kept while searching (at least the number of results asked for): the
        recall/speed trade-off of every query; may be changed at any time.
    progress : bool, default False
        Show a tqdm bar while building.

    Examples
    --------
    >>> index = HnswIndex(kv)  # doctest: +SKIP
    >>> kv.most_similar("king", topn=5, indexer=index)  # doctest: +SKIP
    """

    kind = "hnsw"

    def __init__(
        self,
        kv: KeyedVectors,
        m: int = 16,
        ef_construction: int = 100,
        ef_search: int = 128,
        progress: bool = False,
        _index: Any = None,
    ) -> None:
        for name, value in (("m", m), ("ef_construction", ef_construction)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 2:
                raise ParameterError(f"{name} must be an integer >= 2, got {value!r}")
        self.kv = kv
        self.m = m
        self.ef_construction = ef_construction
        self.ef_search = ef_search
        self.build_seconds: float | None = None
        self.path: Path | None = None
        #: OpenMP threads for a batch of searches (None: faiss's default, every core). A
        #: server sets 1: its event loop needs the other core, and idle OpenMP threads spin.
        self.threads: int | None = None
        self._unit = np.ascontiguousarray(kv.get_normed_vectors(), dtype=np.float32)
        self._index = _index if _index is not None else self._build(progress)

    @property
    def ef_search(self) -> int:
        """Candidates kept while searching (the recall/speed trade-off)."""
        return self._ef_search

    @ef_search.setter
    def ef_search(self, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ParameterError(f"ef_search must be an integer >= 1, got {value!r}")
        self._ef_search = value

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def _build(self, progress: bool) -> Any:
        from tqdm.auto import tqdm

        faiss = _faiss()
        index = faiss.IndexHNSWFlat(self.kv.vector_size, self.m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = self.ef_construction
        t0 = time.perf_counter()
        n = len(self._unit)
        with tqdm(
            total=n, unit="words", unit_scale=True, desc="HNSW index", disable=not progress
        ) as bar:
            for start in range(0, n, _BUILD_CHUNK):
                index.add(self._unit[start : start + _BUILD_CHUNK])
                bar.update(min(_BUILD_CHUNK, n - start))
        self.build_seconds = time.perf_counter() - t0
        logger.info("HNSW index of %d words built in %.1fs", n, self.build_seconds)
        return index

    # ------------------------------------------------------------------ files

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the index to `path` and its parameters to ``path + ".json"`` (atomically)."""
        faiss = _faiss()
        path = Path(path)
        with atomic_write(path) as fh:
            faiss.write_index(self._index, faiss.PyCallbackIOWriter(fh.write))
        meta = {
            "format": _FORMAT,
            "fingerprint": fingerprint(self.kv),
            "words": len(self.kv),
            "dim": self.kv.vector_size,
            "m": self.m,
            "ef_construction": self.ef_construction,
            "bytes": path.stat().st_size,
            "build_seconds": self.build_seconds,
        }
        with atomic_write(_meta_path(path), "w", encoding="utf-8") as fh:
            json.dump(meta, fh, indent=1)
        self.path = path

    @classmethod
    def load(
        cls, kv: KeyedVectors, path: str | os.PathLike[str], ef_search: int = 128
    ) -> HnswIndex:
        """The index saved at `path` for the vectors `kv`.

        Raises
        ------
        W2VError
            If the file is missing, damaged, or was built for other vectors (named).
        """
        faiss = _faiss()
        path = Path(path)
        meta = _read_meta(path)
        if meta.get("fingerprint") != fingerprint(kv):
            raise W2VError(f"{path} was built for other vectors (its fingerprint differs)")
        if not path.is_file() or path.stat().st_size != meta.get("bytes"):
            raise W2VError(f"{path} is missing or not the file its {_meta_path(path).name} "
                           "describes (an interrupted save?)")  # fmt: skip
        try:
            index = faiss.read_index(os.fspath(path))
        except RuntimeError as exc:
            raise W2VError(f"{path}: not a readable faiss index ({exc})") from None
        if index.ntotal != len(kv) or index.d != kv.vector_size:
            raise W2VError(f"{path} holds {index.ntotal} x {index.d} vectors, not "
                           f"{len(kv)} x {kv.vector_size}")  # fmt: skip
        out = cls(kv, meta["m"], meta["ef_construction"], ef_search, _index=index)
        out.build_seconds = meta.get("build_seconds")
        out.path = path
        return out

    @classmethod
    def open(
        cls,
        kv: KeyedVectors,
        path: str | os.PathLike[str],
        m: int | None = None,
        ef_construction: int | None = None,
        ef_search: int = 128,
        progress: bool = False,
    ) -> HnswIndex:
        """Load the index saved at `path` for `kv`, or build it and save it there.

        A saved index built for other vectors, or with another `m` / `ef_construction` when
        they are given, is rebuilt (and overwritten); None takes the saved index's (and the
        defaults, 16 and 100, for a new one).
        """
        path = Path(path)
        if path.exists() or _meta_path(path).exists():
            try:
                index = cls.load(kv, path, ef_search)
                if m in (None, index.m) and ef_construction in (None, index.ef_construction):
                    return index
                logger.warning("%s was built with other parameters: rebuilding it", path)
            except W2VError as exc:
                logger.warning("%s; rebuilding it", exc)
        index = cls(kv, m or 16, ef_construction or 100, ef_search, progress=progress)
        index.save(path)
        return index

    def info(self) -> dict[str, Any]:
        """Parameters and size, for ``/api/info``."""
        return {
            "kind": self.kind,
            "library": "faiss",
            "m": self.m,
            "ef_construction": self.ef_construction,
            "ef_search": self.ef_search,
            "bytes": self.path.stat().st_size if self.path and self.path.exists() else None,
            "build_seconds": self.build_seconds,
        }

    # ------------------------------------------------------------------ queries

    def _raw(self, queries: np.ndarray, k: int, lo: int, hi: int) -> np.ndarray:
        faiss = _faiss()
        if self.threads is not None:
            faiss.omp_set_num_threads(self.threads)
        params = faiss.SearchParametersHNSW()
        params.efSearch = max(self.ef_search, k)
        selector = None
        if lo > 0 or hi < len(self):
            selector = faiss.IDSelectorRange(lo, hi)
            params.sel = selector
        _, labels = self._index.search(queries, k, params=params)
        del selector  # kept alive until the search is over (faiss holds a raw pointer)
        return labels

    def search(
        self,
        queries: np.ndarray,
        k: int,
        exclude: Sequence[Sequence[int]] | None = None,
        lo: int = 0,
        hi: int | None = None,
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """The about-`k` nearest words of each unit query vector, as the exact search would
        give them: word indices in ``[lo, hi)``, `exclude` left out, exact cosine scores, best
        first (ties: lower index).

        Returns
        -------
        list of (indices, scores)
            Per query, ``int64`` indices and ``float32`` scores (fewer than `k` only when the
            range holds fewer words).
        """
        queries = np.ascontiguousarray(queries, dtype=np.float32).reshape(-1, self.kv.vector_size)
        hi = len(self) if hi is None else min(hi, len(self))
        exclude = [()] * len(queries) if exclude is None else exclude
        extra = max((len(e) for e in exclude), default=0)
        labels = self._raw(queries, k + extra, lo, hi)
        # Excluded words are dropped by marking them -1: rescoring then skips them.
        for r, excluded in enumerate(exclude):
            if len(excluded):
                labels[r, np.isin(labels[r], np.asarray(excluded, dtype=np.int64))] = -1
        return rescore_and_rank(self._unit, queries, labels, k)

    def most_similar(self, vector: np.ndarray, num_neighbors: int) -> list[tuple[str, float]]:
        """gensim's indexer protocol: the `num_neighbors` words nearest to `vector`.

        As gensim's indexers: nothing is excluded (a word's own vector finds the word itself
        first) and scores are cosine similarities.
        """
        query = np.asarray(vector, dtype=np.float32).reshape(1, -1)
        norm = float(np.linalg.norm(query))
        if norm > 0:
            query = query / np.float32(norm)
        ((idx, val),) = self.search(query, int(num_neighbors))
        words = self.kv.index_to_key
        return [(words[i], s) for i, s in zip(idx.tolist(), val.tolist(), strict=True)]


def _meta_path(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def _read_meta(path: Path) -> dict[str, Any]:
    meta_path = _meta_path(path)
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise W2VError(f"{meta_path} is missing: the index beside it cannot be checked") from None
    except (OSError, ValueError) as exc:
        raise W2VError(f"{meta_path}: cannot read the index description ({exc})") from None
    if not isinstance(meta, dict) or meta.get("format") != _FORMAT:
        raise W2VError(f"{meta_path}: not a w2v HNSW index description")
    return meta
