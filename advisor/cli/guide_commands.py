"""The commands that write guides: ``guide``, ``batch`` and ``diff``; and ``init``, which
writes an organisation's rulebook.

Each command imports the library modules it runs inside its function, so that
``advisor --help`` and the other commands do without them.
"""

from __future__ import annotations

import json
import shlex
import sys

import click
from click.core import ParameterSource

from advisor.cli.common import (
    PATH,
    Once,
    complete_ids,
    fail_if,
    force_option,
    format_option,
    json_option,
    load_book,
    model_option,
    note,
    print_json,
    prompt_stream,
    read_stdin,
    roles_option,
    rules_option,
    scores_option,
    stages_option,
    verified_option,
)
from advisor.errors import InputError
from advisor.load.paths import STDIN, STDIN_NAME
from advisor.rendering.formats import EXTENSIONS
from advisor.rendering.output import check_target, refuse_same_files, write_text


@click.command("guide")
@click.option(
    "--answers",
    "answers_file",
    cls=Once,
    type=PATH,
    help="YAML file of answers (no prompts); '-' reads standard input.",
)
@click.option(
    "--save-answers",
    cls=Once,
    type=PATH,
    help="Write an edition file: the answers and how the guide was made.",
)
@click.option(
    "--check",
    "check_path",
    cls=Once,
    type=PATH,
    metavar="EDITION",
    help="Exit 1, naming what changed, when the edition's guide is stale.",
)
@click.option(
    "--update",
    "update_path",
    cls=Once,
    type=PATH,
    metavar="EDITION",
    help="Write the edition's guide again from the current inputs (no prompts).",
)
@click.option("--team", cls=Once, help="Team name.")
@roles_option("Role id or alias (repeatable).")
@model_option("--model", "Model to adopt, e.g. gpt-5.5; 'auto': the one 'advisor rank' puts first.")
@model_option("--baseline", "Model to compare with ('none' for no comparison).", kind="baseline")
@stages_option("Workflow stage (repeatable).")
@click.option("--defaults", is_flag=True, help="Take the default for every question not answered.")
@click.option(
    "-o",
    "--output",
    cls=Once,
    default=None,
    help="File to write (default TEAM_GUIDE.<ext>); '-' for stdout.",
)
@force_option
@format_option()
@click.option(
    "--date",
    cls=Once,
    help="Date printed in the guide, YYYY-MM-DD (default SOURCE_DATE_EPOCH, else today).",
)
@click.option(
    "--template", cls=Once, type=PATH, help="Custom Jinja2 template (rendered in the sandbox)."
)
@click.option("--fragment", is_flag=True, help="Leave out the title block (to include in a page).")
@click.option("--show", is_flag=True, help="Also show the guide in the terminal.")
@click.option(
    "--since",
    "since",
    cls=Once,
    type=PATH,
    help="Scores file of the last edition: add a 'What changed' section.",
)
@click.option(
    "--shortlist",
    is_flag=True,
    help="Add 'Which model for which stage': the top models per stage (always with --model auto).",
)
@verified_option
@rules_option
@scores_option
def guide_cmd(
    answers_file: str | None,
    save_answers: str | None,
    check_path: str | None,
    update_path: str | None,
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
    shortlist: bool,
    verified_only: bool,
    rules_path: tuple[str, ...],
    scores_path: tuple[str, ...],
) -> None:
    """Ask a few questions and write a team guide.

    --model auto (in the questionnaire: "Not sure: recommend one for my team") adopts
    the model 'advisor rank' puts first for the team's roles and stages: the one
    leading the most role × stage rankings, ties going to fewer provisional stages,
    then more autonomy over all of them, then better places in them, then the model id.

    \b
    Examples:
      advisor guide                                   (interactive)
      advisor guide --defaults --team "Fraud ML" -o -
      advisor guide --defaults --model auto --role mle -o guide.md
      advisor guide --answers answers.yaml --format html -o guide.html
      advisor guide --defaults --scores new.yaml --since last.yaml
      advisor guide --defaults -o guide.md --save-answers edition.yaml
      advisor guide --check edition.yaml        (exit 1 when guide.md is stale)
      advisor guide --update edition.yaml       (write it again, with what changed)
    """
    if check_path or update_path:
        _refresh(check_path, update_path, date, force)
        return
    from advisor.evaluation import questionnaire, reports
    from advisor.rendering import guide, templates

    when = guide.guide_date(date)
    out = output or f"TEAM_GUIDE{EXTENSIONS[fmt]}"
    if save_answers == "-" and out == "-":
        raise InputError("-o - and --save-answers - both write to stdout; send one to a file")
    refuse_same_files(
        [("-o", out), ("--save-answers", save_answers)],
        [
            ("--answers", answers_file),
            ("--template", template),
            ("--since", since),
            *(("--scores", p) for p in scores_path),
            *(("--rules", p) for p in rules_path),
        ],
    )
    # Refuse before the questions: nobody should answer them all for a file that
    # cannot be written, or a template that does not compile.
    check_target(out, force=force)
    if save_answers:
        check_target(save_answers, force=force)
    if template:
        templates.load_template("md" if fmt == "json" else fmt, template)
    rules = load_book(rules_path)
    book = load_book(rules_path, scores_path, base=rules)
    last = load_book(rules_path, [since], base=rules) if since else None
    if answers_file == STDIN:
        given, origins = questionnaire.read_answers(read_stdin(), STDIN_NAME)
    elif answers_file:
        given, origins = questionnaire.load_answers_file(answers_file)
    else:
        given, origins = {}, {}
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
            questionnaire.set_answer(given, origins, key, value, flag)
    ask = None
    if not defaults:
        stream = prompt_stream(stdout_taken=out == "-")
        if stream is not None:  # questionary only when a question can be asked
            from advisor.cli import prompts

            ask = prompts.asker(stream)
    recommending = questionnaire.Recommending(book, verified_only=verified_only)
    answers = questionnaire.resolve_answers(
        book, given, use_defaults=defaults, ask=ask, origins=origins, recommending=recommending
    )
    shortlist = shortlist or recommending.picked is not None
    for unused in questionnaire.unused_answers(book, given, answers, origins):
        note(unused)
    page = guide.make_guide(
        book,
        answers,
        date=when,
        fmt=fmt,
        template=template,
        fragment=fragment,
        since=last,
        verified_only=verified_only,
        shortlist=shortlist,
    )
    written = write_text(out, page.text, force=force)
    if save_answers:
        from advisor.rendering import edition, refresh

        record = refresh.new_record(
            save_answers,
            book=book,
            answers=answers,
            page=page,
            output=out,
            date=when,
            fmt=fmt,
            template=template,
            fragment=fragment,
            rules=rules_path,
            scores=scores_path,
            since=last,
            verified_only=verified_only,
            shortlist=shortlist,
        )
        # A recommended model is saved as the request it answered ("auto"), so the file
        # gives the same guide, recommendation and shortlist included, and --update
        # recommends again from the scores of the day.
        saved = {**answers, "model": questionnaire.AUTO} if recommending.picked else answers
        write_text(save_answers, edition.edition_text(saved, record), force=force)
    # With -o - stdout holds the guide itself; everything else goes to stderr.
    summary_stream = sys.stdout if written is not None else sys.stderr
    if not show and not (summary_stream is not None and summary_stream.isatty()):
        # Pipes, logs and CI get the summary as plain text, without loading rich.
        for line in reports.guide_summary_lines(book, page.result, written):
            click.echo(line, err=written is None)
        return
    from advisor.cli import terminal

    term = terminal.console(stderr=written is None)
    if show:
        shown = (
            page.text
            if fmt == "md"
            else templates.render(page.result, book, "md", fragment=fragment, extra=page.context)
        )
        terminal.show_markdown(term, shown)
    terminal.print_guide_summary(term, book, page.result, written)


