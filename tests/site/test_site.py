"""`make site`: the executed lectures as a static course site (Sphinx + MyST-NB), checked as files.

The notebooks are executed through notebook_runner's session cache, so after
test_notebooks.py has run them they are only rendered here, not run again.
What a browser makes of the pages (math, search, no network) is
test_site_browser.py's part.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from losslab_grader import site as builder  # `site` is the built site, a fixture, below
from losslab_grader.course import LECTURE_NAME
from notebook_runner import COURSE, built_site, lecture_notebooks

NOTEBOOKS = lecture_notebooks()
IDS = [path.stem for path in NOTEBOOKS]


class _Refs(HTMLParser):
    """Every src= and href= of a page, and which tag it was on."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.refs.append((tag, name, value))


def refs(page: Path) -> list[tuple[str, str, str]]:
    parser = _Refs()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.refs


class _Images(HTMLParser):
    """The src and alt of every <img> of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs))


@pytest.fixture(scope="module")
def site() -> Path:
    try:
        return built_site()
    except Exception as exc:  # a notebook that fails, or Sphinx
        pytest.fail(f"the site does not build: {exc}", pytrace=False)


# --- fast: the index summaries ------------------------------------------------------------------

def _nb(markdown: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(markdown)])


def test_summary_drops_a_sentence_that_introduces_a_list():
    title, summary = builder.title_and_summary(
        _nb("# 01 · Title\n\nA first sentence. We do it in two steps:\n\n1. one\n2. two"), "x")
    assert (title, summary) == ("01 · Title", "A first sentence.")


def test_summary_skips_a_paragraph_that_is_only_an_introduction():
    _, summary = builder.title_and_summary(
        _nb("# T\n\nBy the end you can:\n\n- a\n\nThe real summary, with $x$ and [a link](02_x.ipynb)."), "x")
    assert summary == "The real summary, with $x$ and a link."


def test_a_lecture_in_parts_is_found_and_each_part_gets_its_number_s_assignment():
    stems = [path.stem for path in NOTEBOOKS]
    order = ["03_regularization", "04a_softmax", "04b_cross_entropy", "05_regression_losses"]
    assert all(stem in stems for stem in order), f"the two parts of 04 are not lectures: {stems}"
    assert [stems.index(stem) for stem in order] == list(range(2, 6)), f"04a, 04b out of order: {stems}"
    a, b = COURSE.assignment_for("04a_softmax"), COURSE.assignment_for("04b_cross_entropy")
    assert a is not None and a == b and a.parent.name == "04_softmax_cross_entropy", (a, b)
    for name in ("04a_softmax.ipynb", "04b_cross_entropy.ipynb", "01_score_function.ipynb"):
        assert LECTURE_NAME.fullmatch(name), name
    for name in ("04a_softmax-Copy1.ipynb", "4_x.ipynb", "04ab_x.ipynb", "notes.ipynb"):
        assert not LECTURE_NAME.fullmatch(name), f"{name} is not a lecture"


def test_links_to_a_lecture_in_parts_become_page_links():
    source = "[04a](04a_softmax.ipynb) and [04b](04b_cross_entropy.ipynb#Summary)"
    assert builder._relink(source, {"04a_softmax", "04b_cross_entropy"}) == (
        "[04a](04a_softmax.html) and [04b](04b_cross_entropy.html#Summary)")


def test_the_course_is_a_folder_given_not_found_from_the_package(tmp_path, monkeypatch):
    """losslab-site may be installed non-editable: it builds the checkout it is given, or the cwd."""
    with pytest.raises(builder.CourseNotFound, match=r"no notebooks/ and no site/.*--course"):
        builder.site_course(tmp_path)
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "site").mkdir()
    monkeypatch.chdir(tmp_path)
    assert builder.site_course() == builder.Course(tmp_path.resolve())
    assert builder.main(["--course", str(tmp_path)]) == 1  # a course with no lectures: no site


def test_no_lecture_summary_ends_in_a_colon():
    for path in NOTEBOOKS:
        _, summary = builder.title_and_summary(nbformat.read(path, as_version=4), path.stem)
        assert summary, f"{path.name} has no summary for the index"
        assert not summary.rstrip().endswith(":"), f"{path.name}'s summary ends in a colon: {summary!r}"


# --- the built site -----------------------------------------------------------------------------

@pytest.mark.slow
def test_index_links_to_every_page(site):
    hrefs = {value for _, name, value in refs(site / "index.html") if name == "href"}
    missing = [f"{path.stem}.html" for path in NOTEBOOKS if f"{path.stem}.html" not in hrefs]
    assert not missing, f"index.html does not link to {missing}"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_page_has_figures_navigation_and_downloads(site, path):
    page = site / f"{path.stem}.html"
    assert page.is_file(), f"no page for {path.name}"
    found = refs(page)
    images = [value for tag, name, value in found if tag == "img" and name == "src"]
    figures = [src for src in images if src.startswith("_images/") and (site / src).is_file()]
    assert figures, f"{page.name} shows no executed figure from _images/ (img src: {images[:5]})"
    hrefs = [value for _, name, value in found if name == "href"]
    assert "index.html" in hrefs, f"{page.name} has no link back to the index"
    i = NOTEBOOKS.index(path)
    for neighbour in NOTEBOOKS[max(i - 1, 0):i] + NOTEBOOKS[i + 1:i + 2]:
        assert f"{neighbour.stem}.html" in hrefs, f"{page.name} does not link to {neighbour.stem}.html"
    download = f"notebooks/{path.stem}.ipynb"
    assert download in hrefs, f"{page.name} does not link to its notebook {download}"
    nbformat.read(site / download, as_version=4)  # there, and a notebook
    assignment = COURSE.assignment_for(path.stem)
    if assignment is not None:  # by number: both parts of lecture 04 link to assignment 04
        target = f"assignments/{assignment.parent.name}/{assignment.name}"
        assert target in hrefs, f"{page.name} does not link to its assignment {target}"
        assert (site / target).read_bytes() == assignment.read_bytes()


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_figures_are_described_in_words_not_file_names(site, path):
    """A screen reader says a figure's alt text: its titles, axes, legend (FIGURE_WORDS), not its file."""
    parser = _Images()
    parser.feed((site / f"{path.stem}.html").read_text(encoding="utf-8"))
    figures = [img for img in parser.images if img.get("src", "").startswith("_images/")]
    named = [img["src"] for img in figures
             if not img.get("alt") or re.search(r"\.(png|jpe?g|svg)$", img["alt"])]
    assert not named, f"{path.stem}.html: figures whose alt text is empty or a file name: {named[:3]}"
    worded = [img["alt"] for img in figures if img["alt"] != builder.FIGURE_ALT]
    assert worded, f"{path.stem}.html: no figure is described by its own titles, axes or legend"


