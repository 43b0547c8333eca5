"""What every test folder shares: under xdist, the lectures and the site are made once per run, and the
modules that take minutes start first."""

from __future__ import annotations

import os
from pathlib import Path

import notebook_runner
import pytest


@pytest.fixture(scope="session", autouse=True)
def _lectures_made_once_per_run(tmp_path_factory):
    """Every xdist worker's base temporary folder lies in the run's own, which pytest cleans up."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        notebook_runner.share_in(tmp_path_factory.getbasetemp().parent / "lectures")


#: The modules that take minutes (seconds on a quiet 2-core machine), longest first. `make test` hands
#: whole modules to its workers in the order they are collected (--dist loadscope
#: --no-loadscope-reorder); started last, one of these would run on alone while the others sit idle.
LONGEST_FIRST = (
    "assignments/test_assignments.py",  # 445
    "classroom/test_classroom_loop.py",  # 380
    "assignments/test_student_loop.py",  # 370
    "site/test_site_browser.py",  # 265
    "grader/test_cluster.py",  # 265
    "classroom/test_classroom_browser.py",  # 210
    "grader/test_batch.py",  # 135
    "grader/test_similarity.py",  # 130
    "grader/test_hostile.py",  # 120
    "bundle/test_student_bundle.py",  # 115
    "grader/test_installed.py",  # 105
    "grader/test_insight.py",  # 65
    "site/test_site.py",  # 65
    "grader/test_examples.py",  # 50
)


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    missing = [m for m in LONGEST_FIRST if not (here / m).is_file()]
    if missing:
        raise pytest.UsageError(f"tests/conftest.py LONGEST_FIRST names modules that do not exist: {missing}")
    rank = {str(here / m): i for i, m in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(str(item.path), len(rank)))  # stable: the rest keep their order
