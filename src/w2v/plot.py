"""2-D maps of word vectors (PCA or t-SNE) and training-loss curves, drawn with matplotlib.

matplotlib, adjustText (label placement) and scikit-learn (for t-SNE) are optional
dependencies (``pip install w2v[plot]``), imported only when needed. Figures use the
non-interactive Agg canvas (no display needed) and are written atomically.
"""

from __future__ import annotations

import importlib.util
import io
import os
from collections.abc import Sequence

import numpy as np

from w2v.atomic import atomic_write
from w2v.errors import ParameterError

__all__ = ["check_can_plot", "pca_2d", "plot_loss", "plot_words", "tsne_2d"]

DPI = 100


def pca_2d(vectors: np.ndarray) -> np.ndarray:
    """Project ``vectors`` (n, d) onto their first two principal components (n, 2).

    Computed with an SVD of the centred data; signs are fixed so the largest coordinate of each
    component is positive (the same input always gives the same picture).
    """
    x = np.asarray(vectors, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] < 2:
        raise ParameterError("PCA needs at least 2 vectors")
    x = x - x.mean(axis=0)
    u, s, vt = np.linalg.svd(x, full_matrices=False)
    k = min(2, vt.shape[0])
    coords = x @ vt[:k].T
    for j in range(k):
        if coords[np.argmax(np.abs(coords[:, j])), j] < 0:
            coords[:, j] = -coords[:, j]
    if k < 2:
        coords = np.column_stack([coords, np.zeros(x.shape[0])])
    return coords


def tsne_2d(
    vectors: np.ndarray,
    perplexity: float = 30.0,
    n_iter: int = 1000,
    seed: int = 0,
) -> np.ndarray:
    """t-SNE (van der Maaten & Hinton, 2008) to 2-D, by scikit-learn's ``TSNE``.

    Cosine geometry is what word vectors encode, so the vectors are unit-normalised first
    (squared Euclidean distances between unit vectors are ``2 - 2 cos``). scikit-learn's
    Barnes-Hut approximation with a PCA start; a given input and seed give the same layout.

    Parameters
    ----------
    vectors : numpy.ndarray
        (n, d) input, n >= 3.
    perplexity : float
        Effective number of neighbours; lowered automatically to ``(n - 1) / 3`` for few points.
    n_iter : int
        Gradient steps, at least 250 (the first 250 with early exaggeration 12).
    seed : int
        ``random_state`` of the optimisation.

    Returns
    -------
    numpy.ndarray
        (n, 2) coordinates.

    Raises
    ------
    ParameterError
        Fewer than 3 vectors, or ``n_iter`` < 250.
    ImportError
        scikit-learn is not installed (it comes with the ``plot`` extra).
    """
    x = np.asarray(vectors, dtype=np.float64)
    n = x.shape[0]
    if x.ndim != 2 or n < 3:
        raise ParameterError("t-SNE needs at least 3 vectors")
    if n_iter < 250:
        raise ParameterError(f"t-SNE needs n_iter >= 250, got {n_iter}")
    try:
        from sklearn.manifold import TSNE
        from threadpoolctl import threadpool_limits  # a dependency of scikit-learn
    except ImportError:
        raise ImportError("t-SNE needs scikit-learn: pip install 'w2v[plot]'") from None
    x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    perplexity = max(1.0, min(perplexity, (n - 1) / 3))
    tsne = TSNE(n_components=2, perplexity=perplexity, max_iter=n_iter, random_state=seed)
    # One OpenMP thread: a word map has at most a few thousand points, and on a busy machine
    # OpenMP's spinning threads made t-SNE of 60 points take 5-30 s instead of 0.3 s. It also
    # makes the layout independent of the number of cores.
    with threadpool_limits(limits=1, user_api="openmp"):
        return tsne.fit_transform(x).astype(np.float64)


