"""The ``advisor`` command line: thin click commands over the library.

Each command parses its options, calls one library function and prints.
Domain errors (:class:`advisor.errors.AdvisorError`) become one-line messages
with a documented exit code here, and nowhere else. Heavy modules (jinja2,
rich, questionary) are imported inside the commands so that
``advisor --help`` stays fast.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import signal
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NoReturn

import click

from advisor import __version__
from advisor.errors import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
    AdvisorError,
    OutputError,
)
from advisor.rendering.formats import FORMATS

if TYPE_CHECKING:
    from rich.console import Console

    from advisor.load.rulebook import Rulebook

SECTIONS = {
    "Guides": ["guide", "batch", "diff"],
    "Evidence": ["models", "compare", "explain", "scores"],
    "Rulebooks": ["rules", "init", "schema"],
}


class AdvisorCliError(click.ClickException):
    """An AdvisorError at the command-line edge: message lines and an exit code."""

    def __init__(self, error: AdvisorError) -> None:
        super().__init__(str(error))
        self.exit_code = error.exit_code  # type: ignore[misc]  # click reads it per instance
        problems = getattr(error, "problems", [error])
        self.lines = [str(p) for p in problems] if len(problems) > 1 else [str(error)]

    def show(self, file: Any = None) -> None:
        for line in self.lines:
            click.echo(f"advisor: error: {line}", err=True)


class Terminated(BaseException):
    """Raised on SIGTERM so that cleanup (temporary files) runs before exit 143."""


class AdvisorGroup(click.Group):
    """A group that lists commands by section and turns domain errors into exit codes."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        for title, names in SECTIONS.items():
            rows = []
            for name in names:
                cmd = self.get_command(ctx, name)
                if cmd is not None and not cmd.hidden:
                    rows.append((name, cmd.get_short_help_str(limit=70)))
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AdvisorError as exc:
            raise AdvisorCliError(exc) from None
        except KeyboardInterrupt:
            click.echo(f"advisor: interrupted; {_what_was_written(ctx)}", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except Terminated:
            click.echo(f"advisor: terminated; {_what_was_written(ctx)}", err=True)
            ctx.exit(EXIT_TERMINATED)
        except BrokenPipeError:
            # The reader went away (advisor ... | head): stop quietly, as other tools do.
            _quiet_stdout()
            ctx.exit(EXIT_FAILED)
        except OSError as exc:
            if exc.errno not in _DISK_ERRORS:
                raise
            # A full disk or a failing device under stdout (files go through write_text).
            where = exc.filename or "standard output"
            raise AdvisorCliError(
                OutputError(f"{where}: write failed: {exc.strerror or exc}")
            ) from None


_DISK_ERRORS = {errno.ENOSPC, errno.EIO, errno.EDQUOT, errno.EFBIG, errno.EROFS}


def _quiet_stdout() -> None:
    # Python flushes stdout once more at exit; point it at /dev/null so that
    # flush cannot fail again.
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _what_was_written(ctx: click.Context) -> str:
    # Every command writes one file atomically, except batch, which writes one per team.
    if ctx.invoked_subcommand == "batch":
        return "the guides already written are complete; the others were not written"
    return "nothing was written"


class SubGroup(AdvisorGroup):
    """A nested group: plain command listing."""

    format_commands = click.Group.format_commands


def _on_sigterm(signum: int, frame: Any) -> NoReturn:
    raise Terminated()


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``advisor`` console script."""
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, _on_sigterm)
    cli.main(args=list(argv) if argv is not None else None, prog_name="advisor")


# --------------------------------------------------------------------------- shared options

#: One path type for every file option: each click.Path() looks up a translation
#: of its name when it is made, which costs more than all the rest of an option.
#: Not readable=True: click's own check would answer an unreadable file with a usage
#: error; advisor reads the file itself and reports it located, with its exit code.
PATH = click.Path(readable=False)


# Each of these is one decorator, applied to every command that takes the option.
rules_option = click.option(
    "--rules",
    "rules_path",
    multiple=True,
    type=PATH,
    help="Rulebook file or folder to use instead of the built-in one (repeatable).",
)
scores_option = click.option(
    "--scores",
    "scores_path",
    multiple=True,
    type=PATH,
    help="YAML file of extra models with scores (top-level 'models:'), repeatable.",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")


def format_option(help_text: str = "Output format.") -> Any:
    """The ``--format`` option of the commands that write guides or rulebooks."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default="md",
        show_default=True,
        help=help_text,
    )


