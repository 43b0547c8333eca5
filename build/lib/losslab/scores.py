"""The score function: a linear map from pixels to one score per class.

With a batch of N examples as rows of X (N, D) and one column of weights per
class in W (D, C), the scores are

    S = X W + b            S[i, c] = sum_d X[i, d] W[d, c] + b[c]

Each column of W is a template: an example scores high for class c when its
pixels line up with column c. The bias trick appends a constant 1 to every
example so that b becomes the last row of W and S = [X 1] [W; b].
"""

from __future__ import annotations

import numpy as np

from . import _validate as v


def linear_scores(W, X, b=None) -> np.ndarray:
    """Class scores S = X W + b.

    W: (D, C) weights, one column per class.
    X: (N, D) examples, one row per example.
    b: optional (C,) bias, one number per class.
    Returns S: (N, C).
    """
    W, X = v.weights_and_data(W, X)
    if b is None:
        return v.checked_scores(W, X)
    b = v.finite_float_array("b", b, 1, "(C,)")
    if b.shape != (W.shape[1],):
        raise ValueError(
            f"b must have shape (C,) = ({W.shape[1]},), one bias per class, got shape {b.shape}"
        )
    scores = v.checked_scores(W, X)
    with np.errstate(over="ignore"):
        scores = scores + b
    if not np.isfinite(scores).all():
        raise ValueError("scores X @ W + b overflowed to inf: b is too large in magnitude")
    return scores


def append_bias(X) -> np.ndarray:
    """The bias trick: X (N, D) -> (N, D + 1) with a last column of ones."""
    X = v.float_array("X", X, 2, "(N, D)")
    return np.hstack([X, np.ones((X.shape[0], 1), dtype=X.dtype)])


def predict_labels(scores) -> np.ndarray:
    """The predicted class of each row of scores (N, C): the argmax, shape (N,)."""
    scores = v.finite_float_array("scores", scores, 2, "(N, C)")
    return np.argmax(scores, axis=1)