@pytest.mark.slow
def test_every_local_link_resolves_inside_the_site(site):
    """Served on its own, the site must not point outside itself (../assignments, ../README.md)."""
    broken = []
    for page in sorted(site.glob("*.html")):
        for tag, name, value in refs(page):
            target = value.split("#")[0].split("?")[0]
            if not target or re.match(r"^[a-z][a-z0-9+.-]*:", target):
                continue
            resolved = (page.parent / target).resolve()
            if not resolved.is_relative_to(site.resolve()) or not resolved.exists():
                broken.append(f"{page.name}: <{tag} {name}={value!r}>")
    assert not broken, "links that do not resolve within _site/:\n" + "\n".join(broken[:20])


@pytest.mark.slow
def test_pages_load_nothing_from_the_network(site):
    """Scripts, styles, images and fonts all come from the site itself (no CDN)."""
    remote = []
    for page in sorted(site.glob("*.html")):
        for tag, name, value in refs(page):
            if tag in ("script", "link", "img", "iframe") and re.match(r"^(https?:)?//", value):
                remote.append(f"{page.name}: <{tag} {name}={value!r}>")
    assert not remote, "pages load from the network:\n" + "\n".join(remote)
    for css in site.glob("_static/**/*.css"):
        text = css.read_text(encoding="utf-8", errors="replace")
        urls = re.findall(r"url\(\s*['\"]?((?:https?:)?//[^'\")]+)", text)
        assert not urls, f"{css.relative_to(site)} loads {urls[:3]}"
    assert (site / "_static" / "mathjax" / "MathJax.js").is_file(), "MathJax is not shipped with the site"


@pytest.mark.slow
def test_lectures_render_static_figures_not_widgets(site):
    for path in NOTEBOOKS:
        text = (site / f"{path.stem}.html").read_text(encoding="utf-8")
        assert "application/vnd.jupyter.widget" not in text, f"{path.stem}.html holds a widget, not a figure"


# --- rebuilding: the execution cache and Sphinx's workspace -------------------------------------

def _lecture(title: str, code: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell(f"# {title}\n\nA lecture about {title.lower()}."),
               nbformat.v4.new_code_cell(code)],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})


def _edit(path: Path, cell_type: str, source: str) -> None:
    nb = nbformat.read(path, as_version=4)
    next(cell for cell in nb.cells if cell.cell_type == cell_type).source = source
    nbformat.write(nb, path)


@pytest.fixture
def small_course(tmp_path) -> builder.Course:
    """Two one-cell lectures, with the course's own Sphinx configuration."""
    root = tmp_path / "course"
    (root / "notebooks").mkdir(parents=True)
    shutil.copytree(COURSE.site_config, root / "site")
    nbformat.write(_lecture("Alpha", "print('alpha', 1)"), root / "notebooks" / "01_alpha.ipynb")
    nbformat.write(_lecture("Beta", "print('beta', 1)"), root / "notebooks" / "02_beta.ipynb")
    return builder.Course(root)


def test_the_environment_key_follows_the_library_and_the_data(tmp_path, monkeypatch):
    library = tmp_path / "losslab"
    library.mkdir()
    (library / "losses.py").write_text("DELTA = 1\n")
    monkeypatch.setattr(builder, "_library", lambda: library)
    course = builder.Course(tmp_path)
    key = builder.environment_key(course)
    assert builder.environment_key(course) == key, "the key must not change when nothing does"
    (library / "losses.py").write_text("DELTA = 2\n")
    changed = builder.environment_key(course)
    assert changed != key, "a change to the losslab library must change the key"
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "digits.npz").write_bytes(b"new data")
    assert builder.environment_key(course) != changed, "a change to data/ must change the key"


