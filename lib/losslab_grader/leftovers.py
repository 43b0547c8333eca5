"""Folders a process makes that must not outlive it, and what to do when one did.

A grading workspace (in /dev/shm: memory) or a test classroom (Unix accounts) is removed when its run
ends, but a SIGKILL, the OOM killer or a machine stopped mid-run skips every ``finally``. So each such
folder names its owner (:func:`claim`): this boot, its pid and the pid's start time, so that a reused
pid is not taken for the old owner. The next run removes what :func:`abandoned` finds. Only folders
this user owns, holding an owner file this user wrote, are ever candidates: a folder someone else made
(a student can make folders in /dev/shm) is never touched.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

OWNER = ".owner"


def _identity(pid: int) -> str:
    boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    started = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    return f"{boot} {pid} {started}"


def claim(folder: Path) -> Path:
    """Mark folder as this process's (a no-op where /proc is not Linux's)."""
    try:
        (folder / OWNER).write_text(_identity(os.getpid()))
    except OSError:
        pass
    return folder


def _alive(words: list[str]) -> bool:
    try:
        return len(words) == 3 and _identity(int(words[1])) == " ".join(words)
    except (OSError, ValueError, IndexError):
        return False


def abandoned(parent: Path, prefix: str) -> list[Path]:
    """Folders parent/prefix* this user claimed for a process that no longer runs."""
    found = []
    for owner in sorted(parent.glob(f"{prefix}*/{OWNER}")):
        try:
            if any(p.is_symlink() or p.stat().st_uid != os.geteuid() for p in (owner, owner.parent)):
                continue
            words = owner.read_text().split()
        except OSError:
            continue
        if not _alive(words):
            found.append(owner.parent)
    return found


def private_folder(prefix: str) -> Path:
    """A fresh folder only this user can enter (0700), claimed: in memory (/dev/shm) when possible.

    Folders of the same prefix that a killed run left are removed first: in /dev/shm each would hold
    memory until the machine restarts.
    """
    shm = Path("/dev/shm")
    parent = Path(shm if shm.is_dir() and os.access(shm, os.W_OK) else tempfile.gettempdir())
    for old in abandoned(parent, prefix):
        shutil.rmtree(old, ignore_errors=True)
    return claim(Path(tempfile.mkdtemp(prefix=prefix, dir=parent)))
