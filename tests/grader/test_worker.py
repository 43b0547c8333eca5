"""worker: its slot locks live where only the grader's user can write, and what it reads of a notebook."""

from __future__ import annotations

import os
import stat
import threading

import nbformat
import pytest
from grading_fixtures import correct_sources, make_submission, release_notebook
from losslab_grader import batch, submission, worker
from losslab_grader.model import TaskResult


def test_slot_locks_are_in_a_private_folder(monkeypatch, tmp_path):
    if os.geteuid() != 0:
        monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    folder = worker.lock_folder()
    st = os.lstat(folder)
    assert stat.S_ISDIR(st.st_mode) and st.st_uid == os.geteuid() and not st.st_mode & 0o077


def test_a_folder_others_may_write_is_refused(monkeypatch, tmp_path):
    monkeypatch.setattr(os, "geteuid", lambda: os.getuid() + (0 if os.getuid() else 1))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    monkeypatch.setattr(worker.Path, "home", lambda: tmp_path)
    (tmp_path / "losslab-grader").mkdir(mode=0o777)
    os.chmod(tmp_path / "losslab-grader", 0o777)
    with pytest.raises(RuntimeError, match="no one else may write"):
        worker.lock_folder()


def test_a_link_in_place_of_the_folder_is_refused(monkeypatch, tmp_path):
    monkeypatch.setattr(os, "geteuid", lambda: 1000 if os.getuid() == 0 else os.getuid())
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", tmp_path / "losslab-grader")
    with pytest.raises(RuntimeError):
        worker.lock_folder()


def test_answered_compares_written_answers_with_the_release(tmp_path):
    known = submission.released_cells(release_notebook())
    untouched = nbformat.read(make_submission(tmp_path / "a.ipynb", correct_sources()), as_version=4)
    assert worker._answered(untouched, known) == {"q_templates": False}
    answered = nbformat.read(
        make_submission(tmp_path / "b.ipynb", {**correct_sources(), "q_templates": "My answer."}),
        as_version=4,
    )
    assert worker._answered(answered, known) == {"q_templates": True}


def test_the_students_own_code_is_their_solution_cells(tmp_path):
    nb = nbformat.read(make_submission(tmp_path / "a.ipynb", correct_sources()), as_version=4)
    code = worker._own_code(nb)
    assert set(code) == set(correct_sources()) and "def linear_scores" in code["linear_scores"]


def test_the_cause_of_an_invalid_notebook_is_nbgraders_message_not_its_epilogue():
    errors = [
        "Notebook JSON is invalid: 'cell_type' is a required property",
        "There was an error processing assignment: /x/y",
        "Please see the above traceback for details.",
    ]
    assert worker._cause(errors, RuntimeError("x")) == errors[0]
    assert worker._cause([], ValueError("bad")) == "ValueError: bad"


def test_grading_processes_run_no_thread_and_come_from_no_threaded_process(monkeypatch, tmp_path):
    """A fork of a process whose other thread holds a lock keeps that lock held: a grading child that
    needs it hangs until the deadline. Here the caller runs a thread, as a Dask worker always does."""
    stop = threading.Event()
    busy = threading.Thread(target=stop.wait)
    busy.start()
    monkeypatch.setenv("LOSSLAB_PROBE", "seen")
    monkeypatch.chdir(tmp_path)
    try:
        with worker.processes(1) as pool:
            threads = pool.submit(os.listdir, "/proc/self/task").result()
            parent = pool.submit(os.getppid).result()
            env, cwd = pool.submit(os.getenv, "LOSSLAB_PROBE").result(), pool.submit(os.getcwd).result()
    finally:
        stop.set()
        busy.join()
    assert len(threads) == 1, f"a grading process runs {len(threads)} threads"
    assert parent != os.getpid(), "the grading process was forked from the caller, which runs threads"
    assert (env, cwd) == ("seen", str(tmp_path)), "a grading process sees its caller's environment and folder"


def _attempts(*results: TaskResult):
    """An attempt function returning results one after another, and the count of calls made."""
    calls = []

    def attempt() -> TaskResult:
        calls.append(1)
        return results[len(calls) - 1]

    return attempt, calls


def test_a_grading_that_hits_the_deadline_runs_once_more_and_the_report_says_so():
    stalled = TaskResult("amy", "timeout", "did not finish within 120 s (killed)", seconds=120.0)
    attempt, calls = _attempts(stalled, TaskResult("amy", "ok", scores={"t": 3.0}, seconds=4.0))
    r = worker.again_after_timeout(attempt)
    assert (len(calls), r.status, r.scores, r.timed_out, r.seconds) == (2, "ok", {"t": 3.0}, 1, 124.0)
    (note,) = batch._notes({"amy": r, "bob": TaskResult("bob", "ok")}, [])
    assert "graded again" in note and note.endswith(": amy")


def test_a_second_timeout_is_final_and_a_finished_grading_is_not_repeated():
    late = TaskResult("amy", "timeout", "did not finish within 120 s (killed)", seconds=120.0)
    attempt, calls = _attempts(late, late)
    r = worker.again_after_timeout(attempt)
    assert (len(calls), r.status, r.reason) == (2, "timeout", "did not finish within 120 s (killed), twice")
    assert batch._notes({"amy": r}, []) == []
    attempt, calls = _attempts(TaskResult("bob", "crashed", "died"))
    assert worker.again_after_timeout(attempt).status == "crashed" and len(calls) == 1
