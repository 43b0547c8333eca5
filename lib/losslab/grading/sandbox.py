"""Start a grading kernel in a jail: ``python -m losslab.grading.sandbox CONFIG_JSON -- KERNEL_CMD...``.

jupyter_client launches this module in place of the kernel. As root it

1. enters a private mount namespace and builds a new root on a tmpfs that
   holds only what a kernel needs, bind-mounted read-only: the system
   directories, Python's installation and virtual environment, and the
   repository's ``lib/`` and ``data/``. Nothing else exists in there: not
   ``solutions/``, ``.git``, the gradebook, the grading workspaces, other
   students' submissions or the instructor's home directory;
2. gives the kernel a fresh writable ``/tmp`` (its home and working
   directory) on that tmpfs, which disappears with the kernel;
3. sets resource limits (address space = ``--memory``, CPU seconds, file
   size, process count), drops to the unprivileged user ``nobody`` (who can
   neither undo the mounts nor signal the grader) and execs the kernel.

Without root (or without mount namespaces) it only sets the limits and execs
the kernel; the grader reports that the run was not isolated. This module
imports nothing but the standard library, so it adds a few milliseconds to a
kernel start.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import resource
import sys

CLONE_NEWNS = 0x00020000
MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
PR_SET_NO_NEW_PRIVS = 38
NOBODY = 65534

SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt")


def _libc():
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
    return libc


def _mount(libc, source, target, fstype, flags, data=None) -> None:
    def enc(s):
        return None if s is None else os.fsencode(s)

    if libc.mount(enc(source), enc(target), enc(fstype), flags, enc(data)) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {source} -> {target}: {os.strerror(err)}")


def _bind(libc, path: str, root: str, *, writable: bool = False) -> None:
    target = root + path
    if os.path.isdir(path):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        open(target, "a").close()
    _mount(libc, path, target, None, MS_BIND | MS_REC)
    if not writable:
        try:
            _mount(libc, None, target, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID)
        except OSError:
            pass  # locked flags in some containers; the kernel runs as nobody anyway


def build_jail(cfg: dict) -> str:
    """Mount the jail under cfg["jail"] (an empty directory) and return the kernel's home inside it."""
    libc = _libc()
    if libc.unshare(CLONE_NEWNS) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"unshare(CLONE_NEWNS): {os.strerror(err)}")
    _mount(libc, None, "/", None, MS_REC | MS_PRIVATE)
    root = cfg["jail"].rstrip("/")
    _mount(libc, "tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, f"size={cfg.get('scratch_mb', 256)}m,mode=755")
    allow = [p for p in SYSTEM_DIRS if os.path.exists(p)]
    allow += [os.path.realpath(p) for p in cfg["allow"] if os.path.exists(p)]
    # a path inside another allowed path is already there
    allow = sorted(set(allow), key=len)
    kept: list[str] = []
    for p in allow:
        if not any(p == k or p.startswith(k.rstrip("/") + "/") for k in kept):
            kept.append(p)
    for p in kept:
        _bind(libc, p, root)
    for dev in ("/dev/null", "/dev/zero", "/dev/random", "/dev/urandom", "/dev/full", "/dev/tty"):
        if os.path.exists(dev):
            try:
                _bind(libc, dev, root, writable=True)
            except OSError:
                pass
    os.makedirs(root + "/proc", exist_ok=True)
    _bind(libc, "/proc", root, writable=True)
    for d in ("/tmp", "/dev/shm", "/var/tmp"):
        os.makedirs(root + d, exist_ok=True)
        os.chmod(root + d, 0o1777)
    # anything the caller hides that an allowed directory contains (e.g. grading/ under the repo)
    for p in cfg.get("hide", []):
        target = root + os.path.realpath(p)
        if os.path.isdir(target):
            _mount(libc, "tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV | MS_RDONLY, "size=4k,mode=755")
    home = root + "/tmp/home"
    os.makedirs(home, exist_ok=True)
    os.chown(home, NOBODY, NOBODY)
    return home


def set_limits(cfg: dict) -> None:
    def limit(which, value):
        try:
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):
            pass

    if cfg.get("memory_mb"):
        limit(resource.RLIMIT_AS, int(cfg["memory_mb"]) * 1024 * 1024)
    if cfg.get("cpu_s"):
        limit(resource.RLIMIT_CPU, int(cfg["cpu_s"]))
    limit(resource.RLIMIT_FSIZE, int(cfg.get("fsize_mb", 64)) * 1024 * 1024)
    limit(resource.RLIMIT_CORE, 0)
    if cfg.get("nproc"):
        limit(resource.RLIMIT_NPROC, int(cfg["nproc"]))


def main(argv: list[str]) -> None:
    cfg = json.loads(argv[0])
    cmd = argv[argv.index("--") + 1 :]
    try:
        os.setsid()  # the grader kills the whole process group on a timeout
    except OSError:
        pass
    env = dict(os.environ)
    env.update(cfg.get("env", {}))
    isolated = bool(cfg.get("isolate")) and os.geteuid() == 0
    if isolated:
        conn_index = cmd.index("-f") + 1
        with open(cmd[conn_index], "rb") as f:
            connection = f.read()
        cache = {}
        for src in cfg.get("copy_into_home", []):  # e.g. matplotlib's font cache
            for name in os.listdir(src) if os.path.isdir(src) else []:
                with open(os.path.join(src, name), "rb") as f:
                    cache[os.path.join(os.path.basename(src), name)] = f.read()
        home = build_jail(cfg)
        root = cfg["jail"].rstrip("/")
        for rel, data in cache.items():
            path = os.path.join(home, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
        kernel_json = root + "/tmp/kernel.json"
        with open(kernel_json, "wb") as f:
            f.write(connection)
        for dirpath, dirnames, filenames in os.walk(home):
            for name in dirnames + filenames:
                os.chown(os.path.join(dirpath, name), NOBODY, NOBODY)
        os.chown(kernel_json, NOBODY, NOBODY)
        os.chmod(kernel_json, 0o600)
        os.chroot(root)
        os.chdir("/tmp/home")
        cmd[conn_index] = "/tmp/kernel.json"
        env.update(
            HOME="/tmp/home",
            TMPDIR="/tmp",
            USER="nobody",
            LOGNAME="nobody",
            MPLCONFIGDIR="/tmp/home/mplconfig",
            IPYTHONDIR="/tmp/home/.ipython",
            JUPYTER_RUNTIME_DIR="/tmp/home/runtime",
            JUPYTER_DATA_DIR="/tmp/home/data",
            JUPYTER_CONFIG_DIR="/tmp/home/config",
        )
        for key in [k for k in env if k.startswith(("JPY_", "NBGRADER_DB", "GIT_"))]:
            env.pop(key)
    if cfg.get("quiet", True):  # the kernel process's own chatter (not the notebook's outputs)
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.dup2(null, 2)
        os.close(null)
    set_limits(cfg)
    if isolated:
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)
        libc = _libc()
        libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    os.execve(cmd[0], cmd, env)


if __name__ == "__main__":
    main(sys.argv[1:])
