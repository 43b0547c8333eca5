"""losslab.data: the worked examples and the digits file."""

import numpy as np
import pytest
from losslab import data
from sklearn.datasets import load_digits as sklearn_load_digits


@pytest.fixture(scope="module")
def digits():
    return data.load_digits()


def test_digit_splits_have_the_documented_sizes_and_dtypes(digits):
    sizes = {"train": 1197, "val": 300, "test": 300}
    for split, n in sizes.items():
        X, y = getattr(digits, f"X_{split}"), getattr(digits, f"y_{split}")
        assert X.shape == (n, 64) and X.dtype == np.float64
        assert y.shape == (n,) and y.dtype == np.int64
        assert X.min() >= 0 and X.max() <= 16
        assert set(np.unique(y)) <= set(range(10))


def test_digit_splits_partition_the_1797_images(digits):
    """Together the splits hold every one of scikit-learn's images exactly once.

    The digits contain a few identical images, so disjointness is checked by
    count: the multiset of (image, label) rows over the three splits equals
    scikit-learn's, which it could not if a row were duplicated across splits.
    """
    ours = np.vstack([
        np.column_stack([getattr(digits, f"X_{s}"), getattr(digits, f"y_{s}")])
        for s in ("train", "val", "test")
    ])
    reference = sklearn_load_digits()
    theirs = np.column_stack([reference.data, reference.target])
    assert ours.shape == theirs.shape == (1797, 65)
    sort = lambda rows: rows[np.lexsort(rows.T[::-1])]  # noqa: E731
    np.testing.assert_array_equal(sort(ours), sort(theirs))


def test_every_class_appears_in_every_split(digits):
    for y in (digits.y_train, digits.y_val, digits.y_test):
        assert set(np.unique(y)) == set(range(10))


def test_load_digits_returns_fresh_arrays(digits):
    first = data.load_digits()
    first.X_train[:] = -1
    first.y_train[:] = -1
    second = data.load_digits()
    np.testing.assert_array_equal(second.X_train, digits.X_train)
    np.testing.assert_array_equal(second.y_train, digits.y_train)


@pytest.mark.parametrize(
    "make", [data.cat_car_frog_scores, data.four_pixel_image, data.regularization_example,
             data.linear_data, data.outlier_data, data.house_prices]
)
def test_small_examples_return_fresh_arrays(make):
    first = make()
    expected = [a.copy() for a in make()]
    for array in first:
        array[...] = 123
    for array, original in zip(make(), expected, strict=True):
        np.testing.assert_array_equal(array, original)


def test_missing_digits_file_says_how_to_make_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="make_digits.py"):
        data.load_digits(tmp_path / "nope.npz")


def test_cat_car_frog_layout():
    scores, y = data.cat_car_frog_scores()
    assert scores.shape == (3, 3)
    np.testing.assert_array_equal(y, [0, 1, 2])
    assert data.CLASS_NAMES == ("cat", "car", "frog")
    np.testing.assert_allclose(np.diag(scores), [3.2, 4.9, -3.1])  # each image's correct-class score


def test_linear_data_lies_on_y_2x_plus_1():
    x, y = data.linear_data()
    np.testing.assert_allclose(y, 2 * x + 1)


def test_outlier_data_has_one_outlier():
    x, y = data.outlier_data()
    residual = y - (2 * x + 1)
    assert residual[-1] > 25
    assert np.abs(residual[:-1]).max() < 2


def test_house_prices_layout_and_ranges():
    X, y = data.house_prices()
    assert X.shape == (50, 3) and y.shape == (50,)
    assert len(data.HOUSE_FEATURES) == X.shape[1]
    area, rooms, age = X.T
    assert 40 <= area.min() and area.max() <= 160
    assert set(np.unique(rooms)) <= {1.0, 2.0, 3.0, 4.0, 5.0}
    assert 0 <= age.min() and age.max() <= 60


def test_house_prices_follow_their_documented_rule():
    """The noise (standard deviation 10) is what is left after the documented linear rule."""
    X, y = data.house_prices(num_houses=2000)
    noise = y - (X @ [2.5, 10.0, -1.5] + 50.0)
    assert abs(noise.mean()) < 1.0 and 9.0 < noise.std() < 11.0
