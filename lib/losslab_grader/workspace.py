"""The grading workspace: the assignment generated once, the jail's library and data, packed for travel.

:func:`prepare` builds, in a private folder, one nbgrader course
(``template/``: ``source/``, ``release/``, ``gradebook.db``) from the
assignment's source notebook, the jail's view of the course library
(``jail-lib/``: ``losslab`` minus the modules that implement what the
assignment grades, :func:`jail_library`), the jail's data (``data/``: the
course's data without what only the grader may see, :func:`jail_data`), and a
seed of caches for kernels (``seed/``). Each worker copies the template into its
own folder; a worker on another machine gets the workspace as one archive
(:func:`pack`, :func:`unpack`).
"""

from __future__ import annotations

import ast
import hashlib
import io
import logging
import os
import shutil
import sys
import tarfile
from pathlib import Path

import nbformat
import numpy as np
from traitlets.config import Config

from . import leftovers, testcells
from .course import Course
from .model import Assignment

#: Modules of losslab every assignment may use (the checks, the data, numerical gradients, plots).
HELPERS = ("__init__", "_validate", "checks", "data", "gradient_check", "plots")
#: Arrays of the course's data that only the grader reads (hidden score checks): never in a jail.
GRADER_ONLY = {"digits.npz": ("X_test", "y_test")}
#: Where the jail shows the course library and data.
JAIL_COURSE = "/course"
PARTS = ("template", "jail-lib", "seed", "data")
PREFIX = "losslab-grade-"


def private_root() -> Path:
    """A fresh private workspace folder (see :func:`.leftovers.private_folder`)."""
    return leftovers.private_folder(PREFIX)


def nbgrader_config(course_config: Config, ws: Path) -> Config:
    """The course's nbgrader configuration, pointed at the workspace folder ws."""
    c = Config()
    c.merge(course_config)
    cd = c.CourseDirectory
    cd.root = str(ws)
    cd.source_directory = "source"
    cd.release_directory = "release"
    cd.submitted_directory = "submitted"
    cd.autograded_directory = "autograded"
    cd.feedback_directory = "feedback"
    cd.db_url = f"sqlite:///{ws / 'gradebook.db'}"
    c.OverwriteCells.add_missing_cells = True
    c.NbGrader.logfile = ""
    return c


def quiet(app, sink: list[str] | None = None) -> None:
    """Silence an nbgrader app's log; collect its errors in sink."""
    app.log.handlers[:] = []
    app.log.propagate = False
    app.log.setLevel(logging.ERROR)

    class Grab(logging.Handler):
        def emit(self, record):
            if sink is not None:
                sink.append(record.getMessage())

    app.log.addHandler(Grab(level=logging.ERROR))


def coursedir(config: Config, name: str, student: str | None = None):
    from nbgrader.coursedir import CourseDirectory

    cd = CourseDirectory(config=config)
    cd.assignment_id = name
    if student is not None:
        cd.student_id = student
    return cd


def nbgrader_in_this_process() -> None:
    """Ready this process to run nbgrader's converters: the schema head of each new gradebook asked
    in-process (nbgrader would run an `alembic` process for it), and this environment's `alembic`
    first on PATH in case it still does."""
    _fast_alembic_version()
    bindir = str(Path(sys.executable).parent)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")


def _fast_alembic_version() -> None:
    import nbgrader.api

    try:
        from alembic.script import ScriptDirectory

        head = ScriptDirectory(str(Path(nbgrader.api.__file__).with_name("alembic"))).get_current_head()
    except Exception:
        return
    if head:
        nbgrader.api.get_alembic_version = lambda: head


def prepare(course: Course, name: str, root: Path) -> Assignment:
    """Generate assignment name into root/template and the jail's parts beside it; describe it."""
    from nbgrader.api import Gradebook
    from nbgrader.converters import GenerateAssignment

    nbgrader_in_this_process()
    src = course.source(name)
    ws = root / "template"
    (ws / "source" / name).mkdir(parents=True)
    shutil.copy2(src, ws / "source" / name / src.name)
    c = nbgrader_config(course.config, ws)
    c.CourseDirectory.assignment_id = name
    app = GenerateAssignment(coursedir=coursedir(c, name), config=c)
    quiet(app)
    app.force = True
    app.start()
    nb = nbformat.read(src, as_version=4)
    originals = {testcells.meta(c)["grade_id"]: c.source for c in nb.cells if testcells.is_test_cell(c)}
    tests: dict[str, float] = {}
    manual: dict[str, float] = {}
    with Gradebook(f"sqlite:///{ws / 'gradebook.db'}", course.course_id) as gb:
        for cell in gb.find_notebook(name, name).grade_cells:
            (tests if cell.cell_type == "code" else manual)[cell.name] = float(cell.max_score)
    order = list(originals)
    tests = dict(sorted(tests.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 10**6))
    release = nbformat.read(ws / "release" / name / f"{name}.ipynb", as_version=4)
    lib = jail_library(release, course.library, root / "jail-lib" / "losslab")
    jail_data(course.data, root / "data")
    (root / "seed" / "mplconfig").mkdir(parents=True)
    _seed_matplotlib_cache(root / "seed" / "mplconfig")
    key = _digest(
        [
            src.read_bytes(),
            *(p.read_bytes() for p in sorted(lib.rglob("*.py"))),
            repr(sys.version_info).encode(),
            *(p.read_bytes() for p in _grader_sources()),
        ]
    )
    sources = {gid: testcells.grading_source(s) for gid, s in originals.items()}
    return Assignment(name, tests, manual, sources, originals, key)


