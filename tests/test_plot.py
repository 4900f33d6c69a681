"""2-D projections and figures."""

from __future__ import annotations

import numpy as np
import pytest

from w2v.errors import ParameterError
from w2v.plot import pca_2d, plot_loss, plot_words, tsne_2d


def test_pca_finds_the_main_directions():
    rng = np.random.default_rng(0)
    direction = rng.normal(size=20)
    direction /= np.linalg.norm(direction)
    t = rng.normal(size=200) * 10
    x = t[:, None] * direction + rng.normal(scale=0.1, size=(200, 20))
    coords = pca_2d(x)
    assert coords.shape == (200, 2)
    assert abs(np.corrcoef(coords[:, 0], t)[0, 1]) > 0.999
    assert coords[:, 0].var() > 100 * coords[:, 1].var()
    np.testing.assert_allclose(coords, pca_2d(x))  # deterministic signs
    with pytest.raises(ParameterError):
        pca_2d(x[:1])


def test_tsne_separates_clusters():
    rng = np.random.default_rng(1)
    centres = rng.normal(size=(3, 30)) * 5
    labels = np.repeat(np.arange(3), 30)
    x = centres[labels] + rng.normal(size=(90, 30))
    y = tsne_2d(x, perplexity=15, n_iter=400)
    assert y.shape == (90, 2) and np.isfinite(y).all()
    d = np.linalg.norm(y[:, None] - y[None], axis=-1)
    same = labels[:, None] == labels[None]
    np.fill_diagonal(same, False)
    assert d[same].mean() * 3 < d[~same & ~np.eye(90, dtype=bool)].mean()


def test_tsne_keeps_neighbours_and_is_reproducible():
    from sklearn.manifold import trustworthiness

    # Tight pairs inside three clusters: each point's nearest 2-D neighbour is its partner.
    rng = np.random.default_rng(2)
    centres = rng.normal(size=(3, 20)) * 5
    partners = centres[np.repeat(np.arange(3), 10)] + rng.normal(size=(30, 20))
    x = np.repeat(partners, 2, axis=0) + rng.normal(scale=0.01, size=(60, 20))
    y = tsne_2d(x, perplexity=10, n_iter=500, seed=3)
    d = np.linalg.norm(y[:, None] - y[None], axis=-1)
    np.fill_diagonal(d, np.inf)
    assert (d.argmin(axis=1) == np.arange(60) ^ 1).mean() >= 0.95
    # 5 nearest neighbours kept (1.0 = all; a random layout scores ~0.5, PCA here ~0.93)
    unit = x / np.linalg.norm(x, axis=1, keepdims=True)
    assert trustworthiness(unit, y, n_neighbors=5) > 0.95
    assert np.array_equal(y, tsne_2d(x, perplexity=10, n_iter=500, seed=3))
    # Only directions matter (cosine geometry): scaling rows by powers of two is exact.
    scaled = x * 2.0 ** rng.integers(-3, 4, size=(60, 1))
    assert np.array_equal(y, tsne_2d(scaled, perplexity=10, n_iter=500, seed=3))


def test_tsne_few_points_and_bad_arguments():
    x = np.random.default_rng(0).normal(size=(4, 5))
    assert tsne_2d(x).shape == (4, 2)  # perplexity lowered below the number of points
    with pytest.raises(ParameterError, match="at least 3"):
        tsne_2d(x[:2])
    with pytest.raises(ParameterError, match="n_iter"):
        tsne_2d(x, n_iter=100)


def test_plot_words_png(tmp_path):
    import matplotlib.image as mpimg

    words = ["king", "queen", "man", "woman", "paris"]
    coords = np.random.default_rng(0).normal(size=(5, 2))
    path = tmp_path / "words.png"
    plot_words(words, coords, path, size=(500, 300), title="t", groups=[0, 0, 1, 1, 2])
    img = mpimg.imread(path)
    assert img.shape[:2] == (300, 500)
    assert img[..., :3].std() > 0.02
    with pytest.raises(ParameterError):
        plot_words(words, coords[:3], path)
    with pytest.raises(ParameterError):
        plot_words(words, coords, path, size=(10, 10))


def test_plot_loss_png(tmp_path):
    import matplotlib.image as mpimg

    path = tmp_path / "loss.png"
    plot_loss([2.5, 2.3, 2.25], path, size=(400, 250))
    img = mpimg.imread(path)
    assert img.shape[:2] == (250, 400) and img[..., :3].std() > 0.02
    with pytest.raises(ParameterError):
        plot_loss([], path)


def test_plot_loss_of_one_epoch_draws_a_visible_marker(tmp_path):
    import matplotlib.image as mpimg

    path = tmp_path / "loss1.png"
    plot_loss([2.5], path, size=(400, 250))
    rgb = mpimg.imread(path)[..., :3]
    line_colour = np.array([0x1F, 0x77, 0xB4]) / 255  # matplotlib's first colour
    marker = np.abs(rgb - line_colour).max(axis=-1) < 0.1
    assert marker.sum() > 120  # a 10-point marker (~170 px here; the old 6-point dot ~70)
