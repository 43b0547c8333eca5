"""Hostile submissions: one batch of hostile and honest students graded once, then checked case by case.

Each case is a row of :data:`CASES`: a student id, how to build the submission, and the status and
points it must get. A new attack is one more row. In every case the batch completes, the honest
students' grades are exact, the hostile one earns no point it did not earn honestly; the tests below
the table check what a row cannot say (no process outlives the batch, no course file changes, no
hidden test or kernel output reaches a feedback page).
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import nbformat
import pytest
from grading_fixtures import (
    ASSIGNMENT,
    COURSE,
    DAEMON,
    ENV_THIEF,
    FAKE_RESULT,
    FRAME_WALK,
    HOARDER,
    KILLER,
    LAUNDER,
    LEAK_SOURCE,
    MARKDOWN_SCRIPT,
    PATIENT,
    ROOT,
    SCRIPTS,
    TAMPER,
    TRANSFORMER,
    WRONG,
    add_cells,
    add_markdown,
    correct_sources,
    deep_json,
    hidden_test_lines,
    make_submission,
    snoop_code,
    write_bad_json,
)
from losslab_grader.batch import grade, isolation_mode
from losslab_grader.model import Settings

pytestmark = pytest.mark.slow
FULL = 11.0  # 01_score_function's autograded points
#: Kernel uids of this batch's own (other tests grade at the same time, with the default range).
#: Every case here ends by itself, so the batch allows the patient deadline: on a busy machine an
#: honest notebook took over 30 s once. The one that never ends is graded alone, under a short one.
SETTINGS = replace(PATIENT, memory=1024, kernel_uids=Settings().kernel_uids + 1000)
TIMEOUT = 30
TOKEN = "losslab-daemon-" + secrets.token_hex(6)
SECRET = "lms-token-" + secrets.token_hex(8)
ISOLATED = isolation_mode() is not None
GOOD = correct_sources()


def nbgrader_layout(subs: Path, sid: str) -> Path:
    return subs / sid / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"


def flat(sid: str, **kw) -> Callable[[Path], object]:
    """A flat LMS-style upload <sid>.ipynb: the release with kw applied (make_submission's arguments)."""
    return lambda subs: make_submission(subs / f"{sid}.ipynb", **kw)


def nested(sid: str, **kw) -> Callable[[Path], object]:
    return lambda subs: make_submission(nbgrader_layout(subs, sid), **kw)


MEMBOMB = (
    "def linear_scores(W, X, b=None):\n    hog = []\n    while True:\n        hog.append(bytearray(10**8))"
)
# Six fresh processes of 300 MB each: far above the 1024 MB cap together, each well under it alone.
# Each holds its memory until every one has answered, and only those still alive then count: "at
# once" must not depend on how fast a busy machine starts them.
FORKBOMB = """
import subprocess, sys
HOLD = ("import sys\\nb = bytearray(300 * 2**20)\\nb[::4096] = b'x' * len(b[::4096])\\n"
        "print(1, flush=True)\\nsys.stdin.read()")
kids = [subprocess.Popen([sys.executable, "-c", HOLD], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        for _ in range(6)]
said = [k.stdout.readline().strip() == b"1" for k in kids]
held = sum(1 for k, s in zip(kids, said) if s and k.poll() is None)
for k in kids:
    k.kill()
print("processes holding 300 MB at once:", held)
"""
UPDATER = """
from IPython.display import display
h = display("small", display_id=True)
for _ in range(40):
    h.update("x" * 5_000_000)
"""
# Reads the running test cell (hidden inputs included) and tries to carry it out in its results:
# as numbers (five bytes each), as an exception's class name, as a type's name.
EXFILTRATE = """
import numpy as np
def _secret():
    src = get_ipython().user_ns["In"][-1]
    return src[src.find("hidden"):][:200] or src[:200]
def linear_scores(W, X, b=None):
    data = _secret().encode()
    data += b"\\0" * (-len(data) % 5)
    return np.array([int.from_bytes(data[i:i + 5], "big") for i in range(0, len(data), 5)], dtype=float)
def append_bias(X):
    name = "".join(c for c in _secret() if c.isalnum())[:60] or "X"
    raise type(name, (ValueError,), {})("leak")
def predict_labels(scores):
    return type("".join(c for c in _secret() if c.isalnum())[:60] or "X", (), {})()
"""


def _forge(path: Path) -> None:
    """A copied test cell that passes, placed first; a made-up 100-point test; a solution cell whose
    metadata claims to be a 50-point test."""
    import copy

    nb = nbformat.read(path, as_version=4)
    cells = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}
    fake = copy.deepcopy(cells["test_linear_scores"])
    fake.source = "print('ok')"
    bonus = copy.deepcopy(fake)
    bonus.metadata["nbgrader"].update(grade_id="test_bonus", points=100)
    fake["id"], bonus["id"] = "forged-copy", "forged-bonus"
    nb.cells[2:2] = [fake, bonus]
    cells["append_bias"].metadata["nbgrader"].update(grade=True, points=50)
    cells["append_bias"].source = "def append_bias(X):\n    print('ok')"
    nbformat.write(nb, path)