def load_book(
    rules_path: Sequence[str], scores_path: Sequence[str] = (), *, base: Rulebook | None = None
) -> Rulebook:
    """The rulebook named on the command line (or ``base``, loaded already), with score
    overlays (each gives a new rulebook; the one below is left as it was)."""
    from advisor.load.rulebook import load_rulebook, load_scores

    book = base if base is not None else load_rulebook(list(rules_path) or None)
    for path in scores_path:
        book = load_scores(book, path)
    return book


def console(stderr: bool = False) -> Console:
    """A rich console: colour only on a terminal; NO_COLOR turns off every ANSI style."""
    from rich.console import Console

    # rich's own NO_COLOR handling drops colours but keeps bold and italics.
    plain = bool(os.environ.get("NO_COLOR"))
    return Console(
        stderr=stderr,
        highlight=False,
        soft_wrap=False,
        emoji=False,  # ":new:" in an agent's name is text (see advisor.cli.terminal)
        color_system=None if plain else "auto",
    )


def print_json(data: Any) -> None:
    """Plain, stable JSON on stdout and nothing else."""
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False))


# --------------------------------------------------------------------------- commands


@click.group(cls=AdvisorGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="advisor")
def cli() -> None:
    """Turn AI benchmark evidence into role-based adoption guidance for ML teams.

    \b
    Start with:  advisor guide            (asks a few questions, writes TEAM_GUIDE.md)
    Or:          advisor guide --defaults --team "Fraud ML" -o -
    """


