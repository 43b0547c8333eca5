"""The third edition of lectures 05-07 (issue 19): every number the new text states, recomputed.

Static checks read the notebooks as committed: what was wrong stays gone,
roadmaps match the sections. The recomputations call losslab directly, so they
stay fast. The slow checks read the executed lectures (notebook_runner's
session cache) and compare what a cell prints with what its text says.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from losslab.data import house_prices, linear_data, load_digits
from losslab.linear_classifier import LinearSVM, Softmax
from losslab.linear_regression import (
    gradient_descent,
    gradient_descent_vectorized,
    mse_gradients,
    mse_gradients_vectorized,
    normal_equation,
)
from losslab.regression import mae_loss, mape_loss, mse_loss
from losslab.scores import append_bias
from losslab.softmax import softmax_loss_vectorized
from notebook_runner import executed
from test_lectures_second_edition import NOTEBOOKS, cell, markdown, read, stdout

ROADMAP_ITEM = re.compile(r"^(\d+)\. ", re.MULTILINE)
SECTION = re.compile(r"^## (\d+)\. ", re.MULTILINE)


def md(number: str, cell_id: str) -> str:
    return cell(read(number), cell_id).source


def said(text: str, *numbers: str) -> None:
    """Each number appears in the text (the lecture states it)."""
    flat = " ".join(text.split())  # a number may be wrapped onto the next line
    missing = [n for n in numbers if " ".join(n.split()) not in flat]
    assert not missing, f"the text no longer states {missing}: update this test with it"


# --- roadmaps and statements (static) ------------------------------------------------------


@pytest.mark.parametrize("number", ["06", "07"])
def test_roadmap_lists_every_section_in_order(number):
    nb = read(number)
    roadmap = nb.cells[0].source.split("**In this notebook**")[-1] if number == "06" else nb.cells[0].source
    items = [int(n) for n in ROADMAP_ITEM.findall(roadmap)]
    sections = [int(n) for n in SECTION.findall(markdown(nb))]
    assert sections == list(range(1, len(sections) + 1)), f"sections of {number} are numbered {sections}"
    assert items == sections, f"lecture {number}: roadmap items {items}, sections {sections}"


@pytest.mark.parametrize(
    ("number", "forbidden", "why"),
    [
        ("05", "**MAPE** is Laplace noise", "Laplace noise with scale β|y_i| is no density in y"),
        ("05", r"Laplace}(0, \beta\lvert y_i\rvert)$ | likelihood", "MAPE is not a likelihood"),
        ("05", "quietly learns to forecast low", "for a fixed target MAPE is symmetric; say where it leans"),
        ("05", "favours low forecasts", "the lean is a weighted median, not a penalty on over-prediction"),
        ("06", "lower wins", "compare on held-out data, with the same loss, without the penalty"),
        ("06", "It is the scoreboard", "a loss compares candidates only under conditions"),
        ("07", "at η = 0.03 and 0.01 the uncentred", "at η = 0.01 centred softmax is ahead (0.843, 0.833)"),
        ("07", "smoothly rounded contours", "the one-image softmax contours are open in the window"),
        ("07", "use `append_bias(digits.X_train)`", "the digits are divided by 16 everywhere"),
    ],
)
def test_third_edition_mistakes_stay_fixed(number, forbidden, why):
    assert forbidden not in markdown(read(number)), f"lecture {number} says {forbidden!r} again: {why}"


@pytest.mark.parametrize("number", ["05", "06", "07"])
def test_no_control_characters_in_the_text(number):
    """A tab in markdown is an unescaped backslash: '\tfrac' written in a plain Python string."""
    for c in read(number).cells:
        bad = re.search(r"[\x00-\x09\x0b-\x1f]", c.source)
        near = c.source[max(bad.start() - 20, 0):][:40] if bad else ""
        assert not bad, f"cell {c.get('id')}: control character {bad[0]!r} in {near!r}"


def test_05_says_what_mape_is():
    said(md("05", "nb05-mape-md"), "weighted MAE", "known *in advance*", "diverges")
    said(md("05", "nb05-prob-table"), "except MAPE", "not a likelihood")
    said(md("05", "nb05-041"), "MAPE is a weighted MAE")
    said(md("05", "nb05-023"), "costs the same", "at most 1 (100 %", "no ceiling")


def test_05_previews_gradient_descent_where_it_is_first_used():
    nb = read("05")
    ids = [c.get("id") for c in nb.cells]
    first_mention = next(i for i, c in enumerate(nb.cells)  # after the introduction's roadmap
                         if i > 0 and c.cell_type == "markdown" and "gradient descent" in c.source.lower())
    preview = ids.index("nb05-gd-preview")
    assert first_mention >= preview - 1, "gradient descent is used before its preview: move the preview up"
    assert nb.cells[preview + 1].cell_type == "code" and "plt.show()" in nb.cells[preview + 1].source
    assert preview < ids.index("nb05-032"), "the preview must come before fit_line uses gradient descent"


def test_06_names_the_conditions_for_comparing_losses():
    said(md("06", "nb06-002"), "held-out", "same loss", "without the penalty", "hinge loss of 0.3",
         "always picks λ = 0", "Source 03")
    said(md("06", "nb06-mean-sum"), "source 03 sums", "94.70", "$-106$", "$-38$", r"$\eta = 0.01$")


def test_07_preprocesses_the_digits_one_way():
    code = "\n".join(c.source for c in read("07").cells if c.cell_type == "code")
    for line in code.splitlines():
        if "append_bias(digits." in line:
            assert "/ 16 - mean_image" in line, f"07 must divide by 16 and subtract the mean: {line!r}"
    assert "mean_image = (digits.X_train / 16).mean(axis=0)" in code
    said(md("07", "b2f898e1"), "append_bias(digits.X_train / 16)")


def test_07_heatmap_scale_does_not_clip():
    source = cell(read("07"), "b9ca3519").source
    assert "vmin=0.8" not in source and "norm=ACCURACY_NORM" in source


# --- lecture 05, recomputed ------------------------------------------------------------------


def best_constant(loss_fn, values):
    grid = np.linspace(0.0, 30.0, 601)
    return grid[np.argmin([loss_fn(np.full_like(values, v), values)[0] for v in grid])]


def test_05_mape_best_constant_is_a_weighted_median_below_the_median():
    values = np.array([1.0, 2.0, 3.0, 4.0, 100.0])
    assert best_constant(mape_loss, values) == pytest.approx(2.0)
    assert best_constant(mape_loss, np.array([1.0, 2.0, 3.0, 4.0, 1000.0])) == pytest.approx(2.0)
    weights = 1 / values
    assert f"{weights.sum():.2f}" == "2.09"
    assert weights[:1].sum() < weights.sum() / 2 <= weights[:2].sum()  # half the weight is passed at 2
    assert (f"{weights[0] - weights[1:].sum():.3f}", f"{weights[1:].sum():.3f}") == ("-0.093", "1.093")
    assert f"{weights[2:].sum():.3f}" == "0.593"
    said(md("05", "nb05-023"), "(total $2.09$)", "best constant is 2")
    said(md("05", "nb05-029"), "1 - 1.093", "1.5 - 0.593")


def test_05_mape_for_a_fixed_target_is_symmetric():
    for prediction, cost in ((90.0, 0.1), (110.0, 0.1), (0.0, 1.0), (300.0, 2.0)):
        assert mape_loss(np.array([prediction]), np.array([100.0]))[0] == pytest.approx(cost)


def descend_constant(loss_fn, learning_rate=0.35, num_steps=25):
    v, path = 0.0, [0.0]
    for _ in range(num_steps):
        _, dpred = loss_fn(np.full(3, v), np.array([2.0, 4.0, 5.0]))
        v -= learning_rate * dpred.sum()
        path.append(v)
    return np.array(path)


def test_05_gradient_descent_preview():
    mse, mae = descend_constant(mse_loss), descend_constant(mae_loss)
    assert mse[1] == pytest.approx(0.7 * 11 / 3)
    np.testing.assert_allclose(np.diff(mse)[1:10] / np.diff(mse)[:9], 0.3)  # each step 0.3 times the last
    steps = np.abs(np.diff(mae))
    np.testing.assert_allclose(steps[:6], 0.35)
    np.testing.assert_allclose(steps[6:], 0.35 / 3)
    assert sorted({round(v, 3) for v in mae[-4:]}) == [3.967, 4.083]
    said(md("05", "nb05-gd-preview"), "2.567", "$1 - 0.7 = 0.3$", r"0.35/3 \approx 0.117")
    said(md("05", "nb05-gd-preview-read"), "$3.967$ and $4.083$")


def test_05_mape_would_be_density_grows_like_log_r():
    beta, y_hat = 1.0, 1.0

    def q(y):
        return np.exp(-np.abs(y_hat - y) / (beta * np.abs(y))) / (2 * beta * np.abs(y))

    areas = []
    for R in (1e2, 1e4, 1e6):
        grid = np.geomspace(1e-6, R, 400_001)
        areas.append(np.trapezoid(q(grid), grid) + np.trapezoid(q(-grid), grid))
    np.testing.assert_allclose(np.diff(areas), math.exp(-1) * math.log(100), rtol=1e-3)
    said(md("05", "nb05-mape-md"), r"e^{-1}\ln 100 \approx 1.69")


# --- lecture 06, recomputed ------------------------------------------------------------------


def test_06_summed_loss_is_n_times_larger():
    x, y = linear_data()
    loss, dw, db = mse_gradients(0.5, 0.2, x, y)
    n = len(x)
    assert (round(n * loss, 2), round(n * dw, 1), round(n * db, 1)) == (94.70, -106.0, -38.0)
    # a step of 0.01 on the sum is a step of 0.05 on the mean
    assert 0.01 * n * dw == pytest.approx(0.05 * dw)


def test_06_matrix_form_by_hand():
    X, y = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), np.array([1.0, 2.0, 4.0])
    loss, dw, db = mse_gradients_vectorized(np.zeros(2), 0.0, X, y)
    assert (loss, round(db, 3)) == (pytest.approx(7.0), -4.667)
    np.testing.assert_allclose(dw, [-10 / 3, -4.0])
    w, b = normal_equation(X, y)
    np.testing.assert_allclose(np.append(w, b), [2.0, 3.0, -1.0], atol=1e-12)


def curvature(X):
    A = np.column_stack([X, np.ones(len(X))])
    return np.linalg.eigh(2 / len(X) * A.T @ A)


def test_06_houses_raw_and_standardized():
    X, y = house_prices()
    w_exact, b_exact = normal_equation(X, y)
    loss_exact = mse_gradients_vectorized(w_exact, b_exact, X, y)[0]
    assert (np.round(w_exact, 3).tolist(), round(b_exact, 2), round(loss_exact, 2)) == (
        [2.556, 11.458, -1.504], 38.94, 88.13)
    nu, vectors = curvature(X)
    assert (f"{2 / nu[-1]:.2e}", f"{nu[-1] / nu[0]:,.0f}", round(nu[0], 2), round(nu[-1], -3)) == (
        "7.69e-05", "216,779", 0.12, 26_000)
    assert abs(vectors[-1, 0]) > 0.99, "the flattest direction is (almost) the intercept"
    said(md("06", "nb06-standardize-md"), r"7.7 \times 10^{-5}", "$0.12$", "26{,}000", "200,000")

    mean, std = X.mean(axis=0), X.std(axis=0)
    Z = (X - mean) / std
    nu_z, _ = curvature(Z)
    assert (f"{2 / nu_z[-1]:.3f}", f"{nu_z[-1] / nu_z[0]:.2f}", f"{nu_z[-1]:.3f}") == (
        "0.786", "2.17", "2.544")
    w_z, b_z, h_z = gradient_descent_vectorized(Z, y, learning_rate=0.5, num_steps=50)
    assert h_z["loss"][20] - loss_exact < 1e-9, "standardized descent arrives in under 20 steps"
    np.testing.assert_allclose(w_z / std, w_exact, rtol=1e-9)
    assert b_z - np.sum(w_z * mean / std) == pytest.approx(b_exact)

    w_raw, b_raw, h_raw = gradient_descent_vectorized(X, y, learning_rate=7e-5, num_steps=10_000)
    assert (round(b_raw, 2), round(h_raw["loss"][-1] - loss_exact, 1)) == (3.69, 76.3)
    said(md("06", "nb06-why-gd"), "$\\nu = 0.12$", "3.69", "38.94", "condition number 2.2", "under 20 steps")


def test_06_houses_try_it():
    X, y = house_prices()
    w, b = normal_equation(X, y)
    twice = np.column_stack([X, 10.764 * X[:, 0]])
    w2, b2 = normal_equation(twice, y)
    assert np.abs((twice @ w2 + b2) - (X @ w + b)).max() < 1e-10
    assert (round(w2[0], 4), round(w2[3], 4)) == (0.0219, 0.2354)
    Z = (X - X.mean(axis=0)) / X.std(axis=0)
    below = gradient_descent_vectorized(Z, y, learning_rate=0.78, num_steps=2000)[2]["loss"][-1]
    above = gradient_descent_vectorized(Z, y, learning_rate=0.79, num_steps=2000)[2]["loss"][-1]
    assert (round(below, 2), f"{above:.1e}") == (88.13, "6.5e+17")
    said(md("06", "nb06-why-gd"), "0.0219 per m²", "0.2354", "$2/\\nu_{\\max} = 2/2.544 = 0.786$", "88.13",
         r"$6.5 \times 10^{17}$")


def test_06_cost_numbers():
    n, d = 10**6, 10**4
    assert (n * d**2, d**2 * 8, 2 * n * d, n * d**2 // (2 * n * d)) == (10**14, 800 * 10**6, 2 * 10**10, 5000)
    said(md("06", "nb06-why-gd"), "$10^{14}$", "800 MB", "5,000 gradient steps", r"$2 \times 10^{10}$")


def descend_line(loss_fn, rates, w=0.5, b=0.2):
    x, y = linear_data()
    history = []
    for eta in rates:
        loss, dpred = loss_fn(w * x + b, y)
        history.append((w, b, loss))
        w, b = w - eta * np.sum(dpred * x), b - eta * np.sum(dpred)
    history.append((w, b, loss_fn(w * x + b, y)[0]))
    return np.array(history)


SCHEDULES = {
    "fixed 0.05": np.full(2000, 0.05),
    "fixed 0.005": np.full(2000, 0.005),
    "step": 0.05 * 0.5 ** (np.arange(2000) // 250),
    "1/t": 0.05 / (1 + np.arange(2000) / 100),
}


def test_06_mae_cycle_by_hand():
    run = descend_line(mae_loss, np.full(20, 0.05))
    np.testing.assert_allclose(np.diff(run[:16, :2], axis=0), [[0.1, 0.05]] * 15)
    np.testing.assert_allclose(run[15], [2.0, 0.95, 0.05])
    np.testing.assert_allclose(run[16], [2.1, 1.0, 0.2])
    np.testing.assert_allclose(run[17:21:2], [[2.0, 0.95, 0.05]] * 2)
    said(md("06", "nb06-decay-md"), "After 15 steps", "$(w, b) = (2, 0.95)$", "$(2.1, 1)$", "$0.2$")


def test_06_decay_schedules():
    worst = {name: descend_line(mae_loss, rates)[-100:, 2].max() for name, rates in SCHEDULES.items()}
    assert {name: f"{v:.1e}" for name, v in worst.items()} == {
        "fixed 0.05": "2.0e-01", "fixed 0.005": "1.6e-02", "step": "1.6e-03", "1/t": "1.0e-02"}
    arrive = descend_line(mae_loss, SCHEDULES["fixed 0.005"])
    np.testing.assert_allclose(arrive[150], [2.0, 0.95, 0.05], atol=1e-9)
    said(md("06", "nb06-decay-read"), "(150)", "0.016", r"$1.6 \times 10^{-3}$", r"$1.0 \times 10^{-2}$",
         r"$1.6 \times 10^{-2}$")
    mse = {name: f"{descend_line(mse_loss, rates)[-1, 2]:.0e}" for name, rates in SCHEDULES.items()}
    assert mse == {"fixed 0.05": "3e-30", "fixed 0.005": "1e-07", "step": "2e-15", "1/t": "2e-10"}
    assert f"{0.05 / (1 + 2000 / 100):.4f}" == "0.0024"  # the 1/t rate at step 2,000
    step = SCHEDULES["step"]
    assert step[999] > 0.005 > step[1000] == 0.003125
    assert np.all(step[1750:] == 0.05 / 128) and step[1749] == 0.05 / 64
    said(md("06", "nb06-decay-md"), r"$k = 1750, \dots, 1999$) use $\eta_0/128$")
    said(md("06", "nb06-decay-read"), r"3 \times 10^{-30}", r"2 \times 10^{-15}", r"2 \times 10^{-10}",
         r"1 \times 10^{-7}", "0.003125", "1,000 on", r"0.05/21 \approx 0.0024")


def test_06_scalar_walk_is_unchanged():
    x, y = linear_data()
    w, b, history = gradient_descent(x, y, w0=0.5, b0=0.2, learning_rate=0.05, num_steps=1)
    assert (round(w, 4), round(b, 4), round(history["loss"][1], 4)) == (1.56, 0.58, 2.0772)


# --- lecture 07, recomputed ------------------------------------------------------------------


@pytest.fixture(scope="module")
def digits_sets():
    digits = load_digits()
    mean_image = (digits.X_train / 16).mean(axis=0)
    centred = (append_bias(digits.X_train / 16 - mean_image), append_bias(digits.X_val / 16 - mean_image))
    uncentred = (append_bias(digits.X_train / 16), append_bias(digits.X_val / 16))
    return digits, centred, uncentred


def test_07_mean_subtraction_answer(digits_sets):
    digits, centred, uncentred = digits_sets
    found = {}
    for lr in (0.1, 0.03, 0.01):
        for name, cls in (("SVM", LinearSVM), ("softmax", Softmax)):
            for kind, (X, X_val) in (("centred", centred), ("uncentred", uncentred)):
                model = cls()
                model.train(X, digits.y_train, learning_rate=lr, reg=1e-3, num_iters=300, batch_size=100,
                            seed=0)
                found[lr, name, kind] = f"{np.mean(model.predict(X_val) == digits.y_val):.3f}"
    assert found == {
        (0.1, "SVM", "centred"): "0.970", (0.1, "SVM", "uncentred"): "0.963",
        (0.1, "softmax", "centred"): "0.913", (0.1, "softmax", "uncentred"): "0.920",
        (0.03, "SVM", "centred"): "0.953", (0.03, "SVM", "uncentred"): "0.963",
        (0.03, "softmax", "centred"): "0.853", (0.03, "softmax", "uncentred"): "0.863",
        (0.01, "SVM", "centred"): "0.927", (0.01, "SVM", "uncentred"): "0.943",
        (0.01, "softmax", "centred"): "0.843", (0.01, "softmax", "uncentred"): "0.833",
    }
    said(md("07", "b2f898e1"), "0.970 (centred) to 0.963", "from 0.913 to 0.920", "SVM 0.963 against 0.953",
         "softmax 0.863 against 0.853", "(0.943 against 0.927)", "(0.833 against 0.843)")


def test_07_local_search_try_it(digits_sets):
    digits, (X, _), _ = digits_sets
    W0 = 0.001 * np.random.default_rng(7).standard_normal((65, 10))  # the notebook's first draw

    def data_loss(W):
        return softmax_loss_vectorized(W, X, digits.y_train, 0.0)[0]

    found = {}
    for sigma in (0.03, 0.1, 0.3):
        rng = np.random.default_rng(3)
        for _ in range(200):  # random search draws first, in the same cell
            rng.standard_normal(W0.shape)
        W, loss, accepted = W0, data_loss(W0), 0
        for _ in range(199):
            W_try = W + sigma * rng.standard_normal(W0.shape)
            loss_try = data_loss(W_try)
            if loss_try < loss:
                W, loss, accepted = W_try, loss_try, accepted + 1
        found[sigma] = (f"{loss:.2f}", accepted)
    assert found == {0.03: ("1.63", 86), 0.1: ("1.27", 50), 0.3: ("1.62", 15)}
    said(md("07", "07-opt-read"), "1.62", "1.63", "1.27", "15 of its 199", "(86")


def test_07_numerical_gradient_count():
    assert 2 * 65 * 10 == 1300 and 65 * 10 + 1 == 651
    said(md("07", "07-opt-numgrad-md"), r"$2 \times 650 = 1{,}300$", "$650 + 1 = 651$")


# --- executed lectures -------------------------------------------------------------------------


@pytest.mark.slow
def test_05_executed_numbers():
    nb, _ = executed(NOTEBOOKS["05"])
    text = stdout(nb, "nb05-gd-preview-code")
    assert "MSE: v = [0.    2.567 3.337 3.568]" in text, text
    assert "last four [3.967 4.083 3.967 4.083]" in text, text
    assert "MAPE: best constant v = 2.00" in stdout(nb, "nb05-030")
    increments = re.findall(r"\(\+([\d.]+)\)", stdout(nb, "nb05-mape-density"))
    assert increments[1:] == ["1.694"] * 3, stdout(nb, "nb05-mape-density")


@pytest.mark.slow
def test_06_executed_numbers():
    nb, _ = executed(NOTEBOOKS["06"])
    text = stdout(nb, "nb06-matrix-code")
    assert "L = 7.0000, dL/dw = [-3.3333 -4.    ], dL/db = -4.6667" in text, text
    assert "L = 18.9400, dL/dw = [-21.2], dL/db = -7.6000" in text, text
    assert float(re.search(r"relative error ([\d.e+-]+)", text)[1]) < 1e-7, text
    assert "w = [2. 3.], b = -1.0000" in stdout(nb, "nb06-normal-code")
    text = stdout(nb, "nb06-houses-code")
    assert "largest stable η = 2/ν_max = 7.69e-05, condition number 216,779" in text, text
    text = stdout(nb, "nb06-standardize-code")
    assert "largest stable η = 2/ν_max = 0.786, condition number 2.17" in text, text
    assert "b = 3.69, loss 164.40 (76.3 above the minimum)" in text, text
    text = stdout(nb, "nb06-decay-cycle")
    assert "after 15 steps: w = 2.000, b = 0.950, MAE = 0.050" in text, text
    assert "after 16 steps: w = 2.100, b = 1.000, MAE = 0.200" in text, text
    assert "worst of the last 100 steps 1.6e-03" in stdout(nb, "nb06-decay-plot")
    for figure_cell in ("nb06-standardize-code", "nb06-decay-plot"):
        assert any("image/png" in o.get("data", {}) for o in cell(nb, figure_cell).outputs), figure_cell


@pytest.mark.slow
def test_07_executed_numbers():
    nb, _ = executed(NOTEBOOKS["07"])
    text = stdout(nb, "07-opt-run")
    rows = re.finditer(r"^\s*(.+?): training loss .* accuracy ([\d.]+)", text, re.MULTILINE)
    accuracy = {m[1].strip(): float(m[2]) for m in rows}
    random, local, gradient = (accuracy[k] for k in ("random search", "random local search",
                                                      "follow the gradient (η = 1)"))
    assert random < 0.3 < local < 0.9 < gradient, text
    assert (round(random, 2), round(gradient, 2)) == (0.27, 0.96), text  # "one in four", "about 96 %"
    assert "2.138 after 200" in text, "random search no longer ends just below ln 10 = 2.30"
    text = stdout(nb, "07-opt-numgrad")
    assert "1300 loss evaluations for 650 parameters" in text, text
    assert float(re.search(r"largest difference ([\d.e+-]+)", text)[1]) < 1e-8, text

    text = stdout(nb, "07-es-split")
    for number in ("0.318", "2.276", "160 correctly", "40 mislabelled", "0.674", "70% as their wrong label"):
        assert number in text, f"{number} not in {text}"
    said(md("07", "07-es-text"), "0.318", "2.276", "0.624", r"\approx 0.71$", "0.674", "70 %")
    assert round(0.8 * 0.318 + 0.2 * 2.276, 2) == 0.71
    assert "lowest validation loss 0.624 at step 190" in stdout(nb, "07-es-run")

    text = stdout(nb, "07-slice-1d")
    for number in ("0.0198 at b = 0", "0.0042 at b = 3", "lowest 0.0038 at b = 3.79", "0.738 at b = 10",
                   "24.1 at b = 30"):
        assert number in text, f"{number} not in {text}"
    said(md("07", "07-slice-read"), "0.0198", "0.0042", "$b = 3.79$ (0.0038)", "0.738", "24.1")
