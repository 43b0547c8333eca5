"""The classroom in a browser, as its people use it: headless Chromium (Debian's) driven by Playwright.

A student logs in with her own password and lands on the first lecture; fetches the assignment from
*Nbgrader → Assignment List*, reads its due date in the first cell, follows its link to the lecture,
submits; after grading, fetches her feedback and opens the page in one click, formulas rendered as
MathML with no script. The instructor grades her written answer by hand in the formgrader, runs the
export command, and the LMS file holds the autograded plus the manual points.

Needs root (Unix accounts) and Chromium (installed with apt-get when root); builds the rest itself.
Screenshots land in the test's temporary folder.
"""

from __future__ import annotations

import csv
import json

import nbformat
import pytest
from browser import LAUNCH_ARGS, chromium
from grading_fixtures import ROOT, correct_sources, make_submission
from losslab_grader.classroom import client

pytestmark = pytest.mark.slow

A = "02_svm_loss"
INSTRUCTOR, STUDENT = "llteach", "llstu9"
WAIT_MS = 120_000  # JupyterLab's first load (spawn + bundles) on a busy 2-core machine, bounded
ANSWER = "The hinge max(0, m) has a kink at m = 0, where the two one-sided slopes differ."


@pytest.fixture(scope="module")
def room(tmp_path_factory, classroom_env):
    if reason := client.unusable_here():
        pytest.skip(reason)
    chromium()  # skips (saying why) before the classroom is built, if there is none to be had
    roster = {INSTRUCTOR: "instructor", STUDENT: "student"}
    with client.Running(roster, tmp_path_factory.mktemp("browser"), ROOT, classroom_env) as room:
        room.cli("release", A, "--due", "2099-01-01 00:00 UTC")
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


@pytest.fixture(scope="module")
def student(browser, room):
    """The student's JupyterLab, logged in once for the module's tests (which run in file order)."""
    context, page = login(browser, room, STUDENT)
    yield page
    context.close()


def login(browser, room, user):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(f"{room.url}/hub/login")
    page.fill("#username_input", user)
    page.fill("#password_input", room.passwords[user])
    page.click("#login_submit")
    page.wait_for_url(f"**/user/{user}/**")
    return context, page


def tab(page, label: str):
    return page.locator(".lm-DockPanel-tabBar .lm-TabBar-tabLabel", has_text=label).first


def assignment_list(page):
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    page.locator(".lm-Menu-itemLabel", has_text="Assignment List").click()
    return page


def shot(page, tmp_path, name: str) -> None:
    page.screenshot(path=str(tmp_path / f"{name}.png"))


def test_a_student_lands_on_the_first_lecture(student, tmp_path):
    tab(student, "01_score_function.ipynb").wait_for()
    student.locator(".jp-NotebookPanel .jp-MarkdownOutput").first.wait_for()  # rendered, not a spinner
    shot(student, tmp_path, "lecture")


def test_the_fetched_assignment_shows_its_due_date_and_links_to_its_lecture(student, room, tmp_path):
    try:
        assignment_list(student)
        released = student.locator("#released_assignments_list .list_item", has_text=A)
        released.locator("button", has_text="Fetch").click()
        fetched = student.locator("#fetched_assignments_list .list_item", has_text=A).first
        fetched.wait_for()
        fetched.locator("a", has_text=A).first.click()  # unfolds the notebooks
        student.locator("#fetched_assignments_list .nested_list_item a", has_text=A).first.click()
        tab(student, f"{A}.ipynb").wait_for()
        notebook = student.locator(".jp-NotebookPanel:visible")
        due = notebook.locator(".jp-MarkdownOutput").first
        assert "Due: 2099-01-01" in due.inner_text()
        notebook.locator(".jp-MarkdownOutput a", has_text="02 The multiclass SVM loss").first.click()
        tab(student, "02_svm_loss.ipynb").wait_for()  # the lecture, opened inside JupyterLab
        lecture = student.locator(".jp-NotebookPanel:visible .jp-MarkdownOutput").first
        assert "SVM" in lecture.inner_text()
    finally:
        shot(student, tmp_path, "assignment")


def test_a_submission_and_its_feedback_page_in_one_click(student, room, tmp_path):
    work = make_submission(tmp_path / "work.ipynb", {**correct_sources(A), "q_kink": ANSWER}, name=A)
    nb = nbformat.read(work, as_version=4)
    body = {"type": "notebook", "format": "json", "content": json.loads(nbformat.writes(nb))}
    r = room.server(STUDENT, "PUT", f"api/contents/assignments/{A}/{A}.ipynb", json=body)
    assert r.status_code in (200, 201), r.text
    try:
        assignment_list(student)
        fetched = student.locator("#fetched_assignments_list .list_item", has_text=A).first
        fetched.locator("button", has_text="Submit").click()
        student.locator("#submitted_assignments_list .list_item", has_text=A).first.wait_for()
        room.cli("grade", A)
        student.reload()
        assignment_list(student)
        submitted = student.locator("#submitted_assignments_list .list_item", has_text=A).first
        submitted.locator("button", has_text="Fetch Feedback").click()
        submitted.locator("a", has_text="view feedback").first.click()
        tab(student, f"{A}.html").wait_for()  # the page itself, not a folder
        page = student.frame_locator(".jp-HTMLViewer:visible iframe")
        page.locator("math").first.wait_for()  # MathML, rendered by Chromium itself
        assert page.locator("script").count() == 0
        assert "17" in page.locator("body").inner_text()
    finally:
        shot(student, tmp_path, "feedback")


def manual_score(room, cell: str):
    """The manual score of cell in the student's submission, as the formgrader's own API has it."""
    nbs = room.server(INSTRUCTOR, "GET", f"formgrader/api/submitted_notebooks/{A}/{A}").json()
    grades = room.server(INSTRUCTOR, "GET", f"formgrader/api/grades?submission_id={nbs[0]['id']}").json()
    return next(g["manual_score"] for g in grades if g["name"] == cell)


def test_the_instructor_grades_a_written_answer_and_the_lms_file_has_it(browser, room, tmp_path):
    context, page = login(browser, room, INSTRUCTOR)
    try:
        # In its own tab: the frame inside JupyterLab is blank on JupyterHub >= 4.1 (nbgrader #1870).
        page.goto(f"{room.url}/user/{INSTRUCTOR}/formgrader/gradebook/{A}/{A}")
        page.locator("a", has_text="Submission #").first.click()
        # the page fetches each grade, then draws it into its input: a score typed before that is
        # overwritten, and the change that saves it never fires (seen once the suite ran faster)
        page.wait_for_load_state("networkidle")
        score = page.locator("input.score#q_kink")
        score.fill("2")
        score.press("Tab")  # a change saves it
        room.wait(lambda: manual_score(room, "q_kink") == 2, 60, "the formgrader to save the grade")
        shot(page, tmp_path, "formgrader")
    finally:
        context.close()
    room.cli("export", A)
    with open(room.room.course / "grading" / A / "lms_grades.csv", newline="") as f:
        lms = {row["SIS Login ID"]: row[A] for row in csv.DictReader(f)}
    assert lms[STUDENT] == "19"
