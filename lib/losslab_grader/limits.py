"""Memory and process limits for a group of processes, however many it starts.

``RLIMIT_AS`` caps each process, so a submission that forks could hold many
times the cap. Each grading worker's slot therefore gets a limit for the
*group* of processes its kernel starts (and each classroom user's server one
for everything it starts):

* **cgroup v1** (the ``memory`` and ``pids`` controllers mounted, as root):
  ``/sys/fs/cgroup/{memory,pids}/losslab-grader/slot-N`` with
  ``memory.limit_in_bytes`` and ``pids.max``; the kernel's launcher joins it
  before it execs bubblewrap, so everything the kernel starts is inside;
* **cgroup v2** (a writable unified hierarchy with those controllers, as root):
  the same with ``memory.max`` and ``pids.max``;
* otherwise a **watchdog**: a thread of the grading child that sums the
  resident memory and counts the processes of the kernel's tree every 50 ms and
  kills the tree when either goes over (coarser: a fast allocation can overshoot
  for one interval, each process still under its own ``RLIMIT_AS``).

The folders are root's (0755, files 0644): no other account can join, move or
relax them. :attr:`SlotLimit.kind` says which held, and the report shows it.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CGROUP = Path("/sys/fs/cgroup")
GROUP = "losslab-grader"
POLL = 0.05

# Joins the cgroup(s) named in argv, then execs the rest of argv (runs before bwrap, as root).
_JOIN = r"""
import os, sys
args = sys.argv[1:]; i = args.index("--")
for procs in args[:i]:
    with open(procs, "w") as f:
        f.write(str(os.getpid()))
