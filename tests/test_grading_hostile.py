"""Hostile submissions: one batch of hostile and honest students graded once (module fixture),
then one test per attack. In every case the batch completes, the honest students' grades are
exact, the hostile one earns no point it did not earn honestly, no process is left behind and
no course file changes."""

from __future__ import annotations

import hashlib
import html
import os
import re
import secrets
from pathlib import Path

import nbformat
import pytest
from grading_fixtures import (
    ASSIGNMENT,
    DAEMON,
    ENV_THIEF,
    FAKE_RESULT,
    FRAME_WALK,
    HOARDER,
    KILLER,
    LAUNDER,
    LEAK_SOURCE,
    MARKDOWN_SCRIPT,
    ROOT,
    SCRIPTS,
    TAMPER,
    TRANSFORMER,
    WRONG,
    add_cells,
    add_markdown,
    correct_sources,
    deep_json,
    make_submission,
    snoop_code,
    write_bad_json,
)

pytestmark = pytest.mark.slow
FULL = 11.0  # 01_score_function's autograded points
TIMEOUT = 30
TOKEN = "losslab-daemon-" + secrets.token_hex(6)
SECRET = "lms-token-" + secrets.token_hex(8)
HONEST = ("honest", "2002", "jane_doe", "honest2", "honest3")


def _digest(*paths: Path) -> str:
    h = hashlib.sha256()
    for path in paths:
        for p in sorted(path.rglob("*")):
            if p.is_file() and not p.is_symlink() and "__pycache__" not in p.parts:
                h.update(str(p).encode())
                h.update(p.read_bytes())
    return h.hexdigest()


