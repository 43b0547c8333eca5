"""outputs: grades.csv, mistakes.csv and the gradebook, where written answers are either a person's to grade
(answered) or 0 with nbgrader's "No response." (left as released), as nbgrader autograde leaves them."""

from __future__ import annotations

import csv
import shutil

import pytest
from grading_fixtures import ROOT
from losslab_grader import outputs, workspace
from losslab_grader.course import Course
from losslab_grader.model import GradeRow

A = "01_score_function"
TESTS = {"test_linear_scores": 3.0, "test_append_bias": 3.0}


def _row(sid, status="ok", answered=None, **scores):
    s = {t: scores.get(t, 0.0) for t in TESTS}
    return GradeRow(
        sid,
        sum(s.values()),
        6.0,
        status,
        "",
        s,
        answered=answered or {},
        mistakes={"test_append_bias": ["no_ones"]} if sid == "bob" else {},
    )


def test_grades_csv_has_one_line_per_student(tmp_path):
    rows = [_row("amy", test_linear_scores=3.0, test_append_bias=3.0), _row("bob", test_linear_scores=3.0)]
    outputs.write_grades(tmp_path / "grades.csv", rows, TESTS)
    assert (tmp_path / "grades.csv").read_text().splitlines() == [
        "student_id,score,max_score,status,test_linear_scores,test_append_bias",
        "amy,6,6,ok,3,3",
        "bob,3,6,ok,3,0",
    ]
    outputs.write_mistakes(tmp_path / "mistakes.csv", rows, {"no_ones": "forgets the column of ones"})
    with open(tmp_path / "mistakes.csv", newline="") as f:
        assert list(csv.DictReader(f)) == [
            {
                "student_id": "bob",
                "test_cell": "test_append_bias",
                "mistake": "no_ones",
                "title": "forgets the column of ones",
            }
        ]


@pytest.fixture(scope="module")
def gradebook(tmp_path_factory):
    root = tmp_path_factory.mktemp("ws")
    workspace.prepare(Course(ROOT), A, root)
    db = root / "gradebook.db"
    shutil.copyfile(root / "template" / "gradebook.db", db)
    rows = [
        _row("amy", answered={"q_templates": True}, test_linear_scores=3.0),
        _row("bob", answered={"q_templates": False}),
        _row("cid", status="crashed"),
    ]
    outputs.merge_gradebook(db, "losslab", A, rows)
    return db


def test_answered_questions_go_to_a_person_unanswered_ones_score_0(gradebook):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{gradebook}", "losslab") as gb:

        def cell(sid, name):
            nb = gb.find_submission(A, sid).notebooks[0]
            grade = next(g for g in nb.grades if g.name == name)
            comment = next((c for c in nb.comments if c.name == name), None)
            return grade, comment

        g, _ = cell("amy", "test_linear_scores")
        assert g.auto_score == 3.0 and not g.needs_manual_grade
        g, c = cell("amy", "q_templates")
        assert g.auto_score is None and g.needs_manual_grade and not c.auto_comment
        g, c = cell("bob", "q_templates")
        assert g.auto_score == 0.0 and not g.needs_manual_grade and c.auto_comment == outputs.NO_RESPONSE
        g, _ = cell("cid", "test_linear_scores")
        assert g.auto_score == 0.0
        assert gb.find_submission(A, "amy").needs_manual_grade
        assert not gb.find_submission(A, "bob").needs_manual_grade
