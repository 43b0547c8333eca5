"""The classroom's rules that need no hub: the roster, the late penalty, the view-feedback change, the
exchange's collect rule, the Kubernetes files, the test hub's ports."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from losslab_grader import classroom
from losslab_grader.classroom import client, environment, export
from losslab_grader.classroom.state import Classroom, ClassroomError, read_roster

ROOT = Path(__file__).resolve().parents[2]


def test_roster_rules(tmp_path):
    bad = tmp_path / "roster.csv"
    for text, words in [
        ("id,role\nada_l,student\nprof,instructor\n", "no '_'"),
        ("id,role\nada,student\n", "exactly one instructor"),
        ("id,role\nada,student\nbob,teacher\n", "'instructor' or 'student'"),
        ("id,role\nada,student\nada,student\nprof,instructor\n", "twice"),
    ]:
        bad.write_text(text)
        with pytest.raises(ClassroomError, match=words):
            read_roster(bad)
    assert read_roster(ROOT / "classroom" / "roster.csv")["teacher"] == "instructor"


def test_the_test_hub_takes_no_port_the_kernel_may_hand_out():
    """The hub's ports are fixed at setup and bound minutes later: none may be an ephemeral port."""
    ephemeral = client._ephemeral_ports()
    for _ in range(50):
        base = client.free_ports()
        assert not any(p in ephemeral for p in range(base, base + 3)), (base, ephemeral)


def test_late_penalty_rule():
    assert export.late_penalty(0, 10, 0.1) == 0
    assert export.late_penalty(1, 10, 0.1) == pytest.approx(1)  # a started day counts
    assert export.late_penalty(86401, 10, 0.1) == pytest.approx(2)
    assert export.late_penalty(86400 * 30, 10, 0.1) == 10  # never below zero
    assert export.late_penalty(5, 10, None) == 0  # no penalty configured: only flagged


def test_view_feedback_is_changed_in_exactly_one_place(tmp_path):
    """The installed nbgrader's Assignment List has the one call the classroom changes."""
    import nbgrader

    env = tmp_path / "env"
    static = env / "share" / "jupyter" / "labextensions" / "@jupyter" / "nbgrader" / "static"
    source = (
        Path(nbgrader.__file__).parents[4] / "share" / "jupyter" / "labextensions" / "@jupyter" / "nbgrader"
    )
    import shutil

    shutil.copytree(source / "static", static)
    environment.open_feedback_pages(env)
    changed = [p for p in static.glob("*.js") if environment.FEEDBACK_PAGE in p.read_text(errors="replace")]
    assert len(changed) == 1 and environment.FEEDBACK_LINK not in changed[0].read_text(errors="replace")
    with pytest.raises(ClassroomError, match="not the one the classroom knows"):
        environment.open_feedback_pages(env)  # nothing left to change: a changed nbgrader is refused


def test_kubernetes_files_parse_and_build_from_the_lock():
    """Not a deployment (nothing here runs Kubernetes): the files parse and the image uses the lock."""
    import yaml

    k8s = ROOT / "classroom" / "k8s"
    values = yaml.safe_load((k8s / "values.yaml").read_text())
    assert values["singleuser"]["storage"]["extraVolumeMounts"][0]["mountPath"] == "/srv/nbgrader/exchange"
    assert yaml.safe_load((k8s / "values-ngshare.yaml").read_text())["hub"]["extraConfig"]["ngshare.py"]
    assert yaml.safe_load((k8s / "exchange-pvc.yaml").read_text())["spec"]["accessModes"] == ["ReadWriteMany"]
    docker = (k8s / "Dockerfile").read_text()
    assert "pip install --no-deps -r /opt/losslab/requirements.lock" in docker
    copied = [line.split()[1] for line in docker.splitlines() if line.startswith("COPY")]
    assert "lib/losslab" in copied and not [c for c in copied if c in ("lib", ".", "solutions", "tests")]


def test_a_shared_environment_is_recorded_and_outlives_its_classroom(tmp_path):
    """setup --env: classroom.json names the environment, and down removes the state but not it."""
    if os.geteuid() != 0:
        pytest.skip("down runs as root")
    state, shared = tmp_path / "state", tmp_path / "shared" / "env"
    state.mkdir()
    shared.mkdir(parents=True)
    room = Classroom(state, {}, 8000, shared)
    room.save()
    assert Classroom.load(state).env == shared and Classroom(state, {}, 8000).env == state / "env"
    classroom.down(state)
    assert not state.exists() and shared.is_dir()


@pytest.mark.parametrize("mode", [0o777, 0o775])
def test_the_environment_is_built_only_where_no_one_else_may_write(tmp_path, mode):
    """Whoever can write beside the environment could swap the code every server runs, or hold its lock."""
    (tmp_path / "open").mkdir()
    (tmp_path / "open").chmod(mode)
    with pytest.raises(ClassroomError, match="writable by no one else"):
        with environment._one_builder_at_a_time(tmp_path / "open" / "env"):
            pass
    with environment._one_builder_at_a_time(tmp_path / "env"):  # pytest's folders are 0700, root's
        assert (tmp_path / ".env.lock").stat().st_mode & 0o777 == 0o600


def test_a_folder_other_accounts_cannot_search_is_refused_for_the_state_or_the_environment(tmp_path):
    """Every user's server works in the state folder and runs from the environment: setup checks both."""
    (tmp_path / "env").mkdir()
    tmp_path.chmod(0o700)
    with pytest.raises(ClassroomError, match="not searchable by other users"):
        classroom._reachable(tmp_path / "env")
