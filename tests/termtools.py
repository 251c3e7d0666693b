"""A real pseudo-terminal for tests of the questionnaire (pexpect)."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pexpect
import pyte

CPR_REQUEST = "\x1b[6n"


class Terminal:
    """``advisor guide ARGS`` (or ``program``) in a pseudo-terminal of 30 lines and ``columns``
    columns, answered like a terminal emulator; without colours unless ``colour``.

    prompt_toolkit asks the terminal where the cursor is (a CPR request) and draws
    bottom toolbars, such as a checkbox's validation message, only once it knows;
    this wrapper answers every request (see :meth:`_report_cursor`).
    """

    def __init__(
        self,
        folder: Path,
        *args: str,
        program: list[str] | None = None,
        environ: dict[str, str] | None = None,
        colour: bool = False,
        columns: int = 100,
        real_cursor: bool = False,
    ) -> None:
        base = os.environ if environ is None else environ
        env = {
            k: v
            for k, v in base.items()
            if k not in ("SOURCE_DATE_EPOCH", "COLUMNS", "LINES", "PROMPT_TOOLKIT_NO_CPR")
        }
        env.update(TERM="xterm-256color")
        if not colour:
            env["NO_COLOR"] = "1"
        argv = program or [sys.executable, "-m", "advisor", "guide", *args]
        self.child = pexpect.spawn(
            argv[0],
            argv[1:],
            cwd=str(folder),
            env=env,
            dimensions=(30, columns),
            encoding="utf-8",
            codec_errors="replace",
            timeout=30,
        )
        self.real_cursor = real_cursor
        self.seen = ""
        # Everything the program drew, replayed on an emulated screen of the same size.
        self.screen = pyte.Screen(columns, 30)
        self.stream = pyte.Stream(self.screen)

    def expect(self, text: str | type, timeout: float = 30) -> str:
        """Wait for ``text`` (or pexpect.EOF); returns what came before it."""
        target = text if isinstance(text, type) else re.escape(text)
        before = ""
        while True:
            i = self.child.expect([re.escape(CPR_REQUEST), target], timeout=timeout)
            before += self.child.before
            self._draw(self.child.before, self.child.after)
            if i == 0:
                self._report_cursor()
                continue
            self.seen += before
            return before

    def _report_cursor(self) -> None:
        # By default the cursor is said to be at the top left: each prompt is then drawn
        # at the top, whatever scrolled before. With ``real_cursor``, where the emulated
        # screen has it, so that the answered lines of earlier prompts stay above.
        cursor = self.screen.cursor
        y, x = (cursor.y + 1, cursor.x + 1) if self.real_cursor else (1, 1)
        self.child.send(f"\x1b[{y};{x}R")

    def _draw(self, *parts: object) -> None:
        self.stream.feed("".join(p for p in parts if isinstance(p, str)))

    def shown(self, quiet: float = 1.0) -> list[str]:
        """The screen as the user sees it once the program has drawn nothing more for
        ``quiet`` seconds: one string per line, trailing blanks removed."""
        while True:
            i = self.child.expect([re.escape(CPR_REQUEST), pexpect.TIMEOUT], timeout=quiet)
            self._draw(self.child.before, self.child.after)
            if i == 1:
                return [line.rstrip() for line in self.screen.display]
            self._report_cursor()

    def send(self, keys: str) -> None:
        self.child.send(keys)

    def finish(self) -> tuple[int, str]:
        """Wait for the end: the exit status and everything printed since the last expect."""
        rest = self.expect(pexpect.EOF, timeout=60)
        self.child.close()
        assert self.child.signalstatus is None, f"killed by signal {self.child.signalstatus}"
        assert "Traceback" not in self.seen
        return self.child.exitstatus, rest
