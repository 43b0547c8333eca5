"""Run the course's assignments through the grader in throwaway course roots.

Used by tests/test_assignments.py. For one assignment, :func:`grade_assignment`
builds a temporary course root (a copy of nbgrader_config.py and the source
folder) and generates the release there with nbgrader (the "fresh generation"
the committed release is compared with). It then writes several notebooks, in
nbgrader's layout ``<student>/<name>/<name>.ipynb``, as different students
(the solution, the untouched release, every known mistake of the catalogue
solutions/<name>/mistakes.py, any extra) and grades them all with ONE call of the course's grader,
``losslab_grader.batch.grade``: hidden tests are written without expected values,
so only the grader (which compares every check's record with the solution's)
can grade them. Scores are read from the returned Outcome.

The student ``perturb-last`` is graded against reference records in which the
last record of every test cell was moved just beyond its tolerance (see
:func:`perturb`); the tests judge the solution's own records against every other
record moved the same way: that is how they prove every record counts.
"""

from __future__ import annotations

import base64
import copy
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from losslab_grader import release

REPO = Path(__file__).resolve().parents[2]
SOLUTIONS = REPO / "solutions"
ASSIGNMENTS = REPO / "assignments"

SOLUTION_ID = "solution"
RELEASE_ID = "release"
PERTURBED_LAST = "perturb-last"


def assignment_names() -> list[str]:
    return release.assignment_names(REPO)


def mutants(name: str) -> list:
    """The known mistakes of assignment name (losslab_grader.mistakes.Mistake), [] without a catalogue.

    They are read from solutions/<name>/mistakes.py, the catalogue the grader itself reads.
    """
    from losslab_grader.mistakes import catalogue_path, load

    return load(catalogue_path(SOLUTIONS, name))


def mutant_student(mutant) -> str:
    return "mutant-" + re.sub(r"[^A-Za-z0-9_-]", "-", mutant.name)


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


def replace_cell(nb, grade_id: str, source: str):
    """A copy of nb with the source of the solution cell grade_id replaced."""
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    hits = [c for c in nb.cells if nbgrader_meta(c).get("grade_id") == grade_id]
    if len(hits) != 1 or not nbgrader_meta(hits[0]).get("solution"):
        raise ValueError(f"no solution cell {grade_id!r}")
    hits[0].source = source
    return nb


def apply_mutant(nb, mutant):
    """A copy of the solution notebook with one solution cell's function replaced by the mistake's."""
    cell = [c for c in nb.cells if nbgrader_meta(c).get("grade_id") == mutant.cell]
    try:
        return replace_cell(nb, mutant.cell, mutant.apply(cell[0].source if cell else ""))
    except ValueError as exc:
        raise ValueError(f"mutant {mutant.name}: {exc}") from None


# ----------------------------------------------------------------------------------------------
# reference records moved just beyond their tolerance


def _perturb_record(record: dict) -> dict:
    """The record with its value moved just beyond the tolerance it declared (any kind of record)."""
    r = copy.deepcopy(record)
    declared = r.get("declared") or {}
    if r.get("kind") == "close" and r.get("type") == "array":
        rtol, atol = float(declared.get("rtol", 1e-6)), float(declared.get("atol", 1e-8))
        e = _decode_array(r)
        sign = (e >= 0) * 2.0 - 1.0  # 0 moves up
        moved = e + sign * (2 * atol + 2 * rtol * abs(e))
        r["data"] = base64.b64encode(moved.astype("<f8").tobytes()).decode("ascii")
    elif r.get("kind") == "shape":
        r["shape"] = [*(r.get("shape") or []), 1]
    elif r.get("kind") == "true":
        r["value"] = not r["value"]
    elif r.get("kind") == "raises":  # raised <-> returned normally
        r["mro"] = [] if r.get("mro") else ["ArithmeticError", "Exception"]
        r["declared"] = dict(declared, expected=r["mro"][:1])
    else:
        raise ValueError(f"cannot perturb a record {r.get('kind')!r}/{r.get('type')!r}")
    return r


def _decode_array(record: dict):
    import numpy as np

    data = base64.b64decode(record["data"])
    return np.frombuffer(data, dtype="<f8").reshape(record["shape"]).copy()


