"""Execute the lecture notebooks and render them as a static course site with Sphinx.

    losslab-site [--course DIR] [--out DIR] [--notebooks 'notebooks/[0-9][0-9]*_*.ipynb']

(``make site``.) The course is a checkout holding notebooks/ and site/: the
current directory unless ``--course`` names one. The package may be installed
non-editable, so nothing here finds the course from this file's own path.

Each notebook runs in a fresh kernel with its own directory (notebooks/) as
the working directory and LOSSLAB_STATIC=1, so interactive widgets draw one
static figure instead of sliders; two run at once. The executed notebooks are
then rendered by Sphinx with MyST-NB and the book theme (configuration in
site/conf.py): a sidebar of the course, Sphinx's search, the executed
figures, and formulas typeset by a MathJax served from the site itself, so
``_site/`` works offline and served on its own. Every lecture page links to
its notebook (``notebooks/NN_name.ipynb``) and its assignment
(``assignments/NN_name/NN_name.ipynb``), both copied into the site; links
between lectures point to their pages. A lecture in parts (``04a_…``,
``04b_…``) shares its number's one assignment: each part links to it.

The execution helpers here are shared with tests/notebook_runner.py and
benchmarks/notebooks.py (``from losslab_grader import site``), so all three
run the notebooks the same way.
"""

from __future__ import annotations

import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

# NN_name, or NNx_name for a lecture in parts (04a_softmax, 04b_cross_entropy); a glob cannot
# say "one optional letter", so Course.lectures keeps only the names LECTURE_NAME matches.
DEFAULT_PATTERN = "notebooks/[0-9][0-9]*_*.ipynb"
LECTURE_NAME = re.compile(r"[0-9][0-9][a-z]?_[A-Za-z0-9_]+\.ipynb")
FALLBACK_TITLE = "losslab: a course on loss functions"
CELL_TIMEOUT = 120  # seconds per cell

#: The kernel's environment on top of ours. The inline backend is headless like
#: Agg, but it is the one that sends figures to the notebook as PNGs: a kernel
#: started with MPLBACKEND=Agg (exported by the Makefile) would drop them all.
KERNEL_ENV = {
    "LOSSLAB_STATIC": "1",
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",  # silences a debugger note on stderr
}


class CourseNotFound(ValueError):
    """The folder given as the course is not a checkout of it."""


@dataclass(frozen=True)
class Course:
    """A checkout of the course: the folder holding notebooks/, site/, assignments/ and README.md."""

    root: Path

    @classmethod
    def at(cls, folder: Path | str | None = None) -> Course:
        """The course in ``folder`` (default: the current directory); CourseNotFound if it is not one."""
        root = Path.cwd() if folder is None else Path(folder)
        missing = [name for name in ("notebooks", "site") if not (root / name).is_dir()]
        if missing:
            raise CourseNotFound(
                f"{root.resolve()} is not a checkout of the course: it has no "
                f"{' and no '.join(name + '/' for name in missing)} (run from the course's folder, "
                "or give it with --course DIR)")
        return cls(root.resolve())

    @property
    def notebooks(self) -> Path:
        return self.root / "notebooks"

    @property
    def assignments(self) -> Path:
        return self.root / "assignments"

    @property
    def site_config(self) -> Path:
        """conf.py and anything else Sphinx reads as is."""
        return self.root / "site"

    def lectures(self, pattern: str = DEFAULT_PATTERN) -> list[Path]:
        """The lectures matching ``pattern`` (relative to the course, or absolute), sorted.

        Only names like NN_name.ipynb or NNx_name.ipynb count: the broad default
        glob would otherwise also take, say, a JupyterLab copy 04a_softmax-Copy1.ipynb.
        """
        paths = (Path(p) for p in glob.glob(str(self.root / pattern)))
        return sorted(p for p in paths if LECTURE_NAME.fullmatch(p.name))

    def assignment_for(self, stem: str) -> Path | None:
        """The released assignment notebook of the lecture ``stem``, if there is one.

        Assignments are numbered like the lectures, NN_name/NN_name.ipynb. Both
        parts of a split lecture (04a_softmax, 04b_cross_entropy) get assignment
        04, which covers the two, so the match is on the number, not the name.
        """
        number = re.match(r"[0-9][0-9]", stem)
        if number is None:
            return None
        folders = sorted(self.assignments.glob(f"{number[0]}_*"))
        found = [folder / f"{folder.name}.ipynb" for folder in folders]
        found = [path for path in found if path.is_file()]
        return found[0] if found else None

    def title_and_summary(self) -> tuple[str, str]:
        """The README's title and first paragraph, which open the index too."""
        readme = self.root / "README.md"
        if not readme.is_file():
            return FALLBACK_TITLE, ""
        return title_and_summary(nbformat.v4.new_notebook(cells=[
            nbformat.v4.new_markdown_cell(readme.read_text(encoding="utf-8"))]), FALLBACK_TITLE)