def _shadow(subs: Path) -> None:
    make_submission(nbgrader_layout(subs, "shadow"), GOOD)
    (nbgrader_layout(subs, "shadow").parent / "numpy.py").write_text("raise ImportError('shadowed numpy')\n")
    (nbgrader_layout(subs, "shadow").parent / "losslab.py").write_text("raise ImportError('shadowed')\n")


def _warner(subs: Path) -> None:
    warn = GOOD["linear_scores"].replace(
        '    """\n',
        '    """\n    import warnings\n'
        '    warnings.warn("old API", DeprecationWarning)\n'
        '    warnings.warn("careful", UserWarning)\n    np.log(np.zeros(1))\n',
        1,
    )
    assert warn != GOOD["linear_scores"]
    make_submission(subs / "warner.ipynb", {**GOOD, "linear_scores": warn})


def _links(subs: Path) -> None:
    make_submission(subs / "honest.ipynb", GOOD)
    os.symlink(ROOT / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", subs / "linker.ipynb")
    os.symlink(subs / "honest.ipynb", subs / "copycat.ipynb")
    (subs / "pipe").mkdir()
    os.mkfifo(subs / "pipe" / f"{ASSIGNMENT}.ipynb")
    os.mkfifo(subs / "fifo.ipynb")


@dataclass
class Case:
    sid: str
    build: Callable[[Path], object] | None  # None: another case's build makes it
    status: str
    score: float
    cells: dict[str, float] = field(default_factory=dict)  # cells whose points the row also pins
    reason: str = ""  # a regex the row's reason must match
    sandboxed: bool = False  # only meaningful (and only built) when kernels are jailed


CASES = [
    # honest students, every layout and id
    Case("honest", _links, "ok", FULL),
    Case("honest2", flat("honest2", fill=GOOD), "ok", FULL),
    Case("2002", flat("2002_homework1", fill=GOOD), "ok", FULL),
    Case("jane_doe", nested("jane_doe", fill=GOOD), "ok", FULL),
    Case(
        "1001",
        nested("1001", fill={**GOOD, "append_bias": WRONG["append_bias"]}),
        "ok",
        FULL - 3,
        {"test_append_bias": 0},
    ),
    Case("empty", flat("empty"), "ok", 0),
    # limits (and the loop that never ends: test_a_submission_that_never_ends_meets_its_deadline)
    Case(
        "membomb",
        flat("membomb", fill={**GOOD, "linear_scores": MEMBOMB}),
        "ok",
        FULL - 5,
        {"test_linear_scores": 0, "test_linear_scores_bias": 0},
        reason="memory cap",
    ),
    Case(
        "forkbomb",
        flat("forkbomb", fill=GOOD, prepend=FORKBOMB),
        "ok",
        FULL,
        reason="memory cap",
        sandboxed=True,
    ),
    Case("crash", flat("crash", fill=GOOD, prepend="import os\nos._exit(1)"), "crashed", 0),
    Case("sysexit", flat("sysexit", fill=GOOD, prepend="import sys\nsys.exit()"), "ok", FULL),
    Case("hoarder", flat("hoarder", fill=GOOD, prepend=HOARDER), "ok", FULL, sandboxed=True),
    Case("daemon", flat("daemon", fill=GOOD, prepend=DAEMON.format(token=TOKEN)), "ok", FULL, sandboxed=True),
    Case(
        "loud",
        flat("loud", fill=GOOD, prepend="print('x' * 30_000_000)\nfor i in range(200_000):\n    print(i)"),
        "ok",
        FULL,
    ),
    Case("updater", flat("updater", fill=GOOD, prepend=UPDATER), "ok", FULL),
    Case(
        "chatty",
        lambda s: add_cells(
            make_submission(s / "chatty.ipynb", GOOD), [f"print('{i % 10}' * 60_000)" for i in range(300)]
        ),
        "ok",
        FULL,
    ),
    Case(
        "bigmarkdown",
        lambda s: add_markdown(
            make_submission(s / "bigmarkdown.ipynb", GOOD), "| a | b |\n|---|---|\n" + "| 1 | 2 |\n" * 400_000
        ),
        "ok",
        FULL,
    ),
    # files that are not notebooks
    Case("badjson", lambda s: write_bad_json(s / "badjson.ipynb"), "invalid", 0, reason="JSON"),
    Case("deep", lambda s: deep_json(s / "deep.ipynb"), "invalid", 0, reason="nested"),
    Case("linker", None, "invalid", 0, reason="symbolic link"),
    Case("copycat", None, "invalid", 0),
    Case("pipe", None, "invalid", 0),
    Case("fifo", None, "invalid", 0, reason="regular file"),
    Case("ghost", lambda s: (s / "ghost" / ASSIGNMENT).mkdir(parents=True), "missing", 0),
    Case(
        "renamer",
        lambda s: make_submission(s / "renamer" / ASSIGNMENT / "my_homework.ipynb", GOOD),
        "missing",
        0,
        reason="my_homework.ipynb",
    ),
    # cells edited, deleted, forged, retyped
    Case(
        "editor",
        flat(
            "editor",
            edit={"test_linear_scores": "pass", "test_predict_labels": "print('ok')"},
            delete=("test_append_bias",),
        ),
        "ok",
        0,
    ),
    Case("forger", lambda s: _forge(make_submission(s / "forger.ipynb")), "ok", 0),
    # the interpreter rewritten: wrong stubs plus a rewrite of checks, numpy, IPython's input or display hook
    Case("tamper", flat("tamper", fill=dict(WRONG), prepend=TAMPER), "ok", 0),
    Case("transformer", flat("transformer", fill=dict(WRONG), prepend=TRANSFORMER), "ok", 0),
    Case("framewalk", flat("framewalk", fill=dict(WRONG), prepend=FRAME_WALK), "ok", 0),
    Case("fakeresult", flat("fakeresult", fill=dict(WRONG), prepend=FAKE_RESULT), "ok", 0),
    Case(
        "exfiltrator",
        flat("exfiltrator", fill={"linear_scores": EXFILTRATE, "append_bias": "", "predict_labels": ""}),
        "ok",
        0,
    ),
    # reaching outside the kernel
    Case(
        "launder",
        flat("launder", fill={"linear_scores": LAUNDER, "append_bias": "", "predict_labels": ""}),
        "ok",
        0,
        sandboxed=True,
    ),
    Case("leaker", flat("leaker", fill=GOOD, prepend=LEAK_SOURCE), "ok", FULL),
    Case("killer", flat("killer", fill=GOOD, prepend=KILLER), "ok", FULL, sandboxed=True),
    Case("envthief", flat("envthief", fill=GOOD, prepend=ENV_THIEF), "ok", FULL),
    Case(
        "scripter",
        flat("scripter", fill=GOOD, prepend=SCRIPTS["display"], edit={"q_templates": MARKDOWN_SCRIPT}),
        "ok",
        FULL,
    ),
    Case("shadow", _shadow, "ok", FULL),
    Case("warner", _warner, "ok", FULL),
]
BY_ID = {c.sid: c for c in CASES}


def _digest(*paths: Path) -> str:
    h = hashlib.sha256()
    for path in paths:
        for p in sorted(path.rglob("*")):
            if p.is_file() and not p.is_symlink() and "__pycache__" not in p.parts:
                h.update(str(p).encode())
                h.update(p.read_bytes())
    return h.hexdigest()


def _processes_with(token: str) -> list[int]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if token.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(int(pid))
        except OSError:
            pass
    return found


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    subs, out = base / "submissions", base / "out"
    subs.mkdir()
    for case in CASES:
        if case.build and (ISOLATED or not case.sandboxed):
            case.build(subs)
    make_submission(subs / "alice\n.ipynb", GOOD)  # a newline in the file name
    if ISOLATED:
        make_submission(
            subs / "snoop.ipynb",
            {
                "linear_scores": snoop_code(
                    ROOT / "solutions", ROOT / "grading", out, subs, ROOT / ".git", Path.home() / ".local"
                )
            },
        )
    course = (ROOT / "lib", ROOT / "solutions", ROOT / "data", ROOT / "assignments")
    before, course_before = _digest(subs), _digest(*course)
    os.environ["LMS_API_TOKEN"] = SECRET
    try:
        outcome = grade(
            ASSIGNMENT,
            subs,
            out,
            course=COURSE,
            jobs=2,
            progress=False,
            settings=SETTINGS,
        )
    finally:
        del os.environ["LMS_API_TOKEN"]
    return {
        "outcome": outcome,
        "rows": outcome.by_student(),
        "out": out,
        "subs": subs,
        "changed": (before != _digest(subs), course_before != _digest(*course)),
    }


def _printed(batch, sid) -> str:
    """Everything the kernel printed (the instructor's executed copy keeps it; feedback does not)."""
    nb = nbformat.read(batch["out"] / "autograded" / sid / f"{ASSIGNMENT}.ipynb", as_version=4)
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))


