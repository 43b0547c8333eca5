"""What a student may see of their graded notebook.

nbgrader's feedback shows hidden tests' source (jupyter/nbgrader#917), and a
failing hidden check's message or traceback would show its expected value.
``redact_notebook`` replaces each hidden region of a test cell with one
comment line, and each test cell's error with:

* for a failure in the visible part: the error's name and message (the
  check's label, got/expected and hint), without the traceback, which could
  print lines around it;
* for a failure in the hidden part: only that a hidden test failed and the
  kind of error, never its message.

The cell's name (grade_id) and points stay: nbgrader's feedback template
prints them with the score.
"""

from __future__ import annotations

import copy
import re

BEGIN = "### BEGIN HIDDEN TESTS"
END = "### END HIDDEN TESTS"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_LINE = re.compile(
    r"(?:Cell In\s*\[\d*\]|<ipython-input-[^>]*>|input_\d+),?\s*(?:line|in <module>\(\))?\s*(\d+)?"
)


def _meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def is_test_cell(cell) -> bool:
    m = _meta(cell)
    return cell.cell_type == "code" and bool(m.get("grade")) and not m.get("solution")


def hidden_lines(source: str) -> tuple[list[int], list[str]]:
    """1-based line numbers inside hidden regions (markers included), and those lines' text."""
    numbers, texts, inside = [], [], False
    for i, line in enumerate(source.splitlines(), start=1):
        if BEGIN in line:
            inside = True
        if inside:
            numbers.append(i)
            texts.append(line)
        if END in line:
            inside = False
    return numbers, texts


def _failing_line(traceback: list[str]) -> int | None:
    """The line of the cell itself (the first frame) at which the error arose."""
    for entry in traceback:
        text = _ANSI.sub("", entry)
        m = re.search(r"Cell In\s*\[\d*\],\s*line\s*(\d+)", text)
        if m:
            return int(m.group(1))
        m = re.search(r"^-+>\s*(\d+)", text, re.M)
        if m and ("<module>" in text or "Cell In" in text):
            return int(m.group(1))
    return None


#: Lines the grader ran above each test cell's own source (the guard line of nbpieces).
GUARD_OFFSET = 1


def classify_error(cell, output) -> str:
    """'visible' when a test cell's error arose outside its hidden region, else 'hidden'."""
    numbers, _ = hidden_lines(cell.source)
    if not numbers:
        return "visible"
    line = _failing_line(output.get("traceback", []))
    if line is None:
        return "hidden"
    return "hidden" if line - GUARD_OFFSET >= numbers[0] else "visible"


def public_failures(nb) -> list[str]:
    """'grade_id: first line of the message' for each test cell that failed in its visible part."""
    found = []
    for cell in nb.cells:
        if not is_test_cell(cell):
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error" and classify_error(cell, out) == "visible":
                message = _ANSI.sub("", str(out.get("evalue", ""))).strip().splitlines()
                first = message[0] if message else ""
                found.append(f"{_meta(cell).get('grade_id')}: {out.get('ename')}: {first}"[:240])
    return found


def redact_notebook(nb):
    """A copy of the graded notebook with hidden tests' source and messages removed."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if not is_test_cell(cell):
            continue
        numbers, _ = hidden_lines(cell.source)
        outputs = []
        for out in cell.get("outputs", []):
            if out.get("output_type") != "error":
                outputs.append(out)
                continue
            ename = str(out.get("ename", "Error"))
            if classify_error(cell, out) == "visible":
                evalue = _ANSI.sub("", str(out.get("evalue", "")))
                out["traceback"] = [f"{ename}: {evalue}"]
            else:
                out["evalue"] = "a hidden test failed (its checks are not shown)"
                out["traceback"] = [
                    f"{ename} in a hidden test: its checks and expected values are not shown. "
                    "Test your function on other shapes and edge cases."
                ]
            outputs.append(out)
        cell.outputs = outputs
        if numbers:
            points = _meta(cell).get("points", "?")
            lines = cell.source.splitlines()
            keep = [ln for i, ln in enumerate(lines, start=1) if i not in set(numbers)]
            indent = re.match(r"\s*", lines[numbers[0] - 1]).group(0)
            keep.insert(
                numbers[0] - 1,
                f"{indent}# hidden tests of {_meta(cell).get('grade_id')} "
                f"(part of its {points} points): not shown",
            )
            cell.source = "\n".join(keep)
    return nb
