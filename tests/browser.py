"""Debian's chromium for the browser tests (the site, feedback pages, the classroom), via Playwright.

Chromium: /usr/bin/chromium (Debian's package ``chromium``), or $LOSSLAB_CHROMIUM. When it is missing
and we are root with apt-get (CI), it is installed; otherwise the calling test skips and says why.
Playwright (PyPI) drives it: no browser download, headless, with the flags this closed network needs.

axe-core, the accessibility checker the site's pages are run through, comes from the npm
registry into .venv/site-node (git-ignored, and `make clean` drops it), installed by the first
test that needs it, as classroom/classroom.mk installs JupyterHub's proxy; without npm that
test skips and says why.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("LOSSLAB_CHROMIUM", "/usr/bin/chromium"))
LAUNCH_ARGS = ["--no-sandbox", "--disable-background-networking"]
AXE_VERSION = "4.14.1"
AXE_NODE = Path(__file__).resolve().parents[1] / ".venv" / "site-node"
AXE = AXE_NODE / "node_modules" / "axe-core" / "axe.min.js"


def chromium() -> Path:
    """Debian's chromium, installed with apt-get if we may; else skip with the reason."""
    if CHROMIUM.is_file():
        return CHROMIUM
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        pytest.skip(
            f"no chromium at {CHROMIUM}, and not root with apt-get to install it "
            "(install Debian's `chromium` package to run the browser tests)"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
        assert proc.returncode == 0, f"{' '.join(cmd)} failed:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}"
    assert CHROMIUM.is_file(), f"apt-get installed chromium, but not at {CHROMIUM}"
    return CHROMIUM


def launch(playwright):
    """A headless chromium browser for playwright's sync API."""
    return playwright.chromium.launch(executable_path=str(chromium()), headless=True, args=LAUNCH_ARGS)


def axe_core() -> Path:
    """axe-core's axe.min.js, installed from the npm registry if it is not there yet; else skip."""
    if AXE.is_file():
        return AXE
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip(f"no npm to install axe-core {AXE_VERSION} into {AXE_NODE} "
                    "(install Node.js and npm to run the accessibility tests)")
    AXE_NODE.mkdir(parents=True, exist_ok=True)
    cmd = [npm, "install", "--prefix", str(AXE_NODE), "--no-save", "--no-audit", "--no-fund",
           "--loglevel=error", f"axe-core@{AXE_VERSION}"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{' '.join(cmd)} failed:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}"
    assert AXE.is_file(), f"npm installed axe-core, but not at {AXE}"
    return AXE
