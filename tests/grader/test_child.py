"""child: one task in a forked child, under a deadline, with its result read as bounded data."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from losslab_grader import child
from losslab_grader.model import TaskResult


def test_a_result_comes_back_as_data():
    r = child.run(lambda: TaskResult("amy", "ok", scores={"t": 2.0}), "amy", timeout=60, memory_mb=512)
    assert (r.student_id, r.status, r.scores) == ("amy", "ok", {"t": 2.0}) and r.seconds > 0


def test_a_child_past_its_deadline_is_killed_with_its_process_group(tmp_path):
    marker = tmp_path / "grandchild.pid"

    def work():
        p = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
        marker.write_text(str(p.pid))
        time.sleep(600)

    r = child.run(work, "slow", timeout=1.0, memory_mb=512)
    assert r.status == "timeout" and "within 1 s" in r.reason
    pid = int(marker.read_text())
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.05)
    assert not _alive(pid), "the child's own children outlived the deadline"


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False


def test_a_dying_child_is_crashed():
    r = child.run(lambda: os._exit(3), "gone", timeout=30, memory_mb=512)
    assert r.status == "crashed" and "exit 3" in r.reason
    r = child.run(lambda: os.kill(os.getpid(), signal.SIGKILL), "killed", timeout=30, memory_mb=512)
    assert r.status == "crashed" and "signal 9" in r.reason


def test_an_exception_is_crashed_with_its_message():
    def work():
        raise RuntimeError("nbgrader fell over")

    r = child.run(work, "oops", timeout=30, memory_mb=512)
    assert r.status == "crashed" and "RuntimeError: nbgrader fell over" in r.reason


def test_too_much_or_garbage_is_refused(monkeypatch):
    monkeypatch.setattr(child, "MAX_RESULT_BYTES", 1000)
    r = child.run(lambda: TaskResult("big", "ok", feedback="x" * 5000), "big", timeout=30, memory_mb=512)
    assert r.status == "crashed" and "more than it may" in r.reason
    r = child.run(lambda: TaskResult("someone-else", "ok"), "me", timeout=30, memory_mb=512)
    assert r.status == "crashed" and "another student" in r.reason


def test_cleanup_runs_after_the_child():
    ran = []
    child.run(lambda: TaskResult("c", "ok"), "c", timeout=30, memory_mb=512, cleanup=lambda: ran.append(1))
    assert ran == [1]
