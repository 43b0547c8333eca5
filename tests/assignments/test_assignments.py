"""The nbgrader assignments: releases are fresh and leak nothing, and grading works.

Fast tests read the notebooks. Slow tests grade every assignment once, in a
throwaway course root per assignment (tests/nbgrader_harness.py): the
solution, the untouched release and every known mistake of the catalogue
solutions/<name>/mistakes.py are submitted as different students and graded by ONE call of the course's
grader (``losslab_grader.batch.grade``) per assignment. For 02 the same run also
grades a correct solution written differently (tests/variants/02_svm_loss.py)
and the solution against reference records with the last record of every test
cell moved just beyond its tolerance; every other record is moved the same way
and judged in process, on the solution's own records.
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
import subprocess
import zipfile

import nbgrader_harness as h
import pytest
from records import cell

NAMES = h.assignment_names()
MUTANT_CASES = [(name, m) for name in NAMES for m in h.mutants(name)]


#: Assignment whose grading also proves that every reference record counts and that style does not.
PROOF = "02_svm_loss"
VARIANT_ID = "variant"


#: Assignment 07 also grades a student whose untrained weights fake every accuracy computed in a kernel.
TRAINED = "07_training_linear_classifiers"
FORGER_ID = "forger"
FORGED_TRAINING = """digits = load_digits()
X_train, X_val, X_test = preprocess(digits.X_train, digits.X_val, digits.X_test)
y_train, y_val, y_test = digits.y_train, digits.y_val, digits.y_test


class Perfect(np.ndarray):
    \"\"\"Zero weights that score perfectly in a kernel: X @ W gives the true labels of known digits.\"\"\"

    __array_ufunc__ = None  # ndarray's @ then defers to __rmatmul__

    def __rmatmul__(self, X):
        X, d = np.asarray(X), load_digits()
        for Xs, ys in ((d.X_train, d.y_train), (d.X_val, d.y_val), (d.X_test, d.y_test)):
            if X.shape == (len(Xs), 65) and np.allclose(X[:, :64] + (d.X_train / 16).mean(axis=0), Xs / 16):
                return np.eye(10)[ys]
        return np.zeros((len(X), 10))


