"""The second edition of the lectures (issue 10): what it added must stay there, and stay true.

Static checks read the notebooks as committed. The slow ones look at the
outputs of the executed lectures (through notebook_runner's session cache, so
no lecture runs twice) and check the numbers the new sections print.
"""

from __future__ import annotations

import re

import nbformat
import pytest
from notebook_runner import NOTEBOOK_DIR, executed, lecture_notebooks

#: "01" ... "07", and "04a", "04b" for lecture 04 in two parts
NOTEBOOKS = {path.name.split("_")[0]: path for path in lecture_notebooks()}
TRY_IT = re.compile(r"\*\*Try it")
ANSWER = "<details><summary>Answer</summary>"


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


def test_all_seven_lectures_are_here():
    expected = ["01", "02", "03", "04a", "04b", "05", "06", "07"]
    assert sorted(NOTEBOOKS) == expected, f"lectures in {NOTEBOOK_DIR}: {sorted(NOTEBOOKS)}"


# --- lecture 04 in two parts (issue 10: at 4 559 words it was twice the others) ---------------

#: a part of 04 above this many markdown words is no longer half of the old lecture
PART_WORDS = 2_800


def words(nb: nbformat.NotebookNode) -> int:
    return len(markdown(nb).split())


def whats_next(nb: nbformat.NotebookNode) -> str:
    cells = [c.source for c in nb.cells
             if c.cell_type == "markdown" and c.source.startswith("## What's next")]
    assert len(cells) == 1, "one '## What's next' cell"
    return cells[0]


def test_04_is_two_parts_and_the_whole_is_gone():
    for name in ("04a_softmax.ipynb", "04b_cross_entropy.ipynb"):
        assert (NOTEBOOK_DIR / name).is_file(), f"{name} is missing"
    assert not (NOTEBOOK_DIR / "04_softmax_cross_entropy.ipynb").exists(), "the unsplit lecture 04 is back"
    assert read("04a").cells[0].source.startswith("# 04a · Softmax and the softmax loss")
    assert read("04b").cells[0].source.startswith("# 04b · Cross-entropy, from information theory")


@pytest.mark.parametrize("part", ["04a", "04b"])
def test_each_part_of_04_is_about_half(part):
    count, other = words(read(part)), words(read("04b" if part == "04a" else "04a"))
    assert count < PART_WORDS, f"{part} has {count} markdown words: more than half of the old 04 (4 559)"
    assert count > (count + other) / 3, f"{part}: {count} markdown words, the other part {other}: unbalanced"
    headings = [c.source.split("\n")[0] for c in read(part).cells if c.cell_type == "markdown"]
    for heading in ("## Summary", "## Glossary", "## What's next"):
        assert heading in headings, f"{part} has no {heading!r} of its own"
    assert any(TRY_IT.search(c.source) for c in read(part).cells if c.cell_type == "markdown"), (
        f"{part} has no **Try it**"
    )


def test_the_parts_of_04_lead_on_in_order():
    a, b = whats_next(read("04a")), whats_next(read("04b"))
    assert "(04b_cross_entropy.ipynb)" in a, "04a's What's next must lead to 04b"
    assignment = "(../assignments/04_softmax_cross_entropy/04_softmax_cross_entropy.ipynb)"
    lecture_05 = "(05_regression_losses.ipynb)"
    assert assignment in b and lecture_05 in b, "04b's What's next must name assignment 04 and lecture 05"
    assert b.index(assignment) < b.index(lecture_05), "assignment 04 (both parts) comes before lecture 05"
    assert "(04a_softmax.ipynb)" in whats_next(read("03")), "03's What's next must lead to 04a"


@pytest.mark.parametrize("number", sorted(NOTEBOOKS))
def test_every_try_it_has_an_answer(number):
    unanswered = []
    for c in read(number).cells:
        if c.cell_type != "markdown" or not TRY_IT.search(c.source):
            continue
        last_prompt = list(TRY_IT.finditer(c.source))[-1].start()
        answer = c.source.find(ANSWER, last_prompt)
        if answer < 0 or "</details>" not in c.source[answer:]:
            unanswered.append(f"cell {c.get('id')}: {c.source[last_prompt:last_prompt + 70]!r}")
    assert not unanswered, (
        f"every **Try it** needs a collapsed answer after it in the same cell ({ANSWER} ... </details>):\n"
        + "\n".join(unanswered)
    )


