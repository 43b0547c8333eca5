"""Hostile submissions: one batch of hostile and honest students graded once (module fixture),
then one test per attack. In every case the batch completes, the honest students' grades are
unaffected and the hostile one earns no point it did not earn honestly."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import nbformat
import pytest
from grading_fixtures import (
    ASSIGNMENT,
    ROOT,
    TAMPER,
    WRONG,
    correct_sources,
    make_submission,
    snoop_code,
    write_bad_json,
)

pytestmark = pytest.mark.slow
FULL = 11.0  # 01_score_function's autograded points
TIMEOUT = 20


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(path.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(path)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    from losslab.grading.cli import grade, isolation_available

    base = tmp_path_factory.mktemp("hostile")
    subs, out = base / "submissions", base / "out"
    nbg = lambda sid: subs / sid / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"  # noqa: E731  nbgrader layout
    good = correct_sources()
    make_submission(subs / "honest.ipynb", good)
    make_submission(nbg("1001"), {**good, "append_bias": WRONG["append_bias"]})  # numeric id, partial
    make_submission(subs / "2002_homework1.ipynb", good)  # numeric id, flat
    make_submission(subs / "empty.ipynb")
    make_submission(subs / "loop.ipynb", good, prepend="while True:\n    pass")
    bomb = "def linear_scores(W, X, b=None):\n    hog = []\n    while True:\n"
    bomb += "        hog.append(bytearray(10**8))"
    make_submission(subs / "membomb.ipynb", {**good, "linear_scores": bomb})
    make_submission(subs / "crash.ipynb", good, prepend="import os\nos._exit(1)")
    make_submission(subs / "sysexit.ipynb", good, prepend="import sys\nsys.exit()")
    write_bad_json(subs / "badjson.ipynb")
    (subs / "ghost" / ASSIGNMENT).mkdir(parents=True)  # nothing handed in
    make_submission(subs / "renamer" / ASSIGNMENT / "my_homework.ipynb", good)  # renamed notebook
    make_submission(
        subs / "editor.ipynb",
        edit={"test_linear_scores": "pass", "test_predict_labels": "print('ok')"},
        delete=("test_append_bias",),
    )
    make_submission(subs / "tamper.ipynb", dict(WRONG), prepend=TAMPER)
    # only with the sandbox: unsandboxed, this student really would write into solutions/
    isolated = isolation_available()
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

    before = _digest(subs)
    outcome = grade(ASSIGNMENT, subs, out, jobs=2, timeout=TIMEOUT, memory=1024, progress=False)
    after = _digest(subs)
    return {
        "outcome": outcome,
        "rows": outcome.by_student(),
        "out": out,
        "subs": subs,
        "before": before,
        "after": after,
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


def test_honest_students_unaffected(batch):
    _assert(batch, "honest", "ok", FULL)
    _assert(batch, "1001", "ok", FULL - 3, test_append_bias=0)
    _assert(batch, "2002", "ok", FULL)
    _assert(batch, "empty", "ok", 0)
    assert len(batch["rows"]) == (18 if batch["isolated"] else 17)


def test_infinite_loop_times_out(batch):
    _assert(batch, "loop", "timeout", 0)
    assert batch["outcome"].by_student()["loop"]["seconds"] < TIMEOUT + 15


def test_memory_bomb_hits_the_cap(batch):
    # the kernel survives with a MemoryError; only the cells that call the bomb lose points
    _assert(batch, "membomb", "ok", FULL - 5, test_linear_scores=0, test_linear_scores_bias=0)
    assert "MemoryError" in _row(batch, "membomb")["reason"]


def test_kernel_crash_is_this_students_only(batch):
    _assert(batch, "crash", "crashed", 0)


def test_sys_exit_does_not_stop_grading(batch):
    _assert(batch, "sysexit", "ok", FULL)


def test_invalid_json(batch):
    _assert(batch, "badjson", "invalid", 0)
    assert "JSON" in _row(batch, "badjson")["reason"]


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


def test_rebinding_checks_numpy_and_losslab_earns_nothing(batch):
    _assert(batch, "tamper", "ok", 0)


def test_snooping_finds_nothing_and_writes_nothing(batch):
    if not batch["isolated"]:
        pytest.skip("the sandbox needs root and mount namespaces")
    _assert(batch, "snoop", "ok", 0)
    assert batch["before"] == batch["after"], "the submissions changed"
    for where in (ROOT / "solutions", ROOT / "grading", batch["out"], batch["subs"]):
        assert not (where / "pwned.txt").exists()
    for where in (ROOT / "solutions", batch["subs"]):
        assert not (where / "gradebook.db").exists()
    assert not (batch["out"] / "gradebook.db").read_bytes().endswith(b"pwned")
    nb = nbformat.read(batch["out"] / "autograded" / "snoop" / f"{ASSIGNMENT}.ipynb", as_version=4)
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "visible files: 0" in text


def test_huge_output_is_capped(batch):
    _assert(batch, "loud", "ok", FULL)
    size = os.path.getsize(batch["out"] / "autograded" / "loud" / f"{ASSIGNMENT}.ipynb")
    assert size < 1_000_000


def test_extra_files_cannot_shadow_modules(batch):
    _assert(batch, "shadow", "ok", FULL)


def test_warnings_do_not_cost_points(batch):
    _assert(batch, "warner", "ok", FULL)


def test_feedback_for_every_student(batch):
    for sid in batch["rows"]:
        assert (batch["out"] / "feedback" / sid / f"{ASSIGNMENT}.html").exists()
