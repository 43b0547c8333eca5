"""The committed example class (grading/examples/) grades exactly as grading/examples/EXPECTED.csv says,
with 2 workers and with 1 (results must not depend on --jobs), and writes every output."""

from __future__ import annotations

import html
import re

import pytest
from grading_fixtures import ASSIGNMENT, COURSE, PATIENT, ROOT, hidden_test_lines
from losslab_grader.batch import grade

EXAMPLES = ROOT / "grading" / "examples"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    out = tmp_path_factory.mktemp("examples") / "out"
    return _grade(out, jobs=2)


def _grade(out, jobs: int):
    subs = EXAMPLES / ASSIGNMENT
    return grade(ASSIGNMENT, subs, out, course=COURSE, jobs=jobs, progress=False, settings=PATIENT)


def test_examples_grade_exactly_as_expected(graded):
    if not graded.isolated:
        pytest.skip("oscar reads solutions/: only the sandbox (root, mount namespaces) keeps that at 0")
    assert graded.grades_csv.read_text() == (EXAMPLES / "EXPECTED.csv").read_text()


def test_jobs_do_not_change_the_grades(graded, tmp_path):
    one = _grade(tmp_path / "out", jobs=1)
    assert one.grades_csv.read_text() == graded.grades_csv.read_text()


def test_outputs_exist(graded):
    out = graded.out
    report = (out / "report.html").read_text()
    for png in ("scores.png", "pass_rate.png"):
        assert (out / png).stat().st_size > 1000
        assert png in report
    for row in graded.rows:
        assert (out / "feedback" / row.student_id / f"{ASSIGNMENT}.html").exists()
        if row.status != "ok":
            assert html.escape(row.reason) in report
    assert (out / "gradebook.db").exists() and (out / "mistakes.csv").exists()


def test_gradebook_holds_the_same_scores(graded):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{graded.out / 'gradebook.db'}", COURSE.course_id) as gb:
        for row in graded.rows:
            sub = gb.find_submission(ASSIGNMENT, row.student_id)
            auto = sum(
                g.auto_score or 0 for nb in sub.notebooks for g in nb.grades if g.cell.cell_type == "code"
            )
            assert auto == pytest.approx(row.score)


def test_feedback_shows_verdicts_and_never_hidden_tests(graded):
    hidden = hidden_test_lines()
    assert hidden, "the assignment should have hidden tests"
    for page in (graded.out / "feedback").rglob("*.html"):
        text = html.unescape(page.read_text())
        for line in hidden:
            assert line not in text, f"{page}: hidden test line shown: {line}"
    page = html.unescape((graded.out / "feedback" / "alice" / f"{ASSIGNMENT}.html").read_text())
    assert "hidden tests run here at grading" in page
    assert "Test test_linear_scores: 3 / 3" in re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    page = html.unescape((graded.out / "feedback" / "bob" / f"{ASSIGNMENT}.html").read_text())
    assert "Test test_append_bias: 0 / 3" in re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
