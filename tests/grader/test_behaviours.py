"""nbgrader's own autograde behaviours, kept: the flag a notebook may test to skip slow cells, a changed
cell type put back, a runaway cell interrupted while the rest grades, the real cause of an invalid
notebook, and written answers scored as nbgrader scores them."""

from __future__ import annotations

from dataclasses import replace

import nbformat
import pytest
from grading_fixtures import ASSIGNMENT, COURSE, PATIENT, correct_sources, make_submission
from losslab_grader import outputs
from losslab_grader.batch import grade
from losslab_grader.model import Settings

pytestmark = pytest.mark.slow
FULL = 11.0
GOOD = correct_sources()
CELL = 5  # seconds a cell may run at grading in this batch
SLOW_UNLESS_GRADING = """
import os, time
if os.environ.get("NBGRADER_EXECUTION") != "autograde":
    time.sleep(600)  # the documented way to skip a slow cell when nbgrader grades
"""
STUBBORN = """
import signal, time
signal.signal(signal.SIGINT, signal.SIG_IGN)
while True:
    time.sleep(0.1)
"""


def _retyped(path):
    """append_bias's code cell turned into markdown (its text kept), a slip a student makes in JupyterLab."""
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "append_bias":
            nb.cells[i] = nbformat.v4.new_markdown_cell(cell.source, metadata=cell.metadata)
    nbformat.write(nb, path)


def _stripped(path):
    """Every cell's nbgrader metadata gone (a notebook copied through a tool that drops metadata)."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        cell.metadata.pop("nbgrader", None)
    nbformat.write(nb, path)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("behaviours")
    subs = base / "subs"
    make_submission(subs / "skipper.ipynb", GOOD, prepend=SLOW_UNLESS_GRADING)
    _retyped(make_submission(subs / "retyper.ipynb", GOOD))
    make_submission(subs / "runaway.ipynb", GOOD, append="while True:\n    pass")
    _stripped(make_submission(subs / "stripped.ipynb", GOOD))
    make_submission(subs / "writer.ipynb", {**GOOD, "q_templates": "Templates are the rows of W."})
    make_submission(subs / "silent.ipynb", GOOD)
    # every one ends by itself: the patient deadline (the stubborn one, which does not, is graded alone)
    settings = replace(PATIENT, cell_timeout=CELL)
    return grade(ASSIGNMENT, subs, base / "out", course=COURSE, jobs=2, progress=False, settings=settings)


def _row(graded, sid):
    return graded.by_student()[sid]


def test_the_kernel_knows_it_is_being_graded(graded):
    row = _row(graded, "skipper")
    assert (row.status, row.score, row.reason) == ("ok", FULL, "")


def test_a_cell_whose_type_changed_gets_it_back(graded):
    assert (_row(graded, "retyper").status, _row(graded, "retyper").score) == ("ok", FULL)


def test_a_runaway_cell_is_interrupted_and_the_rest_grades(graded):
    row = _row(graded, "runaway")
    assert (row.status, row.score) == ("ok", FULL)
    assert f"interrupted after {CELL} s" in row.reason


def test_a_cell_that_ignores_interrupts_meets_the_submissions_limit(tmp_path):
    make_submission(tmp_path / "subs" / "stubborn.ipynb", GOOD, append=STUBBORN)
    settings = Settings(timeout=45, cell_timeout=CELL)
    o = grade(
        ASSIGNMENT, tmp_path / "subs", tmp_path / "out", course=COURSE, progress=False, settings=settings
    )
    assert [(r.status, r.score) for r in o.rows] == [("timeout", 0)]


def test_a_notebook_without_its_metadata_says_why(graded):
    row = _row(graded, "stripped")
    assert row.status in ("ok", "invalid"), row
    if row.status == "invalid":
        assert "above traceback" not in row.reason and row.reason.strip(), row


def test_written_answers_are_graded_as_nbgrader_grades_them(graded):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{graded.out / 'gradebook.db'}", COURSE.course_id) as gb:
        for sid, answered in (("writer", True), ("silent", False)):
            nb = gb.find_submission(ASSIGNMENT, sid).notebooks[0]
            grade_ = next(g for g in nb.grades if g.name == "q_templates")
            comment = next(c for c in nb.comments if c.name == "q_templates")
            assert grade_.needs_manual_grade == answered
            assert (grade_.auto_score, comment.auto_comment) == (
                (None, None) if answered else (0.0, outputs.NO_RESPONSE)
            )
