"""The classroom: one JupyterHub on loopback with nbgrader's exchange, for a roster.

    python classroom/classroom.py setup  [--state DIR] [--roster CSV] [--port N]
    python classroom/classroom.py hub    [--state DIR]            # runs JupyterHub in the foreground
    python classroom/classroom.py grade  NAME [--state DIR] [--late-penalty F] [--jobs N]
    python classroom/classroom.py down   [--state DIR]            # stops the hub, removes the accounts
    python classroom/classroom.py instructor [--state DIR] -- CMD...  # CMD as the instructor, in the course

`make classroom` runs setup then hub; `make classroom-grade` and `make classroom-down`
the others (classroom/classroom.mk). Everything is done with well-kept tools:
useradd/userdel for the accounts, JupyterHub's LocalProcessSpawner (each server
runs as its user), nbgrader's own exchange commands run as the instructor, and
the course's grader (`losslab-grade`) on nbgrader's collected folder.

State (default /srv/losslab-classroom, never inside the repository):

    classroom.json       the roster, the ports, the paths (read by jupyterhub_config.py)
    hub/                 0700 root: hub database, cookie secret, API token, trial password
    exchange/            nbgrader's exchange, 1777 (nbgrader wants it writable by all;
                         the sticky bit stops students renaming the course folder in it)
    home/<id>/           0700 each: one Unix account per roster entry
    home/<instructor>/losslab/   the instructor's clone of this course (its own
                         nbgrader_config.py, gradebook and grading/ folder)
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import html
import json
import math
import os
import pwd
import re
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
VENV = REPO / ".venv"
#: The course's own venv: losslab-grade runs from it (as root).
BIN = VENV / "bin"
#: The classroom's venv (requirements.lock + classroom/requirements.txt), built from an
#: interpreter every account can run (the course's may live under /root, e.g. pyenv's):
#: the hub, every user's server and the instructor's nbgrader run from it.
HUB_VENV = VENV / "classroom"
HUB_BIN = HUB_VENV / "bin"
PROXY = VENV / "classroom-node" / "node_modules" / ".bin" / "configurable-http-proxy"
DEFAULT_STATE = Path(os.environ.get("CLASSROOM_STATE", "/srv/losslab-classroom"))
COURSE_ID = "losslab"
#: The comment (GECOS) of every account the classroom creates: `down` removes only these.
MARK = "losslab classroom"
_ID = re.compile(r"^[a-z][a-z0-9-]{0,30}$")
#: The column layout Canvas's gradebook import reads (and Moodle's CSV import maps).
LMS_HEADER = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


class ClassroomError(Exception):
    """A problem the person running the classroom must fix; the message says how."""


# --- roster and state --------------------------------------------------------------------------------


def read_roster(path: Path) -> dict[str, str]:
    """{id: role} from a CSV with the columns id, role (instructor or student)."""
    try:
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    except OSError as exc:
        raise ClassroomError(f"cannot read the roster {path}: {exc.strerror}") from exc
    roster: dict[str, str] = {}
    for n, row in enumerate(rows, start=2):
        sid, role = (row.get("id") or "").strip(), (row.get("role") or "").strip().lower()
        if not _ID.match(sid):
            raise ClassroomError(
                f"{path}:{n}: id {sid!r} must be a Unix user name: lower-case letters, digits and '-', "
                "starting with a letter (no '_': today's grader splits ids at underscores)"
            )
        if role not in ("instructor", "student"):
            raise ClassroomError(f"{path}:{n}: role {role!r} must be 'instructor' or 'student'")
        if sid in roster:
            raise ClassroomError(f"{path}:{n}: id {sid!r} appears twice")
        roster[sid] = role
    instructors = [i for i, r in roster.items() if r == "instructor"]
    if len(instructors) != 1 or len(roster) < 2:
        raise ClassroomError(f"{path}: the roster needs exactly one instructor and at least one student")
    return roster


def load_state(state: Path) -> dict:
    try:
        return json.loads((state / "classroom.json").read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ClassroomError(f"no classroom in {state}: run `make classroom` (or setup) first") from exc


def require_root(what: str) -> None:
    if os.geteuid() != 0:
        raise ClassroomError(
            f"{what} needs root: it creates one Unix account per roster entry (useradd) and runs "
            "JupyterHub's LocalProcessSpawner, which starts each user's server as that user. "
            "Run it as root (sudo make classroom) on a machine or container you may add accounts to."
        )


def check_reachable(path: Path) -> None:
    """path and every folder above it must be searchable by all: the users' servers run from
    the classroom's venv (and the interpreter it was made from) and work in the state folder."""
    for p in [path, *path.parents]:
        if not p.stat().st_mode & stat.S_IXOTH:
            raise ClassroomError(
                f"{p} is not searchable by other users (mode {stat.filemode(p.stat().st_mode)}), so the "
                f"students' servers cannot reach {path}. Put the course and the classroom state somewhere "
                "all can traverse (e.g. /srv or /opt), or `chmod o+x` that folder."
            )


