"""Shared fixtures: an isolated cache root and the real data beside the project."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"

# One cache root per test session (per xdist worker), never the user's ~/.cache.
if "NASBENCH_KIT_TEST_HOME" not in os.environ:
    os.environ["NASBENCH_KIT_TEST_HOME"] = tempfile.mkdtemp(prefix="nbk-test-home-")
os.environ["NASBENCH_KIT_HOME"] = os.environ["NASBENCH_KIT_TEST_HOME"]


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the checkout; tests using it skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(
            f"real benchmark files not found at {SHARED_DATA} "
            "(the shared/ folder beside the checkout); skipping tests that need them"
        )
    return SHARED_DATA


def shared_file(rel: str) -> Path:
    """Path to one shared data file, or skip the test with the reason."""
    path = SHARED_DATA / rel
    if not path.exists():
        pytest.skip(f"shared data file {rel!r} not found beside the checkout ({path})")
    return path


@pytest.fixture(scope="session")
def shared_path():
    """Fixture form of :func:`shared_file`: ``shared_path("nb201/x.csv")``."""
    return shared_file
