"""Fast tests of the grader's parts: collecting submissions, test-cell rewriting, verdicts, feedback
pages, the jail's library, the sandbox and the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest
from grading_fixtures import ROOT, make_submission
from losslab import checks
from losslab.data import load_digits
from losslab_grader import cli, feedback, jail, sandbox, testcells, verdict
from losslab_grader.collect import collect
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

A = "01_score_function"


def test_collect_both_layouts(tmp_path):
    make_submission(tmp_path / "alice.ipynb")
    make_submission(tmp_path / "1234_homework-final.ipynb")
    make_submission(tmp_path / "bob" / A / f"{A}.ipynb")
    (tmp_path / "bob" / A / "numpy.py").write_text("")
    make_submission(tmp_path / "jane_doe" / A / f"{A}.ipynb")
    make_submission(tmp_path / "carol" / A / "renamed.ipynb")
    (tmp_path / "dan" / A).mkdir(parents=True)
    (tmp_path / "notes.txt").write_text("not a notebook")
    entries, _ = collect(tmp_path, A)
    got = {e.student_id: (e.status, e.notebook.name if e.notebook else None) for e in entries}
    assert got == {
        "1234": ("ok", "1234_homework-final.ipynb"),
        "alice": ("ok", "alice.ipynb"),
        "bob": ("ok", f"{A}.ipynb"),
        "jane_doe": ("ok", f"{A}.ipynb"),
        "carol": ("missing", None),
        "dan": ("missing", None),
    }
    assert "renamed.ipynb" in next(e.reason for e in entries if e.student_id == "carol")


def test_collect_never_follows_or_opens_odd_files(tmp_path):
    make_submission(tmp_path / "real.ipynb")
    os.symlink(tmp_path / "real.ipynb", tmp_path / "link.ipynb")
    os.symlink(tmp_path, tmp_path / "dirlink")
    os.mkfifo(tmp_path / "fifo.ipynb")
    make_submission(tmp_path / "a,b.ipynb")
    make_submission(tmp_path / "eve\n.ipynb")
    entries = {e.student_id: e for e in collect(tmp_path, A)[0]}
    assert entries["real"].status == "ok"
    for sid in ("link", "dirlink", "fifo"):
        assert entries[sid].status == "invalid" and entries[sid].notebook is None, entries[sid]
    odd = [e for sid, e in entries.items() if sid.startswith("unnamed-")]
    assert len(odd) == 2 and all(e.status == "invalid" for e in odd)


def test_collect_latest_of_several_uploads(tmp_path):
    old = make_submission(tmp_path / "zoe_v1.ipynb")
    new = make_submission(tmp_path / "zoe_v2.ipynb")
    os.utime(old, (1, 1))
    entries, warnings = collect(tmp_path, A)
    assert [e.notebook for e in entries] == [new]
    assert warnings


def test_grading_source_keeps_no_expected_value():
    src = (
        'with case("t"):\n'
        '    check_close("cat", loss, 2.9, rtol=1e-3, hint="3.9 means ...")\n'
        '    check_shape("s", dW, (3, 4), hint="h")\n'
        '    check_true("scalar", np.ndim(x) == 0, "must be a scalar", hint="h")\n'
        '    check_raises("bad", ValueError, f, 1, hint="h", axis=0)\n'
        "    ### BEGIN HIDDEN TESTS\n"
        '    check_close("hidden: big", g(7))\n'
        "    ### END HIDDEN TESTS\n"
    )
    out = testcells.grading_source(src)
    for secret in ("2.9", "1e-3", "3.9", "(3, 4)", "must be", "ValueError", "hint"):
        assert secret not in out, secret
    assert "check_raises('bad', None, f, 1, axis=0)" in out
    assert "check_close('hidden: big', g(7))" in out
    assert testcells.hidden_lines(src) == {6, 7, 8}
    assert "hidden: big" not in testcells.visible_source(src)


def _record(kind, label, **value):
    return {"kind": kind, "label": label, **value}


def _array(x):
    import base64

    a = np.asarray(x, dtype="<f8")
    return {"type": "array", "shape": list(a.shape), "data": base64.b64encode(a.tobytes()).decode()}


def _reference(records, lines=None):
    out = []
    for i, r in enumerate(records):
        kind, label, value = verdict.decode(r)
        out.append(
            {
                "kind": kind,
                "label": label,
                "value": value,
                "declared": r.get("declared", {}),
                "line": (lines or {}).get(i, 1),
            }
        )
    return out


def _cell(records, error=None):
    outs = [new_output("display_data", data={verdict.RECORD_MIME: r}) for r in records]
    if error:
        outs.append(new_output("error", ename=error, evalue="", traceback=[]))
    cell = new_code_cell("")
    cell.outputs = outs
    return cell


def test_verdict_tolerance_comes_from_the_reference():
    ref = _reference(
        [{**_record("close", "x", **_array([1.0, 2.0])), "declared": {"rtol": 1e-6, "atol": 0, "hint": "H"}}]
    )
    inside = _cell([_record("close", "x", **_array([1.0, 2.0 * (1 + 0.5e-6)]))])
    beyond = _cell([_record("close", "x", **_array([1.0, 2.0 * (1 + 2e-6)]))])
    assert verdict.judge(inside, ref, set()).passed
    result = verdict.judge(beyond, ref, set())
    assert not result.passed and "expected" in result.messages[0] and "hint: H" in result.messages[0]


def test_verdict_fails_missing_extra_forged_and_malformed_records():
    ref = _reference([_record("close", "a", **_array(1.0)), _record("true", "b", type="bool", value=True)])
    good = [_record("close", "a", **_array(1.0)), _record("true", "b", type="bool", value=True)]
    assert verdict.judge(_cell(good), ref, set()).passed
    assert not verdict.judge(_cell(good[:1], error="NotImplementedError"), ref, set()).passed
    assert (
        "NotImplementedError"
        in verdict.judge(_cell(good[:1], error="NotImplementedError"), ref, set()).messages[0]
    )
    assert not verdict.judge(_cell(good + good), ref, set()).passed
    assert not verdict.judge(_cell([good[1], good[0]]), ref, set()).passed
    bad = [_record("close", "a", type="array", shape=[10**9], data="AAAA"), good[1]]
    assert not verdict.judge(_cell(bad), ref, set()).passed
    assert not verdict.judge(_cell([{"kind": {"nested": [[]]}}, good[1]]), ref, set()).passed


def test_hidden_failures_show_no_detail():
    ref = _reference([_record("close", "hidden: N=9", **_array(0.123456789))], lines={0: 5})
    result = verdict.judge(_cell([_record("close", "hidden: N=9", **_array(7.0))]), ref, {5})
    assert result.messages == ["1 of 1 hidden checks failed"]


def test_raises_records_compare_by_exception_class():
    ref = _reference(
        [
            {
                **_record("raises", "bad", type="raised", mro=["ValueError", "Exception"]),
                "declared": {"expected": ["ValueError"]},
            }
        ]
    )
    sub = ["KeyError", "LookupError", "Exception"]
    assert verdict.judge(
        _cell([_record("raises", "bad", type="raised", mro=["ValueError"])]), ref, set()
    ).passed
    assert not verdict.judge(_cell([_record("raises", "bad", type="raised", mro=sub)]), ref, set()).passed
    assert not verdict.judge(_cell([_record("raises", "bad", type="raised", mro=[])]), ref, set()).passed


def _digits_weights():
    """Weights that classify the digits well (least squares on one-hot labels), as trained ones would."""
    d = load_digits()
    X = np.hstack([d.X_train - d.X_train.mean(axis=0), np.ones((len(d.X_train), 1))])
    return np.linalg.lstsq(X, np.eye(10)[d.y_train], rcond=None)[0]


def test_scores_are_computed_by_the_grader_from_the_weights():
    """07's accuracy checks record only the weights: no accuracy a kernel computed (or forged) is read."""
    W = _digits_weights()
    val = {"score": "digits_val_accuracy", "at_least": 0.9, "atol": 0.05}
    # hidden: no bound of its own, the solution's score less 0.1
    test = {"score": "digits_test_accuracy", "at_least": None, "atol": 0.1}
    ref = _reference(
        [
            {**_record("score", "val", **_array(W)), "declared": val},
            {**_record("score", "hidden: test", **_array(W)), "declared": test},
        ],
        lines={1: 5},
    )

    def submit(weights):
        return verdict.judge(
            _cell([_record("score", n, **weights) for n in ("val", "hidden: test")]), ref, {5}
        )

    assert submit(_array(W)).passed
    untrained = submit(_array(np.zeros_like(W)))
    assert not untrained.passed and "validation accuracy 0.0" in untrained.messages[0]
    assert untrained.messages[1] == "1 of 1 hidden checks failed"
    assert "shape (64, 10), expected (65, 10)" in submit(_array(W[:-1])).messages[0]
    assert not submit({"type": "other", "what": "Forged"}).passed
    # the same check while a student works: computed in place, with the bound the cell states
    checks.check_score("val", W, "digits_val_accuracy", at_least=0.9)
    with pytest.raises(checks.CheckFailure, match=r"validation accuracy 0\.\d+, needs at least 0\.900"):
        checks.check_score("val", np.zeros_like(W), "digits_val_accuracy", at_least=0.9)


