"""The whole grade, out of the course's gradebook: autograded plus hand-graded points, the late penalty.

``losslab-classroom export NAME [--late-penalty F]`` (``make classroom-export``)
reads the gradebook the formgrader writes to (nbgrader's own API), so the points
an instructor gives written answers in *Manual Grading* are in it, and writes
into ``grading/NAME/`` of the course:

* ``final_grades.csv``: ``student_id, autograded, manual, score, max_score,
  status, needs_manual_grading, submitted_at, seconds_late, late_penalty,
  final_score``, one row per roster student (``missing`` for one who submitted
  nothing, or whose only submission was refused);
* ``lms_grades.csv``: the same final scores in the column layout Canvas's
  gradebook import reads (Moodle's CSV import maps it).

Lateness compares the submission's time (when its files last changed, recorded
by the classroom's collect) with the assignment's due date in the gradebook;
with a penalty ``F`` a late submission loses ``F × max_score`` per started day,
never below 0.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

from .state import COURSE_ID, Classroom

#: The column layout Canvas's gradebook import reads (and Moodle's CSV import maps).
LMS_HEADER = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
COLUMNS = [
    "student_id",
    "autograded",
    "manual",
    "score",
    "max_score",
    "status",
    "needs_manual_grading",
    "submitted_at",
    "seconds_late",
    "late_penalty",
    "final_score",
]


@dataclass
class Export:
    final: Path
    lms: Path
    rows: list[dict[str, str]]


def late_penalty(seconds_late: float, max_score: float, per_day: float | None) -> float:
    """Points off: per_day (a fraction of max_score) for every started day late, at most max_score."""
    if not per_day or seconds_late <= 0:
        return 0.0
    return min(max_score, math.ceil(seconds_late / 86400) * per_day * max_score)


def export(room: Classroom, assignment: str, per_day: float | None = None) -> Export:
    """final_grades.csv and lms_grades.csv of assignment, from the course's gradebook."""
    from nbgrader.api import Gradebook, MissingEntry

    out = room.course / "grading" / assignment
    out.mkdir(parents=True, exist_ok=True)
    statuses = _statuses(out / "grades.csv")
    rows = []
    with Gradebook(f"sqlite:///{room.gradebook}", COURSE_ID) as gb:
        a = gb.find_assignment(assignment)
        for sid in room.students:
            try:
                sub = gb.find_submission(assignment, sid)
            except MissingEntry:
                sub = None
            rows.append(_row(sid, a, sub, statuses.get(sid, "missing"), per_day))
    final, lms = out / "final_grades.csv", out / "lms_grades.csv"
    with open(final, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    with open(lms, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow([*LMS_HEADER, assignment])
        for r in rows:
            w.writerow([r["student_id"], "", "", r["student_id"], "", r["final_score"]])
    return Export(final, lms, rows)


def _statuses(grades: Path) -> dict[str, str]:
    if not grades.exists():
        return {}
    with open(grades, newline="", encoding="utf-8") as f:
        return {r["student_id"]: r["status"] for r in csv.DictReader(f)}


def _row(sid: str, assignment, sub, status: str, per_day: float | None) -> dict[str, str]:
    max_score = float(assignment.max_score)
    if sub is None or status == "missing":
        return {
            "student_id": sid,
            "autograded": "0",
            "manual": "0",
            "score": "0",
            "max_score": f"{max_score:g}",
            "status": "missing",
            "needs_manual_grading": "0",
            "submitted_at": "",
            "seconds_late": "0",
            "late_penalty": "0",
            "final_score": "0",
            "due": "",
        }
    grades = [g for nb in sub.notebooks for g in nb.grades]
    auto = sum(g.auto_score or 0.0 for g in grades if g.manual_score is None)
    manual = sum(g.manual_score for g in grades if g.manual_score is not None)
    pending = sum(1 for g in grades if g.needs_manual_grade)
    score = auto + manual
    due = assignment.duedate
    late = max(0.0, (sub.timestamp - due).total_seconds()) if (sub.timestamp and due) else 0.0
    penalty = late_penalty(late, max_score, per_day)
    return {
        "student_id": sid,
        "autograded": f"{auto:g}",
        "manual": f"{manual:g}",
        "score": f"{score:g}",
        "max_score": f"{max_score:g}",
        "status": status,
        "needs_manual_grading": str(pending),
        "submitted_at": _utc(sub.timestamp),
        "seconds_late": str(math.ceil(late)),
        "late_penalty": f"{penalty:g}",
        "final_score": f"{max(0.0, score - penalty):g}",
        "due": _utc(due),
    }


def _utc(when: dt.datetime | None) -> str:
    return f"{when:%Y-%m-%d %H:%M:%S} UTC" if when else ""


def late_rows(result: Export) -> dict[str, dict[str, str]]:
    """The rows of late submissions, by student id (their feedback opens with a late box)."""
    return {r["student_id"]: r for r in result.rows if r["seconds_late"] != "0"}