def kernel_env() -> dict[str, str]:
    return {**os.environ, **KERNEL_ENV}


def execute(path: Path, timeout: int = CELL_TIMEOUT) -> tuple[nbformat.NotebookNode, float]:
    """Run the notebook at ``path`` top to bottom in a fresh kernel.

    Returns the executed notebook and the seconds it took (kernel start
    included). Raises nbclient's CellExecutionError, naming the cell, on the
    first error.
    """
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    # transport_encryption="auto": ipykernel warns on its stderr about plain TCP otherwise
    client.execute(env=kernel_env(), transport_encryption="auto")
    return nb, time.perf_counter() - start


def _execute_to_json(path: str) -> tuple[str, float]:
    """``execute`` for a worker process: the notebook travels back as JSON."""
    nb, seconds = execute(Path(path))
    return nbformat.writes(nb), seconds


class NotebookFailed(RuntimeError):
    """A notebook raised; the message names it and holds nbclient's report of the cell."""

    def __init__(self, path: Path, error: Exception) -> None:
        super().__init__(f"{path.name} failed:\n{error}")


def execute_all(paths: list[Path], workers: int = 2) -> dict[Path, tuple[nbformat.NotebookNode, float]]:
    """Execute several notebooks, ``workers`` at a time, each in its own process and kernel.

    Raises NotebookFailed for the first notebook (in order) that fails.
    """
    done = {}
    if workers <= 1 or len(paths) <= 1:
        for path in paths:
            try:
                done[path] = execute(path)
            except CellExecutionError as exc:
                raise NotebookFailed(path, exc) from exc
        return done
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {path: pool.submit(_execute_to_json, str(path)) for path in paths}
        for path, future in futures.items():
            try:
                text, seconds = future.result()
            except CellExecutionError as exc:
                pool.shutdown(cancel_futures=True)
                raise NotebookFailed(path, exc) from exc
            done[path] = (nbformat.reads(text, as_version=4), seconds)
    return done


# --- rendering ---------------------------------------------------------------

def title_and_summary(nb: nbformat.NotebookNode, fallback: str) -> tuple[str, str]:
    """The first markdown heading and the first paragraph of prose after it, as markdown.

    Links are reduced to their words, math stays math. A paragraph that ends by
    introducing a list (a colon) loses that last sentence; if nothing is left,
    the next paragraph is used.
    """
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        title = fallback
        for block in re.split(r"\n\s*\n", cell.source.strip()):
            block = block.strip()
            if block.startswith("#") and title == fallback:
                title = block.lstrip("#").strip().splitlines()[0]
                continue
            if not block or block.startswith(("#", "|", "```", "<", "!", "-", "*", "1.", "$$")):
                continue
            summary = _complete_sentences(_unlink(block))
            if summary:
                return title, summary
        return title, ""
    return fallback, ""