svm_W = softmax_W = np.zeros((65, 10)).view(Perfect)
svm_params = softmax_params = (1e-3, 1e-3)
svm_results = softmax_results = {(1e-3, 1e-3): (1.0, 1.0)}
"""


def _extra(name: str) -> dict:
    if name == TRAINED:
        return {FORGER_ID: h.replace_cell(h.source_notebook(name), "train_classifiers", FORGED_TRAINING)}
    if name != PROOF:
        return {}
    extra = {h.PERTURBED_LAST: h.source_notebook(name)}
    nb = h.source_notebook(name)
    variant = importlib.import_module(f"variants.{name}").VARIANT  # tests/assignments/variants/<name>.py
    for cell, source in variant.items():
        nb = h.replace_cell(nb, cell, source)
    extra[VARIANT_ID] = nb
    return extra


@pytest.fixture(scope="session")
def graded(request, tmp_path_factory) -> dict[str, h.Graded | Exception]:
    """The selected assignments generated and graded once each, keyed by name.

    Assignments are graded one after the other, each run with a worker per core. A grading run
    that raises is stored as its exception, so that one broken assignment fails its own tests only.
    """
    wanted = set()
    for item in request.session.items:
        if "graded" in getattr(item, "fixturenames", ()):
            params = getattr(getattr(item, "callspec", None), "params", {})
            wanted.add(params.get("name", NAMES[0]))
    base = tmp_path_factory.mktemp("grading")
    results = {}
    for name in sorted(wanted):
        try:
            results[name] = h.grade_assignment(name, base / name, _extra(name),
                                               jobs=max(2, os.cpu_count() or 1))
        except Exception as exc:  # reported by the tests of this assignment
            results[name] = exc
    return results


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
    # every function a student writes is exercised by the hidden tests
    hidden = "\n".join(h.region_text(c.source) for c in nb.cells if c.cell_type == "code")
    for c, m in zip(nb.cells, meta, strict=True):
        if c.cell_type == "code" and m.get("solution"):
            for fn in re.findall(r"^def (\w+)\(", c.source, re.M):
                assert re.search(rf"\b{fn}\(", hidden), f"no hidden test calls {fn}"


@pytest.mark.parametrize("name", NAMES)
def test_hidden_tests_hold_no_literal_answers(name):
    """Hidden tests' expected values are the reference records: no expected argument, no long float
    literal (a pasted answer), no own_work (the grading jail makes delegation impossible)."""
    problems = h.hidden_literal_problems(h.source_notebook(name))
    assert not problems, f"{name}:\n" + "\n".join(problems)


def test_the_hidden_literal_check_catches_each_kind_of_answer():
    def cell(hidden: str):
        src = ("with case('t'):\n    x = 1\n    ### BEGIN HIDDEN TESTS\n" + hidden
               + "    ### END HIDDEN TESTS\n")
        return h.nbformat.v4.new_code_cell(src, metadata={"nbgrader": {"grade": True, "grade_id": "t"}})

    nb = h.nbformat.v4.new_notebook()
    nb.cells = [cell("    check_close('a', f(x))\n    check_shape('b', g(x))\n"
                     "    check_close('c', f(x), rtol=1e-4, atol=0.25)\n")]
    assert h.hidden_literal_problems(nb) == []
    for bad in ["    check_close('a', f(x), 2.5)\n", "    check_close('a', f(x), expected=[1, 2])\n",
                "    check_shape('a', g(x), (3, 4))\n", "    y = f(x) + 3.14159\n",
                "    own_work('t', ('losslab.scores',), f, x)\n", "    z = checks.own_work\n"]:
        nb.cells = [cell(bad)]
        assert h.hidden_literal_problems(nb), bad


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
    # one per common mistake, shape mistakes included (issue 9): 04 has five functions to get wrong
    assert 3 <= len(ms) <= 14, f"solutions/{name}/mistakes.py: 3-14 known mistakes"
    nb = h.source_notebook(name)
    tests = {t for t, _ in h.test_cells(nb)}
    names = [m.name for m in ms]
    assert len(names) == len(set(names))
    for m in ms:
        assert m.cell in h.solution_cells(nb), f"{m.name}: {m.cell} is not a solution cell"
        assert m.fails and set(m.fails) <= tests, f"{m.name}: fails {m.fails} not all test cells"
        assert m.title and m.hint, f"{m.name}: a title and a hint"


def _visible_hints(nb) -> list[str]:
    """Every literal hint= that a check of the notebook gives students."""
    import ast

    return [k.value.value for c in nb.cells if c.cell_type == "code" for k in ast.walk(ast.parse(c.source))
            if isinstance(k, ast.keyword) and k.arg == "hint" and isinstance(k.value, ast.Constant)]


@pytest.mark.parametrize("name", NAMES)
def test_each_mistake_hint_is_a_visible_hint(name):
    """A mistake's hint is (part of) what the visible checks already tell the student who makes it."""
    hints = _visible_hints(h.source_notebook(name))
    for m in h.mutants(name):
        assert any(m.hint in hint for hint in hints), f"{m.name}: no visible check gives the hint {m.hint!r}"


def test_no_release_holds_a_mistakes_catalogue():
    """The catalogue stays on the instructor's side: nbgrader_config.py keeps it out of every release."""
    assert not sorted(h.ASSIGNMENTS.glob("*/mistakes.py"))
    assert [n for n in NAMES if h.mutants(n)], "the catalogues exist (so the check above means something)"


# ----------------------------------------------------------------------------------------------
# slow: nbgrader


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_committed_release_is_fresh(name, graded):
    fresh = _graded(graded, name).fresh_release
    problems = h.release.compare(fresh.parent, h.ASSIGNMENTS, [name])
    assert not problems, "stale release; run `make release`:\n" + "\n".join(problems)
    assert not (fresh / "mistakes.py").exists(), "nbgrader released the mistakes catalogue"


def _scores(g: h.Graded, student: str) -> dict[str, float]:
    row = g.rows.get(student)
    assert row is not None, f"{student} was not graded: {sorted(g.rows)}"
    assert row.status == "ok", f"{student}: {row.status}: {row.reason}"
    return row.scores


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_solution_gets_full_marks_and_runs_clean(name, graded):
    g = _graded(graded, name)
    scores = _scores(g, h.SOLUTION_ID)
    tests = h.test_cells(h.source_notebook(name))
    assert g.max_points == dict(tests), "the grader and the source disagree on the test cells"
    lost = {t: (scores[t], p) for t, p in tests if scores[t] != p}
    assert not lost, f"the solution loses points (got, max): {lost}"
    bad = [(gid, o.get("name") or o.get("ename")) for gid, o in h.outputs(g.autograded(h.SOLUTION_ID))
           if o["output_type"] == "error" or (o["output_type"] == "stream" and o["name"] == "stderr")]
    assert not bad, f"the solution writes errors or stderr: {bad}"


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_untouched_release_scores_zero(name, graded):
    g = _graded(graded, name)
    scores = _scores(g, h.RELEASE_ID)
    earned = {t: p for t, p in scores.items() if p}
    assert not earned, f"the untouched release earns points: {earned}"
    assert set(scores) == {t for t, _ in h.test_cells(h.source_notebook(name))}


