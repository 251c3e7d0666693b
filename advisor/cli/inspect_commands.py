"""The commands that show evidence and rulebooks: ``rank``, ``models``, ``compare``,
``explain`` and ``schema``.

Each command imports the library modules it runs inside its function, so that
``advisor --help`` and the other commands do without them; rich only when it draws
on a terminal.
"""

from __future__ import annotations

import json

import click

from advisor.cli.common import (
    PATH,
    Once,
    complete_ids,
    force_option,
    json_option,
    load_book,
    model_option,
    print_json,
    roles_option,
    rules_option,
    scores_option,
    stages_option,
    verified_option,
)
from advisor.rendering.output import require_stdout, write_text


@click.command("models")
@click.option(
    "--benchmark",
    default=None,
    shell_complete=complete_ids("benchmark"),
    help="Only models with a score on it, best first.",
)
@click.option(
    "--sort",
    type=click.Choice(["score", "name", "date"]),
    default=None,
    help="score: best evidence first; date: newest first (default: rulebook order).",
)
@verified_option
@click.option("--long", "long_", is_flag=True, help="Show each score's provenance and source.")
@rules_option
@scores_option
@json_option
def models_cmd(
    benchmark: str | None,
    sort: str | None,
    verified_only: bool,
    long_: bool,
    rules_path: tuple[str, ...],
    scores_path: tuple[str, ...],
    as_json: bool,
) -> None:
    """List models and their scores (with provenance: --long or --json).

    On a terminal, output longer than the screen goes through a pager ($PAGER, else
    less; LESS=FRX unless LESS is set), as git does.

    \b
    Example:  advisor models --benchmark terminal-bench-2 --verified-only
    """
    require_stdout()
    from advisor.evaluation import reports

    book = load_book(rules_path, scores_path)
    rows = reports.models_table(book, benchmark=benchmark, sort=sort, verified_only=verified_only)
    if as_json:
        print_json(rows)
        return
    if not rows:  # say so rather than draw an empty table
        score = "a verified, unflagged score" if verified_only else "a score"
        where = f" on {book.benchmarks[benchmark.strip().lower()].name}" if benchmark else ""
        click.echo(f"no model has {score}{where}")
        return
    from advisor.cli import terminal

    terminal.paged(terminal.console(), lambda c: terminal.print_models(c, book, rows, long=long_))


@click.command("compare")
@click.argument("model", shell_complete=complete_ids("model"))
@click.argument(
    "others", metavar="OTHER...", nargs=-1, required=True, shell_complete=complete_ids("model")
)
@rules_option
@scores_option
@json_option
def compare_cmd(
    model: str,
    others: tuple[str, ...],
    rules_path: tuple[str, ...],
    scores_path: tuple[str, ...],
    as_json: bool,
) -> None:
    """Compare two or more models benchmark by benchmark.

    With two models, also the difference of the first over the second; each cell
    names its harness and split where the row mixes them.

    \b
    Example:  advisor compare gpt-5.5 gpt-5.4
              advisor compare codex-cli-gpt-5.4 claude-code-opus-4.6 gpt-5.5
    """
    require_stdout()
    from advisor.evaluation import reports

    book = load_book(rules_path, scores_path)
    rows = reports.compare(book, *(book.resolve_model(m) for m in (model, *others)))
    if as_json:
        print_json(rows)
        return
    from advisor.cli import terminal

    terminal.print_comparison(terminal.console(), book, rows)


@click.command(
    "rank", short_help="Rank models per role and stage by the advice their evidence earns."
)
@roles_option("Role id or alias (repeatable; default every role).")
@stages_option("Stage id (repeatable; default every stage).")
@click.option(
    "--models", "models", multiple=True, help="Candidate model ids, comma-separated (default all)."
)
@verified_option
@click.option(
    "--top", type=click.IntRange(min=1), default=None, help="Show the first N candidates of each."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "md", "json"]),
    default="table",
    show_default=True,
    help="table for a terminal, md for wikis, json for scripts.",
)
@rules_option
@scores_option
def rank_cmd(
    roles: tuple[str, ...],
    stages: tuple[str, ...],
    models: tuple[str, ...],
    verified_only: bool,
    top: int | None,
    fmt: str,
    rules_path: tuple[str, ...],
    scores_path: tuple[str, ...],
) -> None:
    """Rank models for each role and stage by the advice their evidence earns.

    Advice resting on verified, unflagged scores comes first, then provisional
    advice, then stages not assessed; within each, candidates are ordered by the
    autonomy the rulebook grants, then by the deciding evidence. Each says whether
    its deciding score is comparable with the leader's.

    \b
    Example:  advisor rank --role ml-engineer --stage data-processing --top 5
    """
    require_stdout()
    from advisor.evaluation import rank

    book = load_book(rules_path, scores_path)
    rankings = rank.rank(
        book, roles=roles, stages=stages, models=models, verified_only=verified_only, top=top
    )
    if fmt == "json":
        print_json(rank.to_dict(rankings))
        return
    if fmt == "md":
        from advisor.rendering.ranking import rank_markdown

        click.echo(rank_markdown(book, rankings, verified_only=verified_only), nl=False)
        return
    from advisor.cli import terminal

    terminal.paged(terminal.console(), lambda c: terminal.print_rankings(c, book, rankings))


@click.command("explain")
@click.option(
    "--role",
    cls=Once,
    required=True,
    shell_complete=complete_ids("role"),
    help="Role id or alias, e.g. ml-engineer or mle.",
)
@model_option("--model", "Model id, e.g. gpt-5.5.", required=True)
@model_option(
    "--baseline",
    "Model to compare with (default: the model's own; 'none' for no comparison).",
    kind="baseline",
)
@click.option("--no-baseline", is_flag=True, help="Compare with nothing.")
@click.option(
    "--stage", cls=Once, default=None, shell_complete=complete_ids("stage"), help="Only this stage."
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
