"""The program's own settings: made by ``advisor`` and ``python -m advisor``, never by
``import advisor``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PROBE = """
import gc, json, sys
default = gc.get_threshold()
seen = {}


class Watch:  # notes the threshold when each module is first imported
    def find_spec(self, name, path=None, target=None):
        seen.setdefault(name, gc.get_threshold()[0])
        return None


sys.meta_path.insert(0, Watch())
from advisor.__main__ import GC_THRESHOLD, main
sys.argv = ["advisor", *sys.argv[1:]]
code = None
try:
    main()
except SystemExit as exc:
    code = exc.code
print(json.dumps({
    "before_imports": seen["click"] == seen["advisor.cli.app"] == GC_THRESHOLD,
    "older_generations_unchanged": gc.get_threshold()[1:] == default[1:],
    "frozen": gc.get_freeze_count(),
    "code": code,
}), file=sys.stderr)
"""

LIBRARY = """
import gc, sys
default = gc.get_threshold()
import advisor, advisor.cli.app, advisor.evaluation.engine, advisor.rendering.templates
from advisor.load.rulebook import load_rulebook
load_rulebook()
print(gc.get_threshold() == default, gc.get_freeze_count() == 0)
"""


def probe(tmp_path: Path, *args: str) -> dict[str, object]:
    import json

    proc = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True,
                          cwd=tmp_path, stdin=subprocess.DEVNULL, check=False)
    return json.loads(proc.stderr.strip().splitlines()[-1])


def test_the_program_collects_garbage_less_often_from_the_start_and_freezes_before_exit(
    tmp_path: Path,
) -> None:
    got = probe(tmp_path, "guide", "--defaults", "-o", "g.md")
    assert got["before_imports"] and got["older_generations_unchanged"]
    assert got["frozen"] > 10_000  # what the run built is left out of the exit collections
    assert got["code"] == 0
    assert (tmp_path / "g.md").read_text(encoding="utf-8").startswith("# ")


def test_the_library_changes_no_collector_setting(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-c", LIBRARY], capture_output=True, text=True,
                          cwd=tmp_path, check=True)
    assert proc.stdout.split() == ["True", "True"]


def test_a_failing_command_still_exits_with_its_code(tmp_path: Path) -> None:
    got = probe(tmp_path, "guide", "--defaults", "--model", "nope", "-o", "g.md")
    assert got["code"] == 2 and got["frozen"] > 0
    assert not (tmp_path / "g.md").exists()


def test_output_is_complete_when_the_process_ends(tmp_path: Path) -> None:
    # A guard, end to end: frozen objects are not finalised by the exit collections,
    # so everything advisor writes must already be written and closed by then.
    proc = subprocess.run([sys.executable, "-m", "advisor", "guide", "--defaults", "-o", "-",
                           "--format", "json"], capture_output=True, text=True, cwd=tmp_path,
                          check=True)
    import json

    assert json.loads(proc.stdout)["roles"]
    proc = subprocess.run([sys.executable, "-m", "advisor", "rules", "export", "--format", "html",
                           "-o", "rules.html"], capture_output=True, text=True, cwd=tmp_path,
                          check=True)
    assert (tmp_path / "rules.html").read_text(encoding="utf-8").rstrip().endswith("</html>")


# The console script ends a successful run with os._exit, skipping the interpreter's
# teardown. The child notes on stderr when it ends that way.
ENDING = """
import os, sys
{setup}
quick_exit = os._exit


def noted_exit(code):
    os.write(2, b"quick exit\\n")
    quick_exit(code)


