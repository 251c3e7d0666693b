"""The commands that check and convert rulebooks and scores: ``rules validate``,
``rules lint``, ``rules test``, ``rules export`` and ``scores import``.

Each command imports the library modules it runs inside its function, so that
``advisor --help`` and the other commands do without them.
"""

from __future__ import annotations

import click

from advisor.cli.common import (
    PATH,
    fail_if,
    force_option,
    format_option,
    json_option,
    load_book,
    print_json,
    rules_option,
    scores_option,
)
from advisor.rendering.output import refuse_same_files, require_stdout, write_text


@click.group("rules")
def rules_group() -> None:
    """Check, test and export rulebooks.

    \b
    Example:  advisor rules validate my-rules/
    """


@rules_group.command("validate")
@click.argument("paths", nargs=-1, type=PATH)
def rules_validate_cmd(paths: tuple[str, ...]) -> None:
    """Validate a rulebook (default: the built-in one); every error located.

    \b
    Example:  advisor rules validate my-rules/
    Exit 0 when valid, 1 with one line per problem (file:line:column: what).
    """
    from advisor.evaluation.texts import check_texts

    require_stdout()
    book = load_book(paths)
    check_texts(book)  # rule texts are otherwise compiled only when a guide needs them
    n = sum(len(t.rules) for t in book.tables)
    click.echo(
        f"ok: {book.meta.id} ({len(book.files)} files, {len(book.tables)} tables, {n} rules)"
    )


@rules_group.command("lint")
@click.argument("paths", nargs=-1, type=PATH)
@json_option
def rules_lint_cmd(paths: tuple[str, ...], as_json: bool) -> None:
    """Find gaps, overlaps and falling autonomy, exactly.

    \b
    Example:  advisor rules lint my-rules/
    Exact, not sampled: each numeric input is split at every rule boundary.
    Exit 0 without errors (warnings allowed), 1 with errors.
    """
    require_stdout()
    from advisor.verify.lint import lint

    report = lint(load_book(paths))
    if as_json:
        print_json(report.to_dict())
    else:
        for line in report.lines():
            click.echo(line)
    fail_if(bool(report.errors))


@rules_group.command("test")
@click.argument("paths", nargs=-1, type=PATH)
@click.option(
    "--coverage-min",
    type=click.FloatRange(0, 100),
    default=None,
    metavar="PCT",
    help="Fail when fewer than PCT% of the rules are reached by a test (compared exactly).",
)
def rules_test_cmd(paths: tuple[str, ...], coverage_min: float | None) -> None:
    """Run rule tests and report rule coverage.

    \b
    Example:  advisor rules test my-rules/ --coverage-min 100
    Exit 0 when every test passes (and coverage is at least PCT), 1 otherwise.
    """
    require_stdout()
    from advisor.verify.ruletest import run_tests

    report = run_tests(load_book(paths))
    for line in report.lines():
        click.echo(line)
    low = coverage_min is not None and report.below(coverage_min)
    if low:
        click.echo(
            f"coverage {report.coverage_percent()} is below the minimum of {coverage_min:g}%"
        )
    fail_if(bool(report.failed or low))


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
    "-o", "--output", type=PATH, default="-", help="Scores file to write (default stdout)."
)
@click.option(
    "--benchmark",
    default=None,
    help="Import every row as this benchmark id, whatever the row says.",
)
@click.option(
    "--split", default=None, help="Keep only rows of this split, e.g. 'all' (default: every split)."
)
@force_option
@rules_option
def scores_import_cmd(
    file: str,
    output: str,
    benchmark: str | None,
    split: str | None,
    force: bool,
    rules_path: tuple[str, ...],
) -> None:
    """Turn a leaderboard (CSV or YAML rows) into a scores file for --scores.

    \b
    Example:  advisor scores import mle_bench.yaml --split all -o mle.yaml
    Rows for benchmarks the rulebook does not know are skipped and reported
    (file:line:column: reason) on stderr; --benchmark ID imports them anyway.
    """
    from advisor.load.leaderboard import import_leaderboard, scores_yaml

    refuse_same_files([("-o", output)], [("FILE", file), *(("--rules", p) for p in rules_path)])
    book = load_book(rules_path)
    imported = import_leaderboard(file, book, benchmark=benchmark, split=split)
    for skip in imported.skipped:
        click.echo(f"advisor: skipped {skip}", err=True)
    text = scores_yaml(imported)
    write_text(output, text, force=force)
    n = sum(len(e.rows) for e in imported.entries)
    extra = f", {imported.filtered} of other splits left out" if imported.filtered else ""
    click.echo(
        f"advisor: imported {n} scores as {len(imported.entries)} models from {file} "
        f"({len(imported.skipped)} rows skipped{extra})"
        + ("" if output == "-" else f" -> {output}"),
        err=True,
    )
