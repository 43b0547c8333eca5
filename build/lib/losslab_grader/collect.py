"""Find each student's notebook in a submissions folder, trusting nothing in it.

Two layouts, also mixed:

* nbgrader's submitted folder: ``<student_id>/<assignment>/<notebook>.ipynb``
  (or ``<student_id>/<notebook>.ipynb``); the folder name is the id, and may
  hold underscores (``jane_doe``);
* an LMS download, flat: ``<student_id>.ipynb`` or ``<student_id>_<anything>.ipynb``
  (the id is everything before the first underscore).

Nothing here opens a notebook: entries are found with ``lstat`` (symlinks,
FIFOs and devices are never followed or opened), and the notebook is read
later, inside a grading child under its limits. Every student found gets an
entry: the notebook to grade, or a status (``missing``, ``invalid``) with the
reason. A name that is not a usable id (control characters, a newline, a
comma...) still gets a row, under a safe id derived from it.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

#: A student id: safe in a CSV cell, a file name and an HTML page. Matched in full.
SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+\-]{0,63}")


@dataclass
class Entry:
    student_id: str
    notebook: Path | None
    status: str = "ok"  # ok (to grade), missing, invalid
    reason: str = ""


def safe_id(name: str) -> tuple[str, str]:
    """(id, '') when name is a usable id, else (a safe id derived from it, why it was replaced)."""
    if SAFE_ID.fullmatch(name):
        return name, ""
    digest = hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:10]
    return f"unnamed-{digest}", f"the name {name!r} is not a usable student id"


def _regular(path: Path) -> str:
    """'' when path is a regular file (not followed if a symlink), else what it is."""
    try:
        mode = os.lstat(path).st_mode
    except OSError as exc:
        return f"cannot read it: {exc.strerror}"
    if stat.S_ISLNK(mode):
        return "a symbolic link (never followed)"
    if not stat.S_ISREG(mode):
        return "not a regular file"
    return ""


def _notebooks(folder: Path) -> list[Path]:
    with os.scandir(folder) as it:
        return sorted(Path(e.path) for e in it if e.name.endswith(".ipynb") and not e.name.startswith("."))


def collect(submissions: Path, assignment: str) -> tuple[list[Entry], list[str]]:
    """Entries sorted by student id, and warnings."""
    submissions = Path(submissions)
    if not submissions.is_dir():
        raise FileNotFoundError(f"submissions folder {submissions} does not exist")
    wanted = f"{assignment}.ipynb"
    found: dict[str, list[Path]] = {}
    problems: dict[str, str] = {}
    warnings: list[str] = []
    with os.scandir(submissions) as it:
        items = sorted(it, key=lambda e: e.name)
    for item in items:
        if item.name.startswith("."):
            continue
        if item.is_dir(follow_symlinks=False):
            sid, why = safe_id(item.name)
            found.setdefault(sid, [])
            if why:
                problems[sid] = why
                continue
            inner = Path(item.path) / assignment
            inner = inner if inner.is_dir() and not inner.is_symlink() else Path(item.path)
            nbs = _notebooks(inner)
            exact = [p for p in nbs if p.name == wanted]
            if exact:
                found[sid].append(exact[0])
            elif nbs:
                problems[sid] = f"no {wanted} (found {', '.join(p.name for p in nbs)})"
        elif item.name.endswith(".ipynb"):
            stem = item.name[: -len(".ipynb")]
            sid, why = safe_id(stem.split("_", 1)[0])
            found.setdefault(sid, []).append(Path(item.path))
            if why:
                problems[sid] = why
        elif item.is_symlink():  # a link to a folder or a file elsewhere: never followed
            sid, why = safe_id(item.name.split("_", 1)[0])
            found.setdefault(sid, [])
            problems.setdefault(sid, why or f"{item.name!r} is a symbolic link, which is never followed")
    return [
        _entry(sid, found[sid], problems.get(sid, ""), wanted, warnings) for sid in sorted(found)
    ], warnings


def _entry(sid: str, paths: list[Path], problem: str, wanted: str, warnings: list[str]) -> Entry:
    if problem and ("not a usable" in problem or "symbolic link" in problem):
        return Entry(sid, None, "invalid", f"{problem}: nothing graded")
    if problem and not paths:
        return Entry(
            sid,
            None,
            "missing",
            f"{problem}: nothing to grade (renamed notebooks are not graded; rename it and grade again)",
        )
    if not paths:
        return Entry(
            sid,
            None,
            "missing",
            f"no {wanted}: nothing to grade (renamed notebooks are not graded; rename it and grade again)",
        )
    regular = [(p, _regular(p)) for p in paths]
    bad = [f"{p.name}: {why}" for p, why in regular if why]
    good = [p for p, why in regular if not why]
    if not good:
        return Entry(sid, None, "invalid", "; ".join(bad)[:300])
    path = max(good, key=lambda p: (os.lstat(p).st_mtime, p.name))  # the latest of several uploads
    if len(paths) > 1:
        warnings.append(f"{sid}: {len(paths)} notebooks, graded the latest ({path.name})")
    return Entry(sid, path)
