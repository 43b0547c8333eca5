"""Execute the lecture notebooks and render them as a static HTML course.

    .venv/bin/python scripts/build_site.py [--out _site] [--notebooks 'notebooks/[0-9][0-9]_*.ipynb']

Each notebook runs in a fresh kernel with its own directory (notebooks/) as
the working directory and LOSSLAB_STATIC=1, so interactive widgets draw one
static figure instead of sliders. The pages are nbconvert's 'lab' template
with every figure embedded as a base64 PNG: a page needs no network to read
(MathJax, loaded from its CDN, only typesets the formulas; without it the
LaTeX source shows). Each page links to the previous and next lecture and
to the index, and links between lectures (``02_svm_loss.ipynb``) point to
their pages (``02_svm_loss.html``).

The execution helpers here are shared with tests/notebook_runner.py and
benchmarks/notebooks.py, so all three run the notebooks the same way.
"""

from __future__ import annotations

import argparse
import glob
import html
import os
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
DEFAULT_PATTERN = "notebooks/[0-9][0-9]_*.ipynb"
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


def lecture_notebooks(pattern: str = DEFAULT_PATTERN) -> list[Path]:
    """The notebooks matching ``pattern`` (relative to the repository root, or absolute), sorted."""
    return sorted(Path(p) for p in glob.glob(str(ROOT / pattern)))


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
    """The first markdown heading and the first paragraph after it, as plain text."""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        title, summary = fallback, ""
        for block in re.split(r"\n\s*\n", cell.source.strip()):
            block = block.strip()
            if block.startswith("#") and title == fallback:
                title = block.lstrip("#").strip().splitlines()[0]
            elif block and not block.startswith(("#", "|", "```", "<", "!", "-", "*", "1.")):
                summary = _plain(block)
                break
        return title, summary
    return fallback, ""


def _plain(markdown: str) -> str:
    """Markdown prose reduced to text: links to their words, emphasis and code marks dropped."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    text = re.sub(r"[*_`]{1,2}([^*_`]+)[*_`]{1,2}", r"\1", text)
    text = re.sub(r"\$([^$]+)\$", r"\1", text)  # inline math, shown as its source
    return " ".join(text.split())


_REQUIRE_JS = re.compile(r'<script src="[^"]*require(?:\.min)?\.js"></script>\s*')
_LECTURE_LINK = re.compile(r'href="(?:\./)?([0-9][0-9]_[A-Za-z0-9_\-]+)\.ipynb(#[^"]*)?"')

PAGE_CSS = """
.losslab-nav { font-family: system-ui, sans-serif; display: flex; gap: 1.5em; justify-content: center;
  padding: 0.6em; margin: 0 auto; max-width: 1100px; border-bottom: 1px solid #ddd; }
.losslab-nav.bottom { border-bottom: none; border-top: 1px solid #ddd; margin-top: 2em; }
.losslab-nav a { text-decoration: none; }
"""

INDEX_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 860px; margin: 2em auto; padding: 0 1em;
  line-height: 1.5; color: #222; }}
li {{ margin-bottom: 1em; }}
li a {{ font-weight: 600; font-size: 1.1em; }}
p.summary {{ margin: 0.2em 0 0 0; color: #444; }}
</style>
</head>
<body>
<h1>{title}</h1>
<p>{intro}</p>
<p>The lectures, executed: every figure on a page was drawn by the code on that page.</p>
<ol>
{entries}
</ol>
</body>
</html>
"""


def course_title_and_summary() -> tuple[str, str]:
    """The README's title and first paragraph, which open the index too."""
    readme = ROOT / "README.md"
    if not readme.is_file():
        return FALLBACK_TITLE, ""
    return title_and_summary(nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell(readme.read_text(encoding="utf-8"))]), FALLBACK_TITLE)


def _nav(pages: list[tuple[str, str]], i: int, where: str) -> str:
    links = []
    if i > 0:
        links.append(f'<a href="{pages[i - 1][0]}">&larr; {html.escape(pages[i - 1][1])}</a>')
    links.append('<a href="index.html">index</a>')
    if i + 1 < len(pages):
        links.append(f'<a href="{pages[i + 1][0]}">{html.escape(pages[i + 1][1])} &rarr;</a>')
    return f'<nav class="losslab-nav {where}">' + " ".join(links) + "</nav>"


def render(executed: dict[Path, nbformat.NotebookNode], out: Path) -> list[Path]:
    """Write one page per executed notebook and index.html into ``out``; return the files written."""
    from nbconvert import HTMLExporter

    out.mkdir(parents=True, exist_ok=True)
    exporter = HTMLExporter(template_name="lab")
    paths = sorted(executed)
    meta = [title_and_summary(executed[p], p.stem) for p in paths]
    pages = [(p.stem + ".html", title) for p, (title, _) in zip(paths, meta, strict=True)]
    known = {p.stem for p in paths}
    written = []
    for i, path in enumerate(paths):
        body, _ = exporter.from_notebook_node(executed[path], resources={"metadata": {"name": meta[i][0]}})

        def relink(match: re.Match) -> str:
            stem, anchor = match.group(1), match.group(2) or ""
            return f'href="{stem}.html{anchor}"' if stem in known else match.group(0)

        body = _LECTURE_LINK.sub(relink, body)
        body = body.replace('href="../README.md"', 'href="index.html"')
        if "application/vnd.jupyter.widget" not in body:  # require.js only serves widget output
            body = _REQUIRE_JS.sub("", body, count=1)
        body = body.replace("</head>", f"<style>{PAGE_CSS}</style>\n</head>", 1)
        top = _nav(pages, i, "top")
        body = re.sub(r"(<body[^>]*>)", lambda m, top=top: m.group(1) + top, body, count=1)
        body = body.replace("</body>", _nav(pages, i, "bottom") + "\n</body>", 1)
        target = out / pages[i][0]
        target.write_text(body, encoding="utf-8")
        written.append(target)
    entries = "\n".join(
        f'<li><a href="{page}">{html.escape(title)}</a><p class="summary">{html.escape(summary)}</p></li>'
        for (page, title), (_, summary) in zip(pages, meta, strict=True)
    )
    index = out / "index.html"
    title, intro = course_title_and_summary()
    index_html = INDEX_TEMPLATE.format(title=html.escape(title), intro=html.escape(intro), entries=entries)
    index.write_text(index_html, encoding="utf-8")
    written.append(index)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "_site",
                        help="where to write the site (default _site/)")
    parser.add_argument("--notebooks", default=DEFAULT_PATTERN,
                        help=f"glob relative to the repository root (default {DEFAULT_PATTERN})")
    parser.add_argument("--workers", type=int, default=2, help="notebooks executed at once (default 2)")
    args = parser.parse_args(argv)

    paths = lecture_notebooks(args.notebooks)
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
    written = render({path: nb for path, (nb, _) in results.items()}, args.out)
    print(f"wrote {len(written)} pages to {args.out.resolve()} in {time.perf_counter() - start:.1f} s "
          f"(open {(args.out / 'index.html').resolve()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
