"""The ``advisor`` program (``python -m advisor``, the console script): exit codes and
complete output, as a user's shell sees them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def advisor(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "advisor", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )


def test_a_successful_run_writes_its_file_and_summary(tmp_path: Path) -> None:
    proc = advisor(tmp_path, "guide", "--defaults", "-o", "g.md")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Wrote g.md: 4 roles")
    assert (tmp_path / "g.md").read_text(encoding="utf-8").startswith("# ")


def test_a_failing_command_exits_with_its_code_and_writes_nothing(tmp_path: Path) -> None:
    proc = advisor(tmp_path, "guide", "--defaults", "--model", "nope", "-o", "g.md")
    assert proc.returncode == 2
    assert "nope" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "g.md").exists()


def test_output_is_complete_when_the_process_ends(tmp_path: Path) -> None:
    proc = advisor(tmp_path, "guide", "--defaults", "-o", "-", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["roles"]
    proc = advisor(tmp_path, "rules", "export", "--format", "json", "-o", "-")
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout) > 8192 and json.loads(proc.stdout)  # more than one pipe buffer
    proc = advisor(tmp_path, "rules", "export", "--format", "html", "-o", "rules.html")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "rules.html").read_text(encoding="utf-8").rstrip().endswith("</html>")


def test_pdb_gets_control_back_after_the_program(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pdb", "-m", "advisor", "rules", "validate"],
        input="c\nq\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert "ok: builtin (6 files" in proc.stdout
    assert "The program exited via sys.exit(). Exit status: 0" in proc.stdout, proc.stdout
