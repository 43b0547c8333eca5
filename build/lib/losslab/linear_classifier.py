"""Linear classifiers trained by minibatch stochastic gradient descent.

    repeat num_iters times:
        draw batch_size examples at random (with replacement)
        loss, dW = loss_fn(W, X_batch, y_batch, reg)
        W -= learning_rate * dW

Training is reproducible: the initial W and every batch come from one
``numpy.random.Generator`` seeded with ``seed``.
"""

from __future__ import annotations

import numpy as np

from . import _validate as v
from .linear_svm import svm_loss_vectorized
from .scores import predict_labels
from .softmax import softmax_loss_vectorized


class LinearClassifier:
    """Scores X @ W; subclasses say which loss W is trained on.

    X (N, D) should already carry its bias column (see losslab.scores.append_bias).
    """

    loss_fn = None  # (W, X, y, reg) -> (loss, dW), set by each subclass

    def __init__(self) -> None:
        self.W: np.ndarray | None = None

    def loss(self, X_batch, y_batch, reg) -> tuple[float, np.ndarray]:
        return type(self).loss_fn(self.W, X_batch, y_batch, reg)

    def train(
        self,
        X,
        y,
        learning_rate: float = 1e-3,
        reg: float = 1e-5,
        num_iters: int = 100,
        batch_size: int = 200,
        seed: int = 0,
        verbose: bool = False,
    ) -> list[float]:
        """Minibatch SGD from small random weights; returns the loss at every iteration."""
        X = v.finite_float_array("X", X, 2, "(N, D)")
        num_train, dim = X.shape
        if self.W is None:  # the classes are 0 .. max label; checked for sign and dtype here
            num_classes = int(v.labels("y", y, num_train, np.iinfo(np.int64).max).max()) + 1
        else:
            num_classes = self.W.shape[1]
        y = v.labels("y", y, num_train, num_classes)
        learning_rate = v.scalar("learning_rate", learning_rate, positive=True)
        num_iters = v.integer("num_iters", num_iters)
        batch_size = v.integer("batch_size", batch_size, minimum=1)
        rng = np.random.default_rng(seed)
        if self.W is None:
            self.W = 0.001 * rng.standard_normal((dim, num_classes))
        loss_history = []
        for it in range(num_iters):
            batch = rng.integers(0, num_train, size=batch_size)
            loss, dW = self.loss(X[batch], y[batch], reg)
            loss_history.append(loss)
            with np.errstate(over="ignore", invalid="ignore"):  # the next loss names an inf in W
                self.W -= learning_rate * dW
            if verbose and it % 100 == 0:
                print(f"iteration {it} / {num_iters}: loss {loss:.6f}")
        return loss_history

    def predict(self, X) -> np.ndarray:
        """Predicted labels (N,) for X (N, D): the class with the highest score."""
        if self.W is None:
            raise ValueError("this classifier has no weights yet: call train first")
        X = v.finite_float_array("X", X, 2, "(N, D)")
        if X.shape[1] != self.W.shape[0]:
            raise ValueError(f"X must be (N, D) with D = {self.W.shape[0]}, got shape {X.shape}")
        return predict_labels(X @ self.W)


class LinearSVM(LinearClassifier):
    """Trained on the multiclass SVM (hinge) loss."""

    loss_fn = staticmethod(svm_loss_vectorized)


class Softmax(LinearClassifier):
    """Trained on the softmax (cross-entropy) loss."""

    loss_fn = staticmethod(softmax_loss_vectorized)
