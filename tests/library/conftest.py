"""Shared fixtures for the library tests (library only: notebooks and grading keep their own)."""

import numpy as np
import pytest


@pytest.fixture
def rng() -> np.random.Generator:
    """A fresh, fixed-seed generator per test, so tests never depend on their order."""
    return np.random.default_rng(231)