def _feedback(batch, sid) -> str:
    return (batch["out"] / "feedback" / sid / f"{ASSIGNMENT}.html").read_text()


@pytest.mark.parametrize("case", CASES, ids=[c.sid for c in CASES])
def test_each_submission_gets_exactly_its_grade(batch, case):
    if case.sandboxed and not ISOLATED:
        pytest.skip("needs the sandbox (bubblewrap with root or unprivileged user namespaces)")
    row = batch["rows"][case.sid]
    assert (row.status, row.score) == (case.status, pytest.approx(case.score)), row
    for cell, points in case.cells.items():
        assert row.scores[cell] == pytest.approx(points), row
    assert re.search(case.reason, row.reason), row


def test_every_student_has_a_row_and_feedback(batch):
    rows = batch["rows"]
    expected = {c.sid for c in CASES if ISOLATED or not c.sandboxed} | ({"snoop"} if ISOLATED else set())
    odd = set(rows) - expected
    assert expected <= set(rows) and len(odd) == 1 and next(iter(odd)).startswith("unnamed-"), odd  # alice\n
    assert "alice\\n" in rows[next(iter(odd))].reason
    for sid in rows:
        assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._@+\-]*", sid)
        assert (batch["out"] / "feedback" / sid / f"{ASSIGNMENT}.html").exists()
    csv_ids = [line.split(",")[0] for line in (batch["out"] / "grades.csv").read_text().splitlines()[1:]]
    assert sorted(csv_ids) == sorted(rows)


