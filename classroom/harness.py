"""A running classroom for the tests: install, set up, start the hub, talk to it, tear it all down.

    with Classroom(roster, tmp_path) as room:
        room.instructor("nbgrader", "release_assignment", "01_score_function")
        room.start_server("ada")
        room.server("ada", "POST", "assignments/fetch", data={...})

Everything binds to 127.0.0.1, every wait is bounded, and __exit__ stops the hub and
removes the accounts and the state even when the test failed.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CLASSROOM = [sys.executable, str(HERE / "classroom.py")]


def unusable_here() -> str:
    """Why a classroom cannot run on this machine ('' when it can): the reason a test skips with."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        return (
            "the classroom creates one Unix account per student and runs JupyterHub's LocalProcessSpawner: "
            "run as root (as CI does)"
        )
    for tool in ("useradd", "userdel", "runuser", "npm"):
        if shutil.which(tool) is None:
            return f"the classroom needs `{tool}` on PATH"
    if not Path("/usr/bin/python3").exists():
        return "the classroom's venv is built with /usr/bin/python3 (apt-get install python3-venv)"
    for path in (REPO, Path(tempfile.gettempdir())):
        for p in [path, *path.parents]:
            if not p.stat().st_mode & 0o001:
                return f"{p} is not searchable by other users, and every student's server must reach {path}"
    return ""


def install(browser: bool = False) -> None:
    """The install step of `make classroom` (and of the browser test): venv, proxy, chromium."""
    targets = ["classroom-install"] + (["classroom-browser-install"] if browser else [])
    proc = subprocess.run(
        ["make", "--no-print-directory", "-f", "classroom/classroom.mk", *targets],
        cwd=REPO, capture_output=True, text=True, timeout=1200,
    )  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError(f"make {' '.join(targets)} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")


def free_ports(n: int = 3) -> int:
    """A base port b with b, b+1, ... b+n-1 all free on 127.0.0.1 (hub, hub API, proxy API)."""
    rng = random.Random()
    for _ in range(200):
        base = rng.randrange(20000, 60000)
        socks = []
        try:
            for p in range(base, base + n):
                s = socket.socket()
                socks.append(s)
                s.bind(("127.0.0.1", p))
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free ports on 127.0.0.1")


class Classroom:
    def __init__(self, roster: dict[str, str], tmp: Path):
        self.roster = roster
        self.tmp = Path(tmp)
        # Not under pytest's 0700 tmp folder: every student must traverse it.
        self.state = Path(tempfile.mkdtemp(prefix="losslab-classroom-"))
        os.chmod(self.state, 0o755)
        self.port = free_ports()
        self.url = f"http://127.0.0.1:{self.port}"
        self.hub_proc: subprocess.Popen | None = None
        self.log = self.tmp / "hub.log"

    # --- lifetime ---------------------------------------------------------------------------------------
    def __enter__(self) -> Classroom:
        roster = self.tmp / "roster.csv"
        roster.write_text("id,role\n" + "".join(f"{i},{r}\n" for i, r in self.roster.items()))
        try:
            self.cli("setup", "--state", str(self.state), "--roster", str(roster), "--port", str(self.port))
            self.token = (self.state / "hub" / "api-token").read_text().strip()
            self.password = (self.state / "hub" / "trial-password").read_text().strip()
            self._log = open(self.log, "w")  # noqa: SIM115  (closed in __exit__)
            self.hub_proc = subprocess.Popen(
                [*CLASSROOM, "hub", "--state", str(self.state)],
                stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
            self.wait(lambda: self.api("GET", "").ok, 60, "the hub to answer")
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc) -> None:
        if self.hub_proc is not None and self.hub_proc.poll() is None:
            try:
                os.killpg(self.hub_proc.pid, signal.SIGTERM)
                self.hub_proc.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.hub_proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.hub_proc.wait(timeout=10)
        subprocess.run([*CLASSROOM, "down", "--state", str(self.state)], capture_output=True, timeout=120)
        if getattr(self, "_log", None) is not None:
            self._log.close()

    # --- helpers --------------------------------------------------------------------------------------
    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        proc = subprocess.run([*CLASSROOM, *args], capture_output=True, text=True, timeout=600)
        if check and proc.returncode != 0:
            raise RuntimeError(
                f"classroom.py {' '.join(args)}: exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
            )
        return proc

    def instructor(self, *cmd: str, check: bool = True) -> subprocess.CompletedProcess:
        """cmd as the instructor, in the course clone (e.g. nbgrader release_assignment NAME)."""
        return self.cli("instructor", "--state", str(self.state), "--", *cmd, check=check)

    def as_user(self, user: str, *cmd: str) -> subprocess.CompletedProcess:
        return subprocess.run(["runuser", "-u", user, "--", *cmd], capture_output=True, text=True, timeout=60)

    def wait(self, ok, seconds: float, what: str) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.hub_proc is not None and self.hub_proc.poll() is not None:
                raise RuntimeError(f"the hub exited ({self.hub_proc.returncode}):\n{self.hub_log()}")
            try:
                if ok():
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise TimeoutError(f"gave up after {seconds} s waiting for {what}:\n{self.hub_log()}")

    def hub_log(self) -> str:
        try:
            return self.log.read_text()[-6000:]
        except OSError:
            return ""

    def api(self, method: str, path: str, **kw) -> requests.Response:
        headers = {"Authorization": f"token {self.token}"}
        return requests.request(method, f"{self.url}/hub/api/{path}", headers=headers, timeout=30, **kw)

    def start_servers(self, *users: str) -> None:
        """Ask the hub for each user's server at once, then wait until all are ready."""
        for user in users:
            r = self.api("POST", f"users/{user}/server")
            assert r.status_code in (201, 202, 400), r.text  # 400: already running

        def ready() -> bool:
            for user in users:
                servers = self.api("GET", f"users/{user}").json().get("servers", {})
                if not servers.get("", {}).get("ready"):
                    return False
            return True

        self.wait(ready, 180, f"the servers of {', '.join(users)}")

    def server(self, user: str, method: str, path: str, **kw) -> requests.Response:
        """A request to user's own Jupyter server (as that user), with the service's token."""
        headers = {"Authorization": f"token {self.token}"}
        return requests.request(method, f"{self.url}/user/{user}/{path}", headers=headers, timeout=120, **kw)
