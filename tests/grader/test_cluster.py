"""Grading on a Dask cluster: a real `dask scheduler` and two `dask worker` processes on loopback, started
here as separate processes (as on separate hosts: they share no directory with the grader), over mutual
TLS with certificates made by losslab-grade-certs.

Only certified parties take part: a client or a worker without a certificate signed by the course's CA is
refused. The cluster grades exactly as the local pool does, a worker killed in the middle of a batch loses
nobody, and when the batch ends no worker keeps the workspace (solutions included) it unpacked."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from grading_fixtures import ASSIGNMENT, COURSE, PATIENT, ROOT, make_class
from losslab_grader.batch import grade
from losslab_grader.cluster import loopback, settle_failed_clients

pytestmark = pytest.mark.slow
distributed = pytest.importorskip("distributed")
EXAMPLES = ROOT / "grading" / "examples" / ASSIGNMENT


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with loopback(tmp_path_factory.mktemp("cluster")) as c:
        yield c


def _on_cluster(cluster, subs: Path, out: Path):
    return grade(
        ASSIGNMENT, subs, out, course=COURSE, progress=False, cluster=cluster["cluster"], settings=PATIENT
    )


def test_a_client_without_a_certificate_cannot_connect(cluster):
    with pytest.raises((OSError, TypeError, ValueError, TimeoutError)):
        with distributed.Client(cluster["address"], timeout="5s"):
            pass
    settle_failed_clients()  # else the next Client's start may collect it, and deadlock
    from distributed.security import Security

    stranger = Security.temporary()  # a certificate, but not one the course's CA signed
    with pytest.raises((OSError, TimeoutError)):
        with distributed.Client(cluster["address"], security=stranger, timeout="5s"):
            pass
    settle_failed_clients()


def test_a_worker_without_a_certificate_cannot_join(cluster, tmp_path):
    dask = str(Path(sys.executable).with_name("dask"))
    log = tmp_path / "intruder.log"
    with open(log, "w") as out:
        intruder = subprocess.Popen(
            [
                dask,
                "worker",
                cluster["address"],
                "--no-nanny",
                "--no-dashboard",
                "--name",
                "intruder",
                "--local-directory",
                str(tmp_path),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        time.sleep(8)
        with cluster["cluster"].client() as c:
            names = {w["name"] for w in c.scheduler_info()["workers"].values()}
        assert "intruder" not in names and names == {"w0", "w1"}
    finally:
        os.killpg(intruder.pid, signal.SIGKILL)
        intruder.wait()


def test_the_cluster_grades_the_examples_as_expected(cluster, tmp_path):
    outcome = _on_cluster(cluster, EXAMPLES, tmp_path / "out")
    assert outcome.grades_csv.read_text() == (ROOT / "grading" / "examples" / "EXPECTED.csv").read_text()
    assert outcome.isolated and outcome.mode in ("root", "userns")
    assert (tmp_path / "out" / "feedback" / "alice" / f"{ASSIGNMENT}.html").exists()
    with cluster["cluster"].client() as c:
        # on each worker (a lambda travels by value): does it still run the grading processes, which hold
        # the state and the workspace it unpacked?
        kept = c.run(lambda: __import__("losslab_grader.cluster", fromlist=["cluster"])._pool is not None)
    assert kept and not any(kept.values()), f"a worker kept the workspace after the batch: {kept}"


@pytest.fixture(scope="module")
def local40(tmp_path_factory):
    """A class of 40 (s000 … s039) and the grades.csv the local pool gives it, which the cluster must match.

    The class repeats four submissions (s000-s003, make_class's variants in turn), and a grade row depends
    on the submission alone: so the local pool grades those four, and s004 … get their rows, renamed.
    """
    base = tmp_path_factory.mktemp("local40")
    make_class(base / "class", 40)
    for sid in ("s000", "s001", "s002", "s003"):
        shutil.copytree(base / "class" / sid, base / "four" / sid)
    local = grade(
        ASSIGNMENT, base / "four", base / "local", course=COURSE, jobs=2, progress=False, settings=PATIENT
    )
    header, *rows = local.grades_csv.read_text().splitlines(keepends=True)
    assert [row.split(",", 1)[0] for row in rows] == ["s000", "s001", "s002", "s003"], rows
    return base / "class", header + "".join(f"s{i:03d}," + rows[i % 4].split(",", 1)[1] for i in range(40))


def test_cluster_and_local_agree_on_a_class_of_40_though_a_worker_is_killed(cluster, local40, tmp_path):
    """Runs last: it kills worker w0 while it grades, the other worker finishes the batch, and every grade
    is the one the local pool gave (the clean path, no worker lost, is the examples' test above)."""
    subs, local = local40
    victim = cluster["workers"][0]

    def kill_when_busy():
        with cluster["cluster"].client() as c:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                busy = {w for w, tasks in c.processing().items() if tasks}
                names = {w: info["name"] for w, info in c.scheduler_info()["workers"].items()}
                graded = len(list((tmp_path / "remote").glob("feedback/*")))
                if any(names.get(w) == "w0" for w in busy) and graded >= 2:
                    os.killpg(victim.pid, signal.SIGKILL)
                    return
                time.sleep(0.05)

    killer = threading.Thread(target=kill_when_busy)
    killer.start()
    remote = _on_cluster(cluster, subs, tmp_path / "remote")
    killer.join()
    assert victim.poll() is not None, "the worker was not killed"
    assert remote.grades_csv.read_text() == local
    assert len(remote.rows) == 40
    assert [w for w in remote.warnings if w.startswith("retried")], remote.warnings
    assert "retried after a worker was lost" in (tmp_path / "remote" / "report.html").read_text()
