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

A rebuild does only what changed. Runs are kept in ``.cache/site/runs/``
(``ExecutionCache``), keyed by a lecture's code and by the environment that
ran it (the losslab library, data/, the installed packages): a lecture runs
again when its code or that environment changes, not when its prose does.
Sphinx keeps its workspace in ``.cache/site/sphinx/`` (``Renderer``) and
reads again only the pages that changed; the Pythons the build starts keep
their bytecode in ``.cache/site/bytecode/`` where PYTHONDONTWRITEBYTECODE
would otherwise have them compile everything anew (``bytecode_env``).
``--no-cache`` builds from nothing.

The execution helpers here are shared with tests/notebook_runner.py and
benchmarks/notebooks.py (``from losslab_grader import site``), so all three
run the notebooks the same way.
"""

from __future__ import annotations

import argparse
import contextlib
import filecmp
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from .course import DEFAULT_PATTERN, Course, CourseNotFound

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


def site_course(folder: Path | str | None = None) -> Course:
    """The course in folder (default: the current folder), if it has what a site is built from."""
    root = Path.cwd() if folder is None else Path(folder)
    missing = [name for name in ("notebooks", "site") if not (root / name).is_dir()]
    if missing:
        raise CourseNotFound(
            f"{root.resolve()} is not a checkout of the course: it has no "
            f"{' and no '.join(name + '/' for name in missing)} (run from the course's folder, "
            "or give it with --course DIR)")
    return Course(root.resolve())


def readme_title(course: Course) -> tuple[str, str]:
    """The README's title and first paragraph, which open the index too."""
    readme = course.root / "README.md"
    if not readme.is_file():
        return FALLBACK_TITLE, ""
    return title_and_summary(nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell(readme.read_text(encoding="utf-8"))]), FALLBACK_TITLE)


#: Run in each kernel before the lecture (ipykernel's exec_lines): every figure that the inline
#: backend shows carries its own words (titles, axis labels, legend entries) as "alt" in its
#: output's metadata, which ``_page`` hands to MyST-NB as the image's alt text; without it a
#: screen reader reads out a figure's file name. It wraps the backend's _fetch_figure_metadata,
#: a private function: should that change, figures get no words and the lecture runs as before.
FIGURE_WORDS = r"""
def _losslab_figure_words():
    import re
    from matplotlib_inline import backend_inline

    def plain(text):  # TeX as a screen reader can say it: $\Delta_{i}$ -> Delta_i
        text = re.sub(r"\\([A-Za-z]+)", r"\1", text.replace("$", ""))
        return " ".join(re.sub(r"\\.", " ", text.replace("{", "").replace("}", "")).split())

    def words(fig):
        said = []

        def say(text, prefix=""):
            text = plain(text)
            if text and prefix + text not in said:
                said.append(prefix + text)

        say(fig.get_suptitle() if hasattr(fig, "get_suptitle") else "")
        legends = list(fig.legends)
        for ax in fig.axes:
            say(ax.get_title())
            say(ax.get_xlabel(), "x axis: ")
            say(ax.get_ylabel(), "y axis: ")
            legends.append(ax.get_legend())
        entries = [plain(text.get_text()) for legend in legends if legend for text in legend.get_texts()]
        say(", ".join(dict.fromkeys(entry for entry in entries if entry)), "legend: ")
        return "; ".join(said)[:400]

    fetch = backend_inline._fetch_figure_metadata

    def fetch_with_words(fig):
        metadata = fetch(fig) or {}
        try:
            alt = words(fig)
        except Exception:
            alt = ""
        return {**metadata, "alt": alt} if alt else (metadata or None)

    backend_inline._fetch_figure_metadata = fetch_with_words


try:
    _losslab_figure_words()
except Exception:
    pass
del _losslab_figure_words
"""


def kernel_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    return {**os.environ, **KERNEL_ENV, **(extra or {})}


