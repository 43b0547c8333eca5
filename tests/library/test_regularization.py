"""L2 and L1 penalties: the course's w1/w2 example, gradients, conventions."""

import numpy as np
import pytest
from losslab.data import regularization_example
from losslab.gradient_check import eval_numerical_gradient, rel_error
from losslab.regularization import l1_regularization, l2_regularization


def test_w1_and_w2_score_x_alike():
    x, w1, w2 = regularization_example()
    assert w1 @ x == w2 @ x == 1.0


def test_l2_prefers_the_spread_out_weights():
    _, w1, w2 = regularization_example()
    assert l2_regularization(w1, 1.0)[0] == pytest.approx(1.0)
    assert l2_regularization(w2, 1.0)[0] == pytest.approx(0.25)


def test_l1_penalties_tie():
    _, w1, w2 = regularization_example()
    assert l1_regularization(w1, 1.0)[0] == pytest.approx(1.0)
    assert l1_regularization(w2, 1.0)[0] == pytest.approx(1.0)


def test_l2_convention_is_reg_sum_of_squares_with_gradient_2_reg_W(rng):
    """Not the 1/2 reg convention: the course uses reg * sum(W**2) throughout."""
    W = rng.normal(size=(4, 3))
    penalty, grad = l2_regularization(W, 0.7)
    assert penalty == pytest.approx(0.7 * np.sum(W * W))
    np.testing.assert_allclose(grad, 2 * 0.7 * W)


def test_l2_gradient(rng):
    W = rng.normal(size=(5, 3))
    _, grad = l2_regularization(W, 0.3)
    numerical = eval_numerical_gradient(lambda w: l2_regularization(w, 0.3)[0], W)
    assert rel_error(grad, numerical) < 1e-7


def test_l1_gradient_away_from_zero(rng):
    W = rng.normal(size=(5, 3))
    assert np.abs(W).min() > 1e-3, "test point must stay off |w|'s kink at 0"
    _, grad = l1_regularization(W, 0.3)
    numerical = eval_numerical_gradient(lambda w: l1_regularization(w, 0.3)[0], W)
    assert rel_error(grad, numerical) < 1e-7


def test_l1_subgradient_is_zero_at_zero():
    _, grad = l1_regularization(np.array([-2.0, 0.0, 3.0]), 0.5)
    np.testing.assert_array_equal(grad, [-0.5, 0.0, 0.5])


@pytest.mark.parametrize("penalty_fn", [l1_regularization, l2_regularization])
def test_zero_strength_gives_zero_penalty_and_gradient(penalty_fn, rng):
    penalty, grad = penalty_fn(rng.normal(size=(3, 2)), 0.0)
    assert penalty == 0.0
    assert not grad.any()


@pytest.mark.parametrize("penalty_fn", [l1_regularization, l2_regularization])
def test_float32_weights_keep_their_dtype(penalty_fn, rng):
    W = rng.normal(size=(3, 2)).astype(np.float32)
    _, grad = penalty_fn(W, 0.1)
    assert grad.dtype == np.float32
