"""Grading a classroom's submissions into the tools instructors already use.

``losslab-classroom grade NAME`` (``make classroom-grade``), as root:

1. ``nbgrader collect --update NAME`` as the instructor, with the classroom's
   Collect: each student's latest submission, only if their own account made
   it (a mismatch is moved aside, listed in ``refused.csv`` and named in the
   report), timed by when its files last changed;
2. the grader (:func:`losslab_grader.batch.grade`), here, as root: sandboxed,
   each notebook against the solution's records, with the known mistakes and
   the similarity check;
3. the course's own gradebook (the one the formgrader opens) gets every
   submission with its autograded points and time, and the executed notebooks
   go where nbgrader keeps them (``autograded/<id>/NAME/``): *Manual Grading*
   lists each written answer next to the autograded points, an unanswered one
   scores 0 with nbgrader's "No response.", nothing says *needs autograding*;
4. each feedback page goes back through the exchange (``nbgrader
   release_feedback``), with a late box for a late submission;
5. :func:`.export.export` writes final_grades.csv and lms_grades.csv (again
   after hand grading: ``losslab-classroom export NAME``).
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import pwd
import shutil
from pathlib import Path

from .. import batch, outputs
from ..course import Course
from .accounts import give
from .commands import nbgrader
from .export import Export, export, late_rows
from .state import Classroom, require_root

TIMESTAMP = "%Y-%m-%d %H:%M:%S.%f UTC"


def grade(
    room: Classroom,
    assignment: str,
    per_day: float | None = None,
    jobs: int | None = None,
    similarity: float | None = 0.5,
) -> tuple[Export, object]:
    """Collect, grade, record, return feedback, export; return the export and the grader's outcome."""
    require_root("grading the classroom")
    nbgrader(room, "collect", "--update", assignment)
    grading = room.course / "grading"
    submitted = grading / "nbgrader" / "submitted"
    submitted.mkdir(parents=True, exist_ok=True)
    notes = [
        f"refused (not collected, not graded): a submission naming {named} was made by {by}"
        for named, by in _refused(room, assignment)
    ]
    outcome = batch.grade(
        assignment,
        submitted,
        grading / assignment,
        course=Course(room.course),
        jobs=jobs,
        progress=False,
        similarity=similarity,
        notes=notes,
    )
    times = {r.student_id: _submitted_at(submitted / r.student_id / assignment) for r in outcome.rows}
    outputs.merge_gradebook(room.gradebook, Course(room.course).course_id, assignment, outcome.rows, times)
    _autograded_copies(room, assignment, outcome)
    result = export(room, assignment, per_day)
    _release_feedback(room, assignment, outcome, late_rows(result))
    give(grading, pwd.getpwnam(room.instructor))
    return result, outcome


def _refused(room: Classroom, assignment: str) -> list[tuple[str, str]]:
    path = room.course / "grading" / "nbgrader" / "refused.csv"
    if not path.exists():
        return []
    with open(path, newline="") as f:
        return [
            (r["named_student"], r["made_by"]) for r in csv.DictReader(f) if r["assignment"] == assignment
        ]


def _submitted_at(folder: Path) -> dt.datetime | None:
    from nbgrader.utils import parse_utc

    try:
        return parse_utc((folder / "timestamp.txt").read_text().strip()).replace(tzinfo=None)
    except (OSError, ValueError):
        return None


def _autograded_copies(room: Classroom, assignment: str, outcome) -> None:
    """The executed notebooks where nbgrader keeps them: the formgrader's Manual Grading opens them."""
    dest_root = room.course / "grading" / "nbgrader" / "autograded"
    for row in outcome.rows:
        executed = outcome.out / "autograded" / row.student_id / f"{assignment}.ipynb"
        dest = dest_root / row.student_id / assignment
        shutil.rmtree(dest, ignore_errors=True)
        if executed.exists():
            dest.mkdir(parents=True)
            shutil.copyfile(executed, dest / f"{assignment}.ipynb")


def _release_feedback(room: Classroom, assignment: str, outcome, late: dict[str, dict]) -> None:
    """Each page where nbgrader's release_feedback looks for it (beside the submission's secret); release."""
    submitted = room.course / "grading" / "nbgrader" / "submitted"
    feedback = room.course / "grading" / "nbgrader" / "feedback"
    for row in outcome.rows:
        sub = submitted / row.student_id / assignment
        page = outcome.out / "feedback" / row.student_id / f"{assignment}.html"
        if not page.exists() or not (sub / "submission_secret.txt").exists():
            continue
        dest = feedback / row.student_id / assignment
        dest.mkdir(parents=True, exist_ok=True)
        for name in ("timestamp.txt", "submission_secret.txt"):
            shutil.copyfile(sub / name, dest / name)
        text = page.read_text(encoding="utf-8")
        if row.student_id in late:
            text = text.replace("<body>", "<body>" + late_banner(late[row.student_id]), 1)
        (dest / page.name).write_text(text, encoding="utf-8")
    feedback.mkdir(parents=True, exist_ok=True)
    give(feedback, pwd.getpwnam(room.instructor))
    nbgrader(room, "release_feedback", assignment)


def late_banner(row: dict) -> str:
    return (
        '<div id="losslab-late" style="border:2px solid #b00;padding:8px;margin:8px;font-family:sans-serif">'
        f"<b>Late submission</b>: submitted {html.escape(row['submitted_at'])}, "
        f"{html.escape(row['seconds_late'])} s after the due date {html.escape(row['due'])}. "
        f"Autograded score {html.escape(row['autograded'])} &minus; late penalty "
        f"{html.escape(row['late_penalty'])} (the written answers are graded by hand).</div>"
    )
