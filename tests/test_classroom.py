"""The classroom loop, end to end, against a real JupyterHub on 127.0.0.1 (classroom/).

release (instructor, nbgrader) → fetch, edit, submit (each student, through their own
Jupyter server's nbgrader API, as their own Unix account) → collect → losslab-grade →
feedback released through the exchange → each student fetches their own feedback.
One student submits after the due date set in the gradebook: flagged, penalized, shown.

Needs root (it creates Unix accounts) and Linux; installs what it needs itself
(`make -f classroom/classroom.mk classroom-install`), and removes the accounts and
stops the hub even when a check fails.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import json
from pathlib import Path

import nbformat
import pytest
from grading_fixtures import ASSIGNMENT, ROOT, correct_sources, make_submission

pytestmark = pytest.mark.slow


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"classroom_{name}", ROOT / "classroom" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


harness = _load("harness")
classroom = _load("classroom")

INSTRUCTOR = "llprof"
ON_TIME, LATE, ABSENT = "llstu1", "llstu2", "llstu3"  # ABSENT never logs in
STUDENTS = (ON_TIME, LATE)
ROSTER = {INSTRUCTOR: "instructor", ON_TIME: "student", LATE: "student", ABSENT: "student"}
NB = f"{ASSIGNMENT}/{ASSIGNMENT}.ipynb"
COURSE = {"course_id": "losslab", "assignment_id": ASSIGNMENT}


@pytest.fixture(scope="module")
def room(tmp_path_factory):
    if reason := harness.unusable_here():
        pytest.skip(reason)
    try:
        harness.install()
    except RuntimeError as exc:
        pytest.fail(str(exc))
    with harness.Classroom(ROSTER, tmp_path_factory.mktemp("classroom")) as room:
        yield room


def listed(room, user) -> list[dict]:
    r = room.server(user, "GET", "assignments", params={"course_id": "losslab"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["success"], body
    return [a for a in body["value"] if a["assignment_id"] == ASSIGNMENT]


def act(room, user, action) -> list[dict]:
    r = room.server(user, "POST", f"assignments/{action}", data=COURSE)
    assert r.status_code == 200, r.text
    body = r.json()
    assert not (isinstance(body, dict) and body.get("success") is False), body
    return body


def put_notebook(room, user, nb) -> None:
    """The student's edit, saved through their server's contents API (so written as them)."""
    body = {"type": "notebook", "format": "json", "content": json.loads(nbformat.writes(nb))}
    r = room.server(user, "PUT", f"api/contents/{NB}", json=body)
    assert r.status_code in (200, 201), r.text


def signed(nb, user):
    """A marker only this student's feedback page can contain."""
    nb.cells.append(nbformat.v4.new_code_cell(f"# written by {user}"))
    return nb


