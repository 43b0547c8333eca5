"""Score-level classification losses and the information theory behind them.

Every loss here takes scores S (N, C) straight from the score function and
integer labels y (N,) in [0, C), and returns ``(loss, dscores)``: the mean
loss over the N examples and its gradient dL/dS, of the shape of S. The
weight-level losses in :mod:`losslab.linear_svm` and :mod:`losslab.softmax`
are these composed with S = X W.

Conventions: losses are means over the batch, the SVM margin is delta = 1,
and logarithms are natural unless a ``base`` is given.
"""

from __future__ import annotations

import math

import numpy as np

from . import _validate as v


def _scores_and_labels(scores, y) -> tuple[np.ndarray, np.ndarray]:
    scores = v.finite_float_array("scores", scores, 2, "(N, C)")
    v.nonempty_batch("scores", scores)
    y = v.labels("y", y, scores.shape[0], scores.shape[1])
    return scores, y


# --- multiclass SVM (hinge) loss ---------------------------------------------

def svm_loss_single(scores, y, delta: float = 1.0) -> float:
    """Multiclass SVM loss of one example.

        L = sum_{j != y} max(0, s_j - s_y + delta)

    scores: (C,) scores of one example; y: its correct class.
    The cat example, scores [3.2, 5.1, -1.7] with y = 0, gives
    max(0, 5.1 - 3.2 + 1) + max(0, -1.7 - 3.2 + 1) = 2.9 + 0 = 2.9.
    """
    scores = v.finite_float_array("scores", scores, 1, "(C,)")
    if np.ndim(y) != 0:
        raise ValueError(f"y must be one class label (a single int), got shape {np.shape(y)}")
    loss, _ = hinge_loss(scores[None, :], np.reshape(y, 1), delta)
    return loss


def hinge_loss(scores, y, delta: float = 1.0) -> tuple[float, np.ndarray]:
    """Multiclass SVM (Weston-Watkins) loss, mean over the batch.

        L = 1/N sum_i sum_{j != y_i} max(0, S[i, j] - S[i, y_i] + delta)

    scores: (N, C); y: (N,) ints in [0, C); delta > 0 is the margin.
    Returns (loss, dscores) with dscores (N, C):
        dL/dS[i, j]   = 1/N [margin_ij > 0]                   (j != y_i)
        dL/dS[i, y_i] = -1/N * (number of j with margin_ij > 0)
    At a kink (margin exactly 0) the subgradient 0 is used.
    """
    scores, y = _scores_and_labels(scores, y)
    delta = v.scalar("delta", delta, positive=True)
    return _hinge(scores, y, delta)


def _hinge(scores: np.ndarray, y: np.ndarray, delta: float) -> tuple[float, np.ndarray]:
    """hinge_loss on arguments already checked (linear_svm checks them once, up front)."""
    n = scores.shape[0]
    rows = np.arange(n)
    margins = scores - scores[rows, y][:, None]
    margins += delta  # in place: one (N, C) temporary fewer
    margins[rows, y] = 0.0  # the correct class does not compete with itself
    np.maximum(margins, 0.0, out=margins)
    loss = float(margins.sum()) / n

    positive = margins > 0
    dscores = positive.astype(scores.dtype)
    dscores[rows, y] = -np.count_nonzero(positive, axis=1)
    dscores /= n
    return loss, dscores


# --- softmax and cross-entropy -------------------------------------------------

def softmax(scores) -> np.ndarray:
    """Probabilities p_j = exp(s_j) / sum_k exp(s_k) along the last axis.

    scores: (C,) or (N, C). Subtracting the row maximum first changes nothing
    mathematically (it multiplies numerator and denominator by exp(-max)) but
    keeps every exponent <= 0, so exp never overflows.
    """
    scores = _scores_1d_or_2d(scores)
    shifted = scores - scores.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


def _scores_1d_or_2d(scores) -> np.ndarray:
    scores = v.finite_float_array("scores", scores)
    if scores.ndim not in (1, 2) or scores.shape[-1] == 0:
        raise ValueError(f"scores must be (C,) or (N, C) with C >= 1, got shape {scores.shape}")
    return scores


def log_softmax(scores) -> np.ndarray:
    """log softmax along the last axis, by the log-sum-exp trick.

        log p_j = s_j - m - log sum_k exp(s_k - m),   m = max_k s_k

    Computing log(softmax(s)) instead would give log(0) = -inf for any
    class whose probability underflows; this form stays finite.
    """
    scores = _scores_1d_or_2d(scores)
    shifted = scores - scores.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax_cross_entropy(scores, y) -> tuple[float, np.ndarray]:
    """Softmax (cross-entropy) loss on logits, mean over the batch.

        L = 1/N sum_i -log softmax(S[i])[y_i]
          = 1/N sum_i ( log sum_j exp(S[i, j]) - S[i, y_i] )

    scores: (N, C); y: (N,) ints in [0, C).
    Returns (loss, dscores) with dscores = (softmax(S) - onehot(y)) / N.
    The cat example, scores [3.2, 5.1, -1.7] with y = 0, gives 2.04.
    """
    scores, y = _scores_and_labels(scores, y)
    return _softmax_ce(scores, y)


