"""The package keeps its layers (the contract is [tool.importlinter] in pyproject.toml):
cli > verify > rendering > evaluation > text > load > model; a module imports only from
its own layer or lower ones."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def lint_imports() -> list[str]:
    """The lint-imports command of this environment's Python (the test extra installs it)."""
    found = shutil.which("lint-imports", path=os.path.dirname(sys.executable))
    assert found, "lint-imports is missing: install the test extra (pip install -e '.[test]')"
    return [found]


def test_the_layers_contract_is_kept() -> None:
    proc = subprocess.run(
        [*lint_imports(), "--no-cache"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert "Contracts: 1 kept, 0 broken." in proc.stdout, proc.stdout + proc.stderr
    assert proc.returncode == 0, proc.stdout + proc.stderr
