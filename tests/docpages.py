"""Read the README and the pages under docs/: their sections and fenced code blocks.

The documentation tests run what these return: shell examples, transcripts and example
files shown in a page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
EXAMPLES = ROOT / "examples"

#: A fence's info string: the language, then attributes such as title="examples/x.yaml".
FENCE = re.compile(r"^(?P<fence>```+)(?P<lang>[\w-]*)(?P<attrs>.*)$")
TITLE = re.compile(r'title="(?P<title>[^"]+)"')
#: The one way to keep a shell block out of the example run, on the line before its fence.
NOT_RUN = re.compile(r"^<!-- not run: (?P<why>.+?) -->$")


def pages() -> list[Path]:
    """The README and every Markdown page of the documentation site."""
    return [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]


def page_id(path: Path) -> str:
    """The name a test shows for a page: README.md or docs/NAME.md."""
    return str(path.relative_to(ROOT))


@dataclass(frozen=True)
class Block:
    """One fenced code block of a page."""

    page: Path
    line: int  # of the opening fence, 1-based
    lang: str
    title: str
    text: str
    not_run: str  # why a shell block is not run; empty when it is

    def where(self) -> str:
        """``docs/x.md:LINE``, for assertion messages."""
        return f"{page_id(self.page)}:{self.line}"


def blocks(page: Path) -> list[Block]:
    """The fenced code blocks of ``page`` in order (fences inside a block do not count)."""
    found: list[Block] = []
    lines = page.read_text(encoding="utf-8").splitlines(keepends=True)
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i].rstrip("\n"))
        if not match:
            i += 1
            continue
        start, fence = i, match["fence"]
        i += 1
        body: list[str] = []
        while i < len(lines) and lines[i].rstrip("\n") != fence:
            body.append(lines[i])
            i += 1
        i += 1
        title = TITLE.search(match["attrs"])
        before = NOT_RUN.match(lines[start - 1].strip()) if start else None
        found.append(
            Block(
                page=page,
                line=start + 1,
                lang=match["lang"],
                title=title["title"] if title else "",
                text="".join(body),
                not_run=before["why"] if before else "",
            )
        )
    return found


def section(page: Path, heading: str) -> str:
    """The text of the section of ``page`` whose heading (any level) starts with ``heading``.

    The section ends at the next heading of the same or a higher level; headings inside
    fenced code blocks (example guides) do not count.
    """
    found: list[str] | None = None
    level = 0
    fenced = False
    for line in page.read_text(encoding="utf-8").splitlines(keepends=True):
        if line.startswith("```"):
            fenced = not fenced
        hashes = len(line) - len(line.lstrip("#"))
        is_heading = not fenced and 0 < hashes <= 6 and line[hashes : hashes + 1] == " "
        if is_heading and found is not None and hashes <= level:
            break
        if is_heading and found is None and line[hashes + 1 :].startswith(heading):
            found, level = [], hashes
        if found is not None:
            found.append(line)
    if found is None:
        raise LookupError(f"{page_id(page)} has no section '{heading}'")
    return "".join(found)


def code(page: Path, lang: str, containing: str) -> str:
    """The one ``lang`` block of ``page`` that contains ``containing``."""
    [block] = [b.text for b in blocks(page) if b.lang == lang and containing in b.text]
    return block
