"""mistakes: the course's catalogue of known mistakes, its format and every assignment's entries."""

from __future__ import annotations

import nbformat
import pytest
from grading_fixtures import ROOT
from losslab_grader import mistakes, testcells

NAMES = sorted(p.parent.name for p in (ROOT / "solutions").glob("*/mistakes.py"))


def test_a_decorated_function_or_a_text_becomes_an_entry():
    cat = mistakes.Catalogue()

    @cat.mistake("off_by_one", "adds one", hint="do not add one", fails=["test_f"])
    def f(x):
        return x + 1

    cat.add("doubles", "doubles it", hint="h", fails=["test_f"], source="def f(x):\n    return 2 * x\n")
    assert [m.name for m in cat.entries] == ["off_by_one", "doubles"]
    assert cat.entries[0].cell == "f" and cat.entries[0].source.startswith("def f(x):")
    assert "@cat" not in cat.entries[0].source
    with pytest.raises(ValueError, match="used twice"):
        cat.add("doubles", "again", hint="h", fails=["t"], source="def f(x):\n    return x\n")
    with pytest.raises(ValueError, match="exactly one function"):
        cat.add("two", "t", hint="h", fails=["t"], source="def f(x):\n    pass\ndef g(x):\n    pass\n")


def test_apply_replaces_only_that_function_in_the_cell():
    m = mistakes.Mistake("m", "t", "h", "f", "def f(x):\n    return 0\n", ("test_f",))
    cell = (
        "import numpy as np\n\n@decorated\ndef f(x):\n"
        "    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\n\ng = 1"
    )
    out = m.apply(cell)
    assert out.splitlines() == ["import numpy as np", "", "def f(x):", "    return 0", "", "g = 1"]


@pytest.mark.parametrize("name", NAMES)
def test_every_catalogue_names_real_cells(name):
    entries = mistakes.load(mistakes.catalogue_path(ROOT / "solutions", name))
    nb = nbformat.read(ROOT / "solutions" / name / f"{name}.ipynb", as_version=4)
    solution = {testcells.meta(c)["grade_id"] for c in nb.cells if testcells.meta(c).get("solution")}
    tests = {testcells.meta(c)["grade_id"] for c in nb.cells if testcells.is_test_cell(c)}
    assert 3 <= len(entries) <= 14
    for m in entries:
        assert m.cell in solution, f"{m.name}: no solution cell {m.cell}"
        assert m.fails and set(m.fails) <= tests, m.name
        assert m.title and m.hint and m.shows, m.name


def test_the_catalogue_never_reaches_a_release():
    assert not list((ROOT / "assignments").glob("*/mistakes.py"))
    assert "mistakes.py" in (ROOT / "nbgrader_config.py").read_text()
