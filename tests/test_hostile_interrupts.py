"""Ctrl-C and ``kill`` at the worst moments: during a question, while the guide is
rendered, while it is written to disk, while a batch writes many guides.

Exit 130 after SIGINT, 143 after SIGTERM, 129 after SIGHUP, 131 after SIGQUIT (128 + the
signal's number); an existing guide is left exactly as
it was, a new one does not appear, and no temporary file is left behind. Slow
disks and slow rendering are simulated by running advisor through a small
wrapper that patches one function to wait (and drop a marker file so the test
knows when to strike).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

if sys.platform == "win32":  # pragma: no cover
    pytest.skip("signals and pseudo-terminals need a POSIX system", allow_module_level=True)

pexpect = pytest.importorskip("pexpect")
from termtools import Terminal  # noqa: E402  (after the pexpect check)

OLD = "# The team's current guide\n\nhand-edited, must survive\n"
SIGNALS = [
    ("SIGINT", 130, "interrupted"),
    ("SIGTERM", 143, "terminated"),
    ("SIGHUP", 129, "hung up"),  # the terminal closed, or a job runner stopped the job
    ("SIGQUIT", 131, "quit"),
]

#: Runs advisor with one function made slow; it drops MARKER when the slow part starts.
WRAPPER = """\
import functools, importlib, sys, time

module_name, attr = sys.argv[1].rsplit(":", 1)
after, seconds = (int(x) for x in sys.argv[2].split("/"))
module = importlib.import_module(module_name)
real = getattr(module, attr)
calls = []

@functools.wraps(real)
def slow(*args, **kwargs):
    calls.append(1)
    if len(calls) > after:
        open("MARKER", "w").close()
        time.sleep(seconds)
    return real(*args, **kwargs)

