"""The student's loop (issue 9), run as a student runs it: no grader, LOSSLAB_GRADING unset.

* Restart Kernel and Run All Cells reaches the summary whatever fails: every code cell of an
  assignment carries JupyterLab's ``raises-exception`` tag (Run All goes on past it), and the
  summary lists each visible test's verdict.
* The summary's verdict is ``nbgrader validate``'s, on a correct, a partly wrong (the first
  mutant) and an unanswered (written questions left as released) notebook of every assignment.
* Each known mistake of the catalogue (solutions/<name>/mistakes.py) fed to the released notebook
  fails first in one of its cells, with a message that names it (the entry's ``shows`` regex).
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor

import nbgrader_harness as h
import pytest

NAMES = h.assignment_names()
MUTANT_CASES = [(name, m) for name in NAMES for m in h.mutants(name)]
KINDS = ("correct", "partly-wrong", "unanswered")


def _notebook(name: str, kind: str):
    if kind == "release":
        return h.release_notebook(name)
    if kind == "correct":
        return h.student_version(name)
    if kind == "unanswered":
        return h.student_version(name, answered=False)
    mutant = next(m for m in h.mutants(name) if h.mutant_student(m) == kind)
    nb = h.student_version(name, mutant=mutant)
    if kind == _partly_wrong(name):  # validated whole
        return nb
    # Its first failure is in one of its cells or nowhere: the cells after its last one cannot change
    # that (07's training among them), so the run stops there, then the summary.
    last = max(i for i, c in enumerate(nb.cells) if h.nbgrader_meta(c).get("grade_id") in mutant.fails)
    summary = [c for c in nb.cells if c.cell_type == "code"][-1]
    nb.cells = [*nb.cells[: last + 1], summary]
    return nb


@pytest.fixture(scope="session")
def runs(request, tmp_path_factory) -> dict:
    """{(name, kind): (executed notebook, what nbgrader validate printed or None)} for the selected tests.

    kind: "release" (untouched), "correct", "partly-wrong", "unanswered" or a mutant's student id;
    in one lane per core. A run that raises is stored as its exception.
    """
    wanted = set()
    for item in request.session.items:
        if "runs" in getattr(item, "fixturenames", ()):
            params = getattr(getattr(item, "callspec", None), "params", {})
            if "mutant" in params:
                wanted.add((params["name"], h.mutant_student(params["mutant"])))
            elif "kind" in params:
                wanted.add(_key(params["name"], params["kind"]))
            else:
                wanted.add((params.get("name", NAMES[0]), "release"))
    base = tmp_path_factory.mktemp("student")

    # Notebooks are made here, in one thread: making mutants parses code, and CPython 3.11's parser
    # fails in concurrent threads ("AST constructor recursion depth mismatch"). The lanes only wait.
    folders = {key: base / f"{key[0]}-{key[1]}" for key in wanted}
    notebooks = {key: _notebook(*key) for key in sorted(wanted)}
    checked = {key for key in wanted if key[1] in KINDS or key[1] == _partly_wrong(key[0])}

    def run(keys):
        """One process runs these notebooks, one more validates those that need it (see the harness)."""
        executed = h.run_as_students([(notebooks[key], folders[key], key[0]) for key in keys])
        paths = [folders[key] / f"{key[0]}.ipynb" for key in keys if key in checked]
        printed = h.validate_files(paths) if paths else {}
        return {key: got if isinstance(got, Exception) else (got, printed.get(folders[key] / f"{key[0]}.ipynb"))
                for key, got in zip(keys, executed, strict=True)}

    lanes = max(2, os.cpu_count() or 1)
    ordered = sorted(wanted)
    with ThreadPoolExecutor(max_workers=lanes) as pool:
        return {k: v for part in pool.map(run, [ordered[i::lanes] for i in range(lanes)]) for k, v in part.items()}


def _partly_wrong(name: str) -> str:
    """The student id of the partly-wrong notebook: the first catalogued mistake's."""
    return h.mutant_student(h.mutants(name)[0])


def _key(name: str, kind: str) -> tuple[str, str]:
    """partly-wrong is the run of the first mutant (validated too)."""
    return (name, _partly_wrong(name)) if kind == "partly-wrong" else (name, kind)


def _run(runs, name: str, kind: str):
    got = runs[_key(name, kind)]
    if isinstance(got, Exception):
        pytest.fail(f"running {name} ({kind}) failed: {got}")
    return got


# ----------------------------------------------------------------------------------------------
# fast