def test_feedback_page_escapes_everything():
    nb = new_notebook(
        cells=[
            new_markdown_cell(
                "<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>"
            ),
            new_code_cell(
                "print('<script>')", outputs=[new_output("display_data", data={"text/html": "<script>"})]
            ),
        ]
    )
    page = feedback.render(nb, "t <b>", 1, 2, {}, {})
    low = page.lower()
    assert "<script" not in low and "<img" not in low and 'href="javascript' not in low
    assert "&lt;script&gt;" in low and "Content-Security-Policy" in page


def test_jail_library_drops_the_graded_modules(tmp_path):
    release = nbformat.read(ROOT / "assignments" / A / f"{A}.ipynb", as_version=4)
    allowed = jail.allowed_modules(release, ROOT / "lib" / "losslab")
    assert {"checks", "data", "gradient_check"} <= allowed
    assert "scores" not in allowed and "linear_svm" not in allowed
    name7 = "07_training_linear_classifiers"
    release7 = nbformat.read(ROOT / "assignments" / name7 / f"{name7}.ipynb", as_version=4)
    allowed7 = jail.allowed_modules(release7, ROOT / "lib" / "losslab")
    assert {"linear_svm", "softmax", "scores", "classification", "regularization"} <= allowed7
    assert "linear_classifier" not in allowed7


