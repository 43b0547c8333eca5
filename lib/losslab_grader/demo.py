"""Example classes: submissions built from a course's release, for the demo, the benchmark and the tests.

``losslab-grade-demo`` (``make grade-demo``) grades the committed example class
(``grading/examples/01_score_function``: correct, partly correct, empty,
broken and hostile submissions) into ``grading/demo/``;
``losslab-grade-demo --make-examples`` rebuilds that class from the current
release. :func:`make_submission` and :func:`make_class` build others: the
released notebook with chosen solution cells filled in, edited or deleted.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import shutil
import sys
from pathlib import Path

import nbformat

from .course import Course

ASSIGNMENT = "01_score_function"

#: Wrong stubs of assignment 01, each losing the points of its own test cell.
WRONG = {
    "linear_scores": "def linear_scores(W, X, b=None):\n    return np.zeros((len(X), np.shape(W)[1]))",
    "append_bias": "def append_bias(X):\n    return np.asarray(X, dtype=float)  # forgot the column of ones",
    "predict_labels": "def predict_labels(scores):\n    return np.asarray(scores).argmin(axis=1)",
}

#: A submission that rebinds numpy's and the course's checks in its own kernel (it earns nothing).
TAMPER = """
import numpy as _np
import losslab.checks as _lc
from contextlib import contextmanager

_np.allclose = lambda *a, **k: True
_np.testing.assert_allclose = lambda *a, **k: None
_np.testing.assert_array_equal = lambda *a, **k: None

def check_close(*a, **k):
    pass

def check_shape(*a, **k):
    pass

def check_true(*a, **k):
    pass

def own_work(name, forbidden, fn, *a, **k):
    return fn(*a, **k)

@contextmanager
def case(name):
    try:
        yield
    except BaseException:
        pass

try:
    _lc.__dict__["check_close"] = check_close
    _lc.__dict__["case"] = case
    _lc.check_close.__code__ = check_close.__code__
except Exception:
    pass
import losslab.scores as _ls
for _n in dir(_ls):
    if not _n.startswith("_") and callable(getattr(_ls, _n)):
        setattr(_ls, _n, lambda *a, **k: _np.zeros((1, 1)))
"""

#: A student who looks for the instructor's solutions next to the package.
SNOOP = """import json
from pathlib import Path
import losslab

root = Path(losslab.__file__).resolve().parents[2]
for nb in (root / "solutions" / "01_score_function").glob("*.ipynb"):
    for cell in json.loads(nb.read_text())["cells"]:
        src = "".join(cell["source"])
        if "BEGIN SOLUTION" in src and "def " in src:
            try:
                exec(src, globals())
            except Exception:
                pass
"""


def release_notebook(course: Course, name: str = ASSIGNMENT) -> nbformat.NotebookNode:
    return nbformat.read(course.root / "assignments" / name / f"{name}.ipynb", as_version=4)


def correct_sources(course: Course, name: str = ASSIGNMENT) -> dict[str, str]:
    """{solution grade_id: the instructor's solution source without the BEGIN/END SOLUTION lines}."""
    out = {}
    for cell in nbformat.read(course.source(name), as_version=4).cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("solution"):
            lines = [ln for ln in cell.source.splitlines() if not re.search(r"### (BEGIN|END) SOLUTION", ln)]
            out[meta["grade_id"]] = "\n".join(lines)
    return out


def make_submission(
    course: Course,
    path: Path,
    fill: dict[str, str] | None = None,
    *,
    name: str = ASSIGNMENT,
    edit: dict[str, str] | None = None,
    delete: tuple[str, ...] = (),
    append: str | None = None,
    prepend: str | None = None,
) -> Path:
    """Write a student notebook to path: the release with some cells changed.

    fill: solution grade_id -> new source (others keep the release stub); edit: any grade_id -> new
    source (a student "fixing" a test cell); delete: grade_ids whose cells the student deleted;
    prepend/append: a code cell put before the first filled cell / at the end.
    """
    nb = copy.deepcopy(release_notebook(course, name))
    fill, edit = fill or {}, edit or {}
    cells, prepended = [], prepend is None
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in delete:
            continue
        if not prepended and gid in fill:
            cells.append(nbformat.v4.new_code_cell(prepend))
            prepended = True
        cell.source = edit.get(gid, fill.get(gid, cell.source))
        cells.append(cell)
    if append is not None:
        cells.append(nbformat.v4.new_code_cell(append))
    nb.cells = cells
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def make_class(course: Course, folder: Path, n: int, name: str = ASSIGNMENT) -> list[str]:
    """n submissions in nbgrader's layout, s000 …: correct, or with one of two wrong stubs (01 only)."""
    good = correct_sources(course, name)
    variants = (
        [
            good,
            {**good, "append_bias": WRONG["append_bias"]},
            {**good, "predict_labels": WRONG["predict_labels"]},
            good,
        ]
        if name == ASSIGNMENT
        else [good]
    )
    ids = []
    for i in range(n):
        sid = f"s{i:03d}"
        make_submission(course, folder / sid / name / f"{name}.ipynb", variants[i % len(variants)], name=name)
        ids.append(sid)
    return ids


def write_bad_json(course: Course, path: Path) -> Path:
    """The release cut in the middle: not JSON any more."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(json.loads(nbformat.writes(release_notebook(course))))
    path.write_text(text[: len(text) // 2])
    return path


def make_examples(course: Course) -> Path:
    """grading/examples/01_score_function/ rebuilt from the current release."""
    d = course.grading / "examples" / ASSIGNMENT
    shutil.rmtree(d, ignore_errors=True)
    good = correct_sources(course)
    make_submission(course, d / "alice.ipynb", good)  # correct: full marks
    make_submission(course, d / "bob_attempt2.ipynb", {**good, "append_bias": WRONG["append_bias"]})
    make_submission(course, d / "2024001_hw1.ipynb", {**good, "predict_labels": WRONG["predict_labels"]})
    make_submission(course, d / "carol.ipynb")  # untouched release: empty
    write_bad_json(course, d / "dave.ipynb")  # broken: not JSON
    make_submission(course, d / "eve_cheat.ipynb", dict(WRONG), prepend=TAMPER)  # rebinds the checks
    make_submission(course, d / "mallory.ipynb", good, prepend="import os\nos._exit(3)")  # kills its kernel
    make_submission(course, d / "oscar.ipynb", {"linear_scores": SNOOP + "\n"})  # reads solutions/
    return d


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="losslab-grade-demo", description=__doc__.split("\n\n")[0])
    p.add_argument("--make-examples", action="store_true", help="rebuild grading/examples/ and exit")
    p.add_argument("--course", type=Path, default=None, help="the course folder (default: the checkout)")
    p.add_argument("--out", type=Path, default=None, help="default: grading/demo/ of the course")
    p.add_argument("--jobs", type=int, default=None)
    args = p.parse_args(argv)
    course = Course.find(args.course)
    if args.make_examples:
        d = make_examples(course)
        print(f"wrote {len(list(d.iterdir()))} example submissions to {d}")
        return 0
    from .batch import grade
    from .outputs import summary_paragraph
    from .similarity import DEFAULT_THRESHOLD

    outcome = grade(ASSIGNMENT, course.grading / "examples" / ASSIGNMENT, args.out or course.grading / "demo",
                    course=course, jobs=args.jobs, similarity=DEFAULT_THRESHOLD)  # fmt: skip
    print(summary_paragraph(outcome))
    print(f"\nOpen {outcome.out / 'report.html'} for the class report; each student's feedback is in "
          f"{outcome.out / 'feedback'}/<student_id>/.")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
