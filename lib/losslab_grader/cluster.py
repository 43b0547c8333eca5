"""Grading on a Dask cluster: the same tasks as locally, on the workers of a scheduler.

``losslab-grade NAME DIR --scheduler tcp://HOST:PORT`` swaps the local process
pool for ``Client.get_executor()``: the same :func:`.engine.grade_task` runs on
the cluster's workers, each submission in the same jail as locally. Workers
need the course's environment (the lock file) but no checkout and no shared
file system: the workspace (nbgrader template, the jail's library, the data)
travels packed in the bundle, broadcast to every worker once; each
submission's bytes and the reference records travel with its task; results
come back as data, and only the coordinator writes files.

Dask reschedules the tasks of a worker that dies; each task announces its
start as a Dask event, so the coordinator can say which submissions ran more
than once (and were still graded exactly once). Dask is imported only here,
only when a scheduler is given.
"""

from __future__ import annotations

import contextlib
from collections import Counter

EVENT = "losslab-grade-start"


def _announced(fn, label: str, *args):
    """Run fn(*args) on a worker after logging that the task for label started there."""
    from distributed import get_worker

    get_worker().log_event(EVENT, {"label": label})
    return fn(*args)


class _Announcing:
    """An executor whose tasks announce their start (the student id, or the reference run)."""

    def __init__(self, executor):
        self._executor = executor

    def submit(self, fn, *args):
        label = args[1] if len(args) > 1 else "reference"
        return self._executor.submit(_announced, fn, label, *args)


@contextlib.contextmanager
def dask_executor(scheduler: str, bundle: dict):
    """(executor, the scattered bundle, a function naming the students whose task started twice)."""
    from distributed import Client

    with Client(scheduler, timeout="30s") as client:
        shipped = client.scatter(bundle, broadcast=True, hash=False)
        start = len(client.get_events(EVENT))

        def retried() -> list[str]:
            events = client.get_events(EVENT)[start:]
            counts = Counter(e[1]["label"] for e in events)
            return sorted(label for label, n in counts.items() if n > 1 and label != "reference")

        with client.get_executor(pure=False) as executor:
            yield _Announcing(executor), shipped, retried