def perturb(reference: dict, k: int) -> dict:
    """Reference records with record k of every test cell that has one perturbed (k indexes as in Python)."""
    moved = {}
    for gid, records in reference.items():
        moved[gid] = list(records)
        if -len(records) <= k < len(records):
            moved[gid][k] = _perturb_record(records[k])
    return moved


def perturbing_task(bundle, student: str, data: bytes, reference: dict, mistakes: dict):
    """The grader's grade_task, against perturbed records for the student perturb-last (given to grade())."""
    from losslab_grader import worker

    if student == PERTURBED_LAST:
        reference = perturb(reference, -1)
    return worker.grade_task(bundle, student, data, reference, mistakes)


# ----------------------------------------------------------------------------------------------
# grading


@dataclass
class Graded:
    """What one assignment's grading run produced."""

    name: str
    root: Path
    fresh_release: Path
    students: list[str]
    outcome: object = None  # losslab_grader.model.Outcome
    reference: dict = field(default_factory=dict)  # grade_id -> the solution's raw records

    @property
    def rows(self) -> dict[str, dict]:
        return self.outcome.by_student()

    def scores(self, student: str) -> dict[str, float]:
        """Points of every test cell for student (0 for every cell unless graded normally)."""
        return self.rows[student].scores

    @property
    def max_points(self) -> dict[str, float]:
        return dict(self.outcome.tests)

    def autograded(self, student: str) -> Path:
        return self.outcome.out / "autograded" / student / f"{self.name}.ipynb"

    def feedback(self, student: str) -> Path:
        return self.outcome.out / "feedback" / student / f"{self.name}.html"


def grade_assignment(name: str, root: Path, extra: dict[str, nbformat.NotebookNode] | None = None,
                     jobs: int = 2, timeout: float = 600.0) -> Graded:
    """Generate NAME in course root, then grade solution, release, known mistakes and extra together.

    timeout: generous, since nothing here hangs: at load 7 on 2 cores one 02 submission once took
    over 120 s, and a test must not depend on the machine's speed.
    """
    from losslab_grader import batch
    from losslab_grader.course import Course
    from losslab_grader.model import Settings

    release.make_course_root(root, [name], REPO)
    release.generate(root, name)
    fresh = root / "assignments" / name

    submissions = {SOLUTION_ID: source_notebook(name), RELEASE_ID: release_notebook(name)}
    for m in mutants(name):
        submissions[mutant_student(m)] = apply_mutant(source_notebook(name), m)
    submissions.update(extra or {})
    folder = root / "submissions"
    for student, nb in submissions.items():
        (folder / student / name).mkdir(parents=True)
        nbformat.write(nb, folder / student / name / f"{name}.ipynb")

    graded = Graded(name, root, fresh, list(submissions))
    graded.outcome = batch.grade(name, folder, root / "out", course=Course(REPO), jobs=jobs, progress=False,
                                 settings=Settings(timeout=timeout), task=perturbing_task,
                                 with_mistakes=False)  # the mistakes are students here (see test_insight)
    graded.reference = json.loads(json.dumps(graded.outcome.reference))
    return graded


def validate(root: Path, notebook: Path) -> subprocess.CompletedProcess:
    """nbgrader validate on one notebook (no gradebook needed)."""
    return subprocess.run(nbgrader_cmd() + ["validate", str(notebook)], cwd=root,
                          env=nbgrader_env(), capture_output=True, text=True)


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


def _significant_digits(literal: str) -> int:
    mantissa = re.split(r"[eE]", literal.replace("_", ""))[0].lstrip("+-").replace(".", "")
    return len(mantissa.strip("0")) or 1


