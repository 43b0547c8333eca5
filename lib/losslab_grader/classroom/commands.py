"""Running commands as the classroom's instructor: nbgrader in their course, with the classroom's exchange."""

from __future__ import annotations

import pwd
import subprocess

from .state import Classroom, ClassroomError


def as_instructor(room: Classroom, cmd: list[str], check: bool = True) -> subprocess.CompletedProcess:
    """cmd as the instructor, in their course, from the classroom's environment (nbgrader, python…).

    Arguments are passed as a list, never through a shell.
    """
    pw = pwd.getpwnam(room.instructor)
    env = {
        "PATH": f"{room.bin}:/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg",
        "HOME": pw.pw_dir,
        "USER": room.instructor,
        "LOGNAME": room.instructor,
        "JUPYTER_CONFIG_PATH": str(room.config / "jupyter" / "instructor"),
        "LOSSLAB_EXCHANGE": str(room.exchange),
        "LOSSLAB_COURSE": str(room.course),
        "LOSSLAB_DATA": str(room.data),
    }
    full = ["runuser", "-u", room.instructor, "--", "env", "-i", *[f"{k}={v}" for k, v in env.items()], *cmd]
    proc = subprocess.run(full, cwd=room.course, text=True, capture_output=True)
    if check and proc.returncode != 0:
        raise ClassroomError(
            f"{' '.join(cmd[:3])} (as {room.instructor}) failed (exit {proc.returncode}):\n"
            f"{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
        )
    return proc


def nbgrader(room: Classroom, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return as_instructor(room, [str(room.bin / "nbgrader"), *args], check=check)
