"""nbgrader's exchange as the classroom's users see it (installed into the classroom's environment).

Small subclasses of nbgrader's own exchange classes, selected in each role's
nbgrader_config.py through ``ExchangeFactory``:

* :class:`List` points each graded submission's "view feedback" at the page
  itself (nbgrader points at its folder), and marks a submission made after
  the due date: its time reads "… (late: due …)" in the Assignment List as
  soon as it is made;
* :class:`Submit` says so on the command line too (``nbgrader submit``);
* :class:`Collect` (the instructor's) collects a submission for student S only
  if S's account made it: nbgrader names a submission after the student the
  *submitter* says it is for (``nbgrader submit --student=S``) and only warns
  when the folder's owner differs. A mismatch is moved aside, never collected,
  and listed in ``grading/nbgrader/refused.csv``. The time a submission counts
  with is when its files last changed (their ctime, which no user can set),
  not the time written in its name or its timestamp.txt, which the submitter can.

The due date comes from ``due.txt`` in the released assignment (the classroom's
``release`` writes it): what students see is what the instructor set.
Nothing here is secret, and nothing here grades: grades are decided by the
instructor's grader, which ignores every file a student can write.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import pwd
import shutil
import stat

from nbgrader.exchange.default.collect import ExchangeCollect, groupby
from nbgrader.exchange.default.list import ExchangeList
from nbgrader.exchange.default.submit import ExchangeSubmit
from nbgrader.utils import parse_utc

DUE_FILE = "due.txt"


def due_date(root: str, course_id: str, assignment_id: str):
    """The released assignment's due date (a UTC datetime), or None."""
    try:
        with open(os.path.join(root, course_id, "outbound", assignment_id, DUE_FILE)) as f:
            return parse_utc(f.read().strip())
    except (OSError, ValueError):
        return None


class List(ExchangeList):
    def parse_assignments(self):
        assignments = super().parse_assignments()
        for group in assignments:  # submitted assignments come grouped, with their submissions
            for info in group.get("submissions", []):
                self._mark(info)
        return assignments

    def _mark(self, info: dict) -> None:
        pages = [nb.get("local_feedback_path") for nb in info.get("notebooks", [])]
        if info.get("local_feedback_path") and len(pages) == 1 and pages[0]:
            info["local_feedback_path"] = pages[0]  # the page, not its folder
        due = due_date(self.root, info["course_id"], info["assignment_id"])
        try:
            late = due is not None and parse_utc(info["timestamp"]) > due
        except (KeyError, ValueError):
            late = False
        if late:
            info["timestamp"] = f"{info['timestamp']} (late: due {due:%Y-%m-%d %H:%M} UTC)"


class Submit(ExchangeSubmit):
    def copy_files(self):
        super().copy_files()
        due = due_date(self.root, self.coursedir.course_id, self.coursedir.assignment_id)
        if due is not None and parse_utc(self.timestamp) > due:
            self.log.warning(
                "This submission is LATE: %s was due %s UTC. It is recorded with its time; "
                "your instructor's late policy applies.",
                self.coursedir.assignment_id,
                f"{due:%Y-%m-%d %H:%M}",
            )


class Collect(ExchangeCollect):
    """nbgrader's collect, for submissions whose folder the named student owns; timed by ctime."""

    def init_src(self):
        # nbgrader's own reads a time from each name, which a student chooses (one that does not
        # parse would stop the whole collect): the records are made here instead
        self.course_path = os.path.join(self.root, self.coursedir.course_id)
        self.inbound_path = os.path.join(self.course_path, "inbound")
        if not os.path.isdir(self.inbound_path):
            self.fail(f"Course not found: {self.inbound_path}")
        records = [r for r in (self._checked(f) for f in self._inbound()) if r is not None]
        self.src_records = [
            self._sort_by_timestamp(v)[0] for v in groupby(records, lambda r: r["username"]).values()
        ]

    def _inbound(self) -> list[str]:
        prefix = f"+{self.coursedir.assignment_id}+"
        names = sorted(n for n in os.listdir(self.inbound_path) if prefix in n)
        wanted = self.coursedir.student_id
        return [n for n in names if wanted in ("", "*") or n.split("+", 1)[0] == wanted]

    def _checked(self, filename: str) -> dict | None:
        """The record of a submission its named student made; None (moved aside, listed) otherwise."""
        path = os.path.join(self.inbound_path, filename)
        named = filename.split("+", 1)[0]
        st = os.lstat(path)
        try:
            owner = pwd.getpwuid(st.st_uid).pw_name
        except KeyError:
            owner = f"uid {st.st_uid}"
        if stat.S_ISDIR(st.st_mode) and owner == named:
            return {"username": named, "filename": filename, "timestamp": changed(path)}
        refused = os.path.join(self.course_path, "refused")
        os.makedirs(refused, mode=0o700, exist_ok=True)
        shutil.move(path, os.path.join(refused, filename))
        why = "not a folder" if not stat.S_ISDIR(st.st_mode) else f"made by {owner}"
        self.log.warning("Refused %s: it names %s but was %s", filename, named, why)
        report = os.path.join(self.coursedir.root, "grading", "nbgrader", "refused.csv")
        os.makedirs(os.path.dirname(report), exist_ok=True)
        new = not os.path.exists(report)
        with open(report, "a", newline="") as f:
            w = csv.writer(f)
            if new:
                w.writerow(["assignment", "named_student", "made_by", "submission"])
            w.writerow([self.coursedir.assignment_id, named, owner, filename])
        return None

    def do_copy(self, src, dest):
        super().do_copy(src, dest)
        when = changed(src)  # the time nbgrader reads from the copy is the trusted one
        with open(os.path.join(dest, "timestamp.txt"), "w") as fh:
            fh.write(when.strftime("%Y-%m-%d %H:%M:%S.%f UTC"))


def changed(path: str) -> dt.datetime:
    """When anything in the submission folder last changed (its ctime), as naive UTC."""
    times = [os.lstat(path).st_ctime]
    for dirpath, dirnames, filenames in os.walk(path):
        times += [os.lstat(os.path.join(dirpath, n)).st_ctime for n in dirnames + filenames]
    return dt.datetime.fromtimestamp(max(times), dt.timezone.utc).replace(tzinfo=None)
