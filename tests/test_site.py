"""`make site`: a page per lecture with its figures, an index linking them all.

The notebooks are executed through notebook_runner's session cache, so after
test_notebooks.py has run them they are only rendered here, not run again.
"""

from __future__ import annotations

import re

import pytest
from nbclient.exceptions import CellExecutionError
from notebook_runner import build_site, executed, lecture_notebooks

pytestmark = pytest.mark.slow

NOTEBOOKS = lecture_notebooks()
IDS = [path.stem for path in NOTEBOOKS]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    notebooks = {}
    for path in NOTEBOOKS:
        try:
            notebooks[path] = executed(path)[0]
        except CellExecutionError as exc:
            pytest.fail(f"{path.name} does not execute, so it has no page: {exc}", pytrace=False)
    build_site.render(notebooks, out)
    return out


def test_index_links_to_every_page(site):
    index = (site / "index.html").read_text(encoding="utf-8")
    links = set(re.findall(r'href="([^"]+)"', index))
    missing = [f"{path.stem}.html" for path in NOTEBOOKS if f"{path.stem}.html" not in links]
    assert not missing, f"index.html does not link to {missing}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_page_has_figures_and_navigation(site, path):
    page = site / f"{path.stem}.html"
    assert page.is_file(), f"no page for {path.name}"
    text = page.read_text(encoding="utf-8")
    figure = re.search(r"<img[^>]+src=\"data:image/png;base64,", text)
    assert figure, f"{page.name} shows no embedded PNG figure"
    assert 'href="index.html"' in text, f"{page.name} has no link back to the index"
    i = NOTEBOOKS.index(path)
    for neighbour in NOTEBOOKS[max(i - 1, 0):i] + NOTEBOOKS[i + 1:i + 2]:
        assert f'href="{neighbour.stem}.html"' in text, f"{page.name} does not link to {neighbour.stem}.html"
    stale = [stem for stem in IDS if f'href="{stem}.ipynb' in text]
    assert not stale, f"{page.name} still links to notebooks instead of pages: {stale}"
