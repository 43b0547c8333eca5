"""The third edition of lectures 02, 03, 04a and 04b (issue 19): what it fixed stays fixed, and stays true.

Static checks read the notebooks as committed, or recompute a number the text
states with losslab. The slow ones read the outputs of the executed lectures
(through notebook_runner's session cache, so no lecture runs twice) and check
that the numbers the text states are the numbers the code prints.
"""

from __future__ import annotations

import re

import nbformat
import numpy as np
import pytest
from losslab.classification import (
    binary_cross_entropy,
    entropy,
    hinge_loss,
    kl_divergence,
    softmax,
    softmax_cross_entropy,
)
from losslab.data import cat_car_frog_scores
from notebook_runner import executed, lecture_notebooks

#: "01" ... "07", and "04a", "04b" for lecture 04 in two parts
NOTEBOOKS = {path.name.split("_")[0]: path for path in lecture_notebooks()}


def read(number: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS[number], as_version=4)


def cell(nb: nbformat.NotebookNode, cell_id: str) -> nbformat.NotebookNode:
    matches = [c for c in nb.cells if c.get("id") == cell_id]
    assert matches, f"no cell with id {cell_id!r}: was it renamed or removed?"
    return matches[0]


def markdown(nb: nbformat.NotebookNode) -> str:
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def stdout(nb: nbformat.NotebookNode, cell_id: str) -> str:
    return "".join(o.get("text", "") for o in cell(nb, cell_id).outputs if o.output_type == "stream")


def has_figure(nb: nbformat.NotebookNode, cell_id: str) -> bool:
    return any("image/png" in o.get("data", {}) for o in cell(nb, cell_id).outputs)


def assert_says(text: str, *phrases: str) -> None:
    """Every phrase appears in the text, whitespace-insensitively (markdown wraps lines anywhere)."""
    flat = " ".join(text.split())
    missing = [phrase for phrase in phrases if " ".join(phrase.split()) not in flat]
    assert not missing, f"the lecture no longer says {missing}"


def printed(text: str, pattern: str) -> list[tuple[str, ...]]:
    """All matches of pattern in a cell's printout; at least one."""
    found = re.findall(pattern, text)
    assert found, f"nothing matching {pattern!r} in the printout:\n{text}"
    return found


# --- roadmaps --------------------------------------------------------------------------------


def numbered_sections(nb: nbformat.NotebookNode) -> set[int]:
    headings = re.findall(r"^## (\d+)\. ", markdown(nb), re.MULTILINE)
    return {int(n) for n in headings}


def roadmap_sections(nb: nbformat.NotebookNode) -> set[int]:
    """The sections the first cell's roadmap names: 'section 3', 'sections 1–2'."""
    named = set()
    for first, last in re.findall(r"sections? (\d+)(?:[–-](\d+))?", nb.cells[0].source):
        named.update(range(int(first), int(last or first) + 1))
    return named


@pytest.mark.parametrize("number", ["02", "03", "04a", "04b"])
def test_roadmap_names_every_section_and_no_other(number):
    nb = read(number)
    sections, named = numbered_sections(nb), roadmap_sections(nb)
    assert sections, f"lecture {number} has no numbered sections"
    assert named == sections, (
        f"lecture {number}: the roadmap names sections {sorted(named)}, the lecture has {sorted(sections)}"
    )


# --- notation: p is the truth, q the model's distribution, in both parts of 04 ---------------


def test_notation_table_fixes_p_as_the_truth_and_q_as_the_model():
    notation = next(c.source for c in read("01").cells if c.source.startswith("## Notation"))
    row = next(line for line in notation.splitlines() if line.startswith("| $p$, $q$"))
    for words in ("$p$ the true one", "$q$ the model's", "softmax probabilities $q_j$"):
        assert words in row, row
    assert "softmax probabilities $p_j$" not in notation, "p_j for the softmax contradicts p = truth"


