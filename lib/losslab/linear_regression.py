"""Linear regression by gradient descent on the mean squared error (lecture 06).

One feature, the line of lecture 06's walk from w = 0.5, b = 0.2:

    L(w, b)   = 1/N sum_i (w x_i + b - y_i)^2
    dL/dw     = 2/N sum_i (w x_i + b - y_i) x_i
    dL/db     = 2/N sum_i (w x_i + b - y_i)
    update      w <- w - lr dL/dw,   b <- b - lr dL/db   (both from the same w, b)

D features, in the course's (N, D) convention: X (N, D), w (D,), b a float,

    r         = X w + b - y                 (N,)
    L(w, b)   = 1/N sum_i r_i^2
    dL/dw     = 2/N X^T r                   (D,)   (the line's dL/dw, once per column of X)
    dL/db     = 2/N sum_i r_i

and the minimum in closed form, the normal equation [X, 1]^T [X, 1] [w; b] = [X, 1]^T y.

The loss gives the direction of each step (its gradient), tells when to stop
(it no longer falls), and compares runs (learning rates, models).
"""

from __future__ import annotations

from functools import partial

import numpy as np

from . import _validate as v


def _xy(x, y) -> tuple[np.ndarray, np.ndarray]:
    x = v.finite_float_array("x", x, 1, "(N,)")
    y = v.finite_float_array("y", y, 1, "(N,)")
    v.same_shape("x", x, "y", y)
    if x.size == 0:
        raise ValueError("x and y must hold at least one point, got empty arrays")
    return x, y


def _features_and_targets(X, y) -> tuple[np.ndarray, np.ndarray]:
    """X (N, D) with N, D >= 1 and y (N,), one target per row of X."""
    X = v.finite_float_array("X", X, 2, "(N, D)")
    y = v.finite_float_array("y", y, 1, "(N,)")
    if y.shape[0] != X.shape[0]:
        raise ValueError(
            f"X has shape {X.shape} but y has shape {y.shape}: y must be (N,) = ({X.shape[0]},), "
            "one target per row of X"
        )
    if X.shape[0] == 0:
        raise ValueError(f"X and y must hold at least one example, got X of shape {X.shape}")
    if X.shape[1] == 0:
        raise ValueError(f"X must have at least one feature column, got shape {X.shape}")
    return X, y


def _weight_vector(name: str, w, num_features: int) -> np.ndarray:
    w = v.finite_float_array(name, w, 1, "(D,)")
    if w.shape != (num_features,):
        raise ValueError(
            f"{name} must have shape (D,) = ({num_features},), one weight per column of X, "
            f"got shape {w.shape}"
        )
    return w


def _vectorized_gradients(X: np.ndarray, residual: np.ndarray) -> tuple[np.ndarray, float]:
    """(dL/dw, dL/db) = (2/N X^T r, 2/N sum r) for the residual r = X w + b - y."""
    return 2.0 / X.shape[0] * (X.T @ residual), 2.0 * float(np.mean(residual))


def _descend(residual_of, gradients_of, w, b: float, learning_rate: float, num_steps: int):
    """The gradient-descent loop both models share.

    residual_of(w, b) -> r (N,); gradients_of(r) -> (dw, db). w is a float or a
    (D,) array; history["w"] gets one row of w's shape per step.
    """
    history = {
        "loss": np.empty(num_steps + 1),
        "w": np.empty((num_steps + 1, *np.shape(w))),
        "b": np.empty(num_steps + 1),
    }
    for step in range(num_steps + 1):
        # a diverging run overflows here; the error below says more than numpy's warning would
        with np.errstate(over="ignore", invalid="ignore"):
            residual = residual_of(w, b)
            loss = float(np.mean(residual**2))
        if not np.isfinite(loss):
            raise ValueError(
                f"learning_rate = {learning_rate} diverges on this data: the loss overflowed "
                f"after {step} steps; try a smaller learning rate"
            )
        history["loss"][step], history["w"][step], history["b"][step] = loss, w, b
        if step == num_steps:
            break
        dw, db = gradients_of(residual)
        with np.errstate(over="ignore", invalid="ignore"):
            w, b = w - learning_rate * dw, b - learning_rate * db
    return w, b, history


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

    def residual_of(w: float, b: float) -> np.ndarray:
        return w * x + b - y

    def gradients_of(residual: np.ndarray) -> tuple[float, float]:
        return 2.0 * float(np.mean(residual * x)), 2.0 * float(np.mean(residual))

    return _descend(residual_of, gradients_of, w, b, learning_rate, num_steps)


def mse_gradients_vectorized(w, b, X, y) -> tuple[float, np.ndarray, float]:
    """MSE of the linear model X w + b, and its gradient, for D features at once.

    w: (D,); b: float; X: (N, D), one example per row; y: (N,).
    With r = X w + b - y (N,), returns
        loss = 1/N sum_i r_i^2,   dw = 2/N X^T r  (D,),   db = 2/N sum_i r_i  (float).
    With D = 1 and X = x[:, None] these are mse_gradients' numbers.
    """
    X, y = _features_and_targets(X, y)
    w = _weight_vector("w", w, X.shape[1])
    b = v.scalar("b", b)
    residual = X @ w + b - y
    dw, db = _vectorized_gradients(X, residual)
    return float(np.mean(residual**2)), dw, db


def gradient_descent_vectorized(
    X, y, w0=None, b0: float = 0.0, learning_rate: float = 0.05, num_steps: int = 1000
) -> tuple[np.ndarray, float, dict[str, np.ndarray]]:
    """Plain gradient descent on the MSE of X w + b, for D features, from (w0, b0).

    X: (N, D); y: (N,); w0: (D,), or None for zeros; b0: float.
    Returns the final w (D,), b (float) and a history dict of arrays:
    "loss" (num_steps + 1,), "w" (num_steps + 1, D), "b" (num_steps + 1,);
    entry k is the state after k updates (entry 0 is the start). Like
    gradient_descent, it stops with a ValueError as soon as the loss
    overflows (a learning rate too large for the data).
    """
    X, y = _features_and_targets(X, y)
    num_features = X.shape[1]
    w = np.zeros(num_features) if w0 is None else _weight_vector("w0", w0, num_features).astype(np.float64)
    b = v.scalar("b0", b0)
    learning_rate = v.scalar("learning_rate", learning_rate, positive=True)
    num_steps = v.integer("num_steps", num_steps)

    def residual_of(w: np.ndarray, b: float) -> np.ndarray:
        return X @ w + b - y

    return _descend(residual_of, partial(_vectorized_gradients, X), w, b, learning_rate, num_steps)


def normal_equation(X, y) -> tuple[np.ndarray, float]:
    """The least-squares fit of y by X w + b, in closed form: returns (w (D,), b).

    Setting the gradient of the MSE to zero gives the normal equation
    A^T A theta = A^T y with A = [X, 1] (N, D + 1) and theta = [w; b].
    It is solved here with np.linalg.lstsq on A itself, not with an explicit
    inverse of A^T A: forming A^T A squares the condition number (correlated
    or badly scaled features lose twice as many digits), and when the columns
    of A are linearly dependent (a repeated feature, N < D + 1) A^T A has no
    inverse at all, while lstsq (an SVD of A) still returns a least-squares
    solution, the one of smallest norm.
    """
    X, y = _features_and_targets(X, y)
    A = np.column_stack([X, np.ones(X.shape[0])])
    theta, *_ = np.linalg.lstsq(A, y, rcond=None)
    return theta[:-1], float(theta[-1])