os._exit = noted_exit
sys.argv = ["advisor", *sys.argv[1:]]
from advisor.__main__ import program
program()
"""


def ending(tmp_path: Path, *args: str, setup: str = "") -> subprocess.CompletedProcess[str]:
    import os

    # Buffered standard streams, as a user has them (the test runner may set this).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    return subprocess.run([sys.executable, "-c", ENDING.format(setup=setup), *args],
                          capture_output=True, text=True, cwd=tmp_path, stdin=subprocess.DEVNULL,
                          timeout=120, check=False, env=env)


def test_a_successful_run_ends_without_tearing_down_the_interpreter(tmp_path: Path) -> None:
    proc = ending(tmp_path, "guide", "--defaults", "-o", "g.md")
    assert proc.returncode == 0, proc.stderr
    assert "quick exit" in proc.stderr
    assert proc.stdout.startswith("Wrote g.md: 4 roles")  # the summary was flushed first
    assert (tmp_path / "g.md").read_text(encoding="utf-8").startswith("# ")


def test_a_large_piped_output_is_whole_after_the_quick_end(tmp_path: Path) -> None:
    import json

    # A guard: nothing buffered in the process may be lost when it ends at once.
    proc = ending(tmp_path, "rules", "export", "--format", "json", "-o", "-")
    assert proc.returncode == 0, proc.stderr
    assert "quick exit" in proc.stderr
    assert len(proc.stdout) > 8192 and json.loads(proc.stdout)


def test_a_failing_run_exits_the_normal_way(tmp_path: Path) -> None:
    proc = ending(tmp_path, "guide", "--defaults", "--model", "nope", "-o", "g.md")
    assert proc.returncode == 2
    assert "quick exit" not in proc.stderr and "nope" in proc.stderr


def test_atexit_hooks_still_run(tmp_path: Path) -> None:
    # Coverage measurement, logging and temporary folders rely on atexit.
    setup = "import atexit; atexit.register(os.write, 2, b'atexit ran\\n')"
    proc = ending(tmp_path, "guide", "--defaults", "-o", "g.md", setup=setup)
    assert proc.returncode == 0, proc.stderr
    assert "atexit ran" in proc.stderr and "quick exit" not in proc.stderr


def test_a_tracer_or_profiler_gets_its_normal_exit(tmp_path: Path) -> None:
    for hook in ("sys.settrace(lambda *a: None)", "sys.setprofile(lambda *a: None)"):
        proc = ending(tmp_path, "guide", "--defaults", "--force", "-o", "g.md", setup=hook)
        assert proc.returncode == 0, proc.stderr
        assert "quick exit" not in proc.stderr, hook


def test_the_exit_waits_for_another_thread(tmp_path: Path) -> None:
    # The thread writes only once the main thread is done, so it is alive at the end.
    setup = (
        "import threading\n"
        "threading.Thread(target=lambda: (threading.main_thread().join(),"
        " os.write(2, b'thread done\\n'))).start()"
    )
    proc = ending(tmp_path, "guide", "--defaults", "-o", "g.md", setup=setup)
    assert proc.returncode == 0, proc.stderr
    assert "thread done" in proc.stderr and "quick exit" not in proc.stderr


def test_what_is_left_in_a_stream_buffer_is_flushed_before_the_quick_end(
    tmp_path: Path,
) -> None:
    # stderr is line-buffered and this command writes nothing more to it: the partial
    # line stays in the buffer until the program flushes it.
    setup = "sys.stderr.write('a partial line')"
    proc = ending(tmp_path, "guide", "--defaults", "-o", "g.md", setup=setup)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == "a partial linequick exit\n"


def test_pdb_gets_control_back_after_the_program(tmp_path: Path) -> None:
    # "continue" with no breakpoint removes pdb's tracer; pdb still reports the end.
    proc = subprocess.run([sys.executable, "-m", "pdb", "-m", "advisor", "rules", "validate"],
                          input="c\nq\n", capture_output=True, text=True, cwd=tmp_path,
                          timeout=120, check=False)
    assert "ok: builtin (6 files" in proc.stdout
    assert "The program exited via sys.exit(). Exit status: 0" in proc.stdout, proc.stdout


def test_cprofile_prints_its_report_after_the_program(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "cProfile", "-s", "cumtime", "-m", "advisor",
                           "guide", "--defaults", "-o", "g.md"], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "function calls" in proc.stdout and "Ordered by: cumulative time" in proc.stdout


def test_a_stream_that_cannot_be_flushed_is_left_to_the_normal_exit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import io

    from advisor import __main__ as program_module

    class Broken(io.StringIO):
        def flush(self) -> None:
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", Broken())
    assert program_module._flushed() is False
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    assert program_module._flushed() is True
