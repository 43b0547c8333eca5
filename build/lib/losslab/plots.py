"""Figures that more than one lecture draws.

Each helper draws on an ``ax`` it is given (or a new one) and returns it, so a
notebook can place several in one figure and add its own annotations.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

#: Set by `make site` and the notebook tests: draw widgets as static figures.
STATIC_ENV = "LOSSLAB_STATIC"


def _ax(ax):
    return ax if ax is not None else plt.subplots(figsize=(6, 4))[1]


def interactive(draw: Callable[..., None], **controls: tuple[float, float, float, float]) -> None:
    """Redraw ``draw(**values)`` as sliders move; a static figure when there is no front end.

    Each control is ``name=(min, max, step, value)``. In JupyterLab this shows
    one slider per control. When the notebook runs headless (``make site``,
    the tests: they set LOSSLAB_STATIC=1) or ipywidgets is missing, it draws
    once with each control at its value, so the page still shows the figure.
    """
    defaults = {name: spec[3] for name, spec in controls.items()}
    try:
        import ipywidgets as widgets
    except ImportError:
        widgets = None
    if widgets is None or os.environ.get(STATIC_ENV):
        draw(**defaults)
        plt.show()
        return
    sliders = {
        name: widgets.FloatSlider(min=lo, max=hi, step=step, value=value, description=name,
                                  continuous_update=False)
        for name, (lo, hi, step, value) in controls.items()
    }

    def redraw(**values):
        draw(**values)
        plt.show()

    widgets.interact(redraw, **sliders)


def plot_curves(
    curves: Mapping[str, Sequence[float]],
    xlabel: str = "iteration",
    ylabel: str = "loss",
    logy: bool = False,
    ax=None,
):
    """One line per labelled curve (loss histories, accuracies, ...)."""
    ax = _ax(ax)
    for label, values in curves.items():
        ax.plot(np.arange(len(values)), values, label=label)
    ax.set(xlabel=xlabel, ylabel=ylabel)
    if logy:
        ax.set_yscale("log")
    if len(curves) > 1:
        ax.legend()
    return ax


def plot_probabilities(probs, class_names: Sequence[str], correct: int | None = None, ax=None):
    """Bars of one example's class probabilities; the correct class in a second colour."""
    ax = _ax(ax)
    probs = np.asarray(probs)
    colours = ["tab:green" if j == correct else "tab:blue" for j in range(len(probs))]
    bars = ax.bar(class_names, probs, color=colours)
    ax.bar_label(bars, fmt="%.2f")
    ax.set(ylim=(0, 1.1), ylabel="probability")
    return ax


def plot_loss_and_gradient(
    losses: Mapping[str, Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]],
    r: np.ndarray,
    xlabel: str = "residual r",
    axes=None,
):
    """Each elementwise loss (r -> (values, slopes)) and its derivative against r."""
    if axes is None:
        axes = plt.subplots(1, 2, figsize=(11, 4))[1]
    for label, fn in losses.items():
        values, slopes = fn(r)
        axes[0].plot(r, values, label=label)
        axes[1].plot(r, slopes, label=label)
    axes[0].set(xlabel=xlabel, ylabel="loss", title="loss")
    axes[1].set(xlabel=xlabel, ylabel="d loss / d r", title="gradient")
    for ax in axes:
        ax.axhline(0, color="0.8", lw=0.8)
        ax.legend()
    return axes


def show_templates(
    W,
    class_names: Sequence[str],
    image_shape: tuple[int, int] = (8, 8),
    axes=None,
):
    """Each column of W (D, C) drawn as an image: what the class's template looks for.

    A trailing bias row (D = pixels + 1) is dropped. Each template is scaled to
    its own range, so the picture shows its pattern, not its magnitude.
    """
    W = np.asarray(W)
    pixels = int(np.prod(image_shape))
    if W.shape[0] == pixels + 1:
        W = W[:-1]
    if W.shape[0] != pixels:
        raise ValueError(f"W must have {pixels} (+1 bias) rows for {image_shape} images, got {W.shape}")
    num_classes = W.shape[1]
    if axes is None:
        axes = plt.subplots(1, num_classes, figsize=(1.4 * num_classes, 1.8))[1]
    for c, ax in enumerate(np.ravel(axes)[:num_classes]):
        template = W[:, c].reshape(image_shape)
        ax.imshow(template, cmap="RdBu_r", vmin=-np.abs(template).max(), vmax=np.abs(template).max())
        ax.set_title(str(class_names[c]))
        ax.axis("off")
    return axes


def show_templates_on_one_scale(
    W,
    class_names: Sequence[str],
    image_shape: tuple[int, int] = (8, 8),
    axes=None,
    vmax: float | None = None,
):
    """Like ``show_templates``, but every template on one colour scale, [-vmax, vmax].

    Use it when the sizes of the weights matter (comparing classes, or the
    same classes under different regularization): a template with small
    weights then looks pale instead of being stretched to full contrast.
    ``vmax`` defaults to the largest |weight| in W (bias row excluded); pass
    the same value to several calls to put several W on one scale. Returns
    the last image drawn, for ``fig.colorbar``.
    """
    W = np.asarray(W, dtype=float)
    pixels = int(np.prod(image_shape))
    if W.ndim != 2:
        raise ValueError(f"W must be a (D, C) matrix, got shape {W.shape}")
    if W.shape[0] == pixels + 1:
        W = W[:-1]
    if W.shape[0] != pixels:
        raise ValueError(f"W must have {pixels} (+1 bias) rows for {image_shape} images, got {W.shape}")
    if vmax is None:
        vmax = float(np.abs(W).max())
    if not vmax > 0:
        raise ValueError(f"vmax must be positive, got {vmax}")
    num_classes = W.shape[1]
    if axes is None:
        axes = plt.subplots(1, num_classes, figsize=(1.4 * num_classes, 1.8))[1]
    image = None
    for c, ax in enumerate(np.ravel(axes)[:num_classes]):
        image = ax.imshow(W[:, c].reshape(image_shape), cmap="RdBu_r", vmin=-vmax, vmax=vmax)
        ax.set_title(str(class_names[c]))
        ax.axis("off")
    return image
