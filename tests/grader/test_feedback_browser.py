"""Feedback, report and similarity pages are safe to open: checked in a real browser (Debian's chromium).

A submission puts script everywhere it can: a ``<script>`` and an ``onerror`` handler in its
written answer, ``javascript:`` links, HTML and JavaScript display outputs; a second one copies it,
so the report has a view of what the two share. The feedback page, the class report and that view
are opened in headless chromium; no script may run (each one would set ``window.__pwned``
or open a dialog), the page may hold no ``<script>`` element, no event-handler attribute and no
``javascript:`` URL, and it may try no request at all.
"""

from __future__ import annotations

import pytest
from browser import launch
from grading_fixtures import ASSIGNMENT, MARKDOWN_SCRIPT, PATIENT, SCRIPTS, correct_sources, make_submission
from losslab_grader.batch import grade

pytestmark = pytest.mark.slow
playwright_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("scripts")
    for sid in ("scripter", "copier"):
        make_submission(
            base / "subs" / f"{sid}.ipynb",
            correct_sources(),
            prepend=SCRIPTS["display"],
            edit={"q_templates": MARKDOWN_SCRIPT},
        )
    return grade(
        ASSIGNMENT, base / "subs", base / "out", jobs=1, progress=False, similarity=0.0, settings=PATIENT
    )


# the similarity page is the side-by-side view of the pair (scripter, copier)
PAGES = [f"feedback/scripter/{ASSIGNMENT}.html", "report.html", "similarity/similar-001.html"]


@pytest.mark.parametrize("page_path", PAGES)
def test_no_script_runs_when_the_page_is_opened(graded, page_path):
    page_file = graded.out / page_path
    with playwright_api.sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page()
        events: list[str] = []
        page.on("dialog", lambda d: (events.append(f"dialog: {d.message}"), d.dismiss()))
        page.on("request", lambda r: r.url.startswith("file:") or events.append(f"request: {r.url}"))
        page.on("console", lambda m: events.append(f"console: {m.text}"))
        page.goto(page_file.as_uri(), wait_until="load")
        page.wait_for_timeout(300)
        pwned = page.evaluate("() => window.__pwned")
        found = page.evaluate("""() => ({
            scripts: document.querySelectorAll('script').length,
            handlers: [...document.querySelectorAll('*')].flatMap(e => [...e.attributes])
                        .filter(a => a.name.startsWith('on')).length,
            jsLinks: [...document.querySelectorAll('[href],[src]')]
                        .map(e => e.getAttribute('href') || e.getAttribute('src') || '')
                        .filter(url => /^\\s*(javascript:|vbscript:|data:(?!image\\/png;))/i.test(url))
                        .length,
        })""")
        browser.close()
    assert pwned is None
    assert found == {"scripts": 0, "handlers": 0, "jsLinks": 0}
    assert [e for e in events if not e.startswith("console:")] == []
    if "feedback" in page_path:
        text = page_file.read_text()
        assert "window.__pwned = 4" in text.replace("&lt;", "<")  # the answer is shown, as text
