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

Without root it does the same in a user namespace (``mode: "userns"``, when
unprivileged user namespaces are enabled): the kernel keeps the instructor's
uid (there is no ``nobody`` to become), so every bind mount is checked to be
read-only and the jail is refused (the kernel does not start) if one is not;
the kernel also gets its own PID namespace and ``/proc``, so it can neither
see, signal nor ptrace the grader's processes, which run under the same uid.

Without ``isolate`` it only sets the limits and execs the kernel; the grader
reports that the run was not isolated. This module
imports nothing but the standard library, so it adds a few milliseconds to a
kernel start.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import resource
import signal
import sys

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_SYNCHRONOUS = 16
MS_REMOUNT = 32
MS_MANDLOCK = 64
MS_NOATIME = 1024
MS_NODIRATIME = 2048
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
MS_RELATIME = 1 << 21
MS_STRICTATIME = 1 << 24
PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_NO_NEW_PRIVS = 38
NOBODY = 65534

#: statvfs flag -> the mount flag that keeps it (a user namespace may not clear a locked flag)
_KEEP = (
    (os.ST_NOSUID, MS_NOSUID),
    (os.ST_NODEV, MS_NODEV),
    (os.ST_NOEXEC, MS_NOEXEC),
    (os.ST_SYNCHRONOUS, MS_SYNCHRONOUS),
    (os.ST_MANDLOCK, MS_MANDLOCK),
    (os.ST_NOATIME, MS_NOATIME),
    (os.ST_NODIRATIME, MS_NODIRATIME),
    (os.ST_RELATIME, MS_RELATIME),
)

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


def _kept_flags(path: str) -> int:
    """The mount flags of the mount at path that a remount must repeat (they may be locked)."""
    f = os.statvfs(path).f_flag
    flags = 0
    for st, ms in _KEEP:
        if f & st:
            flags |= ms
    if not f & (os.ST_NOATIME | os.ST_RELATIME):
        flags |= MS_STRICTATIME
    return flags


def _mounts_under(target: str) -> list[str]:
    """target and every mount point below it, from this process's mountinfo."""

    def unescape(field: str) -> str:
        for code in ("\\040", "\\011", "\\012", "\\134"):
            field = field.replace(code, chr(int(code[1:], 8)))
        return field

    found = [target]
    with open("/proc/self/mountinfo") as f:
        for line in f:
            point = unescape(line.split()[4])
            if point.startswith(target.rstrip("/") + "/") and point not in found:
                found.append(point)
    return found


def _read_only(libc, target: str, *, strict: bool) -> None:
    """Remount the bind at target, and the mounts below it, read-only (keeping their locked flags).

    strict: raise unless every one of them really is read-only afterwards.
    """
    for point in _mounts_under(target):
        try:
            flags = _kept_flags(point)
            _mount(libc, None, point, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | flags)
        except OSError as exc:
            if strict:
                raise OSError(
                    exc.errno, f"cannot make {point} read-only in the jail: {exc.strerror}"
                ) from exc
            continue  # locked flags in some containers; as root the kernel runs as nobody anyway
        if strict and not os.statvfs(point).f_flag & os.ST_RDONLY:
            raise OSError(f"{point} is still writable in the jail")


def _bind(libc, path: str, root: str, *, writable: bool = False, strict: bool = False) -> None:
    target = root + path
    if os.path.isdir(path):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        open(target, "a").close()
    _mount(libc, path, target, None, MS_BIND | MS_REC)
    if not writable:
        _read_only(libc, target, strict=strict)


def _enter_namespaces(libc, mode: str) -> None:
    """As root: a private mount namespace. Rootless: also a user namespace (same uid) and a PID namespace."""
    if mode == "root":
        flags, what = CLONE_NEWNS, "unshare(CLONE_NEWNS)"
    else:
        flags, what = (
            CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID,
            "unshare(CLONE_NEWUSER|CLONE_NEWNS|CLONE_NEWPID)",
        )
    uid, gid = os.getuid(), os.getgid()
    if libc.unshare(flags) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")
    if mode == "userns":
        for name, text in (
            ("setgroups", "deny"),
            ("uid_map", f"{uid} {uid} 1"),
            ("gid_map", f"{gid} {gid} 1"),
        ):
            with open(f"/proc/self/{name}", "w") as f:
                f.write(text)