def check_can_plot(path: str | os.PathLike, tsne: bool = False) -> None:
    """Fail at once, before any vectors are read, if the picture could not be written:
    matplotlib (or, for t-SNE, scikit-learn) missing, or a file suffix matplotlib cannot
    write.

    Raises
    ------
    ImportError
        A missing optional dependency (the message says how to install it).
    ParameterError
        An image format matplotlib does not write (the message lists those it does).
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
    except ImportError:
        raise ImportError("drawing needs matplotlib: pip install 'w2v[plot]'") from None
    if importlib.util.find_spec("adjustText") is None:
        raise ImportError("placing labels needs adjustText: pip install 'w2v[plot]'")
    if tsne and importlib.util.find_spec("sklearn") is None:
        raise ImportError("t-SNE needs scikit-learn: pip install 'w2v[plot]' (or --method pca)")
    fmt = _image_format(path)
    known = FigureCanvasAgg.get_supported_filetypes()
    if fmt not in known:
        raise ParameterError(
            f"{path}: cannot write a .{fmt} image; give a file name ending in one of "
            f"{', '.join('.' + k for k in sorted(known))}"
        )


def _image_format(path: str | os.PathLike) -> str:
    return os.path.splitext(os.fspath(path))[1].lstrip(".").lower() or "png"


def _parse_size(size: tuple[int, int]) -> tuple[int, int]:
    w, h = int(size[0]), int(size[1])
    if not (100 <= w <= 10000 and 100 <= h <= 10000):
        raise ParameterError(f"image size must be between 100 and 10000 pixels, got {w}x{h}")
    return w, h


def _figure(size: tuple[int, int]):
    # Figure + Agg canvas directly: no pyplot global state, no display backend needed
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    w, h = _parse_size(size)
    fig = Figure(figsize=(w / DPI, h / DPI), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def _save(fig, path: str | os.PathLike) -> None:
    """Render to memory (format from the suffix), then write atomically."""
    fmt = _image_format(path)
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format=fmt, dpi=DPI)
    except ValueError as exc:  # unknown format
        raise ParameterError(f"{path}: cannot write this image format: {exc}") from None
    with atomic_write(path, "wb") as f:
        f.write(buf.getvalue())


def plot_words(
    words: Sequence[str],
    coords: np.ndarray,
    path: str | os.PathLike,
    size: tuple[int, int] = (1200, 900),
    title: str | None = None,
    groups: Sequence[int] | None = None,
) -> None:
    """Scatter ``coords`` (n, 2) with each point labelled by its word, saved to ``path``.

    Parameters
    ----------
    words : sequence of str
        Labels, one per row of ``coords``.
    coords : numpy.ndarray
        2-D positions (e.g. from :func:`pca_2d` or :func:`tsne_2d`).
    path : str or os.PathLike
        Output image; the format follows the suffix (``.png``, ``.svg``, ``.pdf``...).
    size : (int, int)
        Width and height in pixels (exact for raster formats).
    title : str, optional
        Figure title.
    groups : sequence of int, optional
        A colour group per word (e.g. the query word each neighbour belongs to).
    """
    coords = np.asarray(coords, dtype=np.float64)
    if coords.shape != (len(words), 2):
        raise ParameterError(f"coords must have shape ({len(words)}, 2), got {coords.shape}")
    fig = _figure(size)
    ax = fig.add_subplot(1, 1, 1)
    w, h = _parse_size(size)
    # labels stay legible: the font shrinks with crowding but never below 7 pt
    fontsize = float(np.clip(min(w, h) / 60 * (30 / max(30, len(words))) ** 0.3, 7, 14))
    colors = None
    if groups is not None:
        cmap = _cmap()
        colors = [cmap(g % 10) for g in groups]
    ax.scatter(coords[:, 0], coords[:, 1], s=18, c=colors or "tab:blue", alpha=0.8)
    texts = [
        ax.text(x, y, word, fontsize=fontsize, alpha=0.9,
                bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.6})
        for (x, y), word in zip(coords, words, strict=True)
    ]  # fmt: skip
    ax.margins(0.08)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=fontsize + 2)
    fig.tight_layout()  # the axes' final place first: the labels are placed inside them
    _place_labels(ax, texts, coords)
    _save(fig, path)


def _place_labels(ax, texts: list, coords: np.ndarray) -> None:
    """Move the labels apart (and off the points) with adjustText, keeping each inside the
    axes, a thin line to its point when it had to move away."""
    from adjustText import adjust_text

    adjust_text(
        texts, x=coords[:, 0], y=coords[:, 1], ax=ax, ensure_inside_axes=True,
        expand=(1.1, 1.3), time_lim=10, arrowprops={"arrowstyle": "-", "color": "0.5", "lw": 0.5},
    )  # fmt: skip


def _cmap():
    from matplotlib import colormaps

    return colormaps["tab10"]


def plot_loss(
    losses: Sequence[float],
    path: str | os.PathLike,
    size: tuple[int, int] = (900, 600),
    title: str | None = None,
) -> None:
    """Line plot of the mean training loss of each epoch, saved to ``path``.

    One epoch gives one point (the loss is recorded per epoch): it is drawn as a large marker
    labelled with its value, with a note that a curve needs more epochs.
    """
    losses = [float(x) for x in losses]
    if not losses:
        raise ParameterError("no loss to plot: the model has no recorded epoch")
    fig = _figure(size)
    ax = fig.add_subplot(1, 1, 1)
    epochs = np.arange(1, len(losses) + 1)
    ax.plot(epochs, losses, marker="o", markersize=10 if len(losses) == 1 else 6)
    if len(losses) == 1:
        ax.annotate(f"{losses[0]:.4f}", (1, losses[0]), textcoords="offset points",
                    xytext=(0, 12), ha="center")  # fmt: skip
        ax.set_xlim(0.5, 1.5)
        ax.text(0.5, 0.05, "one epoch: the loss is recorded per epoch, so there is no curve",
                transform=ax.transAxes, ha="center", fontsize="small", color="0.4")  # fmt: skip
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean loss per prediction")
    ax.set_xticks(epochs if len(epochs) <= 20 else np.linspace(1, len(epochs), 10).round())
    ax.grid(alpha=0.3)
    ax.set_title(title or "training loss")
    fig.tight_layout()
    _save(fig, path)
