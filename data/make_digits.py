"""Make data/digits.npz: scikit-learn's bundled 8x8 digits, split once, for good.

Run from the repository root with the course environment:
    .venv/bin/python data/make_digits.py
The split is fixed by the seed, so rerunning it gives the same arrays
and every student, notebook and grader sees the same train/val/test sets.
"""

from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits

SEED = 231
NUM_VAL = 300
NUM_TEST = 300


def main() -> None:
    digits = load_digits()
    X = digits.data.astype(np.uint8)  # pixel intensities 0..16
    y = digits.target.astype(np.uint8)
    order = np.random.default_rng(SEED).permutation(len(y))
    test, val, train = np.split(order, [NUM_TEST, NUM_TEST + NUM_VAL])
    out = Path(__file__).with_name("digits.npz")
    np.savez_compressed(
        out,
        X_train=X[train], y_train=y[train],
        X_val=X[val], y_val=y[val],
        X_test=X[test], y_test=y[test],
    )
    print(f"wrote {out}: train {len(train)}, val {len(val)}, test {len(test)}")


if __name__ == "__main__":
    main()