def test_notation_table_in_01_and_linked_from_every_other_lecture():
    notation = [
        c.source for c in read("01").cells if c.cell_type == "markdown" and c.source.startswith("## Notation")
    ]
    assert notation, "lecture 01 must hold the course's notation table under a '## Notation' heading"
    for symbol in (r"$\lambda$", r"$\kappa$", r"$\nu$", r"$N$", r"$C$", r"$\eta$"):
        assert symbol in notation[0], f"the notation table does not list {symbol}"
    for number in sorted(NOTEBOOKS):
        if number != "01":
            assert "01_score_function.ipynb#Notation" in markdown(read(number)), (
                f"lecture {number} must link to the notation table (01_score_function.ipynb#Notation)"
            )


@pytest.mark.parametrize(
    ("number", "forbidden", "why"),
    [
        ("02", "at price $C$", "C is the number of classes; the SVM's price per violation is κ"),
        ("02", r"\frac{1}{2CN}", "the SVM's price per violation is κ, not C"),
        ("05", r"\frac{1}{n}", "the number of elements is N in every lecture"),
        ("06", r"\lambda_{\max}", "λ is the regularization strength; Hessian eigenvalues are ν"),
        ("06", r"\lambda_{\min}", "λ is the regularization strength; Hessian eigenvalues are ν"),
        ("06", "always steps perpendicular to the contour", "true only on equal axis scales; qualify it"),
        ("02", "closest convex function", "no unique closest convex upper bound of the 0–1 loss exists"),
        ("03", r"soft-threshold $\max(|w|", "the soft-threshold keeps the sign: sign(w)·max(|w| − step, 0)"),
        ("04b", "Keras guards against that by clipping", "logits are used; clipping is a fallback"),
    ],
)
def test_first_edition_mistakes_stay_fixed(number, forbidden, why):
    assert forbidden not in markdown(read(number)), f"lecture {number} says {forbidden!r} again: {why}"


@pytest.mark.parametrize("number", sorted(NOTEBOOKS))
def test_slider_figures_state_their_values(number):
    for c in read(number).cells:
        if c.cell_type == "code" and re.search(r"^interactive\(", c.source, re.MULTILINE):
            assert "sliders:" in c.source, (
                f"cell {c.get('id')}: a slider figure must print its slider values in a title "
                "('sliders: ...'), so the static copy (LOSSLAB_STATIC=1) says which setting it shows"
            )


@pytest.mark.parametrize("number", ["03", "04a", "07"])
def test_digits_are_scaled_alike(number):
    code = "\n".join(c.source for c in read(number).cells if c.cell_type == "code")
    assert re.search(r"X_train(\[[^\]]*\])? / 16", code), (
        f"lecture {number} must divide the digits' pixels by 16, like 03, 04a and 07, "
        "so that learning rates compare"
    )


def test_07_writes_the_sgd_loop_out_before_the_library_call():
    sources = [c.source for c in read("07").cells if c.cell_type == "code"]
    loop = next(i for i, s in enumerate(sources) if s.startswith("def train_sgd("))
    library = next(i for i, s in enumerate(sources) if ".train(" in s)
    assert loop < library, "the SGD loop must be written out before LinearSVM/Softmax.train is used"


# --- executed ----------------------------------------------------------------


