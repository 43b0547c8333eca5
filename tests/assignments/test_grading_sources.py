"""Static properties of the test cells the grader runs (no kernel needed).

* No expected value reaches a student's kernel: every number that occurs in a check's expected
  argument (and nowhere else in the cell) is gone from the cell's grading source.
* Every test cell holds hidden checks: a submission that replays the public expected values as
  forged records still cannot match the hidden ones, whose values never enter its kernel.
* Points only for what a student cannot know (issue 17): a verdict (check_true, check_raises), a
  shape or a visible value can be known in advance, so every test cell has a hidden check_close
  whose value the student's own code computes from inputs the release never shows (a name
  assigned, or a number written, inside the hidden region). Exception checks name built-in
  exception classes only, so a verdict compares a class from a fixed set.
"""

from __future__ import annotations

import ast
import builtins
from pathlib import Path

import nbformat
import pytest
from losslab_grader import testcells

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted((ROOT / "solutions").glob("*/*.ipynb"))
NOTEBOOKS = {path.parent.name: nbformat.read(path, as_version=4) for path in SOURCES}
CELLS = [
    (name, testcells.meta(c)["grade_id"], c.source)
    for name, nb in NOTEBOOKS.items()
    for c in nb.cells
    if testcells.is_test_cell(c)
]
EXPECTED_ARG = {"check_close": 2, "check_shape": 2, "check_raises": 1}


def _numbers(node) -> set[float]:
    return {
        n.value
        for n in ast.walk(node)
        if isinstance(n, ast.Constant) and isinstance(n.value, (int, float)) and not isinstance(n.value, bool)
    }


def _expected_numbers(source: str) -> set[float]:
    """Numbers that occur only inside the expected arguments of the cell's checks."""
    tree = ast.parse(source)
    inside: set[float] = set()
    expected_nodes = []
    for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
        name = getattr(call.func, "id", getattr(call.func, "attr", ""))
        if name in EXPECTED_ARG and len(call.args) > EXPECTED_ARG[name]:
            expected_nodes.append(call.args[EXPECTED_ARG[name]])
        expected_nodes += [k.value for k in call.keywords if k.arg in ("expected", "shape")]
    for node in expected_nodes:
        inside |= _numbers(node)
    # a number that is also an input somewhere in the cell is not a secret
    all_nodes = {id(n) for e in expected_nodes for n in ast.walk(e)}
    elsewhere = {
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant)
        and id(n) not in all_nodes
        and isinstance(n.value, (int, float))
        and not isinstance(n.value, bool)
    }
    return inside - elsewhere


@pytest.mark.parametrize("name, gid, source", CELLS, ids=[f"{n}:{g}" for n, g, _ in CELLS])
def test_grading_source_carries_no_expected_value(name, gid, source):
    secret = _expected_numbers(source)
    left = _numbers(ast.parse(testcells.grading_source(source))) & secret
    assert not left, f"{name} {gid}: expected values {sorted(left)} would reach the student's kernel"


@pytest.mark.parametrize("name, gid, source", CELLS, ids=[f"{n}:{g}" for n, g, _ in CELLS])
def test_every_test_cell_has_hidden_checks(name, gid, source):
    lines = source.splitlines()
    hidden = [lines[i - 1] for i in sorted(testcells.hidden_lines(source))]
    assert any("check_" in line for line in hidden), f"{name} {gid}: no hidden check"


# ----------------------------------------------------------------------------------------------
# points only for values computed from hidden inputs

BUILTIN_EXCEPTIONS = {
    name for name, obj in vars(builtins).items() if isinstance(obj, type) and issubclass(obj, BaseException)
}


def student_functions(nb) -> set[str]:
    """The functions a student writes: every def at the top of the notebook's solution cells."""
    return {
        node.name
        for c in nb.cells
        if c.cell_type == "code" and testcells.meta(c).get("solution")
        for node in ast.parse(c.source).body
        if isinstance(node, ast.FunctionDef)
    }


def _bound_names(node) -> set[str]:
    """Names a statement binds: assignment and loop targets, with-as names, defs."""
    if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
        return {node.name}
    targets = {
        ast.Assign: lambda n: n.targets,
        ast.AugAssign: lambda n: [n.target],
        ast.AnnAssign: lambda n: [n.target],
        ast.For: lambda n: [n.target],
        ast.With: lambda n: [i.optional_vars for i in n.items if i.optional_vars is not None],
    }.get(type(node), lambda n: [])(node)
    return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}


def _value_of(node):
    """The expression a binding statement takes its value from (None for defs and with)."""
    if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
        return node.value
    if isinstance(node, ast.For):
        return node.iter
    return None


def _is_number(node) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) in (int, float, complex)


