"""Run each lecture notebook at most once per test run, however many xdist workers ask.

test_notebooks.py checks the executed notebooks and test_site.py renders
them; both ask ``executed(path)``, which executes a notebook the first time
(with losslab_grader.site's ``execute``, as ``make site`` does: fresh kernel,
cwd notebooks/, LOSSLAB_STATIC=1, headless matplotlib) and afterwards returns
the same result, or raises LectureFailed with the same report. The site's
execution cache between builds is not used: tests run every lecture.

``built_site()`` renders those executed notebooks with the site's ``render``
(Sphinx) once, for test_site.py and test_site_browser.py alike.

Under xdist the tests' conftest gives ``share_in`` a folder every worker of the
run sees (pytest's base temporary folder): the first worker to need a lecture or
the site makes it there under a file lock, the others wait and read it. Each
lecture costs seconds of CPU and the site a minute, and the modules that need
them run in different workers.
"""

from __future__ import annotations

import atexit
import fcntl
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import nbformat
from losslab_grader import site

# the tests live in the checkout they test
COURSE = site.site_course(Path(__file__).resolve().parents[1])

# which notebooks are lectures, and where they live, is the site's to say
NOTEBOOK_DIR = COURSE.notebooks


def lecture_notebooks() -> list[Path]:
    return COURSE.lectures()


class LectureFailed(RuntimeError):
    """A lecture raised (here or in another worker); the message is nbclient's report of the cell."""


#: The folder where executed lectures and the site are kept: every worker's of this run, or this process's.
_shared: list[Path] = []


def share_in(folder: Path) -> None:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    _shared[:] = [folder]


def _made_once(name: str, make: Callable[[Path], None]) -> Path:
    """The run's folder once make(folder) has run there for name, here or in another worker.

    Under a lock every worker respects; raises LectureFailed with make's failure, every time.
    """
    if not _shared:  # one process: a folder of its own
        _shared.append(Path(tempfile.mkdtemp(prefix="losslab-test-lectures-")))
        atexit.register(shutil.rmtree, _shared[0], True)
    folder, done = _shared[0], _shared[0] / f"{name}.done"
    with open(folder / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            try:
                make(folder)
                done.write_text("")
            except Exception as exc:  # remembered, so every caller sees the same failure
                done.write_text(f"{type(exc).__name__}: {exc}")
        failure = done.read_text()
    if failure:
        raise LectureFailed(failure)
    return folder


_cache: dict[Path, tuple[nbformat.NotebookNode, float]] = {}


def executed(path: Path) -> tuple[nbformat.NotebookNode, float]:
    """The notebook at ``path`` after a run in a fresh kernel, and the seconds it took."""
    path = Path(path).resolve()

    def run(folder: Path) -> None:
        nb, seconds = site.execute(path)
        nbformat.write(nb, folder / path.name)
        (folder / f"{path.stem}.seconds").write_text(repr(seconds))

    if path not in _cache:
        folder = _made_once(path.stem, run)
        _cache[path] = (
            nbformat.read(folder / path.name, as_version=4),
            float((folder / f"{path.stem}.seconds").read_text()),
        )
    return _cache[path]


def built_site() -> Path:
    """The course site (``make site``'s output) built from the executed lectures, once per run.

    Raises LectureFailed for the first lecture that fails, or the report of Sphinx's failure.
    """

    def build(folder: Path) -> None:
        site.render(COURSE, {path: executed(path)[0] for path in lecture_notebooks()}, folder / "_site")

    return _made_once("site", build) / "_site"


def _texts(output) -> list[str]:
    if output.output_type == "stream":
        return [output.text]
    if output.output_type == "error":
        return [f"{output.ename}: {output.evalue}"]
    data = output.get("data", {})
    return [data[kind] for kind in ("text/plain", "text/markdown") if kind in data]


def output_problems(nb: nbformat.NotebookNode) -> list[str]:
    """Everything an executed lecture must not show: stderr, errors, any text with 'Warning'."""
    problems = []
    code_number = 0
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        code_number += 1
        first_line = cell.source.strip().splitlines()[0] if cell.source.strip() else "(empty)"
        where = f"cell {index} (code cell {code_number}, starting {first_line!r})"
        for output in cell.get("outputs", []):
            if output.output_type == "stream" and output.name == "stderr":
                problems.append(f"{where} wrote to stderr:\n{output.text.rstrip()}")
                continue
            for text in _texts(output):
                if "Warning" in text:
                    lines = [line for line in text.splitlines() if "Warning" in line]
                    problems.append(f"{where} printed a warning:\n" + "\n".join(lines))
    return problems


def strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)
