"""A submission as hostile input: its bytes read safely, parsed with bounds, its cells put back in shape.

Nothing here runs student code. :func:`read_bytes` runs in the coordinator
(it only opens regular files, never following a link, up to a size cap);
:func:`read_notebook` and :func:`preclean` run inside a grading child, under
the submission's limits, because parsing is where a crafted file (JSON nested
100 000 deep, 20 MB of cells) costs time and memory.
"""

from __future__ import annotations

import copy
import json
import os
import stat
import warnings
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell
from nbformat.v4.rwbase import rejoin_lines

from . import testcells

MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024


def read_bytes(path: Path) -> bytes:
    """A submitted file's bytes: no symlink followed, no FIFO or device opened, at most 20 MB.

    Raises OSError (cannot open it) or ValueError (not a regular file, too large).
    """
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise ValueError("not a regular file")
        data = f.read(MAX_NOTEBOOK_BYTES + 1)
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise ValueError(f"the notebook is larger than {MAX_NOTEBOOK_BYTES // 2**20} MB")
    return data


def read_notebook(data: bytes) -> nbformat.NotebookNode:
    """A version-4 notebook parsed from data, or ValueError saying why it is not one."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError("the file is not UTF-8 text (not a notebook)") from exc
    try:
        raw = json.loads(text)
    except RecursionError as exc:
        raise ValueError("the JSON is nested too deeply to be a notebook") from exc
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"not valid JSON (line {exc.lineno}, column {exc.colno}): the file is damaged or not a notebook"
        ) from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("cells"), list) or raw.get("nbformat") != 4:
        raise ValueError("valid JSON but not a version-4 Jupyter notebook")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nb = rejoin_lines(nbformat.from_dict(raw))  # sources as strings, as nbformat.reads does
        try:
            nbformat.validate(nb)
        except Exception as exc:  # nbformat's ValidationError and friends
            raise ValueError(f"not a valid notebook: {str(exc).splitlines()[0][:200]}") from exc
    return nb


def released_cells(release: nbformat.NotebookNode) -> dict[str, tuple[str, dict]]:
    """grade_id -> (cell type, nbgrader metadata) of every nbgrader cell of the released notebook."""
    return {
        testcells.meta(c)["grade_id"]: (c.cell_type, testcells.meta(c))
        for c in release.cells
        if testcells.meta(c).get("grade_id")
    }


def preclean(nb: nbformat.NotebookNode, known: dict[str, tuple[str, dict]]) -> nbformat.NotebookNode:
    """Give each cell of the assignment the type and nbgrader metadata it was released with.

    known: :func:`released_cells` of the release. A cell whose type a student changed gets its
    type back with the student's text (as nbgrader's OverwriteCells does); a cell whose metadata
    names no cell of the assignment, is malformed or repeats a grade_id becomes a plain cell.
    nbgrader then restores every missing or edited test cell from the gradebook.
    """
    seen: set[str] = set()
    for i, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader")
        if meta is None:
            continue
        gid = meta.get("grade_id") if isinstance(meta, dict) else None
        if not isinstance(gid, str) or gid not in known or gid in seen:
            del cell.metadata["nbgrader"]
            continue
        seen.add(gid)
        cell_type, released = known[gid]
        if cell.cell_type != cell_type:
            nb.cells[i] = cell = _retyped(cell, cell_type)
        cell.metadata["nbgrader"] = copy.deepcopy(released)
    return nb


def _retyped(cell, cell_type: str):
    """The cell as a cell of cell_type, with the same source, id and metadata."""
    make = new_code_cell if cell_type == "code" else new_markdown_cell
    new = make(source=cell.source, metadata=cell.metadata)
    if "id" in cell:
        new["id"] = cell["id"]
    return new