def _softmax_ce(scores: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """softmax_cross_entropy on arguments already checked (softmax.py checks them once).

    One exp of the (N, C) shifted scores serves both the loss (through
    log-sum-exp) and the gradient (the probabilities).
    """
    n = scores.shape[0]
    rows = np.arange(n)
    shifted = scores - scores.max(axis=1, keepdims=True)  # every exponent <= 0: no overflow
    exp = np.exp(shifted)
    sum_exp = exp.sum(axis=1)  # >= 1 (the max term is exp(0)), so its log is finite
    loss = float(np.sum(np.log(sum_exp) - shifted[rows, y])) / n
    dscores = exp
    dscores /= sum_exp[:, None]  # the probabilities, in place
    dscores[rows, y] -= 1.0
    dscores /= n
    return loss, dscores


# --- binary cross-entropy --------------------------------------------------------

def sigmoid(z) -> np.ndarray:
    """The logistic function 1 / (1 + exp(-z)), elementwise, without overflow.

    For z < 0, exp(-z) would overflow, so it is computed as exp(z) / (1 + exp(z));
    both forms only ever exponentiate -|z|.
    """
    z = v.finite_float_array("z", z)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def binary_cross_entropy(z, y) -> tuple[float, np.ndarray]:
    """Binary cross-entropy on logits z, mean over the batch.

    With p = sigmoid(z) = P(y = 1 | x), maximum likelihood gives
        L = 1/N sum_i -[ y_i log p_i + (1 - y_i) log(1 - p_i) ]
    which, written on the logits so that nothing overflows or takes log(0), is
        L = 1/N sum_i max(z_i, 0) - z_i y_i + log(1 + exp(-|z_i|)).

    z: (N,) logits; y: (N,) targets in [0, 1] (usually 0 or 1).
    Returns (loss, dz) with dz = (sigmoid(z) - y) / N.
    """
    z = v.finite_float_array("z", z, 1, "(N,)")
    y = v.finite_float_array("y", y, 1, "(N,)")
    v.same_shape("z", z, "y", y)
    if y.size and (y.min() < 0 or y.max() > 1):
        raise ValueError(f"y must hold targets in [0, 1], got values in [{y.min()}, {y.max()}]")
    n = z.shape[0]
    loss = float(np.sum(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))) / n
    dz = (sigmoid(z) - y) / n
    return loss, dz


# --- information theory -----------------------------------------------------------

def _distribution(name: str, p) -> np.ndarray:
    p = v.finite_float_array(name, p)
    if p.ndim not in (1, 2):
        raise ValueError(f"{name} must be a distribution (C,) or a batch of them (N, C), got shape {p.shape}")
    if p.size and p.min() < 0:
        raise ValueError(f"{name} must be a probability distribution, got a negative entry {p.min()}")
    sums = p.sum(axis=-1)
    if not np.allclose(sums, 1.0, rtol=0, atol=1e-6):
        raise ValueError(f"{name} must sum to 1 along its last axis, got sums {np.round(sums, 6)}")
    return p


def _log(x: np.ndarray, base: float) -> np.ndarray:
    base = v.scalar("base", base, positive=True)
    if base == 1:
        raise ValueError("base must not be 1")
    with np.errstate(divide="ignore"):
        return np.log(x) / math.log(base)


def entropy(p, base: float = math.e):
    """Entropy H(p) = -sum_j p_j log p_j, with 0 log 0 = 0.

    p: (C,) or (N, C) distributions; base 2 gives bits, e (default) nats.
    Returns a float, or (N,) for a batch.
    """
    p = _distribution("p", p)
    terms = np.where(p > 0, -p * _log(np.where(p > 0, p, 1.0), base), 0.0)
    return _reduce(terms)


def cross_entropy(p, q, base: float = math.e):
    """Cross-entropy H(p, q) = -sum_j p_j log q_j: the cost of coding p with q.

    p, q: (C,) or (N, C) distributions of the same shape. Infinite where q
    gives 0 to an outcome p deems possible. H(p, q) = H(p) + KL(p || q).
    """
    p = _distribution("p", p)
    q = _distribution("q", q)
    v.same_shape("p", p, "q", q)
    terms = np.where(p > 0, -p * _log(np.where(p > 0, q, 1.0), base), 0.0)
    return _reduce(terms)


def kl_divergence(p, q, base: float = math.e):
    """Kullback-Leibler divergence KL(p || q) = sum_j p_j log(p_j / q_j) >= 0."""
    p = _distribution("p", p)
    q = _distribution("q", q)
    v.same_shape("p", p, "q", q)
    with np.errstate(divide="ignore"):
        ratio = np.where(p > 0, p / np.where(p > 0, q, 1.0), 1.0)
    terms = np.where(p > 0, p * _log(ratio, base), 0.0)
    return _reduce(terms)


def _reduce(terms: np.ndarray):
    total = terms.sum(axis=-1)
    return float(total) if total.ndim == 0 else total
