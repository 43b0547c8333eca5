"""batch: a whole run, as make grade runs it, and what a run is given instead of monkeypatched: the
reference records and the task that grades one submission."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from grading_fixtures import ASSIGNMENT, COURSE, PATIENT, correct_sources, make_submission
from losslab_grader import batch, outputs, worker

pytestmark = pytest.mark.slow
A = ASSIGNMENT


def test_console_command_end_to_end(tmp_path):
    """`losslab-grade` as make grade runs it: a flat class, a summary on stdout, tqdm's bar on stderr."""
    subs = tmp_path / "lms"
    make_submission(subs / "0042_final.ipynb", correct_sources())
    make_submission(subs / "zed.ipynb")
    exe = Path(sys.executable).with_name("losslab-grade")
    cmd = [str(exe), A, str(subs), "--out", str(tmp_path / "out"), "--jobs", "2", "--json"]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=COURSE.root)
    assert res.returncode == 0, res.stderr
    assert "Graded 2 submission(s)" in res.stdout
    rows = [json.loads(line) for line in res.stdout.splitlines() if line.startswith("{")]
    assert [(r["student_id"], r["score"], r["status"]) for r in rows] == [
        ("0042", 11.0, "ok"),
        ("zed", 0.0, "ok"),
    ]
    header = (tmp_path / "out" / "grades.csv").read_text().splitlines()[0]
    assert header.startswith("student_id,score,max_score,status,test_")
    assert (tmp_path / "out").stat().st_mode & 0o777 == 0o700  # the folder it made: the instructor's alone


def _perturbing(bundle, student, data, reference, mistakes):
    """Grades against a reference whose first record of every cell is moved: a correct submission fails."""
    moved = {
        gid: [{**r, "label": r["label"] + " (moved)"} if i == 0 else r for i, r in enumerate(records)]
        for gid, records in reference.items()
    }
    return worker.grade_task(bundle, student, data, moved, mistakes)


def test_a_run_takes_its_reference_and_its_task_as_parameters(tmp_path):
    make_submission(tmp_path / "subs" / "amy.ipynb", correct_sources())
    first = batch.grade(
        A, tmp_path / "subs", tmp_path / "out1", course=COURSE, jobs=1, progress=False, settings=PATIENT
    )
    assert first.by_student()["amy"].score == 11 and first.reference
    again = batch.grade(
        A,
        tmp_path / "subs",
        tmp_path / "out2",
        course=COURSE,
        jobs=1,
        progress=False,
        reference=first.reference,
        task=_perturbing,
        settings=PATIENT,
    )
    assert again.by_student()["amy"].score == 0


def test_without_the_sandbox_the_run_says_so(tmp_path):
    make_submission(tmp_path / "subs" / "amy.ipynb", correct_sources())
    outcome = batch.grade(
        A,
        tmp_path / "subs",
        tmp_path / "out",
        course=COURSE,
        jobs=1,
        progress=False,
        isolate=False,
        settings=PATIENT,
    )
    assert outcome.rows[0].score == 11 and outcome.rows[0].status == "ok"
    assert any("NOT ISOLATED" in w for w in outcome.warnings)
    assert "NOT ISOLATED" in (tmp_path / "out" / "report.html").read_text()
    assert "NOT sandboxed" in outputs.summary_paragraph(outcome)


LEAVE = """
import os
os.makedirs("/tmp/kernel.json", exist_ok=True)  # a folder where a connection file would go
with open("/tmp/leftover-{token}", "wb") as f:
    f.write(b"x" * 50_000_000)
"""
PEEK = """
import glob, os
seen = glob.glob("/tmp/leftover-*") + glob.glob("/dev/shm/**/leftover-*", recursive=True)
print("leftovers seen:", len(seen))
"""


def test_nothing_a_submission_leaves_reaches_the_next_one(tmp_path):
    """One worker grades a, then b, then c: a's files (and a folder named like a connection file) are gone."""
    good = correct_sources()
    make_submission(tmp_path / "subs" / "aleaver.ipynb", good, prepend=LEAVE.format(token="t1"))
    make_submission(tmp_path / "subs" / "bpeeker.ipynb", good, prepend=PEEK)
    make_submission(tmp_path / "subs" / "chonest.ipynb", good)
    o = batch.grade(
        A, tmp_path / "subs", tmp_path / "out", course=COURSE, jobs=1, progress=False, settings=PATIENT
    )
    assert [(r.student_id, r.status, r.score) for r in o.rows] == [
        ("aleaver", "ok", 11),
        ("bpeeker", "ok", 11),
        ("chonest", "ok", 11),
    ]
    nb = (tmp_path / "out" / "autograded" / "bpeeker" / f"{A}.ipynb").read_text()
    assert "leftovers seen: 0" in nb


def test_check_mistakes_finds_entries_that_are_wrong(tmp_path):
    # one worker, no cache: each entry is run as a known mistake and then graded as a student of the
    # same label on the same workspace (this once made every entry after the first "invalid")
    problems = batch.check_mistakes("02_svm_loss", tmp_path / "good", course=COURSE, jobs=1, use_cache=False)
    assert problems == []