def test_progress_line():
    bar = cli.Progress(4, enabled=False)
    bar.update("ok")
    bar.update("timeout")
    assert "2/4" in bar.line() and "timeout 1" in bar.line()


def test_cli_usage_errors(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["no_such_assignment", str(tmp_path)])
    assert e.value.code == 2
    with pytest.raises(SystemExit):
        cli.main([A, str(tmp_path / "nowhere")])


PROBE = r"""
import json, os, socket
print(json.dumps({"uid": os.getuid(), "cwd": os.getcwd(), "env": sorted(os.environ),
                  "net": [n for _, n in socket.if_nameindex()],
                  "pids": len([p for p in os.listdir("/proc") if p.isdigit()]),
                  "seen": {p: os.path.exists(p) for p in PATHS}}))
"""


@pytest.mark.skipif(cli.isolation_mode() is None, reason="needs bubblewrap with root or user namespaces")
def test_sandbox_hides_everything_but_what_a_kernel_needs(tmp_path):
    from losslab_grader.engine import python_paths

    secret = [
        str(ROOT / "solutions"),
        str(ROOT / ".git"),
        str(ROOT / "grading"),
        str(tmp_path),
        "/root/.local",
        str(ROOT / "lib" / "losslab_grader"),
    ]
    code = PROBE.replace("PATHS", repr(secret))
    cfg = {"mode": sandbox.mode(), "binds": python_paths(), "memory_mb": 1024, "cpu_s": 30, "quiet": False}
    os.environ["INSTRUCTOR_SECRET"] = "x"
    try:
        res = subprocess.run(
            sandbox.command([sys.executable, "-c", code], cfg), capture_output=True, text=True, timeout=60
        )
    finally:
        del os.environ["INSTRUCTOR_SECRET"]
    assert res.returncode == 0, res.stderr
    info = json.loads(res.stdout)
    assert info["uid"] == (sandbox.UID_BASE if os.geteuid() == 0 else os.getuid())
    assert info["cwd"] == "/tmp" and info["net"] == ["lo"] and info["pids"] <= 3
    assert "INSTRUCTOR_SECRET" not in info["env"]
    assert info["seen"] == {p: False for p in secret}


def test_examples_are_release_notebooks():
    """Every committed example except the broken one is a notebook of the current release's cells."""
    release = nbformat.read(ROOT / "assignments" / A / f"{A}.ipynb", as_version=4)
    ids = {c.metadata.get("nbgrader", {}).get("grade_id") for c in release.cells}
    for path in (ROOT / "grading" / "examples" / A).glob("*.ipynb"):
        if path.name.startswith("dave"):
            continue
        nb = nbformat.read(path, as_version=4)
        assert ids <= {c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells}, path


@pytest.mark.slow
def test_console_command_end_to_end(tmp_path):
    """`losslab-grade` as make grade runs it: a flat class, a summary on stdout, a final progress line."""
    from grading_fixtures import correct_sources

    subs = tmp_path / "lms"
    make_submission(subs / "0042_final.ipynb", correct_sources())
    make_submission(subs / "zed.ipynb")
    exe = Path(sys.executable).with_name("losslab-grade")
    cmd = [str(exe), A, str(subs), "--out", str(tmp_path / "out"), "--jobs", "2", "--timeout", "60", "--json"]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert "Graded 2 submission(s)" in res.stdout
    assert "grading [" in res.stderr and "2/2" in res.stderr
    rows = [json.loads(line) for line in res.stdout.splitlines() if line.startswith("{")]
    assert [(r["student_id"], r["score"], r["status"]) for r in rows] == [
        ("0042", 11.0, "ok"),
        ("zed", 0.0, "ok"),
    ]
    header = (tmp_path / "out" / "grades.csv").read_text().splitlines()[0]
    assert header.startswith("student_id,score,max_score,status,test_")


@pytest.mark.slow
def test_without_the_sandbox_the_run_says_so(tmp_path):
    from grading_fixtures import correct_sources

    make_submission(tmp_path / "subs" / "amy.ipynb", correct_sources())
    outcome = cli.grade(
        A, tmp_path / "subs", tmp_path / "out", jobs=1, timeout=60, progress=False, isolate=False
    )
    assert outcome.rows[0]["score"] == 11 and outcome.rows[0]["status"] == "ok"
    assert any("NOT ISOLATED" in w for w in outcome.warnings)
    assert "NOT ISOLATED" in (tmp_path / "out" / "report.html").read_text()
    assert "NOT sandboxed" in cli.summary_paragraph(outcome)
