"""Suite-wide settings and shared fixtures."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest


def pytest_configure(config: pytest.Config) -> None:
    # Keep the rulebook cache of test runs (and of the CLI subprocesses they
    # start, which inherit the environment) out of the user's ~/.cache.
    if "ADVISOR_CACHE_DIR" not in os.environ:
        os.environ["ADVISOR_CACHE_DIR"] = tempfile.mkdtemp(prefix="advisor-test-cache-")
    # The tests name their rulebooks and scores themselves; a user's defaults must not leak in.
    for name in ("ADVISOR_RULES", "ADVISOR_SCORES"):
        os.environ.pop(name, None)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder of the test's own as the working folder, with its own rulebook cache.

    Modules whose every test needs it say ``pytestmark = pytest.mark.usefixtures("workdir")``.
    """
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(tmp_path / ".cache"))
    return tmp_path
