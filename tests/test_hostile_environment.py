"""Faults of the environment rather than of a file: a working folder deleted before the run
or unreadable, a cache folder that vanishes while advisor runs. Every command answers with
one line and a documented exit code, never a traceback.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from clitools import HANG_TIMEOUT, child_env

pytestmark = pytest.mark.usefixtures("workdir")

#: Every command, with arguments that need no file of the working folder.
COMMANDS = [
    ["models"],
    ["compare", "gpt-5.5"],
    ["explain", "--role", "mle", "--model", "gpt-5.5", "--stage", "model-selection"],
    ["schema"],
    ["guide", "--defaults", "-o", "-"],
    ["guide", "--defaults"],
    ["batch", "roster.csv", "--out-dir", "out"],
    ["diff", "--model-from", "gpt-5.4", "--model-to", "gpt-5.5"],
    ["rules", "validate"],
    ["rules", "lint"],
    ["rules", "test"],
    ["rules", "export"],
    ["scores", "import", "board.csv"],
    ["init", "acme"],
]
GONE = "advisor: error: the working folder no longer exists; cd to an existing folder\n"


def in_deleted_folder(argv: list[str]) -> subprocess.CompletedProcess[str]:
    """advisor ARGV started in a folder that was removed just before."""
    Path("doomed").mkdir()
    script = 'cd doomed && rmdir ../doomed && exec "$0" -m advisor "$@"'
    return subprocess.run(
        ["sh", "-c", script, sys.executable, *argv],
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=HANG_TIMEOUT,
    )


@pytest.mark.parametrize("argv", COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_a_deleted_working_folder_is_one_line_and_exit_2(argv: list[str]) -> None:
    done = in_deleted_folder(argv)
    assert (done.returncode, done.stderr) == (2, GONE)
    assert done.stdout == ""


def test_an_unreadable_working_folder(tmp_path: Path) -> None:
    # Folder modes bind root only through another user: run as nobody when root.
    top = Path(tempfile.mkdtemp(prefix="advisor-unreadable-"))
    try:
        top.chmod(0o711)
        locked = top / "locked"
        locked.mkdir(mode=0o700)
        locked.chmod(0o000)
        prefix: list[str] = []
        if os.getuid() == 0:
            if shutil.which("setpriv") is None:
                pytest.skip("as root this needs setpriv to run advisor as another user")
            prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        env = {**child_env(), "ADVISOR_CACHE_DIR": str(top / "cache"), "HOME": str(top)}
        for argv, code in (
            (["models"], 0),
            (["guide", "--defaults", "-o", "-"], 0),
            (["guide", "--defaults"], 1),
            (["rules", "validate"], 0),
            (["scores", "import", "board.csv"], 2),
        ):
            done = subprocess.run(
                [*prefix, sys.executable, "-m", "advisor", *argv],
                cwd=locked,
                env=env,
                capture_output=True,
                text=True,
                timeout=HANG_TIMEOUT,
            )
            assert done.returncode == code, (argv, done.stderr)
            assert "Traceback" not in done.stderr
            if code:
                assert done.stderr.count("\n") == 1 and done.stderr.startswith("advisor: error: ")
    finally:
        (top / "locked").chmod(0o700)
        shutil.rmtree(top)


#: Runs advisor with the cache folder removed (or made a file) just before the first parse.
VANISH = """\
import functools, os, shutil, sys
from advisor.load import cache
how = sys.argv[1]
real = cache.load_yaml_bytes
@functools.wraps(real)
def vanish(*args, **kwargs):
    folder = os.environ["ADVISOR_CACHE_DIR"]
    shutil.rmtree(folder, ignore_errors=True)
    if how == "file":
        open(folder, "w").close()
    return real(*args, **kwargs)
cache.load_yaml_bytes = vanish
sys.argv = ["advisor", *sys.argv[2:]]
from advisor.cli.app import main
main()
"""


@pytest.mark.parametrize("how", ["gone", "file"])
def test_a_cache_folder_that_vanishes_mid_run(tmp_path: Path, how: str) -> None:
    Path("vanish.py").write_text(VANISH)
    env = {**child_env(), "ADVISOR_CACHE_DIR": str(tmp_path / "cache")}
    for argv in (["guide", "--defaults", "-o", "G.md"], ["rules", "validate"]):
        done = subprocess.run(
            [sys.executable, "vanish.py", how, *argv],
            env=env,
            capture_output=True,
            text=True,
            timeout=HANG_TIMEOUT,
        )
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr
    assert Path("G.md").read_text(encoding="utf-8").startswith("# ML team")
