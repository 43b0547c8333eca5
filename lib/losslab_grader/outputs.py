"""What a grading run writes besides the report: grades.csv, mistakes.csv, the gradebook, the summary.

The gradebook is nbgrader's own (``nbgrader export`` and the formgrader read
it): every submission with its autograded points, and each written answer
either flagged for a person (answered) or scored 0 with nbgrader's comment
"No response." (left as released), as ``nbgrader autograde`` leaves them.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import warnings
from pathlib import Path

from . import leftovers
from .model import STATUSES, GradeRow, Outcome

#: nbgrader's comment on a written answer left as released (nbgrader.preprocessors.SaveAutoGrades).
NO_RESPONSE = "No response."
#: How the kernels were jailed, as the summary says it (sandbox.py's modes).
MODES = {"root": "bubblewrap, root: a uid per kernel", "userns": "bubblewrap, rootless user namespace"}


def _fmt(x: float) -> str:
    return f"{x:g}"


def write_grades(path: Path, rows: list[GradeRow], tests: dict[str, float]) -> None:
    """grades.csv: student_id, score, max_score, status, then the points of every test cell."""
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["student_id", "score", "max_score", "status", *tests])
        for r in rows:
            w.writerow(
                [
                    r.student_id,
                    _fmt(r.score),
                    _fmt(r.max_score),
                    r.status,
                    *[_fmt(r.scores[t]) for t in tests],
                ]
            )


def write_mistakes(path: Path, rows: list[GradeRow], titles: dict[str, str]) -> None:
    """mistakes.csv: one line per student and failing cell explained by a known mistake."""
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["student_id", "test_cell", "mistake", "title"])
        for r in rows:
            for cell, names in r.mistakes.items():
                for name in names:
                    w.writerow([r.student_id, cell, name, titles.get(name, "")])


def merge_gradebook(db: Path, course_id: str, assignment: str, rows: list[GradeRow],
                    times: dict[str, dt.datetime | None] | None = None) -> None:  # fmt: skip
    """Put every student's autograded points and written answers' state into an nbgrader gradebook.

    db: an nbgrader gradebook that knows the assignment (the run's, or the course's own);
    times: when each student submitted (naive UTC), for nbgrader's lateness.
    """
    from nbgrader.api import Gradebook

    scratch = leftovers.private_folder("losslab-gradebook-")
    work = scratch / db.name  # sqlite commits are cheap in memory; the file is copied back once
    shutil.copyfile(db, work)
    try:
        with warnings.catch_warnings(), Gradebook(f"sqlite:///{work}", course_id) as gb:
            warnings.simplefilter("ignore")  # SQLAlchemy's autoflush notes from inside nbgrader
            for r in rows:
                gb.update_or_create_student(r.student_id)
                when = (times or {}).get(r.student_id)
                sub = gb.update_or_create_submission(
                    assignment, r.student_id, **({"timestamp": when} if when else {})
                )
                for nb in sub.notebooks:
                    for g in nb.grades:
                        _grade_cell(g, r)
            gb.db.commit()
        shutil.copyfile(work, db)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _grade_cell(g, r: GradeRow) -> None:
    if g.cell.cell_type == "code":
        g.auto_score = r.scores.get(g.name, 0.0) if r.status == "ok" else 0.0
        g.needs_manual_grade = False
        return
    comment = next((c for c in g.notebook.comments if c.name == g.name), None)
    if r.status == "ok" and r.answered.get(g.name):
        g.auto_score = None
        g.needs_manual_grade = g.needs_manual_grade if g.manual_score is not None else True  # for a person
        if comment is not None:
            comment.auto_comment = None
        return
    g.auto_score = 0.0
    g.needs_manual_grade = False
    if comment is not None:
        comment.auto_comment = NO_RESPONSE


def summary_paragraph(o: Outcome) -> str:
    n = len(o.rows)
    counts = {s: sum(r.status == s for r in o.rows) for s in STATUSES}
    scores = sorted(r.score for r in o.rows)
    median = scores[n // 2] if n else 0.0
    maxs = o.assignment.max_score
    full = sum(r.score == maxs for r in o.rows)
    worst = ""
    if o.tests and n:
        rates = {t: sum(r.scores[t] == p for r in o.rows) / n for t, p in o.tests.items()}
        t = min(rates, key=rates.get)
        worst = f" The hardest test cell was {t} ({rates[t]:.0%} passed)."
    odd = ", ".join(f"{v} {k}" for k, v in counts.items() if k != "ok" and v)
    text = (
        f"Graded {n} submission(s) in {o.seconds:.1f} s with {o.jobs} worker(s): "
        f"{counts['ok']} graded normally" + (f", {odd}" if odd else "") + ". "
        f"Median {median:g} / {maxs:g} autograded points; {full} full score(s).{worst}"
    )
    if o.manual_points:
        text += f" {o.manual_points:g} manually graded point(s) are not included."
    if o.isolated:
        text += " By their workers' report, kernels" if o.remote else " Kernels"
        text += f" were sandboxed ({MODES.get(o.mode or '', 'mode unknown')})"
        text += f"; memory per submission capped by {o.memory_limit}." if o.memory_limit else "."
    else:
        text += " WARNING: kernels were NOT sandboxed."
    text += f" Report: {o.out / 'report.html'}; grades: {o.grades_csv}."
    return text
