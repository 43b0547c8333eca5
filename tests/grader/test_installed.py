"""No copy of the reference is reachable by a kernel, however the course is installed.

The course is installed non-editable into a fresh virtual environment (what a cluster worker or the
classroom does): the reference modules then lie in its site-packages, which the jail must bind (it is
Python's own environment). A stub that loads them from there under another name earns everything
unjailed, and nothing jailed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from grading_fixtures import ASSIGNMENT, COURSE, PATIENT, ROOT, make_submission
from losslab_grader.batch import isolation_mode

pytestmark = [pytest.mark.slow, pytest.mark.skipif(isolation_mode() is None, reason="needs the sandbox")]

# Loads the installed losslab package from its site-packages under another name, and uses its answers.
STEAL = """
import glob, importlib, importlib.util, os, sys
found = glob.glob(os.path.join(sys.prefix, "lib", "python3*", "site-packages", "losslab", "scores.py"))
print("installed copies found:", len(found))
if found:
    pkg = os.path.dirname(found[0])
    spec = importlib.util.spec_from_file_location("stolen", os.path.join(pkg, "__init__.py"),
                                                  submodule_search_locations=[pkg])
    stolen = importlib.util.module_from_spec(spec)
    sys.modules["stolen"] = stolen
    spec.loader.exec_module(stolen)
    answers = importlib.import_module("stolen.scores")
    linear_scores, append_bias, predict_labels = (answers.linear_scores, answers.append_bias,
                                                  answers.predict_labels)
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A virtual environment with the lock and the course installed as a wheel (not editable).

    Built from a copy of the project: a build in the checkout rewrites lib/losslab.egg-info and
    build/ while other tests read the checkout (test_hostile digests lib/ to prove nothing wrote it).
    """
    base = tmp_path_factory.mktemp("installed")
    venv, project = base / "venv", base / "project"
    shutil.copytree(ROOT / "lib", project / "lib", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, project / name)
    uv_bin = str(Path(sys.executable).with_name("uv"))
    uv = [
        uv_bin,
        "pip",
        "install",
        "--quiet",
        "--python",
        str(venv / "bin/python"),
    ]
    steps = [
        [uv_bin, "venv", "--quiet", "--python", sys.executable, str(venv)],
        [*uv, "--no-deps", "-r", str(ROOT / "requirements.lock")],
        [*uv, "--no-deps", "--reinstall-package", "losslab", str(project)],
    ]
    # uv installs no bytecode and this suite's PYTHONDONTWRITEBYTECODE keeps Python from writing it, so every
    # process would compile the grader's and the kernel's imports from source (~6 CPU s per test); pip,
    # as a cluster worker installs, compiles at install. Here one import of them writes what is used.
    used = "import ipykernel.kernelapp, losslab_grader.batch, losslab_grader.cli"
    warm = [str(venv / "bin/python"), "-c", used]
    for step in [*steps, warm]:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        res = subprocess.run(step, capture_output=True, text=True, timeout=900, env=env)
        assert res.returncode == 0, res.stderr[-3000:]
    site = next((venv / "lib").glob("python3*/site-packages"))
    assert (site / "losslab" / "scores.py").exists() and not list(site.glob("__editable__*losslab*"))
    return venv


def _grade(venv: Path, subs: Path, out: Path, *extra: str) -> dict:
    cmd = [
        str(venv / "bin" / "losslab-grade"),
        ASSIGNMENT,
        str(subs),
        "--out",
        str(out),
        "--jobs",
        "1",
        "--course",
        str(COURSE.root),
        "--json",
        "--no-similarity",
        "--timeout",
        str(PATIENT.timeout),
        *extra,
    ]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, cwd=out.parent)
    assert res.returncode == 0, res.stderr[-3000:]
    return {
        r["student_id"]: r
        for r in map(json.loads, filter(lambda s: s.startswith("{"), res.stdout.splitlines()))
    }


def test_a_stub_that_loads_the_installed_reference_earns_nothing(installed, tmp_path):
    make_submission(
        tmp_path / "subs" / "thief.ipynb", {"linear_scores": STEAL, "append_bias": "", "predict_labels": ""}
    )
    rows = _grade(installed, tmp_path / "subs", tmp_path / "out")
    assert (rows["thief"]["status"], rows["thief"]["score"]) == ("ok", 0.0)
    printed = (tmp_path / "out" / "autograded" / "thief" / f"{ASSIGNMENT}.ipynb").read_text()
    assert "installed copies found: 0" in printed or "installed copies found: 1" not in printed


def test_the_same_stub_would_earn_everything_unjailed(installed, tmp_path):
    """The control: the attack is real, so the first test's 0 is the jail's doing."""
    make_submission(
        tmp_path / "subs" / "thief.ipynb", {"linear_scores": STEAL, "append_bias": "", "predict_labels": ""}
    )
    code = (
        "import sys; from losslab_grader.batch import grade; from losslab_grader.course import Course;"
        f"o = grade({ASSIGNMENT!r}, {str(tmp_path / 'subs')!r}, {str(tmp_path / 'out')!r}, "
        f"course=Course({str(COURSE.root)!r}), jobs=1, progress=False, isolate=False);"
        "print(o.rows[0].score)"
    )
    res = subprocess.run(
        [str(installed / "bin" / "python"), "-c", code],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    assert res.stdout.strip().splitlines()[-1] == "11.0"
