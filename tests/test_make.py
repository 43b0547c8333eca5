"""The Makefile: every target in `make help`, and ARGS passed on as words, never as shell or make text."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def test_every_target_is_in_help():
    targets = set()
    for mk in (ROOT / "Makefile", ROOT / "classroom" / "classroom.mk"):
        targets |= set(re.findall(r"^([a-z][a-z-]+):", mk.read_text(), re.M))
    helped = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True).stdout
    listed = {line.split("\t")[0] for line in helped.splitlines()}
    assert targets <= listed, f"targets missing from `make help`: {sorted(targets - listed)}"


def test_args_reach_the_command_as_words(tmp_path):
    marks = [tmp_path / f"pwned{i}" for i in range(4)]
    hostile = (
        f'"; touch {marks[0]}; " $(shell touch {marks[1]}) `touch {marks[2]}` $$(touch {marks[3]}) '
        "'two words'"
    )
    res = subprocess.run(
        ["make", "-s", "grade", f"ARGS={hostile}"], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert res.returncode != 0  # losslab-grade refuses these arguments, and says which it got
    assert "two words" in res.stderr  # quoted words stay one argument
    assert not [m for m in marks if m.exists()], "a shell or make ran text from ARGS"
