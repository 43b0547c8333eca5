"""The classroom for credit, end to end, against a real JupyterHub on 127.0.0.1, probed as its users.

release with a due date (instructor) → fetch, edit, submit (each student, through their own server, as
their own Unix account) → a student submits *as another* from her terminal → the due date passes, a
late submission is marked late as it is made → classroom grade (collect, grader, the course's own
gradebook, feedback, CSVs) → each student fetches only their own feedback → the instructor grades a
written answer by hand in the formgrader (its API) → export: the LMS file holds autograded plus manual
points, with the late penalty on the total.

And, as a student with a shell: nothing of the instructor's is readable (the course, every copy of a
hidden test on the machine), the environment servers run from holds the course library and nothing
else, passwords are each account's own.

Needs root (Unix accounts) and Linux; builds what it needs itself (the classroom's environment, the
proxy from npm); stops the hub and removes the accounts even when a check fails.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import pwd
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
import requests
from grading_fixtures import ROOT, correct_sources, hidden_test_lines, make_submission
from losslab_grader.classroom import client

pytestmark = pytest.mark.slow
A = "02_svm_loss"
INSTRUCTOR, ADA, GRACE, LATE, ALAN = "llprof", "llada", "llgrace", "lllate", "llalan"  # ALAN submits nothing
ROSTER = {INSTRUCTOR: "instructor", ADA: "student", GRACE: "student", LATE: "student", ALAN: "student"}
COURSE = {"course_id": "losslab", "assignment_id": A}
ANSWER = "The hinge max(0, m) has a kink at m = 0, where the two one-sided slopes differ."


@pytest.fixture(scope="module")
def room(tmp_path_factory, classroom_env):
    if reason := client.unusable_here():
        pytest.skip(reason)
    with client.Running(ROSTER, tmp_path_factory.mktemp("classroom"), ROOT, env=classroom_env) as room:
        yield room


def listed(room, user) -> list[dict]:
    r = room.server(user, "GET", "assignments", params={"course_id": "losslab"})
    assert r.status_code == 200 and r.json()["success"], r.text
    return [a for a in r.json()["value"] if a["assignment_id"] == A]


def act(room, user, action) -> None:
    r = room.server(user, "POST", f"assignments/{action}", data=COURSE)
    assert r.status_code == 200 and r.json().get("success") is not False, r.text


def save(room, user, nb) -> None:
    """The student's edit, saved through their server's contents API (so written as them)."""
    body = {"type": "notebook", "format": "json", "content": json.loads(nbformat.writes(nb))}
    r = room.server(user, "PUT", f"api/contents/assignments/{A}/{A}.ipynb", json=body)
    assert r.status_code in (200, 201), r.text


def work(tmp_path, user, answered: bool = True):
    """A solution signed by its author (only their feedback can hold the mark), with or without an answer."""
    fill = {**correct_sources(A), **({"q_kink": ANSWER} if answered else {})}
    nb = nbformat.read(make_submission(tmp_path / f"{user}.ipynb", fill, name=A), as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(f"# written by {user}"))
    return nb


@pytest.fixture(scope="module")
def graded(room, tmp_path_factory):
    """The whole loop, up to grading; returns what the checks read."""
    tmp = tmp_path_factory.mktemp("work")
    room.cli("release", A, "--due", "2099-01-01 00:00 UTC")
    students = [ADA, GRACE, LATE]
    room.start_servers(*students)
    for user in students:
        assert [a["status"] for a in listed(room, user)] == ["released"]
        act(room, user, "fetch")
    save(room, ADA, work(tmp, ADA))
    save(room, GRACE, work(tmp, GRACE, answered=False))
    save(room, LATE, work(tmp, LATE))
    act(room, ADA, "submit")
    act(room, GRACE, "submit")
    # Ada, from her terminal, submits her work once more, naming Alan (who submits nothing himself)
    forged = room.as_user(ADA, "sh", "-c", f"cd assignments && nbgrader submit {A} --student={ALAN}")
    # the due date passes (set again by the instructor); the next submission is late, and says so
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    room.cli("release", A, "--due", now)
    act(room, LATE, "submit")
    late_listing = listed(room, LATE)
    graded = room.cli("grade", A, "--late-penalty", "0.1")
    for user in students:
        act(room, user, "fetch_feedback")
    room.start_servers(INSTRUCTOR)  # the formgrader runs in the instructor's own server
    return {"forged": forged, "late_listing": late_listing, "stdout": graded.stdout, "tmp": tmp}


def _rows(path) -> dict[str, dict]:
    with open(path, newline="") as f:
        return {r["student_id"]: r for r in csv.DictReader(f)}


def test_every_student_submission_is_graded_for_its_author(room, graded):
    assert graded["forged"].returncode == 0, graded["forged"].stderr  # nbgrader itself accepts it
    out = room.room.course / "grading" / A
    rows = _rows(out / "final_grades.csv")
    assert set(rows) == {ADA, GRACE, LATE, ALAN}
    assert rows[ADA]["status"] == "ok" and rows[ADA]["autograded"] == "17"
    assert rows[ALAN]["status"] == "missing" and rows[ALAN]["final_score"] == "0", rows[ALAN]
    report = (out / "report.html").read_text()
    assert f"a submission naming {ALAN} was made by {ADA}" in report
    assert f"a submission naming {ALAN} was made by {ADA}" in graded["stdout"]
    assert not (room.room.course / "grading" / "nbgrader" / "submitted" / ALAN).exists()


def test_a_late_submission_is_told_when_made_and_penalized(room, graded):
    stamps = [s["timestamp"] for a in graded["late_listing"] for s in a.get("submissions", [])]
    assert any("(late: due" in s for s in stamps), stamps
    rows = _rows(room.room.course / "grading" / A / "final_grades.csv")
    assert int(rows[LATE]["seconds_late"]) >= 1 and rows[ADA]["seconds_late"] == "0"
    assert float(rows[LATE]["late_penalty"]) == pytest.approx(0.1 * float(rows[LATE]["max_score"]))
    fetched = room.room.home(LATE) / "assignments" / A / "feedback"
    assert "Late submission" in next(fetched.rglob("*.html")).read_text()


def test_each_student_fetches_only_their_own_feedback(room, graded):
    for user in (ADA, GRACE, LATE):
        pages = list((room.room.home(user) / "assignments" / A / "feedback").rglob("*.html"))
        assert len(pages) == 1, pages
        page = pages[0].read_text()
        others = [u for u in (ADA, GRACE, LATE) if u != user]
        assert f"written by {user}" in page and not [u for u in others if f"written by {u}" in page]
        assert pages[0].stat().st_uid == pwd.getpwnam(user).pw_uid
        submitted = [
            s for a in listed(room, user) for s in a.get("submissions", []) if s.get("has_local_feedback")
        ]
        assert submitted and submitted[0]["local_feedback_path"].endswith(f"{A}.html")  # the page itself
    assert not list(room.room.home(ALAN).rglob("*.html"))


def test_the_formgrader_has_every_submission_and_each_written_answer(room, graded):
    """The course's gradebook: autograded points in, answered questions to grade, none needs autograding."""
    r = room.server(INSTRUCTOR, "GET", f"formgrader/api/submissions/{A}")
    assert r.status_code == 200, r.text
    subs = {s["student"]: s for s in r.json()}
    for user in (ADA, GRACE, LATE):
        assert subs[user]["autograded"], subs[user]
        assert subs[user]["score"] >= 17
    assert subs[ADA]["needs_manual_grade"] and not subs[GRACE]["needs_manual_grade"]
    nb = room.server(INSTRUCTOR, "GET", f"formgrader/api/submitted_notebooks/{A}/{A}").json()
    grace = next(n for n in nb if n["student"] == GRACE)
    answers = room.server(INSTRUCTOR, "GET", f"formgrader/api/comments?submission_id={grace['id']}").json()
    assert [c["auto_comment"] for c in answers if c["name"] == "q_kink"] == ["No response."]


