"""Inputs that are not regular files, and folders too big to walk.

Every input file goes through one check (advisor.load.paths.read_capped): a named pipe,
a device or a socket is refused at once, unread, with one line and the surface's exit code;
nothing waits for a writer that never comes. A ``--rules`` folder is walked only up to the
limits, however many files it holds.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest
from clitools import advisor_process, run

from advisor.load.discover import MAX_ENTRIES, MAX_FILES
from advisor.load.resources import builtin_rules

pytestmark = pytest.mark.usefixtures("workdir")

NOT_A_FILE = "not a regular file (a named pipe, a device or a socket); give a file"

#: Every surface that reads a file given by name -> (argv, exit code).
SURFACES = {
    "--template": (["guide", "--defaults", "--template", "{p}", "-o", "out.md"], 2),
    "--answers": (["guide", "--defaults", "--answers", "{p}", "-o", "out.md"], 2),
    "--rules file": (["models", "--rules", "{p}"], 1),
    "rules validate": (["rules", "validate", "{p}"], 1),
    "--scores": (["models", "--scores", "{p}"], 1),
    "--since": (["guide", "--defaults", "--since", "{p}", "-o", "out.md"], 1),
    "diff --from": (["diff", "--from", "{p}", "--to", "{p}"], 1),
    "roster": (["batch", "{p}", "--out-dir", "."], 2),
    "leaderboard": (["scores", "import", "{p}", "-o", "out.yaml"], 2),
}


def suffix(surface: str) -> str:
    return {"--template": ".j2", "roster": ".csv", "leaderboard": ".csv"}.get(surface, ".yaml")


@pytest.mark.parametrize("surface", list(SURFACES))
def test_a_named_pipe_is_refused_without_waiting(surface: str) -> None:
    name = "pipe" + suffix(surface)
    os.mkfifo(name)
    argv, code = SURFACES[surface]
    # A real process: a read that waits for a writer would hang the test, not pass it.
    try:
        done = advisor_process(*(a.format(p=name) for a in argv), capture_output=True, timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{surface}: advisor waited on the named pipe")
    assert done.returncode == code, done.stderr
    assert done.stderr == f"advisor: error: {name}: {NOT_A_FILE}\n"
    assert not Path("out.md").exists() and not Path("out.yaml").exists()


def test_a_named_pipe_inside_a_rules_folder_given_by_name() -> None:
    shutil.copytree(builtin_rules(), "rules")
    os.mkfifo("rules/pipe.yaml")
    try:
        done = advisor_process(
            "models",
            "--rules",
            "rules",
            "--rules",
            "rules/pipe.yaml",
            capture_output=True,
            timeout=30,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("advisor waited on the named pipe")
    assert done.returncode == 1
    assert done.stderr == f"advisor: error: rules/pipe.yaml: {NOT_A_FILE}\n"


@pytest.mark.parametrize("surface", ["--answers", "--template", "roster"])
def test_a_socket_or_a_device_is_refused_too(surface: str) -> None:
    argv, code = SURFACES[surface]
    name = "sock" + suffix(surface)
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(name)
        for path in (name, "/dev/null"):
            result = run(*(a.format(p=path) for a in argv))
            assert result.exit_code == code, result.stderr
            assert result.stderr == f"advisor: error: {path}: {NOT_A_FILE}\n"


def counted_scandir(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the names every os.scandir in this process hands out."""
    seen = [0]
    real = os.scandir

    class Counting:
        def __init__(self, path: str) -> None:
            self.it = real(path)

        def __enter__(self) -> Counting:
            return self

        def __exit__(self, *exc: object) -> None:
            self.it.close()

        def __iter__(self) -> Counting:
            return self

        def __next__(self) -> os.DirEntry[str]:
            entry = next(self.it)
            seen[0] += 1
            return entry

        def close(self) -> None:
            self.it.close()

    monkeypatch.setattr(os, "scandir", Counting)
    return seen


@pytest.mark.parametrize("ext", [".yaml", ".txt"])
def test_a_huge_rules_folder_is_walked_only_to_the_limit(
    monkeypatch: pytest.MonkeyPatch, ext: str
) -> None:
    Path("huge").mkdir()
    for i in range(2 * MAX_ENTRIES):
        Path(f"huge/{i:05d}{ext}").touch()
    seen = counted_scandir(monkeypatch)
    result = run("models", "--rules", "huge")
    monkeypatch.undo()
    assert result.exit_code == 2, result.stderr
    if ext == ".yaml":
        assert result.stderr == (
            f"advisor: error: huge: rulebook has more than {MAX_FILES} files, the limit; "
            "point --rules at the rulebook's own folder\n"
        )
        assert seen[0] <= MAX_FILES + 1
    else:
        assert result.stderr == (
            f"advisor: error: huge: folder holds more than {MAX_ENTRIES:,} names; point "
            "--rules at the rulebook's own folder\n"
        )
        assert seen[0] <= MAX_ENTRIES + 1
