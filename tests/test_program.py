"""The program's own settings: made by ``advisor`` and ``python -m advisor``, never by
``import advisor``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
    "before_imports": seen["click"] == seen["advisor.cli"] == GC_THRESHOLD,
    "older_generations_unchanged": gc.get_threshold()[1:] == default[1:],
    "frozen": gc.get_freeze_count(),
    "code": code,
}), file=sys.stderr)
"""

LIBRARY = """
import gc, sys
default = gc.get_threshold()
import advisor, advisor.cli, advisor.engine, advisor.render
from advisor.rulebook import load_rulebook
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
