"""Suite-wide settings."""

from __future__ import annotations

import os
import tempfile


def pytest_configure(config):
    # Keep the rulebook cache of test runs (and of the CLI subprocesses they
    # start, which inherit the environment) out of the user's ~/.cache.
    if "ADVISOR_CACHE_DIR" not in os.environ:
        os.environ["ADVISOR_CACHE_DIR"] = tempfile.mkdtemp(prefix="advisor-test-cache-")
