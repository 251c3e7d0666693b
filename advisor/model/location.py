"""Where something is in a source file: every error about a file carries one."""

from __future__ import annotations

import msgspec


class Location(msgspec.Struct, frozen=True, order=True):
    """A place in a source file; line and column are 1-based (0: the whole file)."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"
