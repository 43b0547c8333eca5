"""Fast tests of the grader's parts: collecting submissions, redacting feedback, the sandbox, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from grading_fixtures import ROOT, make_submission, write_bad_json
from losslab.grading import cli
from losslab.grading.collect import collect
from losslab.grading.redact import classify_error, hidden_lines, public_failures, redact_notebook
from nbformat.v4 import new_code_cell, new_notebook, new_output

A = "01_score_function"


def test_collect_both_layouts(tmp_path):
    make_submission(tmp_path / "alice.ipynb")
    make_submission(tmp_path / "1234_homework-final.ipynb")
    make_submission(tmp_path / "bob" / A / f"{A}.ipynb")
    (tmp_path / "bob" / A / "numpy.py").write_text("")
    make_submission(tmp_path / "carol" / A / "renamed.ipynb")
    (tmp_path / "dan" / A).mkdir(parents=True)
    write_bad_json(tmp_path / "erin.ipynb")
    (tmp_path / "notes.txt").write_text("not a notebook")
    entries, warnings = collect(tmp_path, A)
    got = {e.student_id: (e.status, e.notebook.name if e.notebook else None) for e in entries}
    assert got == {
        "1234": ("ok", "1234_homework-final.ipynb"),
        "alice": ("ok", "alice.ipynb"),
        "bob": ("ok", f"{A}.ipynb"),
        "carol": ("missing", None),
        "dan": ("missing", None),
        "erin": ("invalid", "erin.ipynb"),
    }
    assert any("renamed.ipynb" in w for w in warnings)


def test_collect_latest_of_several_uploads(tmp_path):
    import os

    old = make_submission(tmp_path / "zoe_v1.ipynb")
    new = make_submission(tmp_path / "zoe_v2.ipynb")
    os.utime(old, (1, 1))
    entries, warnings = collect(tmp_path, A)
    assert [e.notebook for e in entries] == [new]
    assert warnings


def _cell(source, outputs, points=2):
    cell = new_code_cell(source)
    cell.metadata["nbgrader"] = {
        "grade": True,
        "solution": False,
        "locked": True,
        "points": points,
        "grade_id": "test_x",
        "schema_version": 3,
    }
    cell.outputs = outputs
    return cell


SRC = (
    "with case('test_x'):\n"
    "    check_close('visible', f(1), 2.0)\n"
    "    ### BEGIN HIDDEN TESTS\n"
    "    check_close('hidden: secret', f(3), 6.123456789)\n"
    "    ### END HIDDEN TESTS"
)


def _error(line, message):
    # the grader's guard line sits above the cell's source while it runs: +1
    return new_output(
        "error",
        ename="CheckFailure",
        evalue=message,
        traceback=["\x1b[0;31m---\x1b[0m", f"Cell In[4], line {line + 1}\n    ...", message],
    )


def test_hidden_lines():
    numbers, texts = hidden_lines(SRC)
    assert numbers == [3, 4, 5]
    assert "6.123456789" in texts[1]


def test_redact_hides_source_and_hidden_messages():
    nb = new_notebook(cells=[_cell(SRC, [_error(4, "[hidden: secret] got 1, expected 6.123456789")])])
    assert classify_error(nb.cells[0], nb.cells[0].outputs[0]) == "hidden"
    assert public_failures(nb) == []
    text = json.dumps(redact_notebook(nb))
    assert "6.123456789" not in text and "secret" not in text
    assert "hidden tests of test_x (part of its 2 points)" in text
    assert "check_close('visible'" in text


def test_redact_keeps_visible_failures():
    nb = new_notebook(cells=[_cell(SRC, [_error(2, "[visible] got 1, expected 2\n  hint: double it")])])
    assert public_failures(nb) == ["test_x: CheckFailure: [visible] got 1, expected 2"]
    out = redact_notebook(nb).cells[0].outputs[0]
    assert out.traceback == ["CheckFailure: [visible] got 1, expected 2\n  hint: double it"]


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
import json, os
print(json.dumps({"uid": os.getuid(), "cwd": os.getcwd(),
                  "seen": {p: os.path.exists(p) for p in PATHS},
                  "import": __import__("losslab.data").data.load_digits is not None}))
"""


@pytest.mark.skipif(not cli.isolation_available(), reason="the sandbox needs root and mount namespaces")
def test_sandbox_hides_everything_but_the_package(tmp_path):
    from losslab.grading.engine import python_paths

    (tmp_path / "jail").mkdir()
    conn = tmp_path / "conn.json"
    conn.write_text("{}")
    secret = [
        str(ROOT / "solutions"),
        str(ROOT / ".git"),
        str(ROOT / "grading"),
        str(tmp_path),
        "/root/.local",
    ]
    cfg = {
        "isolate": True,
        "jail": str(tmp_path / "jail"),
        "allow": python_paths(),
        "hide": [],
        "quiet": False,
    }
    code = PROBE.replace("PATHS", repr(secret + [str(ROOT / "lib" / "losslab" / "checks.py")]))
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "losslab.grading.sandbox",
            json.dumps(cfg),
            "--",
            sys.executable,
            "-c",
            code,
            "-f",
            str(conn),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 0, res.stderr
    info = json.loads(res.stdout)
    assert info["uid"] == 65534 and info["cwd"] == "/tmp/home" and info["import"]
    assert info["seen"] == {**{p: False for p in secret}, str(ROOT / "lib" / "losslab" / "checks.py"): True}


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
