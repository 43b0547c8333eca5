"""Run the course's assignments through nbgrader in throwaway course roots.

Used by tests/test_assignments.py. For one assignment, :func:`grade_assignment`
builds a temporary course root (a copy of nbgrader_config.py and the source
folder), generates the release there (also the "fresh generation" the
committed release is compared with), submits several notebooks as different
students (the solution, the untouched release, every mutant of
tests/mutants/<name>.py), autogrades them all with ONE ``nbgrader autograde``
call and reads the scores back from the gradebook.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
SOLUTIONS = REPO / "solutions"
ASSIGNMENTS = REPO / "assignments"
MUTANTS = Path(__file__).resolve().parent / "mutants"

SOLUTION_ID = "solution"
RELEASE_ID = "release"


def _load(path: Path, module_name: str):
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


release = _load(REPO / "scripts" / "release.py", "losslab_release_script")


def assignment_names() -> list[str]:
    return release.assignment_names(REPO)


def mutants(name: str) -> list[dict]:
    """MUTANTS of tests/mutants/<name>.py, [] when the file does not exist."""
    path = MUTANTS / f"{name}.py"
    if not path.exists():
        return []
    return list(_load(path, f"losslab_mutants_{name}").MUTANTS)


def mutant_student(mutant: dict) -> str:
    return "mutant-" + re.sub(r"[^A-Za-z0-9_-]", "-", mutant["name"])


def source_notebook(name: str) -> nbformat.NotebookNode:
    return nbformat.read(SOLUTIONS / name / f"{name}.ipynb", as_version=4)


def release_notebook(name: str) -> nbformat.NotebookNode:
    return nbformat.read(ASSIGNMENTS / name / f"{name}.ipynb", as_version=4)


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def test_cells(nb) -> list[tuple[str, float]]:
    """(grade_id, points) of every autograded test cell (grade true, solution false), in order."""
    return [(nbgrader_meta(c)["grade_id"], float(nbgrader_meta(c)["points"])) for c in nb.cells
            if c.cell_type == "code" and nbgrader_meta(c).get("grade")
            and not nbgrader_meta(c).get("solution")]


def solution_cells(nb) -> list[str]:
    return [nbgrader_meta(c)["grade_id"] for c in nb.cells
            if c.cell_type == "code" and nbgrader_meta(c).get("solution")]


def apply_mutant(nb, mutant: dict):
    """A copy of the solution notebook with one solution cell's source replaced."""
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    hits = [c for c in nb.cells if nbgrader_meta(c).get("grade_id") == mutant["cell"]]
    if len(hits) != 1 or not nbgrader_meta(hits[0]).get("solution"):
        raise ValueError(f"mutant {mutant['name']}: no solution cell {mutant['cell']!r}")
    hits[0].source = mutant["source"]
    return nb


# Read the gradebook in the course venv's interpreter, in a subprocess: the
# gradebook needs `alembic` on PATH and SQLAlchemy may warn, and pytest turns
# warnings into errors.
_DUMP = r"""
import json, sys, warnings
warnings.simplefilter("ignore")
from nbgrader.api import Gradebook
db_url, name = sys.argv[1], sys.argv[2]
out = {}
with Gradebook(db_url, "losslab") as gb:
    for sub in gb.assignment_submissions(name):
        cells = {}
        for nb in sub.notebooks:
            for g in nb.grades:
                cells[g.name] = {"score": g.score, "auto_score": g.auto_score, "max_score": g.max_score,
                                 "needs_manual_grade": g.needs_manual_grade}
        out[sub.student_id] = cells
print(json.dumps(out))
"""


@dataclass
class Graded:
    """What one assignment's grading run produced."""

    name: str
    root: Path
    fresh_release: Path
    students: list[str]
    returncode: int
    log: str
    scores: dict[str, dict[str, dict]] = field(default_factory=dict)

    def autograded(self, student: str) -> Path:
        return self.root / "grading" / "nbgrader" / "autograded" / student / self.name / f"{self.name}.ipynb"