def _grader_sources() -> list[Path]:
    """The grader's own modules that decide what a reference run records."""
    here = Path(__file__).parent
    return [here / m for m in ("autograde.py", "testcells.py", "worker.py", "workspace.py")]


def _digest(parts: list[bytes]) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(hashlib.sha256(p).digest())
    return h.hexdigest()[:24]


# --- the jail's library and data ------------------------------------------------------------------


def _imported(source: str, package: str = "losslab") -> set[str]:
    """Top-level modules of package that source imports (absolute or relative)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module:
                found.add(node.module.split(".")[0])
            elif node.level == 1:
                found |= {a.name for a in node.names}
            elif node.module and node.module.split(".")[0] == package and "." in node.module:
                found.add(node.module.split(".")[1])
            elif node.module == package:
                found |= {a.name for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith(package + ".")}
    return found


def allowed_modules(release_nb, package_dir: Path) -> set[str]:
    """The helpers, the modules the release imports outside solution cells, and their imports.

    A stub that hands its work to losslab's own implementation must not earn the points, and no
    check inside the student's interpreter can stop that reliably, so the modules that implement
    what an assignment grades do not exist in the jail: importing them is an ImportError.
    """
    wanted = set(HELPERS)
    for cell in release_nb.cells:
        if cell.get("cell_type") == "code" and not testcells.meta(cell).get("solution"):
            wanted |= _imported(cell.source)
    todo = list(wanted)
    while todo:
        module = package_dir / f"{todo.pop()}.py"
        if module.exists():
            for dep in _imported(module.read_text()) - wanted:
                wanted.add(dep)
                todo.append(dep)
    return {m for m in wanted if (package_dir / f"{m}.py").exists()}


def jail_library(release_nb, package_dir: Path, dest: Path) -> Path:
    """Copy the allowed modules of package_dir into dest (a package of the same name); return dest."""
    dest.mkdir(parents=True)
    for module in sorted(allowed_modules(release_nb, package_dir)):
        shutil.copy2(package_dir / f"{module}.py", dest / f"{module}.py")
    if (package_dir / "py.typed").exists():
        shutil.copy2(package_dir / "py.typed", dest / "py.typed")
    return dest


def jail_data(data: Path, dest: Path) -> Path:
    """The course's data files for the jail: no scripts, and no array only the grader may read."""
    dest.mkdir(parents=True)
    for path in sorted(data.iterdir()) if data.is_dir() else []:
        if not path.is_file() or path.suffix == ".py":
            continue
        hidden = GRADER_ONLY.get(path.name)
        if hidden is None:
            shutil.copy2(path, dest / path.name)
            continue
        with np.load(path) as f:
            kept = {k: f[k] for k in f.files if k not in hidden}
            kept |= {k: f[k][:0] for k in hidden if k in f.files}  # present, empty: a shape, no data
        np.savez(dest / path.name, **kept)
    return dest


def _seed_matplotlib_cache(dest: Path) -> None:
    """Copy this machine's matplotlib font cache, so kernels do not rebuild it at every start."""
    try:  # where matplotlib keeps it, without importing matplotlib
        home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        where = Path(os.environ["MPLCONFIGDIR"]) if os.environ.get("MPLCONFIGDIR") else home / "matplotlib"
        for f in where.glob("fontlist-*.json"):
            shutil.copyfile(f, dest / f.name)
    except Exception:
        pass


# --- travel ---------------------------------------------------------------------------------------


def pack(root: Path) -> bytes:
    """The workspace as a tar archive, for workers on other machines (no shared file system)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", compresslevel=1) as tar:
        for part in PARTS:
            tar.add(root / part, arcname=part)
    return buf.getvalue()


def unpack(data: bytes) -> Path:
    """A packed workspace unpacked into a fresh private folder (the archive read as data only)."""
    root = private_root()
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            tar.extractall(root, filter="data")
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    return root
