"""Linear regression by gradient descent on the MSE (lecture 06): the line, then D features."""

import numpy as np
import pytest
from losslab.data import linear_data, outlier_data
from losslab.gradient_check import eval_numerical_gradient, rel_error
from losslab.linear_regression import (
    gradient_descent,
    gradient_descent_vectorized,
    mse_gradients,
    mse_gradients_vectorized,
    normal_equation,
)
from sklearn.linear_model import LinearRegression


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


# --- D features: X (N, D), w (D,) --------------------------------------------------------------


def noisy_features(rng, num_points=40, num_features=3):
    """Features on different scales and a noisy linear target."""
    X = rng.normal(size=(num_points, num_features)) * np.array([1.0, 0.5, 2.0])[:num_features] + 0.3
    w_true = np.array([2.0, -1.0, 0.5])[:num_features]
    return X, X @ w_true + 1.0 + rng.normal(0.0, 0.1, num_points)


def test_vectorized_gradients_with_one_feature_are_the_lines():
    """X = x[:, None] turns the D-feature formulas into lecture 06's walk: 18.94, -21.2, -7.6."""
    x, y = linear_data()
    loss, dw, db = mse_gradients_vectorized(np.array([0.5]), 0.2, x[:, None], y)
    assert dw.shape == (1,)
    assert (loss, dw[0], db) == pytest.approx(mse_gradients(0.5, 0.2, x, y))
    assert (loss, dw[0], db) == pytest.approx((18.94, -21.2, -7.6))


def test_vectorized_gradients_by_hand():
    """X = [[1, 0], [0, 1], [1, 1]], y = [1, 2, 4] at w = 0, b = 0: r = -y."""
    X, y = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), np.array([1.0, 2.0, 4.0])
    loss, dw, db = mse_gradients_vectorized(np.zeros(2), 0.0, X, y)
    assert loss == pytest.approx(21 / 3)
    np.testing.assert_allclose(dw, [-10 / 3, -4.0])
    assert db == pytest.approx(-14 / 3)
    assert isinstance(db, float)


def test_vectorized_gradients_match_numerical_gradient(rng):
    X, y = noisy_features(rng, num_features=3)
    w, b = rng.normal(size=3), 0.4
    _, dw, db = mse_gradients_vectorized(w, b, X, y)
    params = np.append(w, b)
    numerical = eval_numerical_gradient(lambda p: mse_gradients_vectorized(p[:-1], p[-1], X, y)[0], params)
    assert rel_error(np.append(dw, db), numerical) < 1e-7


def test_vectorized_gradient_is_zero_at_the_normal_equation_solution(rng):
    X, y = noisy_features(rng)
    w, b = normal_equation(X, y)
    _, dw, db = mse_gradients_vectorized(w, b, X, y)
    assert np.abs(dw).max() < 1e-12 and abs(db) < 1e-12


def test_normal_equation_matches_scikit_learn(rng):
    X, y = noisy_features(rng)
    w, b = normal_equation(X, y)
    reference = LinearRegression().fit(X, y)
    np.testing.assert_allclose(w, reference.coef_, rtol=1e-10)
    assert b == pytest.approx(reference.intercept_, rel=1e-10)
    assert w.shape == (3,) and isinstance(b, float)


def test_normal_equation_solves_the_tiny_exact_example():
    X, y = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), np.array([1.0, 2.0, 4.0])
    w, b = normal_equation(X, y)
    np.testing.assert_allclose(w, [2.0, 3.0], atol=1e-12)
    assert b == pytest.approx(-1.0, abs=1e-12)


def test_normal_equation_with_a_repeated_feature_gives_the_smallest_solution(rng):
    """[X, X] has no inverse of A^T A; lstsq splits the weight evenly (the minimum norm)."""
    X, y = noisy_features(rng, num_features=1)
    w_single, b_single = normal_equation(X, y)
    w, b = normal_equation(np.column_stack([X, X]), y)
    np.testing.assert_allclose(w, [w_single[0] / 2, w_single[0] / 2], rtol=1e-8)
    assert b == pytest.approx(b_single, rel=1e-8)


def test_vectorized_descent_with_one_feature_retraces_the_line():
    x, y = linear_data()
    w, b, history = gradient_descent_vectorized(x[:, None], y, w0=np.array([0.5]), b0=0.2, num_steps=300)
    _, _, line = gradient_descent(x, y, w0=0.5, b0=0.2, num_steps=300)
    np.testing.assert_allclose(history["w"][:, 0], line["w"], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(history["b"], line["b"], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(history["loss"], line["loss"], rtol=1e-9, atol=1e-25)


def test_vectorized_descent_reaches_the_normal_equation_and_scikit_learn(rng):
    X, y = noisy_features(rng)
    w, b, _ = gradient_descent_vectorized(X, y, learning_rate=0.1, num_steps=3000)
    w_exact, b_exact = normal_equation(X, y)
    np.testing.assert_allclose(w, w_exact, atol=1e-10)
    assert b == pytest.approx(b_exact, abs=1e-10)
    reference = LinearRegression().fit(X, y)
    np.testing.assert_allclose(w, reference.coef_, atol=1e-9)


def test_vectorized_history_shapes_and_entries(rng):
    X, y = noisy_features(rng)
    w, b, history = gradient_descent_vectorized(X, y, num_steps=20)
    assert history["loss"].shape == (21,) and history["b"].shape == (21,)
    assert history["w"].shape == (21, 3)
    np.testing.assert_array_equal(history["w"][0], np.zeros(3))  # w0=None means zeros
    assert history["b"][0] == 0.0
    np.testing.assert_array_equal(history["w"][-1], w)
    assert history["b"][-1] == b and isinstance(b, float) and w.shape == (3,)
    for k in (0, 7, 20):
        expected = mse_gradients_vectorized(history["w"][k], history["b"][k], X, y)[0]
        assert history["loss"][k] == pytest.approx(expected)


def test_vectorized_descent_leaves_w0_alone(rng):
    X, y = noisy_features(rng)
    w0 = np.array([1.0, 2.0, 3.0])
    w, _, _ = gradient_descent_vectorized(X, y, w0=w0, num_steps=5)
    np.testing.assert_array_equal(w0, [1.0, 2.0, 3.0])
    w, _, _ = gradient_descent_vectorized(X, y, w0=w0, num_steps=0)
    assert w is not w0
    np.testing.assert_array_equal(w, w0)


def test_vectorized_descent_diverges_like_the_line():
    x, y = linear_data()
    message = "learning_rate = 0.3 diverges on this data: the loss overflowed after 319 steps"
    with pytest.raises(ValueError, match=message):
        gradient_descent_vectorized(x[:, None], y, w0=np.array([0.5]), b0=0.2, learning_rate=0.3)
    with pytest.raises(ValueError, match=message):
        gradient_descent(x, y, w0=0.5, b0=0.2, learning_rate=0.3)


def test_signatures_are_the_ones_assignment_06_uses():
    """Assignment 06's stubs copy these names, parameters and defaults: changing one breaks the assignment."""
    import inspect

    expected = {
        mse_gradients_vectorized: [("w", None), ("b", None), ("X", None), ("y", None)],
        gradient_descent_vectorized: [("X", None), ("y", None), ("w0", None), ("b0", 0.0),
                                      ("learning_rate", 0.05), ("num_steps", 1000)],
        normal_equation: [("X", None), ("y", None)],
    }
    for fn, parameters in expected.items():
        found = [(p.name, None if p.default is p.empty else p.default)
                 for p in inspect.signature(fn).parameters.values()]
        assert found == parameters, fn.__name__
