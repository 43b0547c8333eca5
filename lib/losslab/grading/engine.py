"""Grading workspaces and the per-submission work a worker process does.

``prepare_template`` builds one private nbgrader course (``source/``,
``release/``, ``gradebook.db``) from the assignment's source notebook with
``nbgrader generate_assignment``. Each worker process copies it into its own
directory, so workers never share a gradebook, and grades its submissions
there one after another with nbgrader's ``Autograde`` and
``GenerateFeedback`` converters (one app per submission, in the worker's
process: no new CLI process per student). Only the student's notebook is
copied into the workspace: extra files (a ``numpy.py``) never reach the kernel.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import sys
import threading
import time
import warnings
from pathlib import Path

import nbformat
from traitlets.config import Config, PyFileConfigLoader

from . import nbpieces
from .redact import public_failures, redact_notebook

STATUSES = ("ok", "timeout", "crashed", "invalid", "missing")


def repo_root() -> Path:
    """The course repository (losslab is installed editable from its lib/)."""
    return Path(__file__).resolve().parents[3]


def course_id() -> str:
    """The course id of nbgrader_config.py ("default_course" without one)."""
    course_cfg = repo_root() / "nbgrader_config.py"
    if course_cfg.exists():
        cfg = PyFileConfigLoader(course_cfg.name, path=str(course_cfg.parent)).load_config()
        if "course_id" in cfg.CourseDirectory:
            return cfg.CourseDirectory.course_id
    return "default_course"


def nbgrader_config(ws: Path, settings: dict) -> Config:
    """The course's nbgrader_config.py, pointed at workspace ws and given the grader's preprocessors."""
    c = Config()
    course_cfg = repo_root() / "nbgrader_config.py"
    if course_cfg.exists():
        loader = PyFileConfigLoader(course_cfg.name, path=str(course_cfg.parent))
        c.merge(loader.load_config())
    cd = c.CourseDirectory
    cd.root = str(ws)
    cd.source_directory = "source"
    cd.release_directory = "release"
    cd.submitted_directory = "submitted"
    cd.autograded_directory = "autograded"
    cd.feedback_directory = "feedback"
    cd.db_url = f"sqlite:///{ws / 'gradebook.db'}"
    c.OverwriteCells.add_missing_cells = True
    # the grader's watchdog enforces the per-submission limit; this only backs it up
    c.Execute.timeout = int(settings["timeout"]) + 30
    c.Execute.extra_arguments = ["--HistoryManager.hist_file=:memory:"]
    c.CappedExecute.timeout = int(settings["timeout"]) + 30
    c.CappedExecute.sandbox = settings.get("sandbox", {})
    c.CappedExecute.max_output_chars = int(settings.get("max_output_chars", 20_000))
    # the kernel's work is done once its cells have run: kill it rather than wait for a polite exit
    c.CappedExecute.shutdown_kernel = "immediate"
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader import preprocessors as pp

    c.Autograde.sanitize_preprocessors = [
        pp.ClearOutput,
        pp.DeduplicateIds,
        pp.OverwriteKernelspec,
        pp.OverwriteCells,
        pp.CheckCellMetadata,
        nbpieces.InjectGuard,
    ]
    c.Autograde.autograde_preprocessors = [
        nbpieces.CappedExecute,
        nbpieces.StripGuard,
        pp.IgnorePattern,
        ClearMetadataPreprocessor,
        pp.LimitOutput,
        pp.SaveAutoGrades,
        pp.AssignLatePenalties,
        pp.CheckCellMetadata,
    ]
    c.Autograde.create_student = True
    c.NbGrader.logfile = ""
    return c


def _coursedir(c: Config, name: str, student: str | None = None):
    from nbgrader.coursedir import CourseDirectory

    cd = CourseDirectory(config=c)
    cd.assignment_id = name
    if student is not None:
        cd.student_id = student
    return cd


def _quiet(app) -> None:
    app.log.handlers[:] = []
    app.log.propagate = False
    app.log.setLevel(logging.ERROR)


def _errors_to(app, sink: list[str]) -> None:
    class Grab(logging.Handler):
        def emit(self, record):
            sink.append(record.getMessage())

    app.log.addHandler(Grab(level=logging.ERROR))


def _fast_alembic_version() -> None:
    """nbgrader runs an `alembic` process for the schema head of each new gradebook: ask in-process."""
    import nbgrader.api

    try:
        from alembic.script import ScriptDirectory

        head = ScriptDirectory(str(Path(nbgrader.api.__file__).with_name("alembic"))).get_current_head()
    except Exception:
        return
    if head:
        nbgrader.api.get_alembic_version = lambda: head


def prepare_template(name: str, ws: Path, settings: dict) -> dict:
    """Generate the assignment into workspace ws; return {"tests": {grade_id: points}, "manual_points"}."""
    from nbgrader.api import Gradebook
    from nbgrader.converters import GenerateAssignment

    _fast_alembic_version()
    # nbgrader runs the `alembic` script of this environment when it creates a gradebook
    bindir = str(Path(sys.executable).parent)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
    src = repo_root() / "solutions" / name / f"{name}.ipynb"
    if not src.exists():
        raise FileNotFoundError(f"no source notebook {src}")
    (ws / "source" / name).mkdir(parents=True)
    shutil.copy2(src, ws / "source" / name / src.name)
    c = nbgrader_config(ws, settings)
    c.CourseDirectory.assignment_id = name
    app = GenerateAssignment(coursedir=_coursedir(c, name), config=c)
    _quiet(app)
    app.force = True
    app.start()
    tests: dict[str, float] = {}
    manual = 0.0
    nb = nbformat.read(ws / "source" / name / src.name, as_version=4)
    order = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    with Gradebook(f"sqlite:///{ws / 'gradebook.db'}", course_id()) as gb:
        for cell in gb.find_notebook(name, name).grade_cells:
            if cell.cell_type == "code":
                tests[cell.name] = float(cell.max_score)
            else:
                manual += float(cell.max_score)
    tests = dict(sorted(tests.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 10**6))
    return {"tests": tests, "manual_points": manual, "notebook": name}


# --------------------------------------------------------------------------- worker side

_W: dict = {}


def init_worker(template: str, ws_root: str, settings: dict, name: str, out: str) -> None:
    """Process-pool initializer: copy the template course into this worker's own directory."""
    ws = Path(ws_root) / f"worker-{os.getpid()}"
    shutil.copytree(template, ws)
    (ws / "jail").mkdir(exist_ok=True)
    (ws / "runtime").mkdir(exist_ok=True)
    os.environ["JUPYTER_RUNTIME_DIR"] = str(ws / "runtime")
    sandbox = dict(settings.get("sandbox", {}))
    sandbox["jail"] = str(ws / "jail")
    settings = dict(settings, sandbox=sandbox)
    warnings.filterwarnings("ignore")  # nbgrader's SQLAlchemy warnings; kernels have their own setting
    release = nbformat.read(ws / "release" / name / f"{name}.ipynb", as_version=4)
    known = {
        c.metadata["nbgrader"]["grade_id"]: (c.cell_type, c.metadata["nbgrader"])
        for c in release.cells
        if c.metadata.get("nbgrader", {}).get("grade_id")
    }
    _W.update(
        known_ids=known,
        ws=ws,
        settings=settings,
        name=name,
        out=Path(out),
        config=nbgrader_config(ws, settings),
    )


