"""Where a classroom keeps its files, who may read each, and the roster.

Everything lives under one state folder (default ``/srv/losslab-classroom``),
never inside a checkout of the course::

    classroom.json     0644 root   the roster, ports and paths (no secret: ids are account names)
    hub/               0700 root   JupyterHub's database, cookie secret, service token, passwords
    env/               0755 root   the Python environment every user's server runs from: the course
                                   library (losslab, installed, not editable), JupyterLab, nbgrader,
                                   JupyterHub, the proxy; no solution, test, grader or catalogue.
                                   Or elsewhere (setup --env): one environment for several classrooms
                                   of the same course, which down leaves in place
    config/            0755 root   jupyterhub_config.py and the Jupyter settings of each role
    exchange/          1777 root   nbgrader's exchange; its course folder is the instructor's, and
                                   its refused/ (0700) the submissions made as another student
    home/<id>/         0700 <id>   one per account; the instructor's holds the course (0700)
"""

from __future__ import annotations

import csv
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

DEFAULT_STATE = Path(os.environ.get("CLASSROOM_STATE", "/srv/losslab-classroom"))
COURSE_ID = "losslab"
#: The comment (GECOS) of every account a classroom creates: teardown removes only these.
MARK = "losslab classroom"
_ID = re.compile(r"^[a-z][a-z0-9-]{0,30}$")


class ClassroomError(Exception):
    """A problem the person running the classroom must fix; the message says how."""


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
                "starting with a letter (no '_': the grader reads LMS file names up to the first underscore)"
            )
        if role not in ("instructor", "student"):
            raise ClassroomError(f"{path}:{n}: role {role!r} must be 'instructor' or 'student'")
        if sid in roster:
            raise ClassroomError(f"{path}:{n}: id {sid!r} appears twice")
        roster[sid] = role
    if len([r for r in roster.values() if r == "instructor"]) != 1 or len(roster) < 2:
        raise ClassroomError(f"{path}: the roster needs exactly one instructor and at least one student")
    return roster


@dataclass(frozen=True)
class Classroom:
    """A classroom's state folder and what classroom.json says of it."""

    state: Path
    roster: dict[str, str]
    port: int
    #: The environment's folder when it is not the classroom's own <state>/env (setup --env).
    shared_env: Path | None = None

    @property
    def instructor(self) -> str:
        return next(i for i, r in self.roster.items() if r == "instructor")

    @property
    def students(self) -> list[str]:
        return sorted(i for i, r in self.roster.items() if r == "student")

    # --- the folders ------------------------------------------------------------------------------
    @property
    def hub(self) -> Path:
        return self.state / "hub"

    @property
    def env(self) -> Path:
        return self.shared_env or self.state / "env"

    @property
    def bin(self) -> Path:
        return self.env / "bin"

    @property
    def data(self) -> Path:
        """The course's data, for the installed library ($LOSSLAB_DATA of every server)."""
        return self.env / "share" / "losslab" / "data"

    @property
    def config(self) -> Path:
        return self.state / "config"

    @property
    def exchange(self) -> Path:
        return self.state / "exchange"

    @property
    def inbound(self) -> Path:
        return self.exchange / COURSE_ID / "inbound"

    def home(self, user: str) -> Path:
        return self.state / "home" / user

    @property
    def course(self) -> Path:
        """The instructor's own clone of the course: solutions, gradebook, grading output."""
        return self.home(self.instructor) / COURSE_ID

    @property
    def gradebook(self) -> Path:
        return self.course / "grading" / "nbgrader" / "gradebook.db"

    # --- classroom.json -------------------------------------------------------------------------
    def save(self) -> None:
        env = str(self.shared_env) if self.shared_env else None
        info = {"roster": self.roster, "port": self.port, "env": env}
        (self.state / "classroom.json").write_text(json.dumps(info, indent=1), encoding="utf-8")
        os.chmod(self.state / "classroom.json", 0o644)

    @classmethod
    def load(cls, state: Path) -> Classroom:
        try:
            info = json.loads((Path(state) / "classroom.json").read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ClassroomError(f"no classroom in {state}: run `make classroom` (or setup) first") from exc
        env = info.get("env")
        return cls(Path(state), info["roster"], int(info["port"]), Path(env) if env else None)


def require_root(what: str) -> None:
    if os.geteuid() != 0:
        raise ClassroomError(
            f"{what} needs root: it creates one Unix account per roster entry (useradd) and runs "
            "JupyterHub's LocalProcessSpawner, which starts each user's server as that user. "
            "Run it as root (sudo make classroom) on a machine or container you may add accounts to."
        )
