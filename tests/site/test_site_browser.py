"""The built site in a real browser, offline: Debian's chromium driven by Playwright.

_site/ is served on loopback by a plain HTTP server, and every request the
browser makes to anywhere else is blocked (and counted as a failure), so the
pages have to work with no network: formulas typeset by the MathJax shipped
in the site (no raw ``$$`` or ``\\frac`` left), nothing fails to load, and
Sphinx's search finds "hinge".

Every page, in the theme's light and dark colours, has no serious or critical
fault under axe-core, and every formula has a MathML copy that a screen reader
reads (MathJax's AssistiveMML) while the typeset glyphs are hidden from it.

Chromium: tests/browser.py finds Debian's ``chromium``, or installs it as root
with apt-get (CI); otherwise the tests skip and say why. axe-core: browser.py
installs it from the npm registry, or the accessibility tests skip without npm.
"""

from __future__ import annotations

import functools
import http.server
import threading
import urllib.request

import pytest
from browser import axe_core, launch
from notebook_runner import built_site, lecture_notebooks

pytestmark = pytest.mark.slow

NOTEBOOKS = lecture_notebooks()
PAGES = ["index.html"] + [f"{path.stem}.html" for path in NOTEBOOKS]
#: what Sphinx adds to the lectures: a reader reaches these too
SPHINX_PAGES = ["search.html", "genindex.html"]
#: Raw TeX that must not be visible once MathJax has run (outside code cells).
RAW_TEX = ("$$", "\\frac", "\\(", "\\[", "\\sum", "\\begin{")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        pass


@pytest.fixture(scope="module")
def server():
    try:
        site = built_site()
    except Exception as exc:
        pytest.fail(f"the site does not build: {exc}", pytrace=False)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


class Browser:
    """One offline page: requests off loopback are aborted, and every failure is recorded."""

    def __init__(self, page, base: str) -> None:
        self.page, self.base = page, base
        self.problems: list[str] = []
        page.route("**/*", self._route)
        page.on("requestfailed", self._failed)
        page.on("response", self._response)
        page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))

    def _route(self, route):
        url = route.request.url
        if url.startswith(self.base) or url.startswith(("data:", "blob:", "about:")):
            route.continue_()
        else:
            self.problems.append(f"tried the network: {url}")
            route.abort("internetdisconnected")

    def _failed(self, request):
        # MathJax 2 declares an @font-face with src about:blank; it is not a request to anywhere
        if not request.url.startswith(("about:", "data:")) and request.url.startswith(self.base):
            self.problems.append(f"failed: {request.url} ({request.failure})")

    def _response(self, response):
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def open(self, path: str) -> None:
        self.page.goto(self.base + path, wait_until="load")
        self.page.wait_for_load_state("networkidle")
        # wait until MathJax has typeset everything it was given (pages without math have no MathJax)
        self.page.evaluate("""() => new Promise(done => {
            if (window.MathJax && MathJax.Hub) { MathJax.Hub.Queue(() => done(true)); } else { done(false); }
        })""")

    def prose(self) -> str:
        """The visible text of the page, code cells left out (code may hold TeX on purpose)."""
        return self.page.evaluate("""() => {
            const body = document.body.cloneNode(true);
            body.querySelectorAll('pre, code, script, style, .MathJax_Preview').forEach(e => e.remove());
            document.documentElement.appendChild(body);  // innerText needs the layout
            const text = body.innerText;
            body.remove();
            return text;
        }""")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


class Pages:
    """Each page opened once, in a tab of its own, and kept for every test that reads it.

    Loading a lecture and typesetting its formulas costs seconds of CPU, and no test here changes
    what a page shows (axe adds its script; the colour scheme is set by the test that needs it).
    """

    def __init__(self, browser, base: str) -> None:
        self.browser, self.base = browser, base
        self.open: dict[str, Browser] = {}

    def __getitem__(self, path: str) -> Browser:
        if path not in self.open:
            viewport = {"width": 1280, "height": 900}
            context = self.browser.new_context(viewport=viewport, service_workers="block")
            self.open[path] = Browser(context.new_page(), self.base)
            self.open[path].open(path)
        return self.open[path]

    def close(self) -> None:
        for tab in self.open.values():
            tab.page.context.close()


@pytest.fixture(scope="module")
def pages(browser, server):
    opened = Pages(browser, server)
    yield opened
    opened.close()