def test_the_cache_folder_is_ignored_by_git_on_its_own(small_course):
    folder = builder.cache_folder(small_course)
    assert folder == small_course.root / ".cache" / "site"
    assert (folder / ".gitignore").read_text().splitlines()[-1] == "*"


@pytest.mark.slow
def test_a_rebuild_runs_only_the_lecture_whose_code_changed(small_course):
    alpha, beta = small_course.lectures()
    cache = builder.ExecutionCache(small_course.root / "runs", "environment-1")

    def ran(paths=(alpha, beta), cache=cache):
        runs = builder.execute_lectures(list(paths), cache, workers=1)
        return sorted(path.stem for path, run in runs.items() if not run.cached), runs

    assert ran()[0] == ["01_alpha", "02_beta"]
    executed, runs = ran()
    assert executed == [], "nothing changed, yet lectures ran again"
    assert runs[beta].nb.cells[1].outputs[0].text == "beta 1\n", "the cached run lost its output"
    _edit(beta, "code", "print('beta', 2)")
    executed, runs = ran()
    assert executed == ["02_beta"]
    assert runs[beta].nb.cells[1].outputs[0].text == "beta 2\n"
    _edit(alpha, "markdown", "# Alpha\n\nNew prose about alpha.")
    nb = nbformat.read(alpha, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("A closing paragraph, new too."))
    nbformat.write(nb, alpha)
    executed, runs = ran()
    assert executed == [], "an edit to prose alone must not run the lecture again"
    assert "New prose" in runs[alpha].nb.cells[0].source, "the page must show today's prose"
    assert runs[alpha].nb.cells[1].outputs[0].text == "alpha 1\n"
    assert runs[alpha].nb.cells[2].source == "A closing paragraph, new too."
    other = builder.ExecutionCache(small_course.root / "runs", "environment-2")  # the library changed
    assert ran(cache=other)[0] == ["01_alpha", "02_beta"]
    assert sorted(p.name.split("-")[0] for p in (small_course.root / "runs").glob("*.ipynb")) == [
        "01_alpha", "02_beta"], "only the latest run of each lecture is kept"


@pytest.mark.slow
def test_a_rebuilt_site_shows_the_change_and_nothing_stale(small_course):
    """One rebuild after three kinds of edit: code changed (run again), prose alone (not run), a deletion."""
    out, cache = small_course.root / "_site", builder.cache_folder(small_course)
    alpha, beta = small_course.lectures()
    gamma = alpha.with_name("03_gamma.ipynb")
    nbformat.write(_lecture("Gamma", "print('gamma', 1)"), gamma)
    first = builder.build(small_course, out, [alpha, beta, gamma], workers=1, cache=cache)
    assert first.executed == [alpha, beta, gamma]
    assert "beta 1" in (out / "02_beta.html").read_text(encoding="utf-8")
    _edit(beta, "code", "print('beta', 2)")
    _edit(alpha, "markdown", "# Delta\n\nAlpha, retitled.")
    gamma.unlink()
    second = builder.build(small_course, out, [alpha, beta], workers=1, cache=cache)
    assert second.executed == [beta], f"ran {second.executed}, not only the lecture whose code changed"
    page = (out / "02_beta.html").read_text(encoding="utf-8")
    assert "beta 2" in page and "beta 1" not in page, "the page still shows the old output"
    assert not (out / "03_gamma.html").exists(), "the page of a deleted lecture stayed in the site"
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "03_gamma.html" not in index and "Delta" in index
    assert "Delta" in (out / "01_alpha.html").read_text(encoding="utf-8")
    assert (out / "_static" / "mathjax" / "MathJax.js").is_file()


def test_a_changed_source_reaches_sphinx_newer_than_the_pages_built_from_it(tmp_path):
    """Sphinx goes by times: a course file copied with its own, older time would look already built."""
    course, staged = tmp_path / "course.html", tmp_path / "staged"
    staged.mkdir()
    course.write_text("new template")
    os.utime(course, (1_000_000_000, 1_000_000_000))  # written in 2001
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "layout.html").write_text("old template")
    shutil.copy2(course, staged / "layout.html")
    copied, _ = builder.sync_tree(staged, tmp_path / "src", fresh=True)
    assert copied == [Path("layout.html")]
    assert (tmp_path / "src" / "layout.html").stat().st_mtime > time.time() - 60
    assert builder.sync_tree(staged, tmp_path / "src", fresh=True) == ([], []), "same bytes: left alone"


def test_bytecode_goes_to_the_cache_only_where_python_may_not_write_it(tmp_path, monkeypatch):
    monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
    assert builder.bytecode_env(tmp_path) == {}, "Python keeps its bytecode itself: leave it alone"
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    assert builder.bytecode_env(tmp_path) == {
        "PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": str(tmp_path / "bytecode")}
