"""Run each lecture notebook at most once per pytest session.

test_notebooks.py checks the executed notebooks and test_site.py renders
them; both ask ``executed(path)``, which executes a notebook the first time
(with losslab_grader.site's ``execute``, as ``make site`` does: fresh kernel,
cwd notebooks/, LOSSLAB_STATIC=1, headless matplotlib) and afterwards returns
the same result, or raises the same error, from a session-wide cache. The
site's execution cache between builds is not used: tests run every lecture.

``built_site()`` renders those executed notebooks with the site's ``render``
(Sphinx) once per session, for test_site.py and test_site_browser.py alike.
"""

from __future__ import annotations

import atexit
import re
import shutil
import tempfile
from pathlib import Path

import nbformat
from losslab_grader import site

# the tests live in the checkout they test
COURSE = site.site_course(Path(__file__).resolve().parents[1])

# which notebooks are lectures, and where they live, is the site's to say
NOTEBOOK_DIR = COURSE.notebooks


def lecture_notebooks() -> list[Path]:
    return COURSE.lectures()


_cache: dict[Path, tuple[nbformat.NotebookNode, float] | BaseException] = {}


def executed(path: Path) -> tuple[nbformat.NotebookNode, float]:
    """The notebook at ``path`` after a run in a fresh kernel, and the seconds it took."""
    path = Path(path).resolve()
    if path not in _cache:
        try:
            _cache[path] = site.execute(path)
        except Exception as exc:  # remembered, so a second caller sees the same failure
            _cache[path] = exc
    result = _cache[path]
    if isinstance(result, BaseException):
        raise result
    return result


_site: list[Path | BaseException] = []


def built_site() -> Path:
    """The course site (``make site``'s output) built from the executed lectures, once per session.

    Raises the first notebook's failure, or site.SphinxFailed, every time it is asked.
    """
    if not _site:
        try:
            notebooks = {path: executed(path)[0] for path in lecture_notebooks()}
            tmp = Path(tempfile.mkdtemp(prefix="losslab-test-site-"))
            atexit.register(shutil.rmtree, tmp, True)
            site.render(COURSE, notebooks, tmp / "_site")
            _site.append(tmp / "_site")
        except Exception as exc:
            _site.append(exc)
    result = _site[0]
    if isinstance(result, BaseException):
        raise result
    return result


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
