"""Long output on a real terminal goes through less, which must draw colours rather than
show their escape codes (LESS=FRX when the user has not set LESS, as git does)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from termtools import Terminal


def _advisor(folder: Path, *args: str, **environ: str) -> Terminal:
    """``advisor ARGS`` in a terminal with colours and no pager settings of the test's own."""
    drop = ("LESS", "PAGER", "NO_COLOR", "FORCE_COLOR")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(environ)
    program = [sys.executable, "-m", "advisor", *args]
    return Terminal(folder, program=program, environ=env, colour=True)


@pytest.mark.parametrize("command", [["models"], ["rank"]])
def test_less_draws_colours_instead_of_escape_codes(tmp_path: Path, command: list[str]) -> None:
    """With PAGER and LESS unset, the listing is paged through less, which shows the bold
    headers as bold and no "ESC[" text."""
    term = _advisor(tmp_path, *command)
    # less waits for a key at the end of the first screen; whatever it drew by then is it.
    lines = term.shown(quiet=3)
    shown = "\n".join(lines)
    assert "ESC" not in shown and "\x1b" not in shown
    # The first screen is the start of the listing, drawn in colour: a bold header.
    header = next(i for i, line in enumerate(lines) if "Model" in line.split()[:2])
    column = lines[header].index("Model")
    assert term.screen.buffer[header][column].bold
    assert lines[-1].startswith(":")  # less's prompt: more than one screen, so paged
    term.send("q")
    status, _ = term.finish()
    assert status == 0


# The pager stands in for less and writes down the LESS it was given.
RECORDING_PAGER = "sh -c 'printf %s \"$LESS\" > less.txt; cat > /dev/null'"


@pytest.mark.parametrize(("given", "seen"), [(None, "FRX"), ("-S", "-S"), ("", "")])
def test_the_pager_gets_less_frx_unless_the_user_set_less(
    tmp_path: Path, given: str | None, seen: str
) -> None:
    environ = {"PAGER": RECORDING_PAGER} | ({} if given is None else {"LESS": given})
    status, _ = _advisor(tmp_path, "models", **environ).finish()
    assert status == 0
    assert (tmp_path / "less.txt").read_text(encoding="utf-8") == seen
