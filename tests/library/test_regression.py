"""Regression losses: sklearn and scipy agree, gradients off the kinks, Huber's two pieces."""

import numpy as np
import pytest
import scipy.optimize
import scipy.special
from losslab.data import outlier_data
from losslab.gradient_check import eval_numerical_gradient, rel_error
from losslab.regression import huber_loss, mae_loss, mape_loss, mse_loss
from sklearn.metrics import mean_absolute_error, mean_absolute_percentage_error, mean_squared_error

LOSSES = (mse_loss, mae_loss, mape_loss, huber_loss)


@pytest.fixture
def pred_target(rng):
    """Predictions and nonzero targets with every residual well away from 0 and from +-1."""
    target = rng.uniform(1.0, 3.0, size=12) * rng.choice([-1.0, 1.0], size=12)
    residual = rng.choice([-1.0, 1.0], size=12) * rng.choice([0.3, 0.6, 1.7, 2.4], size=12)
    return target + residual, target


def test_fixture_stays_off_every_kink(pred_target):
    pred, target = pred_target
    r = pred - target
    assert np.abs(r).min() > 1e-3  # MAE and MAPE: kink at r = 0
    assert np.abs(np.abs(r) - 1.0).min() > 1e-3  # Huber with delta = 1: pieces meet at |r| = 1


# --- against independent implementations ---------------------------------------------

def test_mse_matches_sklearn(pred_target):
    pred, target = pred_target
    assert mse_loss(pred, target)[0] == pytest.approx(mean_squared_error(target, pred), rel=1e-12)


def test_mae_matches_sklearn(pred_target):
    pred, target = pred_target
    assert mae_loss(pred, target)[0] == pytest.approx(mean_absolute_error(target, pred), rel=1e-12)


def test_mape_matches_sklearn_and_is_a_fraction(pred_target):
    pred, target = pred_target
    expected = mean_absolute_percentage_error(target, pred)
    assert mape_loss(pred, target)[0] == pytest.approx(expected, rel=1e-12)
    assert mape_loss([110.0], [100.0])[0] == pytest.approx(0.10)  # 10 %, written as 0.10


@pytest.mark.parametrize("delta", [0.5, 1.0, 2.0])
def test_huber_matches_scipy_special_huber(pred_target, delta):
    """scipy.special.huber(delta, r) is r^2/2 inside and delta (|r| - delta/2) outside: our convention."""
    pred, target = pred_target
    expected = np.mean(scipy.special.huber(delta, pred - target))
    assert huber_loss(pred, target, delta)[0] == pytest.approx(expected, rel=1e-12)


def test_huber_is_quadratic_inside_and_linear_outside():
    loss, grad = huber_loss([0.5, 3.0, -3.0], [0.0, 0.0, 0.0])
    assert loss == pytest.approx((0.125 + 2.5 + 2.5) / 3)
    np.testing.assert_allclose(grad, np.array([0.5, 1.0, -1.0]) / 3)


def test_losses_average_over_every_element_of_2d_input(rng):
    pred = rng.normal(size=(4, 3))
    target = rng.normal(size=(4, 3)) + 5
    assert mse_loss(pred, target)[0] == pytest.approx(mean_squared_error(target.ravel(), pred.ravel()))
    assert mae_loss(pred, target)[0] == pytest.approx(mean_absolute_error(target.ravel(), pred.ravel()))


# --- gradients -----------------------------------------------------------------------

@pytest.mark.parametrize("loss_fn", LOSSES)
def test_gradient_off_the_kinks(loss_fn, pred_target):
    pred, target = pred_target
    _, grad = loss_fn(pred, target)
    numerical = eval_numerical_gradient(lambda p: loss_fn(p, target)[0], pred)
    assert rel_error(grad, numerical) < 1e-7


def test_mae_subgradient_is_zero_at_a_zero_residual():
    _, grad = mae_loss([1.0, 2.0, 5.0], [1.0, 3.0, 4.0])
    np.testing.assert_array_equal(grad, np.array([0.0, -1.0, 1.0]) / 3)


def test_huber_gradient_is_bounded_by_delta_where_mse_grows():
    """What each loss does with an outlier: MSE pulls in proportion to r, Huber by at most delta."""
    pred, target = np.array([0.0, 100.0]), np.zeros(2)
    _, mse_grad = mse_loss(pred, target)
    _, huber_grad = huber_loss(pred, target, delta=1.0)
    assert mse_grad[1] == pytest.approx(100.0)
    assert huber_grad[1] == pytest.approx(0.5)


# --- properties the lecture uses ---------------------------------------------------------

@pytest.mark.parametrize("loss_fn", LOSSES)
def test_zero_for_perfect_predictions(loss_fn, rng):
    target = rng.uniform(1, 2, size=5)
    loss, grad = loss_fn(target.copy(), target)
    assert loss == 0.0
    assert not grad.any()


def test_mape_explodes_for_targets_near_zero():
    small, _ = mape_loss([1.001], [0.001])
    assert small == pytest.approx(1000.0)


def fit_line(loss_fn, x, y, learning_rate, num_steps):
    w = b = 0.0
    for _ in range(num_steps):
        _, dpred = loss_fn(w * x + b, y)
        w, b = w - learning_rate * float(dpred @ x), b - learning_rate * float(dpred.sum())
    return w, b


def test_huber_fit_matches_scipy_minimize_and_shrugs_off_the_outlier():
    x, y = outlier_data()
    w, b = fit_line(huber_loss, x, y, learning_rate=0.1, num_steps=3000)

    def independent_huber(params):
        return np.mean(scipy.special.huber(1.0, params[0] * x + params[1] - y))

    expected = scipy.optimize.minimize(independent_huber, x0=[0.0, 0.0], method="Nelder-Mead",
                                       options={"xatol": 1e-9, "fatol": 1e-12, "maxiter": 5000}).x
    assert (w, b) == pytest.approx(tuple(expected), abs=1e-4)
    w_mse, _ = np.polyfit(x, y, 1)
    assert abs(w - 2.0) < abs(w_mse - 2.0)  # the outlier drags the MSE line, barely the Huber one
