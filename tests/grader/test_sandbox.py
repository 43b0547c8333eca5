"""sandbox: what a jailed kernel can see and do. Every copy of the course the bound folders hold is covered,
the environment is an allow-list, and no uid meant for kernels may be an account's."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from grading_fixtures import ROOT
from losslab_grader import batch, sandbox
from losslab_grader.model import Settings

MODE = batch.isolation_mode()
needs_jail = pytest.mark.skipif(MODE is None, reason="needs bubblewrap with root or user namespaces")


def test_course_copies_finds_installed_packages_and_the_conda_cache(tmp_path):
    prefix = tmp_path / "env"
    for place in (
        "lib/python3.11/site-packages/losslab",
        "lib/python3.11/site-packages/losslab_grader",
        "pkgs/losslab-0.1.0-py_0",
        "lib/python3.11/site-packages/numpy",
    ):
        (prefix / place).mkdir(parents=True)
    (tmp_path / "course").mkdir()
    found = sandbox.course_copies([str(prefix)], [tmp_path / "course", tmp_path / "elsewhere"])
    assert str(prefix / "lib/python3.11/site-packages/losslab") in found
    assert str(prefix / "lib/python3.11/site-packages/losslab_grader") in found
    assert str(prefix / "pkgs/losslab-0.1.0-py_0") in found
    assert not any("numpy" in f for f in found)
    assert str(tmp_path / "course") not in found  # not under a bound root: nothing to hide


def test_the_environment_is_an_allow_list(monkeypatch):
    monkeypatch.setenv("LMS_API_TOKEN", "secret")
    env = sandbox.environment({"X": "1"})
    assert "LMS_API_TOKEN" not in env and env["X"] == "1" and env["HOME"] == "/tmp"


def test_no_kernel_uid_may_belong_to_an_account():
    import pwd

    taken = next(p.pw_uid for p in pwd.getpwall() if p.pw_uid >= 1000)
    with pytest.raises(sandbox.UidRangeError, match="belongs to the account"):
        sandbox.check_uids(taken - 1, 2)
    with pytest.raises(sandbox.UidRangeError):
        sandbox.check_uids(0, 4)
    sandbox.check_uids(Settings().kernel_uids, 64)


def test_masks_come_after_the_binds():
    cmd = sandbox.command(["python"], sandbox.Jail("userns", binds=["/x"], masks=["/x/losslab"]))
    assert cmd.index("/x/losslab") > cmd.index("--ro-bind", cmd.index("/x") - 2)


PROBE = r"""
import json, os, socket
print(json.dumps({"uid": os.getuid(), "cwd": os.getcwd(), "env": sorted(os.environ),
                  "net": [n for _, n in socket.if_nameindex()],
                  "pids": len([p for p in os.listdir("/proc") if p.isdigit()]),
                  "seen": {p: os.path.exists(p) and bool(os.listdir(p) if os.path.isdir(p) else True)
                           for p in PATHS}}))
"""


@needs_jail
def test_a_jail_shows_nothing_but_what_a_kernel_needs(tmp_path, monkeypatch):
    """Even a copy of the course installed in the bound environment is empty inside the jail."""
    installed = os.path.join(sys.prefix, "lib", "python3.11", "site-packages", "losslab")
    secret = [
        str(ROOT / "solutions"),
        str(ROOT / ".git"),
        str(ROOT / "grading"),
        str(tmp_path),
        "/root/.local",
        str(ROOT / "lib" / "losslab_grader"),
        installed,
    ]
    binds = sandbox.python_paths()
    jail = sandbox.Jail(
        MODE,
        uid=Settings().kernel_uids if MODE == "root" else None,
        binds=binds,
        masks=sandbox.course_copies(binds, [ROOT]),
        quiet=False,
    )
    monkeypatch.setenv("INSTRUCTOR_SECRET", "x")
    res = subprocess.run(
        sandbox.command([sys.executable, "-c", PROBE.replace("PATHS", repr(secret))], jail),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 0, res.stderr
    info = json.loads(res.stdout)
    assert info["uid"] == (Settings().kernel_uids if MODE == "root" else os.getuid())
    assert info["cwd"] == "/tmp" and info["net"] == ["lo"] and info["pids"] <= 3
    assert "INSTRUCTOR_SECRET" not in info["env"]
    assert info["seen"] == dict.fromkeys(secret, False)


@needs_jail
def test_a_grading_kernel_goes_without_the_debugger():
    """ipykernel finds no debugpy in the jail, so it does not spend half a second importing it."""
    binds = sandbox.python_paths()
    masked = sandbox.unused_in_grading(binds)
    assert [os.path.basename(m) for m in masked] == ["debugpy"]
    jail = sandbox.Jail(
        MODE, uid=Settings().kernel_uids if MODE == "root" else None, binds=binds, masks=masked, quiet=False
    )
    probe = "import ipykernel.debugger as d; print(d._is_debugpy_available)"
    res = subprocess.run(
        sandbox.command([sys.executable, "-c", probe], jail), capture_output=True, text=True, timeout=60
    )
    assert (res.returncode, res.stdout.strip()) == (0, "False"), res.stderr