class _HiddenFlow:
    """Which values of a test cell's hidden region come from the student's code run on hidden inputs.

    A hidden input is a name bound inside the hidden region or a number written there. A value is
    the student's own when the expression calls one of the student's functions with a hidden input
    (or another such value) among its arguments, or uses a name bound to such a value.
    """

    def __init__(self, source: str, functions: set[str]):
        self.functions = functions
        tree = ast.parse(source)
        lines = testcells.hidden_lines(source)
        self.statements = [
            n for n in ast.walk(tree) if isinstance(n, ast.stmt) and getattr(n, "lineno", 0) in lines
        ]
        self.calls = [
            n
            for n in ast.walk(tree)
            if isinstance(n, ast.Call) and n.lineno in lines and _call_name(n) == "check_close"
        ]
        self.hidden = set().union(*(_bound_names(s) for s in self.statements)) if self.statements else set()
        self.own: set[str] = set()
        changed = True
        while changed:  # to a fixed point: loops can feed a value back to an earlier statement
            changed = False
            for s in self.statements:
                value = _value_of(s)
                if value is not None and self.is_own(value) and not _bound_names(s) <= self.own:
                    self.own |= _bound_names(s)
                    changed = True

    def _hidden_input(self, node) -> bool:
        return any(
            _is_number(n) or (isinstance(n, ast.Name) and (n.id in self.hidden or n.id in self.own))
            for n in ast.walk(node)
        )

    def is_own(self, expr) -> bool:
        for n in ast.walk(expr):
            if isinstance(n, ast.Name) and n.id in self.own:
                return True
            if isinstance(n, ast.Call) and _call_name(n) in self.functions:
                if any(self._hidden_input(a) for a in [*n.args, *(k.value for k in n.keywords)]):
                    return True
        return False

    def own_checks(self) -> list[ast.Call]:
        """The hidden check_close calls whose value is the student's own, computed from hidden inputs."""
        return [c for c in self.calls if len(c.args) >= 2 and self.is_own(c.args[1])]


def _call_name(call: ast.Call) -> str:
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""


def exception_problems(source: str) -> list[str]:
    """check_raises calls whose expected exceptions are not built-in exception classes."""
    problems = []
    for call in ast.walk(ast.parse(source)):
        if not (isinstance(call, ast.Call) and _call_name(call) == "check_raises"):
            continue
        given = (
            call.args[1]
            if len(call.args) > 1
            else next((k.value for k in call.keywords if k.arg == "exceptions"), None)
        )
        names = given.elts if isinstance(given, ast.Tuple) else [given]
        for n in names:
            if not (isinstance(n, ast.Name) and n.id in BUILTIN_EXCEPTIONS):
                problems.append(f"line {call.lineno}: {ast.unparse(n) if n else 'no exception'}")
    return problems


@pytest.mark.parametrize("name, gid, source", CELLS, ids=[f"{n}:{g}" for n, g, _ in CELLS])
def test_every_test_cell_earns_its_points_on_hidden_values(name, gid, source):
    """A forged record cannot match a value the student's code computes from inputs it never saw."""
    flow = _HiddenFlow(source, student_functions(NOTEBOOKS[name]))
    assert flow.own_checks(), (
        f"{name} {gid}: no hidden check_close of a value the student's functions compute from hidden "
        f"inputs (a name bound or a number written inside the hidden region); verdicts, shapes and "
        f"visible values can be known in advance"
    )


@pytest.mark.parametrize("name, gid, source", CELLS, ids=[f"{n}:{g}" for n, g, _ in CELLS])
def test_exception_checks_name_built_in_classes(name, gid, source):
    problems = exception_problems(source)
    assert not problems, f"{name} {gid}: check_raises expects a class that is not built in: {problems}"


def test_the_hidden_value_check_tells_own_values_from_knowable_ones():
    def cell(visible: str, hidden: str) -> str:
        return f"with case('t'):\n{visible}    ### BEGIN HIDDEN TESTS\n{hidden}    ### END HIDDEN TESTS\n"

    def own(visible: str, hidden: str) -> bool:
        return bool(_HiddenFlow(cell(visible, hidden), {"f", "g"}).own_checks())

    seen = "    X = np.ones(3)\n"
    # the student's function on a hidden name, a hidden number, or through a hidden name
    assert own(seen, "    Xh = np.random.default_rng(9).normal(size=4)\n    check_close('a', f(Xh))\n")
    assert own(seen, "    check_close('a', f(X, 0.37))\n")
    assert own(seen, "    S = f(X, 2.5)\n    T = S * 2\n    check_close('a', float(T.sum()))\n")
    assert own(seen, "    for k in range(3):\n        check_close('a', f(X, k))\n")
    # knowable: a verdict, a shape, the visible inputs again, a hidden value the student's code never saw
    assert not own(seen, "    check_true('a', f(X, 1) > 0)\n    check_shape('b', f(X, 2))\n")
    assert not own(seen, "    check_close('a', f(X))\n    check_close('b', g(X[:, None]))\n")
    assert not own(seen, "    Wh = np.random.default_rng(9).normal(size=4)\n    check_close('a', Wh)\n")
    assert not own(seen, "    check_close('a', h(X, 3.0))\n")  # h is not the student's
    assert not own("    Y = f(X, 2.0)\n", "    check_close('a', Y)\n")  # computed in the visible part
    assert not exception_problems(
        "check_raises('a', ValueError, f, 1)\ncheck_raises('b', (TypeError, KeyError), f)"
    )
    assert exception_problems("check_raises('a', CheckFailure, f, 1)")
    assert exception_problems("check_raises('a', (ValueError, np.linalg.LinAlgError), f, 1)")
