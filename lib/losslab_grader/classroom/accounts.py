"""The classroom's Unix accounts: one per roster id, each with its own home and its own password.

Accounts are made with ``useradd`` (comment :data:`.state.MARK`, home under the
state folder, mode 0700) and removed with ``userdel`` by teardown, which never
touches an account it did not make. Each gets a random password of its own
(``chpasswd``), so no password is shared between accounts and the instructor's
cannot be learned from a student's; JupyterHub checks them through PAM, the
system's own login. Each student's home gets the lectures (theirs to run and
edit) and an ``assignments/`` folder where nbgrader fetches, so that links
between lectures and assignments work as in the repository.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import signal
import string
import subprocess
import time
from pathlib import Path

from .state import MARK, Classroom, ClassroomError


def ensure_user(name: str, home: Path) -> pwd.struct_passwd:
    """The account name with its home at home (0700), made if missing; refuses an account not ours."""
    try:
        pw = pwd.getpwnam(name)
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--create-home",
                "--home-dir",
                str(home),
                "--shell",
                "/bin/bash",
                "--comment",
                MARK,
                "--user-group",
                name,
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        pw = pwd.getpwnam(name)
    if pw.pw_gecos.split(",")[0] != MARK:
        raise ClassroomError(
            f"the Unix account {name!r} already exists and is not this classroom's "
            f"(comment {pw.pw_gecos!r}, home {pw.pw_dir}): pick another id in the roster"
        )
    if Path(pw.pw_dir) != home:
        old = Path(pw.pw_dir).parent.parent
        raise ClassroomError(
            f"the Unix account {name!r} is left over from a classroom in {old}: "
            f"`losslab-classroom down --state {old}` (or `userdel -r {name}`) first"
        )
    os.chmod(home, 0o700)  # nobody reads another's work
    return pw


def set_passwords(room: Classroom) -> dict[str, str]:
    """A new random password for every account, set with chpasswd; kept in hub/passwords.csv (0600)."""
    alphabet = string.ascii_letters + string.digits  # nothing a shell or a form would read as special
    passwords = {name: "".join(secrets.choice(alphabet) for _ in range(16)) for name in room.roster}
    lines = "".join(f"{name}:{pw}\n" for name, pw in passwords.items())
    subprocess.run(["chpasswd"], input=lines, check=True, capture_output=True, text=True)
    path = room.hub / "passwords.csv"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("id,role,password\n" + "".join(f"{n},{room.roster[n]},{p}\n" for n, p in passwords.items()))
    return passwords


def read_passwords(room: Classroom) -> dict[str, str]:
    lines = (room.hub / "passwords.csv").read_text().splitlines()[1:]
    return {line.split(",")[0]: line.split(",", 2)[2] for line in lines if line}


def give(path: Path, pw: pwd.struct_passwd) -> None:
    """path and everything below it owned by the account (links themselves, never followed)."""
    for dirpath, dirnames, filenames in os.walk(path):
        for name in [dirpath, *(os.path.join(dirpath, n) for n in dirnames + filenames)]:
            os.lchown(name, pw.pw_uid, pw.pw_gid)


def furnish_student(room: Classroom, name: str, lectures: Path) -> None:
    """A student's home: the lectures in notebooks/ (theirs) and assignments/ for nbgrader's fetch."""
    pw = pwd.getpwnam(name)
    home = room.home(name)
    if not (home / "notebooks").exists():
        shutil.copytree(lectures, home / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    (home / "assignments").mkdir(exist_ok=True)
    give(home, pw)


def clone_course(room: Classroom, source: Path) -> None:
    """The instructor's own clone of the course (solutions, gradebook, grading output), 0700."""
    pw = pwd.getpwnam(room.instructor)
    if not room.course.exists():
        subprocess.run(
            ["git", "clone", "--quiet", "--no-hardlinks", str(source), str(room.course)],
            check=True,
            capture_output=True,
        )
    os.chmod(room.course, 0o700)
    give(room.course, pw)


def processes_of(uid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids


def remove_user(room: Classroom, name: str) -> bool:
    """End the account's processes and remove it with its home; False if it is not this classroom's."""
    try:
        pw = pwd.getpwnam(name)
    except KeyError:
        return False
    if pw.pw_gecos.split(",")[0] != MARK or not Path(pw.pw_dir).is_relative_to(room.state):
        return False  # never touch an account this classroom did not create
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in processes_of(pw.pw_uid):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 5
        while processes_of(pw.pw_uid) and time.monotonic() < deadline:
            time.sleep(0.1)
    subprocess.run(["userdel", "--remove", name], capture_output=True)
    subprocess.run(["groupdel", name], capture_output=True)  # userdel keeps a group another account uses
    return True
