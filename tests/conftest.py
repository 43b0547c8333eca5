"""What every test folder shares: under xdist, the lectures, the site and the classroom's environment are
made once per run, and the modules that take minutes start first."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import notebook_runner
import pytest
from losslab_grader import leftovers
from losslab_grader.classroom.client import STATE_PARENT

#: Where the classrooms of this run share one environment (setup --env), when they can run here (root).
CLASSROOM_ENV = "LOSSLAB_TEST_CLASSROOM_ENV"
_classroom_env = pytest.StashKey[Path]()


def pytest_configure(config):
    """In the run's main process (xdist's workers inherit its environment): a root-owned folder that
    every account can traverse, claimed, so that a killed run's is removed by the next one."""
    if hasattr(config, "workerinput") or os.geteuid() != 0 or not STATE_PARENT.is_dir():
        return
    for old in leftovers.abandoned(STATE_PARENT, "losslab-env-"):
        shutil.rmtree(old, ignore_errors=True)
    folder = leftovers.claim(Path(tempfile.mkdtemp(prefix="losslab-env-", dir=STATE_PARENT)))
    os.chmod(folder, 0o755)
    config.stash[_classroom_env] = folder
    os.environ[CLASSROOM_ENV] = str(folder / "env")


@pytest.fixture(scope="session")
def classroom_env() -> Path | None:
    """The environment this run's classrooms share (setup --env), or None: each builds its own."""
    env = os.environ.get(CLASSROOM_ENV)
    return Path(env) if env else None


def pytest_unconfigure(config):
    folder = config.stash.get(_classroom_env, None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def _lectures_made_once_per_run(tmp_path_factory):
    """Every xdist worker's base temporary folder lies in the run's own, which pytest cleans up."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        notebook_runner.share_in(tmp_path_factory.getbasetemp().parent / "lectures")


#: The modules that take minutes (the seconds each took in `make test` on a quiet 2-core machine), longest
#: first. `make test` hands whole modules to its workers in the order they are collected (--dist loadscope
#: --no-loadscope-reorder); started last, one of these would run on alone while the others sit idle.
LONGEST_FIRST = (
    "site/test_site_browser.py",  # 425
    "assignments/test_assignments.py",  # 400
    "classroom/test_classroom_loop.py",  # 375
    "grader/test_cluster.py",  # 250
    "assignments/test_student_loop.py",  # 225
    "classroom/test_classroom_browser.py",  # 155
    "grader/test_hostile.py",  # 145
    "grader/test_batch.py",  # 140
    "grader/test_similarity.py",  # 120
    "bundle/test_student_bundle.py",  # 115
    "grader/test_installed.py",  # 110
    "site/test_site.py",  # 65
    "grader/test_examples.py",  # 55
    "grader/test_insight.py",  # 50
    "grader/test_behaviours.py",  # 50
    "grader/test_rootless.py",  # 45
)


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    missing = [m for m in LONGEST_FIRST if not (here / m).is_file()]
    if missing:
        raise pytest.UsageError(f"tests/conftest.py LONGEST_FIRST names modules that do not exist: {missing}")
    rank = {str(here / m): i for i, m in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(str(item.path), len(rank)))  # stable: the rest keep their order
