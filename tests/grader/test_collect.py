"""collect: each student's notebook found in a submissions folder, never following or opening odd files."""

from __future__ import annotations

import os

from grading_fixtures import make_submission
from losslab_grader.collect import collect

A = "01_score_function"


def test_both_layouts(tmp_path):
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


def test_never_follows_or_opens_odd_files(tmp_path):
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


def test_latest_of_several_uploads(tmp_path):
    old = make_submission(tmp_path / "zoe_v1.ipynb")
    new = make_submission(tmp_path / "zoe_v2.ipynb")
    os.utime(old, (1, 1))
    entries, warnings = collect(tmp_path, A)
    assert [e.notebook for e in entries] == [new]
    assert warnings
