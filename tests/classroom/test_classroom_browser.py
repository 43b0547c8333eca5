"""The classroom in a browser: headless Chromium (Debian's) driven by Playwright.

A student logs in to the hub, opens the Assignments tab (Nbgrader → Assignment List),
sees the released assignment, fetches it and opens it; the instructor opens the
formgrader in its own tab (on JupyterHub ≥ 4.1 the frame inside JupyterLab is blank,
nbgrader #1870, #1910).

Needs root (Unix accounts; `apt-get install chromium`); installs what it needs itself.
Screenshots land in the test's temporary folder.
"""

from __future__ import annotations

import importlib.util

import pytest
from browser import LAUNCH_ARGS, chromium
from grading_fixtures import ASSIGNMENT, ROOT

pytestmark = pytest.mark.slow

INSTRUCTOR, STUDENT = "llteach", "llstu9"
WAIT_MS = 120_000  # JupyterLab's first load (spawn + bundles) on a 2-core machine, bounded


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"classroom_{name}", ROOT / "classroom" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def room(tmp_path_factory):
    harness = _load("harness")
    if reason := harness.unusable_here():
        pytest.skip(reason)
    try:
        harness.install(browser=True)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    with harness.Classroom(
        {INSTRUCTOR: "instructor", STUDENT: "student"}, tmp_path_factory.mktemp("cb")
    ) as room:
        room.instructor("nbgrader", "release_assignment", ASSIGNMENT)
        yield room


@pytest.fixture(scope="module")
def browser(room):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(chromium()), headless=True, args=[*LAUNCH_ARGS, "--disable-dev-shm-usage"]
        )
        try:
            yield b
        finally:
            b.close()


def login(browser, room, user):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(f"{room.url}/hub/login")
    page.fill("#username_input", user)
    page.fill("#password_input", room.password)
    page.click("#login_submit")
    page.wait_for_url(f"**/user/{user}/lab**")
    page.wait_for_selector("#jp-main-dock-panel")
    return context, page


def test_student_fetches_and_opens_the_assignment(browser, room, tmp_path):
    context, page = login(browser, room, STUDENT)
    try:
        page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
        page.locator(".lm-Menu-itemLabel", has_text="Assignment List").click()
        released = page.locator("#released_assignments_list .list_item", has_text=ASSIGNMENT)
        released.wait_for()
        page.screenshot(path=str(tmp_path / "student-assignments.png"))
        released.locator("button", has_text="Fetch").click()
        fetched = page.locator("#fetched_assignments_list .list_item", has_text=ASSIGNMENT).first
        fetched.wait_for()
        assert (room.state / "home" / STUDENT / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").is_file()
        fetched.locator("a", has_text=ASSIGNMENT).first.click()  # unfolds the notebooks
        page.locator("#fetched_assignments_list .nested_list_item a", has_text=ASSIGNMENT).first.click()
        tab = page.locator(".lm-TabBar-tabLabel", has_text=f"{ASSIGNMENT}.ipynb")
        tab.wait_for()
        page.locator(".jp-NotebookPanel .jp-MarkdownOutput").first.wait_for()  # rendered, not a spinner
    finally:
        page.screenshot(path=str(tmp_path / "student-last.png"))
        context.close()


def test_instructor_sees_the_formgrader(browser, room, tmp_path):
    context, page = login(browser, room, INSTRUCTOR)
    try:
        # In its own tab: the frame inside JupyterLab is blank on JupyterHub >= 4.1.
        page.goto(f"{room.url}/user/{INSTRUCTOR}/formgrader")
        page.get_by_text("Manage Assignments").first.wait_for()
        page.locator("text=" + ASSIGNMENT).first.wait_for()
    finally:
        page.screenshot(path=str(tmp_path / "formgrader.png"))
        context.close()
