"""The numerical gradient tools every other gradient test relies on."""

import numpy as np
import pytest
from losslab.gradient_check import eval_numerical_gradient, grad_check_sparse, rel_error


def test_rel_error_of_equal_arrays_is_zero():
    assert rel_error([1.0, -2.0], [1.0, -2.0]) == 0.0


def test_rel_error_is_the_worst_elementwise_relative_difference():
    assert rel_error([1.0, 10.0], [1.0, 11.0]) == pytest.approx(1.0 / 21.0)


def test_rel_error_does_not_divide_by_zero():
    assert rel_error([0.0], [0.0]) == 0.0


def test_rel_error_rejects_shape_mismatch():
    with pytest.raises(ValueError, match="x has shape"):
        rel_error(np.zeros(3), np.zeros((3, 1)))


def test_numerical_gradient_of_a_quadratic(rng):
    x = rng.normal(size=(3, 4))
    numerical = eval_numerical_gradient(lambda v: float(np.sum(v**2)), x)
    assert rel_error(numerical, 2 * x) < 1e-9


def test_numerical_gradient_leaves_x_as_it_was(rng):
    x = rng.normal(size=5)
    before = x.copy()
    eval_numerical_gradient(lambda v: float(np.sum(np.sin(v))), x)
    np.testing.assert_array_equal(x, before)


def test_numerical_gradient_needs_a_float_array():
    with pytest.raises(TypeError, match="x must be a float ndarray"):
        eval_numerical_gradient(lambda v: float(np.sum(v)), np.arange(3))


def test_grad_check_sparse_passes_a_right_gradient_and_fails_a_wrong_one(rng):
    x = rng.normal(size=(4, 3))

    def f(v):
        return float(np.sum(np.exp(v)))

    assert grad_check_sparse(f, x, np.exp(x), verbose=False) < 1e-8
    assert grad_check_sparse(f, x, 2 * np.exp(x), verbose=False) > 0.3


def test_grad_check_sparse_prints_one_line_per_check(rng, capsys):
    x = rng.normal(size=4)
    grad_check_sparse(lambda v: float(v @ v), x, 2 * x, num_checks=3)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3
    assert all("relative error" in line for line in lines)


def test_grad_check_sparse_rejects_a_gradient_of_the_wrong_shape(rng):
    x = rng.normal(size=(4, 3))
    with pytest.raises(ValueError, match="analytic_grad has shape"):
        grad_check_sparse(lambda v: 0.0, x, np.zeros((3, 4)), verbose=False)