@pytest.mark.parametrize(
    ("number", "forbidden"),
    [
        ("04a", ["p_j", "p_{y", "p_y", "p_\\text", "p - \\operatorname{onehot}", "(P - Y)", "$\\log p$",
                 "$p$ →"]),
        ("04b", ["p_y", "p_{y", "its own $p_j$", "-\\log p_", "softmax}(s)_j = p"]),
    ],
)
def test_the_model_distribution_is_q_in_04(number, forbidden):
    text = markdown(read(number))
    found = [symbol for symbol in forbidden if symbol in text]
    assert not found, f"lecture {number} writes {found}: the model's probabilities are q, p is the truth"


# --- 04a: the contrast with the SVM, and probabilities as confidences -------------------------


def test_04a_does_not_claim_the_svm_ignores_the_size_of_the_scores():
    text = markdown(read("04a"))
    assert "Unlike the SVM, the softmax loss notices the size of the scores" not in text
    assert_says(text, "from 2.9 to 4.8", "SVM 2.9 → 4.8, softmax 2.04 → 3.82", "from 0.079 to 0.004",
                "softmax keeps rewarding larger gaps after every margin is met")


def test_04a_doubling_the_scores_numbers():
    scores, y = cat_car_frog_scores()

    def both(image, factor):
        s, label = factor * scores[image:image + 1], y[image:image + 1]
        return round(hinge_loss(s, label)[0], 2), round(softmax_cross_entropy(s, label)[0], 3)

    assert both(0, 1) == (2.9, 2.04) and both(0, 2) == (4.8, 3.822)  # the misclassified cat image
    assert both(1, 1) == (0.0, 0.079) and both(1, 2) == (0.0, 0.004)  # the car image meets every margin


def test_04a_halving_the_weights_spreads_the_probabilities():
    s = np.array([1.0, -2.0, 0.0])
    assert np.round(np.exp(s), 2).tolist() == [2.72, 0.14, 1.0]
    assert np.round(softmax(s), 2).tolist() == [0.71, 0.04, 0.26]
    assert np.round(np.exp(s / 2), 2).tolist() == [1.65, 0.37, 1.0]
    assert np.round(softmax(s / 2), 2).tolist() == [0.55, 0.12, 0.33]
    assert_says(markdown(read("04a")), "$q = [0.71, 0.04, 0.26]$", "$q = [0.55, 0.12, 0.33]$")


@pytest.mark.slow
def test_04a_confidence_falls_with_lambda_faster_than_accuracy():
    nb, _ = executed(NOTEBOOKS["04a"])
    assert "q = [0.71 0.04 0.26]" in stdout(nb, "04a-confidence-by-hand")
    assert "q = [0.55 0.12 0.33]" in stdout(nb, "04a-confidence-by-hand")
    rows = printed(stdout(nb, "04a-confidence-train"),
                   r"lambda\s+(\S+): validation accuracy ([\d.]+), mean top probability ([\d.]+)")
    sweep = {float(lam): (float(acc), float(top)) for lam, acc, top in rows}
    assert sorted(sweep) == [1e-4, 1e-3, 1e-2, 1e-1, 1.0], sweep
    tops = [sweep[lam][1] for lam in sorted(sweep)]
    assert tops == sorted(tops, reverse=True), f"the mean top probability must fall as λ grows: {sweep}"
    assert sweep[1e-4] == (0.957, 0.876) and sweep[1e-3][0] == 0.957 and sweep[1.0] == (0.813, 0.110), sweep
    assert_says(markdown(nb), "falls from 0.96 to 0.81", "falls from 0.88 to 0.11",
                "λ = 10⁻⁴ or 10⁻³ (0.957 both)")
    assert has_figure(nb, "04a-confidence-plot")


# --- 04b: surprise, KL, the logistic loss, timing, and the noise claim examined ---------------