def _feedback_class():
    """nbgrader's GenerateFeedback, keeping its HTML exporter (and compiled template) between students."""
    from nbconvert.writers import FilesWriter
    from nbgrader.converters import GenerateFeedback

    class ReusingFeedback(GenerateFeedback):
        def start(self) -> None:
            self.init_notebooks()
            self.writer = FilesWriter(parent=self, config=self.config)
            if getattr(self, "_kept_exporter", None) is None:
                self._kept_exporter = self.exporter_class(parent=self, config=self.config)
                for pp in self.preprocessors:
                    self._kept_exporter.register_preprocessor(pp)
            self.exporter = self._kept_exporter
            here = os.getcwd()
            os.chdir(self.coursedir.root)
            try:
                self.convert_notebooks()
            finally:
                os.chdir(here)

    return ReusingFeedback


def _app(key: str, cls, name: str, student: str):
    """This worker's nbgrader converter of class cls, made once and pointed at student."""
    app = _W.get(key)
    if app is None:
        app = cls(coursedir=_coursedir(_W["config"], name, student), config=_W["config"])
        _quiet(app)
        _W.setdefault("errors", [])
        _errors_to(app, _W["errors"])
        app.force = True
        _W[key] = app
    app.coursedir.student_id = student
    return app


def _watchdog(seconds: float, fired: threading.Event) -> threading.Timer:
    def fire():
        fired.set()
        nbpieces.kill_kernels()

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()
    return timer