def hidden_literal_problems(nb) -> list[str]:
    """Why the hidden regions of a source notebook are not written without literal answers.

    A hidden check's expected value is the reference record, so a check_close/check_shape there
    passes nothing beyond its label and value (tolerances rtol/atol may stay); no float literal
    has more than 4 significant digits (a pasted answer); own_work is not called (the grading
    jail has no reference module to delegate to).
    """
    import ast

    problems = []
    for c in nb.cells:
        if c.cell_type != "code" or BEGIN_HIDDEN not in c.source:
            continue
        gid = nbgrader_meta(c).get("grade_id", "?")
        hidden = _hidden_lines(c.source)
        for node in ast.walk(ast.parse(c.source)):
            if getattr(node, "lineno", None) not in hidden:
                continue
            where = f"{gid}, line {node.lineno}"
            if isinstance(node, ast.Call):
                fn = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
                if fn in ("check_close", "check_shape") and (
                        len(node.args) > 2 or any(k.arg not in ("rtol", "atol") for k in node.keywords)):
                    problems.append(f"{where}: {fn} is given an expected value, a hint or a message")
            if isinstance(node, (ast.Name, ast.Attribute)) and "own_work" in (
                    getattr(node, "id", None), getattr(node, "attr", None)):
                problems.append(f"{where}: own_work")
            if isinstance(node, ast.Constant) and isinstance(node.value, float):
                text = ast.get_source_segment(c.source, node) or repr(node.value)
                if _significant_digits(text) > 4:
                    problems.append(f"{where}: float literal {text} (more than 4 significant digits)")
    return problems


BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"


def _hidden_lines(source: str) -> set[int]:
    """1-based numbers of the lines inside hidden regions (markers included)."""
    numbers, inside = set(), False
    for i, line in enumerate(source.splitlines(), start=1):
        inside = inside or BEGIN_HIDDEN in line
        if inside:
            numbers.add(i)
        if END_HIDDEN in line:
            inside = False
    return numbers


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
    m = re.search(r"summary\((\[.*?\])[,)]", code[-1].source, re.S)
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


# ----------------------------------------------------------------------------------------------
# The student's loop: the release filled in, run as a student runs it (no grader), and validated

ANSWER = "My answer: the hinge has a kink at zero, where the two one-sided slopes differ."


def student_version(name: str, mutant: dict | None = None, answered: bool = True):
    """The committed release as a student would fill it in.

    Every code stub gets the solution's code (one cell the mutant's instead); every written
    question gets an answer, or keeps the released "YOUR ANSWER HERE" when answered is False.
    """
    nb = nbformat.from_dict(json.loads(json.dumps(release_notebook(name))))
    solution = {nbgrader_meta(c).get("grade_id"): c.source for c in source_notebook(name).cells}
    for c in nb.cells:
        meta = nbgrader_meta(c)
        if not meta.get("solution"):
            continue
        gid = meta["grade_id"]
        if c.cell_type == "code":
            c.source = mutant.apply(solution[gid]) if mutant and mutant.cell == gid else solution[gid]
        elif answered:
            c.source = ANSWER
    if mutant and not any(nbgrader_meta(c).get("grade_id") == mutant.cell for c in nb.cells):
        raise ValueError(f"mutant {mutant.name}: no cell {mutant.cell}")
    return nb


def nbgrader_cmd() -> list[str]:
    """nbgrader of the interpreter running this script (the course venv)."""
    exe = Path(sys.executable).parent / "nbgrader"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "nbgrader"]


def nbgrader_env() -> dict[str, str]:
    """The environment for nbgrader: the venv's bin first on PATH (nbgrader runs `alembic`)."""
    bindir = str(Path(sys.executable).parent)
    return dict(os.environ, PATH=bindir + os.pathsep + os.environ.get("PATH", ""),
                PYTHONDONTWRITEBYTECODE="1")


def _clean_env() -> dict[str, str]:
    env = nbgrader_env()
    for var in ("LOSSLAB_GRADING", "JPY_SESSION_NAME", "NBGRADER_VALIDATING", "NBGRADER_EXECUTION"):
        env.pop(var, None)
    env["MPLBACKEND"] = "Agg"
    return env