def execute(path: Path, timeout: int = CELL_TIMEOUT,
            env: dict[str, str] | None = None) -> tuple[nbformat.NotebookNode, float]:
    """Run the notebook at ``path`` top to bottom in a fresh kernel.

    Returns the executed notebook and the seconds it took (kernel start
    included). ``env`` adds to the kernel's variables things that do not
    change what it computes (``bytecode_env``). Raises nbclient's
    CellExecutionError, naming the cell, on the first error.
    """
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        extra_arguments=[f"--IPKernelApp.exec_lines={FIGURE_WORDS}"],
    )
    start = time.perf_counter()
    # transport_encryption="auto": ipykernel warns on its stderr about plain TCP otherwise
    client.execute(env=kernel_env(env), transport_encryption="auto")
    return nb, time.perf_counter() - start


def _execute_to_json(path: str, env: dict[str, str] | None) -> tuple[str, float]:
    """``execute`` for a worker process: the notebook travels back as JSON."""
    nb, seconds = execute(Path(path), env=env)
    return nbformat.writes(nb), seconds


class NotebookFailed(RuntimeError):
    """A notebook raised; the message names it and holds nbclient's report of the cell."""

    def __init__(self, path: Path, error: Exception) -> None:
        super().__init__(f"{path.name} failed:\n{error}")


def execute_all(paths: list[Path], workers: int = 2,
                finished: Callable[[Path, nbformat.NotebookNode, float], None] | None = None,
                env: dict[str, str] | None = None) -> dict[Path, tuple[nbformat.NotebookNode, float]]:
    """Execute several notebooks, ``workers`` at a time, each in its own process and kernel.

    ``finished(path, nb, seconds)`` is called for each notebook as it is
    collected, so a caller can keep the ones that ran even when a later one
    fails. Raises NotebookFailed for the first notebook (in order) that fails.
    """
    done = {}

    def collect(path: Path, nb: nbformat.NotebookNode, seconds: float) -> None:
        done[path] = (nb, seconds)
        if finished is not None:
            finished(path, nb, seconds)

    if workers <= 1 or len(paths) <= 1:
        for path in paths:
            try:
                collect(path, *execute(path, env=env))
            except CellExecutionError as exc:
                raise NotebookFailed(path, exc) from exc
        return done
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {path: pool.submit(_execute_to_json, str(path), env) for path in paths}
        for path, future in futures.items():
            try:
                text, seconds = future.result()
            except CellExecutionError as exc:
                pool.shutdown(cancel_futures=True)
                raise NotebookFailed(path, exc) from exc
            collect(path, nbformat.reads(text, as_version=4), seconds)
    return done


# --- the execution cache -----------------------------------------------------

def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def _library() -> Path | None:
    """The folder of the losslab package that this Python, and so the kernel, imports."""
    spec = importlib.util.find_spec("losslab")
    return Path(spec.origin).parent if spec is not None and spec.origin else None


def environment_key(course: Course) -> str:
    """A digest of what a lecture's outputs depend on besides the lecture itself.

    That is every file of the losslab package the kernel imports, the course's
    data/ (what losslab.data loads), this Python and the version of every
    installed distribution (the kernel runs in the same environment), and the
    kernel's variables and set-up (KERNEL_ENV, FIGURE_WORDS). A change to any
    of them changes the key.
    """
    digest = hashlib.sha256()

    def add(*parts: str | bytes) -> None:
        for part in parts:
            digest.update(part if isinstance(part, bytes) else part.encode())
            digest.update(b"\0")

    add(sys.executable, sys.version)
    add(*sorted({f"{dist.metadata['Name']}=={dist.version}" for dist in importlib.metadata.distributions()}))
    add(*sorted(f"{name}={value}" for name, value in KERNEL_ENV.items()), FIGURE_WORDS)
    for folder in (_library(), course.root / "data"):
        if folder is not None and folder.is_dir():
            for path in _files(folder):
                add(path.relative_to(folder).as_posix(), path.read_bytes())
    return digest.hexdigest()


