"""The course's data: the small worked examples, and the digits for the capstone.

Every function returns fresh arrays, so a notebook that edits them in place
cannot change what the next cell (or the autograder) sees.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

import numpy as np

#: Where the digits are: $LOSSLAB_DATA when set (an installed course: the classroom sets it), else
#: data/ beside lib/ (a checkout, the package installed editable from lib/, a grading jail).
DATA_DIR = Path(os.environ.get("LOSSLAB_DATA") or Path(__file__).resolve().parents[2] / "data")

CLASS_NAMES = ("cat", "car", "frog")


def cat_car_frog_scores() -> tuple[np.ndarray, np.ndarray]:
    """Scores of the three training images of lectures 02, 04a and 04b.

    Returns (scores (3, 3), y (3,)): row i holds image i's scores for
    (cat, car, frog), and y = [0, 1, 2] (the cat image is a cat, ...).
    With delta = 1 the SVM losses are 2.9, 0 and 12.9 (mean 5.27); the softmax
    loss of the cat image is 2.04.
    """
    scores = np.array(
        [
            [3.2, 5.1, -1.7],  # cat image
            [1.3, 4.9, 2.0],  # car image
            [2.2, 2.5, -3.1],  # frog image
        ]
    )
    return scores, np.array([0, 1, 2])


def four_pixel_image() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A 2x2 image of 4 pixels scored for (cat, car, frog) in lecture 01.

    Returns (x (4,), W (3, 4), b (3,)) in the one-row-per-class form
    f(x) = W x + b of the lecture's formula; W.T is the (D, C) matrix the
    batch functions take. The scores are [-96.8, 437.9, 60.75].
    """
    x = np.array([56.0, 231.0, 24.0, 2.0])
    W = np.array(
        [
            [0.2, -0.5, 0.1, 2.0],  # cat template
            [1.5, 1.3, 2.1, 0.0],  # car template
            [0.0, 0.25, 0.2, -0.3],  # frog template
        ]
    )
    b = np.array([1.1, 3.2, -1.2])
    return x, W, b


def regularization_example() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x = [1, 1, 1, 1] and two weight vectors that score it alike (lecture 03).

    Returns (x, w1, w2) with w1 = [1, 0, 0, 0], w2 = [0.25, 0.25, 0.25, 0.25]:
    w1 . x = w2 . x = 1, but the L2 penalty is 1.0 for w1 and 0.25 for w2.
    """
    return np.ones(4), np.array([1.0, 0.0, 0.0, 0.0]), np.full(4, 0.25)


def linear_data() -> tuple[np.ndarray, np.ndarray]:
    """Five points exactly on y = 2x + 1, fitted from w = 0.5, b = 0.2 in lecture 06."""
    x = np.arange(5.0)
    return x, 2.0 * x + 1.0


def outlier_data(num_points: int = 20, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Points near y = 2x + 1 (small noise) with one gross outlier, for lecture 05.

    x runs evenly over [0, 5]; the last point is lifted by 30 above the line.
    """
    rng = np.random.default_rng(seed)
    x = np.linspace(0.0, 5.0, num_points)
    y = 2.0 * x + 1.0 + rng.normal(0.0, 0.3, num_points)
    y[-1] += 30.0
    return x, y


#: the columns of house_prices()'s X, and the units they are measured in
HOUSE_FEATURES = ("floor area (m²)", "rooms", "age (years)")


def house_prices(num_houses: int = 50, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Made-up house prices with D = 3 features, for lecture 06's matrix form.

    Returns (X (N, 3), y (N,)): X's columns are HOUSE_FEATURES (floor area
    40-160 m², 1-5 rooms, age 0-60 years), on deliberately different scales;
    y is the price in thousands, 2.5 area + 10 rooms - 1.5 age + 50 plus
    Gaussian noise of standard deviation 10.
    """
    rng = np.random.default_rng(seed)
    area = rng.uniform(40.0, 160.0, num_houses)
    rooms = rng.integers(1, 6, num_houses).astype(np.float64)
    age = rng.uniform(0.0, 60.0, num_houses)
    price = 2.5 * area + 10.0 * rooms - 1.5 * age + 50.0 + rng.normal(0.0, 10.0, num_houses)
    return np.column_stack([area, rooms, age]), price


class Digits(NamedTuple):
    """scikit-learn's 8x8 digits split into train / val / test.

    X_*: (N, 64) float64 pixel intensities 0..16, row-major 8x8 images.
    y_*: (N,) int64 labels 0..9.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def load_digits(path: str | Path | None = None) -> Digits:
    """The digits of the capstone, from data/digits.npz (made by data/make_digits.py).

    1,797 images: 1,197 to train on, 300 to choose hyperparameters with, 300
    to report at the end. Read from the repository; nothing is downloaded.
    """
    path = Path(path) if path is not None else DATA_DIR / "digits.npz"
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is missing: it ships with the course repository (recreate it with "
            "`python data/make_digits.py`); an installed course finds it where $LOSSLAB_DATA says"
        )
    with np.load(path) as f:
        arrays = {
            key: f[key].astype(np.float64 if key.startswith("X") else np.int64)
            for key in Digits._fields
        }
    return Digits(**arrays)