#: Run All in a fresh kernel (what `jupyter execute --allow-errors` does), over IPC sockets in the
#: notebook's folder: kernels started in parallel on TCP can race for the same free port, and the
#: loser dies before replying (seen once under load); jupyter execute offers no other transport.
#: One Python process runs its notebooks one after another, each in a kernel of its own: nbclient's
#: imports (~0.6 CPU s) are paid once per process, not once per notebook.
_RUN_ALL = """
import os, sys, traceback
import nbformat
from nbclient import NotebookClient
from traitlets.config import Config
config = Config()
config.KernelManager.transport = "ipc"
timeout = int(sys.argv[1])
for path in sys.argv[2:]:
    folder, name = os.path.split(path)
    os.chdir(folder)  # the kernel's folder, and where its sockets go
    try:
        nb = nbformat.read(name, as_version=4)
        NotebookClient(nb, config=config, kernel_name="python3", timeout=timeout, allow_errors=True,
                       resources={"metadata": {"path": "."}}).execute()
        nbformat.write(nb, "executed.ipynb")
    except Exception:
        with open("failed.txt", "w") as out:
            traceback.print_exc(file=out)
"""


def run_as_students(runs: list[tuple[nbformat.NotebookNode, Path, str]], timeout: int = 600) -> list:
    """Each (nb, folder, name): nb saved as folder/NAME.ipynb and every cell run in a fresh kernel as
    Run All does. Returns the executed notebooks in order, or the exception of a run that failed.

    The saved files keep no outputs (what the student saved).
    """
    paths = []
    for nb, folder, name in runs:
        folder.mkdir(parents=True, exist_ok=True)
        paths.append(folder / f"{name}.ipynb")
        nbformat.write(nb, paths[-1])
    cmd = [sys.executable, "-c", _RUN_ALL, str(timeout), *map(str, paths)]
    proc = subprocess.run(cmd, env=_clean_env(), capture_output=True, text=True)
    got = []
    for path in paths:
        out, failed = path.with_name("executed.ipynb"), path.with_name("failed.txt")
        if proc.returncode == 0 and out.exists():
            got.append(nbformat.read(out, as_version=4))
        else:
            why = failed.read_text() if failed.exists() else proc.stderr[-2000:]
            got.append(RuntimeError(f"running {path} failed:\n{why}"))
    return got


def cell_error(cell) -> str:
    """'' when a code cell ran clean, else its error as 'Name: message' (the first error output)."""
    for o in cell.get("outputs", []):
        if o.get("output_type") == "error":
            return f"{o.get('ename')}: {o.get('evalue')}"
    return ""


def first_failure(executed) -> tuple[str, str] | None:
    """(grade_id, error) of the first test cell that failed in an executed notebook, or None."""
    for c in executed.cells:
        meta = nbgrader_meta(c)
        if c.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            error = cell_error(c)
            if error:
                return meta["grade_id"], error
    return None


def summary_output(executed) -> tuple[bool, str]:
    """(passed, text) of the summary cell (the last code cell) of an executed notebook."""
    last = [c for c in executed.cells if c.cell_type == "code"][-1]
    text = "".join(o.get("text", "") for o in last.get("outputs", []) if o.get("output_type") == "stream")
    error = cell_error(last)
    return not error, text + error


#: nbgrader validate's loop (ValidateApp.start) over many notebooks in one process, each result
#: after a marker line: nbgrader's imports cost ~2.4 CPU s per process.
_VALIDATE_MARK = "=== losslab: validating "
_VALIDATE = f"""
import sys
from nbgrader.apps import ValidateApp
from nbgrader.validator import Validator
app = ValidateApp()
app.initialize([])
validator = Validator(parent=app)
for path in sys.argv[1:]:
    print({_VALIDATE_MARK!r} + path, flush=True)
    validator.validate_and_print(path)  # chdir()s to the notebook's folder, as a student runs it there
    sys.stdout.flush()
"""


def validate_files(paths: list[Path]) -> dict[Path, str]:
    """What nbgrader validate prints for each saved notebook (``nbgrader validate a b c`` in one process)."""
    proc = subprocess.run([sys.executable, "-c", _VALIDATE, *map(str, paths)], cwd=paths[0].parent,
                          env=_clean_env(), capture_output=True, text=True)
    printed = dict.fromkeys(paths, f"nbgrader validate failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    parts = proc.stdout.split(_VALIDATE_MARK)[1:]
    for i, part in enumerate(parts):
        path, _, text = part.partition("\n")
        if proc.returncode == 0 or i < len(parts) - 1:  # else it is the one that stopped the process
            printed[Path(path)] = text
    return printed