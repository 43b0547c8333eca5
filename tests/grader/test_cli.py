"""cli: usage errors, the cluster's refusal of plain tcp://, and the certificates command."""

from __future__ import annotations

import os
import stat

import pytest
from losslab_grader import cli
from losslab_grader.cluster import Cluster, InsecureCluster

A = "01_score_function"


def test_usage_errors(tmp_path):
    with pytest.raises(SystemExit) as e:
        cli.main(["no_such_assignment", str(tmp_path)])
    assert e.value.code == 2
    with pytest.raises(SystemExit):
        cli.main([A, str(tmp_path / "nowhere")])


def test_a_plain_tcp_cluster_is_refused_unless_said_single_user():
    with pytest.raises(InsecureCluster, match="tls://"):
        Cluster.connect("tcp://127.0.0.1:8786")
    assert Cluster.connect("tcp://127.0.0.1:8786", insecure=True).security() is None
    with pytest.raises(InsecureCluster, match="--tls-ca"):
        Cluster.connect("tls://127.0.0.1:8786")
    assert cli.main([A, ".", "--scheduler", "tcp://127.0.0.1:1"]) == 2


def test_certificates_for_a_cluster(tmp_path, capsys):
    assert (
        cli.certs_main([str(tmp_path / "certs"), "--host", "127.0.0.1", "--host", "grader.example.edu"]) == 0
    )
    names = sorted(p.name for p in (tmp_path / "certs").iterdir())
    assert names == [
        "ca-key.pem",
        "ca.pem",
        "client-key.pem",
        "client.pem",
        "scheduler-key.pem",
        "scheduler.pem",
        "worker-key.pem",
        "worker.pem",
    ]
    for key in (tmp_path / "certs").glob("*-key.pem"):
        assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    assert "client:" in capsys.readouterr().out
