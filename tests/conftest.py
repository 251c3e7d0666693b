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


#: A cache folder a test would leave in the repository (a child advisor started in the
#: repository's folder with a relative ADVISOR_CACHE_DIR); it must never appear.
STRAY_CACHE = Path(__file__).resolve().parent.parent / ".cache"


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[_stray_key] = STRAY_CACHE.exists()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not session.config.stash.get(_stray_key, True) and STRAY_CACHE.exists():
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        print(f"\nerror: a test wrote {STRAY_CACHE} into the repository; run it in tmp_path")


_stray_key = pytest.StashKey[bool]()


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder of the test's own as the working folder, with its own rulebook cache.

    Modules whose every test needs it say ``pytestmark = pytest.mark.usefixtures("workdir")``.
    """
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(tmp_path / ".cache"))
    return tmp_path
