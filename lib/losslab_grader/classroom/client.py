"""A running classroom, driven as its users would: for the tests, the browser tests and the load benchmark.

    with Running(roster, folder, course) as room:
        room.cli("release", "01_score_function")
        room.start_servers("ada")
        room.server("ada", "POST", "assignments/fetch", data={...})

Everything binds to 127.0.0.1, every wait is bounded, and leaving the block stops
the hub and removes the accounts and the state even when a test failed. A run killed before it could
(SIGKILL, a machine stopped mid-run) leaves its accounts behind, and the next `setup` would refuse
them; so each classroom made here is claimed by its process (:mod:`..leftovers`), and the next one
takes down those whose owner is gone. A classroom not made here is never touched.
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

from .. import leftovers
from .accounts import read_passwords
from .state import Classroom

COMMAND = [sys.executable, "-m", "losslab_grader.classroom"]
STATE_PARENT = Path("/srv")


def unusable_here() -> str:
    """Why a classroom cannot run on this machine ('' when it can): the reason a test skips with."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        return (
            "the classroom creates one Unix account per student and runs JupyterHub's LocalProcessSpawner: "
            "run as root (as CI does)"
        )
    for tool in ("useradd", "userdel", "chpasswd", "runuser", "setpriv", "git"):
        if shutil.which(tool) is None:
            return f"the classroom needs `{tool}` on PATH"
    if shutil.which("npm") is None and shutil.which("apt-get") is None:
        return "the classroom's proxy comes from npm: install nodejs and npm"
    if not Path("/usr/bin/python3").exists():
        return "the classroom's environment is built with /usr/bin/python3 (apt-get install python3-venv)"
    return ""


def _ephemeral_ports() -> range:
    """The ports the kernel hands out for outgoing connections and port-0 listeners."""
    try:
        low, high = map(int, Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    except (OSError, ValueError):
        low, high = 32768, 60999  # Linux's default
    return range(low, high + 1)


def free_ports(n: int = 3) -> int:
    """A base port b with b, b+1, ... b+n-1 all free on 127.0.0.1 (hub, hub API, proxy API).

    Taken outside the ephemeral range: the port is chosen at setup and bound only when the hub
    starts, minutes later, and in between any kernel, Lab server or client may be given an
    ephemeral port (one once took the hub's, and the proxy could not listen).
    """
    ephemeral = _ephemeral_ports()
    below = range(10000, ephemeral.start - n + 1)
    choices = below if len(below) > 1000 else range(ephemeral.stop, 65536 - n + 1)
    rng = random.Random()
    for _ in range(200):
        base = rng.choice(choices)
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


def private_copy(course: Path, folder: Path) -> Path:
    """A clone of the course in a folder only root may enter (the classroom refuses any other)."""
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    dest = folder / "course"
    subprocess.run(["git", "clone", "--quiet", str(course), str(dest)], check=True, capture_output=True)
    for name in ("assignments", "solutions", "notebooks", "lib", "data"):  # uncommitted work too
        shutil.rmtree(dest / name, ignore_errors=True)
        shutil.copytree(
            course / name, dest / name, ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints")
        )
    os.chmod(dest, 0o700)
    return dest


class Running:
    """A classroom set up and its hub started, for roster, from a private copy of the course."""

    def __init__(self, roster: dict[str, str], folder: Path, course: Path, env: Path | None = None):
        """env: an environment to share with other classrooms of this course (setup --env), else its own."""
        self.roster, self.folder, self.env = roster, Path(folder), env
        self.course_source = private_copy(course, self.folder / "private")
        for old in leftovers.abandoned(STATE_PARENT, "losslab-classroom-"):
            subprocess.run([*COMMAND, "--state", str(old), "down"], capture_output=True, timeout=180)
        # Not under pytest's 0700 folder: every student must traverse it.
        parent = STATE_PARENT if STATE_PARENT.is_dir() else None
        self.state = Path(tempfile.mkdtemp(prefix="losslab-classroom-", dir=parent))
        os.chmod(self.state, 0o755)
        leftovers.claim(self.state)
        self.port = free_ports()
        self.url = f"http://127.0.0.1:{self.port}"
        self.hub_proc: subprocess.Popen | None = None
        self.log = self.folder / "hub.log"

    def __enter__(self) -> Running:
        roster = self.folder / "roster.csv"
        roster.write_text("id,role\n" + "".join(f"{i},{r}\n" for i, r in self.roster.items()))
        try:
            self.cli(
                "setup",
                "--roster",
                str(roster),
                "--port",
                str(self.port),
                "--course",
                str(self.course_source),
                *(["--env", str(self.env)] if self.env else []),
            )
            self.room = Classroom.load(self.state)
            self.token = (self.room.hub / "api-token").read_text().strip()
            self.passwords = read_passwords(self.room)
            self._log = open(self.log, "w")  # noqa: SIM115  (closed in __exit__)
            self.hub_proc = subprocess.Popen(
                [*COMMAND, "--state", str(self.state), "hub"],
                stdout=self._log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            self.wait(lambda: self.api("GET", "").ok, 90, "the hub to answer")
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
        subprocess.run([*COMMAND, "--state", str(self.state), "down"], capture_output=True, timeout=180)
        if getattr(self, "_log", None) is not None:
            self._log.close()

    # --- helpers ---------------------------------------------------------------------------------
    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        proc = subprocess.run(
            [*COMMAND, "--state", str(self.state), *args], capture_output=True, text=True, timeout=1800
        )
        if check and proc.returncode != 0:
            raise RuntimeError(
                f"losslab-classroom {' '.join(args)}: exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
            )
        return proc

    def as_user(self, user: str, *cmd: str, timeout: float = 120) -> subprocess.CompletedProcess:
        """cmd as user, with that user's environment on the server (nbgrader on PATH and all)."""
        env = [
            f"PATH={self.room.bin}:/usr/bin:/bin",
            f"HOME={self.room.home(user)}",
            f"USER={user}",
            f"JUPYTER_CONFIG_PATH={self.room.config / 'jupyter' / self.roster[user]}",
            f"LOSSLAB_EXCHANGE={self.room.exchange}",
        ]
        return subprocess.run(
            ["runuser", "-u", user, "--", "env", "-i", *env, *cmd],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self.room.home(user),
        )

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

    def start_servers(self, *users: str, seconds: float = 240) -> None:
        """Ask the hub for each user's server at once, then wait until all are ready."""
        for user in users:
            r = self.api("POST", f"users/{user}/server")
            assert r.status_code in (201, 202, 400), r.text  # 400: already running

        def ready() -> bool:
            return all(
                self.api("GET", f"users/{u}").json().get("servers", {}).get("", {}).get("ready")
                for u in users
            )

        self.wait(ready, seconds, f"the servers of {', '.join(users)}")

    def server(self, user: str, method: str, path: str, **kw) -> requests.Response:
        """A request to user's own Jupyter server (as that user), with the service's token."""
        headers = {"Authorization": f"token {self.token}"}
        return requests.request(method, f"{self.url}/user/{user}/{path}", headers=headers, timeout=120, **kw)