@cli.command("guide")
@click.option("--answers", "answers_file", type=PATH, help="YAML file of answers (no prompts).")
@click.option("--save-answers", type=PATH, help="Write the answers given to this file.")
@click.option("--team", help="Team name.")
@click.option("--role", "roles", multiple=True, help="Role id or alias (repeatable).")
@click.option("--model", help="Model to adopt, e.g. gpt-5.5.")
@click.option("--baseline", help="Model to compare with ('none' for no comparison).")
@click.option("--stage", "stages", multiple=True, help="Workflow stage (repeatable).")
@click.option("--defaults", is_flag=True, help="Take the default for every question not answered.")
@click.option(
    "-o", "--output", default=None, help="File to write (default TEAM_GUIDE.<ext>); '-' for stdout."
)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@format_option()
@click.option(
    "--date", help="Date printed in the guide, YYYY-MM-DD (default SOURCE_DATE_EPOCH, else today)."
)
@click.option("--template", type=PATH, help="Custom Jinja2 template (rendered in the sandbox).")
@click.option("--fragment", is_flag=True, help="Leave out the title block (to include in a page).")
@click.option("--show", is_flag=True, help="Also show the guide in the terminal.")
@click.option(
    "--since",
    "since",
    type=PATH,
    help="Scores file of the last edition: add a 'What changed' section.",
)
@rules_option
@scores_option
def guide_cmd(
    answers_file: str | None,
    save_answers: str | None,
    team: str | None,
    roles: tuple[str, ...],
    model: str | None,
    baseline: str | None,
    stages: tuple[str, ...],
    defaults: bool,
    output: str | None,
    force: bool,
    fmt: str,
    date: str | None,
    template: str | None,
    fragment: bool,
    show: bool,
    since: str | None,
    rules_path: tuple[str, ...],
    scores_path: tuple[str, ...],
) -> None:
    """Ask a few questions and write a team guide.

    \b
    Examples:
      advisor guide                                   (interactive)
      advisor guide --defaults --team "Fraud ML" -o -
      advisor guide --answers answers.yaml --format html -o guide.html
      advisor guide --defaults --scores new.yaml --since last.yaml
    """
    from advisor.errors import InputError
    from advisor.evaluation.questionnaire import (
        dump_answers,
        load_answers_file,
        resolve_answers,
        set_answer,
        unused_answers,
    )
    from advisor.rendering.formats import EXTENSIONS
    from advisor.rendering.guide import guide_date, make_guide
    from advisor.rendering.output import check_target, write_text
    from advisor.rendering.templates import load_template, render

    when = guide_date(date)
    out = output or f"TEAM_GUIDE{EXTENSIONS[fmt]}"
    if save_answers == "-" and out == "-":
        raise InputError("-o - and --save-answers - both write to stdout; send one to a file")
    if (
        save_answers
        and save_answers != "-"
        and out != "-"
        and (os.path.abspath(save_answers) == os.path.abspath(out))
    ):
        raise InputError(f"--save-answers {save_answers} is the guide's own file; choose another")
    # Refuse before the questions: nobody should answer them all for a file that
    # cannot be written, or a template that does not compile.
    check_target(out, force=force)
    if save_answers:
        check_target(save_answers, force=force)
    if template:
        load_template("md" if fmt == "json" else fmt, template)
    rules = load_book(rules_path)
    book = load_book(rules_path, scores_path, base=rules)
    last = load_book(rules_path, [since], base=rules) if since else None
    given, origins = load_answers_file(answers_file) if answers_file else ({}, {})
    flags = {
        "team": team,
        "roles": list(roles) or None,
        "model": model,
        "baseline": baseline,
        "stages": list(stages) or None,
    }
    for key, value in flags.items():
        if value is not None:
            flag = "--" + {"roles": "role", "stages": "stage"}.get(key, key)
            set_answer(given, origins, key, value, flag)
    ask = None
    if not defaults:
        from advisor.cli.prompts import asker, prompt_stream

        stream = prompt_stream(stdout_taken=out == "-")
        ask = asker(stream) if stream is not None else None
    answers = resolve_answers(book, given, use_defaults=defaults, ask=ask, origins=origins)
    for note in unused_answers(book, given, answers, origins):
        click.echo(f"advisor: note: {note}", err=True)
    guide = make_guide(
        book, answers, date=when, fmt=fmt, template=template, fragment=fragment, since=last
    )
    written = write_text(out, guide.text, force=force)
    if save_answers:
        write_text(save_answers, dump_answers(answers), force=force)
    # With -o - stdout holds the guide itself; everything else goes to stderr.
    summary_stream = sys.stdout if written is not None else sys.stderr
    if not show and not (summary_stream is not None and summary_stream.isatty()):
        # Pipes, logs and CI get the summary as plain text, without loading rich.
        from advisor.evaluation.reports import guide_summary_lines

        for line in guide_summary_lines(book, guide.result, written):
            click.echo(line, err=written is None)
        return
    from advisor.cli.terminal import print_guide_summary, show_markdown

    term = console(stderr=written is None)
    if show:
        shown = (
            guide.text
            if fmt == "md"
            else render(guide.result, book, "md", fragment=fragment, extra=guide.context)
        )
        show_markdown(term, shown)
    print_guide_summary(term, book, guide.result, written)


@cli.command("models")
@rules_option
@scores_option
@json_option
def models_cmd(rules_path: tuple[str, ...], scores_path: tuple[str, ...], as_json: bool) -> None:
    """List models and their scores, with provenance.

    \b
    Example:  advisor models --json
    """
    from advisor.rendering.output import require_stdout

    require_stdout()
    from advisor.evaluation.reports import models_table

    book = load_book(rules_path, scores_path)
    rows = models_table(book)
    if as_json:
        print_json(rows)
        return
    from advisor.cli.terminal import print_models

    print_models(console(), book, rows)


