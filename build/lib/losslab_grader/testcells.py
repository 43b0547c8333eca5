"""Test cells as the grader runs them: the source's, with every expected value removed.

A test cell of the source notebook (solutions/NAME/NAME.ipynb) checks values
with ``losslab.checks``; its visible part may hold literal expected values and
hints for students. The grader never sends those into a student's kernel:
:func:`grading_source` rewrites each check call so that only the label and the
value under test remain (``check_close("cat", loss, 2.9, hint=...)`` becomes
``check_close('cat', loss)``), and the kernel, run with
``LOSSLAB_GRADING=record``, records what each check was given. The expected
values come from the same cells run against the solution (the reference run).
"""

from __future__ import annotations

import ast

BEGIN = "### BEGIN HIDDEN TESTS"
END = "### END HIDDEN TESTS"

#: check function -> how many leading positional arguments survive (label and value under test)
_KEPT_POSITIONAL = {"check_close": 2, "check_shape": 2, "check_true": 2, "check_score": 2}


def meta(cell) -> dict:
    m = cell.get("metadata", {}).get("nbgrader", {})
    return m if isinstance(m, dict) else {}


def is_test_cell(cell) -> bool:
    m = meta(cell)
    return cell.get("cell_type") == "code" and bool(m.get("grade")) and not m.get("solution")


def hidden_lines(source: str) -> set[int]:
    """1-based line numbers inside hidden regions of a test cell (markers included)."""
    numbers, inside = set(), False
    for i, line in enumerate(source.splitlines(), start=1):
        if BEGIN in line:
            inside = True
        if inside:
            numbers.add(i)
        if END in line:
            inside = False
    return numbers


def visible_source(source: str) -> str:
    """The test cell as students see it: hidden regions replaced by one comment line."""
    kept, inside = [], False
    for line in source.splitlines():
        if BEGIN in line:
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            kept.append(f"{indent}# hidden tests run here at grading")
            continue
        if END in line:
            inside = False
            continue
        if not inside:
            kept.append(line)
    return "\n".join(kept)


class _StripExpected(ast.NodeTransformer):
    def visit_Call(self, node: ast.Call):
        self.generic_visit(node)
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name in _KEPT_POSITIONAL:
            node.args = node.args[: _KEPT_POSITIONAL[name]]
            node.keywords = []
        elif name == "check_raises":
            # check_raises(label, exceptions, fn, *args, hint=..., **kwargs): exceptions -> None
            if len(node.args) >= 2:
                node.args[1] = ast.Constant(None)
            node.keywords = [k for k in node.keywords if k.arg not in ("hint", "exceptions")]
        return node


def grading_source(source: str) -> str:
    """The test cell with every check's expected value, tolerance, message and hint removed."""
    tree = _StripExpected().visit(ast.parse(source))
    return ast.unparse(ast.fix_missing_locations(tree))
