"""The instructor's view of a class: which known mistakes it made, by name (and the feedback that names
them), and which submissions look alike.

A class of 02_svm_loss made of every catalogued mistake, correct students, a wrong implementation the
catalogue does not know, and a student with two mistakes in different cells, graded once.
"""

from __future__ import annotations

import csv
import html
import shutil

import pytest
from grading_fixtures import COURSE, PATIENT, correct_sources, make_submission
from losslab_grader import autograde, batch, mistakes
from losslab_grader.similarity import DEFAULT_THRESHOLD

pytestmark = pytest.mark.slow
A = "02_svm_loss"
CATALOGUE = mistakes.load(mistakes.catalogue_path(COURSE.solutions, A))
GOOD = correct_sources(A)
NOVEL = '''def svm_loss_single(scores, y, delta=1.0):
    """Multiclass SVM loss of one example."""
    s = np.asarray(scores, dtype=float)
    return float(np.sum(np.maximum(0.0, s - s[y] + delta)) ** 2)  # squared: no catalogue entry
'''


def _with(*names: str) -> dict[str, str]:
    fill = dict(GOOD)
    for m in CATALOGUE:
        if m.name in names:
            fill[m.cell] = m.apply(fill[m.cell])
    return fill


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("insight")
    subs = base / "subs"
    for m in CATALOGUE:
        make_submission(subs / f"mistake-{m.name}" / A / f"{A}.ipynb", _with(m.name), name=A)
    for sid in ("correct1", "correct2"):
        make_submission(subs / sid / A / f"{A}.ipynb", GOOD, name=A)
    make_submission(subs / "novel" / A / f"{A}.ipynb", {**GOOD, "svm_loss_single": NOVEL}, name=A)
    double = ("single_counts_correct_class", "naive_half_reg_convention")  # different cells
    make_submission(subs / "double" / A / f"{A}.ipynb", _with(*double), name=A)
    o = batch.grade(
        A,
        subs,
        base / "out",
        course=COURSE,
        jobs=2,
        progress=False,
        similarity=DEFAULT_THRESHOLD,
        settings=PATIENT,
    )
    return {"outcome": o, "rows": o.by_student(), "out": base / "out", "double": double}


def _named(row) -> set[str]:
    return {name for names in row.mistakes.values() for name in names}


def test_each_catalogued_mistake_is_named_for_its_student_and_no_other(graded):
    for m in CATALOGUE:
        row = graded["rows"][f"mistake-{m.name}"]
        assert _named(row) == {m.name}, (m.name, row.mistakes)
        assert set(row.mistakes) == set(m.fails), (m.name, row.mistakes)


def test_correct_students_get_no_mistake_and_a_novel_one_is_unrecognised(graded):
    for sid in ("correct1", "correct2"):
        assert not graded["rows"][sid].mistakes
    novel = graded["rows"]["novel"]
    assert novel.scores["test_svm_single"] == 0 and not novel.mistakes
    section = (
        (graded["out"] / "report.html").read_text().split("What the class got wrong")[1].split("<h2>")[0]
    )
    assert "Unrecognised failures" in section and "<td>test_svm_single</td>" in section


def test_two_mistakes_in_different_cells_are_both_found(graded):
    assert _named(graded["rows"]["double"]) == set(graded["double"])


def test_the_report_the_csv_and_the_feedback_name_them(graded):
    m = CATALOGUE[0]
    report = html.unescape((graded["out"] / "report.html").read_text())
    assert m.name in report and m.title in report and m.hint in report
    with open(graded["out"] / "mistakes.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert {
        "student_id": f"mistake-{m.name}",
        "test_cell": m.fails[0],
        "mistake": m.name,
        "title": m.title,
    } in rows
    page = html.unescape((graded["out"] / "feedback" / f"mistake-{m.name}" / f"{A}.html").read_text())
    assert f"Your code behaves like one that {m.title}" in page and m.hint in page


def test_the_known_mistakes_run_once_per_assignment(graded, tmp_path):
    """Their records are kept by content, like the solution's: a second run reads them, runs none
    (two of the students again: one mistake, and two in different cells)."""
    o = graded["outcome"]
    cached = list(COURSE.reference_cache.glob(f"{A}-{o.assignment.key}-mistakes-*.json"))
    assert len(cached) == 1
    for sid in (f"mistake-{CATALOGUE[0].name}", "double"):
        shutil.copytree(graded["out"].parent / "subs" / sid, tmp_path / "subs" / sid)
    again = batch.grade(
        A,
        tmp_path / "subs",
        tmp_path / "out",
        course=COURSE,
        jobs=2,
        progress=False,
        settings=PATIENT,
    )
    assert {r.student_id: r.mistakes for r in again.rows} == {
        sid: graded["rows"][sid].mistakes for sid in (f"mistake-{CATALOGUE[0].name}", "double")
    }
    assert list(COURSE.reference_cache.glob(f"{A}-{o.assignment.key}-mistakes-*.json")) == cached


def test_the_matching_is_timed_in_the_children_and_kept_out_of_the_notebooks(graded):
    """The report's phases include the matching's own seconds (what benchmarks/insight.py divides);
    the autograded notebook and the feedback carry no trace of that accounting."""
    o = graded["outcome"]
    assert 0 < o.timings[batch.MATCHING] < o.timings["grading"] * o.jobs
    assert batch.MATCHING in (graded["out"] / "report.html").read_text()
    for page in (graded["out"] / "autograded").rglob("*.ipynb"):
        assert autograde.MATCHING_KEY not in page.read_text()
