"""Releasing an assignment to the class, with its due date where students see it.

``losslab-classroom release NAME [--due "2026-12-08 23:59 UTC"]`` (``make
classroom-release``), as the instructor, in their course:

1. ``nbgrader generate_assignment NAME`` records the assignment's cells in the
   course's gradebook (the formgrader's *Manual Grading* and nbgrader's
   autograde need them; the release it writes is the committed one);
2. the due date goes into the gradebook (``nbgrader db assignment add``), which
   lateness is computed from;
3. ``nbgrader release_assignment NAME``;
4. the released copy gets the due date where a student sees it: ``due.txt``
   beside the notebook (the Assignment List marks a later submission late from
   it) and a first cell of the notebook that states it.
"""

from __future__ import annotations

import datetime as dt
import pwd

import nbformat
from nbgrader.utils import parse_utc

from .accounts import give
from .commands import nbgrader
from .state import COURSE_ID, Classroom

DUE_FILE = "due.txt"  # the name losslab_classroom_exchange reads


def release(room: Classroom, assignment: str, due: str | None) -> dt.datetime | None:
    """Release assignment to the class, due at due (UTC, as nbgrader parses it); return the due date."""
    when = parse_utc(due).replace(tzinfo=None) if due else None
    nbgrader(room, "generate_assignment", assignment, "--force")
    if when is not None:
        nbgrader(room, "db", "assignment", "add", assignment, f"--duedate={when:%Y-%m-%d %H:%M:%S} UTC")
    nbgrader(room, "release_assignment", assignment, "--force")
    if when is not None:
        _mark_due(room, assignment, when)
    return when


def _mark_due(room: Classroom, assignment: str, when: dt.datetime) -> None:
    released = room.exchange / COURSE_ID / "outbound" / assignment
    stamp = f"{when:%Y-%m-%d %H:%M:%S} UTC"
    (released / DUE_FILE).write_text(stamp + "\n")
    for path in released.glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        note = (
            f"**Due: {stamp}.** Submit from *Nbgrader → Assignment List*; a submission after this time "
            "is marked late there and in your feedback."
        )
        nb.cells.insert(0, nbformat.v4.new_markdown_cell(note))
        nbformat.write(nb, path)
    give(released, pwd.getpwnam(room.instructor))
    for path in released.rglob("*"):
        path.chmod(0o644 if path.is_file() else 0o755)
