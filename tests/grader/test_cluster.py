"""Grading on a Dask cluster: a real `dask scheduler` and two `dask worker` processes on loopback,
started here as separate processes (as on separate hosts: they share no directory with the grader).
The cluster grades exactly as the local pool does, and a worker killed in the middle of a batch loses
nobody: every student still gets exactly one row, with the same grades, and the run names the
submissions that were retried."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest
from grading_fixtures import ASSIGNMENT, ROOT, loopback_cluster, make_class

pytestmark = pytest.mark.slow
distributed = pytest.importorskip("distributed")
EXAMPLES = ROOT / "grading" / "examples" / ASSIGNMENT


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with loopback_cluster(tmp_path_factory.mktemp("cluster")) as c:
        yield c


def _on_cluster(cluster, subs: Path, out: Path):
    from losslab_grader.cli import grade

    return grade(ASSIGNMENT, subs, out, timeout=60, progress=False, scheduler=cluster["address"])


def _grades(path: Path) -> str:
    return path.read_text()


def test_cluster_grades_the_examples_as_expected(cluster, tmp_path):
    from losslab_grader.cli import grade

    outcome = grade(
        ASSIGNMENT, EXAMPLES, tmp_path / "out", timeout=60, progress=False, scheduler=cluster["address"]
    )
    assert _grades(outcome.grades_csv) == (ROOT / "grading" / "examples" / "EXPECTED.csv").read_text()
    assert outcome.isolated and outcome.mode in ("root", "userns")
    assert (tmp_path / "out" / "feedback" / "alice" / f"{ASSIGNMENT}.html").exists()


def test_cluster_and_local_agree_on_a_class_of_40(cluster, tmp_path):
    from losslab_grader.cli import grade

    make_class(tmp_path / "class", 40)
    local = grade(ASSIGNMENT, tmp_path / "class", tmp_path / "local", jobs=2, timeout=60, progress=False)
    remote = _on_cluster(cluster, tmp_path / "class", tmp_path / "remote")
    assert _grades(remote.grades_csv) == _grades(local.grades_csv)
    assert len(remote.rows) == 40


def test_a_worker_killed_mid_batch_loses_nobody(cluster, tmp_path):
    """Runs last: it kills worker w0 while it grades, and the other worker finishes the batch."""
    from losslab_grader.cli import grade

    make_class(tmp_path / "class", 12)
    local = grade(ASSIGNMENT, tmp_path / "class", tmp_path / "local", jobs=2, timeout=60, progress=False)
    victim = cluster["workers"][0]

    def kill_when_busy():
        with distributed.Client(cluster["address"], timeout="30s") as client:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                busy = {w for w, tasks in client.processing().items() if tasks}
                names = {w: info["name"] for w, info in client.scheduler_info()["workers"].items()}
                if (
                    any(names.get(w) == "w0" for w in busy)
                    and len(list((tmp_path / "remote").glob("feedback/*"))) >= 2
                ):
                    os.killpg(victim.pid, signal.SIGKILL)
                    return
                time.sleep(0.05)

    killer = threading.Thread(target=kill_when_busy)
    killer.start()
    remote = _on_cluster(cluster, tmp_path / "class", tmp_path / "remote")
    killer.join()
    assert victim.poll() is not None, "the worker was not killed"
    assert _grades(remote.grades_csv) == _grades(local.grades_csv)
    assert sorted(r["student_id"] for r in remote.rows) == [f"s{i:03d}" for i in range(12)]
    retried = [w for w in remote.warnings if w.startswith("retried")]
    assert retried, remote.warnings
    report = (tmp_path / "remote" / "report.html").read_text()
    assert "retried after a worker was lost" in report
