"""The classroom: one JupyterHub on loopback with nbgrader's exchange, for a roster (classroom/README.md).

``losslab-classroom`` (the ``make classroom-*`` targets), as root:

    setup      accounts, passwords, the environment, the exchange, the instructor's course
    hub        JupyterHub in the foreground
    release    NAME [--due WHEN]: release an assignment with its due date
    grade      NAME [--late-penalty F]: collect, grade, record, return feedback, export
    export     NAME [--late-penalty F]: final_grades.csv and lms_grades.csv, manual points included
    instructor -- CMD...: a command as the instructor, in the course
    down       stop the hub, remove the accounts and the state (not an environment set up --env)

Modules: state (the folders and the roster), accounts, environment (what servers
run from), hubconfig (JupyterHub's settings), release, grading, export, client (a
running classroom driven by tests and the load benchmark).
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import stat
import sys
import time
from pathlib import Path

from . import accounts, environment
from .commands import as_instructor
from .state import COURSE_ID, DEFAULT_STATE, Classroom, ClassroomError, read_roster, require_root

CONFIG = Path(__file__).with_name("config")


def setup(state: Path, roster_path: Path, port: int, course: Path, env: Path | None = None) -> Classroom:
    """Everything the hub needs under state, for roster_path's accounts and the course checkout course.

    env: the servers' environment, when not the classroom's own (<state>/env): built there unless
    current, and left there by down, so classrooms of the same course share one.
    """
    require_root("make classroom")
    room = Classroom(state, read_roster(roster_path), port, env)
    _private_checkout(course)
    state.mkdir(parents=True, exist_ok=True)
    os.chmod(state, 0o755)
    _reachable(state)
    if env is not None:
        env.parent.mkdir(parents=True, exist_ok=True)
        _reachable(env.parent)
    room.save()  # before any account exists, so that teardown finds every account to remove
    room.hub.mkdir(mode=0o700, exist_ok=True)
    os.chmod(room.hub, 0o700)
    (state / "home").mkdir(mode=0o755, exist_ok=True)
    for name in room.roster:
        accounts.ensure_user(name, room.home(name))
    environment.build(room, course)
    _config(room)
    accounts.clone_course(room, course)
    for name in room.students:
        accounts.furnish_student(room, name, course / "notebooks")
    _exchange(room)
    token = room.hub / "api-token"
    if not token.exists():
        token.write_text(secrets.token_urlsafe(32))
        os.chmod(token, 0o600)
    accounts.set_passwords(room)
    as_instructor(room, [str(room.bin / "python"), "-c", _GRADEBOOK_STUDENTS, *room.students])
    return room


# (as the instructor, in the course) every student in the course's gradebook
_GRADEBOOK_STUDENTS = """
import sys
from nbgrader.api import Gradebook
from nbgrader.apps import NbGrader
app = NbGrader()
app.config_file_paths.append(".")
app.load_config_file()
with Gradebook(app.config.CourseDirectory.db_url, "losslab") as gb:
    for sid in sys.argv[1:]:
        gb.update_or_create_student(sid)
"""


def _private_checkout(course: Path) -> None:
    """The checkout the classroom is made from holds the solutions: no other account may enter it."""
    mode = course.stat().st_mode
    if mode & 0o077:
        raise ClassroomError(
            f"{course} holds the solutions and hidden tests, and other accounts may enter it (mode "
            f"{stat.filemode(mode)}): every student would read them. `chmod 700 {course}` (or clone the "
            "course into a private folder) and run the classroom from there"
        )


def _reachable(path: Path) -> None:
    """path and every folder above it must be searchable by all: every user's server works there."""
    for p in [path, *path.parents]:
        if not p.stat().st_mode & stat.S_IXOTH:
            raise ClassroomError(
                f"{p} is not searchable by other users (mode {stat.filemode(p.stat().st_mode)}), so the "
                f"students' servers cannot reach {path}: put the classroom's state (and a shared "
                "environment) where all can traverse (e.g. /srv, the default), or `chmod o+x` that folder"
            )


def _config(room: Classroom) -> None:
    """The hub's and each role's settings, root's, in the state folder (never read from a checkout)."""
    import shutil

    shutil.rmtree(room.config, ignore_errors=True)
    shutil.copytree(CONFIG / "jupyter", room.config / "jupyter")
    shutil.copy2(CONFIG / "jupyterhub_config.py", room.config / "jupyterhub_config.py")
    environment.lock_down(room.config)


def _exchange(room: Classroom) -> None:
    """nbgrader's exchange (1777, as nbgrader wants it) with the course's folders made now, as the
    instructor's: the sticky bit then stops any student from renaming or replacing them."""
    import pwd

    room.exchange.mkdir(exist_ok=True)
    os.chmod(room.exchange, 0o1777)
    pw = pwd.getpwnam(room.instructor)
    course = room.exchange / COURSE_ID
    for sub, mode in (("", 0o755), ("outbound", 0o755), ("inbound", 0o2733), ("feedback", 0o711)):
        (course / sub).mkdir(exist_ok=True)
        os.chown(course / sub, pw.pw_uid, pw.pw_gid)
        os.chmod(course / sub, mode)


