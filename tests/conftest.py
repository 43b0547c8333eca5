"""What every test folder shares: under xdist, the lectures and the site are made once per run."""

from __future__ import annotations

import os

import notebook_runner
import pytest


@pytest.fixture(scope="session", autouse=True)
def _lectures_made_once_per_run(tmp_path_factory):
    """Every xdist worker's base temporary folder lies in the run's own, which pytest cleans up."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        notebook_runner.share_in(tmp_path_factory.getbasetemp().parent / "lectures")
