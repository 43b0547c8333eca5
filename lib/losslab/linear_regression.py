"""Fitting y = w x + b by gradient descent on the mean squared error.

    L(w, b)   = 1/N sum_i (w x_i + b - y_i)^2
    dL/dw     = 2/N sum_i (w x_i + b - y_i) x_i
    dL/db     = 2/N sum_i (w x_i + b - y_i)
    update      w <- w - lr dL/dw,   b <- b - lr dL/db   (both from the same w, b)

The loss gives the direction of each step (its gradient), tells when to stop
(it no longer falls), and compares runs (learning rates, models).
"""

from __future__ import annotations

import numpy as np

from . import _validate as v


def _xy(x, y) -> tuple[np.ndarray, np.ndarray]:
    x = v.finite_float_array("x", x, 1, "(N,)")
    y = v.finite_float_array("y", y, 1, "(N,)")
    v.same_shape("x", x, "y", y)
    if x.size == 0:
        raise ValueError("x and y must hold at least one point, got empty arrays")
    return x, y


def mse_gradients(w, b, x, y) -> tuple[float, float, float]:
    """MSE of the line w x + b on points (x, y), and its partial derivatives.

    w, b: floats; x, y: (N,). Returns (loss, dL/dw, dL/db).
    """
    w = v.scalar("w", w)
    b = v.scalar("b", b)
    x, y = _xy(x, y)
    residual = w * x + b - y
    return (
        float(np.mean(residual**2)),
        float(2.0 * np.mean(residual * x)),
        float(2.0 * np.mean(residual)),
    )


def gradient_descent(
    x, y, w0: float = 0.5, b0: float = 0.2, learning_rate: float = 0.05, num_steps: int = 1000
) -> tuple[float, float, dict[str, np.ndarray]]:
    """Plain gradient descent on the MSE of y = w x + b, from (w0, b0).

    Returns the final (w, b) and a history dict of arrays "loss", "w", "b",
    each of length num_steps + 1: entry k is the state after k updates, so
    entry 0 is the start and history["loss"][k] = L(history["w"][k], history["b"][k]).
    A learning rate too large for the data makes the loss grow without bound;
    the loop stops with a ValueError as soon as it overflows.
    """
    x, y = _xy(x, y)
    w = v.scalar("w0", w0)
    b = v.scalar("b0", b0)
    learning_rate = v.scalar("learning_rate", learning_rate, positive=True)
    num_steps = v.integer("num_steps", num_steps)
    history = {key: np.empty(num_steps + 1) for key in ("loss", "w", "b")}
    for step in range(num_steps + 1):
        with np.errstate(over="ignore", invalid="ignore"):
            residual = w * x + b - y
            loss = float(np.mean(residual**2))
        if not np.isfinite(loss):
            raise ValueError(
                f"learning_rate = {learning_rate} diverges on this data: the loss overflowed "
                f"after {step} steps; try a smaller learning rate"
            )
        history["loss"][step], history["w"][step], history["b"][step] = loss, w, b
        if step == num_steps:
            break
        dw = 2.0 * float(np.mean(residual * x))
        db = 2.0 * float(np.mean(residual))
        w, b = w - learning_rate * dw, b - learning_rate * db
    return w, b, history