def test_the_whole_loop(room, tmp_path):
    home = {u: room.state / "home" / u for u in ROSTER}
    # The instructor releases from their clone of the course.
    room.instructor("nbgrader", "release_assignment", ASSIGNMENT)

    room.start_servers(*STUDENTS)
    for user in STUDENTS:
        assert [a["status"] for a in listed(room, user)] == ["released"]
        act(room, user, "fetch")
        [fetched] = listed(room, user)
        assert fetched["status"] == "fetched"
        path = home[user] / NB
        assert path.stat().st_uid == classroom.pwd.getpwnam(user).pw_uid, "fetched as the student"

    # One student solves one function; the other solves them all, but late.
    sources = correct_sources()
    first = next(iter(sources))
    partial = make_submission(tmp_path / "partial.ipynb", {first: sources[first]})
    solved = make_submission(tmp_path / "solved.ipynb", sources)
    put_notebook(room, ON_TIME, signed(nbformat.read(partial, as_version=4), ON_TIME))
    put_notebook(room, LATE, signed(nbformat.read(solved, as_version=4), LATE))

    act(room, ON_TIME, "submit")
    # The due date, set in the course's gradebook, passes; the second submission comes after it.
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
    room.instructor("nbgrader", "db", "assignment", "add", ASSIGNMENT, f"--duedate={now}")
    act(room, LATE, "submit")
    assert [a["status"] for a in listed(room, LATE) if a["status"] == "submitted"]

    # Students cannot read each other's work, nor list the exchange's inbox.
    assert room.as_user(LATE, "cat", str(home[ON_TIME] / NB)).returncode != 0
    assert room.as_user(LATE, "ls", str(room.state / "exchange" / "losslab" / "inbound")).returncode != 0
    assert room.as_user(ON_TIME, "cat", str(home[ON_TIME] / NB)).returncode == 0

    res = classroom.grade(room.state, ASSIGNMENT, per_day=0.5, jobs=2)
    rows = {r["student_id"]: r for r in res["rows"]}
    assert set(rows) == {*STUDENTS, ABSENT}
    assert rows[ABSENT]["status"] == "not submitted" and rows[ABSENT]["final_score"] == "0"
    full = rows[LATE]["max_score"]
    assert float(full) > 0 and rows[LATE]["score"] == full, rows
    assert 0 < float(rows[ON_TIME]["score"]) < float(full), rows
    assert rows[ON_TIME]["final_score"] == rows[ON_TIME]["score"]
    assert rows[ON_TIME]["seconds_late"] == "0" and rows[ON_TIME]["late_penalty"] == "0"
    assert int(rows[LATE]["seconds_late"]) >= 1
    assert rows[LATE]["submitted_at"] > rows[ON_TIME]["submitted_at"]
    assert float(rows[LATE]["late_penalty"]) == pytest.approx(0.5 * float(full))
    assert float(rows[LATE]["final_score"]) == pytest.approx(0.5 * float(full))

    out = Path(res["out"])
    with open(out / "grades.csv", newline="") as f:
        assert {r["student_id"] for r in csv.DictReader(f)} == set(STUDENTS)
    with open(res["lms"], newline="") as f:
        lms = list(csv.reader(f))
    assert lms[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", ASSIGNMENT]
    assert {r[3]: r[5] for r in lms[1:]} == {s: rows[s]["final_score"] for s in rows}
    assert out.stat().st_uid == classroom.pwd.getpwnam(INSTRUCTOR).pw_uid

    # Each student fetches their own feedback through the exchange, and only theirs.
    for user in STUDENTS:
        act(room, user, "fetch_feedback")
        pages = list((home[user] / ASSIGNMENT / "feedback").glob("*/*.html"))
        assert len(pages) == 1, pages
        page = pages[0].read_text(encoding="utf-8")
        assert f"written by {user}" in page
        assert not [o for o in STUDENTS if o != user and f"written by {o}" in page]
        assert ("Late submission" in page) == (user == LATE)
        assert pages[0].stat().st_uid == classroom.pwd.getpwnam(user).pw_uid
        submitted = [a for a in listed(room, user) if a["status"] == "submitted"]
        flags = [s.get("has_local_feedback") for a in submitted for s in a.get("submissions", [])]
        assert any(flags), submitted
    # The released pages carry unguessable names and the folder cannot be listed.
    assert room.as_user(ON_TIME, "ls", str(room.state / "exchange" / "losslab" / "feedback")).returncode != 0


def test_roster_rules(tmp_path):
    bad = tmp_path / "roster.csv"
    for text, words in [
        ("id,role\nada_l,student\nprof,instructor\n", "no '_'"),
        ("id,role\nada,student\n", "exactly one instructor"),
        ("id,role\nada,student\nbob,teacher\n", "'instructor' or 'student'"),
        ("id,role\nada,student\nada,student\nprof,instructor\n", "twice"),
    ]:
        bad.write_text(text)
        with pytest.raises(classroom.ClassroomError, match=words):
            classroom.read_roster(bad)
    assert classroom.read_roster(ROOT / "classroom" / "roster.csv")["teacher"] == "instructor"


def test_late_penalty_rule():
    assert classroom.late_penalty(0, 10, 0.1) == 0
    assert classroom.late_penalty(1, 10, 0.1) == pytest.approx(1)  # a started day counts
    assert classroom.late_penalty(86401, 10, 0.1) == pytest.approx(2)
    assert classroom.late_penalty(86400 * 30, 10, 0.1) == 10  # never below zero
    assert classroom.late_penalty(5, 10, None) == 0  # no penalty configured: only flagged


def test_kubernetes_files_parse_and_build_from_the_lock():
    """Not a deployment (nothing here runs Kubernetes): the files parse and the image uses the lock."""
    import yaml

    k8s = ROOT / "classroom" / "k8s"
    values = yaml.safe_load((k8s / "values.yaml").read_text())
    mounts = values["singleuser"]["storage"]["extraVolumeMounts"]
    assert mounts[0]["mountPath"] == "/srv/nbgrader/exchange"
    assert yaml.safe_load((k8s / "values-ngshare.yaml").read_text())["hub"]["extraConfig"]["ngshare.py"]
    assert yaml.safe_load((k8s / "exchange-pvc.yaml").read_text())["spec"]["accessModes"] == ["ReadWriteMany"]
    docker = (k8s / "Dockerfile").read_text()
    assert "pip install -r /opt/losslab/requirements.lock" in docker
    assert "classroom/requirements.txt" in docker
