"""limits: memory and processes capped for a whole submission, however many processes it starts."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from losslab_grader import limits

#: Starts n children that each hold mb megabytes, reports how many got there, then waits.
HOLDERS = r"""
import os, select, sys, time
n, mb = int(sys.argv[1]), int(sys.argv[2])
r, w = os.pipe()
children = set()
for _ in range(n):
    pid = os.fork()
    if pid == 0:
        block = bytearray(mb * 2**20)
        for i in range(0, len(block), 4096):
            block[i] = 1
        os.write(w, b"x")
        time.sleep(60)
        os._exit(0)
    children.add(pid)
os.close(w)
# until each child has either reported its memory or died (an OOM kill), or 20 s passed
deadline, got, died = time.time() + 20, 0, 0
while time.time() < deadline and got + died < n:
    if select.select([r], [], [], 0.1)[0]:
        got += len(os.read(r, n))
    for pid in list(children):
        if os.waitpid(pid, os.WNOHANG)[0]:
            children.discard(pid)
            died += 1
print(got, flush=True)
time.sleep(60)
"""


def _run_in(limit: limits.SlotLimit, n: int, mb: int) -> int:
    """How many of n holders of mb MB got their memory under limit (then everything is ended)."""
    proc = subprocess.Popen(
        [*limit.prefix(), sys.executable, "-c", HOLDERS, str(n), str(mb)],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        # the holders' tree, as a grading child watches its kernel's: watching this test process's own
        # tree would count (and kill) whatever else it runs, multiprocessing's helpers included
        with limit.watching(proc.pid):
            line = proc.stdout.readline()
            time.sleep(1.0)  # as a kernel would, the tree keeps running: a watchdog has time to look
    finally:
        limit.empty()
        for pid in limits.descendants(proc.pid):
            try:
                os.kill(pid, 9)
            except OSError:
                pass
        proc.wait()
        proc.stdout.close()
    return int(line or 0)


def test_descendants_follow_parent_links():
    p = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import subprocess, sys, time; "
            "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)']); time.sleep(30)",
        ]
    )
    try:
        deadline = time.monotonic() + 20
        while len(limits.descendants(p.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(limits.descendants(p.pid)) == 2
    finally:
        for pid in limits.descendants(p.pid):
            os.kill(pid, 9)
        p.wait()


def test_the_watchdog_ends_a_tree_over_its_memory():
    limit = limits.SlotLimit("test", memory_mb=300, processes=32)
    limit.reset()
    held = _run_in(limit, n=4, mb=120)
    assert held < 4 and limit.exceeded() == "memory"


def test_the_watchdog_ends_a_tree_over_its_processes():
    limit = limits.SlotLimit("test", memory_mb=4000, processes=3)
    limit.reset()
    _run_in(limit, n=8, mb=1)
    assert limit.exceeded() == "processes"


@pytest.mark.skipif(os.geteuid() != 0, reason="a cgroup of its own needs root")
def test_a_cgroup_caps_the_whole_group():
    limit = limits.for_slot(63, memory_mb=300, processes=64)
    if limit.kind == "watchdog":
        pytest.skip("no writable cgroup memory controller on this machine")
    limit.reset()
    held = _run_in(limit, n=4, mb=120)
    # Two fit at once; a third may report too, when the OOM killer made room by ending an earlier one.
    assert held < 4 and limit.exceeded() == "memory"
    assert limit.peak_mb <= 300 + 1
    limit.reset()
    assert limit.exceeded() == ""
