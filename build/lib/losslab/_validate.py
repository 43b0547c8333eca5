"""Argument checks shared by every public function.

Each check raises a ``TypeError`` (wrong kind of value) or ``ValueError``
(right kind, wrong shape, range or content) whose message names the argument,
what it got and what it needs. Nothing is broadcast silently: a student who
passes ``y`` of shape (N, 1) where (N,) is needed hears about it here, not
three cells later as a wrong number.
"""

from __future__ import annotations

import numbers

import numpy as np


def _describe(value) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of dtype {value.dtype} and shape {value.shape}"
    return f"{type(value).__name__} {value!r}"[:120]


def float_array(name: str, value, ndim: int | None = None, shape_hint: str = "") -> np.ndarray:
    """``value`` as a float ndarray, without copying float input.

    ``ndim`` fixes the number of dimensions; ``shape_hint`` (e.g. "(N, D)") is
    how the error message names the shape it needs. Integer input is promoted
    to float64; float32 stays float32 (the caller decides the precision).
    """
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be a numeric array, got {_describe(value)}")
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError) as exc:  # ragged nested lists
        raise TypeError(f"{name} must be a numeric array, got {_describe(value)}: {exc}") from None
    if arr.dtype.kind in "iu":
        arr = arr.astype(np.float64)
    elif arr.dtype.kind != "f":
        raise TypeError(
            f"{name} must be a numeric (float or int) array, got dtype {arr.dtype}"
            + (" (booleans are not scores or weights)" if arr.dtype.kind == "b" else "")
        )
    if ndim is not None and arr.ndim != ndim:
        need = shape_hint or f"{ndim}-D"
        raise ValueError(f"{name} must be {ndim}-D with shape {need}, got shape {arr.shape}")
    return arr


def check_finite(name: str, arr: np.ndarray) -> None:
    """Raise if ``arr`` holds NaN or inf, naming the first bad index."""
    bad = ~np.isfinite(arr)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        where = index[0] if len(index) == 1 else index
        raise ValueError(
            f"{name} must be finite, got {arr[index]} at index {where}; "
            "look for a division by zero or a diverging update"
        )


def finite_float_array(name: str, value, ndim: int | None = None, shape_hint: str = "") -> np.ndarray:
    arr = float_array(name, value, ndim, shape_hint)
    check_finite(name, arr)
    return arr


def labels(name: str, y, num_examples: int, num_classes: int) -> np.ndarray:
    """Integer class labels of shape (N,) with values in [0, C)."""
    if isinstance(y, (str, bytes)):
        raise TypeError(f"{name} must be an integer array of labels, got {_describe(y)}")
    arr = np.asarray(y)
    if arr.dtype.kind == "f" and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
        arr = arr.astype(np.int64)  # 0.0/1.0 labels from a float array are fine
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integer class labels, got dtype {arr.dtype}")
    if arr.shape != (num_examples,):
        raise ValueError(
            f"{name} must have shape (N,) = ({num_examples},), one label per example, "
            f"got shape {arr.shape}"
        )
    if arr.size and (arr.min() < 0 or arr.max() >= num_classes):
        bad = int(arr[(arr < 0) | (arr >= num_classes)][0])
        raise ValueError(
            f"{name} must hold labels in [0, C) = [0, {num_classes}), got {bad}"
        )
    return arr


def nonempty_batch(name: str, arr: np.ndarray) -> None:
    """A loss is a mean over the batch: it needs at least one example (row)."""
    if arr.shape[0] == 0:
        raise ValueError(
            f"{name} must hold at least one example (the loss is a mean over the batch), "
            f"got shape {arr.shape}"
        )


def scalar(name: str, value, *, minimum: float | None = None, positive: bool = False) -> float:
    """A finite real number, optionally >= ``minimum`` or > 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        if not (isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf"):
            raise TypeError(f"{name} must be a real number, got {_describe(value)}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if positive and value <= 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


def integer(name: str, value, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {_describe(value)}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def weights_and_data(W, X) -> tuple[np.ndarray, np.ndarray]:
    """W (D, C) and X (N, D) whose inner dimensions agree.

    Finiteness is not checked here: the loss checks its scores instead, which
    is cheap, and a NaN or inf in W or X always reaches the scores.
    """
    W = float_array("W", W, 2, "(D, C)")
    X = float_array("X", X, 2, "(N, D)")
    if X.shape[1] != W.shape[0]:
        hint = ""
        if X.shape[1] == W.shape[0] + 1:
            hint = " (X has one column too many: was the bias column appended twice?)"
        elif X.shape[1] + 1 == W.shape[0]:
            hint = " (W has a bias row: append the bias column to X with append_bias)"
        raise ValueError(
            f"X has shape {X.shape} but W has shape {W.shape}: X must be (N, D) with "
            f"D = W.shape[0] = {W.shape[0]}, got D = {X.shape[1]}{hint}"
        )
    return W, X


def checked_scores(W: np.ndarray, X: np.ndarray) -> np.ndarray:
    """``X @ W``, or a ValueError naming the culprit if it is not finite.

    numpy's overflow warning is silenced here because the error that follows
    says more (and under ``-W error`` the warning would pre-empt it).
    """
    with np.errstate(over="ignore", invalid="ignore"):
        scores = X @ W
    finite_scores(scores, W, X)
    return scores


def finite_scores(scores: np.ndarray, W: np.ndarray, X: np.ndarray) -> None:
    """Name the culprit when ``X @ W`` is not finite (only then are W, X scanned)."""
    if np.isfinite(scores).all():
        return
    check_finite("X", X)
    check_finite("W", W)
    raise ValueError(
        "scores X @ W overflowed to inf: W or X is too large in magnitude "
        f"(max |W| = {np.abs(W).max():.3g}, max |X| = {np.abs(X).max():.3g}); "
        "lower the learning rate or standardize X"
    )


def same_shape(name_a: str, a: np.ndarray, name_b: str, b: np.ndarray) -> None:
    if a.shape != b.shape:
        raise ValueError(
            f"{name_a} has shape {a.shape} but {name_b} has shape {b.shape}; they must match "
            "exactly (no broadcasting: (N,) against (N, 1) would compare every pair)"
        )
