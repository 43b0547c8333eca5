"""`make lab` starts JupyterLab on the course: prove the server comes up and serves it."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
JUPYTER = Path(sys.executable).with_name("jupyter")


@pytest.mark.slow
def test_jupyterlab_serves_the_course(tmp_path):
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path), "BROWSER": "true"}
    server = subprocess.Popen(
        [str(JUPYTER), "lab", "--no-browser", "--port=0", "--IdentityProvider.token=losslab",
         f"--ServerApp.root_dir={ROOT}", *(["--allow-root"] if os.getuid() == 0 else [])],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        url = None
        deadline = time.monotonic() + 60
        while url is None and time.monotonic() < deadline:
            for info in tmp_path.glob("jpserver-*.json"):
                url = json.loads(info.read_text())["url"]
            time.sleep(0.2)
        assert url, "JupyterLab wrote no server info within 60 s"
        with urllib.request.urlopen(f"{url}lab?token=losslab", timeout=30) as page:
            assert page.status == 200
            assert "JupyterLab" in page.read().decode()
        api = f"{url}api/contents/notebooks?token=losslab"
        with urllib.request.urlopen(api, timeout=30) as listing:
            names = {item["name"] for item in json.loads(listing.read())["content"]}
        assert "01_score_function.ipynb" in names
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def test_nbgrader_lab_extension_is_installed():
    out = subprocess.run([str(JUPYTER), "labextension", "list"], capture_output=True, text=True)
    assert "@jupyter/nbgrader" in out.stdout + out.stderr
