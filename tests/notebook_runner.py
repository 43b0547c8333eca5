"""Run each lecture notebook at most once per pytest session.

test_notebooks.py checks the executed notebooks and test_site.py renders
them; both ask ``executed(path)``, which executes a notebook the first time
(with scripts/build_site.py's ``execute``: fresh kernel, cwd notebooks/,
LOSSLAB_STATIC=1, headless matplotlib) and afterwards returns the same
result, or raises the same error, from a session-wide cache.

``built_site()`` renders those executed notebooks with build_site's
``render`` (Sphinx) once per session, for test_site.py and
test_site_browser.py alike.
"""

from __future__ import annotations

import atexit
import importlib.util
import re
import shutil
import sys
import tempfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]


def _load_build_site():
    """scripts/build_site.py as a module (scripts/ is not a package)."""
    name = "losslab_build_site"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / "build_site.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


build_site = _load_build_site()


# which notebooks are lectures, and where they live, is build_site's to say
NOTEBOOK_DIR = build_site.NOTEBOOKS
lecture_notebooks = build_site.lecture_notebooks


_cache: dict[Path, tuple[nbformat.NotebookNode, float] | BaseException] = {}


def executed(path: Path) -> tuple[nbformat.NotebookNode, float]:
    """The notebook at ``path`` after a run in a fresh kernel, and the seconds it took."""
    path = Path(path).resolve()
    if path not in _cache:
        try:
            _cache[path] = build_site.execute(path)
        except Exception as exc:  # remembered, so a second caller sees the same failure
            _cache[path] = exc
    result = _cache[path]
    if isinstance(result, BaseException):
        raise result
    return result


_site: list[Path | BaseException] = []


def built_site() -> Path:
    """The course site (``make site``'s output) built from the executed lectures, once per session.

    Raises the first notebook's failure, or build_site.SphinxFailed, every time it is asked.
    """
    if not _site:
        try:
            notebooks = {path: executed(path)[0] for path in lecture_notebooks()}
            tmp = Path(tempfile.mkdtemp(prefix="losslab-test-site-"))
            atexit.register(shutil.rmtree, tmp, True)
            build_site.render(notebooks, tmp / "_site")
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