def build_jail(cfg: dict, mode: str = "root") -> str:
    """Mount the jail under cfg["jail"] (an empty directory) and return the kernel's home inside it.

    mode "root": the kernel will run as nobody; "userns": it keeps this uid, so every bind mount
    must be read-only (or this raises) and ``/proc`` is mounted later, by the kernel's process.
    """
    libc = _libc()
    strict = mode != "root"
    _enter_namespaces(libc, mode)
    _mount(libc, None, "/", None, MS_REC | MS_PRIVATE)
    root = cfg["jail"].rstrip("/")
    _mount(libc, "tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, f"size={cfg.get('scratch_mb', 256)}m,mode=755")
    if mode != "root":
        # the kernel owns this tmpfs (its uid is the user namespace's): its scratch space gets its
        # own tmpfs, and the rest of the jail's skeleton is made read-only below
        os.makedirs(root + "/tmp")
        scratch = f"size={cfg.get('scratch_mb', 256)}m,mode=1777"
        _mount(libc, "tmpfs", root + "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, scratch)
    allow = [p for p in SYSTEM_DIRS if os.path.exists(p)]
    allow += [os.path.realpath(p) for p in cfg["allow"] if os.path.exists(p)]
    # a path inside another allowed path is already there
    allow = sorted(set(allow), key=len)
    kept: list[str] = []
    for p in allow:
        if not any(p == k or p.startswith(k.rstrip("/") + "/") for k in kept):
            kept.append(p)
    for p in kept:
        _bind(libc, p, root, strict=strict)
    for dev in ("/dev/null", "/dev/zero", "/dev/random", "/dev/urandom", "/dev/full", "/dev/tty"):
        if os.path.exists(dev):
            try:
                _bind(libc, dev, root, writable=True)
            except OSError:
                pass
    os.makedirs(root + "/proc", exist_ok=True)
    if mode == "root":
        _bind(libc, "/proc", root, writable=True)
    for d in ("/tmp", "/dev/shm", "/var/tmp"):
        os.makedirs(root + d, exist_ok=True)
        os.chmod(root + d, 0o1777)
        if mode != "root" and d != "/tmp":
            _mount(libc, root + "/tmp", root + d, None, MS_BIND)
    # anything the caller hides that an allowed directory contains (e.g. grading/ under the repo)
    for p in cfg.get("hide", []):
        target = root + os.path.realpath(p)
        if os.path.isdir(target):
            _mount(libc, "tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV | MS_RDONLY, "size=4k,mode=755")
    home = root + "/tmp/home"
    os.makedirs(home, exist_ok=True)
    if mode == "root":
        os.chown(home, NOBODY, NOBODY)
    else:
        _mount(libc, None, root, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
        if not os.statvfs(root).f_flag & os.ST_RDONLY:
            raise OSError(f"{root} is still writable")
    return home


def sandbox_mode(cfg: dict) -> str | None:
    """How this kernel is jailed: "root", "userns" (rootless) or None (limits only)."""
    if not cfg.get("isolate"):
        return None
    return "root" if os.geteuid() == 0 else "userns"


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
    mode = sandbox_mode(cfg)
    root = ""
    if mode:
        conn_index = cmd.index("-f") + 1
        with open(cmd[conn_index], "rb") as f:
            connection = f.read()
        cache = {}
        for src in cfg.get("copy_into_home", []):  # e.g. matplotlib's font cache
            for name in os.listdir(src) if os.path.isdir(src) else []:
                with open(os.path.join(src, name), "rb") as f:
                    cache[os.path.join(os.path.basename(src), name)] = f.read()
        home = build_jail(cfg, mode)
        root = cfg["jail"].rstrip("/")
        for rel, data in cache.items():
            path = os.path.join(home, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
        kernel_json = root + "/tmp/kernel.json"
        with open(kernel_json, "wb") as f:
            f.write(connection)
        if mode == "root":
            for dirpath, dirnames, filenames in os.walk(home):
                for name in dirnames + filenames:
                    os.chown(os.path.join(dirpath, name), NOBODY, NOBODY)
            os.chown(kernel_json, NOBODY, NOBODY)
        os.chmod(kernel_json, 0o600)
        cmd[conn_index] = "/tmp/kernel.json"
        user = "nobody" if mode == "root" else "student"
        env.update(
            HOME="/tmp/home",
            TMPDIR="/tmp",
            USER=user,
            LOGNAME=user,
            MPLCONFIGDIR="/tmp/home/mplconfig",
            IPYTHONDIR="/tmp/home/.ipython",
            JUPYTER_RUNTIME_DIR="/tmp/home/runtime",
            JUPYTER_DATA_DIR="/tmp/home/data",
            JUPYTER_CONFIG_DIR="/tmp/home/config",
        )
        for key in [k for k in env if k.startswith(("JPY_", "NBGRADER_DB", "GIT_"))]:
            env.pop(key)
    if mode == "userns":
        _pid_namespace_init(root)  # returns in the kernel's process only
    elif mode:
        os.chroot(root)
    if mode:
        os.chdir("/tmp/home")
    if cfg.get("quiet", True):  # the kernel process's own chatter (not the notebook's outputs)
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.dup2(null, 2)
        os.close(null)
    set_limits(cfg)
    if mode == "root":
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)
    if mode:
        libc = _libc()
        if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS)")
    os.execve(cmd[0], cmd, env)


def _pid_namespace_init(root: str) -> None:
    """Rootless: fork PID 1 of the new PID namespace, which forks the kernel's process and returns there.

    Three processes: this one waits outside (the grader knows its pid and process group); PID 1,
    which the kernel can neither signal, ptrace nor read through /proc (not dumpable), dies with
    it (PR_SET_PDEATHSIG) and takes every process of the namespace with it, even those that left
    the process group; the kernel runs as PID 2.
    """
    child = os.fork()
    if child:
        _wait_for(child)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    libc = _libc()
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    try:  # a /proc of the kernel's own PID namespace only
        _mount(libc, "proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    except OSError:
        pass  # a container's masked /proc forbids it: the kernel runs without /proc
    os.chroot(root)
    os.chdir("/")
    kernel = os.fork()
    if kernel == 0:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_DFL)
        return
    while True:  # PID 1 reaps orphans; when the kernel's process ends, the namespace ends
        pid, status = os.wait()
        if pid == kernel:
            os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))


def _wait_for(child: int) -> None:
    """Rootless mode, outside the kernel's PID namespace: wait for the kernel and exit as it did.

    Signals reach the kernel through its process group (jupyter_client uses killpg); a SIGTERM or
    SIGHUP sent to this process alone kills the kernel too.
    """

    def stop(signum, frame):
        try:
            os.kill(child, signal.SIGKILL)
        finally:
            os._exit(128 + signum)

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # an interrupt is the kernel's business
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, stop)
    _, status = os.waitpid(child, 0)
    if os.WIFSIGNALED(status):
        os._exit(128 + os.WTERMSIG(status))
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1)


if __name__ == "__main__":
    main(sys.argv[1:])