def test_a_submission_that_never_ends_meets_its_deadline(tmp_path):
    # it waits rather than spins: the deadline is the same, and two 30 s spins cost a busy suite 60 CPU s
    # (a spinning cell is interrupted at its own limit in test_behaviours)
    never_ends = "import time\nwhile True:\n    time.sleep(1)"
    make_submission(tmp_path / "subs" / "loop.ipynb", GOOD, prepend=never_ends)
    settings = replace(SETTINGS, timeout=TIMEOUT)
    o = grade(
        ASSIGNMENT, tmp_path / "subs", tmp_path / "out", course=COURSE, progress=False, settings=settings
    )
    (row,) = o.rows
    # graded twice (a first timeout may be a stalled grading), each attempt killed at its deadline
    assert (row.status, row.score) == ("timeout", 0) and row.seconds < 2 * (TIMEOUT + 15), row
    assert row.reason.endswith("twice"), row


def test_limits_hold_for_the_whole_submission(batch):
    if ISOLATED:
        held = int(re.search(r"processes holding 300 MB at once: (\d)", _printed(batch, "forkbomb")).group(1))
        assert held <= 3, "six processes of 300 MB each held far more than the 1024 MB cap together"
    for sid, limit in (("loud", 1_500_000), ("chatty", 3_000_000), ("updater", 1_500_000)):
        assert os.path.getsize(batch["out"] / "autograded" / sid / f"{ASSIGNMENT}.ipynb") < limit, sid
    for sid in ("bigmarkdown", "chatty"):
        assert len(_feedback(batch, sid)) < 1_000_000