def _describe(pid: int) -> str:
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")[:200].decode(errors="replace")
        state = [ln for ln in Path(f"/proc/{pid}/status").read_text().splitlines() if ln.startswith("State")]
        return f"{cmd} {state}"
    except OSError:
        return "gone"


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
    from losslab_grader.cli import grade, isolation_mode

    base = tmp_path_factory.mktemp("hostile")
    subs, out = base / "submissions", base / "out"
    nbg = lambda sid: subs / sid / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"  # noqa: E731  nbgrader layout
    good = correct_sources()
    wrong = dict(WRONG)
    make_submission(subs / "honest.ipynb", good)
    make_submission(subs / "honest2.ipynb", good)
    make_submission(subs / "honest3.ipynb", good)
    make_submission(nbg("1001"), {**good, "append_bias": WRONG["append_bias"]})  # numeric id, partial
    make_submission(subs / "2002_homework1.ipynb", good)  # numeric id, flat
    make_submission(nbg("jane_doe"), good)  # nbgrader layout, an underscore in the id
    make_submission(subs / "empty.ipynb")
    make_submission(subs / "loop.ipynb", good, prepend="while True:\n    pass")
    bomb = "def linear_scores(W, X, b=None):\n    hog = []\n    while True:\n"
    bomb += "        hog.append(bytearray(10**8))"
    make_submission(subs / "membomb.ipynb", {**good, "linear_scores": bomb})
    make_submission(subs / "crash.ipynb", good, prepend="import os\nos._exit(1)")
    make_submission(subs / "sysexit.ipynb", good, prepend="import sys\nsys.exit()")
    write_bad_json(subs / "badjson.ipynb")
    deep_json(subs / "deep.ipynb")
    (subs / "ghost" / ASSIGNMENT).mkdir(parents=True)  # nothing handed in
    make_submission(subs / "renamer" / ASSIGNMENT / "my_homework.ipynb", good)  # renamed notebook
    make_submission(
        subs / "editor.ipynb",
        edit={"test_linear_scores": "pass", "test_predict_labels": "print('ok')"},
        delete=("test_append_bias",),
    )
    make_submission(subs / "tamper.ipynb", wrong, prepend=TAMPER)
    make_submission(subs / "transformer.ipynb", wrong, prepend=TRANSFORMER)
    make_submission(subs / "framewalk.ipynb", wrong, prepend=FRAME_WALK)
    make_submission(subs / "fakeresult.ipynb", wrong, prepend=FAKE_RESULT)
    make_submission(
        subs / "launder.ipynb",
        {"linear_scores": LAUNDER, "append_bias": "", "predict_labels": ""},
    )
    make_submission(subs / "leaker.ipynb", good, prepend=LEAK_SOURCE)
    make_submission(subs / "killer.ipynb", good, prepend=KILLER)
    make_submission(subs / "daemon.ipynb", good, prepend=DAEMON.format(token=TOKEN))
    make_submission(subs / "hoarder.ipynb", good, prepend=HOARDER)
    make_submission(subs / "envthief.ipynb", good, prepend=ENV_THIEF)
    make_submission(
        subs / "scripter.ipynb", good, prepend=SCRIPTS["display"], edit={"q_templates": MARKDOWN_SCRIPT}
    )
    big_table = "| a | b |\n|---|---|\n" + "| 1 | 2 |\n" * 400_000  # about 8 MB of markdown
    add_markdown(make_submission(subs / "bigmarkdown.ipynb", good), big_table)
    chatter = [f"print('{i % 10}' * 60_000)" for i in range(300)]  # 18 MB of prints
    add_cells(make_submission(subs / "chatty.ipynb", good), chatter)
    make_submission(subs / "alice\n.ipynb", good)  # a newline in the file name
    os.symlink(ROOT / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", subs / "linker.ipynb")
    os.symlink(subs / "honest.ipynb", subs / "copycat.ipynb")
    (subs / "pipe").mkdir()
    os.mkfifo(subs / "pipe" / f"{ASSIGNMENT}.ipynb")
    os.mkfifo(subs / "fifo.ipynb")
    isolated = isolation_mode() is not None
    make_submission(
        subs / "snoop.ipynb" if isolated else base / "not-submitted.ipynb",
        {
            "linear_scores": snoop_code(
                ROOT / "solutions", ROOT / "grading", out, subs, ROOT / ".git", Path.home() / ".local"
            )
        },
    )
    make_submission(
        subs / "loud.ipynb", good, prepend="print('x' * 30_000_000)\nfor i in range(200_000):\n    print(i)"
    )
    make_submission(nbg("shadow"), good)
    (nbg("shadow").parent / "numpy.py").write_text("raise ImportError('shadowed numpy')\n")
    (nbg("shadow").parent / "losslab.py").write_text("raise ImportError('shadowed losslab')\n")
    warn = good["linear_scores"].replace(
        '    """\n',
        '    """\n    import warnings\n'
        '    warnings.warn("old API", DeprecationWarning)\n'
        '    warnings.warn("careful", UserWarning)\n'
        "    np.log(np.zeros(1))\n",
        1,
    )
    assert warn != good["linear_scores"]
    make_submission(subs / "warner.ipynb", {**good, "linear_scores": warn})
    _forge(make_submission(subs / "forger.ipynb"))

    course = (ROOT / "lib", ROOT / "solutions", ROOT / "data", ROOT / "assignments")
    before, course_before = _digest(subs), _digest(*course)
    os.environ["LMS_API_TOKEN"] = SECRET
    try:
        outcome = grade(ASSIGNMENT, subs, out, jobs=2, timeout=TIMEOUT, memory=1024, progress=False)
    finally:
        del os.environ["LMS_API_TOKEN"]
    return {
        "outcome": outcome,
        "rows": outcome.by_student(),
        "out": out,
        "subs": subs,
        "changed": (before != _digest(subs), course_before != _digest(*course)),
        "isolated": isolated,
    }


def _forge(path: Path) -> None:
    """A copied test cell that passes, placed first; a made-up 100-point test; a solution cell
    whose metadata claims to be a 50-point test."""
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


def _row(batch, sid):
    return batch["rows"][sid]


def _assert(batch, sid, status, score, **cells):
    row = _row(batch, sid)
    assert row["status"] == status, row
    assert row["score"] == pytest.approx(score), row
    for cell, points in cells.items():
        assert row["scores"][cell] == pytest.approx(points), row


def _feedback(batch, sid) -> str:
    return (batch["out"] / "feedback" / sid / f"{ASSIGNMENT}.html").read_text()


def _printed(batch, sid) -> str:
    """Everything the kernel printed (the instructor's executed copy keeps it; feedback does not)."""
    nb = nbformat.read(batch["out"] / "autograded" / sid / f"{ASSIGNMENT}.ipynb", as_version=4)
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))


