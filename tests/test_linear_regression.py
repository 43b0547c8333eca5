"""y = w x + b by gradient descent on the MSE (lecture 06)."""

import numpy as np
import pytest
from losslab.data import linear_data, outlier_data
from losslab.gradient_check import eval_numerical_gradient, rel_error
from losslab.linear_regression import gradient_descent, mse_gradients


def test_reaches_w_2_b_1_from_the_lecture_start():
    x, y = linear_data()
    w, b, history = gradient_descent(x, y, w0=0.5, b0=0.2)
    assert w == pytest.approx(2.0, abs=1e-6)
    assert b == pytest.approx(1.0, abs=1e-6)
    assert history["loss"][-1] == pytest.approx(0.0, abs=1e-12)


def test_history_starts_at_w0_b0_and_records_every_step():
    x, y = linear_data()
    w, b, history = gradient_descent(x, y, w0=0.5, b0=0.2, learning_rate=0.05, num_steps=30)
    for key in ("loss", "w", "b"):
        assert history[key].shape == (31,)
    assert (history["w"][0], history["b"][0]) == (0.5, 0.2)
    assert (history["w"][-1], history["b"][-1]) == (w, b)
    for k in (0, 10, 30):
        assert history["loss"][k] == pytest.approx(mse_gradients(history["w"][k], history["b"][k], x, y)[0])


def test_loss_falls_at_every_step_for_a_small_learning_rate():
    x, y = linear_data()
    _, _, history = gradient_descent(x, y, learning_rate=0.01, num_steps=200)
    assert np.all(np.diff(history["loss"]) < 0)


def test_first_step_by_hand():
    """From w = 0.5, b = 0.2 on y = 2x + 1, x = 0..4: the residuals are -1.5x - 0.8."""
    x, y = linear_data()
    loss, dw, db = mse_gradients(0.5, 0.2, x, y)
    r = 0.5 * x + 0.2 - y
    assert loss == pytest.approx(np.mean(r**2))
    assert dw == pytest.approx(2 * np.mean(r * x))
    assert db == pytest.approx(2 * np.mean(r))
    _, _, history = gradient_descent(x, y, learning_rate=0.05, num_steps=1)
    assert history["w"][1] == pytest.approx(0.5 - 0.05 * dw)
    assert history["b"][1] == pytest.approx(0.2 - 0.05 * db)


def test_mse_gradients_match_numerical_gradient(rng):
    x = rng.normal(size=10)
    y = 3 * x - 2 + rng.normal(size=10)
    _, dw, db = mse_gradients(0.4, -0.1, x, y)
    params = np.array([0.4, -0.1])
    numerical = eval_numerical_gradient(lambda p: mse_gradients(p[0], p[1], x, y)[0], params)
    assert rel_error([dw, db], numerical) < 1e-7


def test_converges_to_the_least_squares_fit_on_noisy_data():
    x, y = outlier_data()
    w, b, _ = gradient_descent(x, y, learning_rate=0.05, num_steps=5000)
    A = np.column_stack([x, np.ones_like(x)])
    (w_ls, b_ls), *_ = np.linalg.lstsq(A, y, rcond=None)
    assert (w, b) == pytest.approx((w_ls, b_ls), abs=1e-8)


def test_too_small_a_learning_rate_is_still_far_after_the_same_steps():
    x, y = linear_data()
    w_slow, _, _ = gradient_descent(x, y, learning_rate=1e-4, num_steps=100)
    w_ok, _, _ = gradient_descent(x, y, learning_rate=0.05, num_steps=100)
    assert abs(w_slow - 2.0) > 10 * abs(w_ok - 2.0)


def test_divergent_learning_rate_raises_and_names_it():
    """The largest stable rate on linear_data() is about 0.149 (2 / the Hessian's top eigenvalue)."""
    x, y = linear_data()
    with pytest.raises(ValueError, match="learning_rate = 0.2 diverges"):
        gradient_descent(x, y, learning_rate=0.2, num_steps=5000)


def test_zero_steps_returns_the_start():
    x, y = linear_data()
    w, b, history = gradient_descent(x, y, num_steps=0)
    assert (w, b) == (0.5, 0.2)
    assert history["loss"].shape == (1,)
