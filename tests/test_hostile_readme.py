"""docs/exit-codes.md: the exit codes, error kinds and input limits say what the code does."""

from __future__ import annotations

import re

import docpages
import pytest

from advisor import errors
from advisor.load import leaderboard, rulebook, yamlsource
from advisor.rendering import templates as render
from advisor.text import sandbox


def section() -> str:
    return docpages.section(docpages.DOCS / "exit-codes.md", "Exit codes")


def table_after(heading: str) -> list[list[str]]:
    """The rows (cells stripped, header and rule left out) of the table under ``heading``."""
    text = section()
    lines = text[text.index(heading) :].splitlines()
    first = next(i for i, ln in enumerate(lines) if ln.startswith("|"))
    rows = []
    for line in lines[first + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]])
    return rows


def test_every_exit_code_is_documented_once() -> None:
    codes = [int(row[0]) for row in table_after("## Exit codes")]
    constants = sorted(v for k, v in vars(errors).items() if k.startswith("EXIT_"))
    assert sorted(codes) == constants


@pytest.mark.parametrize("row", table_after("### Error kinds"), ids=lambda r: r[0])
def test_every_error_kind_has_its_documented_exit_code(row: list[str]) -> None:
    kind = getattr(errors, row[0].strip("`"))
    assert issubclass(kind, errors.AdvisorError)
    assert kind.exit_code == int(row[1])


def test_every_error_kind_is_documented() -> None:
    documented = {row[0].strip("`") for row in table_after("### Error kinds")}
    kinds = {
        name
        for name, value in vars(errors).items()
        if isinstance(value, type)
        and issubclass(value, errors.AdvisorError)
        and value is not errors.AdvisorError
    }
    assert documented == kinds


def test_the_limits_are_the_code_s() -> None:
    text = " ".join(" ".join(row) for row in table_after("### Limits on input"))
    for needle in (
        f"{yamlsource.MAX_BYTES // 2**20} MB",
        f"{yamlsource.MAX_NODES:,} values",
        f"{yamlsource.MAX_DEPTH} levels",
        f"{rulebook.MAX_FILES} files",
        f"{render.MAX_TEMPLATE_BYTES // 2**20} MB",
        f"{sandbox.MAX_SECONDS:g} s of wall-clock time (`{sandbox.TIMEOUT_VARIABLE}`)",
        f"{sandbox.MAX_MEMORY // 2**20} MB of memory",
        f"{sandbox.MAX_OUTPUT:,} characters of output",
        f"{leaderboard.MAX_BYTES // 2**20} MB",
    ):
        assert needle in text, needle
    assert f"the first {rulebook.MAX_SHOWN}" in section()
    assert f"{errors.MAX_MESSAGE:,} characters" in section()