def _sandboxed(batch):
    if not batch["isolated"]:
        pytest.skip("needs the sandbox (bubblewrap with root or unprivileged user namespaces)")


def test_honest_students_graded_exactly(batch):
    for sid in HONEST:
        _assert(batch, sid, "ok", FULL)
    _assert(batch, "1001", "ok", FULL - 3, test_append_bias=0)
    _assert(batch, "empty", "ok", 0)


def test_every_student_has_a_row_and_feedback(batch):
    expected = {
        *HONEST,
        "1001",
        "empty",
        "loop",
        "membomb",
        "crash",
        "sysexit",
        "badjson",
        "deep",
        "ghost",
        "renamer",
        "editor",
        "tamper",
        "transformer",
        "framewalk",
        "fakeresult",
        "launder",
        "leaker",
        "killer",
        "daemon",
        "hoarder",
        "envthief",
        "scripter",
        "bigmarkdown",
        "chatty",
        "linker",
        "copycat",
        "pipe",
        "fifo",
        "loud",
        "shadow",
        "warner",
        "forger",
    } | ({"snoop"} if batch["isolated"] else set())
    rows = batch["rows"]
    assert expected <= set(rows)
    odd = set(rows) - expected
    assert len(odd) == 1 and next(iter(odd)).startswith("unnamed-"), odd  # alice\n
    for sid in rows:
        assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._@+\-]*", sid)
        assert (batch["out"] / "feedback" / sid / f"{ASSIGNMENT}.html").exists()
    csv_ids = [line.split(",")[0] for line in (batch["out"] / "grades.csv").read_text().splitlines()[1:]]
    assert sorted(csv_ids) == sorted(rows)


def test_infinite_loop_times_out(batch):
    _assert(batch, "loop", "timeout", 0)
    assert _row(batch, "loop")["seconds"] < TIMEOUT + 15


def test_memory_bomb_hits_the_cap(batch):
    # the kernel survives with a MemoryError; only the cells that call the bomb lose points
    _assert(batch, "membomb", "ok", FULL - 5, test_linear_scores=0, test_linear_scores_bias=0)
    assert "MemoryError" in _row(batch, "membomb")["reason"]


def test_kernel_crash_is_this_students_only(batch):
    _assert(batch, "crash", "crashed", 0)


def test_sys_exit_does_not_stop_grading(batch):
    _assert(batch, "sysexit", "ok", FULL)


def test_broken_files_are_invalid_not_fatal(batch):
    _assert(batch, "badjson", "invalid", 0)
    assert "JSON" in _row(batch, "badjson")["reason"]
    _assert(batch, "deep", "invalid", 0)
    assert "nested" in _row(batch, "deep")["reason"]


def test_symlinks_and_fifos_are_never_followed(batch):
    for sid in ("linker", "copycat", "pipe", "fifo"):
        _assert(batch, sid, "invalid", 0)
    assert "symbolic link" in _row(batch, "linker")["reason"]
    assert "regular file" in _row(batch, "fifo")["reason"]


def test_unusable_file_names_still_get_a_row(batch):
    (sid,) = [s for s in batch["rows"] if s.startswith("unnamed-")]
    _assert(batch, sid, "invalid", 0)
    assert "alice\\n" in _row(batch, sid)["reason"]


def test_missing_and_renamed_notebooks(batch):
    _assert(batch, "ghost", "missing", 0)
    _assert(batch, "renamer", "missing", 0)
    assert "my_homework.ipynb" in _row(batch, "renamer")["reason"]


def test_edited_and_deleted_test_cells_are_restored(batch):
    _assert(batch, "editor", "ok", 0)
    nb = nbformat.read(batch["out"] / "autograded" / "editor" / f"{ASSIGNMENT}.ipynb", as_version=4)
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    assert "test_append_bias" in ids


def test_forged_test_cells_and_metadata_earn_nothing(batch):
    _assert(batch, "forger", "ok", 0)
    assert _row(batch, "forger")["max_score"] == FULL