@cli.command("compare")
@click.argument("model")
@click.argument("baseline")
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
    from advisor.rendering.output import require_stdout

    require_stdout()
    from advisor.evaluation.reports import compare

    book = load_book(rules_path, scores_path)
    rows = compare(book, book.resolve_model(model), book.resolve_model(baseline))
    if as_json:
        print_json(rows)
        return
    from advisor.cli.terminal import print_comparison

    print_comparison(console(), book, rows)


@cli.command("explain")
@click.option("--role", required=True, help="Role id or alias, e.g. ml-engineer or mle.")
@click.option("--model", required=True, help="Model id, e.g. gpt-5.5.")
@click.option("--baseline", default=None, help="Model to compare with (default: the model's own).")
@click.option("--no-baseline", is_flag=True, help="Compare with nothing.")
@click.option("--stage", default=None, help="Only this stage.")
@rules_option
@scores_option
@json_option
def explain_cmd(
    role: str,
    model: str,
    baseline: str | None,
    no_baseline: bool,
    stage: str | None,
    rules_path: tuple[str, ...],
    scores_path: tuple[str, ...],
    as_json: bool,
) -> None:
    """Show why each piece of advice was given, rule by rule.

    \b
    Example:  advisor explain --role mle --model gpt-5.5 --stage model-selection
    """
    from advisor.rendering.output import require_stdout

    require_stdout()
    from advisor.evaluation.reports import explain

    book = load_book(rules_path, scores_path)
    data = explain(
        book, role=role, model=model, baseline=baseline, no_baseline=no_baseline, stage=stage
    )
    if as_json:
        print_json(data)
        return
    from advisor.cli.terminal import print_explanation

    print_explanation(console(), data)


@cli.command("schema")
@click.option("-o", "--output", type=PATH, default="-", help="File to write (default stdout).")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def schema_cmd(output: str, force: bool) -> None:
    """Print the JSON Schema of rulebook files (for editors and CI).

    \b
    Example:  advisor schema -o rulebook.schema.json
    """
    from advisor.model.schema import json_schema
    from advisor.rendering.output import write_text

    text = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
    write_text(output, text, force=force)


@cli.group("rules", cls=SubGroup)
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
    from advisor.rendering.output import require_stdout

    require_stdout()
    from advisor.evaluation.texts import check_texts
    from advisor.load.rulebook import load_rulebook

    book = load_rulebook(list(paths) or None)
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
    from advisor.rendering.output import require_stdout

    require_stdout()
    from advisor.load.rulebook import load_rulebook
    from advisor.verify.lint import lint

    report = lint(load_rulebook(list(paths) or None))
    if as_json:
        print_json(report.to_dict())
    else:
        for line in report.lines():
            click.echo(line)
    if report.errors:
        click.get_current_context().exit(EXIT_FAILED)


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
    from advisor.rendering.output import require_stdout

    require_stdout()
    from advisor.load.rulebook import load_rulebook
    from advisor.verify.ruletest import run_tests

    report = run_tests(load_rulebook(list(paths) or None))
    for line in report.lines():
        click.echo(line)
    low = coverage_min is not None and report.below(coverage_min)
    if low:
        click.echo(
            f"coverage {report.coverage_percent()} is below the minimum of {coverage_min:g}%"
        )
    if report.failed or low:
        click.get_current_context().exit(EXIT_FAILED)


@cli.command("init")
@click.argument("folder", required=False, default="rulebook", type=PATH)
@click.option(
    "--id",
    "rulebook_id",
    default="my-org",
    show_default=True,
    help="Id of the new rulebook (lowercase a-z, 0-9, '.', '_', '-').",
)
@click.option(
    "--name",
    default="My organisation's rulebook",
    show_default=True,
    help="Name of the new rulebook, shown in guides.",
)
@click.option("--force", is_flag=True, help="Overwrite the scaffold's files if they exist.")
def init_cmd(folder: str, rulebook_id: str, name: str, force: bool) -> None:
    """Scaffold an organisation rulebook that extends the built-in one.

    \b
    Example:  advisor init acme-rules --id acme --name "ACME ML"
    Writes FOLDER/rulebook.yaml (one example override) and FOLDER/tests.yaml
    (one test); both validate, lint and test clean as written.
    """
    import shlex

    from advisor.verify.scaffold import scaffold

    for path in scaffold(folder, rulebook_id=rulebook_id, name=name, force=force):
        click.echo(f"wrote {path}")
    q = shlex.quote(folder)
    click.echo(
        f"next: advisor rules validate {q} && advisor rules lint {q} && advisor rules test {q}"
    )


