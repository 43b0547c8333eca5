"""submission: a submitted file read as hostile bytes, parsed with bounds, its cells put back in shape."""

from __future__ import annotations

import copy
import json
import os

import nbformat
import pytest
from grading_fixtures import ASSIGNMENT, correct_sources, make_submission, release_notebook
from losslab_grader import submission


def test_read_bytes_opens_only_regular_files(tmp_path):
    nb = make_submission(tmp_path / "a.ipynb")
    assert submission.read_bytes(nb) == nb.read_bytes()
    os.symlink(nb, tmp_path / "link.ipynb")
    with pytest.raises(OSError):
        submission.read_bytes(tmp_path / "link.ipynb")
    os.mkfifo(tmp_path / "fifo.ipynb")
    with pytest.raises(ValueError, match="regular file"):
        submission.read_bytes(tmp_path / "fifo.ipynb")
    big = tmp_path / "big.ipynb"
    with open(big, "wb") as f:
        f.truncate(submission.MAX_NOTEBOOK_BYTES + 1)
    with pytest.raises(ValueError, match="larger than"):
        submission.read_bytes(big)


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"\xff\xfe not utf-8", "not UTF-8"),
        (b'{"cells": [', "not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"cells": [], "nbformat": 3}', "not a version-4"),
        (
            b'{"cells": [{"cell_type": "code"}], "nbformat": 4, "nbformat_minor": 5, "metadata": {}}',
            "not a valid",
        ),
    ],
)
def test_read_notebook_says_why_a_file_is_not_one(data, why):
    with pytest.raises(ValueError, match=why):
        submission.read_notebook(data)


def test_read_notebook_joins_sources_like_nbformat():
    text = nbformat.writes(release_notebook())  # on disk, sources are lists of lines
    assert any(isinstance(c["source"], list) for c in json.loads(text)["cells"])
    parsed = submission.read_notebook(text.encode())
    assert all(isinstance(c.source, str) for c in parsed.cells)


def _known():
    return submission.released_cells(release_notebook())


def test_preclean_restores_a_changed_cell_type_with_the_students_text(tmp_path):
    path = make_submission(tmp_path / "a.ipynb", correct_sources())
    nb = nbformat.read(path, as_version=4)
    target = next(
        i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == "append_bias"
    )
    text = nb.cells[target].source
    nb.cells[target] = nbformat.v4.new_markdown_cell(text, metadata=nb.cells[target].metadata)
    cleaned = submission.preclean(nb, _known())
    assert cleaned.cells[target].cell_type == "code" and cleaned.cells[target].source == text
    nbformat.validate(cleaned)


def test_preclean_drops_forged_and_repeated_metadata(tmp_path):
    nb = nbformat.read(make_submission(tmp_path / "a.ipynb"), as_version=4)
    test = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_linear_scores")
    forged = copy.deepcopy(test)
    forged.metadata["nbgrader"]["points"] = 100
    bonus = copy.deepcopy(test)
    bonus.metadata["nbgrader"]["grade_id"] = "test_bonus"
    odd = nbformat.v4.new_code_cell("x", metadata={"nbgrader": "not a dict"})
    nb.cells[2:2] = [forged, bonus, odd]
    cleaned = submission.preclean(nb, _known())
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in cleaned.cells]
    assert ids.count("test_linear_scores") == 1 and "test_bonus" not in ids
    assert all(c.metadata.get("nbgrader", {}).get("points", 0) <= 3 for c in cleaned.cells)
    assert "nbgrader" not in cleaned.cells[4].metadata


def test_released_cells_map_every_nbgrader_cell():
    known = _known()
    assert known["test_linear_scores"][0] == "code" and known["test_linear_scores"][1]["grade"]
    assert {gid for gid, (kind, meta) in known.items() if meta.get("solution")} >= set(correct_sources())
    assert ASSIGNMENT
