"""losslab.checks as a student uses it (no grader): case, summary and what summary reads."""

from __future__ import annotations

import glob
import io
import sys
from pathlib import Path

import nbformat
import pytest
from losslab import checks

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def fresh(monkeypatch, tmp_path):
    monkeypatch.setattr(checks, "MODE", "")
    monkeypatch.setattr(checks, "results", {})
    monkeypatch.setattr(checks, "failures", {})
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    monkeypatch.delenv("NBGRADER_VALIDATING", raising=False)
    monkeypatch.chdir(tmp_path)


def test_case_records_pass_fail_and_the_first_message():
    with checks.case("good"):
        checks.check_close("one", 1.0, 1.0)
    with pytest.raises(checks.CheckFailure), checks.case("bad"):
        checks.check_close("two", 3.0, 2.0, hint="3 means ...")
    with pytest.raises(NotImplementedError), checks.case("stub"):
        raise NotImplementedError()
    with pytest.raises(ValueError), checks.case("crash"):
        raise ValueError("operands could not be broadcast together with shapes (5,3) (5,)")
    assert checks.results == {"good": "passed", "bad": "failed", "stub": "failed", "crash": "failed"}
    assert checks.failures["bad"] == "[two] got 3, expected 2"
    assert "stub" in checks.failures["stub"]
    assert checks.failures["crash"].startswith("ValueError: operands could not be broadcast")


def test_a_case_that_writes_to_stderr_fails_as_validate_fails_it(monkeypatch):
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    with checks.case("noisy"):
        checks.check_close("fine", 1.0, 1.0)
        print("RuntimeWarning: divide by zero", file=sys.stderr)
    assert checks.results["noisy"] == "failed"
    assert "stderr" in checks.failures["noisy"] and "divide by zero" in checks.failures["noisy"]
    assert "divide by zero" in sys.stderr.getvalue(), "the student still sees what was written"


def test_summary_lists_every_verdict_and_raises(capsys):
    with checks.case("a"):
        pass
    with pytest.raises(checks.CheckFailure), checks.case("b"):
        checks.check_true("b1", False, "did not hold")
    with pytest.raises(checks.CheckFailure) as err:
        checks.summary(["a", "b", "c"])
    out = capsys.readouterr().out
    assert "ok   a" in out and "FAIL b  [b1] did not hold" in out and "FAIL c  not run" in out
    assert str(err.value).startswith("1 of 3 visible tests pass; fix: b, c")


def _release_like(tmp_path: Path, answered: bool) -> str:
    """A released assignment, saved with its written answers filled in or not."""
    src = ROOT / "assignments" / "02_svm_loss" / "02_svm_loss.ipynb"
    nb = nbformat.read(src, as_version=4)
    for c in nb.cells:
        meta = c.metadata.get("nbgrader", {})
        if answered and c.cell_type == "markdown" and meta.get("solution"):
            c.source = "An answer."
    nbformat.write(nb, tmp_path / "02_svm_loss.ipynb")
    return "02_svm_loss.ipynb"


def test_summary_fails_an_unanswered_question(tmp_path, capsys):
    with checks.case("a"):
        pass
    with pytest.raises(checks.CheckFailure, match="nbgrader validate fails this notebook too"):
        checks.summary(["a"], notebook=_release_like(tmp_path, answered=False))
    assert "q_kink: no answer yet" in capsys.readouterr().out


def test_summary_promises_validate_only_when_it_checked_the_answers(tmp_path, capsys):
    with checks.case("a"):
        pass
    checks.summary(["a"], notebook=_release_like(tmp_path, answered=True))
    assert "nbgrader validate will agree" in capsys.readouterr().out
    checks.summary(["a"], notebook="missing.ipynb")
    out = capsys.readouterr().out
    assert "will agree" not in out and "not checked" in out


def test_summary_finds_the_notebook_jupyterlab_names(tmp_path, monkeypatch, capsys):
    name = _release_like(tmp_path, answered=False)
    monkeypatch.setenv("JPY_SESSION_NAME", str(tmp_path / name))
    monkeypatch.chdir(tmp_path.parent)
    with checks.case("a"):
        pass
    with pytest.raises(checks.CheckFailure):
        checks.summary(["a"])
    assert "no answer yet" in capsys.readouterr().out


def test_summary_reports_an_edited_test_cell(tmp_path, capsys):
    name = _release_like(tmp_path, answered=True)
    nb = nbformat.read(tmp_path / name, as_version=4)
    test = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_svm_single")
    test.source = "pass"
    nbformat.write(nb, tmp_path / name)
    with checks.case("a"):
        pass
    with pytest.raises(checks.CheckFailure):
        checks.summary(["a"], notebook=name)
    assert "test_svm_single: this read-only cell was edited" in capsys.readouterr().out


def test_checksum_is_nbgraders():
    from nbgrader.utils import compute_checksum

    cells = 0
    for path in sorted(glob.glob(str(ROOT / "assignments" / "*" / "*.ipynb"))):
        for c in nbformat.read(path, as_version=4).cells:
            if "nbgrader" in c.metadata:
                assert checks._checksum(c) == compute_checksum(c), (path, c.metadata.nbgrader.grade_id)
                cells += 1
    assert cells > 50


def test_summary_is_silent_at_grading(monkeypatch, capsys):
    monkeypatch.setattr(checks, "MODE", "record")
    checks.summary(["never-ran"])
    assert capsys.readouterr().out == ""
