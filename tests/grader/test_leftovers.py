"""What a killed run left is removed by the next; a live run's, or anyone else's, never is."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from losslab_grader import leftovers, workspace

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="owners are read from /proc")


MAKE = "from losslab_grader import workspace; print(workspace.private_root())"


def _folders(parent, owners: dict):
    for name, owner in owners.items():
        folder = parent / f"made-{name}"
        folder.mkdir()
        if owner is not None:
            (folder / leftovers.OWNER).write_text(owner)


def test_only_folders_of_a_process_that_is_gone_are_abandoned(tmp_path):
    dead = subprocess.Popen(["true"])
    dead.wait()
    mine = leftovers._identity(os.getpid())
    boot, pid, started = mine.split()
    _folders(
        tmp_path,
        {
            "live": mine,
            "killed": f"{boot} {dead.pid} {started}",
            "reused-pid": f"{boot} {pid} 1",  # this pid, started at another time: another process
            "other-boot": f"not-this-boot {pid} {started}",
            "garbled": "not an owner",
            "unclaimed": None,
        },
    )
    found = [p.name.removeprefix("made-") for p in leftovers.abandoned(tmp_path, "made-")]
    assert found == ["garbled", "killed", "other-boot", "reused-pid"]


def test_a_folder_of_another_account_is_never_a_candidate(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("making a folder as another account needs root")
    _folders(tmp_path, {"theirs": "not an owner"})
    os.chown(tmp_path / "made-theirs", 65534, 65534)  # e.g. a student's folder in /dev/shm
    assert leftovers.abandoned(tmp_path, "made-") == []


def test_a_grading_workspace_left_by_a_killed_run_is_removed_by_the_next(tmp_path, monkeypatch):
    monkeypatch.setattr(leftovers.tempfile, "gettempdir", lambda: str(tmp_path))
    monkeypatch.setattr(leftovers.os, "access", lambda *a: False)  # not /dev/shm: the test's own folder
    killed = subprocess.run(
        [sys.executable, "-c", f"import os; os.access = lambda *a: False; {MAKE}"],
        env={**os.environ, "TMPDIR": str(tmp_path)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert os.path.isdir(killed)  # its process ended without removing it, as a SIGKILLed one would
    live = workspace.private_root()
    assert not os.path.exists(killed) and live.is_dir() and oct(live.stat().st_mode)[-3:] == "700"