os.execv(args[i + 1], args[i + 1:])
"""


class SlotLimit:
    """The limit of one group of processes (a worker slot's submission, a classroom user's server):
    a cgroup (v1 or v2) or a watchdog."""

    kind = "watchdog"
    procs: tuple[Path, ...] = ()  # the group's cgroup.procs files (a cgroup's)

    def __init__(self, name: str, memory_mb: int, processes: int, parent: str = GROUP):
        self.name, self.memory_mb, self.processes = name, memory_mb, processes

    def prefix(self) -> list[str]:
        """What a launch command starts with so that all it starts is in the group (a cgroup's)."""
        return [sys.executable, "-I", "-S", "-c", _JOIN, *map(str, self.procs), "--"] if self.procs else []

    def join(self) -> None:
        """Put the calling process in the group (as root; before it starts anything)."""
        for procs in self.procs:
            procs.write_text(str(os.getpid()))

    @contextmanager
    def watching(self, pid: int) -> Iterator[None]:
        """Enforce the limit on every process below pid (not pid itself) while the context lasts."""
        stop = threading.Event()
        self.peak_mb = 0.0
        self.tripped = ""
        thread = threading.Thread(target=self._watch, args=(pid, stop), daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()

    def _watch(self, pid: int, stop: threading.Event) -> None:
        page = os.sysconf("SC_PAGE_SIZE")
        while not stop.wait(POLL):
            tree = descendants(pid)[1:]
            rss = sum(_resident_pages(p) for p in tree) * page / 2**20
            self.peak_mb = max(self.peak_mb, rss)
            if rss > self.memory_mb or len(tree) > self.processes + 3:  # + launcher, bwrap's monitor, init
                self.tripped = "memory" if rss > self.memory_mb else "processes"
                for p in tree:
                    _kill(p)

    def exceeded(self) -> str:
        """'memory' or 'processes' when the submission hit a limit since reset(), else ''."""
        return getattr(self, "tripped", "")

    def reset(self) -> None:
        """Before each submission: no count or event of the previous one carries over."""
        self.tripped = ""

    def empty(self) -> None:
        """After each submission: nothing of it runs any more (the watchdog killed or bwrap took it)."""


class CgroupV1(SlotLimit):
    kind = "cgroup v1"

    def __init__(self, name: str, memory_mb: int, processes: int, parent: str = GROUP):
        super().__init__(name, memory_mb, processes)
        self.memory = _group(CGROUP / "memory" / parent, name)
        self.pids = _group(CGROUP / "pids" / parent, name)
        self.procs = (self.memory / "cgroup.procs", self.pids / "cgroup.procs")
        # memory + swap may never be below memory alone: lift it, set memory, then cap it the same
        swap = self.memory / "memory.memsw.limit_in_bytes"
        if swap.exists():
            swap.write_text("-1")
        (self.memory / "memory.limit_in_bytes").write_text(str(memory_mb * 2**20))
        if swap.exists():
            swap.write_text(str(memory_mb * 2**20))
        (self.pids / "pids.max").write_text(str(processes))

    def prefix(self) -> list[str]:
        return [
            sys.executable,
            "-I",
            "-S",
            "-c",
            _JOIN,
            str(self.memory / "cgroup.procs"),
            str(self.pids / "cgroup.procs"),
            "--",
        ]

    @contextmanager
    def watching(self, pid: int) -> Iterator[None]:
        yield

    def reset(self) -> None:
        self.empty()
        for name in ("memory.failcnt", "memory.max_usage_in_bytes"):
            try:
                (self.memory / name).write_text("0")
            except OSError:
                pass
        self._events = _read_int(self.pids / "pids.events", "max")
        self._oom = _read_int(self.memory / "memory.oom_control", "oom_kill")

    def exceeded(self) -> str:
        ooms = _read_int(self.memory / "memory.oom_control", "oom_kill") > getattr(self, "_oom", 0)
        if ooms or _read_int(self.memory / "memory.failcnt") > 0:
            return "memory"
        return (
            "processes" if _read_int(self.pids / "pids.events", "max") > getattr(self, "_events", 0) else ""
        )

    @property
    def peak_mb(self) -> float:
        return _read_int(self.memory / "memory.max_usage_in_bytes") / 2**20

    def empty(self) -> None:
        _kill_all(self.memory / "cgroup.procs")


class CgroupV2(SlotLimit):
    kind = "cgroup v2"

    def __init__(self, name: str, memory_mb: int, processes: int, parent: str = GROUP):
        super().__init__(name, memory_mb, processes)
        if not {"memory", "pids"} <= set((CGROUP / "cgroup.controllers").read_text().split()):
            raise OSError("the unified hierarchy has no memory or pids controller")
        top = _group(CGROUP, parent)
        (top / "cgroup.subtree_control").write_text("+memory +pids")
        self.group = _group(top, name)
        self.procs = (self.group / "cgroup.procs",)
        (self.group / "memory.max").write_text(str(memory_mb * 2**20))
        if (self.group / "memory.swap.max").exists():
            (self.group / "memory.swap.max").write_text("0")
        (self.group / "pids.max").write_text(str(processes))

    @contextmanager
    def watching(self, pid: int) -> Iterator[None]:
        yield

    def reset(self) -> None:
        self.empty()
        self._oom = _read_int(self.group / "memory.events", "oom_kill")
        self._max = _read_int(self.group / "pids.events", "max")

    def exceeded(self) -> str:
        if _read_int(self.group / "memory.events", "oom_kill") > getattr(self, "_oom", 0):
            return "memory"
        return "processes" if _read_int(self.group / "pids.events", "max") > getattr(self, "_max", 0) else ""

    @property
    def peak_mb(self) -> float:
        return _read_int(self.group / "memory.peak") / 2**20

    def empty(self) -> None:
        kill = self.group / "cgroup.kill"
        if kill.exists():
            kill.write_text("1")
        _kill_all(self.group / "cgroup.procs")


def for_group(name: str, memory_mb: int, processes: int, parent: str = GROUP) -> SlotLimit:
    """The strongest limit this machine offers for a group (a cgroup as root, else a watchdog)."""
    if os.geteuid() == 0:
        for kind in (CgroupV1, CgroupV2):
            try:
                return kind(name, memory_mb, processes, parent)
            except OSError:
                continue
    return SlotLimit(name, memory_mb, processes)


def for_slot(slot: int, memory_mb: int, processes: int) -> SlotLimit:
    """The limit of a grading worker's slot: each of its submissions in turn."""
    return for_group(f"slot-{slot}", memory_mb, processes)


# --- helpers ---------------------------------------------------------------------------------------


def _group(parent: Path, name: str) -> Path:
    """parent/name, made (0755) if missing; OSError when parent is not a writable cgroup."""
    if not (parent.parent / "cgroup.procs").exists() and not (parent / "cgroup.procs").exists():
        raise OSError(f"no cgroup hierarchy at {parent}")
    path = parent / name
    path.mkdir(mode=0o755, parents=True, exist_ok=True)
    if not (path / "cgroup.procs").exists():
        raise OSError(f"{path} is not a cgroup")
    return path


def _read_int(path: Path, key: str | None = None) -> int:
    try:
        text = path.read_text()
    except OSError:
        return 0
    if key is None:
        return int(text.split()[0]) if text.split() else 0
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == key:
            return int(parts[1])
    return 0


def _kill_all(procs: Path, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            pids = [int(p) for p in procs.read_text().split()]
        except (OSError, ValueError):
            return
        if not pids:
            return
        for pid in pids:
            _kill(pid)
        time.sleep(0.02)


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass


def _resident_pages(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return 0


def descendants(pid: int) -> list[int]:
    """pid and every process below it (by parent links in /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        tree.append(p)
        todo += children.get(p, [])
    return tree