class ExecutionCache:
    """Executed lectures kept between builds: ``folder/<stem>-<key>.ipynb``, the latest run of each.

    A run's key is a digest of what its outputs depend on: the notebook's code
    cells (source and metadata) and kernelspec, which is what jupyter-cache,
    MyST-NB's cache, looks at, and the ``environment`` (environment_key), which
    jupyter-cache does not see. Prose is not in the key: an edit to prose
    re-renders a page without running it again.
    """

    def __init__(self, folder: Path, environment: str) -> None:
        self.folder, self.environment = Path(folder), environment
        self.folder.mkdir(parents=True, exist_ok=True)

    def key(self, nb: nbformat.NotebookNode) -> str:
        code = [[cell.source, cell.metadata] for cell in nb.cells if cell.cell_type == "code"]
        text = json.dumps([self.environment, nb.metadata.get("kernelspec"), code], sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def _file(self, path: Path, nb: nbformat.NotebookNode) -> Path:
        return self.folder / f"{path.stem}-{self.key(nb)}.ipynb"

    def lookup(self, path: Path, nb: nbformat.NotebookNode) -> nbformat.NotebookNode | None:
        """Lecture ``nb`` (from ``path``) with its last run's outputs; None if its code has not run here."""
        file = self._file(path, nb)
        if not file.is_file():
            return None
        try:
            ran = nbformat.read(file, as_version=4)
        except (OSError, ValueError):  # unreadable: as good as absent, the lecture runs again
            return None
        merged = nbformat.from_dict(nb)  # today's prose, the run's outputs: the code cells are the same
        runs = (cell for cell in ran.cells if cell.cell_type == "code")
        for cell in merged.cells:
            if cell.cell_type == "code":
                run = next(runs)
                cell.outputs, cell.execution_count = run.outputs, run.execution_count
        if "language_info" in ran.metadata:  # which lexer MyST-NB highlights the code with
            merged.metadata.language_info = ran.metadata.language_info
        return merged

    def store(self, path: Path, source: nbformat.NotebookNode, executed: nbformat.NotebookNode) -> None:
        """Keep ``executed``, the run of ``source`` (from ``path``), in place of the lecture's older runs."""
        file = self._file(path, source)
        partial = file.with_suffix(".partial")
        nbformat.write(executed, partial)
        partial.replace(file)  # whole or not at all, should two builds run at once
        for old in self.folder.glob(f"{path.stem}-*.ipynb"):
            if old != file:
                old.unlink(missing_ok=True)


@dataclass
class Run:
    """A lecture as the site shows it: executed now, or its earlier run from the cache."""

    nb: nbformat.NotebookNode
    seconds: float  # executing it, kernel start included; 0 when it came from the cache
    cached: bool


def execute_lectures(paths: list[Path], cache: ExecutionCache | None = None, workers: int = 2,
                     env: dict[str, str] | None = None) -> dict[Path, Run]:
    """Every lecture in ``paths`` with its outputs: from ``cache`` where its code ran before, else executed.

    Lectures executed here are added to the cache as they finish. Raises
    NotebookFailed like ``execute_all``.
    """
    sources = {path: nbformat.read(path, as_version=4) for path in paths}
    runs = {}
    if cache is not None:
        for path, nb in sources.items():
            hit = cache.lookup(path, nb)
            if hit is not None:
                runs[path] = Run(hit, 0.0, cached=True)

    def finished(path: Path, nb: nbformat.NotebookNode, seconds: float) -> None:
        runs[path] = Run(nb, seconds, cached=False)
        if cache is not None:
            cache.store(path, sources[path], nb)

    execute_all([path for path in paths if path not in runs], workers=workers, finished=finished, env=env)
    return {path: runs[path] for path in paths}


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


FIGURE_ALT = "A figure drawn by the code above"  # for a figure with no words of its own


def _alt_text(cell: nbformat.NotebookNode) -> None:
    """Give MyST-NB an alt text for the figures a code cell shows, unless the lecture wrote one.

    The words are the figures' own (FIGURE_WORDS, recorded when the lecture
    ran); MyST-NB would otherwise use each image's file name.
    """
    images = [out for out in cell.get("outputs", []) if "image/png" in out.get("data", {})]
    options = cell.metadata.get("mystnb", {}).get("image", {})
    if not images or "alt" in options:
        return
    words = dict.fromkeys(out.get("metadata", {}).get("alt") for out in images)
    alt = " / ".join(word for word in words if word) or FIGURE_ALT
    cell.metadata["mystnb"] = {**cell.metadata.get("mystnb", {}), "image": {**options, "alt": alt}}


def _page(nb: nbformat.NotebookNode, stem: str, known: set[str],
          assignment: Path | None) -> nbformat.NotebookNode:
    nb = nbformat.from_dict(nb)  # a copy: the caller's notebook stays as executed
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = _relink(cell.source, known)
        elif cell.cell_type == "code":
            _alt_text(cell)
    first_markdown = next((i for i, c in enumerate(nb.cells) if c.cell_type == "markdown"), -1)
    # a fixed id (not nbformat's random one), so an unchanged page stages to the same bytes
    box = nbformat.v4.new_markdown_cell(_run_box(stem, assignment), id="losslab-run-box")
    nb.cells.insert(first_markdown + 1, box)
    return nb


def _index(course: Course, stems: list[str], meta: list[tuple[str, str]]) -> str:
    title, intro = readme_title(course)
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
    """MathJax 2.7 as jupyter-server-mathjax ships it (found, not imported: importing starts a server)."""
    spec = importlib.util.find_spec("jupyter_server_mathjax")
    if spec is None or not spec.origin:
        raise ModuleNotFoundError("the site's MathJax comes from jupyter-server-mathjax: it is not installed")
    return Path(spec.origin).parent / "static"


def stage(course: Course, executed: dict[Path, nbformat.NotebookNode], src: Path) -> list[list[str]]:
    """Lay out everything Sphinx reads in the empty folder ``src``; return the sidebar, [stem, title] each.

    MathJax is not among it: it goes into the HTML as it is (``Renderer``).
    """
    paths = sorted(executed)
    stems = [p.stem for p in paths]
    meta = [title_and_summary(executed[p], p.stem) for p in paths]
    shutil.copytree(course.site_config, src, dirs_exist_ok=True)
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
    return [[stem, title] for stem, (title, _) in zip(stems, meta, strict=True)]


def sync_tree(src: Path, dst: Path, fresh: bool = False) -> tuple[list[Path], list[Path]]:
    """Make ``dst`` a copy of ``src`` by touching only what differs.

    New and changed files are copied, with their times unless ``fresh``;
    files and folders that ``src`` lacks are deleted. A file with the same
    bytes keeps its old time. Sphinx's incremental build goes by those times,
    so its sources are synced ``fresh``: a changed template copied with the
    (older) time of the course's file would look older than the pages built
    from it. Returns the paths copied and deleted, relative to the folders.
    """
    copied, deleted, wanted = [], [], set()
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src)
        wanted.add(rel)
        target = dst / rel
        if path.is_dir():
            if target.exists() and not target.is_dir():
                target.unlink()
            target.mkdir(parents=True, exist_ok=True)
        elif not (target.is_file() and filecmp.cmp(path, target, shallow=True)):  # times, else bytes
            if target.is_dir():
                shutil.rmtree(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            (shutil.copy if fresh else shutil.copy2)(path, target)
            copied.append(rel)
    for path in sorted(dst.rglob("*"), reverse=True) if dst.is_dir() else []:  # children first
        rel = path.relative_to(dst)
        if rel in wanted:
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
        deleted.append(rel)
    return copied, deleted


class SphinxFailed(RuntimeError):
    """sphinx-build exited non-zero; the message holds what it printed."""


#: sphinx-build, started ahead of time: it imports Sphinx, its own extensions, MyST-NB and the
#: theme (site/conf.py's), seconds of work that overlap with the lectures' execution, then waits
#: for a line on stdin, which holds any further options, before it reads a source.
#: rfc3987_syntax is marked absent as losslab_grader's __init__ does: jsonschema (through
#: nbformat) would compile some 40 lark grammars for it, seconds more, for URI formats no
#: notebook uses.
_SPHINX_MAIN = """
import importlib, sys
sys.modules["rfc3987_syntax"] = None
from sphinx.application import builtin_extensions
from sphinx.cmd.build import main
for name in (*builtin_extensions, "myst_nb.sphinx_ext", "sphinx_book_theme"):
    try:
        importlib.import_module(name)
    except ImportError:
        pass  # Sphinx says what is missing when conf.py asks for it
sys.exit(main(sys.argv[1:] + sys.stdin.readline().split()))
"""


class Renderer:
    """Sphinx rendering executed lectures into a site, in the folder ``workspace``.

    Sphinx starts when the Renderer is made, so its imports overlap with
    whatever the caller does before ``render`` (``build`` executes the
    lectures). It runs in its own process with warnings as errors, so a broken
    page fails the build instead of shipping, and the site is left as it was.

    Sphinx's sources, doctrees and pages stay in the workspace from one build
    to the next (``make site`` keeps it in the cache folder): a staged file is
    rewritten only when its bytes change, so Sphinx reads and writes again
    only the pages that changed. When the sidebar changes (a lecture added,
    removed or retitled) every page is written again (-a), since each lists
    the others; when a build fails, the next starts from nothing, since
    Sphinx would not warn again about a page it does not read again.
    """

    def __init__(self, workspace: Path, workers: int = 2, env: dict[str, str] | None = None) -> None:
        self.workspace = Path(workspace)
        self.src, self.html = self.workspace / "src", self.workspace / "html"
        self.doctrees, self.nav = self.workspace / "doctrees", self.workspace / "nav.json"
        self.workspace.mkdir(parents=True, exist_ok=True)
        # Sphinx writes into html/ and MyST-NB keeps the outputs beside it (workspace/jupyter_execute)
        cmd = [sys.executable, "-c", _SPHINX_MAIN, "-b", "html", "-q", "-W", "--keep-going",
               "-j", str(max(workers, 1)), "-d", str(self.doctrees), str(self.src), str(self.html)]
        self._sphinx = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True,
                                        env={**os.environ, "PYTHONWARNINGS": "", **(env or {})})

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Stop Sphinx if it is still waiting (the build failed before ``render``)."""
        if self._sphinx.stdin.closed:  # render ran it to the end
            return
        if self._sphinx.poll() is None:
            self._sphinx.kill()
        self._sphinx.communicate()

    def render(self, course: Course, executed: dict[Path, nbformat.NotebookNode], out: Path) -> list[Path]:
        """Render executed notebooks into the site ``out``; return its HTML pages."""
        with tempfile.TemporaryDirectory(prefix="losslab-stage-") as staged:
            nav = stage(course, executed, Path(staged))
            _, deleted = sync_tree(Path(staged), self.src, fresh=True)
        if any(path.suffix in (".ipynb", ".md") for path in deleted):
            shutil.rmtree(self.html, ignore_errors=True)  # Sphinx would leave a deleted page's HTML behind
        same_nav = self.nav.is_file() and json.loads(self.nav.read_text(encoding="utf-8")) == nav
        self.nav.unlink(missing_ok=True)  # until this build succeeds
        stdout, stderr = self._sphinx.communicate("" if same_nav else "-a\n")
        if self._sphinx.returncode != 0:
            shutil.rmtree(self.doctrees, ignore_errors=True)
            shutil.rmtree(self.html, ignore_errors=True)
            raise SphinxFailed(f"sphinx-build failed ({self._sphinx.returncode}):\n{stdout}{stderr}")
        self.nav.write_text(json.dumps(nav), encoding="utf-8")
        sync_tree(mathjax_files(), self.html / "_static" / "mathjax")  # as it is: Sphinx need not copy it
        _drop_unused_images(self.html)
        out = Path(out)
        if out.exists() and not (out / ".buildinfo").is_file():  # not a site we built: add, delete nothing
            shutil.copytree(self.html, out, dirs_exist_ok=True)
        else:  # a site we built before, or none: it becomes this one, nothing stale stays
            sync_tree(self.html, out)
        return sorted(out.glob("*.html"))


def render(course: Course, executed: dict[Path, nbformat.NotebookNode], out: Path,
           workers: int = 2) -> list[Path]:
    """Render executed notebooks into the site ``out`` from nothing; return its HTML pages."""
    with tempfile.TemporaryDirectory(prefix="losslab-site-") as workspace, \
            Renderer(Path(workspace), workers) as renderer:
        return renderer.render(course, executed, out)


def _drop_unused_images(html: Path) -> None:
    """Delete figures of earlier builds from ``html/_images``: Sphinx adds new ones and keeps the old."""
    images = html / "_images"
    if not images.is_dir():
        return
    used = set()
    for page in html.rglob("*.html"):
        used.update(re.findall(r"_images/([^\"'\s)?#]+)", page.read_text(encoding="utf-8")))
    for image in images.iterdir():
        if image.is_file() and image.name not in used:
            image.unlink()


# --- the build ---------------------------------------------------------------

@dataclass
class Build:
    """What one ``build`` did, for the printout and the benchmark."""

    runs: dict[Path, Run]
    pages: list[Path]
    executing: float  # seconds: lectures executed or taken from the cache
    rendering: float  # seconds: staging, Sphinx, and copying into the site

    @property
    def executed(self) -> list[Path]:
        return [path for path, run in self.runs.items() if not run.cached]


def cache_folder(course: Course) -> Path:
    """Where ``make site`` keeps its runs and Sphinx's workspace: .cache/site/ in the course.

    The folder holds a .gitignore of ``*`` (as pytest's cache does), so git
    ignores it with no line in the course's own .gitignore.
    """
    folder = course.root / ".cache" / "site"
    folder.mkdir(parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.is_file():
        ignore.write_text("# made by losslab-site: executed lectures and Sphinx's workspace\n*\n")
    return folder


def bytecode_env(cache: Path) -> dict[str, str]:
    """Where the Pythons a build starts (Sphinx, the kernels) keep the bytecode of what they import.

    With PYTHONDONTWRITEBYTECODE set, as on the course's development
    machines, each would compile every module it imports, every time:
    seconds per kernel (numpy, matplotlib, scikit-learn) and for Sphinx. They
    keep it in the cache folder instead (PYTHONPYCACHEPREFIX), never beside
    the sources, so the wish behind the setting holds. Without the setting,
    Python keeps bytecode as usual and nothing changes.
    """
    if not os.environ.get("PYTHONDONTWRITEBYTECODE"):
        return {}
    return {"PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": str(cache / "bytecode")}


def build(course: Course, out: Path, paths: list[Path], workers: int = 2,
          cache: Path | None = None) -> Build:
    """Execute ``paths`` (from the runs kept in ``cache`` where they ran before) and render them into ``out``.

    With ``cache`` None nothing is kept between builds: every lecture runs and
    Sphinx starts from nothing. Raises NotebookFailed or SphinxFailed.
    """
    start = time.perf_counter()
    with contextlib.ExitStack() as stack:
        workspace = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="losslab-site-"))
                         if cache is None else cache / "sphinx")
        env = {} if cache is None else bytecode_env(cache)
        renderer = stack.enter_context(Renderer(workspace, workers, env))  # Sphinx imports while lectures run
        runs_cache = None if cache is None else ExecutionCache(cache / "runs", environment_key(course))
        runs = execute_lectures(paths, runs_cache, workers=workers, env=env)
        executing = time.perf_counter() - start
        pages = renderer.render(course, {path: run.nb for path, run in runs.items()}, out)
    return Build(runs, pages, executing, time.perf_counter() - start - executing)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--course", type=Path, default=None,
                        help="the course's checkout, with notebooks/ and site/ (default: the current folder)")
    parser.add_argument("--out", type=Path, default=None,
                        help="where to write the site (default: the course's _site/)")
    parser.add_argument("--notebooks", default=DEFAULT_PATTERN,
                        help=f"glob relative to the course (default {DEFAULT_PATTERN})")
    parser.add_argument("--workers", type=int, default=2, help="notebooks executed at once (default 2)")
    parser.add_argument("--no-cache", action="store_true",
                        help="execute every lecture and render from nothing (the cache is .cache/site/)")
    args = parser.parse_args(argv)
    try:
        course = site_course(args.course)
    except CourseNotFound as exc:
        parser.error(str(exc))
    out = args.out if args.out is not None else course.root / "_site"

    paths = course.lectures(args.notebooks)
    if not paths:
        print(f"no notebooks match {args.notebooks!r}", file=sys.stderr)
        return 1
    try:
        cache = None if args.no_cache else cache_folder(course)
        done = build(course, out, paths, workers=args.workers, cache=cache)
    except (NotebookFailed, SphinxFailed) as exc:
        print(f"no site written: {exc}", file=sys.stderr)
        return 1
    for path, run in done.runs.items():
        print(f"  {'cached' if run.cached else 'executed'} {path.name:<45} "
              + ("  (unchanged since it last ran)" if run.cached else f"{run.seconds:6.1f} s"))
    print(f"  rendered {len(done.pages)} pages with Sphinx in {done.rendering:.1f} s")
    print(f"wrote {out.resolve()} in {done.executing + done.rendering:.1f} s "
          f"(serve it with: python3 -m http.server -d {out} 8000)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