@rules_group.command("export")
@format_option()
@click.option(
    "-o", "--output", default="-", show_default=True, help="File to write; '-' for stdout."
)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
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
    from advisor.rendering.output import write_text

    book = load_book(rules_path, scores_path)
    text = render_rules(book, fmt, fragment=fragment)
    written = write_text(output, text, force=force)
    if written is not None:
        click.echo(f"Wrote {written}", err=True)


@cli.group("scores", cls=SubGroup)
def scores_group() -> None:
    """Work with scores files.

    \b
    Example:  advisor scores import leaderboard.csv -o scores.yaml
    """


# --------------------------------------------------------------------------- editions


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
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
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
    from advisor.rendering.output import write_text

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


@cli.command("diff")
@click.option("--from", "from_path", type=PATH, help="Scores file of the last edition.")
@click.option("--to", "to_path", type=PATH, help="Scores file of the new edition.")
@click.option(
    "--rules-from",
    multiple=True,
    type=PATH,
    help="Rulebook of the last edition (default: --rules or the built-in one).",
)
@click.option(
    "--rules-to",
    multiple=True,
    type=PATH,
    help="Rulebook of the new edition (default: --rules or the built-in one).",
)
@click.option("--model-from", default=None, help="Model of the last edition, e.g. gpt-5.4.")
@click.option("--model-to", default=None, help="Model of the new edition, e.g. gpt-5.5.")
@click.option(
    "--model",
    default=None,
    help="Model on both sides (default: every model the scores files define).",
)
@click.option("--baseline", default=None, help="Baseline on both sides (default: each model's).")
@click.option("--no-baseline", is_flag=True, help="Compare with nothing.")
@click.option("--role", "roles", multiple=True, help="Only this role (repeatable).")
@click.option("--stage", "stages", multiple=True, help="Only this stage (repeatable).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "md", "json"]),
    default="table",
    show_default=True,
    help="Output format.",
)
@click.option("--all", "show_all", is_flag=True, help="Show unchanged lines too.")
@click.option("-o", "--output", type=PATH, default="-", help="File to write (default stdout).")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@rules_option
@scores_option
def diff_cmd(
    from_path: str | None,
    to_path: str | None,
    rules_from: tuple[str, ...],
    rules_to: tuple[str, ...],
    model_from: str | None,
    model_to: str | None,
    model: str | None,
    baseline: str | None,
    no_baseline: bool,
    roles: tuple[str, ...],
    stages: tuple[str, ...],
    fmt: str,
    show_all: bool,
    output: str,
    force: bool,
    rules_path: tuple[str, ...],
    scores_path: tuple[str, ...],
) -> None:
    """Show what changed between two editions: scores, rulebooks or models.

    \b
    Examples:
      advisor diff --model-from gpt-5.4 --model-to gpt-5.5
      advisor diff --from lb-2026-01.yaml --to lb-2026-04.yaml --role mle
      advisor diff --rules-from old-rules/ --rules-to rules/ --format md

    Lists, per role and stage whose advice changed, the old and new autonomy,
    the rules, and which input crossed which boundary. Exit 0 either way.
    """
    from advisor.rendering.output import check_target

    check_target(output, force=force)  # before the editions are compared
    from advisor.errors import InputError
    from advisor.evaluation.diff import Side, compare_editions, model_pairs, render_changes_md

    if not (from_path or to_path or rules_from or rules_to or model_from or model_to):
        raise InputError(
            "nothing to compare: give --from/--to (scores files), "
            "--rules-from/--rules-to or --model-from/--model-to"
        )
    old_scores = [*scores_path, *([from_path] if from_path else [])]
    new_scores = [*scores_path, *([to_path] if to_path else [])]
    shared = load_book(rules_path) if not (rules_from and rules_to) else None
    old_book = load_book(rules_from, old_scores, base=None if rules_from else shared)
    new_book = load_book(rules_to, new_scores, base=None if rules_to else shared)
    default = next(
        (
            str(q.default)
            for q in new_book.questions
            if q.id == "model" and isinstance(q.default, str)
        ),
        None,
    )
    pairs, added, removed = model_pairs(
        old_book,
        new_book,
        model_from=model_from,
        model_to=model_to,
        model=model,
        old_file=bool(from_path),
        new_file=bool(to_path),
        default=default,
    )
    label_old = " + ".join([from_path or "", *rules_from]).strip(" +") or "built-in"
    label_new = " + ".join([to_path or "", *rules_to]).strip(" +") or "built-in"
    result = compare_editions(
        Side(old_book, model_from or label_old),
        Side(new_book, model_to or label_new),
        pairs,
        baseline=baseline,
        no_baseline=no_baseline,
        roles=roles,
        stages=stages,
        include_unchanged=show_all,
    )
    result.added, result.removed = added, removed
    if fmt == "json":
        from advisor.rendering.output import write_text

        write_text(
            output, json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n", force=force
        )
        return
    if fmt == "md":
        from advisor.rendering.output import write_text

        write_text(output, render_changes_md(result.changes), force=force)
        return
    from advisor.cli.terminal import changes_text, print_changes

    if output == "-":
        print_changes(console(), result)
    else:
        from advisor.rendering.output import write_text

        write_text(output, changes_text(result), force=force)


