"""workspace: the assignment generated once, the jail's library without the graded modules, the jail's
data without what only the grader reads, and the workspace packed for a worker elsewhere."""

from __future__ import annotations

import io
import tarfile

import nbformat
import numpy as np
import pytest
from grading_fixtures import ROOT
from losslab_grader import leftovers, workspace
from losslab_grader.course import Course

A = "01_score_function"


def _release(name: str):
    return nbformat.read(ROOT / "assignments" / name / f"{name}.ipynb", as_version=4)


def test_the_jail_library_drops_the_graded_modules():
    allowed = workspace.allowed_modules(_release(A), ROOT / "lib" / "losslab")
    assert {"checks", "data", "gradient_check"} <= allowed
    assert "scores" not in allowed and "linear_svm" not in allowed
    name7 = "07_training_linear_classifiers"
    allowed7 = workspace.allowed_modules(_release(name7), ROOT / "lib" / "losslab")
    assert {"linear_svm", "softmax", "scores", "classification", "regularization"} <= allowed7
    assert "linear_classifier" not in allowed7


def test_the_jail_data_holds_no_test_split(tmp_path):
    dest = workspace.jail_data(ROOT / "data", tmp_path / "data")
    assert not list(dest.glob("*.py"))
    with np.load(dest / "digits.npz") as jailed, np.load(ROOT / "data" / "digits.npz") as full:
        assert jailed["X_test"].shape == (0, 64) and jailed["y_test"].shape == (0,)
        assert np.array_equal(jailed["X_train"], full["X_train"])


def test_prepare_describes_the_assignment(tmp_path):
    a = workspace.prepare(Course(ROOT), A, tmp_path)
    assert list(a.tests) == [
        "test_linear_scores",
        "test_linear_scores_bias",
        "test_append_bias",
        "test_predict_labels",
    ]
    assert a.max_score == 11 and sum(a.manual.values()) == 3
    assert "2.9" not in "".join(a.sources.values())
    assert (tmp_path / "template" / "gradebook.db").exists()
    assert not (tmp_path / "jail-lib" / "losslab" / "scores.py").exists()
    again = workspace.prepare(Course(ROOT), A, tmp_path / "again")
    assert again.key == a.key  # the reference cache's key depends on content only


def test_pack_and_unpack(tmp_path):
    for part in workspace.PARTS:
        (tmp_path / part).mkdir()
        (tmp_path / part / "f.txt").write_text(part)
    root = workspace.unpack(workspace.pack(tmp_path))
    try:
        assert [(root / p / "f.txt").read_text() for p in workspace.PARTS] == list(workspace.PARTS)
        assert oct(root.stat().st_mode & 0o777) == "0o700"
    finally:
        import shutil

        shutil.rmtree(root)


def test_unpack_refuses_paths_outside_the_workspace(tmp_path, monkeypatch):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        info = tarfile.TarInfo("../escaped.txt")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    monkeypatch.setattr(leftovers.tempfile, "gettempdir", lambda: str(tmp_path))
    monkeypatch.setattr(leftovers.os, "access", lambda *a: False)  # not /dev/shm: the test's own folder
    with pytest.raises(tarfile.TarError):
        workspace.unpack(buf.getvalue())
    assert not list(tmp_path.iterdir())  # the refused archive's folder is gone with it