def hub(state: Path) -> int:
    """JupyterHub in the foreground (Ctrl-C stops it and every server)."""
    import shutil

    from .hubconfig import WITH_THE_HUB

    require_root("the classroom hub")
    if shutil.which(WITH_THE_HUB[0]) is None:
        raise ClassroomError("the hub starts its proxy under `setpriv` (util-linux): install it")
    room = Classroom.load(state)
    passwords = accounts.read_passwords(room)
    env = {**os.environ, "CLASSROOM_STATE": str(state), "CONFIGPROXY_AUTH_TOKEN": secrets.token_hex(32)}
    print(
        f"losslab classroom: http://127.0.0.1:{room.port}/  (loopback only)\n"
        f"  each account has its own password (also in {room.hub / 'passwords.csv'}, root only):\n"
        + "".join(f"    {name:<12} {room.roster[name]:<10} {pw}\n" for name, pw in passwords.items())
        + "  Give each student only their own. Ctrl-C stops the hub and every server.",
        flush=True,
    )
    cmd = [sys.executable, "-m", "jupyterhub", "-f", str(room.config / "jupyterhub_config.py")]
    os.chdir(room.hub)
    os.execve(cmd[0], cmd, env)
    return 0  # not reached


def down(state: Path) -> list[str]:
    """Stop the hub, end the classroom users' processes, remove their accounts and the state."""
    import shutil

    require_root("make classroom-down")
    _stop(state / "hub" / "jupyterhub.pid", "jupyterhub")
    _stop(state / "hub" / "jupyterhub-proxy.pid", "configurable-http-proxy")
    try:
        room = Classroom.load(state)
    except ClassroomError:
        room = None
    removed = [n for n in (room.roster if room else []) if accounts.remove_user(room, n)]
    shutil.rmtree(state, ignore_errors=True)
    return removed


def _stop(pidfile: Path, word: str) -> None:
    """SIGTERM the process JupyterHub recorded, if it still runs that program; SIGKILL after 15 s."""
    try:
        pid = int(pidfile.read_text().strip())
        if word not in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace"):
            return
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        if Path(f"/proc/{pid}").exists():
            os.kill(pid, signal.SIGKILL)
    except (OSError, ValueError):
        pass


def main(argv: list[str] | None = None) -> int:
    from . import export, grading, release

    p = argparse.ArgumentParser(prog="losslab-classroom", description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--state", type=Path, default=DEFAULT_STATE, help="the classroom's folder (default %(default)s)"
    )
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("setup")
    s.add_argument("--roster", type=Path, default=Path("classroom/roster.csv"))
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--course", type=Path, default=Path("."), help="the course checkout (default: here)")
    s.add_argument(
        "--env",
        type=Path,
        default=None,
        help="the servers' environment, for classrooms of this course to share (default: STATE/env)",
    )
    sub.add_parser("hub")
    sub.add_parser("down")
    s = sub.add_parser("release")
    s.add_argument("assignment")
    s.add_argument("--due", default=None, help="the due date, e.g. '2026-12-08 23:59 UTC'")
    for name in ("grade", "export"):
        s = sub.add_parser(name)
        s.add_argument("assignment")
        s.add_argument(
            "--late-penalty",
            type=float,
            default=None,
            help="fraction of the maximum taken off per started day late (default: none)",
        )
        if name == "grade":
            s.add_argument("--jobs", type=int, default=None)
    s = sub.add_parser("instructor", help="run a command as the instructor, in the course")
    s.add_argument("command", nargs=argparse.REMAINDER)
    a = p.parse_args(argv)
    state = a.state.resolve()
    try:
        if a.cmd == "setup":
            room = setup(state, a.roster, a.port, a.course.resolve(), a.env.resolve() if a.env else None)
            print(
                f"classroom ready in {room.state}: instructor {room.instructor}, "
                f"{len(room.students)} students; course {room.course}"
            )
        elif a.cmd == "hub":
            return hub(state)
        elif a.cmd == "down":
            print(f"classroom stopped; removed accounts: {', '.join(down(state)) or 'none'}")
        elif a.cmd == "release":
            room = Classroom.load(state)
            due = release.release(room, a.assignment, a.due)
            print(
                f"released {a.assignment}"
                + (f", due {due:%Y-%m-%d %H:%M:%S} UTC" if due else " (no due date)")
            )
        elif a.cmd == "grade":
            result, outcome = grading.grade(Classroom.load(state), a.assignment, a.late_penalty, a.jobs)
            print(_graded(result, outcome))
        elif a.cmd == "export":
            result = export.export(Classroom.load(state), a.assignment, a.late_penalty)
            print(f"grades: {result.final}\nLMS import (Canvas, Moodle): {result.lms}")
        elif a.cmd == "instructor":
            require_root("running a command as the instructor")
            cmd = a.command[1:] if a.command[:1] == ["--"] else a.command
            proc = as_instructor(Classroom.load(state), cmd, check=False)
            sys.stdout.write(proc.stdout)
            sys.stderr.write(proc.stderr)
            return proc.returncode
    except ClassroomError as exc:
        print(f"losslab-classroom: {exc}", file=sys.stderr)
        return 2
    return 0


def _graded(result, outcome) -> str:
    from ..outputs import summary_paragraph

    lines = [
        summary_paragraph(outcome),
        f"grades: {result.final}",
        f"LMS import (Canvas, Moodle): {result.lms}",
        "feedback released through the exchange; students fetch it from the Assignment List",
    ]
    lines += [
        f"  late: {r['student_id']} by {r['seconds_late']} s, penalty {r['late_penalty']}"
        for r in result.rows
        if r["seconds_late"] != "0"
    ]
    lines += [f"  {w}" for w in outcome.warnings if w.startswith("refused")]
    return "\n".join(lines)
