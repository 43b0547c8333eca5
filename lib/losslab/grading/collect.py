"""Find each student's notebook in a submissions folder.

Two layouts, also mixed:

* nbgrader's submitted folder: ``<student_id>/<assignment>/<notebook>.ipynb``
  (or ``<student_id>/<notebook>.ipynb``);
* an LMS download, flat: ``<student_id>.ipynb`` or ``<student_id>_<anything>.ipynb``
  (the id is everything before the first underscore).

Each student gets one entry: the notebook to grade, or a status (``missing``,
``invalid``) with the reason. Nothing here runs student code.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.@+\-]*$")


@dataclass
class Entry:
    student_id: str
    notebook: Path | None
    status: str = "ok"  # ok (to grade), missing, invalid
    reason: str = ""


def _check_json(path: Path) -> str:
    """'' if path holds a notebook nbgrader can read, else why not."""
    try:
        if path.stat().st_size > 50 * 1024 * 1024:
            return "the notebook is larger than 50 MB"
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except UnicodeDecodeError:
        return "the file is not UTF-8 text (not a notebook)"
    except json.JSONDecodeError as exc:
        return (
            f"not valid JSON (line {exc.lineno}, column {exc.colno}): the file is damaged or not a notebook"
        )
    except OSError as exc:
        return f"cannot read the file: {exc.strerror}"
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list) or data.get("nbformat") != 4:
        return "valid JSON but not a version-4 Jupyter notebook"
    import warnings

    import nbformat

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. cells without ids in an older notebook: nbgrader copes
            nb = nbformat.reads(json.dumps(data), as_version=4)
            nbformat.validate(nb)
    except Exception as exc:  # nbformat's ValidationError and friends
        return f"not a valid notebook: {str(exc).splitlines()[0][:200]}"
    return ""


def collect(submissions: Path, assignment: str) -> tuple[list[Entry], list[str]]:
    """Entries sorted by student id, and warnings (files that were skipped)."""
    submissions = Path(submissions)
    if not submissions.is_dir():
        raise FileNotFoundError(f"submissions folder {submissions} does not exist")
    wanted = f"{assignment}.ipynb"
    found: dict[str, list[Path]] = {}
    dirs: set[str] = set()
    warnings: list[str] = []
    for item in sorted(submissions.iterdir()):
        if item.name.startswith("."):
            continue
        if item.is_dir():
            sid = item.name
            dirs.add(sid)
            inner = item / assignment if (item / assignment).is_dir() else item
            nbs = sorted(p for p in inner.glob("*.ipynb") if not p.name.startswith("."))
            exact = [p for p in nbs if p.name == wanted]
            if exact:
                found.setdefault(sid, []).append(exact[0])
            elif nbs:
                names = ", ".join(p.name for p in nbs)
                found.setdefault(sid, [])
                warnings.append(f"{sid}: no {wanted} (found {names})")
            else:
                found.setdefault(sid, [])
        elif item.suffix == ".ipynb":
            stem = item.stem
            sid = stem.split("_", 1)[0] if "_" in stem else stem
            found.setdefault(sid, []).append(item)
    entries = []
    for sid in sorted(found):
        paths = found[sid]
        if not _SAFE_ID.match(sid):
            warnings.append(f"skipped {sid!r}: not a usable student id")
            continue
        if not paths:
            note = next((w.split(": ", 1)[1] for w in warnings if w.startswith(f"{sid}: ")), f"no {wanted}")
            entries.append(
                Entry(
                    sid,
                    None,
                    "missing",
                    f"{note}: nothing to grade (renamed notebooks are not graded; rename it and grade again)",
                )
            )
            continue
        path = max(paths, key=lambda p: (p.stat().st_mtime, p.name))  # the latest of several uploads
        if len(paths) > 1:
            warnings.append(f"{sid}: {len(paths)} notebooks, graded the latest ({path.name})")
        problem = _check_json(path)
        if problem:
            entries.append(Entry(sid, path, "invalid", problem))
        else:
            entries.append(Entry(sid, path))
    return entries, warnings
