"""Regression losses of predictions against targets, each with its gradient.

All take ``pred`` and ``target`` of the same shape (no broadcasting), average
over every element, and return ``(loss, dpred)`` with dpred of the shape of
pred. With the residual r = pred - target and n elements:

    MSE    1/n sum r^2                        dpred = 2 r / n
    MAE    1/n sum |r|                        dpred = sign(r) / n
    MAPE   1/n sum |r| / |target|             dpred = sign(r) / (|target| n)
    Huber  1/n sum { r^2 / 2          |r| <= delta
                   { delta (|r| - delta / 2)  otherwise
                                              dpred = clip(r, -delta, delta) / n

MAPE is a fraction (0.05 means 5 %), and is undefined for a zero target.
At r = 0 the MAE and MAPE subgradient 0 is used.
"""

from __future__ import annotations

import numpy as np

from . import _validate as v


def _residual(pred, target) -> tuple[np.ndarray, np.ndarray]:
    pred = v.finite_float_array("pred", pred)
    target = v.finite_float_array("target", target)
    v.same_shape("pred", pred, "target", target)
    if pred.size == 0:
        raise ValueError("pred and target must hold at least one value, got empty arrays")
    return pred - target, target


def mse_loss(pred, target) -> tuple[float, np.ndarray]:
    """Mean squared error and its gradient 2 r / n."""
    r, _ = _residual(pred, target)
    return float(np.mean(r * r)), 2.0 * r / r.size


def mae_loss(pred, target) -> tuple[float, np.ndarray]:
    """Mean absolute error and its subgradient sign(r) / n."""
    r, _ = _residual(pred, target)
    return float(np.mean(np.abs(r))), np.sign(r) / r.size


def mape_loss(pred, target) -> tuple[float, np.ndarray]:
    """Mean absolute percentage error (as a fraction) and its subgradient."""
    r, target = _residual(pred, target)
    zero = target == 0
    if zero.any():
        index = tuple(int(i) for i in np.argwhere(zero)[0])
        raise ValueError(
            f"target must be nonzero for MAPE (it divides by |target|), got 0 at index "
            f"{index[0] if len(index) == 1 else index}; use MAE, or drop zero targets"
        )
    scale = np.abs(target)
    return float(np.mean(np.abs(r) / scale)), np.sign(r) / (scale * r.size)


def huber_loss(pred, target, delta: float = 1.0) -> tuple[float, np.ndarray]:
    """Huber loss: quadratic for |r| <= delta, linear beyond, and its gradient.

    The two pieces meet with equal value and slope at |r| = delta, so the
    gradient is continuous and bounded by delta: an outlier pulls no harder
    than a point delta away, unlike MSE where it pulls in proportion to r.
    """
    r, _ = _residual(pred, target)
    delta = v.scalar("delta", delta, positive=True)
    abs_r = np.abs(r)
    losses = np.where(abs_r <= delta, 0.5 * r * r, delta * (abs_r - 0.5 * delta))
    return float(np.mean(losses)), np.clip(r, -delta, delta) / r.size