def run(cmd: list[str], user: str | None = None, cwd: Path | None = None, check: bool = False, **kw):
    """Run cmd (as user, through runuser, when given) with the classroom's venv first on PATH."""
    env = {
        "PATH": f"{HUB_BIN}:/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg",
        "JUPYTER_CONFIG_PATH": str(HERE / "jupyter" / "instructor"),
    }
    env.update(kw.pop("env", {}))
    if user is not None and os.geteuid() == 0:
        home = pwd.getpwnam(user).pw_dir
        env.update(HOME=home, USER=user, LOGNAME=user)
        cmd = ["runuser", "-u", user, "--", "env", *[f"{k}={v}" for k, v in env.items()], *cmd]
        return subprocess.run(cmd, cwd=cwd, check=check, text=True, capture_output=True, **kw)
    return subprocess.run(cmd, cwd=cwd, check=check, text=True, capture_output=True, env=env, **kw)


def classroom_env(info: dict) -> dict:
    """What the instructor's nbgrader needs besides the course's config: where the exchange and the
    course are (classroom/jupyter/instructor/nbgrader_config.py reads these)."""
    return {"LOSSLAB_EXCHANGE": info["exchange"], "LOSSLAB_COURSE": info["course"]}


def _checked(proc: subprocess.CompletedProcess, what: str) -> subprocess.CompletedProcess:
    if proc.returncode != 0:
        raise ClassroomError(f"{what} failed (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


# --- setup ---------------------------------------------------------------------------------------------


def ensure_user(uid_name: str, home: Path) -> None:
    try:
        pw = pwd.getpwnam(uid_name)
    except KeyError:
        subprocess.run(
            ["useradd", "--create-home", "--home-dir", str(home), "--shell", "/bin/bash",
             "--comment", MARK, "--user-group", uid_name],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        pw = pwd.getpwnam(uid_name)
    if pw.pw_gecos.split(",")[0] == MARK and Path(pw.pw_dir) != home:
        old = Path(pw.pw_dir).parent.parent
        raise ClassroomError(
            f"the Unix account {uid_name!r} is left over from a classroom in {old}: "
            f"`classroom.py down --state {old}` (or `userdel -r {uid_name}`) first"
        )
    if pw.pw_gecos.split(",")[0] != MARK:
        raise ClassroomError(
            f"the Unix account {uid_name!r} already exists and is not this classroom's "
            f"(comment {pw.pw_gecos!r}, home {pw.pw_dir}): pick another id in the roster"
        )
    os.chmod(home, 0o700)  # students cannot read each other's work


def setup(state: Path, roster_path: Path, port: int) -> dict:
    require_root("make classroom")
    if not (HUB_BIN / "jupyterhub").exists() or not PROXY.exists():
        raise ClassroomError("JupyterHub or its proxy is missing: run `make classroom-install` first")
    check_reachable(HUB_VENV)
    check_reachable(Path(os.path.realpath(HUB_BIN / "python")).parent)
    state.mkdir(parents=True, exist_ok=True)
    check_reachable(state.parent)
    roster = read_roster(roster_path)
    instructor = next(i for i, r in roster.items() if r == "instructor")
    state.mkdir(parents=True, exist_ok=True)
    os.chmod(state, 0o755)
    hub = state / "hub"
    hub.mkdir(mode=0o700, exist_ok=True)
    os.chmod(hub, 0o700)
    exchange = state / "exchange"
    exchange.mkdir(exist_ok=True)
    os.chmod(exchange, 0o1777)
    homes = state / "home"
    homes.mkdir(exist_ok=True)
    os.chmod(homes, 0o755)
    students = sorted(i for i, r in roster.items() if r == "student")
    info = {
        "roster": roster,
        "instructor": instructor,
        "students": students,
        "port": port,
        "state": str(state),
        "exchange": str(exchange),
        "course": str(homes / instructor / COURSE_ID),
        "repo": str(REPO),
    }
    # Written before any account exists, so that `down` finds every account to remove.
    (state / "classroom.json").write_text(json.dumps(info, indent=1))
    for uid_name in roster:
        ensure_user(uid_name, homes / uid_name)
    pw = pwd.getpwnam(instructor)
    course = homes / instructor / COURSE_ID
    if not course.exists():
        # A clone: the instructor's own copy of the course, with this repository's
        # nbgrader_config.py, solutions/ and assignments/; gradebook and grading/ stay in it.
        subprocess.run(["git", "clone", "--quiet", str(REPO), str(course)], check=True, capture_output=True)
        for dirpath, dirnames, filenames in os.walk(course):
            for name in [dirpath, *(os.path.join(dirpath, n) for n in dirnames + filenames)]:
                os.lchown(name, pw.pw_uid, pw.pw_gid)
    for name, nbytes in (("api-token", 32), ("trial-password", 12)):
        f = hub / name
        if not f.exists():
            f.write_text(secrets.token_urlsafe(nbytes))
            os.chmod(f, 0o600)
    _checked(
        run([str(HUB_BIN / "python"), str(Path(__file__)), "_gradebook-students", *students],
            user=instructor, cwd=course),
        "adding the students to the gradebook",
    )  # fmt: skip
    return info


def gradebook_students(students: list[str]) -> None:
    """(run as the instructor, in the course) every student in the course's gradebook."""
    from nbgrader.api import Gradebook
    from nbgrader.apps import NbGrader

    app = NbGrader()
    app.config_file_paths.append(os.getcwd())
    app.load_config_file()
    with Gradebook(app.config.CourseDirectory.db_url, COURSE_ID) as gb:
        for sid in students:
            gb.update_or_create_student(sid)


# --- the hub -------------------------------------------------------------------------------------------


def hub(state: Path) -> int:
    require_root("the classroom hub")
    info = load_state(state)
    env = dict(os.environ)
    env.update(
        CLASSROOM_STATE=str(state),
        CONFIGPROXY_AUTH_TOKEN=secrets.token_hex(32),
        PATH=f"{HUB_BIN}:{env.get('PATH', '/usr/bin:/bin')}",
    )
    password = (state / "hub" / "trial-password").read_text()
    print(
        f"losslab classroom: http://127.0.0.1:{info['port']}/  (loopback only)\n"
        f"  trial password for every account: {password}\n"
        f"  instructor: {info['instructor']}; students: {', '.join(info['students'])}\n"
        "  The shared trial password is for a trial on this machine only: see classroom/README.md,\n"
        "  'Authentication', before anyone else connects. Ctrl-C stops the hub and every server.",
        flush=True,
    )
    cmd = [str(HUB_BIN / "jupyterhub"), "-f", str(HERE / "jupyterhub_config.py")]
    os.chdir(state / "hub")
    os.execve(cmd[0], cmd, env)
    return 0  # not reached


# --- grading -------------------------------------------------------------------------------------------


def parse_utc(text: str) -> dt.datetime:
    from nbgrader.utils import parse_utc as nb_parse_utc

    return nb_parse_utc(text.strip()).replace(tzinfo=None)


def due_date(course: Path, instructor: str, assignment: str) -> dt.datetime | None:
    """The assignment's due date (naive UTC) from the course's gradebook, or None."""
    proc = _checked(
        run(
            [str(HUB_BIN / "python"), str(Path(__file__)), "_duedate", assignment],
            user=instructor,
            cwd=course,
        ),
        "reading the due date from the gradebook",
    )
    text = proc.stdout.strip()
    return parse_utc(text) if text else None


def gradebook_duedate(assignment: str) -> None:
    from nbgrader.api import Gradebook, MissingEntry
    from nbgrader.apps import NbGrader

    app = NbGrader()
    app.config_file_paths.append(os.getcwd())
    app.load_config_file()
    with Gradebook(app.config.CourseDirectory.db_url, COURSE_ID) as gb:
        try:
            due = gb.find_assignment(assignment).duedate
        except MissingEntry:
            due = None
    print(due.isoformat(sep=" ") if due else "")


def late_penalty(seconds_late: float, max_score: float, per_day: float | None) -> float:
    """Points off: per_day (a fraction of max_score) for every started day late, at most max_score."""
    if not per_day or seconds_late <= 0:
        return 0.0
    return min(max_score, math.ceil(seconds_late / 86400) * per_day * max_score)


def export(out: Path, assignment: str, rows: list[dict]) -> tuple[Path, Path]:
    """final_grades.csv (the grader's columns plus lateness) and lms_grades.csv (Canvas/Moodle)."""
    final = out / "final_grades.csv"
    cols = ["student_id", "score", "max_score", "status", "submitted_at", "seconds_late", "late_penalty",
            "final_score"]  # fmt: skip
    with open(final, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=cols, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    lms = out / "lms_grades.csv"
    with open(lms, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow([*LMS_HEADER, assignment])
        for r in rows:
            w.writerow([r["student_id"], "", "", r["student_id"], "", r["final_score"]])
    return final, lms


def late_banner(row: dict) -> str:
    return (
        '<div id="losslab-late" style="border:2px solid #b00;padding:8px;margin:8px;font-family:sans-serif">'
        f"<b>Late submission</b>: submitted {html.escape(row['submitted_at'])}, "
        f"{html.escape(row['seconds_late'])} s after the due date {html.escape(row['due'])}. "
        f"Score {html.escape(row['score'])} &minus; late penalty {html.escape(row['late_penalty'])} "
        f"= <b>{html.escape(row['final_score'])}</b> / {html.escape(row['max_score'])}.</div>"
    )


def grade(state: Path, assignment: str, per_day: float | None, jobs: int | None) -> dict:
    """collect → losslab-grade → feedback through the exchange → final_grades.csv and lms_grades.csv."""
    require_root("make classroom-grade")
    info = load_state(state)
    instructor, course = info["instructor"], Path(info["course"])
    pw = pwd.getpwnam(instructor)
    nbg = str(HUB_BIN / "nbgrader")
    env = classroom_env(info)
    _checked(
        run([nbg, "collect", "--update", assignment], user=instructor, cwd=course, env=env),
        "nbgrader collect",
    )
    submitted = course / "grading" / "nbgrader" / "submitted"
    out = course / "grading" / assignment
    cmd = [str(BIN / "losslab-grade"), assignment, str(submitted), "--out", str(out)]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    proc = _checked(run(cmd), "losslab-grade")
    for dirpath, dirnames, filenames in os.walk(out):
        for name in [dirpath, *(os.path.join(dirpath, n) for n in dirnames + filenames)]:
            os.lchown(name, pw.pw_uid, pw.pw_gid)
    due = due_date(course, instructor, assignment)
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        graded = list(csv.DictReader(f))
    rows = []
    feedback_root = course / "grading" / "nbgrader" / "feedback"
    for r in graded:
        sid = r["student_id"]
        sub = submitted / sid / assignment
        stamp = (sub / "timestamp.txt").read_text().strip() if (sub / "timestamp.txt").exists() else ""
        when = parse_utc(stamp) if stamp else None
        late = max(0.0, (when - due).total_seconds()) if (when and due) else 0.0
        score, max_score = float(r["score"] or 0), float(r["max_score"] or 0)
        penalty = late_penalty(late, max_score, per_day)
        row = dict(r)
        row.update(
            submitted_at=stamp,
            due=due.isoformat(sep=" ") + " UTC" if due else "",
            seconds_late=str(math.ceil(late)),
            late_penalty=f"{penalty:g}",
            final_score=f"{max(0.0, score - penalty):g}",
            score=f"{score:g}",
            max_score=f"{max_score:g}",
        )
        rows.append(row)
        # nbgrader's layout for release_feedback: feedback/<id>/<assignment>/<notebook>.html beside
        # the submission's timestamp.txt and submission_secret.txt (the secret names the released file).
        html_files = sorted((out / "feedback" / sid).glob("*.html"))
        if not html_files or not (sub / "submission_secret.txt").exists():
            continue
        dest = feedback_root / sid / assignment
        dest.mkdir(parents=True, exist_ok=True)
        for name in ("timestamp.txt", "submission_secret.txt"):
            shutil.copyfile(sub / name, dest / name)
        for page in html_files:
            text = page.read_text(encoding="utf-8")
            if late:
                text = re.sub(
                    r"(<body[^>]*>)", lambda m, row=row: m.group(1) + late_banner(row), text, count=1
                )
            (dest / page.name).write_text(text, encoding="utf-8")
    # Roster students with no submission still get a row (0 points), so the LMS import is complete.
    max_any = rows[0]["max_score"] if rows else ""
    for sid in sorted(set(info["students"]) - {r["student_id"] for r in rows}):
        row = dict.fromkeys(("submitted_at", "due"), "")
        row.update(student_id=sid, score="0", max_score=max_any, status="not submitted")
        row.update(seconds_late="0", late_penalty="0", final_score="0")
        rows.append(row)
    feedback_root.mkdir(parents=True, exist_ok=True)
    for dirpath, dirnames, filenames in os.walk(feedback_root):
        for name in [dirpath, *(os.path.join(dirpath, n) for n in dirnames + filenames)]:
            os.lchown(name, pw.pw_uid, pw.pw_gid)
    _checked(
        run([nbg, "release_feedback", assignment], user=instructor, cwd=course, env=env),
        "nbgrader release_feedback",
    )
    final, lms = export(out, assignment, rows)
    for p in (final, lms):
        os.chown(p, pw.pw_uid, pw.pw_gid)
    return {"out": str(out), "final": str(final), "lms": str(lms), "rows": rows, "grader": proc.stderr}


def as_instructor(state: Path, cmd: list[str]) -> int:
    """cmd as the instructor, in the course, with the classroom's exchange (nbgrader release_assignment …)."""
    info = load_state(state)
    proc = run(cmd, user=info["instructor"], cwd=Path(info["course"]), check=False,
               env=classroom_env(info))  # fmt: skip
    sys.stdout.write(proc.stdout)
    sys.stderr.write(proc.stderr)
    return proc.returncode


# --- teardown ------------------------------------------------------------------------------------------


def _pids_of(uid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids


def down(state: Path) -> list[str]:
    """Stop the hub, end the classroom users' processes, remove their accounts and the state."""
    require_root("make classroom-down")
    removed = []
    # The hub (which stops the servers it started and its proxy), then the proxy if the hub
    # could not: each by the pid JupyterHub wrote, and only if that pid still runs it.
    for pidname, word in (
        ("jupyterhub.pid", "jupyterhub"),
        ("jupyterhub-proxy.pid", "configurable-http-proxy"),
    ):
        try:
            pid = int((state / "hub" / pidname).read_text().strip())
            if word not in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace"):
                continue
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 15
            while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            if Path(f"/proc/{pid}").exists():
                os.kill(pid, signal.SIGKILL)
        except (OSError, ValueError):
            pass
    try:
        names = list(load_state(state)["roster"])
    except ClassroomError:
        names = []
    for name in names:
        try:
            pw = pwd.getpwnam(name)
        except KeyError:
            continue
        if pw.pw_gecos.split(",")[0] != MARK or not Path(pw.pw_dir).is_relative_to(state):
            continue  # never touch an account this classroom did not create
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for pid in _pids_of(pw.pw_uid):
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
            deadline = time.monotonic() + 5
            while _pids_of(pw.pw_uid) and time.monotonic() < deadline:
                time.sleep(0.1)
        subprocess.run(["userdel", "--remove", name], capture_output=True)
        try:  # userdel keeps a group some other account uses; the user-group of ours goes with it
            subprocess.run(["groupdel", name], capture_output=True)
        except OSError:
            pass
        removed.append(name)
    shutil.rmtree(state, ignore_errors=True)
    return removed


# --- command line --------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("setup", "hub", "grade", "down"):
        s = sub.add_parser(name)
        s.add_argument("--state", type=Path, default=DEFAULT_STATE, help="default %(default)s")
        if name == "setup":
            s.add_argument("--roster", type=Path, default=HERE / "roster.csv")
            s.add_argument("--port", type=int, default=8000)
        if name == "grade":
            s.add_argument("assignment")
            s.add_argument(
                "--late-penalty",
                type=float,
                default=None,
                help="fraction of the maximum taken off per started day late (default: none)",
            )
            s.add_argument("--jobs", type=int, default=None)
    s = sub.add_parser("instructor", help="run a command as the instructor, in the course")
    s.add_argument("--state", type=Path, default=DEFAULT_STATE)
    s.add_argument("command", nargs=argparse.REMAINDER)
    s = sub.add_parser("_gradebook-students")
    s.add_argument("students", nargs="*")
    s = sub.add_parser("_duedate")
    s.add_argument("assignment")
    a = p.parse_args(argv)
    try:
        if a.cmd == "setup":
            info = setup(a.state.resolve(), a.roster, a.port)
            print(f"classroom ready in {info['state']}: instructor {info['instructor']}, "
                  f"{len(info['students'])} students; course {info['course']}")  # fmt: skip
        elif a.cmd == "hub":
            return hub(a.state.resolve())
        elif a.cmd == "grade":
            res = grade(a.state.resolve(), a.assignment, a.late_penalty, a.jobs)
            print(res["grader"].strip().splitlines()[-1] if res["grader"].strip() else "")
            print(
                f"grades: {res['final']}\nLMS import (Canvas, Moodle): {res['lms']}\n"
                f"feedback released through the exchange; students fetch it from the Assignments tab"
            )
            for r in res["rows"]:
                if r["seconds_late"] != "0":
                    print(f"  late: {r['student_id']} by {r['seconds_late']} s, penalty {r['late_penalty']}")
        elif a.cmd == "down":
            removed = down(a.state.resolve())
            print(f"classroom stopped; removed accounts: {', '.join(removed) or 'none'}")
        elif a.cmd == "instructor":
            require_root("running a command as the instructor")
            cmd = a.command[1:] if a.command[:1] == ["--"] else a.command
            return as_instructor(a.state.resolve(), cmd)
        elif a.cmd == "_gradebook-students":
            gradebook_students(a.students)
        elif a.cmd == "_duedate":
            gradebook_duedate(a.assignment)
    except ClassroomError as exc:
        print(f"classroom: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
