"""Softmax (cross-entropy) loss of a linear classifier, as a function of its weights.

    L(W) = 1/N sum_i -log( exp(s_{y_i}) / sum_j exp(s_j) ) + reg * sum(W**2),
    s = X[i] @ W

Both versions take W (D, C), X (N, D), y (N,) ints in [0, C) and reg >= 0 and
return ``(loss, dW)``. The gradient on the scores of example i is
q - onehot(y_i) with q = softmax(s) (the model's probabilities; lecture 04a); through
s = X[i] @ W it becomes dW[:, j] += (q_j - [j == y_i]) X[i].
"""

from __future__ import annotations

import numpy as np

from . import _validate as v
from .classification import _softmax_ce
from .regularization import l2_regularization


def softmax_loss_naive(W, X, y, reg) -> tuple[float, np.ndarray]:
    """Softmax loss and gradient with explicit loops over examples and classes."""
    W, X = v.weights_and_data(W, X)
    v.nonempty_batch("X", X)
    v.checked_scores(W, X)
    y = v.labels("y", y, X.shape[0], W.shape[1])
    num_train, num_classes = X.shape[0], W.shape[1]
    loss = 0.0
    dW = np.zeros_like(W)
    for i in range(num_train):
        scores = X[i] @ W
        scores = scores - scores.max()  # exp of a large score would overflow
        sum_exp = np.sum(np.exp(scores))
        loss += np.log(sum_exp) - scores[y[i]]
        for j in range(num_classes):
            q_j = np.exp(scores[j]) / sum_exp
            dW[:, j] += (q_j - (j == y[i])) * X[i]
    loss /= num_train
    dW /= num_train
    penalty, dpenalty = l2_regularization(W, reg)
    return float(loss) + penalty, dW + dpenalty


def softmax_loss_vectorized(W, X, y, reg) -> tuple[float, np.ndarray]:
    """Softmax loss and gradient without loops: same result as the naive one.

    S = X W (N, C); (data loss, dS) = softmax_cross_entropy(S, y); dW = X^T dS.
    """
    # Every argument is checked once, before the product (see svm_loss_vectorized).
    W, X = v.weights_and_data(W, X)
    v.nonempty_batch("X", X)
    y = v.labels("y", y, X.shape[0], W.shape[1])
    reg = v.scalar("reg", reg, minimum=0.0)
    scores = v.checked_scores(W, X)
    data_loss, dscores = _softmax_ce(scores, y)
    dW = X.T @ dscores  # before the penalty, for the reason given in svm_loss_vectorized
    penalty, dpenalty = l2_regularization(W, reg)
    dW += dpenalty
    return data_loss + penalty, dW