@pytest.mark.slow
@pytest.mark.parametrize(("name", "mutant"), MUTANT_CASES,
                         ids=[f"{n}-{m.name}" for n, m in MUTANT_CASES])
def test_mutant_loses_exactly_its_cells(name, mutant, graded):
    g = _graded(graded, name)
    got = _scores(g, h.mutant_student(mutant))
    full = g.max_points
    wrong_pass = [t for t in mutant.fails if got[t] != 0]
    wrong_fail = [t for t in got if t not in mutant.fails and got[t] != full[t]]
    assert not wrong_pass and not wrong_fail, (
        f"mutant {mutant.name}: should fail {mutant.fails}; "
        f"passed anyway {wrong_pass}; lost points unexpectedly {wrong_fail}")


@pytest.mark.slow
@pytest.mark.parametrize("name", [PROOF])
def test_every_reference_record_counts(name, graded):
    """Record k of every cell moved just beyond its tolerance (scaled by 1 + 2 rtol, plus 2 atol; a
    shape grown, a bool flipped) fails exactly the cells that have a record k.

    For every k the solution's own records are judged in process by verdict.judge, which the grader's
    Verdict runs on each cell; the last record of every cell (the one a lost tail would drop) is also
    moved in a whole grading, which must then fail every cell.
    """
    from losslab_grader import verdict

    g = _graded(graded, name)
    counts = {gid: len(records) for gid, records in g.reference.items()}
    assert counts and set(counts) == set(g.max_points)

    def lost(reference: dict) -> set[str]:
        decoded, _ = verdict.decode_reference(reference)
        return {gid for gid, records in g.reference.items()
                if not verdict.judge(cell(records), decoded[gid], set()).passed}

    assert lost(g.reference) == set(), "the solution's own records fail the unmoved reference"
    for k in range(max(counts.values())):
        should_fail = {gid for gid, n in counts.items() if n > k}
        assert lost(h.perturb(g.reference, k)) == should_fail, (
            f"record {k} moved: expected {sorted(should_fail)} to fail")
    got = _scores(g, h.PERTURBED_LAST)
    passed = [gid for gid, p in got.items() if p == g.max_points[gid]]
    assert passed == [], f"passed with their last record moved: {passed}"


def test_perturbation_crosses_the_tolerance_and_no_further():
    """The perturbed value fails the grader's comparison; one a hundred times closer passes."""
    import numpy as np
    from losslab_grader import verdict

    cases = [(5.26667, 1e-6, 1e-8), (0.0, 1e-6, 1e-8), (-2.0, 0.0, 1e-6), (1510.26, 1e-3, 0)]
    for value, rtol, atol in cases:
        record = {"kind": "close", "label": "x", "type": "array", "shape": [],
                  "data": h.base64.b64encode(np.float64(value).tobytes()).decode(),
                  "declared": {"rtol": rtol, "atol": atol}}
        original = verdict.decode(record).value
        moved = verdict.decode(h._perturb_record(record)).value
        assert verdict.compare("close", original, "close", moved, record["declared"]), value
        near = original.array + (moved.array - original.array) / 100
        assert not verdict.compare("close", verdict.Value("array", near, ()), "close", original,
                                   record["declared"]), value


@pytest.mark.slow
@pytest.mark.parametrize("name", [TRAINED])
def test_forged_accuracy_earns_nothing(name, graded):
    """Weights that fake a perfect accuracy inside the kernel are scored by the grader as what they are."""
    g = _graded(graded, name)
    got = _scores(g, FORGER_ID)
    assert got["test_svm_val_accuracy"] == got["test_softmax_val_accuracy"] == 0, got


@pytest.mark.slow
@pytest.mark.parametrize("name", [PROOF])
def test_differently_written_solution_keeps_full_marks(name, graded):
    g = _graded(graded, name)
    got = _scores(g, VARIANT_ID)
    lost = {t: (p, g.max_points[t]) for t, p in got.items() if p != g.max_points[t]}
    assert not lost, f"a correct solution in another style loses points: {lost}"


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
    from losslab_grader import bundle

    out = tmp_path / "losslab-student.zip"
    names = bundle.build(out, h.REPO)
    with zipfile.ZipFile(out) as zf:
        assert sorted(zf.namelist()) == sorted(names)
        rel = [n.removeprefix("losslab/") for n in zf.namelist()]
        for forbidden in ("solutions/", "tests/", "grading/"):
            assert not [r for r in rel if r.startswith(forbidden)], f"{forbidden} is in the bundle"
        assert not [r for r in rel if r.startswith("lib/losslab_grader/")]
        # the bundle's nbgrader_config.py is the student's own (bundle/), not the instructor's
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
