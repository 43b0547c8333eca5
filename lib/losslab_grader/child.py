"""One task in a forked child: under a wall-clock deadline and a memory cap, returning plain data.

The worker forks a child for every notebook it grades. The child runs the
whole pipeline for that notebook (parsing the file, nbgrader's autograde with
the kernel, the verdicts, the feedback page) and writes its
:class:`~.model.TaskResult` as JSON to a pipe; the worker reads at most
:data:`MAX_RESULT_BYTES` of it. A child that outlives the deadline is killed
with its process group and the task is ``timeout``; one that dies or writes
something unreadable is ``crashed``. Nothing of a submission is ever parsed in
the worker itself.
"""

from __future__ import annotations

import ctypes
import os
import resource
import select
import signal
import time
from collections.abc import Callable

from .model import TaskResult

#: The most a child may send back: a feedback page and an executed notebook are capped far below.
MAX_RESULT_BYTES = 64 * 1024 * 1024
#: Memory the child's own pipeline may use beyond the kernel's limit (nbgrader, SQLite, parsing).
PIPELINE_MB = 2048


def run(
    work: Callable[[], TaskResult],
    student: str,
    timeout: float,
    memory_mb: int,
    cleanup: Callable[[], None] = lambda: None,
) -> TaskResult:
    """work() in a forked child within timeout seconds; its result, or why there is none.

    cleanup runs in the worker after the child is gone (killed or not): it ends whatever the
    child's kernel left behind.
    """
    start = time.perf_counter()
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: whatever happens, it exits here
        os.close(read_fd)
        _child(work, student, write_fd, memory_mb)
    os.close(write_fd)
    data, timed_out, truncated = _read(read_fd, start + timeout)
    if timed_out or truncated:
        for kill in (os.killpg, os.kill):
            try:
                kill(pid, signal.SIGKILL)
            except OSError:
                pass
    _, status = os.waitpid(pid, 0)
    cleanup()
    seconds = round(time.perf_counter() - start, 3)
    if timed_out:
        return TaskResult(
            student, "timeout", f"did not finish within {timeout:g} s (killed)", seconds=seconds
        )
    if truncated:
        return TaskResult(
            student, "crashed", "the grading process sent back more than it may", seconds=seconds
        )
    if not data:
        how = f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status) else f"exit {os.WEXITSTATUS(status)}"
        return TaskResult(student, "crashed", f"the grading process died ({how})", seconds=seconds)
    result = TaskResult.from_json(data, student)
    result.seconds = seconds
    return result


def _child(work: Callable[[], TaskResult], student: str, write_fd: int, memory_mb: int) -> None:
    code = 0
    try:
        os.setpgid(0, 0)
        _die_with_parent()  # a worker that dies (a lost cluster node) takes its grading child along
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, ((memory_mb + PIPELINE_MB) * 2**20, hard))
        payload = work().to_json()
    except BaseException as exc:  # noqa: BLE001 - the child reports everything
        payload = TaskResult(
            student, "crashed", f"the grader failed on this notebook: {type(exc).__name__}: {exc}"[:400]
        ).to_json()
        code = 1
    try:
        with os.fdopen(write_fd, "wb") as f:
            f.write(payload)
    finally:
        os._exit(code)


def _read(fd: int, deadline: float) -> tuple[bytes, bool, bool]:
    """(what the child wrote, whether the deadline passed first, whether it wrote too much)."""
    chunks, size = [], 0
    with os.fdopen(fd, "rb") as f:
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                return b"", True, False
            ready, _, _ = select.select([f], [], [], left)
            if not ready:
                continue
            chunk = os.read(f.fileno(), 1 << 20)
            if not chunk:
                return b"".join(chunks), False, False
            size += len(chunk)
            if size > MAX_RESULT_BYTES:
                return b"", False, True
            chunks.append(chunk)


def _die_with_parent() -> None:
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
