"""The score function, the bias trick and predictions (lecture 01)."""

import numpy as np
import pytest
from losslab.data import four_pixel_image
from losslab.scores import append_bias, linear_scores, predict_labels


def test_four_pixel_image_scores_by_hand():
    x, W, b = four_pixel_image()
    cat = 0.2 * 56 - 0.5 * 231 + 0.1 * 24 + 2.0 * 2 + 1.1
    assert cat == pytest.approx(-96.8)
    np.testing.assert_allclose(W @ x + b, [-96.8, 437.9, 60.75])


def test_batch_form_takes_the_transposed_weights():
    """The lecture's f(x) = W x + b with W (C, D) is the batch S = X W + b with W (D, C)."""
    x, W, b = four_pixel_image()
    scores = linear_scores(W.T, x[None, :], b)
    assert scores.shape == (1, 3)
    np.testing.assert_allclose(scores[0], [-96.8, 437.9, 60.75])


def test_bias_trick_folds_b_into_W(rng):
    X = rng.normal(size=(6, 4))
    W = rng.normal(size=(4, 3))
    b = rng.normal(size=3)
    with_bias = linear_scores(W, X, b)
    folded = linear_scores(np.vstack([W, b]), append_bias(X))
    np.testing.assert_allclose(folded, with_bias)


def test_append_bias_adds_a_column_of_ones(rng):
    X = rng.normal(size=(5, 2)).astype(np.float32)
    Xb = append_bias(X)
    assert Xb.shape == (5, 3) and Xb.dtype == np.float32
    np.testing.assert_array_equal(Xb[:, -1], 1.0)
    np.testing.assert_array_equal(Xb[:, :-1], X)


def test_scores_have_shape_N_by_C(rng):
    assert linear_scores(rng.normal(size=(7, 4)), rng.normal(size=(9, 7))).shape == (9, 4)


def test_predict_labels_is_the_argmax_per_row():
    scores = np.array([[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]])
    np.testing.assert_array_equal(predict_labels(scores), [1, 1, 1])


def test_integer_input_is_promoted_to_float():
    scores = linear_scores(np.eye(2, dtype=int), np.array([[1, 2]]))
    assert scores.dtype == np.float64