def test_04b_surprise_and_entropy_by_hand():
    bits = {p: round(float(np.log2(1 / p)), 3) for p in (0.5, 1 / 8, 0.9, 0.1)}
    assert bits == {0.5: 1.0, 1 / 8: 3.0, 0.9: 0.152, 0.1: 3.322}
    assert round(0.9 * np.log2(1 / 0.9), 3) == 0.137 and round(0.1 * np.log2(10), 3) == 0.332
    assert round(entropy([0.9, 0.1], base=2), 3) == 0.469
    assert_says(markdown(read("04b")), "$-\\log_2 0.9 = 0.152$ bits",
                "$0.9 \\times 0.152 + 0.1 \\times 3.32 = 0.137 + 0.332 = 0.469$")


def test_04b_kl_is_nonnegative_by_an_argument_and_asymmetric_by_hand():
    p, q = np.array([0.5, 0.5]), np.array([0.9, 0.1])
    assert round(kl_divergence(p, q, base=2), 3) == 0.737 and round(kl_divergence(q, p, base=2), 3) == 0.531
    assert round(0.9 * np.log2(0.9 / 0.5), 3) == 0.763 and round(0.1 * np.log2(0.1 / 0.5), 3) == -0.232
    text = markdown(read("04b"))
    assert_says(text, "$\\ln x \\le x - 1$", "$\\mathrm{KL}(p\\,\\|\\,q) = 0.737$ bits",
                "= 0.763 - 0.232 = 0.531$ bits")


def test_04b_logistic_loss_is_binary_cross_entropy():
    rng = np.random.default_rng(0)
    z, y = 3 * rng.standard_normal(50), rng.integers(0, 2, size=50)
    t = 2 * y - 1
    assert np.isclose(binary_cross_entropy(z, y.astype(float))[0], np.mean(np.log1p(np.exp(-t * z))))
    assert round(float(np.exp(2.0)) + 1, 3) == 8.389 and round(float(np.log1p(np.exp(2.0))), 3) == 2.127
    assert_says(markdown(read("04b")), "$-\\log \\sigma(t z) = \\log(1 + e^{-t z})$", "$t = 2y - 1$")


def test_04b_times_like_lecture_02_warm_up_then_best_of_several():
    source = cell(read("04b"), "cell-044").source
    body = source[source.index("def best_time"):source.index("return min(runs)")]
    warm_up, loop = body.index("fn(*args)  # warm-up"), body.index("for _ in range(repeats)")
    assert warm_up < loop, "the warm-up call must come before the timed runs"
    assert "best_time(softmax_cross_entropy, S, labels)" in source, "every C must be timed by best_time"


def test_04a_times_naive_and_vectorized_after_a_first_call_best_of_three():
    source = cell(read("04a"), "cell-025").source
    first_call = source.index("loss_naive, grad_naive = softmax_loss_naive(")
    assert source.count("min(timeit.repeat(") == 2 and first_call < source.index("timeit.repeat"), source


#: a row of 04b's noise table: loss, λ, |W| at 1000 and 3000, data loss, train acc, fitted, of, val acc
NOISE_ROW = r"(SVM|softmax)\s+([\d.]+)" + r"\s+([\d.]+)" * 4 + r"\s+(\d+) of (\d+)\s+([\d.]+)"


@pytest.mark.slow
def test_04b_outputs_agree_with_the_text():
    nb, _ = executed(NOTEBOOKS["04b"])
    text = stdout(nb, "cell-016")
    for line in ("0.125: 3.000 bits", "0.900: 0.152 bits", "0.100: 3.322 bits", "1.000: 0.000 bits"):
        assert line in text, text
    assert "KL(p||q) = 0.737 bits   KL(q||p) = 0.531 bits" in stdout(nb, "cell-019")
    smallest = float(printed(stdout(nb, "cell-019"), r"smallest KL over 10 000 random pairs: ([\d.]+)")[0])
    assert smallest >= 0
    losses = printed(stdout(nb, "cell-034"), r"(?:entropy|C = 2|logistic loss)\s+([\d.]+)")
    assert len(losses) == 3 and len(set(losses)) == 1, losses
    timings = printed(stdout(nb, "cell-044"), r"C =\s+([\d,]+): +[\d.]+ ms per batch")
    assert [c.replace(",", "") for c in timings] == ["10", "100", "1000", "10000"]  # numbers vary: no asserts