def _unlink(markdown: str) -> str:
    """Markdown prose on one line, links reduced to their words."""
    return " ".join(re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", markdown).split())


def _complete_sentences(text: str) -> str:
    """``text`` without a trailing sentence that ends in a colon (it announces something not shown)."""
    if not text.endswith(":"):
        return text
    sentences = re.split(r"(?<=[.!?])\s+", text)
    return " ".join(sentences[:-1]).strip()


_LECTURE_LINK = re.compile(r"\]\((?:\./)?([0-9][0-9][a-z]?_[A-Za-z0-9_\-]+)\.ipynb(#[^)\s]*)?\)")
_ASSIGNMENT_LINK = re.compile(r"\]\(\.\./assignments/([^)\s]+\.ipynb)\)")


def _relink(source: str, known: set[str]) -> str:
    """Links in a lecture's markdown, rewritten to where their targets are on the site."""
    def lecture(match: re.Match) -> str:
        stem, anchor = match.group(1), match.group(2) or ""
        return f"]({stem}.html{anchor})" if stem in known else match.group(0)

    source = _LECTURE_LINK.sub(lecture, source)
    source = _ASSIGNMENT_LINK.sub(r"](assignments/\1)", source)
    return source.replace("](../README.md)", "](index.html)")


def _run_box(stem: str, assignment: Path | None) -> str:
    """The note under a lecture's title: where to download it and its assignment, and how to run them."""
    lines = [f"[Download this lecture as a notebook](notebooks/{stem}.ipynb)"]
    if assignment is not None:
        # a lecture in parts says that its assignment is the one for all of them
        label = "its assignment" if stem[2] == "_" else f"assignment {stem[:2]}, for both parts"
        lines.append(f"[Download {label}](assignments/{assignment.parent.name}/{assignment.name})")
    return (":::{admonition} Run it yourself\n:class: tip\n\n"
            + " · ".join(lines) + "\n\n"
            "In a copy of the course (the repository or the student bundle), `make lab` opens these "
            "notebooks in JupyterLab with everything installed; every figure below was drawn by the "
            "code on this page.\n:::")


def _page(nb: nbformat.NotebookNode, stem: str, known: set[str],
          assignment: Path | None) -> nbformat.NotebookNode:
    nb = nbformat.from_dict(nb)  # a copy: the caller's notebook stays as executed
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = _relink(cell.source, known)
    first_markdown = next((i for i, c in enumerate(nb.cells) if c.cell_type == "markdown"), -1)
    nb.cells.insert(first_markdown + 1, nbformat.v4.new_markdown_cell(_run_box(stem, assignment)))
    return nb


def _index(course: Course, stems: list[str], meta: list[tuple[str, str]]) -> str:
    title, intro = course.title_and_summary()
    lines = [f"# {title}", "", intro, "",
             "The lectures, executed: every figure on a page was drawn by the code on that page. "
             "Each page links to its notebook and its assignment, to download and run.", "",
             "```{toctree}", ":hidden:", ":caption: Lectures", ""]
    lines += stems
    lines += ["```", "", "## Lectures", ""]
    for stem, (name, summary) in zip(stems, meta, strict=True):
        lines.append(f"- **[{name}]({stem}.html)**  ")
        lines.append(f"  {summary}" if summary else "")
        assignment = course.assignment_for(stem)
        if assignment is not None:
            lines.append(f"  ([notebook](notebooks/{stem}.ipynb) · "
                         f"[assignment](assignments/{assignment.parent.name}/{assignment.name}))")
        lines.append("")
    return "\n".join(lines) + "\n"


def mathjax_files() -> Path:
    """MathJax 2.7, as the jupyter-server-mathjax package ships it."""
    import jupyter_server_mathjax

    return Path(jupyter_server_mathjax.__file__).parent / "static"


def stage(course: Course, executed: dict[Path, nbformat.NotebookNode], src: Path) -> None:
    """Lay out everything Sphinx reads in the empty folder ``src``."""
    paths = sorted(executed)
    stems = [p.stem for p in paths]
    meta = [title_and_summary(executed[p], p.stem) for p in paths]
    shutil.copytree(course.site_config, src, dirs_exist_ok=True)
    shutil.copytree(mathjax_files(), src / "_static" / "mathjax")
    extra = src / "_extra"
    (extra / "notebooks").mkdir(parents=True)
    for path in paths:
        assignment = course.assignment_for(path.stem)
        nbformat.write(_page(executed[path], path.stem, set(stems), assignment), src / path.name)
        shutil.copy2(path, extra / "notebooks" / path.name)  # as a student gets it: unexecuted
        if assignment is not None:  # both parts of a split lecture name the same one: copy it once
            folder = extra / "assignments" / assignment.parent.name
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copy2(assignment, folder / assignment.name)
    (src / "index.md").write_text(_index(course, stems, meta), encoding="utf-8")


class SphinxFailed(RuntimeError):
    """sphinx-build exited non-zero; the message holds what it printed."""


def render(course: Course, executed: dict[Path, nbformat.NotebookNode], out: Path,
           workers: int = 2) -> list[Path]:
    """Render executed notebooks into the site ``out``; return its HTML pages.

    Sphinx runs in its own process with warnings as errors, so a broken page
    fails the build instead of shipping.
    """
    out = Path(out)
    with tempfile.TemporaryDirectory(prefix="losslab-site-") as tmp:
        src, html = Path(tmp) / "src", Path(tmp) / "html"
        stage(course, executed, src)
        # Sphinx writes into html/ and MyST-NB keeps the outputs beside it (tmp/jupyter_execute)
        cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-W", "--keep-going",
               "-j", str(max(workers, 1)), "-d", str(Path(tmp) / "doctrees"), str(src), str(html)]
        proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONWARNINGS": ""})
        if proc.returncode != 0:
            raise SphinxFailed(f"sphinx-build failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}")
        if (out / ".buildinfo").is_file():  # a site we built before: replace it whole, nothing stale stays
            shutil.rmtree(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(html, out, dirs_exist_ok=True)
    return sorted(out.glob("*.html"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--course", type=Path, default=None,
                        help="the course's checkout, with notebooks/ and site/ (default: the current folder)")
    parser.add_argument("--out", type=Path, default=None,
                        help="where to write the site (default: the course's _site/)")
    parser.add_argument("--notebooks", default=DEFAULT_PATTERN,
                        help=f"glob relative to the course (default {DEFAULT_PATTERN})")
    parser.add_argument("--workers", type=int, default=2, help="notebooks executed at once (default 2)")
    args = parser.parse_args(argv)
    try:
        course = Course.at(args.course)
    except CourseNotFound as exc:
        parser.error(str(exc))
    out = args.out if args.out is not None else course.root / "_site"

    paths = course.lectures(args.notebooks)
    if not paths:
        print(f"no notebooks match {args.notebooks!r}", file=sys.stderr)
        return 1
    start = time.perf_counter()
    try:
        results = execute_all(paths, workers=args.workers)
    except NotebookFailed as exc:
        print(f"no site written: {exc}", file=sys.stderr)
        return 1
    for path, (_, seconds) in results.items():
        print(f"  executed {path.name:<45} {seconds:6.1f} s")
    rendered = time.perf_counter()
    try:
        written = render(course, {path: nb for path, (nb, _) in results.items()}, out, workers=args.workers)
    except SphinxFailed as exc:
        print(f"no site written: {exc}", file=sys.stderr)
        return 1
    print(f"  rendered {len(written)} pages with Sphinx in {time.perf_counter() - rendered:.1f} s")
    print(f"wrote {out.resolve()} in {time.perf_counter() - start:.1f} s "
          f"(serve it with: python3 -m http.server -d {out} 8000)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
