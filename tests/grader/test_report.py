"""report: the class at a glance, what it got wrong (known mistakes and unrecognised failures), what looks
copied, and never a script."""

from __future__ import annotations

import re

from losslab_grader import report
from losslab_grader.model import Assignment, GradeRow, Outcome


def _outcome(tmp_path, pairs=None):
    a = Assignment("02_svm_loss", {"test_naive": 3.0, "test_vec": 2.0}, {"q": 3.0}, {}, {}, "k")
    rows = [
        GradeRow("amy", 5, 5, "ok", "", {"test_naive": 3, "test_vec": 2}),
        GradeRow(
            "bob", 2, 5, "ok", "", {"test_naive": 0, "test_vec": 2}, mistakes={"test_naive": ["no_mean"]}
        ),
        GradeRow(
            "cid", 0, 5, "ok", "", {"test_naive": 0, "test_vec": 0}, mistakes={"test_naive": ["no_mean"]}
        ),
        GradeRow("<dan>", 0, 5, "timeout", "did not finish <b>", {"test_naive": 0, "test_vec": 0}),
    ]
    return Outcome(
        tmp_path,
        a,
        rows,
        1.0,
        2,
        "root",
        "cgroup v1",
        mistakes={"no_mean": ("sums instead of averaging", "divide by N"), "unused": ("never made", "h")},
        pairs=pairs,
    )


def test_what_the_class_got_wrong(tmp_path):
    page = report.write_report(_outcome(tmp_path)).read_text()
    section = page.split("What the class got wrong")[1].split("<h2>")[0]
    assert "no_mean" in section and "sums instead of averaging" in section and "divide by N" in section
    assert re.search(r"<td>2</td>", section)  # bob and cid
    assert "bob (&minus;3)" in section and "unused" not in section
    assert "Unrecognised failures" in section and "<td>test_vec</td><td>1</td>" in section  # cid's


def test_similar_pairs_and_their_views(tmp_path):
    from dataclasses import dataclass

    @dataclass
    class Pair:
        a: str
        b: str
        score: float
        view: str = ""

    page = report.write_report(
        _outcome(
            tmp_path,
            [Pair("amy", "bob", 0.91, "amy--bob.html"), Pair("cid", "course:losslab.linear_svm", 0.8)],
        )
    ).read_text()
    section = page.split("Submissions that look copied")[1]
    assert "similarity/amy--bob.html" in section and "course:losslab.linear_svm" in section
    assert "Similar is not copied" in section
    assert "Not computed" in report.write_report(_outcome(tmp_path, None)).read_text()


def test_the_report_holds_no_script_and_escapes_what_students_chose(tmp_path):
    page = report.write_report(_outcome(tmp_path)).read_text()
    assert "<script" not in page.lower() and "Content-Security-Policy" in page
    assert "&lt;dan&gt;" in page and "did not finish &lt;b&gt;" in page
    assert "memory and processes capped per submission</td><td>cgroup v1" in page
