"""The nbgrader assignments: releases are fresh and leak nothing, and grading works.

Fast tests read the notebooks. Slow tests grade every assignment once, in a
throwaway course root per assignment (tests/nbgrader_harness.py): the
solution, the untouched release and every mutant of tests/mutants/<name>.py
are submitted as different students and autograded by ONE ``nbgrader
autograde`` call per assignment; the assignments are graded in parallel.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from concurrent.futures import ThreadPoolExecutor

import nbgrader_harness as h
import pytest

NAMES = h.assignment_names()
MUTANT_CASES = [(name, m) for name in NAMES for m in h.mutants(name)]


@pytest.fixture(scope="session")
def graded(request, tmp_path_factory) -> dict[str, h.Graded | Exception]:
    """The selected assignments generated and autograded once (in parallel), keyed by name.

    A grading run that raises is stored as its exception, so that one broken
    assignment fails its own tests only.
    """
    wanted = set()
    for item in request.session.items:
        if "graded" in getattr(item, "fixturenames", ()):
            params = getattr(getattr(item, "callspec", None), "params", {})
            wanted.add(params.get("name", NAMES[0]))
    wanted = sorted(wanted)
    base = tmp_path_factory.mktemp("nbgrader")

    def run(name: str):
        try:
            return h.grade_assignment(name, base / name)
        except Exception as exc:  # reported by the tests of this assignment
            return exc

    jobs = max(1, min(len(wanted), os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(run, wanted))
    return dict(zip(wanted, results, strict=True))


def _graded(graded, name: str) -> h.Graded:
    g = graded[name]
    if isinstance(g, Exception):
        pytest.fail(f"grading {name} failed: {g}")
    return g


# ----------------------------------------------------------------------------------------------
# fast: the notebooks themselves


def test_every_solution_is_released():
    released = sorted(p.name for p in h.ASSIGNMENTS.iterdir()
                      if p.is_dir() and h.release.NAME_RE.match(p.name)) if h.ASSIGNMENTS.is_dir() else []
    assert released == NAMES, "assignments/ and solutions/ disagree: run `make release`"


@pytest.mark.parametrize("name", NAMES)
def test_release_leaks_no_solution_or_hidden_test(name):
    problems = h.leaks(h.source_notebook(name), h.release_notebook(name))
    assert not problems, f"{name} release leaks:\n" + "\n".join(problems[:20])


@pytest.mark.parametrize("name", NAMES)
def test_source_follows_the_assignment_format(name):
    nb = h.source_notebook(name)
    meta = [h.nbgrader_meta(c) for c in nb.cells]
    assert all(meta), "every cell carries nbgrader metadata"
    ids = [m["grade_id"] for m in meta]
    assert len(ids) == len(set(ids)), "grade_ids are unique"
    tests = h.test_cells(nb)
    assert tests and all(p > 0 for _, p in tests), "test cells have points > 0"
    assert all(t.startswith("test_") for t, _ in tests), "test cell grade_ids start with test_"
    for c, m in zip(nb.cells, meta, strict=True):
        if m.get("grade") and not m.get("solution"):
            assert m.get("locked"), f"test cell {m['grade_id']} is locked"
        if m.get("solution"):
            assert not m.get("locked")
            assert "BEGIN SOLUTION" in c.source and "END SOLUTION" in c.source, m["grade_id"]
        if c.cell_type == "code":
            assert not c.get("outputs"), f"{m['grade_id']}: solutions are committed without outputs"
    manual = [m for c, m in zip(nb.cells, meta, strict=True)
              if c.cell_type == "markdown" and m.get("grade") and m.get("solution")]
    assert manual, "at least one manually graded question"
    for c, m in zip(nb.cells, meta, strict=True):
        if m in manual:
            assert "Rubric:" in c.source, f"{m['grade_id']}: the model answer carries a Rubric: list"
    auto_points = sum(p for _, p in tests)
    assert 8 <= auto_points <= 25, f"{auto_points} autograded points (aim for 10-20)"
    # every stub is guarded by own_work in a hidden region of at least one test
    hidden = "\n".join(h.region_text(c.source) for c in nb.cells if c.cell_type == "code")
    guards = h.calls(hidden, "own_work")
    for c, m in zip(nb.cells, meta, strict=True):
        if c.cell_type == "code" and m.get("solution"):
            for fn in re.findall(r"^def (\w+)\(", c.source, re.M):
                assert any(re.search(rf"\b{fn}\b", g) for g in guards), f"no hidden own_work guard calls {fn}"


@pytest.mark.parametrize("name", NAMES)
def test_summary_cell_lists_every_visible_test(name):
    nb = h.source_notebook(name)
    last = [c for c in nb.cells if c.cell_type == "code"][-1]
    meta = h.nbgrader_meta(last)
    assert meta.get("locked") and not meta.get("grade") and not meta.get("solution")
    assert h.summary_names(nb) == [t for t, _ in h.test_cells(nb)]


@pytest.mark.parametrize("name", NAMES)
def test_mutants_are_well_formed(name):
    ms = h.mutants(name)
    assert 3 <= len(ms) <= 8, f"tests/mutants/{name}.py: 3-6 mutants"
    nb = h.source_notebook(name)
    tests = {t for t, _ in h.test_cells(nb)}
    names = [m["name"] for m in ms]
    assert len(names) == len(set(names))
    for m in ms:
        assert m["cell"] in h.solution_cells(nb), f"{m['name']}: {m['cell']} is not a solution cell"
        assert m["fails"] and set(m["fails"]) <= tests, f"{m['name']}: fails {m['fails']} not all test cells"


# ----------------------------------------------------------------------------------------------
# slow: nbgrader


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_committed_release_is_fresh(name, graded):
    problems = h.release.compare(_graded(graded, name).fresh_release.parent, h.ASSIGNMENTS, [name])
    assert not problems, "stale release; run `make release`:\n" + "\n".join(problems)


def _scores(g: h.Graded, student: str) -> dict[str, dict]:
    assert g.returncode == 0, f"nbgrader autograde {g.name} failed:\n{g.log[-3000:]}"
    assert student in g.scores, f"{student} was not graded:\n{g.log[-3000:]}"
    return g.scores[student]


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_solution_gets_full_marks_and_runs_clean(name, graded):
    g = _graded(graded, name)
    scores = _scores(g, h.SOLUTION_ID)
    tests = h.test_cells(h.source_notebook(name))
    lost = {t: scores[t] for t, _ in tests if scores[t]["auto_score"] != scores[t]["max_score"]}
    assert not lost, f"the solution loses points: {lost}"
    bad = [(gid, o.get("name") or o.get("ename")) for gid, o in h.outputs(g.autograded(h.SOLUTION_ID))
           if o["output_type"] == "error" or (o["output_type"] == "stream" and o["name"] == "stderr")]
    assert not bad, f"the solution writes errors or stderr: {bad}"
    text = "".join(o.get("text", "") for gid, o in h.outputs(g.autograded(h.SOLUTION_ID)) if gid == "summary")
    n = len(tests)
    assert f"All {n} visible tests pass" in text, f"summary cell said: {text!r}"


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_untouched_release_scores_zero(name, graded):
    g = _graded(graded, name)
    scores = _scores(g, h.RELEASE_ID)
    tests = h.test_cells(h.source_notebook(name))
    earned = {t: scores[t]["auto_score"] for t, _ in tests if scores[t]["auto_score"]}
    assert not earned, f"the untouched release earns points: {earned}"
    errors = [o for gid, o in h.outputs(g.autograded(h.RELEASE_ID))
              if gid == "summary" and o["output_type"] == "error"]
    assert errors and "visible tests pass" in errors[0]["evalue"], "the summary cell raises on the release"
    assert errors[0]["evalue"].startswith(f"0 of {len(tests)} ")


@pytest.mark.slow
@pytest.mark.parametrize(("name", "mutant"), MUTANT_CASES,
                         ids=[f"{n}-{m['name']}" for n, m in MUTANT_CASES])
def test_mutant_loses_exactly_its_cells(name, mutant, graded):
    scores = _scores(_graded(graded, name), h.mutant_student(mutant))
    got = {t: scores[t]["auto_score"] for t, _ in h.test_cells(h.source_notebook(name))}
    full = {t: scores[t]["max_score"] for t in got}
    wrong_pass = [t for t in mutant["fails"] if got[t] != 0]
    wrong_fail = [t for t in got if t not in mutant["fails"] and got[t] != full[t]]
    assert not wrong_pass and not wrong_fail, (
        f"mutant {mutant['name']}: should fail {mutant['fails']}; "
        f"passed anyway {wrong_pass}; lost points unexpectedly {wrong_fail}")


@pytest.mark.slow
def test_summary_verdict_matches_nbgrader_validate(graded):
    """For the first assignment: validate passes the solution and fails the release, like summary()."""
    name = NAMES[0]
    g = _graded(graded, name)
    ok = h.validate(g.root, h.SOLUTIONS / name / f"{name}.ipynb")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "Success! Your notebook passes all the tests." in ok.stdout, ok.stdout + ok.stderr
    bad = h.validate(g.root, h.ASSIGNMENTS / name / f"{name}.ipynb")
    assert "VALIDATION FAILED" in bad.stdout or "NotImplementedError" in bad.stdout, bad.stdout + bad.stderr


# ----------------------------------------------------------------------------------------------
# the student bundle (fast)


def test_student_bundle_has_the_course_and_no_solutions(tmp_path):
    bundle = h._load(h.REPO / "scripts" / "student_bundle.py", "losslab_student_bundle")
    out = tmp_path / "losslab-student.zip"
    names = bundle.build(out)
    with zipfile.ZipFile(out) as zf:
        assert sorted(zf.namelist()) == sorted(names)
        rel = [n.removeprefix("losslab/") for n in zf.namelist()]
        for forbidden in ("solutions/", "tests/", "grading/"):
            assert not [r for r in rel if r.startswith(forbidden)], f"{forbidden} is in the bundle"
        assert "scripts/release.py" not in rel
        # the bundle's nbgrader_config.py is the student's own (scripts/bundle/), not the instructor's
        assert zf.read("losslab/nbgrader_config.py") != (h.REPO / "nbgrader_config.py").read_bytes()
        for r in bundle.REQUIRED:
            assert r in rel, f"{r} missing: `make lab` needs it"
        for name in NAMES:
            assert f"assignments/{name}/{name}.ipynb" in rel
        for r in rel:
            if not r.endswith(".ipynb"):
                continue
            text = zf.read(f"losslab/{r}").decode()
            for marker in (*h.MARKERS, "Rubric:"):
                assert marker not in text, f"{r} holds {marker!r}"
            name = r.split("/")[1] if r.startswith("assignments/") else None
            if name in NAMES:
                problems = h.leaks(h.source_notebook(name), h.nbformat.reads(text, as_version=4))
                assert not problems, f"{r}: " + "; ".join(problems[:5])
        zf.extractall(tmp_path / "x")
    if shutil.which("make"):
        dry = subprocess.run(["make", "-n", "lab"], cwd=tmp_path / "x" / "losslab",
                             capture_output=True, text=True)
        assert dry.returncode == 0 and "jupyter lab" in dry.stdout, dry.stdout + dry.stderr