@cli.command("batch")
@click.argument("roster", type=PATH)
@click.option(
    "--out-dir", required=True, type=PATH, help="Existing folder to write one guide per team into."
)
@format_option("Format of rows that name none.")
@click.option(
    "--date", help="Date printed in the guides, YYYY-MM-DD (default SOURCE_DATE_EPOCH, else today)."
)
@click.option("--template", type=PATH, help="Custom Jinja2 template for every guide.")
@click.option("--force", is_flag=True, help="Overwrite existing files.")
@rules_option
@scores_option
def batch_cmd(
    roster: str,
    out_dir: str,
    fmt: str,
    date: str | None,
    template: str | None,
    force: bool,
    rules_path: tuple[str, ...],
    scores_path: tuple[str, ...],
) -> None:
    """Write one guide per team of a roster (CSV or YAML) into a folder.

    \b
    Example:  advisor batch teams.csv --out-dir guides/
    Columns: team, model, and optionally roles, stages, baseline, format.
    File names come from team names and never leave the folder. A bad row is
    reported with its line and the others are written; exit 1 if any failed.
    """
    from advisor.rendering.batch import read_roster, run_batch
    from advisor.rendering.guide import guide_date

    when = guide_date(date)
    book = load_book(rules_path, scores_path)
    rows = read_roster(roster)
    err = console(stderr=True)
    with contextlib.ExitStack() as stack:
        progress = None
        if err.is_terminal and rows:  # a progress bar on a terminal only
            from rich.progress import Progress

            bar = stack.enter_context(Progress(console=err, transient=True))
            task = bar.add_task("Writing guides", total=len(rows))
            progress = lambda _o: bar.advance(task)  # noqa: E731
        report = run_batch(
            book,
            rows,
            out_dir,
            date=when,
            fmt=fmt,
            force=force,
            template=template,
            progress=progress,
        )
    for o in report.failed:
        click.echo(f"advisor: error: {o.location}: {o.error}", err=True)
    from advisor.cli.terminal import print_batch_summary

    print_batch_summary(console(), report)
    if report.failed:
        click.get_current_context().exit(EXIT_FAILED)