@pytest.mark.parametrize("path", PAGES)
def test_page_renders_math_offline(pages, path):
    tab = pages[path]
    text = tab.prose()
    raw = [tex for tex in RAW_TEX if tex in text]
    assert not raw, f"{path} shows raw TeX {raw} after MathJax ran"
    errors = tab.page.locator(".MathJax_Error, .merror, .MathJax .noError").count()
    assert errors == 0, f"{path}: MathJax could not typeset {errors} formula(s)"
    if path != "index.html":
        assert tab.page.locator(".MathJax, .MathJax_Display").count() > 0, f"{path} has no typeset math"
        figures = tab.page.locator("img[src^='_images/']")
        assert figures.count() > 0, f"{path} shows no executed figure"
        assert tab.page.evaluate("img => img.naturalWidth", figures.first.element_handle()) > 0
    sidebar = tab.page.locator("nav.bd-docs-nav a[href$='.html']")
    listed = {sidebar.nth(i).get_attribute("href").split("/")[-1] for i in range(sidebar.count())}
    # every lecture but the page itself (its own entry is "#"), both parts of 04 among them
    missing = [page for page in PAGES[1:] if page not in listed and page != path]
    assert not missing, f"{path}: the sidebar does not list {missing}"
    assert not tab.problems, f"{path}:\n" + "\n".join(tab.problems)


def test_search_finds_hinge(pages):
    tab = pages["search.html?q=hinge"]
    results = tab.page.locator("ul.search li a")
    results.first.wait_for(timeout=20_000)
    hrefs = [results.nth(i).get_attribute("href") for i in range(results.count())]
    assert any(h and h.startswith("02_svm_loss.html") for h in hrefs), f"search for hinge found {hrefs}"
    assert not tab.problems, "\n".join(tab.problems)


def test_downloads_are_served(pages, server):
    """The notebook and assignment links on a lecture page work when _site/ is served alone."""
    tab = pages[PAGES[1]]
    links = tab.page.locator("a[href$='.ipynb']")
    hrefs = {links.nth(i).get_attribute("href") for i in range(links.count())}
    assert any(h.startswith("notebooks/") for h in hrefs), f"no notebook download among {hrefs}"
    assert any(h.startswith("assignments/") for h in hrefs), f"no assignment download among {hrefs}"
    for href in sorted(hrefs):
        with urllib.request.urlopen(server + href, timeout=10) as response:
            assert response.status == 200, href
            assert b'"cells"' in response.read(), f"{href} is not a notebook"


@pytest.fixture(scope="module")
def axe():
    return axe_core()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", PAGES + SPHINX_PAGES)
def test_page_has_no_serious_accessibility_fault(pages, axe, path, scheme):
    """axe-core's rules (WCAG 2.x A and AA, and best practice) on the page as a reader gets it, in the
    light and the dark colours (the browser prefers one, and the theme follows it)."""
    tab = pages[path]
    tab.page.emulate_media(color_scheme=scheme)
    tab.page.wait_for_function("scheme => document.documentElement.dataset.theme === scheme", arg=scheme)
    # the theme fades between its colours: axe must see where they end, not a mixture
    tab.page.wait_for_function("() => document.getAnimations().every(a => a.playState !== 'running')")
    if not tab.page.evaluate("() => Boolean(window.axe)"):
        tab.page.add_script_tag(path=str(axe))
    violations = tab.page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ["violations"]});
        return result.violations.map(v => ({
            rule: v.id, impact: v.impact, help: v.help,
            where: v.nodes.slice(0, 3).map(node => node.target.join(" ") + ": " + node.failureSummary),
        }));
    }""")
    faults = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert not faults, f"{path}:\n" + "\n".join(
        f"[{v['impact']}] {v['rule']}: {v['help']}\n    " + "\n    ".join(v["where"]) for v in faults)
    assert not tab.problems, f"{path}:\n" + "\n".join(tab.problems)


@pytest.mark.parametrize("path", PAGES)
def test_every_formula_is_readable_by_a_screen_reader(pages, path):
    """Each typeset formula hides its glyphs from assistive technology and carries MathML in their place."""
    tab = pages[path]
    formulas = tab.page.evaluate("""() => (window.MathJax && MathJax.Hub ? MathJax.Hub.getAllJax() : [])
        .map(jax => {
            const frame = document.getElementById(jax.inputID + "-Frame");
            const math = frame && frame.querySelector(".MJX_Assistive_MathML > math");
            const glyphs = frame && frame.querySelector("nobr");
            return {
                tex: jax.originalText.slice(0, 60),
                mathml: Boolean(math && math.textContent.trim()),
                glyphs_hidden: Boolean(glyphs && glyphs.getAttribute("aria-hidden") === "true"),
            };
        })""")
    if path != "index.html":
        assert formulas, f"{path} has no typeset formula"
    unread = [f["tex"] for f in formulas if not (f["mathml"] and f["glyphs_hidden"])]
    assert not unread, (f"{path}: {len(unread)} of {len(formulas)} formulas have no MathML "
                        f"for a screen reader, e.g. {unread[:3]}")
    assert not tab.problems, f"{path}:\n" + "\n".join(tab.problems)
