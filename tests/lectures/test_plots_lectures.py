"""losslab.plots.show_templates_on_one_scale: the shared colour scale of the lecture figures."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from losslab.plots import show_templates_on_one_scale  # noqa: E402


def test_every_template_shares_one_symmetric_scale():
    W = np.zeros((5, 2))  # 2x2 pixels + bias row
    W[:4, 0] = [0.1, -0.2, 0.0, 0.05]
    W[:4, 1] = [3.0, 0.0, -1.0, 0.0]
    W[4] = 100.0  # the bias row is dropped, so it must not set the scale
    fig, axes = plt.subplots(1, 2)
    image = show_templates_on_one_scale(W, ["a", "b"], image_shape=(2, 2), axes=axes)
    limits = {ax.images[0].get_clim() for ax in axes}
    assert limits == {(-3.0, 3.0)}, f"each panel must use [-max|W|, max|W|], got {limits}"
    assert image is axes[1].images[0]
    assert [ax.get_title() for ax in axes] == ["a", "b"]
    plt.close(fig)


def test_an_explicit_vmax_is_used_as_given():
    fig, axes = plt.subplots(1, 3)
    show_templates_on_one_scale(np.ones((4, 3)), "xyz", image_shape=(2, 2), axes=axes, vmax=7.5)
    assert {ax.images[0].get_clim() for ax in axes} == {(-7.5, 7.5)}
    plt.close(fig)


@pytest.mark.parametrize(
    ("W", "kwargs", "match"),
    [
        (np.ones((6, 2)), {}, "4 \\(\\+1 bias\\) rows"),
        (np.ones(4), {}, "\\(D, C\\) matrix"),
        (np.zeros((4, 2)), {}, "vmax must be positive"),
        (np.ones((4, 2)), {"vmax": -1.0}, "vmax must be positive"),
    ],
)
def test_bad_input_is_named(W, kwargs, match):
    with pytest.raises(ValueError, match=match):
        show_templates_on_one_scale(W, ["a", "b"], image_shape=(2, 2), **kwargs)
    plt.close("all")
