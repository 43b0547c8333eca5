"""Multiclass SVM loss of a linear classifier, as a function of its weights.

    L(W) = 1/N sum_i sum_{j != y_i} max(0, s_j - s_{y_i} + delta) + reg * sum(W**2),
    s = X[i] @ W

Both versions take W (D, C), X (N, D), y (N,) ints in [0, C) and a
regularization strength reg >= 0, and return ``(loss, dW)`` with dW (D, C).
The naive version loops over examples and classes (it is the derivation
written as code); the vectorized one is two matrix products around
:func:`losslab.classification.hinge_loss`.
"""

from __future__ import annotations

import numpy as np

from . import _validate as v
from .classification import _hinge
from .regularization import l2_regularization


def svm_loss_naive(W, X, y, reg, delta: float = 1.0) -> tuple[float, np.ndarray]:
    """Multiclass SVM loss and gradient with explicit loops.

    For every example i and wrong class j with a positive margin
    m = s_j - s_{y_i} + delta, the loss gains m, and since
    dm/dW[:, j] = X[i] and dm/dW[:, y_i] = -X[i], those columns move by +-X[i].
    """
    W, X = v.weights_and_data(W, X)
    v.nonempty_batch("X", X)
    v.checked_scores(W, X)  # a NaN margin would compare False and vanish
    y = v.labels("y", y, X.shape[0], W.shape[1])
    delta = v.scalar("delta", delta, positive=True)
    num_train, num_classes = X.shape[0], W.shape[1]
    loss = 0.0
    dW = np.zeros_like(W)
    for i in range(num_train):
        scores = X[i] @ W
        correct_class_score = scores[y[i]]
        for j in range(num_classes):
            if j == y[i]:
                continue
            margin = scores[j] - correct_class_score + delta
            if margin > 0:
                loss += margin
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]
    loss /= num_train
    dW /= num_train
    penalty, dpenalty = l2_regularization(W, reg)
    return float(loss) + penalty, dW + dpenalty


def svm_loss_vectorized(W, X, y, reg, delta: float = 1.0) -> tuple[float, np.ndarray]:
    """Multiclass SVM loss and gradient without loops: same result as the naive one.

    S = X W (N, C); (data loss, dS) = hinge_loss(S, y); dW = X^T dS.
    """
    # Every argument is checked once, before the product: the two matrix
    # products are the whole cost, and everything else is O(N C + D C).
    W, X = v.weights_and_data(W, X)
    v.nonempty_batch("X", X)
    y = v.labels("y", y, X.shape[0], W.shape[1])
    delta = v.scalar("delta", delta, positive=True)
    reg = v.scalar("reg", reg, minimum=0.0)
    scores = v.checked_scores(W, X)
    data_loss, dscores = _hinge(scores, y, delta)
    # The product before the penalty, and the sum in place: with dW already
    # allocated, glibc reuses the same heap pages for dpenalty on every call
    # instead of faulting in fresh ones (about 90 page faults, +15 % at N = 500
    # in benchmarks/losses.py, when the order is reversed).
    dW = X.T @ dscores
    penalty, dpenalty = l2_regularization(W, reg)
    dW += dpenalty
    return data_loss + penalty, dW
