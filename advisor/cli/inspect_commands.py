"""The commands that show evidence and rulebooks: ``models``, ``compare``, ``explain`` and
``schema``.

Each command imports the library modules it runs inside its function, so that
``advisor --help`` and the other commands do without them; rich only when it draws
on a terminal.
"""

from __future__ import annotations

import json

import click

from advisor.cli.common import (
    PATH,
    complete_ids,
    force_option,
    json_option,
    load_book,
    print_json,
    rules_option,
    scores_option,
    verified_option,
)
from advisor.rendering.output import require_stdout, write_text


@click.command("models")
@rules_option
@scores_option
@json_option
def models_cmd(rules_path: tuple[str, ...], scores_path: tuple[str, ...], as_json: bool) -> None:
    """List models and their scores, with provenance.

    \b
    Example:  advisor models --json
    """
    require_stdout()
    from advisor.evaluation import reports

    book = load_book(rules_path, scores_path)
    rows = reports.models_table(book)
    if as_json:
        print_json(rows)
        return
    from advisor.cli import terminal

    terminal.print_models(terminal.console(), book, rows)


@click.command("compare")
@click.argument("model", shell_complete=complete_ids("model"))
@click.argument("baseline", shell_complete=complete_ids("model"))
@rules_option
@scores_option
@json_option
def compare_cmd(
    model: str,
    baseline: str,
    rules_path: tuple[str, ...],
    scores_path: tuple[str, ...],
    as_json: bool,
) -> None:
    """Compare two models benchmark by benchmark.

    \b
    Example:  advisor compare gpt-5.5 gpt-5.4
    """
    require_stdout()
    from advisor.evaluation import reports

    book = load_book(rules_path, scores_path)
    rows = reports.compare(book, book.resolve_model(model), book.resolve_model(baseline))
    if as_json:
        print_json(rows)
        return
    from advisor.cli import terminal

    terminal.print_comparison(terminal.console(), book, rows)


@click.command("explain")
@click.option(
    "--role",
    required=True,
    shell_complete=complete_ids("role"),
    help="Role id or alias, e.g. ml-engineer or mle.",
)
@click.option(
    "--model", required=True, shell_complete=complete_ids("model"), help="Model id, e.g. gpt-5.5."
)
@click.option(
    "--baseline",
    default=None,
    shell_complete=complete_ids("baseline"),
    help="Model to compare with (default: the model's own).",
)
@click.option("--no-baseline", is_flag=True, help="Compare with nothing.")
@click.option(
    "--stage", default=None, shell_complete=complete_ids("stage"), help="Only this stage."
)
@verified_option
@rules_option
@scores_option
@json_option
def explain_cmd(
    role: str,
    model: str,
    baseline: str | None,
    no_baseline: bool,
    stage: str | None,
    verified_only: bool,
    rules_path: tuple[str, ...],
    scores_path: tuple[str, ...],
    as_json: bool,
) -> None:
    """Show why each piece of advice was given, rule by rule.

    \b
    Example:  advisor explain --role mle --model gpt-5.5 --stage model-selection
    """
    require_stdout()
    from advisor.evaluation import reports

    book = load_book(rules_path, scores_path)
    data = reports.explain(
        book,
        role=role,
        model=model,
        baseline=baseline,
        no_baseline=no_baseline,
        stage=stage,
        verified_only=verified_only,
    )
    if as_json:
        print_json(data)
        return
    from advisor.cli import terminal

    terminal.print_explanation(terminal.console(), data)


@click.command("schema")
@click.option("-o", "--output", type=PATH, default="-", help="File to write (default stdout).")
@force_option
def schema_cmd(output: str, force: bool) -> None:
    """Print the JSON Schema of rulebook files (for editors and CI).

    \b
    Example:  advisor schema -o rulebook.schema.json
    """
    from advisor.model.schema import json_schema

    text = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
    write_text(output, text, force=force)
