"""Static properties of the test cells the grader runs (no kernel needed).

* No expected value reaches a student's kernel: every number that occurs in a check's expected
  argument (and nowhere else in the cell) is gone from the cell's grading source.
* Every test cell holds hidden checks: a submission that replays the public expected values as
  forged records still cannot match the hidden ones, whose values never enter its kernel.
"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest
from losslab_grader import testcells

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "solutions").glob("*/*.ipynb"))
CELLS = [
    (path.parent.name, testcells.meta(c)["grade_id"], c.source)
    for path in SOURCES
    for c in nbformat.read(path, as_version=4).cells
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
