"""Weight-level losses: svm_loss_* and softmax_loss_*, naive against vectorized,
numerical gradients, sanity checks at initialization and float32 support."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from losslab.classification import hinge_loss, softmax_cross_entropy
from losslab.gradient_check import eval_numerical_gradient, grad_check_sparse, rel_error
from losslab.linear_svm import svm_loss_naive, svm_loss_vectorized
from losslab.softmax import softmax_loss_naive, softmax_loss_vectorized

SVM = (svm_loss_naive, svm_loss_vectorized)
SOFTMAX = (softmax_loss_naive, softmax_loss_vectorized)
ALL = SVM + SOFTMAX


def problem(rng, n=7, d=5, c=4, scale=1.0):
    W = scale * rng.normal(size=(d, c))
    X = rng.normal(size=(n, d))
    y = rng.integers(0, c, size=n)
    return W, X, y


def smallest_margin_distance(W, X, y, delta=1.0) -> float:
    scores = X @ W
    rows = np.arange(len(y))
    margins = scores - scores[rows, y][:, None] + delta
    margins[rows, y] = np.inf
    return float(np.abs(margins).min())


# --- the weight-level loss is the score-level loss of X @ W ---------------------------

@pytest.mark.parametrize(
    "vectorized, score_loss",
    [(svm_loss_vectorized, hinge_loss), (softmax_loss_vectorized, softmax_cross_entropy)],
)
def test_vectorized_is_the_score_loss_of_X_W_plus_l2(rng, vectorized, score_loss):
    W, X, y = problem(rng)
    loss, dW = vectorized(W, X, y, reg=0.3)
    data_loss, dscores = score_loss(X @ W, y)
    assert loss == pytest.approx(data_loss + 0.3 * np.sum(W * W))
    np.testing.assert_allclose(dW, X.T @ dscores + 2 * 0.3 * W)


# --- numerical gradients ------------------------------------------------------------

@pytest.mark.parametrize("loss_fn", SOFTMAX)
@pytest.mark.parametrize("reg", [0.0, 0.1])
def test_softmax_loss_gradient(loss_fn, reg, rng):
    W, X, y = problem(rng)
    _, dW = loss_fn(W, X, y, reg)
    numerical = eval_numerical_gradient(lambda w: loss_fn(w, X, y, reg)[0], W)
    assert rel_error(dW, numerical) < 1e-7


@pytest.mark.parametrize("loss_fn", SVM)
@pytest.mark.parametrize("reg", [0.0, 0.1])
def test_svm_loss_gradient_away_from_the_kinks(loss_fn, reg, rng):
    W, X, y = problem(rng)
    # A step h = 1e-5 on one weight moves a margin by at most h * max|X| < 1e-4.
    assert smallest_margin_distance(W, X, y) > 1e-3, "test point must stay off the hinge's kinks"
    _, dW = loss_fn(W, X, y, reg)
    numerical = eval_numerical_gradient(lambda w: loss_fn(w, X, y, reg)[0], W)
    assert rel_error(dW, numerical) < 1e-7


def test_svm_delta_changes_the_loss_and_gradient_consistently(rng):
    W, X, y = problem(rng)
    assert smallest_margin_distance(W, X, y, delta=2.5) > 1e-3
    loss_naive, dW_naive = svm_loss_naive(W, X, y, 0.05, delta=2.5)
    loss_vec, dW_vec = svm_loss_vectorized(W, X, y, 0.05, delta=2.5)
    assert loss_naive == pytest.approx(loss_vec)
    np.testing.assert_allclose(dW_naive, dW_vec, atol=1e-12)
    numerical = eval_numerical_gradient(lambda w: svm_loss_vectorized(w, X, y, 0.05, delta=2.5)[0], W)
    assert rel_error(dW_vec, numerical) < 1e-7


def test_grad_check_sparse_on_a_cifar_shaped_softmax(rng):
    """The check the lecture runs: a few random entries of a (3073, 10) gradient."""
    W, X, y = problem(rng, n=20, d=3073, c=10, scale=1e-3)
    _, dW = softmax_loss_vectorized(W, X, y, 1e-2)
    worst = grad_check_sparse(lambda w: softmax_loss_vectorized(w, X, y, 1e-2)[0], W, dW, verbose=False)
    assert worst < 1e-7


# --- naive == vectorized -------------------------------------------------------------

@st.composite
def weights_data_labels(draw):
    n = draw(st.integers(1, 8))
    d = draw(st.integers(1, 6))
    c = draw(st.integers(2, 5))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(d, c))
    X = rng.normal(size=(n, d))
    y = rng.integers(0, c, size=n)
    reg = draw(st.sampled_from([0.0, 1e-3, 0.5]))
    return W, X, y, reg


@pytest.mark.parametrize("naive, vectorized", [SVM, SOFTMAX])
@settings(max_examples=50, deadline=None)
@given(args=weights_data_labels())
def test_naive_equals_vectorized(naive, vectorized, args):
    W, X, y, reg = args
    loss_naive, dW_naive = naive(W, X, y, reg)
    loss_vec, dW_vec = vectorized(W, X, y, reg)
    assert loss_naive == pytest.approx(loss_vec, rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(dW_naive, dW_vec, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("naive, vectorized", [SVM, SOFTMAX])
def test_naive_equals_vectorized_for_one_example_and_two_classes(naive, vectorized, rng):
    W, X, y = problem(rng, n=1, d=3, c=2)
    loss_naive, dW_naive = naive(W, X, y, 0.1)
    loss_vec, dW_vec = vectorized(W, X, y, 0.1)
    assert loss_naive == pytest.approx(loss_vec)
    np.testing.assert_allclose(dW_naive, dW_vec, atol=1e-12)


# --- sanity checks at initialization ---------------------------------------------------

@pytest.mark.parametrize("loss_fn", SOFTMAX)
def test_softmax_loss_is_ln_C_for_tiny_random_weights(loss_fn, rng):
    """With W ~ 0 every class gets probability 1/C, so the loss is -ln(1/C) = ln(10) = 2.302..."""
    W, X, y = problem(rng, n=50, d=3073, c=10, scale=1e-4)
    loss, _ = loss_fn(W, X, y, 0.0)
    assert loss == pytest.approx(math.log(10), abs=0.01)


@pytest.mark.parametrize("loss_fn", SVM)
def test_svm_loss_is_C_minus_1_when_scores_are_near_zero(loss_fn, rng):
    """Each of the C - 1 wrong classes contributes max(0, 0 - 0 + 1) = 1."""
    W, X, y = problem(rng, n=50, d=3073, c=10, scale=1e-6)
    loss, _ = loss_fn(W, X, y, 0.0)
    assert loss == pytest.approx(10 - 1, abs=0.01)


def test_regularization_adds_reg_times_the_squared_norm(rng):
    W, X, y = problem(rng)
    for loss_fn in ALL:
        base, _ = loss_fn(W, X, y, 0.0)
        regularized, _ = loss_fn(W, X, y, 2.0)
        assert regularized - base == pytest.approx(2.0 * np.sum(W**2))


# --- dtypes, inputs left alone, huge scores ----------------------------------------------

@pytest.mark.parametrize("loss_fn", ALL)
def test_float32_in_float32_out(loss_fn, rng):
    W, X, y = problem(rng)
    loss32, dW32 = loss_fn(W.astype(np.float32), X.astype(np.float32), y, 0.1)
    loss64, dW64 = loss_fn(W, X, y, 0.1)
    assert dW32.dtype == np.float32
    assert loss32 == pytest.approx(loss64, rel=1e-5)
    np.testing.assert_allclose(dW32, dW64, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("loss_fn", ALL)
def test_inputs_are_not_modified(loss_fn, rng):
    W, X, y = problem(rng)
    copies = W.copy(), X.copy(), y.copy()
    loss_fn(W, X, y, 0.1)
    for original, copy in zip((W, X, y), copies, strict=True):
        np.testing.assert_array_equal(original, copy)


@pytest.mark.parametrize("loss_fn", ALL)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_finite_for_scores_of_plus_minus_1e4(loss_fn, dtype):
    X = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=dtype)
    W = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]], dtype=dtype)
    loss, dW = loss_fn(W, X, np.array([1, 0]), 0.0)
    assert np.isfinite(loss) and np.isfinite(dW).all()
    assert loss > 1e4