@pytest.mark.parametrize("sid", ["tamper", "transformer", "framewalk", "fakeresult"])
def test_rewriting_the_interpreter_earns_nothing(batch, sid):
    """Wrong stubs plus a rewrite of checks, numpy, IPython's input or its display hook: 0 points."""
    _assert(batch, sid, "ok", 0)


def test_reference_modules_do_not_exist_in_the_jail(batch):
    _sandboxed(batch)
    _assert(batch, "launder", "ok", 0)
    assert "no reference: No module named 'losslab.scores'" in _printed(batch, "launder")


def test_feedback_never_shows_hidden_tests_or_kernel_output(batch):
    from grading_fixtures import hidden_test_lines

    hidden = hidden_test_lines()
    assert hidden
    for page in (batch["out"] / "feedback").rglob("*.html"):
        text = html.unescape(page.read_text())
        assert "LEAKED: " not in text  # the hooks' output, with the cell's source after it
        for line in hidden:
            assert line not in text, f"{page}: hidden test line shown: {line}"
    _assert(batch, "leaker", "ok", FULL)


def test_kernels_cannot_see_or_kill_each_other(batch):
    _sandboxed(batch)
    _assert(batch, "killer", "ok", FULL)
    text = _printed(batch, "killer")
    seen = int(re.search(r"processes seen: (\d+)", text).group(1))
    assert seen <= 3, "the kernel saw processes outside its own PID namespace"
    assert text.count("found connection file") <= 1, "it saw connection files other than its own"


def test_no_process_outlives_its_submission(batch):
    _sandboxed(batch)
    _assert(batch, "daemon", "ok", FULL)
    _assert(batch, "hoarder", "ok", FULL)
    assert _processes_with(TOKEN) == []
    leftover = [
        p
        for p in filter(str.isdigit, os.listdir("/proc"))
        if os.path.exists(f"/proc/{p}/status")
        and re.search(r"^Uid:\s+6[01]\d{3}\s", Path(f"/proc/{p}/status").read_text(), re.M)
    ]
    assert leftover == [], "processes of the kernels' uids are still running"


def test_instructor_environment_never_reaches_a_kernel(batch):
    _assert(batch, "envthief", "ok", FULL)
    for path in (
        batch["out"] / "autograded" / "envthief" / f"{ASSIGNMENT}.ipynb",
        batch["out"] / "feedback" / "envthief" / f"{ASSIGNMENT}.html",
    ):
        assert SECRET not in path.read_text()


def test_feedback_pages_carry_no_script(batch):
    _assert(batch, "scripter", "ok", FULL)
    page = _feedback(batch, "scripter")
    assert "<script" not in page.lower()
    assert not re.search(r"<[^>]+\son\w+\s*=", page, re.I)
    assert not re.search(r"href\s*=\s*[\"']?\s*javascript:", page, re.I)
    assert "Content-Security-Policy" in page


def test_big_notebooks_make_small_feedback(batch):
    _assert(batch, "bigmarkdown", "ok", FULL)
    _assert(batch, "chatty", "ok", FULL)
    for sid in ("bigmarkdown", "chatty"):
        assert len(_feedback(batch, sid)) < 1_000_000
        assert _row(batch, sid)["seconds"] < TIMEOUT
    assert os.path.getsize(batch["out"] / "autograded" / "chatty" / f"{ASSIGNMENT}.ipynb") < 3_000_000


def test_snooping_finds_nothing_and_writes_nothing(batch):
    _sandboxed(batch)
    _assert(batch, "snoop", "ok", 0)
    assert batch["changed"] == (False, False), "the submissions or the course changed"
    for where in (ROOT / "solutions", ROOT / "grading", batch["out"], batch["subs"]):
        assert not (where / "pwned.txt").exists()
    assert "visible files: 0" in _printed(batch, "snoop")


def test_huge_output_is_capped(batch):
    _assert(batch, "loud", "ok", FULL)
    size = os.path.getsize(batch["out"] / "autograded" / "loud" / f"{ASSIGNMENT}.ipynb")
    assert size < 1_500_000


def test_extra_files_cannot_shadow_modules(batch):
    _assert(batch, "shadow", "ok", FULL)


def test_warnings_do_not_cost_points(batch):
    _assert(batch, "warner", "ok", FULL)
