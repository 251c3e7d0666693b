"""The commands that check and convert rulebooks and scores: ``rules validate``,
``rules lint``, ``rules test``, ``rules export`` and ``scores import``.

Each command imports the library modules it runs inside its function, so that
``advisor --help`` and the other commands do without them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from advisor import wording
from advisor.cli.common import (
    PATH,
    annotations_option,
    complete_ids,
    env_path_error,
    fail_if,
    force_option,
    format_option,
    json_option,
    load_book,
    one_output,
    paths_argument,
    print_json,
    read_stdin,
    rules_option,
    scores_option,
    stdin_stream,
)
from advisor.load.paths import KINDS, STDIN, STDIN_NAME
from advisor.rendering.output import refuse_same_files, require_stdout, write_text

if TYPE_CHECKING:
    from advisor.load.rulebook import Rulebook
    from advisor.verify.checks import Validation


@click.group("rules")
def rules_group() -> None:
    """Check, test and export rulebooks.

    \b
    Example:  advisor rules check my-rules/

    The PATHS of validate, lint, test and check default to $ADVISOR_RULES
    (paths separated by the OS path separator), else the built-in rulebook.
    """


@rules_group.command("validate")
@paths_argument
@json_option
@annotations_option
def rules_validate_cmd(paths: tuple[str, ...], as_json: bool, report_format: str) -> None:
    """Validate a rulebook (default: the built-in one); every error located.

    \b
    Examples:
      advisor rules validate my-rules/
      git show main:my-rules/rulebook.yaml | advisor rules validate -

    '-' reads one rulebook file from standard input (located as <stdin>; an
    extends: path in it is taken from the working folder).
    Exit 0 when valid, 1 with one line per problem (file:line:column: what).
    --json prints {"ok", "rulebook", "problems": [{"file", "line", "column",
    "message"}]} on stdout instead, with the same exit code.
    """
    one_output(as_json, report_format)
    require_stdout()
    from advisor.verify.checks import validate

    result = checked(paths, validate)
    if as_json:
        print_json(result.to_dict())
        click.get_current_context().exit(result.exit_code)
    stop_if_invalid(result, as_json, report_format)
    click.echo(result.summary())


def checked(paths: tuple[str, ...], load: Callable[..., Validation]) -> Validation:
    """``load(paths, stdin)`` (validate or loaded), or the rulebook that could not load
    because a path from $ADVISOR_RULES does not exist (the error names the variable)."""
    from advisor.verify.checks import Validation

    missing = env_path_error()
    return Validation(None, missing) if missing is not None else load(paths, stdin_stream())


def stop_if_invalid(result: Validation, as_json: bool, report_format: str) -> Rulebook:
    """The rulebook ``result`` loaded; when it is invalid, report it as ``rules validate``
    does (the JSON document, annotations or the error lines) and end with its exit code."""
    if result.book is not None:
        return result.book
    if as_json:
        print_json(result.to_dict())
    elif report_format == "github":
        for problem in result.problems:
            click.echo(problem.github())
    elif result.error is not None:
        raise result.error
    click.get_current_context().exit(result.exit_code)


@rules_group.command("lint")
@paths_argument
@json_option
@annotations_option
def rules_lint_cmd(paths: tuple[str, ...], as_json: bool, report_format: str) -> None:
    """Find gaps, overlaps and falling autonomy, exactly.

    \b
    Example:  advisor rules lint my-rules/

    Exact, not sampled: each numeric input is split at every rule boundary.
    Exit 0 without errors (warnings allowed), 1 with errors. A rulebook that
    validate rejects is reported as validate reports it (--json, --format github).
    """
    one_output(as_json, report_format)
    require_stdout()
    from advisor.verify.checks import finding_problems, validate
    from advisor.verify.lint import lint

    report = lint(stop_if_invalid(checked(paths, validate), as_json, report_format))
    if as_json:
        print_json(report.to_dict())
    elif report_format == "github":
        for problem in finding_problems(report):
            click.echo(problem.github())
        click.echo(report.summary())
    else:
        for line in report.lines():
            click.echo(line)
    fail_if(bool(report.errors))


coverage_option = click.option(
    "--coverage-min",
    type=click.FloatRange(0, 100),
    default=None,
    metavar="PCT",
    help="Fail when fewer than PCT% of the rules are reached by a test (compared exactly).",
)


@rules_group.command("test")
@paths_argument
@coverage_option
@json_option
def rules_test_cmd(paths: tuple[str, ...], coverage_min: float | None, as_json: bool) -> None:
    """Run rule tests and report rule coverage.

    \b
    Example:  advisor rules test my-rules/ --coverage-min 100

    Exit 0 when every test passes (and coverage is at least PCT), 1 otherwise.
    A rulebook that validate rejects is reported as validate reports it (--json).
    """
    require_stdout()
    from advisor.verify.checks import validate
    from advisor.verify.ruletest import run_tests

    report = run_tests(stop_if_invalid(checked(paths, validate), as_json, "text"))
    short = report.shortfall(coverage_min)
    if as_json:
        print_json(report.to_dict(coverage_min))
    else:
        for line in report.lines():
            click.echo(line)
        if short is not None:
            click.echo(short)
    fail_if(bool(report.failed or short))


@rules_group.command("check")
@paths_argument
@coverage_option
@json_option
@annotations_option
def rules_check_cmd(
    paths: tuple[str, ...], coverage_min: float | None, as_json: bool, report_format: str
) -> None:
    """Validate, lint and test a rulebook in one run.

    \b
    Example:  advisor rules check my-rules/ --coverage-min 100

    For pre-commit (the advisor-check hook) and CI.
    Lint and the tests run only on a valid rulebook, so each problem is
    reported once. Exit codes as validate's, else 1 when lint finds an error
    or a test fails.
    """
    one_output(as_json, report_format)
    require_stdout()
    from advisor.verify.checks import check_validated, validate

    report = check_validated(checked(paths, validate), coverage_min=coverage_min)
    if as_json:
        print_json(report.to_dict())
    elif report_format == "github":
        for problem in report.problems:
            click.echo(problem.github())
        for line in report.summary():
            click.echo(line)
    elif report.validation.error is not None:
        raise report.validation.error
    else:
        for line in report.lines():
            click.echo(line)
    click.get_current_context().exit(report.exit_code)


@rules_group.command("export")
@format_option()
@click.option(
    "-o", "--output", default="-", show_default=True, help="File to write; '-' for stdout."
)
@force_option
@click.option("--fragment", is_flag=True, help="Leave out the title block (to include in a page).")
@rules_option
@scores_option
def rules_export_cmd(
    fmt: str,
    output: str,
    force: bool,
    fragment: bool,
    rules_path: tuple[str, ...],
    scores_path: tuple[str, ...],
) -> None:
    """Export the rulebook as decision tables for a wiki (one table per role).

    \b
    Examples:
      advisor rules export -o RULES.md
      advisor rules export --format confluence -o rules.xml
      advisor rules export --rules my-rules/ --format json
    """
    from advisor.rendering.export import render_rules

    refuse_same_files(
        [("-o", output)],
        [*(("--scores", p) for p in scores_path), *(("--rules", p) for p in rules_path)],
    )
    book = load_book(rules_path, scores_path)
    text = render_rules(book, fmt, fragment=fragment)
    written = write_text(output, text, force=force)
    if written is not None:
        click.echo(f"Wrote {written}", err=True)


@click.group("scores")
def scores_group() -> None:
    """Work with scores files.

    \b
    Example:  advisor scores import leaderboard.csv -o scores.yaml
    """


@scores_group.command("import")
@click.argument("file", type=PATH)
@click.option(
    "--input-format",
    type=click.Choice(KINDS),
    default=None,
    help="Read FILE as this, whatever its name (default: from the name; for '-', the content).",
)
@click.option(
    "-o", "--output", type=PATH, default="-", help="Scores file to write (default stdout)."
)
@click.option(
    "--benchmark",
    default=None,
    shell_complete=complete_ids("benchmark"),
    help="Import every row as this benchmark id, whatever the row says.",
)
@click.option(
    "--split", default=None, help="Keep only rows of this split, e.g. 'all' (default: every split)."
)
@force_option
@rules_option
def scores_import_cmd(
    file: str,
    input_format: str | None,
    output: str,
    benchmark: str | None,
    split: str | None,
    force: bool,
    rules_path: tuple[str, ...],
) -> None:
    """Turn a leaderboard (CSV or YAML rows) into a scores file for --scores.

    \b
    Examples:
      advisor scores import mle_bench.yaml --split all -o mle.yaml
      curl -s URL | advisor scores import - -o scores.yaml

    FILE '-' reads standard input. Rows for benchmarks the rulebook does not
    know are skipped and reported (file:line:column: reason) on stderr;
    --benchmark ID imports them anyway.
    """
    from advisor.load.leaderboard import import_leaderboard, import_leaderboard_data, scores_yaml

    refuse_same_files([("-o", output)], [("FILE", file), *(("--rules", p) for p in rules_path)])
    book = load_book(rules_path)
    options = {"benchmark": benchmark, "split": split, "kind": input_format}
    if file == STDIN:
        imported = import_leaderboard_data(read_stdin(), STDIN_NAME, book, **options)
    else:
        imported = import_leaderboard(file, book, **options)
    for skip in imported.skipped:
        click.echo(f"advisor: skipped {skip}", err=True)
    text = scores_yaml(imported)
    write_text(output, text, force=force)
    n = sum(len(e.rows) for e in imported.entries)
    extra = f", {imported.filtered} of other splits left out" if imported.filtered else ""
    click.echo(
        f"advisor: imported {wording.count(n, 'score')} as "
        f"{wording.count(len(imported.entries), 'model')} from {imported.source} "
        f"({wording.count(len(imported.skipped), 'row')} skipped{extra})"
        + ("" if output == "-" else f" -> {output}"),
        err=True,
    )