def grade_assignment(name: str, root: Path, extra: dict[str, nbformat.NotebookNode] | None = None) -> Graded:
    """Generate, submit (solution, release, mutants, extra) and autograde NAME in course root."""
    release.make_course_root(root, [name], REPO)
    release.generate(root, name)
    fresh = root / "assignments" / name

    submissions = {SOLUTION_ID: source_notebook(name), RELEASE_ID: release_notebook(name)}
    for m in mutants(name):
        submissions[mutant_student(m)] = apply_mutant(source_notebook(name), m)
    submissions.update(extra or {})
    for student, nb in submissions.items():
        folder = root / "grading" / "nbgrader" / "submitted" / student / name
        # data files of the release sit beside the notebook, as a student has them
        shutil.copytree(fresh, folder, dirs_exist_ok=True)
        nbformat.write(nb, folder / f"{name}.ipynb")

    env = release.nbgrader_env()
    proc = subprocess.run(release.nbgrader_cmd() + ["autograde", name, "--force"],
                          cwd=root, env=env, capture_output=True, text=True)
    graded = Graded(name, root, fresh, list(submissions), proc.returncode, proc.stdout + proc.stderr)
    db_url = f"sqlite:///{root / 'grading' / 'nbgrader' / 'gradebook.db'}"
    dump = subprocess.run([sys.executable, "-c", _DUMP, db_url, name], cwd=root, env=env,
                          capture_output=True, text=True)
    if dump.returncode != 0:
        raise RuntimeError(f"reading the gradebook failed:\n{dump.stderr}")
    graded.scores = json.loads(dump.stdout)
    return graded


def validate(root: Path, notebook: Path) -> subprocess.CompletedProcess:
    """nbgrader validate on one notebook (no gradebook needed)."""
    return subprocess.run(release.nbgrader_cmd() + ["validate", str(notebook)], cwd=root,
                          env=release.nbgrader_env(), capture_output=True, text=True)


# ----------------------------------------------------------------------------------------------
# Static checks of a release against its source

MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS",
           "BEGIN MARK SCHEME", "END MARK SCHEME")


def _regions(source: str, begin: str, end: str) -> tuple[set[str], set[str]]:
    """(stripped lines inside begin..end regions, stripped lines outside them)."""
    inside, outside, depth = set(), set(), False
    for line in source.splitlines():
        s = line.strip()
        if begin in s:
            depth = True
            continue
        if end in s:
            depth = False
            continue
        if s:
            (inside if depth else outside).add(s)
    return inside, outside


def region_text(source: str, begin: str = "BEGIN HIDDEN TESTS", end: str = "END HIDDEN TESTS") -> str:
    """The lines inside begin..end regions of source, in order."""
    kept, inside = [], False
    for line in source.splitlines():
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        elif inside:
            kept.append(line)
    return "\n".join(kept)


def secret_lines(nb) -> tuple[set[str], set[str]]:
    """(solution lines, hidden-test lines) of a source notebook that occur nowhere else in it."""
    solution, hidden, public = set(), set(), set()
    for c in nb.cells:
        s_in, s_out = _regions(c.source, "BEGIN SOLUTION", "END SOLUTION")
        h_in, h_out = _regions(c.source, "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
        solution |= s_in
        hidden |= h_in
        public |= (s_out & h_out)
    # a line that also appears outside every secret region (a docstring line, "print('ok')") is public
    return solution - public, hidden - public


def leaks(source, released) -> list[str]:
    """Solution or hidden-test lines, markers or rubric text that made it into the release."""
    solution, hidden = secret_lines(source)
    problems = []
    for c in released.cells:
        gid = nbgrader_meta(c).get("grade_id", "?")
        for marker in MARKERS:
            if marker in c.source:
                problems.append(f"cell {gid}: marker {marker!r}")
        if "Rubric:" in c.source:
            problems.append(f"cell {gid}: rubric text")
        for line in c.source.splitlines():
            s = line.strip()
            if s in solution:
                problems.append(f"cell {gid}: solution line {s!r}")
            if s in hidden:
                problems.append(f"cell {gid}: hidden-test line {s!r}")
    return problems


def calls(text: str, function: str) -> list[str]:
    """The argument text of every call function(...) in text (parentheses balanced)."""
    found = []
    for m in re.finditer(rf"\b{re.escape(function)}\(", text):
        depth, i = 1, m.end()
        while i < len(text) and depth:
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
        found.append(text[m.end():i - 1])
    return found


def summary_names(nb) -> list[str] | None:
    """The list passed to summary([...]) in the notebook's last code cell, if any."""
    code = [c for c in nb.cells if c.cell_type == "code"]
    if not code:
        return None
    m = re.search(r"summary\((\[.*?\])\)", code[-1].source, re.S)
    if not m:
        return None
    import ast

    return list(ast.literal_eval(m.group(1)))


def outputs(nb_path: Path) -> list[tuple[str, dict]]:
    """(grade_id or index, output) of every output in an executed notebook."""
    nb = nbformat.read(nb_path, as_version=4)
    found = []
    for i, c in enumerate(nb.cells):
        for o in c.get("outputs", []):
            found.append((nbgrader_meta(c).get("grade_id", f"#{i}"), o))
    return found