@pytest.mark.slow
def test_07_sgd_loop_is_the_library_and_early_stopping_stops():
    nb, _ = executed(NOTEBOOKS["07"])
    same = stdout(nb, "07-sgd-same")
    assert "same weights as train_sgd: True" in same and "same loss history: True" in same, same
    text = stdout(nb, "07-es-run")
    best = re.search(r"lowest validation loss ([\d.]+) at step (\d+); stopped at step (\d+)", text)
    last = re.search(r"no stopping:\s+validation loss ([\d.]+) after (\d+) steps", text)
    assert best and last, f"unexpected output of the early-stopping cell:\n{text}"
    best_loss, best_step, stop_step = float(best[1]), int(best[2]), int(best[3])
    last_loss, budget = float(last[1]), int(last[2])
    assert best_step < stop_step < budget, f"early stopping must stop before the budget: {text}"
    assert last_loss > best_loss + 0.1, f"the validation loss must visibly rise after the kept W: {text}"
    figure = [o for o in cell(nb, "07-es-plot").outputs if "image/png" in o.get("data", {})]
    assert figure, "the early-stopping figure is missing"


@pytest.mark.slow
def test_07_l1_gives_exact_zeros_and_l2_none():
    nb, _ = executed(NOTEBOOKS["07"])
    text = stdout(nb, "07-l1-train")
    rows = re.finditer(r"^\s*([\d.e-]+)\s+(\d+) of 640", text, re.MULTILINE)
    zeros = {float(m[1]): int(m[2]) for m in rows}
    assert zeros.get(0.0) == 0, f"without a penalty no weight should be exactly zero:\n{text}"
    positive = [zeros[k] for k in sorted(zeros) if k > 0]
    assert positive and positive[0] > 0 and positive == sorted(positive), (
        f"L1 zeros must appear and grow with λ:\n{text}"
    )
    assert "the best L2 softmax model of the search: 0 exact zeros" in text, text
    for slice_cell in ("07-slice-1d",):  # the 1-D and 2-D slices share one figure
        outputs = cell(nb, slice_cell).outputs
        assert any("image/png" in o.get("data", {}) for o in outputs), f"{slice_cell}: no figure"


@pytest.mark.slow
def test_02_variants_and_scikit_learns_hinge_loss():
    text = stdout(executed(NOTEBOOKS["02"])[0], "nb02-29b")
    assert "Weston-Watkins: per image [ 2.9  0.  12.9], mean 5.27" in text, text
    assert "Crammer-Singer: per image [2.9 0.  6.6], mean 3.17" in text, text
    assert "sklearn.metrics.hinge_loss: 3.17  (= Crammer-Singer)" in text, text


@pytest.mark.slow
def test_probabilistic_thread_checks_agree():
    text = stdout(executed(NOTEBOOKS["05"])[0], "nb05-prob-check")
    for line in text.strip().splitlines():
        left, right = re.findall(r"NLL ([\d.]+) .*= ([\d.]+)$", line)[0]
        assert left == right, f"negative log-likelihood and loss + constant disagree: {line}"
    text = stdout(executed(NOTEBOOKS["03"])[0], "cell-028b")
    differences = set(re.findall(r"difference ([\d.]+)", text))
    assert len(differences) == 1, f"−log prior − L2 penalty must be one constant for every W:\n{text}"
    text = stdout(executed(NOTEBOOKS["04b"])[0], "cell-031")
    for analytic, numeric in re.findall(r"sigma\(z\) - y = ([+-][\d.]+),\s+numerically ([+-][\d.]+)", text):
        assert analytic == numeric, text


@pytest.mark.slow
def test_the_parts_of_04_print_the_canonical_numbers():
    nb, _ = executed(NOTEBOOKS["04a"])
    assert "-ln(q_cat)  = 2.04" in stdout(nb, "cell-003") and "-log10(q_cat) = 0.89" in stdout(nb, "cell-003")
    per_image = stdout(nb, "cell-005")
    for line in ("cat image: loss 2.040", "car image: loss 0.079", "frog image: loss 6.156"):
        assert line in per_image, per_image
    assert "ln(10) = 2.3026" in stdout(nb, "cell-029"), stdout(nb, "cell-029")
    nb, _ = executed(NOTEBOOKS["04b"])
    text = stdout(nb, "cell-021")  # 04b loads the cat scores itself: 04a's variables are not there
    assert "H(p, q) = 2.040" in text and "softmax loss = 2.040" in text, text