def test_hand_grading_reaches_the_lms_file(room, graded):
    nb = room.server(INSTRUCTOR, "GET", f"formgrader/api/submitted_notebooks/{A}/{A}").json()
    ada = next(n for n in nb if n["student"] == ADA)
    grades = room.server(INSTRUCTOR, "GET", f"formgrader/api/grades?submission_id={ada['id']}").json()
    kink = next(g for g in grades if g["name"] == "q_kink")
    r = room.server(INSTRUCTOR, "PUT", f"formgrader/api/grade/{kink['id']}", json={**kink, "manual_score": 2})
    assert r.status_code == 200, r.text
    room.cli("export", A, "--late-penalty", "0.1")
    out = room.room.course / "grading" / A
    rows = _rows(out / "final_grades.csv")
    assert (rows[ADA]["autograded"], rows[ADA]["manual"], rows[ADA]["final_score"]) == ("17", "2", "19")
    with open(out / "lms_grades.csv", newline="") as f:
        lms = list(csv.reader(f))
    assert lms[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", A]
    assert {r[3]: r[5] for r in lms[1:]}[ADA] == "19"


# --- a student with a shell -------------------------------------------------------------------------


def test_nothing_of_the_instructors_is_readable_by_a_student(room, graded):
    course = room.room.course
    for path in (
        course,
        course / "solutions",
        course / "grading",
        room.room.home(INSTRUCTOR),
        room.room.hub,
        room.room.exchange / "losslab" / "refused",
    ):
        assert room.as_user(GRACE, "ls", str(path)).returncode != 0, path
    assert room.as_user(GRACE, "ls", str(room.room.exchange / "losslab" / "inbound")).returncode != 0
    assert (
        room.as_user(GRACE, "cat", str(room.room.home(ADA) / "assignments" / A / f"{A}.ipynb")).returncode
        != 0
    )


def test_a_student_can_write_nothing_in_the_shared_environment(room, graded):
    """Every server (the instructor's formgrader too) runs from it: a file a student could change there,
    a compiled .pyc above all (Python prefers it to its source), would run as everyone who starts one."""
    env = room.room.bin.parent
    res = room.as_user(GRACE, "find", str(env), "-writable", "-not", "-type", "l", timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.strip() == "", f"writable by a student:\n{res.stdout[:2000]}"
    assert list(env.rglob("numpy/__pycache__/*.pyc")), "the environment holds its bytecode, compiled"


SEARCH = r"""
import os, sys
needles = [n.encode() for n in sys.argv[1].split("\n") if n]
skip = {"/proc", "/sys", "/dev", "/usr", "/boot"}
checkouts = set(sys.argv[2:])  # course checkouts this test did not make (the clone CI runs from)
found, unreadable = [], 0
for root, dirs, files in os.walk("/", onerror=lambda e: None):
    dirs[:] = [d for d in dirs if os.path.join(root, d) not in skip | checkouts]
    for name in files:
        path = os.path.join(root, name)
        try:
            if os.path.islink(path) or os.path.getsize(path) > 5_000_000:
                continue
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            unreadable += 1
            continue
        if any(n in data for n in needles):
            found.append(path)
print("\n".join(found))
"""


def test_no_copy_of_a_hidden_test_is_readable_anywhere(room, graded):
    """As a student, read every file of the machine this student can (bar system folders): none holds a
    line of the hidden tests. The checkout this test runs from is not the classroom's (the classroom
    refuses to start from a checkout others may enter: test_a_readable_checkout_is_refused)."""
    needles = sorted(hidden_test_lines(A), key=len, reverse=True)[:5]
    others = [str(ROOT), *os.environ.get("LOSSLAB_OTHER_CHECKOUTS", "").split(os.pathsep)]
    res = room.as_user(
        GRACE, str(room.room.bin / "python"), "-c", SEARCH, "\n".join(needles), *others, timeout=1800
    )
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.strip() == "", f"hidden tests readable by a student:\n{res.stdout}"


def test_servers_run_from_the_course_library_and_nothing_else(room, graded):
    env = str(room.room.bin / "python")
    probe = "import losslab, losslab.linear_svm; print(losslab.__file__)"
    res = room.as_user(GRACE, env, "-c", probe)
    assert res.returncode == 0 and res.stdout.startswith(str(room.room.env)), res.stdout + res.stderr
    for module in ("losslab_grader", "solutions", "mutants"):
        assert room.as_user(GRACE, env, "-c", f"import {module}").returncode != 0, module
    assert os.stat(room.room.env).st_uid == 0 and not os.stat(room.room.env).st_mode & 0o022
    assert room.as_user(GRACE, "touch", str(room.room.bin / "pwned")).returncode != 0
    which = room.as_user(GRACE, "sh", "-c", "command -v nbgrader")
    assert which.stdout.strip() == str(room.room.bin / "nbgrader")


def test_each_account_has_its_own_password(room, graded):
    passwords = room.passwords
    assert len(set(passwords.values())) == len(passwords)

    def login(user, password) -> int:
        s = requests.Session()
        s.get(f"{room.url}/hub/login", timeout=30)
        r = s.post(
            f"{room.url}/hub/login",
            data={"username": user, "password": password, "_xsrf": s.cookies.get("_xsrf")},
            allow_redirects=False,
            timeout=30,
        )
        return r.status_code

    assert login(INSTRUCTOR, passwords[GRACE]) == 403
    assert login(GRACE, passwords[GRACE]) == 302
    assert login(INSTRUCTOR, passwords[INSTRUCTOR]) == 302


def test_each_server_is_capped_in_memory(room, graded):
    pid = next(
        int(p)
        for p in os.listdir("/proc")
        if p.isdigit()
        and _user_of(p) == GRACE
        and b"jupyterhub-singleuser" in Path(f"/proc/{p}/cmdline").read_bytes()
    )
    groups = Path(f"/proc/{pid}/cgroup").read_text()
    assert "losslab-classroom/llgrace" in groups, groups


def _user_of(pid: str) -> str:
    try:
        return pwd.getpwuid(os.stat(f"/proc/{pid}").st_uid).pw_name
    except (OSError, KeyError):
        return ""


def _running_children(pid: int) -> dict[int, bytes]:
    """pid's children that still run (a zombie, dead but not yet reaped, does not), with their command."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, parent = stat.read_text().rsplit(")", 1)[1].split()[:2]
            if int(parent) == pid and state != "Z":
                found[int(stat.parent.name)] = (stat.parent / "cmdline").read_bytes()
        except (OSError, ValueError):
            pass
    return found


def _still_running(pids) -> list[int]:
    alive = []
    for pid in pids:
        try:
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                alive.append(pid)
        except OSError:
            pass
    return alive


def test_a_killed_hub_leaves_nothing_it_started_running(room, graded):
    """The hub killed as the OOM killer would: its proxy, culler and servers go with it, so nothing
    keeps forwarding logins, or sending tokens, to the hub's port, which any account may take once the
    hub is gone. The last test of the classroom: the hub does not come back."""
    hub = room.hub_proc.pid
    kids = _running_children(hub)
    commands = b" ".join(kids.values())
    for started in (b"configurable-http-proxy", b"jupyterhub_idle_culler", b"jupyterhub-singleuser"):
        assert started in commands, kids
    os.kill(hub, signal.SIGKILL)
    room.hub_proc.wait(timeout=60)
    deadline = time.monotonic() + 60
    while _still_running(kids) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _still_running(kids), {p: kids[p] for p in _still_running(kids)}


def test_a_readable_checkout_is_refused(tmp_path):
    """The classroom will not start from a checkout other accounts may enter (the solutions are in it)."""
    if os.geteuid() != 0:
        pytest.skip("the classroom's setup runs as root")
    open_copy = tmp_path / "open"
    open_copy.mkdir(mode=0o755)
    roster = tmp_path / "roster.csv"
    roster.write_text("id,role\nllx1,instructor\nllx2,student\n")
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "losslab_grader.classroom",
            "--state",
            str(tmp_path / "state"),
            "setup",
            "--roster",
            str(roster),
            "--course",
            str(open_copy),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 2 and "other accounts may enter it" in res.stderr, res.stderr
    assert not (tmp_path / "state").exists()