def _refresh(
    check_path: str | None, update_path: str | None, date: str | None, force: bool
) -> None:
    """``guide --check`` or ``guide --update``: everything else comes from the edition file."""
    if check_path and update_path:
        raise InputError("--check and --update: give one of them")
    ctx = click.get_current_context()
    allowed = {"check_path"} if check_path else {"update_path", "date", "force"}
    # ADVISOR_RULES and ADVISOR_SCORES are exported for every command; here the edition
    # file names the rulebook and scores, so a value from the environment is ignored.
    unset = (ParameterSource.DEFAULT, ParameterSource.ENVIRONMENT)
    for param in ctx.command.params:
        name = param.name or ""
        if name not in allowed and ctx.get_parameter_source(name) not in unset:
            only = "" if check_path else "; --update takes only --date and --force"
            raise InputError(
                f"{param.opts[0]}: --check and --update read everything else from the "
                f"edition file{only}"
            )
    from advisor.rendering import refresh

    if check_path:
        outcome = refresh.check(check_path)
        click.echo(outcome.line)
        fail_if(not outcome.current)
        return
    assert update_path is not None
    click.echo(refresh.update(update_path, date=date, force=force).line)


@click.command("batch")
@click.argument("roster", type=PATH)
@click.option(
    "--out-dir",
    required=True,
    type=PATH,
    help="Folder to write one guide per team into (created with its parents if missing).",
)
@format_option("Format of rows that name none.")
@click.option(
    "--date", help="Date printed in the guides, YYYY-MM-DD (default SOURCE_DATE_EPOCH, else today)."
)
@click.option("--template", type=PATH, help="Custom Jinja2 template for every guide.")
@click.option("--force", is_flag=True, help="Overwrite existing files.")
@verified_option
@json_option
@rules_option
@scores_option
def batch_cmd(
    roster: str,
    out_dir: str,
    fmt: str,
    date: str | None,
    template: str | None,
    force: bool,
    verified_only: bool,
    as_json: bool,
    rules_path: tuple[str, ...],
    scores_path: tuple[str, ...],
) -> None:
    """Write one guide per team of a roster (CSV or YAML) into a folder.

    \b
    Example:  advisor batch teams.csv --out-dir guides/

    Columns: team, model, and optionally roles, stages, baseline, format.
    File names come from team names and never leave the folder. A bad row is
    reported with its line and the others are written; exit 1 if any failed.
    --json prints the summary as {"ok", "out_dir", "written", "failed",
    "guides": [{"location", "line", "team", "file", "ok", "error"}]}.
    """
    from advisor.cli import terminal
    from advisor.rendering import batch, guide

    when = guide.guide_date(date)
    book = load_book(rules_path, scores_path)
    rows = batch.read_roster(roster)
    err = terminal.console(stderr=True)
    with terminal.progress_bar(err, len(rows), "Writing guides") as progress:
        report = batch.run_batch(
            book,
            rows,
            out_dir,
            date=when,
            fmt=fmt,
            force=force,
            template=template,
            progress=progress,
            verified_only=verified_only,
            inputs=[
                ("roster", roster),
                ("--template", template),
                *(("--scores", p) for p in scores_path),
                *(("--rules", p) for p in rules_path),
            ],
        )
    if as_json:
        print_json(report.to_dict())
    else:
        for o in report.failed:
            click.echo(f"advisor: error: {o.location}: {o.error}", err=True)
        terminal.print_batch_summary(terminal.console(), report)
    fail_if(bool(report.failed))


