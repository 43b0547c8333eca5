"""JupyterHub configuration of the losslab classroom (JupyterHub 6, started by `make classroom`).

Reads what `classroom.py setup` wrote into $CLASSROOM_STATE/classroom.json. Every
piece is JupyterHub's own: LocalProcessSpawner (each user's server runs as their
Unix account, in their 0700 home), the shared-password authenticator for a trial,
configurable-http-proxy from npm, and one service token for the course's scripts
and tests.

To use a real authenticator, put its settings in classroom/auth_config.py (git
ignores it; see classroom/README.md, "Authentication"): it is loaded last and
overrides anything here.
"""

import json
import os
from pathlib import Path

c = get_config()  # noqa: F821  (provided by JupyterHub when it loads this file)

HERE = Path(__file__).resolve().parent
BIN = HERE.parent / ".venv" / "classroom" / "bin"  # the classroom's venv (classroom.mk)
STATE = Path(os.environ.get("CLASSROOM_STATE", "/srv/losslab-classroom"))
INFO = json.loads((STATE / "classroom.json").read_text(encoding="utf-8"))
HUB = STATE / "hub"
PORT = int(INFO["port"])

# --- network: loopback only ---------------------------------------------------------------------
c.JupyterHub.ip = os.environ.get("CLASSROOM_IP", "127.0.0.1")
c.JupyterHub.port = PORT
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{PORT + 1}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{PORT + 2}"
c.ConfigurableHTTPProxy.command = [
    str(HERE.parent / ".venv" / "classroom-node" / "node_modules" / ".bin" / "configurable-http-proxy")
]
c.ConfigurableHTTPProxy.should_start = True
c.Spawner.ip = "127.0.0.1"

# --- the hub's own files, readable by root only ---------------------------------------------------
c.JupyterHub.db_url = f"sqlite:///{HUB / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(HUB / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(HUB / "jupyterhub.pid")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every user's server
c.JupyterHub.cleanup_proxy = True

# --- who may log in -----------------------------------------------------------------------------
# A trial on this machine only: one shared password for every account (JupyterHub's
# SharedPasswordAuthenticator: anyone with it can log in as any user). Replace it before
# anyone else can reach the hub: classroom/README.md, "Authentication".
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = (HUB / "trial-password").read_text().strip()
c.Authenticator.allowed_users = set(INFO["roster"])
c.Authenticator.allow_all = False
c.Authenticator.admin_users = set()  # the instructor grades on their own server; no hub admin needed

# --- each user's server -------------------------------------------------------------------------
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [str(BIN / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
ROLE_CONFIG = {role: str(HERE / "jupyter" / role) for role in ("instructor", "student")}


def pre_spawn_hook(spawner):
    """Students start in their home with the Assignments tab only; the instructor in their course
    clone, where the course's nbgrader_config.py is found, with the formgrader."""
    name = spawner.user.name
    role = INFO["roster"].get(name, "student")
    spawner.environment.update(
        {
            "PATH": f"{BIN}:/usr/local/bin:/usr/bin:/bin",
            # nbgrader reads nbgrader_config.py from every Jupyter config dir, then from the
            # server's folder: the exchange and course id come from here for everyone.
            "JUPYTER_CONFIG_PATH": ROLE_CONFIG[role],
            "LOSSLAB_EXCHANGE": INFO["exchange"],
            "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        }
    )
    if role == "instructor":
        spawner.notebook_dir = INFO["course"]
        spawner.environment["LOSSLAB_COURSE"] = INFO["course"]


c.Spawner.pre_spawn_hook = pre_spawn_hook

# --- the course's scripts and tests talk to the hub through one service ---------------------------
c.JupyterHub.services = [{"name": "classroom", "api_token": (HUB / "api-token").read_text().strip()}]
c.JupyterHub.load_roles = [
    {
        "name": "classroom",
        "services": ["classroom"],
        "scopes": ["list:users", "read:users", "admin:servers", "access:servers", "read:servers"],
    }
]

# --- a real authenticator, or other site settings, override the above -----------------------------
_site = Path(os.environ.get("CLASSROOM_AUTH_CONFIG", HERE / "auth_config.py"))
if _site.exists():
    load_subconfig(str(_site))  # noqa: F821  (provided by JupyterHub)
