"""Numerical gradients: the check every analytic gradient in the course must pass.

A centred difference (f(x + h) - f(x - h)) / 2h has error O(h^2) on a smooth
function, so with h = 1e-5 in float64 an analytic gradient that is right
agrees to a relative error near 1e-9. Where the function has a kink (the
hinge at margin 0, |r| at r = 0) the two sides straddle it and the numerical
value is an average of two slopes: a disagreement there is expected, not a bug.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def rel_error(x, y) -> float:
    """Largest elementwise relative error max |x - y| / max(1e-8, |x| + |y|)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(f"x has shape {x.shape} but y has shape {y.shape}; they must match")
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


def _centred_difference(f, x: np.ndarray, index: tuple, h: float) -> float:
    """(f(x + h e_index) - f(x - h e_index)) / 2h, leaving x as it was."""
    old = x[index]
    x[index] = old + h
    f_plus = f(x)
    x[index] = old - h
    f_minus = f(x)
    x[index] = old
    return (f_plus - f_minus) / (2 * h)


def eval_numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Centred-difference gradient of the scalar function f at x (any shape).

    x is perturbed in place, one entry at a time, and restored.
    """
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        raise TypeError(f"x must be a float ndarray (it is perturbed in place), got {type(x).__name__}")
    grad = np.zeros_like(x, dtype=np.float64)
    for index in np.ndindex(x.shape):
        grad[index] = _centred_difference(f, x, index, h)
    return grad


def grad_check_sparse(
    f: Callable[[np.ndarray], float],
    x: np.ndarray,
    analytic_grad: np.ndarray,
    num_checks: int = 10,
    h: float = 1e-5,
    seed: int = 0,
    verbose: bool = True,
) -> float:
    """Compare analytic_grad with centred differences at num_checks random entries.

    Returns the largest relative error seen (and prints one line per entry
    when verbose), so a test can assert on it and a notebook can show it.
    """
    if np.shape(analytic_grad) != x.shape:
        raise ValueError(
            f"analytic_grad has shape {np.shape(analytic_grad)} but x has shape {x.shape}; "
            "a gradient has the shape of what it differentiates"
        )
    rng = np.random.default_rng(seed)
    worst = 0.0
    for _ in range(num_checks):
        index = tuple(int(rng.integers(n)) for n in x.shape)
        numerical = _centred_difference(f, x, index, h)
        analytic = float(analytic_grad[index])
        error = rel_error(numerical, analytic)
        worst = max(worst, error)
        if verbose:
            print(f"numerical: {numerical: .6e}  analytic: {analytic: .6e}  relative error: {error:.2e}")
    return worst