@click.command("diff")
@click.option("--from", "from_path", cls=Once, type=PATH, help="Scores file of the last edition.")
@click.option("--to", "to_path", cls=Once, type=PATH, help="Scores file of the new edition.")
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
@click.option(
    "--model-from",
    cls=Once,
    default=None,
    shell_complete=complete_ids("model"),
    help="Model of the last edition, e.g. gpt-5.4.",
)
@click.option(
    "--model-to",
    cls=Once,
    default=None,
    shell_complete=complete_ids("model"),
    help="Model of the new edition, e.g. gpt-5.5.",
)
@model_option("--model", "Model on both sides (default: every model the scores files define).")
@model_option(
    "--baseline",
    "Baseline on both sides (default: each model's; 'none' for no comparison).",
    kind="baseline",
)
@click.option("--no-baseline", is_flag=True, help="Compare with nothing.")
@roles_option("Only this role (repeatable).")
@stages_option("Only this stage (repeatable).")
@click.option(
    "--format",
    "fmt",
    cls=Once,
    type=click.Choice(["table", "md", "json"]),
    default="table",
    show_default=True,
    help="Output format.",
)
@click.option("--all", "show_all", is_flag=True, help="Show unchanged lines too.")
@click.option(
    "-o", "--output", cls=Once, type=PATH, default="-", help="File to write (default stdout)."
)
@force_option
@verified_option
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
    verified_only: bool,
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
    check_target(output, force=force)  # before the editions are compared
    refuse_same_files(
        [("-o", output)],
        [
            ("--from", from_path),
            ("--to", to_path),
            *(("--rules-from", p) for p in rules_from),
            *(("--rules-to", p) for p in rules_to),
            *(("--scores", p) for p in scores_path),
            *(("--rules", p) for p in rules_path),
        ],
    )
    from advisor.evaluation.diff import Side, compare_editions, model_pairs

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
        verified_only=verified_only,
    )
    result.added, result.removed = added, removed
    if fmt == "json":
        write_text(
            output, json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n", force=force
        )
        return
    if fmt == "md":
        from advisor.rendering.changes import render_changes_md

        text = render_changes_md(result.changes, added=result.added, removed=result.removed)
        write_text(output, text, force=force)
        return
    from advisor.cli import terminal

    if output == "-":
        terminal.print_changes(terminal.console(), result)
    else:
        write_text(output, terminal.changes_text(result), force=force)


@click.command("init")
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
    from advisor.verify.scaffold import scaffold

    for path in scaffold(folder, rulebook_id=rulebook_id, name=name, force=force):
        click.echo(f"wrote {path}")
    q = shlex.quote(folder)
    click.echo(
        f"next: advisor rules validate {q} && advisor rules lint {q} && advisor rules test {q}"
    )