setattr(module, attr, slow)
sys.argv = ["advisor", *sys.argv[3:]]
from advisor.cli.app import main
main()
"""


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    out.update(
        NO_COLOR="1", SOURCE_DATE_EPOCH="1777777777", ADVISOR_CACHE_DIR=str(tmp_path / ".cache")
    )
    return out


def tmp_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.name.endswith(".tmp"))


def _terminal_signals() -> None:
    signums = (signal.SIGINT, signal.SIGQUIT, signal.SIGHUP, signal.SIGTERM)
    for signum in signums:
        signal.signal(signum, signal.SIG_DFL)
    # A child inherits the signal mask of the thread that starts it, and keeps it across
    # exec: a signal blocked there would never reach advisor.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, signums)


def strike(
    tmp_path: Path,
    env: dict[str, str],
    slow: str,
    after: int,
    signame: str,
    *args: str,
    seconds: int = 60,
) -> subprocess.CompletedProcess[str]:
    """Run advisor with ``slow`` (module:function) stalling ``seconds`` on each call after
    the first ``after``; send ``signame`` once it stalls."""
    (tmp_path / "wrapper.py").write_text(WRAPPER)
    proc = subprocess.Popen(
        [sys.executable, "wrapper.py", slow, f"{after}/{seconds}", *args],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # As from a terminal: a test run started in the background (a CI job, 'cmd &')
        # passes SIGINT down ignored, and Python then keeps ignoring it, as it should.
        preexec_fn=_terminal_signals,
    )
    deadline = time.monotonic() + 60
    while not (tmp_path / "MARKER").exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "never reached the slow part"
        time.sleep(0.02)
    proc.send_signal(getattr(signal, signame))
    out, err = proc.communicate(timeout=60)
    (tmp_path / "MARKER").unlink()
    (tmp_path / "wrapper.py").unlink()
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@pytest.mark.parametrize(("signame", "code", "word"), SIGNALS)
def test_signal_while_the_guide_is_written_keeps_the_old_guide(
    tmp_path: Path, env: dict[str, str], signame: str, code: int, word: str
) -> None:
    (tmp_path / "GUIDE.md").write_text(OLD)
    done = strike(
        tmp_path, env, "os:fsync", 0, signame, "guide", "--defaults", "-o", "GUIDE.md", "--force"
    )
    assert done.returncode == code, done.stderr
    assert done.stderr.endswith(f"advisor: {word}; nothing was written\n")
    assert "Traceback" not in done.stderr
    assert (tmp_path / "GUIDE.md").read_text() == OLD
    assert tmp_files(tmp_path) == []


@pytest.mark.parametrize(("signame", "code", "word"), SIGNALS)
def test_signal_while_the_answers_are_saved_after_the_guide(
    tmp_path: Path, env: dict[str, str], signame: str, code: int, word: str
) -> None:
    (tmp_path / "answers.yaml").write_text("team: old\n")
    # The first fsync is the guide's; the second, the answers file's, stalls.
    done = strike(
        tmp_path,
        env,
        "os:fsync",
        1,
        signame,
        "guide",
        "--defaults",
        "-o",
        "NEW.md",
        "--save-answers",
        "answers.yaml",
        "--force",
    )
    assert done.returncode == code, done.stderr
    assert done.stderr.endswith(
        f"advisor: {word}; NEW.md was written whole; nothing else was written\n"
    )
    assert (tmp_path / "answers.yaml").read_text() == "team: old\n"
    assert (tmp_path / "NEW.md").read_text(encoding="utf-8").startswith("# ML team")
    assert tmp_files(tmp_path) == []


@pytest.mark.parametrize(("signame", "code", "word"), SIGNALS)
def test_signal_while_the_guide_is_rendered(
    tmp_path: Path, env: dict[str, str], signame: str, code: int, word: str
) -> None:
    (tmp_path / "GUIDE.md").write_text(OLD)
    done = strike(
        tmp_path,
        env,
        "advisor.rendering.guide:render",
        0,
        signame,
        "guide",
        "--defaults",
        "-o",
        "GUIDE.md",
        "--force",
    )
    assert done.returncode == code, done.stderr
    assert done.stderr.endswith(f"advisor: {word}; nothing was written\n")
    assert (tmp_path / "GUIDE.md").read_text() == OLD
    assert tmp_files(tmp_path) == []


@pytest.mark.parametrize(("signame", "code", "word"), SIGNALS)
def test_signal_while_a_scores_file_is_imported(
    tmp_path: Path, env: dict[str, str], signame: str, code: int, word: str
) -> None:
    (tmp_path / "board.csv").write_text(
        "benchmark,agent,model,score,date,source\nmle-bench,A,m1,40,2026-01,s\n"
    )
    (tmp_path / "scores.yaml").write_text("models: []\n")
    done = strike(
        tmp_path,
        env,
        "os:fsync",
        0,
        signame,
        "scores",
        "import",
        "board.csv",
        "-o",
        "scores.yaml",
        "--force",
    )
    assert done.returncode == code, done.stderr
    assert f"advisor: {word}" in done.stderr
    assert (tmp_path / "scores.yaml").read_text() == "models: []\n"
    assert tmp_files(tmp_path) == []


@pytest.mark.parametrize(("signame", "code", "word"), SIGNALS)
def test_signal_in_the_middle_of_a_batch_leaves_only_whole_guides(
    tmp_path: Path, env: dict[str, str], signame: str, code: int, word: str
) -> None:
    teams = [f"Team {i}" for i in range(40)]
    (tmp_path / "roster.csv").write_text("team,model\n" + "".join(f"{t},gpt-5.5\n" for t in teams))
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "team-39.md").write_text(OLD)
    # A slow disk: every write after the fifth takes two seconds; the writes that are
    # under way when the signal comes finish (each is atomic), the queued ones do not start.
    done = strike(
        tmp_path,
        env,
        "os:fsync",
        5,
        signame,
        "batch",
        "roster.csv",
        "--out-dir",
        "out",
        "--force",
        seconds=2,
    )
    assert done.returncode == code, done.stderr
    assert done.stderr.endswith(
        f"advisor: {word}; the guides already written are complete; the others were not written\n"
    )
    assert tmp_files(tmp_path) == []
    written = sorted((tmp_path / "out").iterdir())
    assert 5 <= len(written) < 40
    for path in written:
        text = path.read_text(encoding="utf-8")
        assert text == OLD or (text.startswith("# Team ") and text.endswith("\n")), path
    assert (tmp_path / "out" / "team-39.md").read_text() == OLD


# --------------------------------------------------------------------------- in a terminal


@pytest.mark.parametrize(
    ("how", "signame", "code", "word"),
    [
        ("keyboard", "SIGINT", 130, "interrupted"),
        ("kill", "SIGINT", 130, "interrupted"),
        ("kill", "SIGTERM", 143, "terminated"),
        ("kill", "SIGHUP", 129, "hung up"),
    ],
)
def test_interrupting_the_questionnaire_keeps_the_old_guide(
    tmp_path: Path, env: dict[str, str], how: str, signame: str, code: int, word: str
) -> None:
    (tmp_path / "GUIDE.md").write_text(OLD)
    (tmp_path / "answers.yaml").write_text("team: old\n")
    child = Terminal(
        tmp_path,
        "-o",
        "GUIDE.md",
        "--save-answers",
        "answers.yaml",
        "--force",
        "--team",
        "Fraud",
        environ=env,
    )
    child.expect("Which roles are in the team?")
    if how == "keyboard":
        child.send("\x03")
    else:
        child.child.kill(getattr(signal, signame))
    status, rest = child.finish()
    assert status == code
    assert f"advisor: {word}; nothing was written" in rest
    assert "Traceback" not in rest
    assert (tmp_path / "GUIDE.md").read_text() == OLD
    assert (tmp_path / "answers.yaml").read_text() == "team: old\n"
    assert tmp_files(tmp_path) == []
