"""Size and shape attacks: over-size files, alias bombs, deep nesting, huge values.

The bombs run advisor in a subprocess under an address-space limit of 500 MB
and a timeout, as a user's shell would: a bomb must end in a located error,
quickly, without a MemoryError or a hang. The other tests check that long
values and odd characters never turn an error line into a flood or a
terminal escape sequence.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import Result
from clitools import BOMB, TOO_MANY, YAML_SURFACES, limited, run

from advisor.errors import MAX_MESSAGE
from advisor.load import yamlsource

#: Each test runs in its own folder, with its own rulebook cache (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("workdir")

HOSTILE = Path(__file__).parent / "fixtures" / "hostile_inputs"


# --------------------------------------------------------------------------- alias bombs


@pytest.mark.parametrize("surface", list(YAML_SURFACES))
@pytest.mark.parametrize(
    ("bomb", "where"),
    [("billion_laughs.yaml", "7:16"), ("merge_bomb.yaml", "7:12")],
)
def test_alias_bomb_fails_fast_in_bounded_memory(surface: str, bomb: str, where: str) -> None:
    argv, code = YAML_SURFACES[surface]
    Path(bomb).write_bytes((HOSTILE / bomb).read_bytes())
    proc = limited(*argv(bomb))
    assert proc.returncode == code, proc.stderr
    assert proc.stderr == f"advisor: error: {bomb}:{where}: {BOMB}\n"
    assert proc.stdout == ""
    assert not Path("out.md").exists() and not Path("out.yaml").exists()


def test_a_document_just_under_the_node_limit_loads_in_bounded_memory() -> None:
    Path("near.yaml").write_bytes((HOSTILE / "near_limit.yaml").read_bytes())
    proc = limited("guide", "--defaults", "--answers", "near.yaml", "-o", "out.md")
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == (
        "advisor: error: no question 'a0' (in near.yaml:3:5); questions: team, roles, stages, "
        "model, baseline\n"
    )


def flat_list(n: int) -> str:
    return "roles: [" + ", ".join(["x"] * n) + "]\n"


def test_a_flat_list_just_under_the_node_limit_loads_in_bounded_memory() -> None:
    Path("flat.yaml").write_text(flat_list(yamlsource.MAX_NODES - 10))
    proc = limited("guide", "--defaults", "--answers", "flat.yaml", "-o", "out.md")
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert proc.stderr == (
        "advisor: error: question 'roles' (from flat.yaml:1:9): unknown value 'x'; allowed: "
        "data-scientist, ml-engineer, tech-lead, student\n"
    )


def test_a_flat_list_over_the_node_limit_is_refused_before_it_is_built() -> None:
    Path("flat.yaml").write_text(flat_list(yamlsource.MAX_NODES + 10))
    proc = limited("guide", "--defaults", "--answers", "flat.yaml", "-o", "out.md")
    assert proc.returncode == 2
    assert proc.stderr.startswith("advisor: error: flat.yaml:1:")
    assert proc.stderr.endswith(f"{TOO_MANY}\n")  # no alias: not called a bomb


def test_a_rulebook_with_a_quarter_million_invalid_items_fails_in_bounded_memory() -> None:
    # Each pydantic error costs about a kilobyte: all 250,000 would not fit.
    Path("flat.yaml").write_text(flat_list(yamlsource.MAX_NODES - 10))
    proc = limited("rules", "validate", "flat.yaml")
    assert proc.returncode == 1, proc.stderr[-2000:]
    lines = proc.stderr.splitlines()
    assert lines[0] == (
        "advisor: error: flat.yaml:1:9: roles.0: expected a mapping (key: value), got 'x'"
    )
    assert len(lines) == 101
    assert lines[-1] == (
        "advisor: error: ... and about 249890 more problems; fix these first and check again"
    )


# --------------------------------------------------------------------------- size limits


@pytest.mark.parametrize("surface", list(YAML_SURFACES))
def test_file_over_the_size_limit_is_refused_unread(surface: str) -> None:
    argv, code = YAML_SURFACES[surface]
    with open("big.yaml", "w") as f:
        f.write("team: " + "x" * (6 * 1024 * 1024) + "\n")
    result = run(*argv("big.yaml"))
    assert result.exit_code == code
    assert result.stderr == "advisor: error: big.yaml: file is 6.0 MB, over the 5 MB limit\n"
    assert not Path("out.md").exists() and not Path("out.yaml").exists()


def test_endless_device_is_refused_unread() -> None:
    # /dev/zero never ends: like every file that is not a regular file, it is not read.
    result = run("guide", "--defaults", "--answers", "/dev/zero", "-o", "out.md")
    assert result.exit_code == 2
    assert result.stderr == (
        "advisor: error: /dev/zero: not a regular file (a named pipe, a device or a socket); "
        "give a file\n"
    )
    assert not Path("out.md").exists()


def test_template_over_the_size_limit() -> None:
    Path("t.j2").write_text("{{ team }}" + " " * (1024 * 1024) + "\n")
    result = run("guide", "--defaults", "--template", "t.j2", "-o", "out.md")
    assert result.exit_code == 2
    assert result.stderr == "advisor: error: t.j2: template is over the 1024 KiB limit\n"
    assert not Path("out.md").exists()


def test_csv_leaderboard_over_the_size_limit() -> None:
    with open("board.csv", "w") as f:
        f.write("benchmark,model,score,date,source\n")
        f.write("mle-bench,m,1,2026,s\n" * 300_000)
    result = run("scores", "import", "board.csv", "-o", "out.yaml")
    assert result.exit_code == 2
    assert result.stderr == "advisor: error: board.csv: file is 6.0 MB, over the 5 MB limit\n"
    assert not Path("out.yaml").exists()


# --------------------------------------------------------------------------- nesting


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("team: " + "[" * 200_000 + "]" * 200_000 + "\n", "1:70"),
        ("team: " + "{a: " * 5_000 + "1" + "}" * 5_000 + "\n", "1:259"),
        ("".join(" " * i + f"k{i}:\n" for i in range(200)) + " " * 200 + "x\n", "65:65"),
        ("a: &a " + "[" * 40 + "]" * 40 + "\nb: " + "[" * 26 + "*a" + "]" * 26 + "\n", "2:30"),
    ],
    ids=["flow lists", "flow mappings", "block mappings", "through an alias"],
)
@pytest.mark.parametrize("surface", ["rules validate", "--answers"])
def test_deep_nesting_is_refused_with_its_location(surface: str, text: str, where: str) -> None:
    argv, code = YAML_SURFACES[surface]
    Path("deep.yaml").write_text(text)
    result = run(*argv("deep.yaml"))
    assert result.exit_code == code
    [line] = result.stderr.splitlines()
    assert line.startswith(f"advisor: error: deep.yaml:{where}: nested deeper than 64 levels")
    assert line.endswith("; flatten the data")


# --------------------------------------------------------------------------- long values


def long_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if len(line) > MAX_MESSAGE + 200]


LONG = "x" * 100_000


@pytest.mark.parametrize(
    "argv",
    [
        ["guide", "--defaults", "--role", LONG, "-o", "out.md"],
        ["guide", "--defaults", "--model", LONG, "-o", "out.md"],
        ["guide", "--defaults", "--baseline", LONG, "-o", "out.md"],
        ["guide", "--defaults", "--stage", LONG, "-o", "out.md"],
        ["guide", "--defaults", "--team", LONG, "-o", "out.md"],
        ["guide", "--defaults", "--date", LONG, "-o", "out.md"],
        ["explain", "--role", LONG, "--model", "gpt-5.5"],
        ["explain", "--role", "mle", "--model", LONG],
        ["compare", LONG, "gpt-5.4"],
        ["rules", "validate", LONG],
        ["models", "--scores", LONG],
    ],
    ids=[
        "role",
        "model",
        "baseline",
        "stage",
        "team",
        "date",
        "explain role",
        "explain model",
        "compare",
        "rules path",
        "scores path",
    ],
)
def test_a_huge_flag_value_gives_one_short_error_line(argv: list[str]) -> None:
    result = run(*argv)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("advisor: error: ")
    assert not long_lines(result), f"an error line of {len(lines[0])} characters"
    assert not Path("out.md").exists()


@pytest.mark.parametrize(
    ("yaml_text", "option"),
    [
        (f"team: {LONG}\n", "--answers"),
        (f"roles: [{LONG}]\n", "--answers"),
        (f"model: {LONG}\n", "--answers"),
        (f"{LONG}: 1\n", "--answers"),
        (f"team: 1\n{LONG}: 1\n{LONG}: 2\n", "--answers"),
        ("team: " + "9" * 5000 + "\n", "--answers"),
        (f"models:\n  - id: {LONG}\n    name: x\n", "--scores"),
        (f"models:\n  - id: a\n    name: {LONG}\n", "--scores"),
        (f"models:\n  - id: a\n    name: a\n    baseline: {'y' * 79}\n", "--scores"),
    ],
    ids=[
        "team",
        "role",
        "model",
        "key",
        "duplicate key",
        "huge integer",
        "model id",
        "model name",
        "unknown baseline",
    ],
)
def test_a_huge_value_in_a_file_gives_short_error_lines(yaml_text: str, option: str) -> None:
    Path("f.yaml").write_text(yaml_text)
    argv = (
        ["guide", "--defaults", "--answers", "f.yaml", "-o", "out.md"]
        if option == "--answers"
        else ["models", "--scores", "f.yaml"]
    )
    result = run(*argv)
    assert result.exit_code in (1, 2)
    lines = result.stderr.splitlines()
    assert lines and all(line.startswith("advisor: error: ") for line in lines)
    assert "f.yaml:" in result.stderr
    assert not long_lines(result)
    assert not Path("out.md").exists()


def test_huge_integer_is_named_briefly() -> None:
    Path("f.yaml").write_text("team: " + "9" * 5000 + "\n")
    result = run("guide", "--defaults", "--answers", "f.yaml", "-o", "out.md")
    assert result.stderr == (
        "advisor: error: f.yaml:1:7: '9999999999999999999999999999999999999999...999999999999999"
        "99' is not a valid integer; quote it to keep it as text\n"
    )


@pytest.mark.parametrize(
    ("argv", "shown"),
    [
        (
            ["guide", "--defaults", "--role", "ds\x1b[2J\x1b]0;pwned\x07", "-o", "out.md"],
            "\\x1b[2J\\x1b]0;pwned\\x07",
        ),
        (["guide", "--defaults", "--model", "gpt\u202e5.5", "-o", "out.md"], "\\u202e"),
        (["compare", "a\nb", "gpt-5.4"], "\\n"),
    ],
    ids=["terminal escapes", "bidi override", "newline"],
)
def test_control_characters_in_values_never_reach_the_terminal(argv: list[str], shown: str) -> None:
    result = run(*argv)
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert shown in line
    assert line.isprintable()


def test_escape_sequences_written_in_yaml_are_shown_escaped() -> None:
    # YAML's "\e" is ESC: a duplicate key spelled with it is echoed in the message.
    Path("f.yaml").write_text('"\\e[2Jkey": 1\n"\\e[2Jkey": 2\n')
    result = run("guide", "--defaults", "--answers", "f.yaml", "-o", "out.md")
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.isprintable()
    assert "\\x1b[2Jkey" in line


def test_file_names_with_newlines_stay_on_one_line() -> None:
    Path("two\nlines.yaml").write_text("team: [\n")
    result = run("guide", "--defaults", "--answers", "two\nlines.yaml", "-o", "out.md")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("advisor: error: two\\nlines.yaml:2:1: YAML syntax error")


def test_thousands_of_problems_are_summarised() -> None:
    roles = "".join(f"  - {{id: R{i}, name: r}}\n" for i in range(10_000))
    Path("f.yaml").write_text("roles:\n" + roles)
    result = run("rules", "validate", "f.yaml")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 101
    assert lines[0] == (
        "advisor: error: f.yaml:2:10: roles.0.id: expected text matching "
        "'^[a-z0-9][a-z0-9._-]*$', got 'R0'"
    )
    assert lines[-1] == (
        "advisor: error: ... and about 9900 more problems; fix these first and check again"
    )


def test_thousands_of_duplicate_ids_are_summarised() -> None:
    roles = "".join(f"  - {{id: r, name: R{i}}}\n" for i in range(5_000))
    Path("f.yaml").write_text("extends: builtin\nroles:\n" + roles)
    result = run("rules", "validate", "f.yaml")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 101
    assert lines[0] == (
        "advisor: error: f.yaml:4:10: duplicate role id 'r' (first at f.yaml:3:10); ids must "
        "be unique"
    )
    assert lines[-1] == (
        "advisor: error: ... and 4899 more problems; fix these first and check again"
    )