@pytest.mark.parametrize("name", NAMES)
def test_run_all_goes_past_every_failing_cell(name):
    """JupyterLab's Run All stops at a cell that raises unless it is tagged raises-exception."""
    for nb in (h.source_notebook(name), h.release_notebook(name)):
        untagged = [h.nbgrader_meta(c).get("grade_id") for c in nb.cells
                    if c.cell_type == "code" and "raises-exception" not in c.metadata.get("tags", [])]
        assert not untagged, f"{name}: code cells without the raises-exception tag: {untagged}"


@pytest.mark.parametrize("name", NAMES)
def test_summary_reads_this_notebook(name):
    last = [c for c in h.source_notebook(name).cells if c.cell_type == "code"][-1]
    assert f'notebook="{name}.ipynb"' in last.source, "summary(..., notebook=<this file>)"


@pytest.mark.parametrize("name", NAMES)
def test_every_mutant_names_its_mistake(name):
    for m in h.mutants(name):
        assert m.shows, f"mutant {m.name}: give it a message regex (what its first failure says)"
        re.compile(m.shows)


@pytest.mark.parametrize("name", NAMES)
def test_assignment_heading_differs_from_the_lecture(name):
    """Lecture and assignment open as two tabs named NAME.ipynb: their first headings tell them apart."""
    lecture = h.REPO / "notebooks" / f"{name}.ipynb"
    first = h.release_notebook(name).cells[0].source.splitlines()[0]
    assert first.startswith(f"# Assignment {name[:2]}"), first
    if lecture.exists():
        other = h.nbformat.read(lecture, as_version=4).cells[0].source.splitlines()[0]
        assert first != other


# ----------------------------------------------------------------------------------------------
# slow: notebooks run as a student runs them


def _failures_of_summary(text: str) -> set[str]:
    return set(re.findall(r"^\s+FAIL (test_\w+)", text, re.M))


def _failures_of_validate(stdout: str) -> tuple[set[str], int]:
    """(test cells validate failed, how many written answers it found missing)."""
    tests, unanswered = set(), 0
    for block in stdout.split("The following cell failed:")[1:]:
        source, _, error = block.partition("The error was:")
        m = re.search(r'case\("(\w+)"\)', source)
        if m:
            tests.add(m.group(1))
        elif "You did not provide a response" in error:
            unanswered += 1
    return tests, unanswered


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_untouched_release_reaches_the_summary(name, runs):
    executed, _ = _run(runs, name, "release")
    passed, text = h.summary_output(executed)
    tests = [t for t, _ in h.test_cells(h.source_notebook(name))]
    assert not passed and text.count("NotImplementedError") >= 1, text
    assert _failures_of_summary(text) == set(tests), text
    assert f"0 of {len(tests)} visible tests pass" in text, text


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", NAMES)
def test_summary_verdict_is_nbgrader_validates(name, kind, runs):
    executed, validated = _run(runs, name, kind)
    passed, text = h.summary_output(executed)
    valid = "Success! Your notebook passes all the tests." in validated
    failed_tests, unanswered = _failures_of_validate(validated)
    both = f"summary:\n{text}\n--- nbgrader validate:\n{validated[-3000:]}"
    assert passed == valid, both
    assert _failures_of_summary(text) == failed_tests, both
    assert text.count("no answer yet") == unanswered, both
    tests = h.test_cells(h.source_notebook(name))
    if kind == "correct":
        assert f"All {len(tests)} visible tests pass and every written question has an answer" in text
    elif kind == "unanswered":
        assert unanswered >= 1 and not failed_tests
    else:
        assert failed_tests and set(failed_tests) <= set(h.mutants(name)[0].fails)


@pytest.mark.slow
@pytest.mark.parametrize(("name", "mutant"), MUTANT_CASES,
                         ids=[f"{n}-{m.name}" for n, m in MUTANT_CASES])
def test_first_failure_names_the_mistake(name, mutant, runs):
    executed, _ = _run(runs, name, h.mutant_student(mutant))
    first = h.first_failure(executed)
    assert first is not None, f"mutant {mutant.name}: every visible test passes"
    gid, error = first
    assert gid in mutant.fails, f"mutant {mutant.name}: first fails {gid}, not one of {mutant.fails}"
    assert re.search(mutant.shows, error), (
        f"mutant {mutant.name}: the first failure, in {gid}, does not name the mistake "
        f"(/{mutant.shows}/):\n{error}")
    passed, text = h.summary_output(executed)
    assert not passed and f"FAIL {gid}" in text, text