def grade_one(student: str, notebook: str) -> dict:
    """Autograde one student's notebook in this worker's workspace; write feedback; return the result."""
    from nbgrader.api import Gradebook
    from nbgrader.converters import Autograde

    ws, name, out, settings = _W["ws"], _W["name"], _W["out"], _W["settings"]
    start = time.perf_counter()
    result = {
        "student_id": student,
        "status": "ok",
        "reason": "",
        "scores": {},
        "public_failures": [],
        "seconds": 0.0,
    }
    for step in ("submitted", "autograded", "feedback"):
        shutil.rmtree(ws / step / student, ignore_errors=True)
    dest = ws / "submitted" / student / name
    dest.mkdir(parents=True)
    # the notebook only (no extra files), with nbgrader metadata that names no cell of the
    # assignment, or names one a second time, removed: nbgrader 0.9 fails the whole notebook on those
    nb = nbformat.read(notebook, as_version=4)
    nbformat.write(preclean(nb, _W["known_ids"]), dest / f"{name}.ipynb")

    fired = threading.Event()
    timer = _watchdog(float(settings["timeout"]), fired)
    try:
        app = _app("autograde", Autograde, name, student)
        _W["errors"][:] = []
        app.start()
        failed = None
    except BaseException as exc:  # nbgrader raises NbGraderException after logging the cause
        failed = exc
    finally:
        timer.cancel()
        nbpieces.kill_kernels()  # anything the kernel left running in its process group
    errors = list(_W["errors"])
    text = " ".join(errors)
    if fired.is_set():
        result.update(status="timeout", reason=f"did not finish within {settings['timeout']:g} s (killed)")
    elif failed is not None:
        if re.search(r"DeadKernel|Kernel died|kernel.*(died|dead)|UnresponsiveKernel", text, re.I):
            result.update(
                status="crashed",
                reason="the kernel died while running the notebook "
                "(os._exit, a segfault or exit()); nbgrader could not finish it",
            )
        else:
            last = (errors[-1] if errors else f"{type(failed).__name__}: {failed}").strip().splitlines()
            result.update(
                status="invalid",
                reason="nbgrader could not grade the notebook: "
                + (last[-1] if last else type(failed).__name__)[:300],
            )
    if result["status"] == "ok":
        with Gradebook(f"sqlite:///{ws / 'gradebook.db'}", course_id()) as gb:
            sub = gb.find_submission_notebook(name, name, student)
            for grade in sub.grades:
                if grade.cell.cell_type == "code":
                    result["scores"][grade.name] = float(grade.auto_score or 0.0)
        graded = ws / "autograded" / student / name / f"{name}.ipynb"
        nb = nbformat.read(graded, as_version=4)
        (out / "autograded" / student).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(graded, out / "autograded" / student / f"{name}.ipynb")  # instructor's copy
        result["public_failures"] = public_failures(nb)
        if any("MemoryError" in m for m in result["public_failures"]) or _has(nb, "MemoryError"):
            result["reason"] = f"MemoryError: hit the {settings.get('memory', '?')} MB memory cap"
        graded.chmod(0o644)  # nbgrader leaves it read-only (0444): only root could overwrite it as it is
        nbformat.write(redact_notebook(nb), graded)
        try:
            _app("feedback", _feedback_class(), name, student).start()
            html = ws / "feedback" / student / name / f"{name}.html"
            target = out / "feedback" / student
            target.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(html, target / f"{name}.html")
        except Exception as exc:  # feedback is a courtesy; the grade stands
            result["reason"] = (result["reason"] + f" feedback failed: {exc}").strip()
    result["seconds"] = round(time.perf_counter() - start, 3)
    return result


def preclean(nb, known: dict):
    """Give each cell of the assignment the nbgrader metadata it was released with.

    known: grade_id -> (cell type, released nbgrader metadata). A cell whose metadata names no
    cell of the assignment, is malformed, repeats a grade_id or sits in a cell of another type
    becomes a plain cell; nbgrader then restores what is missing from the gradebook.
    """
    import copy

    seen: set[str] = set()
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader")
        if meta is None:
            continue
        gid = meta.get("grade_id") if isinstance(meta, dict) else None
        if not isinstance(gid, str) or gid not in known or gid in seen or known[gid][0] != cell.cell_type:
            del cell.metadata["nbgrader"]
        else:
            seen.add(gid)
            cell.metadata["nbgrader"] = copy.deepcopy(known[gid][1])
    return nb


def _has(nb, ename: str) -> bool:
    return any(
        o.get("ename") == ename for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
    )


def python_paths() -> list[str]:
    """What a kernel needs from the file system besides the system directories."""
    root = repo_root()
    paths = {
        sys.base_prefix,
        sys.prefix,
        os.path.realpath(sys.executable),
        str(root / "lib"),
        str(root / "data"),
    }
    paths |= {os.path.realpath(p) for p in (sys.base_prefix, sys.prefix)}
    return sorted(paths)
