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
