"""Read the README by its level-2 sections, for tests that check what it says."""

from __future__ import annotations

from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_section(heading: str) -> str:
    """The text of the ``## `` section whose heading starts with ``heading``.

    Headings inside fenced code blocks (example guides) do not count.
    """
    found: list[str] | None = None
    fenced = False
    for line in README.read_text(encoding="utf-8").splitlines(keepends=True):
        if line.startswith("```"):
            fenced = not fenced
        if not fenced and line.startswith("## "):
            if found is not None:
                break
            if line[3:].startswith(heading):
                found = []
        if found is not None:
            found.append(line)
    if found is None:
        raise LookupError(f"README has no section '## {heading}'")
    return "".join(found)
