"""The environment every classroom server runs from: root's, outside any checkout, the course library only.

Built once per lock (a stamp records its digest) at ``<state>/env``, or where
``setup --env`` says (classrooms of one course can share it: one builds it at a
time, the others find it current), from an interpreter every account can run
(``/usr/bin/python3``):

* the course's pins (``requirements.lock``, JupyterHub's included) installed
  by uv, which the course's own environment already has;
* the course library, ``losslab`` alone, built as a wheel and installed (not
  editable: nothing points back into a checkout, and no student traceback
  shows an instructor's path); not the grader, the solutions, the tests or
  the catalogue of mistakes;
* the course's data (``share/losslab/data``, found through $LOSSLAB_DATA);
* JupyterHub's proxy, configurable-http-proxy, from npm;
* the classroom's exchange classes (``losslab_classroom_exchange``), and one
  change to nbgrader's Assignment List: *view feedback* opens the page
  (:func:`open_feedback_pages`).

Everything is root's and read-only for everyone else.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .state import Classroom, ClassroomError

PYTHON = Path(os.environ.get("CLASSROOM_PYTHON", "/usr/bin/python3"))
PROXY_VERSION = "5.3.0"
CONFIG = Path(__file__).with_name("config")
#: The Assignment List's "view feedback" call (nbgrader 0.9's labextension), and what it becomes.
FEEDBACK_LINK = 'n.commands.execute("filebrowser:go-to-path",{path:a})'
FEEDBACK_PAGE = 'n.commands.execute("docmanager:open",{path:a})'


def build(room: Classroom, course: Path) -> None:
    """The environment at room.env for the course folder course (a checkout), unless it is current."""
    lock = course / "requirements.lock"
    library = sorted((course / "lib" / "losslab").glob("*.py"))
    digest = _digest([lock, *library, *sorted(CONFIG.rglob("*.py"))])
    stamp = room.env / ".built"
    with _one_builder_at_a_time(room.env):
        if stamp.exists() and stamp.read_text() == digest:
            return
        _build(room, course)
        stamp.write_text(digest)


@contextlib.contextmanager
def _one_builder_at_a_time(env: Path) -> Iterator[None]:
    """An exclusive lock on a root-only file beside env, held while env is checked and built.

    env's folder must be root's and writable by no one else: whoever can write there can swap the
    code every server runs (and take the lock for good).
    """
    parent = env.parent  # setup made it, and checked that every account can search it
    info = parent.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o022:
        raise ClassroomError(
            f"the classroom's environment {env} must be in a folder that is root's and writable by no "
            f"one else (it is mode {stat.filemode(info.st_mode)}, owner uid {info.st_uid})"
        )
    fd = os.open(parent / f".{env.name}.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _build(room: Classroom, course: Path) -> None:
    """room.env made anew: the course's pins, its library, its data, the proxy; then locked down."""
    if not os.access(PYTHON, os.X_OK):
        raise ClassroomError(
            f"the classroom's environment is made with {PYTHON}: install python3 (and "
            "python3-venv), or set CLASSROOM_PYTHON to an interpreter every account can run"
        )
    shutil.rmtree(room.env, ignore_errors=True)
    _run([str(PYTHON), "-m", "venv", "--without-pip", str(room.env)])
    # copies, not uv's hardlinks into its cache: the environment is changed and locked down below
    uv = [
        str(Path(sys.executable).with_name("uv")),
        "pip",
        "install",
        "--quiet",
        "--link-mode",
        "copy",
        "--compile-bytecode",  # the students cannot write it there, and would compile at every start
        "--python",
        str(room.bin / "python"),
    ]
    # the lock is whole (see the Makefile's LOCK_EXCLUDES)
    _run([*uv, "--no-deps", "-r", str(course / "requirements.lock")])
    with tempfile.TemporaryDirectory(prefix="losslab-wheel-") as tmp:
        _run([*uv, "--no-deps", str(_library_project(course, Path(tmp)))])
    shutil.copytree(course / "data", room.data, ignore=shutil.ignore_patterns("*.py"))
    site = next(room.env.glob("lib/python3*/site-packages"))
    shutil.copy2(CONFIG / "losslab_classroom_exchange.py", site / "losslab_classroom_exchange.py")
    open_feedback_pages(room.env)
    _proxy(room)
    lock_down(room.env)


def _run(cmd: list[str]) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise ClassroomError(f"{' '.join(cmd[:4])} … failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")


def _digest(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(str(p.name).encode() + p.read_bytes())
    return h.hexdigest()


def _library_project(course: Path, tmp: Path) -> Path:
    """A project holding the course library alone (no grader), to build and install as a wheel."""
    shutil.copytree(course / "lib" / "losslab", tmp / "losslab", ignore=shutil.ignore_patterns("__pycache__"))
    version = re.search(r'__version__ = "([^"]+)"', (tmp / "losslab" / "__init__.py").read_text()).group(1)
    (tmp / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=68"]\nbuild-backend = "setuptools.build_meta"\n'
        f'[project]\nname = "losslab"\nversion = "{version}"\nrequires-python = ">=3.10"\n'
        '[tool.setuptools]\npackages = ["losslab"]\n[tool.setuptools.package-data]\nlosslab = ["py.typed"]\n'
    )
    return tmp


def open_feedback_pages(env: Path) -> None:
    """nbgrader's Assignment List opens a submission's feedback page on *view feedback* (not its folder).

    The classroom's exchange list (losslab_classroom_exchange.List) gives the page's path; this
    changes the one call that the link makes. ClassroomError if nbgrader's code has changed.
    """
    static = next(env.glob("share/jupyter/labextensions/@jupyter/nbgrader/static"), None)
    hits = (
        [p for p in static.glob("*.js") if FEEDBACK_LINK in p.read_text(errors="replace")] if static else []
    )
    if len(hits) != 1 or hits[0].read_text().count(FEEDBACK_LINK) != 1:
        raise ClassroomError(
            "nbgrader's Assignment List is not the one the classroom knows (view feedback): "
            "check losslab_grader/classroom/environment.py against the installed nbgrader"
        )
    changed = hits[0].with_suffix(".changed")  # a new file: never the (possibly shared) one in place
    changed.write_text(hits[0].read_text().replace(FEEDBACK_LINK, FEEDBACK_PAGE))
    os.replace(changed, hits[0])


def _proxy(room: Classroom) -> None:
    """configurable-http-proxy, JupyterHub's proxy, from npm into the environment."""
    if shutil.which("npm") is None:
        if os.geteuid() == 0 and shutil.which("apt-get"):
            _run(["apt-get", "install", "-y", "--no-install-recommends", "nodejs", "npm"])
        else:
            raise ClassroomError("JupyterHub's proxy needs Node.js and npm (apt-get install nodejs npm)")
    _run(
        [
            "npm",
            "install",
            "--prefix",
            str(room.env / "node"),
            "--no-save",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
            f"configurable-http-proxy@{PROXY_VERSION}",
        ]
    )


def proxy_command(room: Classroom) -> Path:
    return room.env / "node" / "node_modules" / ".bin" / "configurable-http-proxy"


def lock_down(path: Path) -> None:
    """root's, and nobody else may write (everyone may read and run)."""
    for dirpath, dirnames, filenames in os.walk(path):
        for name in [dirpath, *(os.path.join(dirpath, n) for n in dirnames + filenames)]:
            if not os.path.islink(name):
                os.chown(name, 0, 0)
                os.chmod(name, os.stat(name).st_mode & ~0o022)
