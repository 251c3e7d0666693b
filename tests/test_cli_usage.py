"""Usage mistakes a user review found: an option given twice where it takes one value, and
unknown ids in ``advisor rank`` (one line each, exit 2, saying what to do)."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from clitools import advisor_process, run

from advisor.cli.app import cli

COMPARE_HINT = (
    "for several models use 'advisor compare gpt-5.5 gpt-5.4' or "
    "'advisor rank --models gpt-5.5,gpt-5.4'"
)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["guide", "--defaults", "--model", "gpt-5.5", "--model", "gpt-5.4", "-o", "g.md"],
            "--model takes one value, given 2 times ('gpt-5.5', 'gpt-5.4'); " + COMPARE_HINT,
        ),
        (
            ["guide", "--defaults", "--baseline", "gpt-5.5", "--baseline", "gpt-5.4"],
            "--baseline takes one value, given 2 times ('gpt-5.5', 'gpt-5.4'); " + COMPARE_HINT,
        ),
        (
            ["guide", "--defaults", "--team", "Fraud", "--team", "Risk", "-o", "g.md"],
            "--team takes one value, given 2 times ('Fraud', 'Risk')",
        ),
        (
            ["guide", "--defaults", "-o", "a.md", "--output", "b.md"],
            "--output takes one value, given 2 times ('a.md', 'b.md')",
        ),
        (
            ["explain", "--role", "mle", "--model", "gpt-5.5", "--model", "gpt-5.4"],
            "--model takes one value, given 2 times ('gpt-5.5', 'gpt-5.4'); " + COMPARE_HINT,
        ),
        (
            ["explain", "--role", "mle", "--role", "ds", "--model", "gpt-5.5"],
            "--role takes one value, given 2 times ('mle', 'ds')",
        ),
        (
            ["diff", "--model", "gpt-5.5", "--model", "gpt-5.4", "--format", "md"],
            "--model takes one value, given 2 times ('gpt-5.5', 'gpt-5.4'); " + COMPARE_HINT,
        ),
        (
            ["rules", "export", "--format", "md", "--format", "html"],
            "--format takes one value, given 2 times ('md', 'html')",
        ),
    ],
)
def test_an_option_given_twice_is_a_one_line_usage_error(
    tmp_path: Path, args: list[str], message: str
) -> None:
    """click keeps the last of a repeated option silently; advisor refuses it and nothing
    is written."""
    done = advisor_process(*args, cwd=tmp_path, capture_output=True)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.splitlines() == [f"advisor: error: {message}"]
    assert list(tmp_path.iterdir()) == []


def test_options_given_once_still_work(tmp_path: Path) -> None:
    done = advisor_process(
        *["guide", "--defaults", "--team", "Fraud", "--model", "gpt-5.5"],
        *["--baseline", "gpt-5.4", "--format", "md", "-o", "g.md"],
        cwd=tmp_path,
        capture_output=True,
    )
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "g.md").read_text(encoding="utf-8")
    assert text.startswith("# Fraud: adopting GPT-5.5") and "compared with GPT-5.4" in text
    # Not given at all: the command's own default (no baseline option: the model's own).
    result = run("explain", "--role", "mle", "--model", "gpt-5.5", "--json")
    assert result.exit_code == 0 and '"baseline": "gpt-5.4"' in result.stdout
    # A required option still says it is missing.
    result = run("explain", "--role", "mle")
    assert result.exit_code == 2 and "Missing option '--model'" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--stage", "data"], "unknown stage 'data'; did you mean data-processing?"),
        (["--stage", "tuning"], "unknown stage 'tuning'; did you mean training-tuning?"),
        (
            ["--models", "gpt-5.5,sonnet"],
            "unknown model 'sonnet'; did you mean claude-code-sonnet-4.6 or "
            "terminus-2-sonnet-4.6 or mini-swe-agent-claude-4.5-sonnet?",
        ),
        (
            ["--models", "gpt-5.5,gpt-5.55"],
            "unknown model 'gpt-5.55'; did you mean gpt-5.5 or gpt-5.4?",
        ),
        (["--role", "data"], "unknown role 'data'; did you mean data-scientist?"),
        # Nothing is close: the few roles there are.
        (
            ["--role", "x"],
            "unknown role 'x'; known: data-scientist, ml-engineer, student, tech-lead",
        ),
    ],
)
def test_rank_names_the_closest_ids(args: list[str], message: str) -> None:
    result = run("rank", *args)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.splitlines() == [f"advisor: error: {message}"]


def test_compare_and_explain_name_the_same_closest_ids() -> None:
    """One helper for every command: a stage or model rank would guess, they guess too."""
    result = run("explain", "--role", "mle", "--model", "gpt-5.5", "--stage", "data")
    assert result.stderr == "advisor: error: unknown stage 'data'; did you mean data-processing?\n"
    result = run("compare", "gpt-5.5", "sonnet")
    assert result.exit_code == 2
    assert "did you mean claude-code-sonnet-4.6 or" in result.stderr


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--benchmark", "terminal-bench-1"], "no model has a score on Terminal-Bench 1.0"),
        (
            ["--benchmark", "Terminal-Bench-1", "--verified-only", "--long"],
            "no model has a verified, unflagged score on Terminal-Bench 1.0",
        ),
    ],
)
def test_models_says_so_when_no_model_has_a_score(args: list[str], said: str) -> None:
    """Rather than an empty table, exit 0; --json stays an empty list."""
    result = run("models", *args)
    assert (result.exit_code, result.stdout, result.stderr) == (0, said + "\n", "")
    as_json = run("models", *args, "--json")
    assert (as_json.exit_code, as_json.stdout) == (0, "[]\n")


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, name
        out.append((*prefix, name))
        if isinstance(command, click.Group):
            out += _commands(command, (*prefix, name))
    return out


@pytest.mark.parametrize("command", _commands(cli), ids=" ".join)
def test_an_example_block_ends_before_the_next_paragraph(command: tuple[str, ...]) -> None:
    """In every --help, the lines after "Example:" are commands (indented further) up to a
    blank line; prose never runs on straight after them."""
    text = run(*command, "--help").stdout
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if not re.match(r"  Examples?:", line):
            continue
        for after in lines[i + 1 :]:
            if not after.strip():
                break
            assert after.startswith("    "), f"{' '.join(command)}: {after!r} follows {line!r}"


def test_the_command_list_cuts_no_summary() -> None:
    """advisor --help lists each command with a summary that fits, not one cut with '...'."""
    text = run("--help").stdout
    entries = [line for line in text.splitlines() if re.match(r"  [a-z]+ +\S", line)]
    assert len(entries) == len(cli.list_commands(click.Context(cli)))
    assert not [e for e in entries if e.rstrip().endswith("...")]
    [rank] = [e for e in entries if e.split()[0] == "rank"]
    assert rank.split(None, 1)[1] == (
        "Rank models per role and stage by the advice their evidence earns."
    )


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("gude", "No such command 'gude'. Did you mean 'guide'?"),
        ("rnak", "No such command 'rnak'. Did you mean 'rank'?"),
        ("xyzzy", "No such command 'xyzzy'."),
    ],
)
def test_an_unknown_command_names_the_closest_ones(typed: str, said: str) -> None:
    """Commands load when used, so the group itself says which names are close."""
    result = run(typed)
    assert result.exit_code == 2
    assert result.stderr.rstrip().splitlines()[-1] == f"Error: {said}"


def test_an_unknown_model_with_nothing_close_says_where_the_whole_list_is() -> None:
    result = run("rank", "--models", "foo")
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("advisor: error: unknown model 'foo'; known: aide-gpt-4o-2024-08-06, ")
    assert line.endswith(" in all; advisor models lists them)")