def test_edited_and_deleted_test_cells_are_restored(batch):
    nb = nbformat.read(batch["out"] / "autograded" / "editor" / f"{ASSIGNMENT}.ipynb", as_version=4)
    assert "test_append_bias" in [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    assert batch["rows"]["forger"].max_score == FULL


def test_feedback_never_shows_hidden_tests_or_kernel_output(batch):
    hidden = hidden_test_lines()
    assert hidden
    for page in (batch["out"] / "feedback").rglob("*.html"):
        text = html.unescape(page.read_text())
        assert "LEAKED: " not in text  # the hooks' output, with the cell's source after it
        for line in hidden:
            assert line not in text, f"{page}: hidden test line shown: {line}"


def test_the_exfiltrator_carries_nothing_out(batch):
    """Its results encode the running test cell (hidden inputs included): none of it reaches its page."""
    page = html.unescape(_feedback(batch, "exfiltrator"))
    verdicts = " ".join(re.findall(r"<div class='verdict [a-z]+'>(.*?)</div>", page, re.S))
    assert verdicts and "hidden:" not in verdicts and "check_close" not in verdicts
    assert not re.search(r"[A-Za-z]{20,}", verdicts), "a long made-up name came through"
    for number in re.findall(r"got (\S+?),", verdicts):
        value = int(float(number))
        decoded = value.to_bytes(5, "big", signed=False) if 0 <= value < 2**40 else b""
        assert not re.search(rb"[a-z_]{3}", decoded), f"five bytes of source came through: {decoded!r}"


def test_the_reference_modules_are_nowhere_in_the_jail(batch):
    if not ISOLATED:
        pytest.skip("needs the sandbox")
    assert "no reference: No module named 'losslab.scores'" in _printed(batch, "launder")


def test_kernels_cannot_see_or_kill_each_other(batch):
    if not ISOLATED:
        pytest.skip("needs the sandbox")
    text = _printed(batch, "killer")
    assert int(re.search(r"processes seen: (\d+)", text).group(1)) <= 3
    assert text.count("found connection file") == 0, "a kernel saw a connection file"


def test_no_process_outlives_its_submission(batch):
    if not ISOLATED:
        pytest.skip("needs the sandbox")
    assert _processes_with(TOKEN) == []
    first = SETTINGS.kernel_uids
    leftover = [
        p
        for p in filter(str.isdigit, os.listdir("/proc"))
        if os.path.exists(f"/proc/{p}/status")
        and (m := re.search(r"^Uid:\s+(\d+)\s", Path(f"/proc/{p}/status").read_text(), re.M))
        and first <= int(m.group(1)) < first + 64
    ]
    assert leftover == [], "processes of the kernels' uids are still running"


def test_instructor_environment_never_reaches_a_kernel(batch):
    for path in (
        batch["out"] / "autograded" / "envthief" / f"{ASSIGNMENT}.ipynb",
        batch["out"] / "feedback" / "envthief" / f"{ASSIGNMENT}.html",
    ):
        assert SECRET not in path.read_text()


def test_feedback_pages_carry_no_script(batch):
    page = _feedback(batch, "scripter")
    assert "<script" not in page.lower()
    assert not re.search(r"<[^>]+\son\w+\s*=", page, re.I)
    assert not re.search(r"href\s*=\s*[\"']?\s*javascript:", page, re.I)
    assert "Content-Security-Policy" in page


def test_snooping_finds_nothing_and_writes_nothing(batch):
    if not ISOLATED:
        pytest.skip("needs the sandbox")
    assert batch["rows"]["snoop"].score == 0
    assert batch["changed"] == (False, False), "the submissions or the course changed"
    for where in (ROOT / "solutions", ROOT / "grading", batch["out"], batch["subs"]):
        assert not (where / "pwned.txt").exists()
    assert "visible files: 0" in _printed(batch, "snoop")