@pytest.mark.slow
def test_04b_noise_experiment_says_what_it_printed():
    nb, _ = executed(NOTEBOOKS["04b"])
    out = stdout(nb, "04b-noise-train")
    assert "100 training images, 15 of them with a wrong label; 650 weights" in stdout(nb, "04b-noise-data")
    rows = {(name, float(reg)): tuple(map(float, rest)) for name, reg, *rest in printed(out, NOISE_ROW)}
    # |W| at 1000, |W| at 3000, data loss, train acc, fitted, of, val acc
    svm, svm_reg = rows["SVM", 0.0], rows["SVM", 0.01]
    soft, soft_reg = rows["softmax", 0.0], rows["softmax", 0.01]
    assert svm[0] == svm[1] == 9.5 and svm[2] == 0.0, f"the SVM must stop with loss 0:\n{out}"
    assert soft[1] > soft[0] + 5 and soft[2] > 0, f"softmax's weights must keep growing:\n{out}"
    assert svm[4] == soft[4] == svm[5] == 15, f"without a penalty both fit every wrong label:\n{out}"
    assert (svm[6], soft[6]) == (0.690, 0.740), out
    assert (soft_reg[4], svm_reg[4], soft_reg[6], svm_reg[6]) == (2, 11, 0.837, 0.767), out
    assert "mean q of the wrong labels 0.81 after 3000 steps" in out, out
    assert_says(markdown(nb), "(0.81 after 3 000 steps)", "stays at 9.5", "(0.69 and 0.74)",
                "fits only 2 of the 15 wrong labels (the SVM 11)", "(0.84 against 0.77)")
    assert has_figure(nb, "04b-noise-plot")


# --- 03: gradient descent previewed, weight decay qualified, λ chosen right, MAPE not exact ----


def test_03_previews_gradient_descent_with_a_step_by_hand():
    w, path = -1.0, [-1.0]
    for _ in range(8):
        w -= 0.15 * 2 * (w - 2.0)
        path.append(w)
    assert np.round(path[:3], 2).tolist() == [-1.0, -0.1, 0.53]
    assert round(2 * (path[1] - 2), 1) == -4.2 and round(-0.15 * 2 * (path[1] - 2), 2) == 0.63
    assert np.allclose((np.array(path[1:]) - 2) / (np.array(path[:-1]) - 2), 0.7)
    nb = read("03")
    assert_says(markdown(nb), "the slope is $2(-1 - 2) = -6$", "$-0.15 \\times (-6) = +0.9$, to $-0.1$",
                "the slope is $-4.2$ and the step $0.63$, to $0.53$", "$1 - 2\\eta = 0.7$")
    headings = [c.source.splitlines()[0] for c in nb.cells if c.cell_type == "markdown"]
    preview = headings.index("### A preview: gradient descent")
    section_5 = headings.index("## 5. What λ does to a trained classifier")
    assert preview < headings.index("### Weight decay") < section_5, "preview descent before using it"


def test_03_l2_is_weight_decay_for_plain_gradient_descent_not_for_adam():
    def adam_first_step(g, eta=1e-3, eps=1e-8):
        m_hat, v_hat = g, g**2              # bias-corrected moments after one step
        return eta * m_hat / (np.sqrt(v_hat) + eps)

    eta, lam, w = 1e-3, 0.05, 1.0
    assert np.isclose(adam_first_step(10.0), eta) and np.isclose(adam_first_step(10.0 + 2 * lam * w), eta)
    assert 2 * lam * w == pytest.approx(0.1)
    assert_says(markdown(read("03")), "The two coincide only for plain gradient descent", "AdamW",
                "moves by $\\eta$ whether or not $2\\lambda w = 0.1$ ($\\lambda = 0.05$) is added to it")


