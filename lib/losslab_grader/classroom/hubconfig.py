"""The classroom's JupyterHub settings, as code (config/jupyterhub_config.py calls :func:`configure`).

The hub runs as root from the course's environment; every user's server runs as
that user from the classroom's environment (:mod:`.environment`), which holds
the course library and nothing of the instructor's. What each piece does:

* network: the hub, its proxy and every server on 127.0.0.1 only;
* login: PAM, each account's own password (:mod:`.accounts`);
* servers: :class:`LimitedSpawner`, JupyterHub's LocalProcessSpawner plus a
  memory and process cap for everything a user's server starts (a cgroup as
  root, :mod:`losslab_grader.limits`; the stock spawner's ``mem_limit`` is
  advice only), and the idle culler stopping servers idle for an hour;
* each role's Jupyter settings: students get the Assignment List, their
  lectures, the course's data and nbgrader on their terminal's PATH; the
  instructor starts in their clone of the course, with the formgrader.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from jupyterhub.spawner import LocalProcessSpawner
from traitlets import Integer

from .. import limits
from .environment import proxy_command
from .state import Classroom

#: Each user's server and all it starts, together (MB); CLASSROOM_MEMORY_MB overrides it.
MEMORY_MB = int(os.environ.get("CLASSROOM_MEMORY_MB", "2048"))
#: A server no one used for this long is stopped (the student's files stay).
IDLE_SECONDS = int(os.environ.get("CLASSROOM_IDLE_SECONDS", "3600"))
#: Everything the hub starts is killed when the hub dies, however it dies. JupyterHub starts the proxy,
#: the culler and each server in a session of its own, so a hub killed by SIGKILL or the OOM killer
#: left them running, talking to its port, which any account may take once the hub is gone: the proxy
#: forwarding every login form there, each server its API token with its activity reports, the culler
#: its own (never revoked: JupyterHub keeps every start's). A clean stop already ends them all
#: (``cleanup_servers``). The death signal is set after a server becomes its user, so it holds.
WITH_THE_HUB = ["setpriv", "--pdeathsig", "KILL", "--"]


def load() -> Classroom:
    return Classroom.load(Path(os.environ["CLASSROOM_STATE"]))


class LimitedSpawner(LocalProcessSpawner):
    """LocalProcessSpawner whose server, with all it starts, is capped in memory and processes."""

    memory_mb = Integer(MEMORY_MB, help="memory of the server and all it starts, in MB").tag(config=True)
    processes = Integer(512, help="processes and threads of the server and all it starts").tag(config=True)

    def make_preexec_fn(self, name):
        become_user = super().make_preexec_fn(name)
        group = limits.for_group(name, self.memory_mb, self.processes, parent="losslab-classroom")
        self.limit_kind = group.kind

        def preexec():  # in the server's process, as root, before it becomes the user
            group.join()
            become_user()

        return preexec


def configure(c, room: Classroom) -> None:
    """Every setting of the classroom's hub."""
    hub = room.hub
    c.JupyterHub.ip = os.environ.get("CLASSROOM_IP", "127.0.0.1")
    c.JupyterHub.port = room.port
    c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{room.port + 1}"
    c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{room.port + 2}"
    c.ConfigurableHTTPProxy.command = [*WITH_THE_HUB, str(proxy_command(room))]
    c.ConfigurableHTTPProxy.should_start = True
    c.Spawner.ip = "127.0.0.1"
    # the hub's own files, readable by root only
    c.JupyterHub.db_url = f"sqlite:///{hub / 'jupyterhub.sqlite'}"
    c.JupyterHub.cookie_secret_file = str(hub / "jupyterhub_cookie_secret")
    c.JupyterHub.pid_file = str(hub / "jupyterhub.pid")
    c.JupyterHub.cleanup_servers = True  # stopping the hub stops every user's server
    c.JupyterHub.cleanup_proxy = True
    # who may log in: each account with its own password
    c.JupyterHub.authenticator_class = "pam"
    c.PAMAuthenticator.open_sessions = False  # no login session (utmp, systemd-logind) needed
    c.Authenticator.allowed_users = set(room.roster)
    c.Authenticator.allow_all = False
    c.Authenticator.admin_users = set()  # the instructor grades on their own server; no hub admin
    # each user's server
    c.JupyterHub.spawner_class = LimitedSpawner
    c.Spawner.cmd = [*WITH_THE_HUB, str(room.bin / "jupyterhub-singleuser")]
    c.Spawner.start_timeout = 120
    c.Spawner.http_timeout = 120
    c.Spawner.pre_spawn_hook = lambda spawner: _environment(spawner, room)
    c.JupyterHub.services = [
        {"name": "classroom", "api_token": (hub / "api-token").read_text().strip()},
        {
            "name": "idle-culler",
            "command": [
                *WITH_THE_HUB,
                sys.executable,
                "-m",
                "jupyterhub_idle_culler",
                f"--timeout={IDLE_SECONDS}",
            ],
        },
    ]
    c.JupyterHub.load_roles = [
        {
            "name": "classroom",
            "services": ["classroom"],
            "scopes": ["list:users", "read:users", "admin:servers", "access:servers", "read:servers"],
        },
        {
            "name": "idle-culler",
            "services": ["idle-culler"],
            "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        },
    ]


def _environment(spawner, room: Classroom) -> None:
    """Students start in their home on the first lecture; the instructor in their course clone."""
    name = spawner.user.name
    role = room.roster.get(name, "student")
    spawner.environment.update(
        {
            "PATH": f"{room.bin}:/usr/local/bin:/usr/bin:/bin",
            # nbgrader reads nbgrader_config.py from every Jupyter config dir: the exchange, the course
            # id and the classroom's exchange classes come from here for everyone
            "JUPYTER_CONFIG_PATH": str(room.config / "jupyter" / role),
            "LOSSLAB_EXCHANGE": str(room.exchange),
            "LOSSLAB_DATA": str(room.data),
            "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        }
    )
    if role == "instructor":
        spawner.notebook_dir = str(room.course)
        spawner.environment["LOSSLAB_COURSE"] = str(room.course)
    else:
        spawner.default_url = "/lab/tree/notebooks/01_score_function.ipynb"
