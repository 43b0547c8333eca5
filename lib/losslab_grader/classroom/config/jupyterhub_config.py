"""JupyterHub configuration of the losslab classroom (JupyterHub 6, started by `losslab-classroom hub`).

Reads $CLASSROOM_STATE/classroom.json. Every piece is JupyterHub's own or a
well-kept service: LocalProcessSpawner (each user's server runs as their Unix
account, in their 0700 home, from the classroom's root-owned environment),
PAM (each account's own password), configurable-http-proxy, the idle culler,
and one service token for the course's scripts and tests. The spawner adds a
memory and process limit per user (:mod:`losslab_grader.classroom.hubconfig`).

A real authenticator or other site settings go in the file named by
$CLASSROOM_AUTH_CONFIG (classroom/README.md, "Authentication"): it is loaded
last and overrides anything here.
"""

import os
from pathlib import Path

from losslab_grader.classroom import hubconfig

c = get_config()  # noqa: F821  (provided by JupyterHub when it loads this file)
room = hubconfig.load()
hubconfig.configure(c, room)

site = os.environ.get("CLASSROOM_AUTH_CONFIG")
if site and Path(site).exists():
    load_subconfig(site)  # noqa: F821  (provided by JupyterHub)