def test_03_choosing_lambda_by_the_smallest_loss_has_its_conditions():
    scores, y = cat_car_frog_scores()
    assert round(hinge_loss(scores[:1], y[:1])[0], 2) == 2.9
    assert round(softmax_cross_entropy(scores[:1], y[:1])[0], 2) == 2.04
    assert_says(markdown(read("03")), "Source 03 suggests", "**held-out data**",
                "**data loss without the penalty**", "**same loss**",
                "Hinge and cross-entropy values are not comparable with each other",
                "costs 2.9 under the hinge and 2.04 under softmax")


def test_03_does_not_call_the_mape_likelihood_exact():
    text = markdown(read("03"))
    assert "for the softmax and the regression losses it is exact" not in text
    assert_says(text, "For MAPE it is not", "MAPE is a weighted MAE",
                "a negative log-likelihood only if each example's scale is known in advance")


@pytest.mark.slow
def test_03_sweep_and_templates_say_what_they_printed():
    nb, _ = executed(NOTEBOOKS["03"])
    out = stdout(nb, "cell-017")
    assert "best validation accuracy 0.787 at lambda = 2.2e-02" in out, out
    assert "lowest validation data loss 1.514 at lambda = 1.0e-02" in out, out
    assert re.search(r"training data loss, smallest lambda first: \[0\.\s", out), out
    assert_says(markdown(nb), "the validation data loss is lowest at λ = 1.0·10⁻², the validation accuracy "
                "highest at λ = 2.2·10⁻²", "(here for the smallest λ of the grid, where it is 0.000)")
    assert "w after each step: [-1.    -0.1    0.53" in stdout(nb, "03-gd-preview-plot")
    assert has_figure(nb, "03-gd-preview-plot")
    templates = stdout(nb, "cell-022")
    counts = [int(n) for n in printed(templates, r"weights beyond ±0.5:\s+(\d+) of 640")]
    assert counts == [114, 14, 0], templates
    assert "λ = 1e+00 (            strong)" in templates, "the strong row is λ = 1, the underfitting end"
    assert_says(markdown(nb), "(114 beyond ±0.5, the largest above 1)",
                "training accuracy 1.00, validation 0.69", "only 14 remain", "validation accuracy is 0.79",
                "underfits (validation 0.50)")
    assert has_figure(nb, "cell-022")


# --- 02: where the course departs from source 02 -------------------------------------------


def test_02_says_the_lagrangian_is_not_the_svm_loss():
    text = markdown(read("02"))
    section_8 = text[text.index("## 8. Where this comes from"):text.index("## 9.")]
    assert_says(section_8, "Where this course departs from the source", '"SVM损失"',
                "This course does not call it a loss", "$\\min_{w,b} \\max_{\\alpha \\ge 0} \\mathcal{L}$",
                "is the hinge term of the soft-margin primal above")


def test_04b_says_source_04_sums_where_the_course_averages():
    rng = np.random.default_rng(1)
    z, y = rng.standard_normal(8), rng.integers(0, 2, size=8).astype(float)
    mean_loss, mean_grad = binary_cross_entropy(z, y)
    per_example = -(y * np.log(1 / (1 + np.exp(-z))) + (1 - y) * np.log(1 - 1 / (1 + np.exp(-z))))
    assert np.isclose(per_example.sum(), 8 * mean_loss)  # the source's sum is N times the course's mean
    assert np.allclose(1 / (1 + np.exp(-z)) - y, 8 * mean_grad)
    assert_says(markdown(read("04b")), "Source 04 adds the $N$ losses up; this course averages",
                "a gradient $N$ times smaller")
