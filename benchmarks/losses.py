"""How close the vectorized SVM and softmax losses come to the matrix-multiply floor.

Run from the repository root:  .venv/bin/python benchmarks/losses.py

For CIFAR-10-like shapes (D = 3073 with the bias column, C = 10, float64) and
N = 500, 10 000 and 49 000, it prints best-of-k wall times of

* the floor: ``X @ W`` plus ``X.T @ dS`` for a random dS (N, C), the two
  matrix products any loss-and-gradient of a linear classifier must do;
* ``svm_loss_vectorized`` and ``softmax_loss_vectorized``, and their ratio to
  the floor (target: at most 1.15);
* ``svm_loss_naive`` and ``softmax_loss_naive`` and the speed-up of the
  vectorized version over them.

It asserts nothing: the numbers depend on the machine and on what else runs.
At small N the vectorized losses' fixed cost per call (argument checks, the
O(N C + D C) work between the products: about 0.1-0.3 ms) is a visible part
of a 2 ms floor; from N = 10 000 on it disappears in the products.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from losslab.linear_svm import svm_loss_naive, svm_loss_vectorized
from losslab.softmax import softmax_loss_naive, softmax_loss_vectorized

D, C, REG = 3073, 10, 0.025
TARGET = 1.15


def best_of(fns: dict, repeats: int) -> dict:
    """The smallest wall time of ``repeats`` calls of each function: the least disturbed run.

    The functions take turns (round-robin), so a slow spell of the machine
    hits them alike instead of inflating whichever happened to run then.
    """
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def problem(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, D))
    W = 1e-3 * rng.standard_normal((D, C))
    y = rng.integers(0, C, size=n)
    dS = rng.standard_normal((n, C))
    return X, W, y, dS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 10_000, 49_000])
    parser.add_argument("--naive-max", type=int, default=10_000,
                        help="time the naive loops on at most this many examples (default 10000)")
    parser.add_argument("--repeats", type=int, default=7, help="best of this many runs (default 7)")
    args = parser.parse_args()

    print(f"D = {D}, C = {C}, float64, reg = {REG:g}. Times in ms, best of at least {args.repeats} "
          "interleaved runs (naive: best of 3, or a single run for N > 2000).")
    header = (f"{'N':>7} {'floor':>9} | {'svm vec':>9} {'/floor':>7} {'svm naive':>10} {'speedup':>8} | "
              f"{'sm vec':>9} {'/floor':>7} {'sm naive':>10} {'speedup':>8}")
    print(header)
    print("-" * len(header))
    over_target = []
    for n in args.sizes:
        X, W, y, dS = problem(n)
        # Small N is quick and noisy: give it more runs, about 2 s of timing in all
        # (one run of the three functions costs about three floors).
        floor_estimate = best_of({"floor": lambda: (X @ W, X.T @ dS)}, 3)["floor"]  # noqa: B023
        repeats = int(np.clip(2.0 / (3 * floor_estimate), args.repeats, 300))
        t = best_of({
            "floor": lambda: (X @ W, X.T @ dS),  # noqa: B023 (each lambda runs inside this iteration)
            "svm": lambda: svm_loss_vectorized(W, X, y, REG),  # noqa: B023
            "softmax": lambda: softmax_loss_vectorized(W, X, y, REG),  # noqa: B023
        }, repeats)
        cells = [f"{n:>7} {t['floor'] * 1e3:>9.2f}"]
        for name, naive in (("svm", svm_loss_naive), ("softmax", softmax_loss_naive)):
            ratio = t[name] / t["floor"]
            if ratio > TARGET:
                over_target.append(f"{name} N={n}: {ratio:.2f}x, +{(t[name] - t['floor']) * 1e3:.2f} ms")
            if n <= args.naive_max:
                t_naive = best_of({"naive": lambda: naive(W, X, y, REG)}, 3 if n <= 2000 else 1)["naive"]  # noqa: B023
                naive_cells = f"{t_naive * 1e3:>10.1f} {t_naive / t[name]:>7.0f}x"
            else:
                naive_cells = f"{'skipped':>10} {'-':>8}"
            cells.append(f"{t[name] * 1e3:>9.2f} {ratio:>6.2f}x {naive_cells}")
        print(" | ".join(cells), flush=True)

    print()
    print(f"floor = X @ W + X.T @ dS; /floor is the vectorized time over the floor (target <= {TARGET}x);")
    print(f"speedup is naive time over vectorized time. Naive loops are skipped for N > {args.naive_max}:")
    print("they scale linearly in N, so the N = 10000 speedup is representative.")
    if over_target:
        print("OVER TARGET: " + ", ".join(over_target))
    else:
        print(f"all vectorized losses within {TARGET}x of the floor")


if __name__ == "__main__":
    main()
